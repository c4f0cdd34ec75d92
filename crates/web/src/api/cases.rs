use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use bancheng_domain::case::Registration;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::api::dto::{CaseDto, CaseList, EventDto};
use crate::http::error::ApiError;
use crate::http::extract::{Auth, Body, upload};
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

/// The header that makes a registration idempotent (SPEC §7).
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Register a case (登记). The window's duty staff or the office; the number is assigned here.
/// With an `Idempotency-Key` header (1–200 visible ASCII characters), a repeat of the same key
/// by the same user within 24 hours answers 200 with the case it registered, never a second
/// one; the same key with a different body is a 422 `idempotency_mismatch`.
#[utoipa::path(post, path = "/api/v1/cases", tag = "cases", security(("bearer" = [])), request_body = CreateCase,
    params(("Idempotency-Key" = Option<String>, Header, description = "Repeat-safe registration: a repeat returns the first case (24 h, per user)")),
    responses((status = 201, body = CaseDto), (status = 200, description = "A repeat of an Idempotency-Key: the case it registered", body = CaseDto),
              (status = 401, body = crate::http::error::ErrorBody),
              (status = 403, body = crate::http::error::ErrorBody), (status = 422, body = crate::http::error::ErrorBody)))]
pub async fn create(
    State(s): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
    Body(body): Body<CreateCase>,
) -> Result<(StatusCode, Json<CaseDto>), ApiError> {
    let key = match headers.get(IDEMPOTENCY_KEY) {
        None => None,
        Some(v) => Some(v.to_str().map_err(|_| {
            ApiError::invalid("Idempotency-Key", "Idempotency-Key 应为1至200个可见ASCII字符")
        })?),
    };
    let (view, repeat) = s.app.register_once(&auth.actor, &body.into(), key).await?;
    let status = if repeat { StatusCode::OK } else { StatusCode::CREATED };
    Ok((status, Json(CaseDto::from(&view))))
}

#[derive(Deserialize, utoipa::IntoParams)]
pub struct SearchParams {
    /// A case number, a full phone or its last 4 digits, an ID number, an enterprise name or
    /// 统一社会信用代码, a name or any text.
    pub q: String,
}

/// The header search: cases found by number, phone (or its last 4 digits), ID number, enterprise
/// name or credit code, name or text, newest first, at most 50 — within what the user may read.
#[utoipa::path(get, path = "/api/v1/search", tag = "cases", security(("bearer" = [])), params(SearchParams),
    responses((status = 200, body = Vec<bancheng_app::CaseSummary>), (status = 401, body = crate::http::error::ErrorBody),
              (status = 422, body = crate::http::error::ErrorBody)))]
pub async fn search(
    State(s): State<AppState>,
    auth: Auth,
    params: Result<Query<SearchParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<Vec<bancheng_app::CaseSummary>>, ApiError> {
    let Query(p) = params.map_err(|_| ApiError::invalid("q", "请输入检索内容"))?;
    Ok(Json(s.app.search(&auth.actor, &p.q, 50).await?))
}

/// Add a photo or scan of a document (JPEG, PNG or PDF, checked by content; default at most 5
/// files of 5 MB each) as multipart/form-data field `file`.
#[utoipa::path(post, path = "/api/v1/cases/{number}/attachments", tag = "cases", security(("bearer" = [])),
    params(("number" = String, Path, description = "事项编号")),
    request_body(content = inline(Object), content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 201, body = CaseDto), (status = 403, body = crate::http::error::ErrorBody),
              (status = 404, body = crate::http::error::ErrorBody), (status = 413, body = crate::http::error::ErrorBody),
              (status = 422, body = crate::http::error::ErrorBody)))]
pub async fn attach(
    State(s): State<AppState>,
    auth: Auth,
    Path(number): Path<String>,
    form: Multipart,
) -> Result<(StatusCode, Json<CaseDto>), ApiError> {
    let file = upload(form).await?;
    let view = s.app.attach(&auth.actor, &number, &file.name, file.bytes).await?;
    Ok((StatusCode::CREATED, Json(CaseDto::from(&view))))
}

/// One attachment of a case, as stored (for those who may read the case).
#[utoipa::path(get, path = "/api/v1/cases/{number}/attachments/{seq}", tag = "cases", security(("bearer" = [])),
    params(("number" = String, Path, description = "事项编号"), ("seq" = i64, Path, description = "附件序号")),
    responses((status = 200, description = "The file (image/jpeg, image/png or application/pdf)"),
              (status = 403, body = crate::http::error::ErrorBody), (status = 404, body = crate::http::error::ErrorBody)))]
pub async fn attachment(
    State(s): State<AppState>,
    auth: Auth,
    Path((number, seq)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    let file = s.app.attachment(&auth.actor, &number, seq).await?;
    Ok(crate::http::view::attachment_response(file))
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
