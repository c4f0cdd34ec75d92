//! 工作台: the home page of each role (SPEC §2). Window: intake and today's cases. Handler and
//! unit lead: the unit's queue by deadline. Office: what waits for it and everything open.
//! Inspector and leader: overdue cases, 督办 in force, the week's counts.

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use bancheng_app::{CaseQuery, CaseSummary, WeekCounts};
use bancheng_domain::Role;
use bancheng_domain::case::{Case, Status};
use bancheng_domain::deadline::{Urgency, local_day, standing};

use super::extract::Staff;
use super::render::{Nav, UiError, UiResult, render};
use super::view::days_text;
use crate::AppState;
use crate::http::view::UnitNames;

/// One line of a work queue.
pub struct QueueRow {
    pub number: String,
    pub name: String,
    pub summary: String,
    pub unit: String,
    pub status: &'static str,
    pub due: String,
    pub badge: &'static str,
    pub left: String,
    pub reason: &'static str,
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub nav: Nav,
    pub title: &'static str,
    /// (heading, id, rows, empty text)
    pub queues: Vec<(String, &'static str, Vec<QueueRow>, &'static str)>,
    pub week: Option<WeekCounts>,
}

fn badge(overdue: bool, due_soon: bool) -> &'static str {
    if overdue {
        "overdue"
    } else if due_soon {
        "soon"
    } else {
        "info"
    }
}

fn summary_row(names: &UnitNames, r: &CaseSummary) -> QueueRow {
    QueueRow {
        number: r.number.clone(),
        name: r.applicant_name.clone(),
        summary: r.matter.clone().unwrap_or_else(|| r.description.chars().take(30).collect()),
        unit: r.unit.as_deref().map(|u| names.name(u)).unwrap_or_else(|| "—".into()),
        status: Status::parse(&r.status).map(|x| x.label()).unwrap_or("—"),
        due: r.next_due.map(|d| d.to_string()).unwrap_or_default(),
        badge: badge(r.overdue, r.due_soon),
        left: r.workdays_left.map(days_text).unwrap_or_default(),
        reason: "",
    }
}

fn case_row(s: &AppState, names: &UnitNames, c: &Case, reason: &'static str) -> QueueRow {
    let today = local_day(s.app.now());
    let cal = s.app.calendar();
    let policy = s.app.policy(&c.center);
    let st = c.next_due().filter(|_| c.status.is_open()).map(|d| standing(&cal, d, today, policy.due_soon));
    QueueRow {
        number: c.number.clone(),
        name: c.applicant.name.clone(),
        summary: c.matter.clone().unwrap_or_else(|| c.description.chars().take(30).collect()),
        unit: c.unit.as_deref().map(|u| names.name(u)).unwrap_or_else(|| "—".into()),
        status: c.status.label(),
        due: c.next_due().map(|d| d.to_string()).unwrap_or_default(),
        badge: match st.map(|x| x.urgency) {
            Some(Urgency::Overdue) => "overdue",
            Some(Urgency::DueSoon) => "soon",
            _ => "info",
        },
        left: st.map(|x| days_text(x.workdays_left)).unwrap_or_default(),
        reason,
    }
}

async fn list(
    s: &AppState,
    staff: &Staff,
    names: &UnitNames,
    q: CaseQuery,
) -> Result<Vec<QueueRow>, UiError> {
    let (rows, _) = s.app.cases(&staff.actor, &q).await?;
    Ok(rows.iter().map(|r| summary_row(names, r)).collect())
}

fn by_due(status: &str) -> CaseQuery {
    CaseQuery {
        status: Some(status.into()),
        sort: Some("due".into()),
        per_page: Some(200),
        ..Default::default()
    }
}

pub async fn home(State(s): State<AppState>, staff: Staff) -> UiResult {
    let open = bancheng_domain::case::OPEN_STATUSES;
    let names = UnitNames::of(&s);
    let page = match staff.actor.role {
        Role::Admin => return Ok(Redirect::to("/admin/users").into_response()),
        Role::Window => {
            let page = super::intake::intake_page(&s, &staff, "home").await?;
            return Ok(render(&page));
        }
        Role::Handler | Role::UnitLead => HomePage {
            nav: staff.nav("home"),
            title: "本单位待办事项",
            queues: vec![(
                "待办理（按期限排序）".into(),
                "queue",
                list(&s, &staff, &names, by_due("dispatched,negative_pending")).await?,
                "本单位暂无待办事项。",
            )],
            week: None,
        },
        Role::Office => {
            let waiting = s.app.office_queue(&staff.actor).await?;
            HomePage {
                nav: staff.nav("home"),
                title: "领导小组办公室工作台",
                queues: vec![
                    (
                        format!("等待办公室处理（{}件）", waiting.len()),
                        "waiting",
                        waiting.iter().map(|w| case_row(&s, &names, &w.case, w.reason)).collect(),
                        "暂无需要办公室处理的事项。",
                    ),
                    (
                        "全部在办事项（按期限排序）".into(),
                        "open",
                        list(&s, &staff, &names, by_due(open)).await?,
                        "暂无在办事项。",
                    ),
                ],
                week: None,
            }
        }
        Role::Inspector | Role::Leader => {
            let supervised = s.app.supervised_cases(&staff.actor).await?;
            let overdue = CaseQuery { overdue: Some(true), ..by_due(open) };
            HomePage {
                nav: staff.nav("home"),
                title: if staff.actor.role == Role::Leader {
                    "中心领导工作台"
                } else {
                    "督查股工作台"
                },
                queues: vec![
                    (
                        "超期事项".into(),
                        "overdue",
                        list(&s, &staff, &names, overdue).await?,
                        "没有超期事项。",
                    ),
                    (
                        format!("督办中（{}件）", supervised.len()),
                        "supervised",
                        supervised.iter().map(|c| case_row(&s, &names, c, "督办")).collect(),
                        "没有督办中的事项。",
                    ),
                ],
                week: Some(s.app.week_counts(&staff.actor).await?),
            }
        }
        Role::System | Role::Public => {
            return Err(UiError::new(axum::http::StatusCode::FORBIDDEN, "无权访问"));
        }
    };
    Ok(render(&page))
}
