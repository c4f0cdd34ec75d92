//! The case page: registration data with 核查 and 回访 summarised, deadlines with their round,
//! unit and outcome (SPEC §7), attachments, the timeline (newest first, bookkeeping folded under
//! the action that caused it), and exactly the actions this user may take now
//! (`App::case_page` → `case::available_actions`), the likeliest one open. Forms post to
//! `/cases/{number}/act/{action}` and go through the same parser as the JSON API; 退单, 归档 and
//! 作废 ask for a second, confirming step. After an action the page says what was done, the new
//! status and the events it wrote.

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use bancheng_app::{AppError, CasePage, Colleague, EventView};
use bancheng_domain::Role;
use bancheng_domain::case::{
    Case, CaseEvent, Category, Channel, REGISTRATION_FIELDS, action_label, case_field, satisfaction_label,
};
use bancheng_domain::deadline::{ClockOutcome, DeadlineKind, Urgency};
use serde::Deserialize;
use serde_json::{Map, Value};

use super::extract::{Staff, StaffForm};
use super::render::{FormState, Nav, UiError, UiResult, render, render_with};
use super::view::{days_text, dispatch_levels, dispatch_units, local_time, responsible_units};
use crate::AppState;
use crate::http::action::parse_command;
use crate::http::error::ApiError;
use crate::http::extract::{host, scheme, upload};
use crate::http::view::{People, UnitNames};

/// Actions that ask for a second step before they are done (irreversible for the user).
const CONFIRMED_ACTIONS: [&str; 3] = ["return", "close", "void"];

pub struct DeadlineRow {
    pub label: &'static str,
    pub round: u32,
    pub unit: String,
    pub due: String,
    pub workdays: u32,
    pub state: String,
    pub class: &'static str,
    pub note: String,
}

#[derive(Clone)]
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

/// An action with the bookkeeping it caused (clocks set, closed, moved): folded under it.
pub struct EventGroup {
    pub main: EventRow,
    pub bookkeeping: Vec<EventRow>,
}

pub struct ActionForm {
    pub name: &'static str,
    pub label: &'static str,
}

/// What the page says after an action: what was done, the status now and the events it wrote.
pub struct Done {
    pub action: &'static str,
    pub status: &'static str,
    pub events: Vec<EventRow>,
}

/// One registration field on the 更正 form: name, label, current value.
pub struct CorrectField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
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
    pub assignee: String,
    pub failed_unit: String,
    pub overdue: bool,
    pub due_soon: bool,
    pub deadlines: Vec<DeadlineRow>,
    pub groups: Vec<EventGroup>,
    pub event_count: usize,
    /// Show the bookkeeping unfolded.
    pub all: bool,
    pub actions: Vec<ActionForm>,
    /// The action whose form opens by itself.
    pub default_action: &'static str,
    pub done: Option<Done>,
    pub failed: Option<(String, String)>,
    /// An action waiting for its confirming step, with the fields to send again.
    pub confirming: Option<(String, Vec<(String, String)>)>,
    pub form: FormState,
    pub units: Vec<(String, String)>,
    pub dispatch_units: Vec<(String, String)>,
    pub escalation_units: Vec<(String, String)>,
    pub levels: Vec<(&'static str, &'static str)>,
    pub colleagues: Vec<Colleague>,
    pub today: String,
    pub reply_by: String,
    pub reply_at: String,
    pub verification: String,
    pub visits: String,
    pub pending_extension: String,
    pub pending_negative: String,
    pub withdrawn: String,
    pub correct_fields: Vec<CorrectField>,
    pub categories: Vec<(&'static str, &'static str)>,
    pub channels: Vec<(&'static str, &'static str)>,
    pub can_attach: bool,
    pub max_attachments: usize,
}

impl CaseTemplate {
    pub fn open(&self, action: &str) -> bool {
        match &self.failed {
            Some((a, _)) => a == action,
            None => self.confirming.is_none() && action == self.default_action,
        }
    }

    /// The units an action's form offers: 重新核实 only units that handle cases, 通报 any unit.
    pub fn unit_choices(&self, action: &str) -> &[(String, String)] {
        if action == "reverify" { &self.dispatch_units } else { &self.units }
    }

    pub fn confirming(&self, action: &str) -> bool {
        self.confirming.as_ref().is_some_and(|(a, _)| a == action)
    }
}

/// The action a role most likely came for: 受理 a submission; the office's decisions (否定答复,
/// 延期), 核查 of a result, 回访, 归档; the applicant's confirmation while they are there; the
/// handler's first feedback while its clock runs, else the result; then 转派. Never 退单 or 联系.
fn default_action(actions: &[&'static str], case: &Case) -> &'static str {
    let feedback_due = case.open_deadline(DeadlineKind::FirstFeedback).is_some();
    let (first, second) = if feedback_due { ("feedback", "resolve") } else { ("resolve", "feedback") };
    let preferred = [
        "accept",
        "approve-negative",
        "approve-extension",
        "verify",
        "visit",
        "close",
        "confirm",
        first,
        second,
        "dispatch",
        "assign",
        "supervise",
    ];
    preferred.into_iter().find(|p| actions.contains(p)).unwrap_or("")
}

/// One line that says what an event did, for the timeline (display only).
fn event_text(e: &EventView, case: &Case, names: &UnitNames, people: &People) -> (String, Option<String>) {
    let Ok(ev) = CaseEvent::from_parts(&e.kind, &e.payload) else { return (String::new(), None) };
    let clock = |id: u32| case.deadlines.iter().find(|d| d.id == id);
    let t = match ev {
        CaseEvent::Registered { case } => format!("{}：{}", case.applicant.name, case.description),
        CaseEvent::Dispatched { unit, co_units, level } => {
            let mut s = format!("至{}（{}）", names.name(&unit), level.label());
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
        CaseEvent::Escalated { from, to, reason, unit, co_units, automatic } => {
            let mut s = format!("{} → {}：{reason}", from.label(), to.label());
            if let Some(u) = unit {
                s.push_str(&format!("（牵头：{}）", names.name(&u)));
            }
            if let Some(cos) = co_units.filter(|c| !c.is_empty()) {
                let co: Vec<String> = cos.iter().map(|u| names.name(u)).collect();
                s.push_str(&format!("（联动会审：{}）", co.join("、")));
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
        CaseEvent::Assigned { assignee } => format!("经办人：{}", people.name(&assignee)),
        CaseEvent::DeadlineSet { deadline } => {
            let mut s = format!(
                "{}期限：{}（{}个工作日，第{}轮{}）",
                deadline.kind.label(),
                deadline.due,
                deadline.workdays,
                clock(deadline.id).map_or(deadline.round, |d| d.round) + 1,
                deadline.unit.as_deref().map(|u| format!("，{}", names.name(u))).unwrap_or_default()
            );
            if let Some(n) = deadline.note {
                s.push_str(&format!("：{n}"));
            }
            s
        }
        CaseEvent::DeadlineClosed { id, .. } | CaseEvent::DeadlineSuperseded { id, .. } => match clock(id) {
            Some(d) => format!("{}期限（{}）{}", d.kind.label(), d.due, outcome_text(d).0),
            None => String::new(),
        },
        CaseEvent::DeadlineExtended { from, to, .. } => format!("{from} → {to}"),
        CaseEvent::DeadlineRecomputed { from, to, .. } => format!("工作日历调整：{from} → {to}"),
        CaseEvent::Reminded { deadline_id, contacted, unit } => {
            let what = clock(deadline_id)
                .map(|d| format!("{}期限（{}）已过", d.kind.label(), d.due))
                .unwrap_or_default();
            let to = match unit {
                Some(u) => format!("，已催办{}及其首席代表", names.name(&u)),
                None => "，已提醒领导小组办公室".to_owned(),
            };
            let contacted = if contacted { "（期限前已联系办理对象）" } else { "" };
            format!("{what}{to}{contacted}")
        }
        CaseEvent::NoticeFlagged { deadline_id } => {
            let what = clock(deadline_id)
                .map(|d| format!("{}期限（{}）", d.kind.label(), d.due))
                .unwrap_or_default();
            format!("{what}催办后仍未办结，列入通报")
        }
        CaseEvent::ProblemRaised { reason } => reason,
        CaseEvent::Voided { reason } => format!("作废理由：{reason}"),
        CaseEvent::Merged { into, reason } => format!("合并至事项{into}：{reason}"),
        CaseEvent::DuplicateMerged { number, reason } => format!("合并重复登记{number}：{reason}"),
        CaseEvent::Corrected { changes, reason } => {
            let lines: Vec<String> = changes
                .iter()
                .map(|c| {
                    let label = REGISTRATION_FIELDS
                        .iter()
                        .find(|f| f.name == c.field)
                        .map_or(c.field.as_str(), |f| f.label);
                    let v = |x: &Option<String>| {
                        x.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| "（空）".into())
                    };
                    format!("{label}：{} → {}", v(&c.from), v(&c.to))
                })
                .collect();
            format!("{}\n更正理由：{reason}", lines.join("\n"))
        }
        CaseEvent::AttachmentAdded { name, size, .. } => format!("{name}（{}）", size_text(size)),
        CaseEvent::Accepted {} | CaseEvent::NegativeApproved {} | CaseEvent::Closed {} => String::new(),
    };
    (t, None)
}

/// "12 KB", "1.3 MB".
fn size_text(bytes: u64) -> String {
    if bytes < 1024 * 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

/// How a closed clock ended, in words, and its badge class.
fn outcome_text(d: &bancheng_domain::deadline::Deadline) -> (String, &'static str) {
    match d.outcome() {
        ClockOutcome::Open => ("进行中".into(), "info"),
        ClockOutcome::Met => ("按期完成".into(), "ok"),
        ClockOutcome::Missed => ("逾期完成".into(), "overdue"),
        ClockOutcome::Superseded => {
            let s = d.superseded.as_ref();
            let by = s.and_then(|s| s.by).map(|b| format!("因{}", b.label())).unwrap_or_default();
            let late = if s.is_some_and(|s| s.in_time) { "终止时未超期" } else { "终止时已超期" };
            (format!("{by}终止（{late}）"), "muted")
        }
    }
}

fn role_label(code: &str) -> String {
    Role::parse(code).map(|r| r.label().to_owned()).unwrap_or_else(|_| code.to_owned())
}

#[derive(Deserialize, Default)]
pub struct PageQuery {
    done: Option<String>,
    all: Option<String>,
}

fn event_row(e: &EventView, case: &Case, names: &UnitNames, people: &People) -> EventRow {
    let (text, signature) = event_text(e, case, names, people);
    EventRow {
        seq: e.seq,
        at: local_time(&e.at),
        label: e.label.clone(),
        who: people.name(&e.actor),
        role: if e.actor == "system" { String::new() } else { role_label(&e.actor_role) },
        unit: names.name(&e.actor_unit),
        text,
        signature,
    }
}

/// The timeline, newest first: each action with the bookkeeping that followed it (same actor,
/// same instant) folded under it.
fn groups_of(events: &[EventView], case: &Case, names: &UnitNames, people: &People) -> Vec<EventGroup> {
    let mut groups: Vec<EventGroup> = Vec::new();
    for e in events {
        let bookkeeping = CaseEvent::from_parts(&e.kind, &e.payload).is_ok_and(|ev| ev.is_bookkeeping());
        let row = event_row(e, case, names, people);
        match groups.last_mut() {
            Some(g) if bookkeeping && g.main.who == row.who && g.main.at == row.at => g.bookkeeping.push(row),
            _ => groups.push(EventGroup { main: row, bookkeeping: vec![] }),
        }
    }
    groups.reverse();
    groups
}

/// The case page of `page` with its timeline (`all`: the bookkeeping unfolded), before any
/// notice or form state.
async fn build(s: &AppState, staff: &Staff, page: CasePage, all: bool) -> Result<CaseTemplate, UiError> {
    let events = s.app.events(&staff.actor, &page.view.case.number).await?;
    let names = UnitNames::of(s);
    let people = People::of(s, &staff.actor).await?;
    let view = page.view;
    let c = view.case;
    let deadlines = c
        .deadlines
        .iter()
        .map(|d| {
            let standing = view.standings.iter().find(|st| st.0 == d.id);
            let (state, class) = match (d.outcome(), standing) {
                (ClockOutcome::Open, Some((_, urgency, left))) => (
                    days_text(*left),
                    match urgency {
                        Urgency::Overdue => "overdue",
                        Urgency::DueSoon => "soon",
                        _ => "info",
                    },
                ),
                _ => outcome_text(d),
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
                round: d.round + 1,
                unit: d.unit.as_deref().map(|u| names.name(u)).unwrap_or_else(|| "窗口".into()),
                due: d.due.to_string(),
                workdays: d.workdays,
                state,
                class,
                note: note.join("；"),
            }
        })
        .collect();
    let groups = groups_of(&events, &c, &names, &people);
    let colleagues = match (&c.unit, page.actions.contains(&"assign")) {
        (Some(u), true) => s.app.colleagues(&staff.actor, u).await?,
        _ => vec![],
    };
    let pending_extension = c
        .extension
        .as_ref()
        .filter(|e| e.state == bancheng_domain::case::ReportState::Pending)
        .map(|e| {
            format!(
                "申请延期{}个工作日至{}：{}（申请人：{}）",
                e.workdays,
                e.new_due,
                e.reason,
                people.name(&e.requested.by)
            )
        })
        .unwrap_or_default();
    let pending_negative = c
        .negative
        .as_ref()
        .filter(|n| n.state == bancheng_domain::case::ReportState::Pending)
        .map(|n| format!("原因：{}\n依据：{}\n提交人：{}", n.reasons, n.basis, people.name(&n.proposed.by)))
        .unwrap_or_default();
    let verification = c
        .verification
        .as_ref()
        .map(|v| {
            let verdict =
                if c.status == bancheng_domain::case::Status::Dispatched { "退回重办" } else { "属实" };
            let note = if v.text.is_empty() { String::new() } else { format!("：{}", v.text) };
            format!("{verdict}{note}（{}，{}）", people.name(&v.by.by), local_time(&v.by.at))
        })
        .unwrap_or_default();
    let visits = match c.visits.last() {
        None => String::new(),
        Some(v) => {
            let how = if v.reached {
                v.satisfaction.map(satisfaction_label).unwrap_or("已联系").to_owned()
            } else {
                "未联系上".to_owned()
            };
            let comment =
                v.comment.as_deref().filter(|x| !x.is_empty()).map(|x| format!("：{x}")).unwrap_or_default();
            format!(
                "{how}{comment}（{}，{}；共{}次{}）",
                people.name(&v.by.by),
                local_time(&v.by.at),
                c.visits.len(),
                if v.sampled { "，抽查回访" } else { "" }
            )
        }
    };
    let withdrawn = match (&c.merged_into, &c.withdrawn) {
        (Some(into), Some(w)) => format!("已合并至事项{into}：{}（{}）", w.text, people.name(&w.by.by)),
        (None, Some(w)) => {
            format!("已作废：{}（{}，{}）", w.text, people.name(&w.by.by), local_time(&w.by.at))
        }
        _ => String::new(),
    };
    let correct_fields = REGISTRATION_FIELDS
        .iter()
        .map(|f| CorrectField {
            name: f.name,
            label: f.label,
            value: case_field(&c, f.name).unwrap_or_default(),
        })
        .collect();
    let actions: Vec<&'static str> = page.actions;
    let attach_roles =
        matches!(staff.actor.role, Role::Window | Role::Handler | Role::UnitLead | Role::Office);
    let max_attachments = s.app.options().attachments.max_files;
    Ok(CaseTemplate {
        nav: staff.nav("case"),
        policy: s.app.policy(&c.center),
        status: c.status.label(),
        level: c.level.label(),
        channel: c.channel.label(),
        category: c.category.map(|x| x.label()).unwrap_or("—"),
        applicant_type: c.applicant.kind.map(|k| k.label()).unwrap_or("个人"),
        received_at: local_time(&c.received_at),
        received_by: people.name(&c.received_by),
        unit: c.unit.as_deref().map(|u| names.name(u)).unwrap_or_else(|| "—".into()),
        co_units: c.co_units.iter().map(|u| names.name(u)).collect::<Vec<_>>().join("、"),
        assignee: c.assignee.as_deref().map(|a| people.name(a)).unwrap_or_default(),
        failed_unit: c.failed_unit.as_deref().map(|u| names.name(u)).unwrap_or_default(),
        overdue: view.overdue,
        due_soon: view.due_soon,
        deadlines,
        event_count: events.len(),
        groups,
        all,
        default_action: default_action(&actions, &c),
        actions: actions.iter().map(|a| ActionForm { name: a, label: action_label(a) }).collect(),
        done: None,
        failed: None,
        confirming: None,
        form: FormState::default(),
        units: responsible_units(s, &staff.actor.center),
        dispatch_units: dispatch_units(s, &staff.actor.center, false),
        escalation_units: dispatch_units(s, &staff.actor.center, true),
        levels: dispatch_levels(),
        colleagues,
        today: view.today.to_string(),
        reply_by: c.reply.as_ref().map(|r| people.name(&r.by.by)).unwrap_or_default(),
        reply_at: c.reply.as_ref().map(|r| local_time(&r.by.at)).unwrap_or_default(),
        verification,
        visits,
        pending_extension,
        pending_negative,
        withdrawn,
        correct_fields,
        categories: Category::ALL.iter().map(|x| (x.code(), x.label())).collect(),
        channels: Channel::ALL.iter().map(|x| (x.code(), x.label())).collect(),
        can_attach: attach_roles
            && !c.status.is_withdrawn()
            && c.status != bancheng_domain::case::Status::Closed
            && c.attachments.len() < max_attachments,
        max_attachments,
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
    let mut t = build(&s, &staff, page, q.all.is_some()).await?;
    // After an action: what was done, the status now, and the events it wrote (the newest group).
    if let Some(action) = q.done.as_deref().and_then(|a| bancheng_domain::case::Action::parse(a).ok()) {
        let events = t.groups.first().map(|g| {
            let mut v = vec![g.main.clone()];
            v.extend(g.bookkeeping.iter().cloned());
            v
        });
        t.done = Some(Done { action: action.label(), status: t.status, events: events.unwrap_or_default() });
    }
    if q.done.as_deref() == Some("attach") {
        let events = t.groups.first().map(|g| vec![g.main.clone()]).unwrap_or_default();
        t.done = Some(Done { action: "上传附件", status: t.status, events });
    }
    Ok(render(&t))
}

/// Form fields → the JSON body of the API action, so one parser serves both.
fn body_of(action: &str, fields: &[(String, String)]) -> Result<Vec<u8>, UiError> {
    let mut m = Map::new();
    let mut co_units = Vec::new();
    for (k, v) in fields {
        let v = v.trim();
        match k.as_str() {
            "_csrf" | "confirmed" => {}
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
    if action == "dispatch" || action == "escalate" && !co_units.is_empty() {
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

/// Shows the case page again after a refused action: the message at the action's form (or at
/// the top when the action is no longer offered) and the input kept.
async fn refused_page(s: &AppState, form: &StaffForm, number: &str, action: &str, e: UiError) -> UiResult {
    let staff = &form.staff;
    let page = match s.app.case_page(&staff.actor, number).await {
        Ok(p) => p,
        Err(AppError::Domain(_)) => return Err(e),
        Err(other) => return Err(other.into()),
    };
    let mut t = build(s, staff, page, false).await?;
    t.form = FormState { values: form.values(), ..Default::default() };
    t.failed = Some((action.to_owned(), e.message.clone()));
    if !t.actions.iter().any(|a| a.name == action) {
        t.failed = Some((String::new(), e.message));
    }
    Ok(render_with(e.status, &t))
}

pub async fn act(
    State(s): State<AppState>,
    Path((number, action)): Path<(String, String)>,
    form: StaffForm,
) -> UiResult {
    let staff = &form.staff;
    let cmd = match body_of(&action, &form.fields)
        .and_then(|b| parse_command(&action, &b).map_err(UiError::from))
    {
        Ok(cmd) => cmd,
        Err(e) if e.status == StatusCode::NOT_FOUND => return Err(e),
        Err(e) => return refused_page(&s, &form, &number, &action, e).await,
    };
    // 退单, 归档, 作废: a second step confirms.
    if CONFIRMED_ACTIONS.contains(&action.as_str()) && form.get("confirmed") != "1" {
        let page = s.app.case_page(&staff.actor, &number).await?;
        let mut t = build(&s, staff, page, false).await?;
        let keep = form.fields.iter().filter(|(k, _)| k != "_csrf").cloned().collect();
        t.form = FormState { values: form.values(), ..Default::default() };
        t.confirming = Some((action.clone(), keep));
        return Ok(render(&t));
    }
    let view = match s.app.act(&staff.actor, &number, &cmd).await {
        Ok(view) => view,
        Err(e @ AppError::Domain(bancheng_domain::DomainError::NotFound { .. })) => return Err(e.into()),
        Err(e) => return refused_page(&s, &form, &number, &action, UiError::from(e)).await,
    };
    // The case may have left the user's reach (a handler's 退单): back to their queue.
    if bancheng_domain::case::may_read(&view.case, &staff.actor).is_ok() {
        Ok(Redirect::to(&format!("/cases/{number}?done={action}")).into_response())
    } else {
        Ok(Redirect::to(&format!("/?returned={number}")).into_response())
    }
}

/// `POST /cases/{number}/attachments`: a photo or scan from the case page (multipart, `file`).
pub async fn attach(
    State(s): State<AppState>,
    staff: Staff,
    Path(number): Path<String>,
    form: Multipart,
) -> UiResult {
    // The multipart form carries its CSRF value as a field: checked here with the session's.
    let file = upload(form).await.map_err(UiError::from)?;
    if file.csrf != staff.csrf() {
        return Err(UiError::new(
            StatusCode::FORBIDDEN,
            "页面已过期或来源不明（CSRF校验失败），请刷新页面后重试",
        ));
    }
    match s.app.attach(&staff.actor, &number, &file.name, file.bytes).await {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{number}?done=attach")).into_response()),
        Err(e @ AppError::Domain(bancheng_domain::DomainError::Invalid { .. })) => {
            let page = s.app.case_page(&staff.actor, &number).await?;
            let mut t = build(&s, &staff, page, false).await?;
            let e = UiError::from(e);
            t.failed = Some(("attach".into(), e.message));
            Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &t))
        }
        Err(e) => Err(e.into()),
    }
}

/// `GET /cases/{number}/attachments/{seq}`: an attachment, for those who may read the case.
pub async fn attachment(
    State(s): State<AppState>,
    staff: Staff,
    Path((number, seq)): Path<(String, i64)>,
) -> UiResult {
    let file = s.app.attachment(&staff.actor, &number, seq).await?;
    Ok(crate::http::view::attachment_response(file))
}

// ---------------------------------------------------------------------------------------------
// 登记表 print view (附件3) and its QR code.

/// One reply to the applicant on the printed form: when, what kind, the text, who signed.
pub struct PrintReply {
    pub at: String,
    pub what: String,
    pub text: String,
    pub by: String,
}

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
    pub replies: Vec<PrintReply>,
    pub reply_by: String,
    pub reply_date: String,
    pub qr_svg: String,
    pub public_url: String,
    /// No public address is set: the QR code uses the address this page was opened at.
    pub url_is_local: bool,
    pub unit: String,
}

/// The public progress page of a case (SPEC §5: the QR on the 登记表 opens it): at the center's
/// public address (a setting), or, until one is set, the address this page was opened at.
pub fn public_url(s: &AppState, center: &str, headers: &HeaderMap, number: &str) -> (String, bool) {
    match s.app.public_url(center) {
        Some(base) => (format!("{base}/p/{number}"), false),
        None => {
            let host = host(headers).unwrap_or_else(|| "localhost".into());
            (format!("{}://{host}/p/{number}", scheme(headers)), true)
        }
    }
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
    let people = People::of(&s, &staff.actor).await?;
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
        record.push_str(&format!("\n未办成的窗口（单位）：{}", names.name(f)));
    }
    // Every reply to the applicant, oldest first: first feedback, extensions, each round's result.
    let mut replies: Vec<(chrono::DateTime<chrono::Utc>, PrintReply)> = Vec::new();
    for f in &c.feedback {
        replies.push((
            f.by.at,
            PrintReply {
                at: local_time(&f.by.at),
                what: "初步反馈".into(),
                text: f.text.clone(),
                by: people.name(&f.by.by),
            },
        ));
    }
    if let Some(e) = c.extension.as_ref().filter(|e| e.state == bancheng_domain::case::ReportState::Approved)
    {
        let at = e.decided.as_ref().map_or(e.requested.at, |d| d.at);
        replies.push((
            at,
            PrintReply {
                at: local_time(&at),
                what: "延期".into(),
                text: format!("办理期限延长至{}：{}", e.new_due, e.reason),
                by: people.name(&e.requested.by),
            },
        ));
    }
    for r in &c.resolutions {
        let what = format!(
            "办结答复（{}{}）",
            r.outcome.label(),
            if r.round > 0 { format!("，第{}轮", r.round + 1) } else { String::new() }
        );
        let text = if r.reply.is_empty() && c.resolutions.len() == 1 {
            c.reply.as_ref().map(|x| x.text.clone()).unwrap_or_default()
        } else {
            r.reply.clone()
        };
        replies
            .push((r.by.at, PrintReply { at: local_time(&r.by.at), what, text, by: people.name(&r.by.by) }));
    }
    replies.sort_by_key(|(at, _)| *at);
    let (url, url_is_local) = public_url(&s, &c.center, &headers, &c.number);
    Ok(render(&PrintTemplate {
        received_at: local_time(&c.received_at),
        received_by: people.name(&c.received_by),
        record,
        confirm_by: c.confirmation.as_ref().map(|x| x.by.clone()).unwrap_or_default(),
        confirm_date: c.confirmation.as_ref().map(|x| local_time(&x.at)[..10].to_owned()).unwrap_or_default(),
        signature,
        replies: replies.into_iter().map(|(_, r)| r).collect(),
        reply_by: c.reply.as_ref().map(|r| people.name(&r.by.by)).unwrap_or_default(),
        reply_date: c.reply.as_ref().map(|r| local_time(&r.by.at)[..10].to_owned()).unwrap_or_default(),
        qr_svg: qr_svg(&url),
        public_url: url,
        url_is_local,
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
    let (url, _) = public_url(&s, &view.case.center, &headers, &view.case.number);
    Ok((
        [(header::CONTENT_TYPE, "image/svg+xml"), (header::CACHE_CONTROL, "private, max-age=3600")],
        qr_svg(&url),
    )
        .into_response())
}
