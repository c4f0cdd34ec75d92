//! 期限规则 (SPEC §4.2): the deadline policy in force, its fields with the rule each comes from,
//! and the saved versions.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bancheng_domain::policy::{DeadlinePolicy, POLICY_TERMS, PolicyTerm};

use super::{AdminQuery, done_text, refused};
use crate::AppState;
use crate::ui::extract::{Staff, StaffForm};
use crate::ui::render::{Nav, UiError, UiResult, render_with};
use crate::ui::view::local_time;

pub struct PolicyField {
    pub name: &'static str,
    pub label: &'static str,
    pub rule: &'static str,
    pub unit: &'static str,
    pub min: u32,
    pub max: u32,
    pub value: String,
    pub default: u32,
    pub error: String,
}

/// One saved version in the history table.
pub struct HistoryLine {
    pub version: i32,
    pub by: String,
    pub at: String,
    pub changes: String,
    pub current: bool,
}

#[derive(Template)]
#[template(path = "admin_policy.html")]
pub struct PolicyPage {
    pub nav: Nav,
    pub version: u32,
    pub fields: Vec<PolicyField>,
    pub history: Vec<HistoryLine>,
    pub error: Option<String>,
    pub done: Option<&'static str>,
}

/// "办结 5→8；临期提示 1→2" between two versions.
fn policy_changes(before: &DeadlinePolicy, after: &DeadlinePolicy) -> String {
    let value = |p: &DeadlinePolicy, t: &PolicyTerm| p.get(t.field).unwrap_or_default();
    let changes: Vec<String> = POLICY_TERMS
        .iter()
        .filter(|t| value(before, t) != value(after, t))
        .map(|t| format!("{} {}→{}", t.label, value(before, t), value(after, t)))
        .collect();
    if changes.is_empty() { "无变化".to_owned() } else { changes.join("；") }
}

async fn policy_page(s: &AppState, staff: &Staff, done: Option<&str>) -> Result<PolicyPage, UiError> {
    let rows = s.app.policy_history(&staff.actor).await?;
    let current = s.app.policy(&staff.actor.center);
    let defaults = DeadlinePolicy::default();
    let mut history = Vec::new();
    let mut prev = defaults.clone();
    if !rows.iter().any(|r| r.version == 1) {
        history.push(HistoryLine {
            version: 1,
            by: "—".into(),
            at: "—".into(),
            changes: "方案原定期限（默认）".into(),
            current: false,
        });
    }
    for row in rows {
        let p = row.policy;
        history.push(HistoryLine {
            version: row.version,
            by: row.created_by.clone(),
            at: local_time(&row.created_at),
            changes: policy_changes(&prev, &p),
            current: false,
        });
        prev = p;
    }
    if let Some(last) = history.last_mut() {
        last.current = true;
    }
    history.reverse();
    let fields = POLICY_TERMS
        .iter()
        .map(|t| PolicyField {
            name: t.field,
            label: t.label,
            rule: t.article,
            unit: t.unit,
            min: t.min,
            max: t.max,
            value: current.get(t.field).unwrap_or_default().to_string(),
            default: t.default,
            error: String::new(),
        })
        .collect();
    Ok(PolicyPage {
        nav: staff.nav("policy"),
        version: current.version,
        fields,
        history,
        error: None,
        done: done_text(done),
    })
}

pub async fn policy(State(s): State<AppState>, staff: Staff, Query(q): Query<AdminQuery>) -> UiResult {
    Ok(render_with(StatusCode::OK, &policy_page(&s, &staff, q.done.as_deref()).await?))
}

pub async fn save_policy(State(s): State<AppState>, form: StaffForm) -> UiResult {
    let mut p = s.app.policy(&form.staff.actor.center);
    let mut bad: Option<(String, String)> = None;
    for t in POLICY_TERMS {
        // A term the submitted page did not show (a page from before the term existed) keeps
        // its value; a shown one must be a whole number.
        if !form.fields.iter().any(|(k, _)| k == t.field) {
            continue;
        }
        let raw = form.get(t.field).trim();
        match (raw.parse::<u32>(), p.get_mut(t.field)) {
            (Ok(v), Some(slot)) => *slot = v,
            _ => {
                bad =
                    Some((t.field.to_owned(), format!("{}：请填写{}至{}之间的整数", t.label, t.min, t.max)));
                break;
            }
        }
    }
    let refusal = match bad {
        Some(b) => b,
        None => match s.app.admin_save_policy(&form.staff.actor, p).await {
            Ok(_) => return Ok(Redirect::to("/admin/policy?done=policy").into_response()),
            Err(e) => refused(e)?,
        },
    };
    let mut page = policy_page(&s, &form.staff, None).await?;
    let (field, message) = refusal;
    let mut alert = message.clone();
    for f in &mut page.fields {
        if form.fields.iter().any(|(k, _)| k == f.name) {
            f.value = form.get(f.name).trim().to_owned();
        }
        if f.name == field {
            f.error = message.clone();
            if !message.starts_with(f.label) {
                alert = format!("{}：{message}", f.label);
            }
        }
    }
    page.error = Some(alert);
    Ok(render_with(StatusCode::UNPROCESSABLE_ENTITY, &page))
}
