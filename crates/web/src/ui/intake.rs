//! 登记 (第一条): the window's intake form in the order of the 登记表 (附件3), inline checks and
//! the repeat-trip hint, and today's cases.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use bancheng_app::{AppError, CaseQuery, CaseSummary};
use bancheng_domain::DomainError;
use bancheng_domain::case::{Category, Channel, Registration};
use bancheng_domain::deadline::local_day;
use bancheng_domain::validate::{CreditCode, IdNumber, Phone};
use serde::{Deserialize, Serialize};

use super::extract::{Staff, StaffForm};
use super::render::{FormState, Nav, UiError, UiResult, render_with};
use super::view::local_time;
use crate::AppState;

#[derive(Template)]
#[template(path = "intake.html")]
pub struct IntakePage {
    pub nav: Nav,
    pub form: FormState,
    pub error: Option<String>,
    pub received_by: String,
    pub now: String,
    pub channels: Vec<(&'static str, &'static str)>,
    pub categories: Vec<(&'static str, &'static str)>,
    pub today: Vec<TodayRow>,
}

pub struct TodayRow {
    pub number: String,
    pub time: String,
    pub name: String,
    pub phone: String,
    pub status: &'static str,
    pub description: String,
}

fn status_label(code: &str) -> &'static str {
    bancheng_domain::case::Status::parse(code).map(|s| s.label()).unwrap_or("—")
}

/// Today's registrations (window home).
async fn today_rows(s: &AppState, staff: &Staff) -> Result<Vec<TodayRow>, UiError> {
    let today = local_day(s.app.now());
    let q = CaseQuery { from: Some(today), to: Some(today), per_page: Some(100), ..Default::default() };
    let (rows, _) = s.app.cases(&staff.actor, &q).await?;
    Ok(rows.iter().map(today_row).collect())
}

fn today_row(r: &CaseSummary) -> TodayRow {
    TodayRow {
        number: r.number.clone(),
        time: local_time(&r.received_at)[11..].to_owned(),
        name: r.applicant_name.clone(),
        phone: r.phone.clone(),
        status: status_label(&r.status),
        description: r.description.chars().take(40).collect(),
    }
}

pub async fn intake_page(s: &AppState, staff: &Staff, section: &'static str) -> Result<IntakePage, UiError> {
    Ok(IntakePage {
        nav: staff.nav(section),
        form: FormState::with(&[("channel", "window"), ("applicant_type", "person")]),
        error: None,
        received_by: staff.nav(section).name,
        now: local_time(&s.app.now()),
        channels: Channel::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        categories: Category::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        today: today_rows(s, staff).await?,
    })
}

pub async fn page(State(s): State<AppState>, staff: Staff) -> UiResult {
    if !bancheng_domain::case::may_register(staff.actor.role) {
        return Err(UiError::new(StatusCode::FORBIDDEN, "只有窗口值班人员和领导小组办公室可以登记"));
    }
    Ok(render_with(StatusCode::OK, &intake_page(&s, &staff, "intake").await?))
}

fn registration_of(form: &StaffForm) -> Registration {
    let enterprise = form.get("applicant_type") == "enterprise";
    Registration {
        applicant_name: form.get("applicant_name").to_owned(),
        phone: form.get("phone").to_owned(),
        description: form.get("description").to_owned(),
        channel: form.opt("channel"),
        applicant_type: form.opt("applicant_type"),
        id_number: form.opt("id_number"),
        enterprise_name: form.opt("enterprise_name").filter(|_| enterprise),
        credit_code: form.opt("credit_code").filter(|_| enterprise),
        matter: form.opt("matter"),
        failed_unit: form.opt("failed_unit"),
        category: form.opt("category"),
    }
}

pub async fn submit(State(s): State<AppState>, form: StaffForm) -> UiResult {
    let reg = registration_of(&form);
    match s.app.register(&form.staff.actor, &reg).await {
        Ok(view) => Ok(Redirect::to(&format!("/cases/{}?registered=1", view.case.number)).into_response()),
        Err(AppError::Domain(DomainError::Invalid { field, message })) => {
            let mut page = intake_page(&s, &form.staff, "intake").await?;
            page.form = FormState::refused(&form, field, &message);
            page.error = Some(message);
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct CheckQuery {
    field: String,
    value: String,
}

#[derive(Serialize)]
pub struct CheckAnswer {
    ok: bool,
    message: String,
    /// Repeat-trip hint (SPEC §4.2): earlier cases of this applicant.
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<String>,
}

/// `GET /ui/check?field=phone|id_number|credit_code&value=…`: the domain's validation, and for
/// phone and ID the applicant's earlier cases.
pub async fn check(State(s): State<AppState>, staff: Staff, Query(q): Query<CheckQuery>) -> Response {
    let value = q.value.trim();
    let parsed: Result<String, DomainError> = match q.field.as_str() {
        "phone" => Phone::parse(value).map(|p| format!("✓ {}", p.as_str())),
        "id_number" => IdNumber::parse(value).map(|_| "✓ 身份证号码校验通过".to_owned()),
        "credit_code" => CreditCode::parse(value).map(|_| "✓ 统一社会信用代码校验通过".to_owned()),
        _ => Err(DomainError::invalid("field", "不支持的校验项")),
    };
    let answer = match parsed {
        Err(e) => CheckAnswer { ok: false, message: e.message().to_owned(), hint: None },
        Ok(message) => {
            let trips = match q.field.as_str() {
                "phone" => s.app.earlier_trips(&staff.actor, Some(value), None).await,
                "id_number" => s.app.earlier_trips(&staff.actor, None, Some(value)).await,
                _ => Ok(vec![]),
            };
            let hint = trips.ok().filter(|t| !t.is_empty()).map(|t| {
                let list: Vec<String> = t
                    .iter()
                    .take(5)
                    .map(|e| match &e.matter {
                        Some(m) => format!("{}（{m}）", e.number),
                        None => e.number.clone(),
                    })
                    .collect();
                format!(
                    "该办理对象此前已登记{}件：{}。同一事项将自动关联为重复来访。",
                    t.len(),
                    list.join("、")
                )
            });
            CheckAnswer { ok: true, message, hint }
        }
    };
    Json(answer).into_response()
}
