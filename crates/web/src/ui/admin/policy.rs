//! 期限规则 (SPEC §4.2): the deadline policy in force, its fields with the rule each comes from,
//! and the saved versions.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bancheng_domain::policy::DeadlinePolicy;

use super::{AdminQuery, done_text, refused};
use crate::AppState;
use crate::ui::extract::{Staff, StaffForm};
use crate::ui::render::{Nav, UiError, UiResult, render_with};
use crate::ui::view::local_time;

/// Every field of `DeadlinePolicy`: (name, label, source rule, unit).
const POLICY_FIELDS: &[(&str, &str, &str, &str)] = &[
    (
        "window_result",
        "简单问题 窗口即办",
        "工作制度第四条：简单问题，窗口即办（0 表示当日办结）",
        "个工作日",
    ),
    (
        "first_feedback",
        "复杂问题 初步反馈",
        "工作制度第四条：转派责任部门，限定3个工作日内给出初步反馈意见",
        "个工作日",
    ),
    ("department_result", "复杂问题 办结", "实施方案四(三)：“应办未办”事项5个工作日内解决", "个工作日"),
    (
        "joint_result",
        "特殊情况 一事一议办结",
        "工作制度第四条：一事一议、联动会审，限定7个工作日内解决",
        "个工作日",
    ),
    (
        "county_reply",
        "难点问题 回复释因（默认）",
        "工作制度第四条：报送县优化营商环境领导小组办公室，限期内回复释因；报送时可另定期限",
        "个工作日",
    ),
    (
        "negative_reply",
        "完全不能办理 回复释因",
        "实施方案四(三)：3个工作日内给予群众回复，说明不能办理的原因",
        "个工作日",
    ),
    (
        "notice_after_overdue",
        "催办后仍超期 列入通报",
        "通行做法：超期次日自动催办，此后仍超期达到该天数的列入通报",
        "个工作日",
    ),
    (
        "problem_reopens",
        "重办达到 列为问题工单",
        "通行做法：重新核实达到该次数的，自动提级一事一议并督办",
        "次",
    ),
    (
        "problem_units",
        "经手单位达到 列为问题工单",
        "通行做法：经该数量的单位仍无结果的，自动提级一事一议并督办",
        "个单位",
    ),
    ("due_soon", "临期提示", "剩余该天数以内到期的事项在列表中显示为“临期”", "个工作日"),
    ("max_extension", "单次延期上限", "延期申请一次最多可延长的天数", "个工作日"),
];

fn policy_value(p: &DeadlinePolicy, name: &str) -> u32 {
    match name {
        "window_result" => p.window_result,
        "first_feedback" => p.first_feedback,
        "department_result" => p.department_result,
        "joint_result" => p.joint_result,
        "county_reply" => p.county_reply,
        "negative_reply" => p.negative_reply,
        "notice_after_overdue" => p.notice_after_overdue,
        "problem_reopens" => p.problem_reopens,
        "problem_units" => p.problem_units,
        "due_soon" => p.due_soon,
        "max_extension" => p.max_extension,
        _ => 0,
    }
}

fn policy_slot<'a>(p: &'a mut DeadlinePolicy, name: &str) -> Option<&'a mut u32> {
    Some(match name {
        "window_result" => &mut p.window_result,
        "first_feedback" => &mut p.first_feedback,
        "department_result" => &mut p.department_result,
        "joint_result" => &mut p.joint_result,
        "county_reply" => &mut p.county_reply,
        "negative_reply" => &mut p.negative_reply,
        "notice_after_overdue" => &mut p.notice_after_overdue,
        "problem_reopens" => &mut p.problem_reopens,
        "problem_units" => &mut p.problem_units,
        "due_soon" => &mut p.due_soon,
        "max_extension" => &mut p.max_extension,
        _ => return None,
    })
}

pub struct PolicyField {
    pub name: &'static str,
    pub label: &'static str,
    pub rule: &'static str,
    pub unit: &'static str,
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
    let changes: Vec<String> = POLICY_FIELDS
        .iter()
        .filter(|(name, ..)| policy_value(before, name) != policy_value(after, name))
        .map(|(name, label, ..)| {
            format!("{label} {}→{}", policy_value(before, name), policy_value(after, name))
        })
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
    let fields = POLICY_FIELDS
        .iter()
        .map(|&(name, label, rule, unit)| PolicyField {
            name,
            label,
            rule,
            unit,
            value: policy_value(&current, name).to_string(),
            default: policy_value(&defaults, name),
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
    for &(name, label, ..) in POLICY_FIELDS {
        let raw = form.get(name).trim();
        match (raw.parse::<u32>(), policy_slot(&mut p, name)) {
            (Ok(v), Some(slot)) => *slot = v,
            _ => {
                bad = Some((name.to_owned(), format!("{label}：请填写0至60之间的整数")));
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
        f.value = form.get(f.name).trim().to_owned();
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
