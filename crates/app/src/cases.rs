//! Case use cases: register, act, read, list, history. Each write is load → decide → commit.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use bancheng_domain::calendar::Calendar;
use bancheng_domain::case::ReportState;
use bancheng_domain::case::{
    self, Case, CaseEvent, Command, Ctx, Decision, EarlierCase, Registration, Status, view_of,
};
use bancheng_domain::deadline::DeadlineKind;
use bancheng_domain::deadline::{Urgency, local_day, standing};
use bancheng_domain::numbering::parse_number;
use bancheng_domain::validate::{mask_id, mask_phone};
use bancheng_domain::{Actor, DomainError};
use bancheng_store::StoreError;
use bancheng_store::model::{
    CaseCommit, CaseFilter, CaseRow, FactRows, IdempotencyClaim, LedgerSort, NewAttachment, NewEvent,
    NewNotification, Registered, StoredEvent,
};
use tokio::sync::mpsc;

use crate::facts::fact_rows;
use crate::{App, AppError, CaseQuery, Result};

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

/// One row of `GET /api/v1/cases` and of the 台账 (附件4; always masked: 138****5678). The
/// ledger's columns are [`crate::ledger::LEDGER_COLUMNS`]. `Deserialize` reads the JSON back
/// (clients, tests).
#[derive(Debug, Clone, Serialize, Deserialize)]
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
    /// The unit that registered it.
    pub received_unit: String,
    pub received_at: DateTime<Utc>,
    /// 经办人: the handler the unit lead named, else who signed the reply (username).
    pub handled_by: Option<String>,
    pub next_due: Option<NaiveDate>,
    pub overdue: bool,
    pub due_soon: bool,
    pub workdays_left: Option<i64>,
    pub reopen_count: i32,
    pub outcome: Option<String>,
    /// 满意度 (5 = 非常满意 … 1 = 非常不满意) of the latest return visit that reached the applicant.
    pub satisfaction: Option<u8>,
    /// 回访次数: return visits made, reached or not.
    pub visits: u32,
    /// 办理进度: the latest of the reply, the latest feedback, the 退单 reason and a pending
    /// 否定答复's reasons.
    pub progress: Option<String>,
    /// When the responsible unit replied (办结).
    pub replied_at: Option<DateTime<Utc>>,
    /// 备注: 问题工单, 重复来访N次, 延期, 不予受理范围, 已通报, 督办.
    pub remarks: Vec<String>,
    /// An open case sent back to 重新核实 (第五条): why (the applicant's complaint or the office's
    /// note).
    pub reopened_because: Option<String>,
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

pub(crate) fn to_new_events(d: &Decision, actor: &Actor, now: DateTime<Utc>) -> Vec<NewEvent> {
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

pub(crate) fn to_notes(d: &Decision) -> Vec<NewNotification> {
    d.notifications.iter().map(crate::outbox::outbox_row).collect()
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
        received_unit: case.received_unit.clone(),
        phone_tail: phone_tail(&case.applicant.phone),
        enterprise_name: case.applicant.enterprise_name.clone(),
        credit_code: case.applicant.credit_code.clone(),
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
        state: serde_json::to_value(case).map_err(|e| AppError::failed("case state to JSON", e))?,
        facts: FactRows::default(),
    })
}

/// How long a registration's idempotency key is honoured (SPEC §7).
pub const IDEMPOTENCY_HOURS: i64 = 24;

/// The claim of a registration's idempotency key: checked (1–200 visible ASCII characters, 422
/// naming the header otherwise), with the hash of the registration it comes with.
fn idempotency_claim(
    actor: &Actor,
    key: &str,
    reg: &Registration,
    now: DateTime<Utc>,
) -> Result<IdempotencyClaim> {
    let key = key.trim();
    if key.is_empty() || key.len() > 200 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(
            DomainError::invalid("Idempotency-Key", "Idempotency-Key 应为1至200个可见ASCII字符").into()
        );
    }
    let body = serde_json::to_vec(reg).map_err(|e| AppError::failed("registration to JSON", e))?;
    Ok(IdempotencyClaim {
        username: actor.username.clone(),
        key: key.to_owned(),
        request_hash: bancheng_domain::chain::hex(&<sha2::Sha256 as sha2::Digest>::digest(&body)),
        at: now,
        expired_before: now - chrono::TimeDelta::hours(IDEMPOTENCY_HOURS),
    })
}

/// The last four digits of a phone (the header search finds a case by them).
pub(crate) fn phone_tail(phone: &str) -> String {
    let digits: Vec<char> = phone.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(4)..].iter().collect()
}

/// The list and ledger row of a stored case: masked, with its clock standing on `today`.
pub(crate) fn summary_of(
    mut r: CaseRow,
    cal: &Calendar,
    today: NaiveDate,
    due_soon: u32,
) -> Result<CaseSummary> {
    let case: Case = serde_json::from_value(std::mem::take(&mut r.state))
        .map_err(|e| AppError::failed(format!("case {} state", r.number), e))?;
    let open = Status::parse(&r.status).map(|s| s.is_open()).unwrap_or(false);
    let st = r.next_due.filter(|_| open).map(|d| standing(cal, d, today, due_soon));
    let reopened_because = case
        .reopened
        .as_ref()
        .filter(|_| case.status.is_open() && case.reopen_count > 0)
        .map(|n| n.text.clone());
    Ok(CaseSummary {
        reopened_because,
        handled_by: case.assignee.clone().or_else(|| case.reply.as_ref().map(|r| r.by.by.clone())),
        satisfaction: case.visits.iter().rev().find(|v| v.reached).and_then(|v| v.satisfaction),
        visits: case.visits.len() as u32,
        progress: progress_of(&case),
        replied_at: case.reply.as_ref().map(|n| n.by.at),
        remarks: remarks_of(&case),
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
        received_unit: r.received_unit,
        received_at: r.received_at,
        next_due: r.next_due,
        overdue: st.is_some_and(|s| s.urgency == Urgency::Overdue),
        due_soon: st.is_some_and(|s| s.urgency == Urgency::DueSoon),
        workdays_left: st.map(|s| s.workdays_left),
        reopen_count: r.reopen_count,
        outcome: r.outcome,
    })
}

/// 办理进度: whichever was written last of the reply, the latest feedback, the 退单 reason and a
/// pending 否定答复 report.
fn progress_of(case: &Case) -> Option<String> {
    let mut latest: Option<(DateTime<Utc>, String)> = None;
    let mut offer = |at: DateTime<Utc>, text: String| {
        if latest.as_ref().is_none_or(|(t, _)| at >= *t) {
            latest = Some((at, text));
        }
    };
    if let Some(n) = case.feedback.iter().max_by_key(|n| n.by.at) {
        offer(n.by.at, n.text.clone());
    }
    if let Some(n) = &case.returned {
        offer(n.by.at, format!("退单：{}", n.text));
    }
    if let Some(r) = case.negative.as_ref().filter(|r| r.state == ReportState::Pending) {
        offer(r.proposed.at, format!("否定答复待审：{}", r.reasons));
    }
    if let Some(n) = &case.reply {
        offer(n.by.at, n.text.clone());
    }
    latest.map(|(_, text)| text)
}

/// 备注 labels of the 台账.
fn remarks_of(case: &Case) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(into) = &case.merged_into {
        out.push(format!("已合并至{into}"));
    } else if let Some(w) = &case.withdrawn {
        out.push(format!("已作废：{}", w.text));
    }
    if !case.merged_from.is_empty() {
        out.push(format!("合并了重复登记{}", case.merged_from.join("、")));
    }
    if case.problem {
        out.push("问题工单".to_owned());
    }
    if case.trips() > 1 {
        out.push(format!("重复来访{}次", case.trips()));
    }
    if case.extension.as_ref().is_some_and(|e| e.state == ReportState::Approved)
        || case.deadlines.iter().any(|d| d.extended_from.is_some())
    {
        out.push("延期".to_owned());
    }
    if case.excluded.is_some() {
        out.push("不予受理范围".to_owned());
    }
    if !case.notices.is_empty() {
        out.push("已通报".to_owned());
    }
    if case.deadlines.iter().any(|d| d.kind == DeadlineKind::Supervision) {
        out.push("督办".to_owned());
    }
    out
}

pub(crate) fn case_of(row: &CaseRow) -> Result<Case> {
    let mut c: Case = serde_json::from_value(row.state.clone())
        .map_err(|e| AppError::failed(format!("case {} state", row.number), e))?;
    c.number = row.number.clone();
    Ok(c)
}

impl App {
    pub(crate) fn ctx<'a>(
        &self,
        actor: &'a Actor,
        now: DateTime<Utc>,
        policy: &'a bancheng_domain::policy::DeadlinePolicy,
        cal: &'a bancheng_domain::calendar::Calendar,
        units: &'a [bancheng_domain::unit::OrgUnit],
    ) -> Ctx<'a> {
        Ctx { actor, now, policy, calendar: cal, units }
    }

    /// The case as `actor` may see it (SPEC §2, privacy), with its clocks on today. A handler
    /// sees, of the related cases (repeat trips, merges), only the numbers they may read.
    pub(crate) async fn view(&self, case: &Case, actor: &Actor, version: i64) -> Result<CaseView> {
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
        let mut shown = view_of(case, actor);
        if actor.role.is_unit_scoped() {
            let related: Vec<String> =
                shown.repeat_of.iter().chain(&shown.merged_from).chain(&shown.merged_into).cloned().collect();
            let readable = self
                .store()
                .numbers_of_units(&case.center, &related, std::slice::from_ref(&actor.unit))
                .await?;
            shown.repeat_of.retain(|n| readable.contains(n));
            shown.merged_from.retain(|n| readable.contains(n));
            shown.merged_into = shown.merged_into.filter(|n| readable.contains(n));
        }
        Ok(CaseView {
            case: shown,
            version,
            today,
            overdue: open && standings.iter().any(|s| s.1 == Urgency::Overdue),
            due_soon: open && standings.iter().any(|s| s.1 == Urgency::DueSoon),
            standings,
        })
    }

    /// 登记 (第一条). Links earlier cases of the same applicant (phone or ID) as repeat trips.
    pub async fn register(&self, actor: &Actor, reg: &Registration) -> Result<CaseView> {
        Ok(self.register_once(actor, reg, None).await?.0)
    }

    /// 登记 with an idempotency key (SPEC §7): a repeat of a key this user claimed within 24
    /// hours answers with the case it registered (`true`: a repeat) instead of a new number;
    /// the same key with another registration is refused (`idempotency_mismatch`).
    pub async fn register_once(
        &self,
        actor: &Actor,
        reg: &Registration,
        key: Option<&str>,
    ) -> Result<(CaseView, bool)> {
        let now = self.now();
        let cal = self.calendar();
        let policy = self.policy(&actor.center);
        let units = self.org_units(&actor.center);
        // Validate before any lookup, so bad input is refused without touching the store.
        let ctx = self.ctx(actor, now, &policy, &cal, &units);
        case::register(reg, &ctx, &[])?;
        let claim = key.map(|k| idempotency_claim(actor, k, reg, now)).transpose()?;
        let earlier = self.earlier_cases(&actor.center, reg).await?;
        let d = case::register(reg, &ctx, &earlier)?;
        let events = to_new_events(&d, actor, now);
        let case = d.case.clone();
        let today = local_day(now);
        let mut row = row_of(&case, 1, today, now)?;
        row.facts = fact_rows(&case, None);
        let hash = claim.as_ref().map(|c| c.request_hash.clone());
        match self.store().register_keyed(today, row, events, to_notes(&d), claim).await? {
            Registered::New(stored) => {
                let case = case_of(&stored)?;
                Ok((self.view(&case, actor, stored.version).await?, false))
            }
            Registered::Repeat { number, request_hash } if Some(&request_hash) == hash.as_ref() => {
                let (case, version) = self.load(actor, &number).await?;
                Ok((self.view(&case, actor, version).await?, true))
            }
            Registered::Repeat { number, .. } => Err(AppError::IdempotencyMismatch { number }),
        }
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

    pub(crate) async fn load(&self, actor: &Actor, number: &str) -> Result<(Case, i64)> {
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
        self.view(&case, actor, version).await
    }

    /// One action on a case (SPEC §6). A concurrent change makes this a 409, never a lost update.
    /// A 合并 also records the duplicate on the case it joins, in the same transaction.
    pub async fn act(&self, actor: &Actor, number: &str, cmd: &Command) -> Result<CaseView> {
        let (case, version) = self.load(actor, number).await?;
        let cmd = self.resolved(actor, cmd).await?;
        let (case, version) = match &cmd {
            Command::Merge { into, .. } => self.merge(actor, case, version, &cmd, into).await?,
            _ => self.decide_and_commit(actor, case, version, &cmd).await?,
        };
        self.view(&case, actor, version).await
    }

    /// SPEC §7 合并: the duplicate and the case it joins, decided and committed together.
    async fn merge(
        &self,
        actor: &Actor,
        dup: Case,
        version: i64,
        cmd: &Command,
        into: &str,
    ) -> Result<(Case, i64)> {
        let now = self.now();
        let cal = self.calendar();
        let policy = self.policy(&dup.center);
        let units = self.org_units(&dup.center);
        let ctx = self.ctx(actor, now, &policy, &cal, &units);
        let d = case::decide(&dup, cmd, &ctx)?;
        let (target, target_version) = match self.load(actor, into.trim()).await {
            Ok(t) => t,
            Err(AppError::Domain(DomainError::NotFound { .. })) => {
                return Err(
                    DomainError::invalid("into", format!("要合并到的事项不存在：{}", into.trim())).into()
                );
            }
            Err(e) => return Err(e),
        };
        let joined = case::absorb(&target, &d.case, &ctx)?;
        let today = local_day(now);
        let commits = vec![
            self.case_commit(actor, &dup, version, &d, today, now)?,
            self.case_commit(actor, &target, target_version, &joined, today, now)?,
        ];
        let rows = self.store().commit_all(commits).await?;
        Ok((d.case, rows[0].version))
    }

    /// The store commit of a decision: the new row and facts, its events and messages; a case
    /// that was voided or merged cancels the messages it still owed.
    fn case_commit(
        &self,
        actor: &Actor,
        before: &Case,
        version: i64,
        d: &Decision,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<CaseCommit> {
        let mut row = row_of(&d.case, version + 1, today, now)?;
        row.facts = fact_rows(&d.case, Some(before));
        Ok(CaseCommit {
            expected_version: version,
            row,
            events: to_new_events(d, actor, now),
            notes: to_notes(d),
            attachments: vec![],
            cancel_pending: d.case.status.is_withdrawn() && !before.status.is_withdrawn(),
        })
    }

    /// The command with what the caller cannot know filled in: the assignee's unit.
    pub(crate) async fn resolved(&self, actor: &Actor, cmd: &Command) -> Result<Command> {
        let Command::Assign { assignee, .. } = cmd else { return Ok(cmd.clone()) };
        let user = match self.store().user_by_name(assignee.trim()).await {
            Ok(u) if u.center == actor.center && !u.disabled => u,
            Ok(_) | Err(StoreError::NotFound) => {
                return Err(DomainError::invalid("assignee", format!("经办人不存在：{assignee}")).into());
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Command::Assign { assignee: user.username, assignee_unit: user.unit_code })
    }

    pub(crate) async fn decide_and_commit(
        &self,
        actor: &Actor,
        case: Case,
        version: i64,
        cmd: &Command,
    ) -> Result<(Case, i64)> {
        self.decide_and_commit_with(actor, case, version, cmd, vec![]).await
    }

    /// [`App::decide_and_commit`] with the attachments the command adds.
    pub(crate) async fn decide_and_commit_with(
        &self,
        actor: &Actor,
        case: Case,
        version: i64,
        cmd: &Command,
        attachments: Vec<NewAttachment>,
    ) -> Result<(Case, i64)> {
        let now = self.now();
        let cal = self.calendar();
        let policy = self.policy(&case.center);
        let units = self.org_units(&case.center);
        let d = case::decide(&case, cmd, &self.ctx(actor, now, &policy, &cal, &units))?;
        if d.events.is_empty() {
            return Ok((case, version));
        }
        let mut commit = self.case_commit(actor, &case, version, &d, local_day(now), now)?;
        commit.attachments = attachments;
        let stored = self.store().commit_all(vec![commit]).await?;
        Ok((d.case, stored[0].version))
    }

    /// The store filter of a list or ledger query: checks every value (422 naming it), the role
    /// (403) and scopes handlers to their unit's cases.
    pub(crate) fn case_filter(&self, actor: &Actor, q: &CaseQuery) -> Result<CaseFilter> {
        case::require_case_reader(actor.role)?;
        let statuses = match q.status.as_deref().filter(|s| !s.is_empty()) {
            // 在办: every open status.
            Some(case::OPEN_STATUSES) => Status::OPEN.iter().map(|s| s.code().to_owned()).collect(),
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
        let sort = match q.sort.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => LedgerSort::default(),
            Some(s) => LedgerSort::parse(s).ok_or_else(|| {
                DomainError::invalid("sort", "排序方式应为 received_desc、received_asc、due 或 number")
            })?,
        };
        Ok(CaseFilter {
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
            phone_tail: None,
            credit_code: None,
            received_unit: q.received_unit.clone().filter(|s| !s.is_empty()),
            page,
            per_page,
            sort,
        })
    }

    /// `GET /api/v1/cases`: filtered, sorted, paginated, masked; handlers see only their unit's
    /// cases.
    pub async fn cases(&self, actor: &Actor, q: &CaseQuery) -> Result<(Vec<CaseSummary>, i64)> {
        let filter = self.case_filter(actor, q)?;
        let page = self.store().cases(&filter).await?;
        let today = local_day(self.now());
        let cal = self.calendar();
        let due_soon = self.policy(&actor.center).due_soon;
        let rows = page
            .rows
            .into_iter()
            .map(|r| summary_of(r, &cal, today, due_soon))
            .collect::<Result<Vec<_>>>()?;
        Ok((rows, page.total))
    }

    /// The 台账 export (SPEC §5): every case `q` selects (its page and per_page ignored), with the
    /// same checks, visibility, masking and order as [`App::cases`], sent row by row into `tx` as
    /// the store streams them. More than `max_rows` matches is a 422 on `to`, before any row
    /// is sent. Stops early (`Ok`) when the receiver is dropped; returns the rows sent.
    pub async fn ledger_export(
        &self,
        actor: &Actor,
        q: &CaseQuery,
        max_rows: usize,
        tx: mpsc::Sender<CaseSummary>,
    ) -> Result<u64> {
        let query = CaseQuery { page: None, per_page: None, ..q.clone() };
        let filter = CaseFilter { page: 1, per_page: 1, ..self.case_filter(actor, &query)? };
        let too_many = || {
            let limit = if max_rows >= 10_000 && max_rows.is_multiple_of(10_000) {
                format!("{}万", max_rows / 10_000)
            } else {
                max_rows.to_string()
            };
            AppError::from(DomainError::invalid("to", format!("导出条数超过{limit}条，请缩小日期范围")))
        };
        let total = self.store().cases(&filter).await?.total;
        if usize::try_from(total).map_or(true, |t| t > max_rows) {
            return Err(too_many());
        }
        let today = local_day(self.now());
        let cal = self.calendar();
        let due_soon = self.policy(&actor.center).due_soon;
        let (rows_tx, mut rows) = mpsc::channel::<CaseRow>(64);
        let store = self.store().clone();
        // One more than allowed, to notice cases registered since the count.
        let reader = tokio::spawn(async move { store.cases_each(&filter, max_rows + 1, rows_tx).await });
        let mut sent = 0u64;
        let mut result = Ok(());
        while let Some(row) = rows.recv().await {
            if sent as usize >= max_rows {
                result = Err(too_many());
                break;
            }
            let summary = match summary_of(row, &cal, today, due_soon) {
                Ok(s) => s,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            if tx.send(summary).await.is_err() {
                break;
            }
            sent += 1;
        }
        // The reader stops at its next row once the receiver is gone.
        drop(rows);
        let read = reader.await.map_err(|e| AppError::failed("ledger reader", e))?;
        result?;
        read?;
        Ok(sent)
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
    use serde_json::Value;
    let label = CaseEvent::from_parts(&e.kind, &e.payload).map(|ev| ev.label()).unwrap_or("事件");
    let mut payload = e.payload;
    let mask_phone_too = masked.applicant.phone != case.applicant.phone;
    let mask_id_too = masked.applicant.id_number != case.applicant.id_number;
    // The registration snapshot carries the applicant: show it as the viewer may see it.
    if e.kind == "registered"
        && let Some(app) = payload.pointer_mut("/case/applicant")
    {
        if mask_phone_too && let Some(Value::String(p)) = app.get_mut("phone") {
            *p = mask_phone(p);
        }
        if mask_id_too && let Some(Value::String(i)) = app.get_mut("id_number") {
            *i = mask_id(i);
        }
    }
    // A correction keeps the old and new values: masked like everywhere else.
    if e.kind == "corrected"
        && let Some(Value::Array(changes)) = payload.get_mut("changes")
    {
        for c in changes {
            let mask: fn(&str) -> String = match c.get("field").and_then(Value::as_str) {
                Some("phone") if mask_phone_too => mask_phone,
                Some("id_number") if mask_id_too => mask_id,
                _ => continue,
            };
            for side in ["from", "to"] {
                if let Some(Value::String(v)) = c.get_mut(side) {
                    *v = mask(v);
                }
            }
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
