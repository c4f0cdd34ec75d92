//! 登记 (第一条): the window's intake form in the order of the 登记表 (附件3), inline checks, the
//! repeat-trip hint, every refusal at once beside its field, and a one-time key so that a double
//! click, a second Ctrl+Enter or Back-and-save never makes a second case (SPEC §7). After saving,
//! the form is fresh for the next applicant, with the number shown large above it. The window's
//! home adds the open cases its unit registered and today's registrations.

use askama::Template;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use bancheng_app::{AppError, CaseQuery, CaseSummary};
use bancheng_domain::DomainError;
use bancheng_domain::case::{Category, Channel, OPEN_STATUSES, Registration, registration_errors};
use bancheng_domain::deadline::local_day;
use bancheng_domain::validate::{CreditCode, IdNumber, Phone};
use serde::{Deserialize, Serialize};

use super::extract::{Staff, StaffForm};
use super::home::{Bulk, Queue, by_due, list};
use super::render::{FormState, Nav, UiError, UiResult, render_with};
use super::view::{local_time, responsible_units};
use crate::AppState;
use crate::http::view::UnitNames;

/// The choice of 未办成的窗口 that is not a unit of the center: free text then.
pub const OTHER_UNIT: &str = "其他";

#[derive(Template)]
#[template(path = "intake.html")]
pub struct IntakePage {
    pub nav: Nav,
    pub form: FormState,
    /// A summary of the refusals above the form (each is also beside its field).
    pub error: Option<String>,
    pub received_by: String,
    pub now: String,
    pub channels: Vec<(&'static str, &'static str)>,
    pub categories: Vec<(&'static str, &'static str)>,
    /// 未办成的窗口: the center's units, then 其他 (free text).
    pub failed_units: Vec<(String, String)>,
    /// The one-time key of this form (a repeat registers nothing new).
    pub key: String,
    /// The case just saved: (number, it was a repeat of an earlier submission).
    pub saved: Option<(String, bool)>,
    pub notice: Option<String>,
    /// Where the form was opened (`home` or `intake`): saving returns there.
    pub from: &'static str,
    /// The window's home: the open cases its unit registered, with their clocks.
    pub queue: Option<Queue>,
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

/// Today's registrations of the center (window home), newest first.
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

/// The open cases the window's unit registered, any level, earliest deadline first: duty
/// rotates, so the whole unit's, not only the clerk's.
async fn unit_queue(s: &AppState, staff: &Staff) -> Result<Queue, UiError> {
    let names = UnitNames::of(s);
    let q = CaseQuery { received_unit: Some(staff.actor.unit.clone()), ..by_due(OPEN_STATUSES) };
    let rows = list(s, staff, &names, q).await?;
    Ok(Queue {
        title: format!("本窗口登记的在办事项（{}件，按期限排序）", rows.len()),
        id: "window-open",
        rows,
        empty: "本窗口登记的事项均已办结。",
        bulk: None::<Bulk>,
    })
}

pub async fn intake_page(s: &AppState, staff: &Staff, section: &'static str) -> Result<IntakePage, UiError> {
    let home = section == "home";
    let mut failed_units = responsible_units(s, &staff.actor.center);
    failed_units.push((OTHER_UNIT.to_owned(), "其他（填写名称）".to_owned()));
    Ok(IntakePage {
        nav: staff.nav(section),
        form: FormState::with(&[("channel", "window"), ("applicant_type", "person")]),
        error: None,
        received_by: staff.nav(section).name,
        now: local_time(&s.app.now()),
        channels: Channel::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        categories: Category::ALL.iter().map(|c| (c.code(), c.label())).collect(),
        failed_units,
        key: bancheng_app::random_key(),
        saved: None,
        notice: None,
        from: if home { "home" } else { "intake" },
        queue: if home { Some(unit_queue(s, staff).await?) } else { None },
        today: today_rows(s, staff).await?,
    })
}

/// The intake page may be kept by the browser for Back (never shared): Back then shows the very
/// form that was sent, with its one-time key, so saving it again returns the same case.
fn page_response(status: StatusCode, page: &IntakePage) -> Response {
    let mut resp = render_with(status, page);
    resp.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("private, no-cache"));
    resp
}

#[derive(Deserialize, Default)]
pub struct SavedQuery {
    saved: Option<String>,
    repeat: Option<String>,
}

impl SavedQuery {
    fn saved(&self) -> Option<(String, bool)> {
        let n = self.saved.as_deref().filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))?;
        Some((n.to_owned(), self.repeat.is_some()))
    }
}

/// The window's home: the intake form with its queues (see `home`).
pub async fn home_page(
    s: &AppState,
    staff: &Staff,
    q: &SavedQuery,
    notice: Option<String>,
) -> Result<Response, UiError> {
    let mut page = intake_page(s, staff, "home").await?;
    page.saved = q.saved();
    page.notice = notice;
    Ok(page_response(StatusCode::OK, &page))
}

pub async fn page(State(s): State<AppState>, staff: Staff, Query(q): Query<SavedQuery>) -> UiResult {
    if !bancheng_domain::case::may_register(staff.actor.role) {
        return Err(UiError::new(StatusCode::FORBIDDEN, "只有窗口值班人员和领导小组办公室可以登记"));
    }
    let mut page = intake_page(&s, &staff, "intake").await?;
    page.saved = q.saved();
    Ok(page_response(StatusCode::OK, &page))
}

fn registration_of(form: &StaffForm) -> Registration {
    let enterprise = form.get("applicant_type") == "enterprise";
    let failed_unit = match form.opt("failed_unit") {
        Some(u) if u == OTHER_UNIT => form.opt("failed_unit_other"),
        other => other,
    };
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
        failed_unit,
        category: form.opt("category"),
    }
}

pub async fn submit(State(s): State<AppState>, form: StaffForm) -> UiResult {
    let reg = registration_of(&form);
    let section = if form.get("_from") == "home" { "home" } else { "intake" };
    let key = form.opt("_key");
    match s.app.register_once(&form.staff.actor, &reg, key.as_deref()).await {
        Ok((view, repeat)) => {
            let back = if section == "home" { "/" } else { "/intake" };
            let repeat = if repeat { "&repeat=1" } else { "" };
            Ok(Redirect::to(&format!("{back}?saved={}{repeat}", view.case.number)).into_response())
        }
        Err(AppError::Domain(DomainError::Invalid { field, message })) => {
            // Every refusal at once, each beside its field.
            let mut page = intake_page(&s, &form.staff, section).await?;
            let mut state = FormState { values: form.values(), ..Default::default() };
            let all = registration_errors(&reg, false);
            for e in &all {
                if let DomainError::Invalid { field, message } = e {
                    state.errors.entry((*field).to_owned()).or_insert_with(|| message.clone());
                }
            }
            state.errors.entry(field.to_owned()).or_insert(message);
            page.error = Some(format!("有{}项需要修改，请看各项下方的提示。", state.errors.len()));
            page.form = state;
            page.key = key.unwrap_or(page.key);
            Ok(page_response(StatusCode::UNPROCESSABLE_ENTITY, &page))
        }
        Err(AppError::IdempotencyMismatch { number }) => {
            let mut page = intake_page(&s, &form.staff, section).await?;
            page.form = FormState { values: form.values(), ..Default::default() };
            page.error = Some(format!(
                "这张登记表已经保存过（事项{number}），之后内容又有改动。要更正已登记的内容，请打开事项{number}使用“更正”；要登记另一件事项，请点“登记下一件”重新填写。"
            ));
            page.saved = Some((number, true));
            Ok(page_response(StatusCode::UNPROCESSABLE_ENTITY, &page))
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
