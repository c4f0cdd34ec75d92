//! Case use cases: register, act, read, list, history. Each write is load → decide → commit.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use bancheng_domain::case::{
    self, Case, CaseEvent, Command, Ctx, Decision, EarlierCase, Registration, Status, view_of,
};
use bancheng_domain::deadline::{Urgency, local_day, standing};
use bancheng_domain::numbering::parse_number;
use bancheng_domain::validate::{mask_id, mask_phone};
use bancheng_domain::{Actor, DomainError, Role};
use bancheng_store::StoreError;
use bancheng_store::model::{CaseFilter, CaseRow, NewEvent, NewNotification, StoredEvent};

use crate::{App, AppError, Result};

/// A case as returned to a user: the (masked) case, its version, and how its clocks stand today.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub case: Case,
    pub version: i64,
    pub today: NaiveDate,
    pub overdue: bool,
    pub due_soon: bool,
    /// Per open deadline id: working days left (negative = over).
    pub standings: Vec<(u32, Urgency, i64)>,
}

/// One row of `GET /api/v1/cases` and the ledger (always masked: 138****5678).
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CaseSummary {
    pub number: String,
    pub status: String,
    pub level: String,
    pub channel: String,
    pub category: Option<String>,
    pub applicant_name: String,
    pub phone: String,
    pub id_number: Option<String>,
    pub description: String,
    pub matter: Option<String>,
    pub unit: Option<String>,
    pub units: Vec<String>,
    pub received_by: String,
    pub received_at: DateTime<Utc>,
    pub next_due: Option<NaiveDate>,
    pub overdue: bool,
    pub due_soon: bool,
    pub workdays_left: Option<i64>,
    pub reopen_count: i32,
    pub outcome: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct CaseQuery {
    pub status: Option<String>,
    pub level: Option<String>,
    pub unit: Option<String>,
    pub overdue: Option<bool>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub q: Option<String>,
    pub page: Option<u32>,
    pub per_page: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub seq: i64,
    pub kind: String,
    pub label: String,
    pub actor: String,
    pub actor_role: String,
    pub actor_unit: String,
    pub at: DateTime<Utc>,
    pub payload: serde_json::Value,
    pub hash: String,
}

fn to_new_events(d: &Decision, actor: &Actor, now: DateTime<Utc>) -> Vec<NewEvent> {
    d.events
        .iter()
        .map(|e| {
            let (kind, payload) = e.to_parts();
            NewEvent {
                kind: kind.into(),
                actor: actor.username.clone(),
                actor_role: actor.role.code().into(),
                actor_unit: actor.unit.clone(),
                at: now,
                payload,
            }
        })
        .collect()
}

fn to_notes(d: &Decision) -> Vec<NewNotification> {
    d.notifications
        .iter()
        .map(|n| NewNotification {
            kind: n.kind.into(),
            recipient: n.recipient.clone(),
            payload: serde_json::json!({ "text": n.text }),
        })
        .collect()
}

fn fold(mut case: Case, d: &Decision, actor: &Actor, now: DateTime<Utc>) -> Case {
    for e in &d.events {
        case::apply(
            &mut case,
            &case::RecordedEvent {
                event: e.clone(),
                actor: actor.username.clone(),
                actor_role: actor.role.code().into(),
                actor_unit: actor.unit.clone(),
                at: now,
            },
        );
    }
    case
}

/// The derived row: the case as JSON plus the columns the ledger filters on.
pub(crate) fn row_of(case: &Case, version: i64, today: NaiveDate, now: DateTime<Utc>) -> Result<CaseRow> {
    Ok(CaseRow {
        number: case.number.clone(),
        center: case.center.clone(),
        status: case.status.code().into(),
        level: case.level.code().into(),
        channel: case.channel.code().into(),
        category: case.category.map(|c| c.code().into()),
        applicant_name: case.applicant.name.clone(),
        phone: case.applicant.phone.clone(),
        id_number: case.applicant.id_number.clone(),
        description: case.description.clone(),
        matter: case.matter.clone(),
        unit: case.unit.clone(),
        units: case.units(),
        received_by: case.received_by.clone(),
        received_at: case.received_at,
        next_due: case.next_due(),
        overdue: case.is_overdue(today),
        reopen_count: case.reopen_count as i32,
        outcome: case.outcome.map(|o| o.code().into()),
        updated_at: now,
        version,
        state: serde_json::to_value(case).map_err(|e| AppError::Internal(e.to_string()))?,
    })
}

pub(crate) fn case_of(row: &CaseRow) -> Result<Case> {
    let mut c: Case = serde_json::from_value(row.state.clone())
        .map_err(|e| AppError::Internal(format!("case {} state: {e}", row.number)))?;
    c.number = row.number.clone();
    Ok(c)
}

impl App {
    fn ctx<'a>(
        &self,
        actor: &'a Actor,
        now: DateTime<Utc>,
        policy: &'a bancheng_domain::policy::DeadlinePolicy,
        cal: &'a bancheng_domain::calendar::Calendar,
        units: &'a [String],
    ) -> Ctx<'a> {
        Ctx { actor, now, policy, calendar: cal, units }
    }

    pub(crate) fn view(&self, case: &Case, actor: &Actor, version: i64) -> CaseView {
        let today = local_day(self.now());
        let cal = self.calendar();
        let policy = self.policy(&case.center);
        let open = case.status.is_open();
        let standings: Vec<(u32, Urgency, i64)> = case
            .open_deadlines()
            .map(|d| {
                let s = standing(&cal, d.due, today, policy.due_soon);
                (d.id, s.urgency, s.workdays_left)
            })
            .collect();
        CaseView {
            case: view_of(case, actor),
            version,
            today,
            overdue: open && standings.iter().any(|s| s.1 == Urgency::Overdue),
            due_soon: open && standings.iter().any(|s| s.1 == Urgency::DueSoon),
            standings,
        }
    }

    /// 登记 (第一条). Links earlier cases of the same applicant (phone or ID) as repeat trips.
    pub async fn register(&self, actor: &Actor, reg: &Registration) -> Result<CaseView> {
        let now = self.now();
        let cal = self.calendar();
        let policy = self.policy(&actor.center);
        let units = self.unit_codes(&actor.center);
        // Validate before any lookup, so bad input is refused without touching the store.
        let ctx = self.ctx(actor, now, &policy, &cal, &units);
        case::register(reg, &ctx, &[])?;
        let earlier = self.earlier_cases(&actor.center, reg).await?;
        let d = case::register(reg, &ctx, &earlier)?;
        let events = to_new_events(&d, actor, now);
        let CaseEvent::Registered { case: initial } = &d.events[0] else {
            return Err(AppError::Internal("register must start with Registered".into()));
        };
        let case = fold(
            (**initial).clone(),
            &Decision { events: d.events[1..].to_vec(), ..Default::default() },
            actor,
            now,
        );
        let today = local_day(now);
        let row = row_of(&case, 1, today, now)?;
        let stored = self.store().register(today, row, events, to_notes(&d)).await?;
        let case = case_of(&stored)?;
        Ok(self.view(&case, actor, stored.version))
    }

    async fn earlier_cases(&self, center: &str, reg: &Registration) -> Result<Vec<EarlierCase>> {
        let Ok(phone) = bancheng_domain::validate::Phone::parse(&reg.phone) else { return Ok(vec![]) };
        let id = reg
            .id_number
            .as_deref()
            .and_then(|s| bancheng_domain::validate::IdNumber::parse(s).ok())
            .map(|i| i.as_str().to_owned());
        let rows = self.store().applicant_cases(center, phone.as_str(), id.as_deref(), 50).await?;
        let mut out: Vec<EarlierCase> =
            rows.into_iter().map(|(number, matter)| EarlierCase { number, matter }).collect();
        out.reverse(); // oldest first
        Ok(out)
    }

    async fn load(&self, actor: &Actor, number: &str) -> Result<(Case, i64)> {
        parse_number(number)?;
        let row = match self.store().case(&actor.center, number).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => {
                return Err(DomainError::not_found(format!("事项 {number} 不存在")).into());
            }
            Err(e) => return Err(e.into()),
        };
        let case = case_of(&row)?;
        case::may_read(&case, actor)?;
        Ok((case, row.version))
    }

    /// `GET /api/v1/cases/{number}`.
    pub async fn case(&self, actor: &Actor, number: &str) -> Result<CaseView> {
        let (case, version) = self.load(actor, number).await?;
        Ok(self.view(&case, actor, version))
    }

    /// One action on a case (SPEC §6). A concurrent change makes this a 409, never a lost update.
    pub async fn act(&self, actor: &Actor, number: &str, cmd: &Command) -> Result<CaseView> {
        let (case, version) = self.load(actor, number).await?;
        let resolved;
        let cmd = match cmd {
            Command::Assign { assignee, .. } => {
                let user = match self.store().user_by_name(assignee.trim()).await {
                    Ok(u) if u.center == actor.center && !u.disabled => u,
                    Ok(_) | Err(StoreError::NotFound) => {
                        return Err(
                            DomainError::invalid("assignee", format!("经办人不存在：{assignee}")).into()
                        );
                    }
                    Err(e) => return Err(e.into()),
                };
                resolved = Command::Assign { assignee: user.username, assignee_unit: user.unit_code };
                &resolved
            }
            other => other,
        };
        let (case, version) = self.decide_and_commit(actor, case, version, cmd).await?;
        Ok(self.view(&case, actor, version))
    }

    pub(crate) async fn decide_and_commit(
        &self,
        actor: &Actor,
        case: Case,
        version: i64,
        cmd: &Command,
    ) -> Result<(Case, i64)> {
        let now = self.now();
        let cal = self.calendar();
        let policy = self.policy(&case.center);
        let units = self.unit_codes(&case.center);
        let d = case::decide(&case, cmd, &self.ctx(actor, now, &policy, &cal, &units))?;
        if d.events.is_empty() {
            return Ok((case, version));
        }
        let case = fold(case, &d, actor, now);
        let row = row_of(&case, version + 1, local_day(now), now)?;
        let stored = self.store().commit(version, row, to_new_events(&d, actor, now), to_notes(&d)).await?;
        Ok((case, stored.version))
    }

    /// `GET /api/v1/cases`: filtered, paginated, masked; handlers see only their unit's cases.
    pub async fn cases(&self, actor: &Actor, q: &CaseQuery) -> Result<(Vec<CaseSummary>, i64)> {
        if matches!(actor.role, Role::Admin | Role::Public | Role::System) {
            return Err(DomainError::forbidden("该角色无权查看事项").into());
        }
        let statuses = match q.status.as_deref().filter(|s| !s.is_empty()) {
            Some(s) => s
                .split(',')
                .map(|x| Status::parse(x.trim()).map(|st| st.code().to_owned()))
                .collect::<bancheng_domain::Result<Vec<_>>>()?,
            None => vec![],
        };
        let level = q.level.as_deref().filter(|s| !s.is_empty()).map(case::Level::parse).transpose()?;
        let category =
            q.category.as_deref().filter(|s| !s.is_empty()).map(case::Category::parse).transpose()?;
        let channel = q.channel.as_deref().filter(|s| !s.is_empty()).map(case::Channel::parse).transpose()?;
        if let (Some(f), Some(t)) = (q.from, q.to)
            && f > t
        {
            return Err(DomainError::invalid("from", "开始日期不能晚于结束日期").into());
        }
        let per_page = q.per_page.unwrap_or(20);
        if !(1..=200).contains(&per_page) {
            return Err(DomainError::invalid("per_page", "每页条数应为1至200").into());
        }
        let page = q.page.unwrap_or(1);
        if page == 0 {
            return Err(DomainError::invalid("page", "页码从1开始").into());
        }
        let text = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
        if text.is_some_and(|t| t.chars().count() > 50) {
            return Err(DomainError::invalid("q", "检索词不超过50字").into());
        }
        let filter = CaseFilter {
            center: actor.center.clone(),
            statuses,
            level: level.map(|l| l.code().into()),
            unit: q.unit.clone().filter(|s| !s.is_empty()),
            visible_units: actor.role.is_unit_scoped().then(|| vec![actor.unit.clone()]),
            overdue: q.overdue,
            category: category.map(|c| c.code().into()),
            channel: channel.map(|c| c.code().into()),
            from: q.from,
            to: q.to,
            q: text.map(str::to_owned),
            phone: None,
            id_number: None,
            page,
            per_page,
        };
        let page = self.store().cases(&filter).await?;
        let today = local_day(self.now());
        let cal = self.calendar();
        let policy = self.policy(&actor.center);
        let rows = page
            .rows
            .into_iter()
            .map(|r| {
                let open = Status::parse(&r.status).map(|s| s.is_open()).unwrap_or(false);
                let st = r.next_due.filter(|_| open).map(|d| standing(&cal, d, today, policy.due_soon));
                CaseSummary {
                    number: r.number,
                    status: r.status,
                    level: r.level,
                    channel: r.channel,
                    category: r.category,
                    applicant_name: r.applicant_name,
                    phone: mask_phone(&r.phone),
                    id_number: r.id_number.as_deref().map(mask_id),
                    description: r.description,
                    matter: r.matter,
                    unit: r.unit,
                    units: r.units,
                    received_by: r.received_by,
                    received_at: r.received_at,
                    next_due: r.next_due,
                    overdue: st.is_some_and(|s| s.urgency == Urgency::Overdue),
                    due_soon: st.is_some_and(|s| s.urgency == Urgency::DueSoon),
                    workdays_left: st.map(|s| s.workdays_left),
                    reopen_count: r.reopen_count,
                    outcome: r.outcome,
                }
            })
            .collect();
        Ok((rows, page.total))
    }

    /// `GET /api/v1/cases/{number}/events`: the case's log, oldest first, with the same privacy
    /// as the case itself.
    pub async fn events(&self, actor: &Actor, number: &str) -> Result<Vec<EventView>> {
        let (case, _) = self.load(actor, number).await?;
        let events = self.store().events(&actor.center, number).await?;
        let masked = view_of(&case, actor);
        Ok(events.into_iter().map(|e| event_view(e, &case, &masked)).collect())
    }
}

fn event_view(e: StoredEvent, case: &Case, masked: &Case) -> EventView {
    let label = CaseEvent::from_parts(&e.kind, &e.payload).map(|ev| ev.label()).unwrap_or("事件");
    let mut payload = e.payload;
    // The registration snapshot carries the applicant: show it as the viewer may see it.
    if e.kind == "registered"
        && let Some(app) = payload.pointer_mut("/case/applicant")
    {
        if masked.applicant.phone != case.applicant.phone {
            app["phone"] = serde_json::Value::String(masked.applicant.phone.clone());
        }
        if masked.applicant.id_number != case.applicant.id_number {
            app["id_number"] = serde_json::json!(masked.applicant.id_number);
        }
    }
    EventView {
        seq: e.seq,
        kind: e.kind,
        label: label.into(),
        actor: e.actor,
        actor_role: e.actor_role,
        actor_unit: e.actor_unit,
        at: e.at,
        payload,
        hash: e.hash,
    }
}
