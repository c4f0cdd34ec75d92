//! The case page: registration data, deadlines with working days left, the full event timeline,
//! and exactly the actions this user may take now (`App::case_page` → `case::available_actions`),
//! each with its form. Forms post to `/cases/{number}/act/{action}` and go through the same
//! parser as `POST /api/v1/cases/{number}/{action}`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use bancheng_app::{AppError, CasePage, Colleague, EventView};
use bancheng_domain::Role;
use bancheng_domain::case::{Case, CaseEvent, Level, action_label, satisfaction_label};
use bancheng_domain::deadline::Urgency;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::extract::{Staff, StaffForm};
use super::render::{FormState, Nav, UiError, UiResult, render, render_with};
use super::view::{days_text, local_time, responsible_units};
use crate::AppState;
use crate::http::action::parse_command;
use crate::http::error::ApiError;
use crate::http::extract::{host, scheme};
use crate::http::view::UnitNames;

pub struct DeadlineRow {
    pub label: &'static str,
    pub due: String,
    pub workdays: u32,
    pub state: String,
    pub class: &'static str,
    pub note: String,
}

pub struct EventRow {
    pub seq: i64,
    pub at: String,
    pub label: String,
    pub who: String,
    pub role: String,
    pub unit: String,
    pub text: String,
    pub signature: Option<String>,
}

pub struct ActionForm {
    pub name: &'static str,
    pub label: &'static str,
}

#[derive(Template)]
#[template(path = "case.html")]
pub struct CaseTemplate {
    pub nav: Nav,
    /// The policy in force, for the forms' limits (延期 and 难点 terms).
    pub policy: bancheng_domain::policy::DeadlinePolicy,
    pub c: Case,
    pub status: &'static str,
    pub level: &'static str,
    pub channel: &'static str,
    pub category: &'static str,
    pub applicant_type: &'static str,
    pub received_at: String,
    pub received_by: String,
    pub unit: String,
    pub co_units: String,
    pub failed_unit: String,
    pub overdue: bool,
    pub due_soon: bool,
    pub deadlines: Vec<DeadlineRow>,
    pub events: Vec<EventRow>,
    pub actions: Vec<ActionForm>,
    pub registered: bool,
    pub done: Option<&'static str>,
    pub failed: Option<(String, String)>,
    pub form: FormState,
    pub units: Vec<(String, String)>,
    pub levels: Vec<(&'static str, &'static str)>,
    pub colleagues: Vec<Colleague>,
    pub today: String,
    pub reply_by: String,
    pub reply_at: String,
    pub pending_extension: String,
    pub pending_negative: String,
}

impl CaseTemplate {
    pub fn open(&self, action: &str) -> bool {
        match &self.failed {
            Some((a, _)) => a == action,
            None => false,
        }
    }
}

/// One line that says what an event did, for the timeline (display only).
fn event_text(e: &EventView, names: &UnitNames) -> (String, Option<String>) {
    let Ok(ev) = CaseEvent::from_parts(&e.kind, &e.payload) else { return (String::new(), None) };
    let t = match ev {
        CaseEvent::Registered { case } => format!("{}：{}", case.applicant.name, case.description),
        CaseEvent::Dispatched { unit, co_units, level } => {
            let mut s = format!("转派{}（{}）", names.name(&unit), level.label());
            if !co_units.is_empty() {
                let co: Vec<String> = co_units.iter().map(|u| names.name(u)).collect();
                s.push_str(&format!("，协办：{}", co.join("、")));
            }
            s
        }
        CaseEvent::Returned { reason } => format!("退单理由：{reason}"),
        CaseEvent::ExtensionRequested { workdays, reason, new_due, .. } => {
            format!("申请延期{workdays}个工作日至{new_due}：{reason}")
        }
        CaseEvent::ExtensionApproved { new_due, .. } => format!("期限延至{new_due}"),
        CaseEvent::ExtensionRejected { note }
        | CaseEvent::Contacted { note }
        | CaseEvent::NegativeRejected { note }
        | CaseEvent::Verified { note }
        | CaseEvent::SentBack { note } => note,
        CaseEvent::FeedbackGiven { text } => text,
        CaseEvent::Escalated { from, to, reason, unit, automatic } => {
            let mut s = format!("{} → {}：{reason}", from.label(), to.label());
            if let Some(u) = unit {
                s.push_str(&format!("（牵头：{}）", names.name(&u)));
            }
            if automatic {
                s.push_str("（自动）");
            }
            s
        }
        CaseEvent::NegativeProposed { reasons, basis, excluded } => {
            let mut s = format!("原因：{reasons}\n依据：{basis}");
            if excluded {
                s.push_str("\n（不属于受理范围）");
            }
            s
        }
        CaseEvent::Resolved { outcome, reply } => format!("{}：{reply}", outcome.label()),
        CaseEvent::Confirmed { by, signature } => return (format!("确认人：{by}"), signature),
        CaseEvent::Visited { reached, satisfaction, comment } => {
            let mut s = if reached {
                "已联系到办理对象".to_owned()
            } else {
                "未联系到办理对象".to_owned()
            };
            if let Some(n) = satisfaction {
                s.push_str(&format!("，评价：{}", satisfaction_label(n)));
            }
            if let Some(c) = comment.filter(|c| !c.is_empty()) {
                s.push_str(&format!("。{c}"));
            }
            s
        }
        CaseEvent::Reopened { unit, note } => format!("交{}重新核实：{note}", names.name(&unit)),
        CaseEvent::Noticed { unit, person, fault, opinion } => format!(
            "通报{}{}：{fault}；处理意见：{opinion}",
            names.name(&unit),
            person.map(|p| format!("（{p}）")).unwrap_or_default()
        ),
        CaseEvent::Assigned { assignee } => format!("经办人：{assignee}"),
        CaseEvent::DeadlineSet { deadline } => {
            let mut s =
                format!("{}期限：{}（{}个工作日）", deadline.kind.label(), deadline.due, deadline.workdays);
            if let Some(n) = deadline.note {
                s.push_str(&format!("：{n}"));
            }
            s
        }
        CaseEvent::DeadlineClosed { met, .. } => {
            if met {
                "按期".into()
            } else {
                "逾期".into()
            }
        }
        CaseEvent::DeadlineExtended { from, to, .. } => format!("{from} → {to}"),
        CaseEvent::DeadlineRecomputed { from, to, .. } => format!("工作日历调整：{from} → {to}"),
        CaseEvent::Reminded { contacted, .. } => {
            if contacted {
                "已催办（期限前已联系办理对象）".into()
            } else {
                "已催办".into()
            }
        }
        CaseEvent::NoticeFlagged { .. } => "催办后仍未办结，列入通报".into(),
        CaseEvent::ProblemRaised { reason } => reason,
        CaseEvent::Accepted {} | CaseEvent::NegativeApproved {} | CaseEvent::Closed {} => String::new(),
    };
    (t, None)
}

fn role_label(code: &str) -> String {
    Role::parse(code).map(|r| r.label().to_owned()).unwrap_or_else(|_| code.to_owned())
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    registered: Option<String>,
    done: Option<String>,
}

async fn build(
    s: &AppState,
    staff: &Staff,
    page: CasePage,
    events: Vec<EventView>,
) -> Result<CaseTemplate, UiError> {
    let names = UnitNames::of(s);
    let people = s.app.display_names(&staff.actor).await?;
    let person = |u: &str| people.get(u).cloned().unwrap_or_else(|| u.to_owned());
    let view = page.view;
    let c = view.case;
    let deadlines = c
        .deadlines
        .iter()
        .map(|d| {
            let standing = view.standings.iter().find(|st| st.0 == d.id);
            let (state, class) = match (d.met, standing) {
                (None, Some((_, urgency, left))) => (
                    days_text(*left),
                    match urgency {
                        Urgency::Overdue => "overdue",
                        Urgency::DueSoon => "soon",
                        _ => "info",
                    },
                ),
                (None, None) => ("进行中".to_owned(), "info"),
                (Some(true), _) => ("按期完成".to_owned(), "ok"),
                (Some(false), _) => ("逾期".to_owned(), "overdue"),
            };
            let mut note = Vec::new();
            if d.provisional {
                note.push("暂按周末计算（当年节假日安排未导入）".to_owned());
            }
            if let Some(f) = d.extended_from {
                note.push(format!("原期限{f}，已延期"));
            }
            if let Some(n) = &d.note {
                note.push(n.clone());
            }
            DeadlineRow {
                label: d.kind.label(),
                due: d.due.to_string(),
                workdays: d.workdays,
                state,
                class,
                note: note.join("；"),
            }
        })
        .collect();
    let events = events
        .iter()
        .map(|e| {
            let (text, signature) = event_text(e, &names);
            EventRow {
                seq: e.seq,
                at: local_time(&e.at),
                label: e.label.clone(),
                who: person(&e.actor),
                role: role_label(&e.actor_role),
                unit: names.name(&e.actor_unit),
                text,
                signature,
            }
        })
        .collect();
    let colleagues = match (&c.unit, page.actions.contains(&"assign")) {
        (Some(u), true) => s.app.colleagues(&staff.actor, u).await?,
        _ => vec![],
    };
    let units = responsible_units(s, &staff.actor.center);
    let levels = Level::ALL.iter().filter(|l| **l != Level::Window).map(|l| (l.code(), l.label())).collect();
    let pending_extension = c
        .extension
        .as_ref()
        .filter(|e| e.state == bancheng_domain::case::ReportState::Pending)
        .map(|e| format!("申请延期{}个工作日至{}：{}（{}）", e.workdays, e.new_due, e.reason, e.requested.by))
        .unwrap_or_default();
    let pending_negative = c
        .negative
        .as_ref()
        .filter(|n| n.state == bancheng_domain::case::ReportState::Pending)
        .map(|n| format!("原因：{}\n依据：{}\n提交人：{}", n.reasons, n.basis, n.proposed.by))
        .unwrap_or_default();
    Ok(CaseTemplate {
        nav: staff.nav("case"),
        policy: s.app.policy(&c.center),
        status: c.status.label(),
        level: c.level.label(),
        channel: c.channel.label(),
        category: c.category.map(|x| x.label()).unwrap_or("—"),
        applicant_type: c.applicant.kind.map(|k| k.label()).unwrap_or("个人"),
        received_at: local_time(&c.received_at),
        received_by: person(&c.received_by),
        unit: c.unit.as_deref().map(|u| names.name(u)).unwrap_or_else(|| "—".into()),
        co_units: c.co_units.iter().map(|u| names.name(u)).collect::<Vec<_>>().join("、"),
        failed_unit: c.failed_unit.clone().unwrap_or_default(),
        overdue: view.overdue,
        due_soon: view.due_soon,
        deadlines,
        events,
        actions: page.actions.iter().map(|a| ActionForm { name: a, label: action_label(a) }).collect(),
        registered: false,
        done: None,
        failed: None,
        form: FormState::default(),
        units,
        levels,
        colleagues,
        today: view.today.to_string(),
        reply_by: c.reply.as_ref().map(|r| person(&r.by.by)).unwrap_or_default(),
        reply_at: c.reply.as_ref().map(|r| local_time(&r.by.at)).unwrap_or_default(),
        pending_extension,
        pending_negative,
        c,
    })
}

pub async fn page(
    State(s): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
    Query(q): Query<PageQuery>,
) -> UiResult {
    let page = s.app.case_page(&staff.actor, &number).await?;
    let events = s.app.events(&staff.actor, &number).await?;
    let mut t = build(&s, &staff, page, events).await?;
    t.registered = q.registered.is_some();
    t.done = q.done.as_deref().and_then(|a| bancheng_domain::case::Action::parse(a).ok()).map(|a| a.label());
    Ok(render(&t))
}

/// Form fields → the JSON body of the API action, so one parser serves both.
fn body_of(action: &str, fields: &[(String, String)]) -> Result<Vec<u8>, UiError> {
    let mut m = Map::new();
    let mut co_units = Vec::new();
    for (k, v) in fields {
        let v = v.trim();
        match k.as_str() {
            "_csrf" => {}
            "co_units" => {
                if !v.is_empty() {
                    co_units.push(Value::String(v.to_owned()));
                }
            }
            "ok" | "reached" | "excluded" => {
                m.insert(k.clone(), Value::Bool(matches!(v, "true" | "on" | "1")));
            }
            "workdays" | "satisfaction" | "due_workdays" => {
                if !v.is_empty() {
                    let n: u32 =
                        v.parse().map_err(|_| UiError::from(ApiError::invalid(k.clone(), "请输入正整数")))?;
                    m.insert(k.clone(), Value::from(n));
                }
            }
            // Optional fields: empty means not given.
            "person" | "comment" | "signature" if v.is_empty() => {}
            "unit" if v.is_empty() && action == "escalate" => {}
            _ => {
                m.insert(k.clone(), Value::String(v.to_owned()));
            }
        }
    }
    if action == "dispatch" {
        m.insert("co_units".into(), Value::Array(co_units));
    }
    if action == "visit" && m.get("reached") == Some(&Value::Bool(false)) {
        m.remove("satisfaction");
    }
    if action == "verify" && !m.contains_key("ok") {
        m.insert("ok".into(), Value::Bool(false));
    }
    serde_json::to_vec(&Value::Object(m))
        .map_err(|e| UiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))
}

pub async fn act(
    State(s): State<AppState>,
    Path((number, action)): Path<(String, String)>,
    form: StaffForm,
) -> UiResult {
    let staff = &form.staff;
    let result = match body_of(&action, &form.fields) {
        Ok(body) => match parse_command(&action, &body) {
            Ok(cmd) => s.app.act(&staff.actor, &number, &cmd).await.map_err(UiError::from),
            Err(e) => Err(UiError::from(e)),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{number}?done={action}#timeline")).into_response()),
        Err(e) if e.status == StatusCode::NOT_FOUND || e.status == StatusCode::UNAUTHORIZED => Err(e),
        Err(e) => {
            // Show the page again with the message at the action's form and the input kept.
            let page = match s.app.case_page(&staff.actor, &number).await {
                Ok(p) => p,
                Err(AppError::Domain(_)) => return Err(e),
                Err(other) => return Err(other.into()),
            };
            let events = s.app.events(&staff.actor, &number).await?;
            let mut t = build(&s, staff, page, events).await?;
            t.form = FormState { values: form.values(), ..Default::default() };
            t.failed = Some((action.clone(), e.message.clone()));
            // An action not offered (any more) still shows its message at the top.
            if !t.actions.iter().any(|a| a.name == action) {
                t.failed = Some((String::new(), e.message));
            }
            Ok(render_with(e.status, &t))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 登记表 print view (附件3) and its QR code.

#[derive(Template)]
#[template(path = "print.html")]
pub struct PrintTemplate {
    pub c: Case,
    pub received_at: String,
    pub received_by: String,
    pub record: String,
    pub confirm_by: String,
    pub confirm_date: String,
    pub signature: Option<String>,
    pub reply: String,
    pub reply_by: String,
    pub reply_date: String,
    pub qr_svg: String,
    pub public_url: String,
    pub unit: String,
}

/// The public progress page of a case (SPEC §5: the QR on the 登记表 opens it).
pub fn public_url(headers: &HeaderMap, number: &str) -> String {
    let host = host(headers).unwrap_or_else(|| "localhost".into());
    format!("{}://{host}/p/{number}", scheme(headers))
}

pub fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M) {
        Ok(code) => {
            code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(160, 160).quiet_zone(true).build()
        }
        Err(_) => String::new(),
    }
}

pub async fn print(
    State(s): State<AppState>,
    staff: Staff,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> UiResult {
    let view = s.app.case(&staff.actor, &number).await?;
    let events = s.app.events(&staff.actor, &number).await?;
    let names = UnitNames::of(&s);
    let people = s.app.display_names(&staff.actor).await?;
    let person = |u: &str| people.get(u).cloned().unwrap_or_else(|| u.to_owned());
    let c = view.case;
    let signature = events.iter().rev().find(|e| e.kind == "confirmed").and_then(|e| {
        match CaseEvent::from_parts(&e.kind, &e.payload) {
            Ok(CaseEvent::Confirmed { signature, .. }) => signature,
            _ => None,
        }
    });
    let mut record = c.description.clone();
    if let Some(m) = &c.matter {
        record = format!("办理事项：{m}\n{record}");
    }
    if let Some(f) = &c.failed_unit {
        record.push_str(&format!("\n未办成的窗口（单位）：{f}"));
    }
    let mut reply = String::new();
    for f in &c.feedback {
        reply.push_str(&format!("{} 初步反馈：{}\n", local_time(&f.by.at), f.text));
    }
    if let Some(r) = &c.reply {
        let outcome = c.outcome.map(|o| o.label()).unwrap_or("");
        reply.push_str(&format!("{} 办结答复（{outcome}）：{}", local_time(&r.by.at), r.text));
    }
    let url = public_url(&headers, &c.number);
    Ok(render(&PrintTemplate {
        received_at: local_time(&c.received_at),
        received_by: person(&c.received_by),
        record,
        confirm_by: c.confirmation.as_ref().map(|x| x.by.clone()).unwrap_or_default(),
        confirm_date: c.confirmation.as_ref().map(|x| local_time(&x.at)[..10].to_owned()).unwrap_or_default(),
        signature,
        reply,
        reply_by: c.reply.as_ref().map(|r| person(&r.by.by)).unwrap_or_default(),
        reply_date: c.reply.as_ref().map(|r| local_time(&r.by.at)[..10].to_owned()).unwrap_or_default(),
        qr_svg: qr_svg(&url),
        public_url: url,
        unit: c.unit.as_deref().map(|u| names.name(u)).unwrap_or_default(),
        c,
    }))
}

/// The QR code alone, as an SVG image.
pub async fn qr(
    staff: Staff,
    State(s): State<AppState>,
    headers: HeaderMap,
    Path(number): Path<String>,
) -> UiResult {
    let view = s.app.case(&staff.actor, &number).await?;
    let svg = qr_svg(&public_url(&headers, &view.case.number));
    Ok(([(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "private, max-age=3600")], svg)
        .into_response())
}
