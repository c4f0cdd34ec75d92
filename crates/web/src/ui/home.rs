//! 工作台: the home page of each role (SPEC §2), each showing all its open work. Window: the
//! intake form, the open cases its unit registered (duty rotates: not only the clerk's), today's
//! registrations. Handler and unit lead: the unit's queue by deadline, a reopened case with why,
//! bulk 指定经办人 for the lead. Office: what waits for it (with 待通报 and 问题工单) and every open
//! case, bulk 转派. Inspector and leader: overdue cases, 督办 in force, the week's counts.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use bancheng_app::{AppError, CaseQuery, CaseSummary, Colleague, WeekCounts};
use bancheng_domain::Role;
use bancheng_domain::case::{Case, Command, Level, OPEN_STATUSES, Status};
use bancheng_domain::deadline::{Urgency, local_day, standing};
use serde::Deserialize;

use super::extract::{Staff, StaffForm};
use super::render::{Nav, UiError, UiResult, render};
use super::view::{days_text, dispatch_levels, responsible_units};
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
    /// Why it waits (the office's queue), or 重新核实: (label, badge class).
    pub reasons: Vec<(&'static str, &'static str)>,
    /// A line under the row: why a reopened case came back.
    pub note: String,
    /// Offered for the queue's bulk action.
    pub selectable: bool,
}

/// A bulk action under a queue (转派 or 指定经办人 of the ticked cases).
pub enum Bulk {
    Dispatch { units: Vec<(String, String)>, levels: Vec<(&'static str, &'static str)> },
    Assign { colleagues: Vec<Colleague> },
}

impl Bulk {
    /// The path segment of `POST /bulk/{action}`.
    pub fn action(&self) -> &'static str {
        match self {
            Bulk::Dispatch { .. } => "dispatch",
            Bulk::Assign { .. } => "assign",
        }
    }
}

/// A queue reason with its badge: what needs doing before its deadline is urgent.
fn reason(label: &'static str) -> (&'static str, &'static str) {
    let urgent = matches!(label, "待通报" | "问题工单" | "重新核实" | "否定答复待审" | "退单待重派");
    (label, if urgent { "overdue" } else { "info" })
}

pub struct Queue {
    pub title: String,
    pub id: &'static str,
    pub rows: Vec<QueueRow>,
    pub empty: &'static str,
    pub bulk: Option<Bulk>,
}

impl Queue {
    /// Whether any row says why it waits (else the 待办 column is left out).
    pub fn has_reasons(&self) -> bool {
        self.rows.iter().any(|r| !r.reasons.is_empty())
    }
}

#[derive(Template)]
#[template(path = "home.html")]
pub struct HomePage {
    pub nav: Nav,
    pub title: &'static str,
    pub notice: Option<String>,
    pub queues: Vec<Queue>,
    pub week: Option<WeekCounts>,
}

/// What the home page says after an action elsewhere sent the user here.
#[derive(Deserialize, Default)]
pub struct HomeQuery {
    /// A case the user returned (退单), which they may no longer open.
    returned: Option<String>,
    password: Option<String>,
    /// The window's home after saving a registration.
    #[serde(flatten)]
    saved: super::intake::SavedQuery,
}

impl HomeQuery {
    fn notice(&self) -> Option<String> {
        if let Some(n) = self.returned.as_deref().filter(|n| n.bytes().all(|b| b.is_ascii_digit())) {
            return Some(format!("事项{n}已退单，已退回领导小组办公室重新派发。"));
        }
        self.password.is_some().then(|| "密码已修改，其他电脑上的登录已退出。".to_owned())
    }
}

fn badge(urgency: Option<Urgency>) -> &'static str {
    match urgency {
        Some(Urgency::Overdue) => "overdue",
        Some(Urgency::DueSoon) => "soon",
        _ => "info",
    }
}

fn summary_text(matter: &Option<String>, description: &str) -> String {
    matter.clone().unwrap_or_else(|| description.chars().take(30).collect())
}

pub fn summary_row(names: &UnitNames, r: &CaseSummary) -> QueueRow {
    let urgency = if r.overdue {
        Some(Urgency::Overdue)
    } else if r.due_soon {
        Some(Urgency::DueSoon)
    } else {
        None
    };
    QueueRow {
        number: r.number.clone(),
        name: r.applicant_name.clone(),
        summary: summary_text(&r.matter, &r.description),
        unit: r.unit.as_deref().map(|u| names.name(u)).unwrap_or_else(|| "—".into()),
        status: Status::parse(&r.status).map(|x| x.label()).unwrap_or("—"),
        due: r.next_due.map(|d| d.to_string()).unwrap_or_default(),
        badge: badge(urgency),
        left: r.workdays_left.map(days_text).unwrap_or_default(),
        reasons: if r.reopened_because.is_some() { vec![reason("重新核实")] } else { vec![] },
        note: r.reopened_because.clone().unwrap_or_default(),
        selectable: false,
    }
}

fn case_row(s: &AppState, names: &UnitNames, c: &Case, reasons: Vec<&'static str>) -> QueueRow {
    let today = local_day(s.app.now());
    let cal = s.app.calendar();
    let policy = s.app.policy(&c.center);
    let st = c.next_due().filter(|_| c.status.is_open()).map(|d| standing(&cal, d, today, policy.due_soon));
    QueueRow {
        number: c.number.clone(),
        name: c.applicant.name.clone(),
        summary: summary_text(&c.matter, &c.description),
        unit: c.unit.as_deref().map(|u| names.name(u)).unwrap_or_else(|| "—".into()),
        status: c.status.label(),
        due: c.next_due().map(|d| d.to_string()).unwrap_or_default(),
        badge: badge(st.map(|x| x.urgency)),
        left: st.map(|x| days_text(x.workdays_left)).unwrap_or_default(),
        reasons: reasons.into_iter().map(reason).collect(),
        note: String::new(),
        selectable: false,
    }
}

pub async fn list(
    s: &AppState,
    staff: &Staff,
    names: &UnitNames,
    q: CaseQuery,
) -> Result<Vec<QueueRow>, UiError> {
    let (rows, _) = s.app.cases(&staff.actor, &q).await?;
    Ok(rows.iter().map(|r| summary_row(names, r)).collect())
}

/// Cases of `status` (codes), earliest deadline first.
pub fn by_due(status: &str) -> CaseQuery {
    CaseQuery {
        status: Some(status.into()),
        sort: Some("due".into()),
        per_page: Some(200),
        ..Default::default()
    }
}

pub async fn home(State(s): State<AppState>, staff: Staff, Query(q): Query<HomeQuery>) -> UiResult {
    let names = UnitNames::of(&s);
    let notice = q.notice();
    let page = match staff.actor.role {
        Role::Admin => return Ok(Redirect::to("/admin/users").into_response()),
        Role::Window => return super::intake::home_page(&s, &staff, &q.saved, notice).await,
        Role::Handler | Role::UnitLead => {
            let mut rows = list(&s, &staff, &names, by_due("dispatched,negative_pending")).await?;
            // The unit lead names a 经办人 for several cases at once.
            let bulk = if staff.actor.role == Role::UnitLead {
                rows.iter_mut().for_each(|r| r.selectable = r.status == Status::Dispatched.label());
                let colleagues = s.app.colleagues(&staff.actor, &staff.actor.unit).await?;
                Some(Bulk::Assign { colleagues })
            } else {
                None
            };
            HomePage {
                nav: staff.nav("home"),
                title: "本单位待办事项",
                notice,
                queues: vec![Queue {
                    title: format!("待办理（{}件，按期限排序）", rows.len()),
                    id: "queue",
                    rows,
                    empty: "本单位暂无待办事项。",
                    bulk,
                }],
                week: None,
            }
        }
        Role::Office => {
            let waiting = s.app.office_queue(&staff.actor).await?;
            let mut open = list(&s, &staff, &names, by_due(OPEN_STATUSES)).await?;
            // Accepted and returned cases go out to their units (转派) several at once.
            let dispatchable = [Status::Accepted.label(), Status::Returned.label()];
            open.iter_mut().for_each(|r| r.selectable = dispatchable.contains(&r.status));
            HomePage {
                nav: staff.nav("home"),
                title: "领导小组办公室工作台",
                notice,
                queues: vec![
                    Queue {
                        title: format!("等待办公室处理（{}件）", waiting.len()),
                        id: "waiting",
                        rows: waiting
                            .iter()
                            .map(|w| case_row(&s, &names, &w.case, w.reasons.clone()))
                            .collect(),
                        empty: "暂无需要办公室处理的事项。",
                        bulk: None,
                    },
                    Queue {
                        title: format!("全部在办事项（{}件，按期限排序）", open.len()),
                        id: "open",
                        rows: open,
                        empty: "暂无在办事项。",
                        bulk: Some(Bulk::Dispatch {
                            units: responsible_units(&s, &staff.actor.center),
                            levels: dispatch_levels(),
                        }),
                    },
                ],
                week: None,
            }
        }
        Role::Inspector | Role::Leader => {
            let supervised = s.app.supervised_cases(&staff.actor).await?;
            let overdue = CaseQuery { overdue: Some(true), ..by_due(OPEN_STATUSES) };
            HomePage {
                nav: staff.nav("home"),
                title: if staff.actor.role == Role::Leader {
                    "中心领导工作台"
                } else {
                    "督查股工作台"
                },
                notice,
                queues: vec![
                    Queue {
                        title: "超期事项".into(),
                        id: "overdue",
                        rows: list(&s, &staff, &names, overdue).await?,
                        empty: "没有超期事项。",
                        bulk: None,
                    },
                    Queue {
                        title: format!("督办中（{}件）", supervised.len()),
                        id: "supervised",
                        rows: supervised.iter().map(|c| case_row(&s, &names, c, vec!["督办"])).collect(),
                        empty: "没有督办中的事项。",
                        bulk: None,
                    },
                ],
                week: Some(s.app.week_counts(&staff.actor).await?),
            }
        }
        Role::System | Role::Public => {
            return Err(UiError::new(StatusCode::FORBIDDEN, "无权访问"));
        }
    };
    Ok(render(&page))
}

/// One case of a bulk action and what became of it.
pub struct BulkLine {
    pub number: String,
    pub done: bool,
    pub message: String,
}

#[derive(Template)]
#[template(path = "bulk.html")]
pub struct BulkPage {
    pub nav: Nav,
    pub action: &'static str,
    pub lines: Vec<BulkLine>,
    pub done: usize,
}

/// `POST /bulk/{dispatch|assign}`: one action on each ticked case, each its own transaction;
/// the page that follows says which went through and why the others did not.
pub async fn bulk(
    State(s): State<AppState>,
    axum::extract::Path(action): axum::extract::Path<String>,
    form: StaffForm,
) -> UiResult {
    let numbers: Vec<String> =
        form.fields.iter().filter(|(k, _)| k == "numbers").map(|(_, v)| v.trim().to_owned()).collect();
    let (cmd, label) = match action.as_str() {
        "dispatch" => {
            let level = Level::parse(form.get("level")).map_err(UiError::from)?;
            let cmd = Command::Dispatch { unit: form.get("unit").to_owned(), co_units: vec![], level };
            (cmd, "转派")
        }
        "assign" => (
            Command::Assign { assignee: form.get("assignee").to_owned(), assignee_unit: String::new() },
            "指定经办人",
        ),
        _ => return Err(UiError::new(StatusCode::NOT_FOUND, "没有这个批量操作")),
    };
    let outcomes = s.app.act_many(&form.staff.actor, &numbers, &cmd).await.map_err(UiError::from)?;
    let lines: Vec<BulkLine> = outcomes
        .into_iter()
        .map(|o| BulkLine {
            number: o.number,
            done: o.refused.is_none(),
            message: match o.refused {
                None => "已完成".into(),
                Some(AppError::Domain(d)) => d.message().to_owned(),
                Some(e) => e.to_string(),
            },
        })
        .collect();
    let done = lines.iter().filter(|l| l.done).count();
    Ok(render(&BulkPage { nav: form.staff.nav("home"), action: label, lines, done }))
}
