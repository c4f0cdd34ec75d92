//! What the staff pages need beyond the API's use cases: the actions a user may take now, the
//! applicant's earlier cases (repeat-trip hint), a unit's staff, and each role's work queue.
//! Every rule comes from the domain; this module only gathers.

use chrono::{DateTime, Datelike, NaiveDate, TimeDelta, Utc};

use bancheng_domain::case::{self, Case, ReportState, Status};
use bancheng_domain::deadline::{DeadlineKind, local_day};
use bancheng_domain::validate::{IdNumber, Phone};
use bancheng_domain::{Actor, DomainError};
use bancheng_store::model::CaseFilter;

use crate::cases::case_of;
use crate::{App, CaseView, Result};

/// A case page: the case as the user may see it and the actions they may take now.
#[derive(Debug, Clone)]
pub struct CasePage {
    pub view: CaseView,
    pub actions: Vec<&'static str>,
}

/// An earlier case of the same applicant (SPEC §4.2 repeat trips), for the intake hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierTrip {
    pub number: String,
    pub matter: Option<String>,
}

/// A staff member who can be named 经办人.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Colleague {
    pub username: String,
    pub display_name: String,
    pub role: String,
}

/// Why a case waits for the office (or a leader), with the case.
#[derive(Debug, Clone)]
pub struct WaitingCase {
    pub case: Case,
    /// 否定答复待审 | 延期待批 | 待核查 | 待回访 | 退单待重派 | 待受理 | 待归档 | 待通报 | 问题工单
    /// (a case may wait for several).
    pub reasons: Vec<&'static str>,
}

/// Why a case waits for the office (SPEC §2: dispatch, 否定答复, 延期, 核查, 回访, 通报, 督办, 归档).
pub fn office_reasons(c: &Case) -> Vec<&'static str> {
    use Status::*;
    let mut out = Vec::new();
    match c.status {
        NegativePending => out.push("否定答复待审"),
        Dispatched if c.extension.as_ref().is_some_and(|e| e.state == ReportState::Pending) => {
            out.push("延期待批")
        }
        Resolved => out.push("待核查"),
        Verified if c.visits.is_empty() => out.push("待回访"),
        Verified => out.push("待归档"),
        Returned => out.push("退单待重派"),
        Submitted => out.push("待受理"),
        _ => {}
    }
    // 第五条: flagged by the scheduler for 通报, and no 通报 recorded yet.
    if c.notice_flag && c.notices.is_empty() && c.status.is_open() {
        out.push("待通报");
    }
    // 问题工单 in work: supervised until a result.
    if c.problem && c.status.is_open() {
        out.push("问题工单");
    }
    out
}

/// The week's numbers for inspectors and leaders (Monday to today, Asia/Shanghai).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WeekCounts {
    pub since: Option<NaiveDate>,
    pub registered: i64,
    pub resolved: i64,
    pub visited: i64,
    pub overdue_now: i64,
}

/// The most cases a work queue scans (open cases of one county center are a few hundred).
const QUEUE_SCAN: u32 = 2_000;

impl App {
    /// The case page: view plus `case::available_actions`.
    pub async fn case_page(&self, actor: &Actor, number: &str) -> Result<CasePage> {
        let (case, version) = self.load(actor, number).await?;
        let now = self.now();
        let cal = self.calendar();
        let policy = self.policy(&case.center);
        let units = self.org_units(&case.center);
        let ctx = case::Ctx { actor, now, policy: &policy, calendar: &cal, units: &units };
        let actions = case::available_actions(&case, &ctx);
        Ok(CasePage { view: self.view(&case, actor, version).await?, actions })
    }

    /// The applicant's earlier cases by phone or ID number, newest first — what registration
    /// would link as repeat trips. Only those who register (window, office) may ask.
    pub async fn earlier_trips(
        &self,
        actor: &Actor,
        phone: Option<&str>,
        id_number: Option<&str>,
    ) -> Result<Vec<EarlierTrip>> {
        if !case::may_register(actor.role) {
            return Err(DomainError::forbidden("只有窗口和领导小组办公室可以查询来访记录").into());
        }
        let phone = phone.and_then(|p| Phone::parse(p).ok()).map(|p| p.as_str().to_owned());
        let id = id_number.and_then(|i| IdNumber::parse(i).ok()).map(|i| i.as_str().to_owned());
        let (phone, id) = match (phone, id) {
            (Some(p), id) => (p, id),
            // The store looks up by phone, optionally also ID: an ID alone searches by ID only.
            (None, Some(id)) => (String::new(), Some(id)),
            (None, None) => return Ok(vec![]),
        };
        let rows = self.store().applicant_cases(&actor.center, &phone, id.as_deref(), 20).await?;
        Ok(rows.into_iter().map(|(number, matter)| EarlierTrip { number, matter }).collect())
    }

    /// Active staff of one unit of the actor's center (for 指定经办人).
    pub async fn colleagues(&self, actor: &Actor, unit: &str) -> Result<Vec<Colleague>> {
        let users = self.store().users(&actor.center).await?;
        Ok(users
            .into_iter()
            .filter(|u| u.unit_code == unit && !u.disabled)
            .filter(|u| matches!(u.role.as_str(), "handler" | "unit_lead"))
            .map(|u| Colleague { username: u.username, display_name: u.display_name, role: u.role })
            .collect())
    }

    /// Display names of the center's staff by username (for timelines and printed forms).
    pub async fn display_names(&self, actor: &Actor) -> Result<std::collections::HashMap<String, String>> {
        let users = self.store().users(&actor.center).await?;
        Ok(users
            .into_iter()
            .filter(|u| !u.display_name.trim().is_empty())
            .map(|u| (u.username, u.display_name))
            .collect())
    }

    /// Full cases matching `statuses` (and the actor's visibility), newest first.
    async fn scan(&self, actor: &Actor, statuses: &[Status], overdue: Option<bool>) -> Result<Vec<Case>> {
        let mut out = Vec::new();
        let mut page = 1;
        loop {
            let f = CaseFilter {
                center: actor.center.clone(),
                statuses: statuses.iter().map(|s| s.code().to_owned()).collect(),
                visible_units: actor.role.is_unit_scoped().then(|| vec![actor.unit.clone()]),
                overdue,
                page,
                per_page: 200,
                ..Default::default()
            };
            let p = self.store().cases(&f).await?;
            let n = p.rows.len();
            for r in &p.rows {
                out.push(case_of(r)?);
            }
            if n < 200 || out.len() as u32 >= QUEUE_SCAN {
                return Ok(out);
            }
            page += 1;
        }
    }

    /// What waits for the office (SPEC §2): 否定答复 reports, extension requests, results to
    /// verify, visits due, 退单 to reassign, online submissions to accept, cases to archive,
    /// cases flagged for 通报 and 问题工单.
    pub async fn office_queue(&self, actor: &Actor) -> Result<Vec<WaitingCase>> {
        use Status::*;
        let cases = self
            .scan(actor, &[Submitted, Returned, Dispatched, NegativePending, Resolved, Verified], None)
            .await?;
        let mut out: Vec<WaitingCase> = cases
            .into_iter()
            .filter_map(|c| {
                let reasons = office_reasons(&c);
                (!reasons.is_empty()).then_some(WaitingCase { case: c, reasons })
            })
            .collect();
        out.sort_by_key(|w| (w.case.next_due().unwrap_or(NaiveDate::MAX), w.case.received_at));
        Ok(out)
    }

    /// Cases under 督办 now (an open supervision deadline), soonest due first.
    pub async fn supervised_cases(&self, actor: &Actor) -> Result<Vec<Case>> {
        let mut cases: Vec<Case> = self
            .scan(actor, &Status::OPEN, None)
            .await?
            .into_iter()
            .filter(|c| c.open_deadline(DeadlineKind::Supervision).is_some())
            .collect();
        cases.sort_by_key(|c| c.open_deadline(DeadlineKind::Supervision).map(|d| d.due));
        Ok(cases)
    }

    /// This week's counts (Monday to now, Asia/Shanghai): registrations that still count (a
    /// voided or merged case counts in no figure, SPEC §7), and results and visits from the log.
    pub async fn week_counts(&self, actor: &Actor) -> Result<WeekCounts> {
        let now = self.now();
        let today = local_day(now);
        let monday = today - TimeDelta::days(i64::from(today.weekday().num_days_from_monday()));
        let since: DateTime<Utc> = bancheng_domain::deadline::start_of_day(monday);
        let counts = self.store().event_counts(&actor.center, since).await?;
        let count = |kind: &str| counts.iter().find(|(k, _)| k == kind).map_or(0, |(_, n)| *n);
        let counted: Vec<String> =
            Status::ALL.iter().filter(|s| !s.is_withdrawn()).map(|s| s.code().to_owned()).collect();
        let registered = self
            .store()
            .cases(&CaseFilter {
                center: actor.center.clone(),
                statuses: counted,
                from: Some(monday),
                to: Some(today),
                page: 1,
                per_page: 1,
                ..Default::default()
            })
            .await?
            .total;
        let overdue = self
            .store()
            .cases(&CaseFilter {
                center: actor.center.clone(),
                overdue: Some(true),
                page: 1,
                per_page: 1,
                ..Default::default()
            })
            .await?
            .total;
        Ok(WeekCounts {
            since: Some(monday),
            registered,
            resolved: count("resolved"),
            visited: count("visited"),
            overdue_now: overdue,
        })
    }
}

/// The 台账 columns a user chose (JSON list of column keys).
pub const PREF_LEDGER_COLUMNS: &str = "ledger_columns";
/// A user's saved 台账 filters (我的常用筛选; JSON list of name and query string).
pub const PREF_SAVED_FILTERS: &str = "saved_filters";

/// The per-user settings the pages keep (`user_prefs`): their names and largest size.
pub const PREFS: &[(&str, usize)] = &[(PREF_LEDGER_COLUMNS, 2_000), (PREF_SAVED_FILTERS, 20_000)];

/// The outcome of one case of a bulk action: the number and why it was refused, if it was.
#[derive(Debug)]
pub struct BulkOutcome {
    pub number: String,
    pub refused: Option<crate::AppError>,
}

impl App {
    /// A setting of the signed-in user's pages (JSON text), if saved.
    pub async fn pref(&self, actor: &Actor, name: &str) -> Result<Option<String>> {
        pref_def(name)?;
        Ok(self.store().pref(&actor.username, name).await?)
    }

    /// Saves (or, with `None`, forgets) a setting of the signed-in user's pages.
    pub async fn set_pref(&self, actor: &Actor, name: &str, value: Option<&str>) -> Result<()> {
        let max = pref_def(name)?;
        if value.is_some_and(|v| v.len() > max) {
            return Err(DomainError::invalid("value", "设置内容过长").into());
        }
        Ok(self.store().set_pref(&actor.username, name, value, self.now()).await?)
    }

    /// One action on several cases from a queue (转派, 指定经办人 in bulk): each case is its own
    /// decision and transaction, so one refusal stops none of the others.
    pub async fn act_many(
        &self,
        actor: &Actor,
        numbers: &[String],
        cmd: &case::Command,
    ) -> Result<Vec<BulkOutcome>> {
        if numbers.is_empty() {
            return Err(DomainError::invalid("numbers", "请先勾选事项").into());
        }
        if numbers.len() > 200 {
            return Err(DomainError::invalid("numbers", "一次最多处理200件").into());
        }
        let mut out = Vec::with_capacity(numbers.len());
        for number in numbers {
            let refused = self.act(actor, number, cmd).await.err();
            if refused.as_ref().is_some_and(crate::AppError::is_internal) {
                return Err(refused.expect("an error"));
            }
            out.push(BulkOutcome { number: number.clone(), refused });
        }
        Ok(out)
    }

    /// Hourly upkeep of `serve`: forgets registration keys past their 24 hours and old sign-in
    /// counts (locks in force stay), and refreshes the query planner's statistics.
    pub async fn housekeeping(&self) -> Result<()> {
        let now = self.now();
        self.store().purge_idempotency_keys(now - TimeDelta::hours(crate::cases::IDEMPOTENCY_HOURS)).await?;
        self.purge_login_counts().await?;
        self.store().optimize().await?;
        Ok(())
    }
}

fn pref_def(name: &str) -> Result<usize> {
    PREFS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, max)| *max)
        .ok_or_else(|| DomainError::not_found(format!("没有这项设置：{name}")).into())
}
