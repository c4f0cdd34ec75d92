use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use bancheng_domain::case::Registration;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::dto::{CaseDto, CaseList, EventDto};
use crate::http::error::ApiError;
use crate::http::extract::{Auth, Body};
use crate::http::query::ListParams;

/// Registration (附件3 登记表 + SPEC §3). Codes: channel window|online|phone|hotline,
/// applicant_type person|enterprise, category not_accepted|not_approved|many_trips|online_failed|other.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCase {
    /// 办理对象姓名 (1–50)
    pub applicant_name: String,
    /// 联系电话: mainland mobile or fixed line with area code
    pub phone: String,
    /// “办不成事”情况记录 (1–2000)
    pub description: String,
    pub channel: Option<String>,
    pub applicant_type: Option<String>,
    /// 18-digit 居民身份证号 (checksum validated)
    pub id_number: Option<String>,
    pub enterprise_name: Option<String>,
    /// 统一社会信用代码 (GB 32100 checksum)
    pub credit_code: Option<String>,
    /// 事项名称
    pub matter: Option<String>,
    /// The unit where the matter failed
    pub failed_unit: Option<String>,
    pub category: Option<String>,
}

impl From<CreateCase> for Registration {
    fn from(c: CreateCase) -> Self {
        Registration {
            applicant_name: c.applicant_name,
            phone: c.phone,
            description: c.description,
            channel: c.channel,
            applicant_type: c.applicant_type,
            id_number: c.id_number,
            enterprise_name: c.enterprise_name,
            credit_code: c.credit_code,
            matter: c.matter,
            failed_unit: c.failed_unit,
            category: c.category,
        }
    }
}

/// Register a case (登记). The window's duty staff or the office; the number is assigned here.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), request_body = CreateCase,
    responses((status = 201, body = CaseDto), (status = 401, body = crate::http::error::ErrorBody),
              (status = 403, body = crate::http::error::ErrorBody), (status = 422, body = crate::http::error::ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    auth: Auth,
    Body(body): Body<CreateCase>,
) -> Result<(StatusCode, Json<CaseDto>), ApiError> {
    let view = s.app.register(&auth.actor, &body.into()).await?;
    Ok((StatusCode::CREATED, Json(CaseDto::from(&view))))
}

/// List cases with filters and pagination. Handlers see only their unit's cases; phones and ID
/// numbers are masked.
#[utoipa::path(get, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), params(ListParams),
    responses((status = 200, body = CaseList), (status = 401, body = crate::http::error::ErrorBody),
              (status = 422, body = crate::http::error::ErrorBody)))]
pub async fn list(
    State(s): State<AppState>,
    auth: Auth,
    params: Result<Query<ListParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CaseList>, ApiError> {
    let Query(p) = params.map_err(|e| ApiError::invalid("query", format!("查询参数不正确：{e}")))?;
    let q = p.to_query()?;
    let (rows, total) = s.app.cases(&auth.actor, &q).await?;
    Ok(Json(CaseList { items: rows, total, page: q.page.unwrap_or(1), per_page: q.per_page.unwrap_or(20) }))
}

/// One case, with its deadlines and how they stand today.
#[utoipa::path(get, path = "/api/v1/cases/{number}", tag = "cases", security(("bearer" = [])),
    params(("number" = String, Path, description = "事项编号, e.g. 2021081003")),
    responses((status = 200, body = CaseDto), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn get(
    State(s): State<AppState>,
    auth: Auth,
    Path(number): Path<String>,
) -> Result<Json<CaseDto>, ApiError> {
    let view = s.app.case(&auth.actor, &number).await?;
    Ok(Json(CaseDto::from(&view)))
}

/// The case's append-only, hash-chained event log (SPEC §4.6), oldest first.
#[utoipa::path(get, path = "/api/v1/cases/{number}/events", tag = "cases", security(("bearer" = [])),
    params(("number" = String, Path, description = "事项编号")),
    responses((status = 200, body = Vec<EventDto>), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn events(
    State(s): State<AppState>,
    auth: Auth,
    Path(number): Path<String>,
) -> Result<Json<Vec<EventDto>>, ApiError> {
    let events = s.app.events(&auth.actor, &number).await?;
    Ok(Json(events.into_iter().map(EventDto::from).collect()))
}
