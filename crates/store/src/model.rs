//! Row types the store reads and writes. They carry the domain's values as plain strings and
//! JSON so that `sqlx` never reaches the domain, and the domain never reaches SQL.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// One unit of a center's tree (the center itself, service areas, windows, sections, outside bodies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct UnitRow {
    pub code: String,
    pub center: String,
    pub name: String,
    pub parent_code: Option<String>,
    /// center | area | window | section | office | outside
    pub kind: String,
    /// Receives cases (SPEC §7: dispatch only to these).
    pub handles_cases: bool,
    /// The unit's phone (told to applicants).
    pub phone: Option<String>,
    /// A center's public address (`https://…`): the QR code and the links to applicants.
    pub public_url: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct UserRow {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_code: String,
    pub center: String,
    pub password_hash: String,
    pub disabled: bool,
    /// The password was set by an admin (the first admin's, a reset): the pages ask for a new
    /// one before anything else.
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub unit_code: String,
    pub password_hash: String,
    pub must_change_password: bool,
}

/// An API token: only the SHA-256 of the secret is stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TokenRow {
    pub token_hash: String,
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An imported calendar year with its provenance (SPEC §4.3).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CalendarYearRow {
    pub year: i32,
    /// The year's entry as JSON: `{"holidays":[…],"workdays":[…]}`.
    pub data: String,
    /// Provenance: the notice / file it came from.
    pub source: String,
    pub imported_at: DateTime<Utc>,
    pub imported_by: String,
}

/// A version of a center's deadline policy (SPEC §4.2: the policy in force when a deadline is
/// set stays with that deadline).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PolicyRow {
    pub center: String,
    pub version: i32,
    #[sqlx(json)]
    pub data: serde_json::Value,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// The derived, queryable row of a case. `state` is the full domain case as JSON; the other
/// columns are copies of parts of it, kept for filtering and sorting.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, sqlx::FromRow)]
pub struct CaseRow {
    /// Empty on registration: the store assigns it.
    pub number: String,
    pub center: String,
    pub status: String,
    pub level: String,
    pub channel: String,
    pub category: Option<String>,
    pub applicant_name: String,
    pub phone: String,
    pub id_number: Option<String>,
    pub description: String,
    pub matter: Option<String>,
    /// The unit that registered the case (the window's queue).
    pub received_unit: String,
    /// The phone's last four digits (the header search).
    pub phone_tail: String,
    pub enterprise_name: Option<String>,
    /// 统一社会信用代码.
    pub credit_code: Option<String>,
    /// Lead unit (牵头单位), if dispatched.
    pub unit: Option<String>,
    /// Every unit that may see the case: lead and co-units (协办单位).
    #[sqlx(json)]
    pub units: Vec<String>,
    pub received_by: String,
    pub received_at: DateTime<Utc>,
    /// Earliest due date among open (unmet) deadlines, for the scheduler and the 临期/超期 filter.
    pub next_due: Option<NaiveDate>,
    pub overdue: bool,
    pub reopen_count: i32,
    pub outcome: Option<String>,
    pub updated_at: DateTime<Utc>,
    /// Optimistic concurrency: incremented by every commit.
    pub version: i64,
    #[sqlx(json)]
    pub state: serde_json::Value,
    /// The fact rows to write with the case (never read back into a `CaseRow`).
    #[sqlx(skip)]
    #[serde(skip)]
    pub facts: FactRows,
}

/// The rows derived from a case for queries (`case_deadlines`, `case_visits`, `case_notices`,
/// `case_resolutions`; migration 0003). Each `Some` replaces that table's rows of the case in the
/// case's transaction; `None` leaves them as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FactRows {
    pub deadlines: Option<Vec<DeadlineRow>>,
    pub visits: Option<Vec<VisitRow>>,
    pub notices: Option<Vec<NoticeRow>>,
    pub resolutions: Option<Vec<ResolutionRow>>,
}

impl FactRows {
    /// Every table replaced by these rows.
    pub fn all(
        deadlines: Vec<DeadlineRow>,
        visits: Vec<VisitRow>,
        notices: Vec<NoticeRow>,
        resolutions: Vec<ResolutionRow>,
    ) -> FactRows {
        FactRows {
            deadlines: Some(deadlines),
            visits: Some(visits),
            notices: Some(notices),
            resolutions: Some(resolutions),
        }
    }
}

/// One clock of a case.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DeadlineRow {
    pub deadline_id: i32,
    pub kind: String,
    pub due: NaiveDate,
    /// open | met | missed | superseded
    pub outcome: String,
    pub round: i32,
    pub unit_code: Option<String>,
    pub extended_from: Option<NaiveDate>,
    pub provisional: bool,
    pub workdays: i32,
    pub policy_version: i32,
    pub set_at: DateTime<Utc>,
    pub set_by: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
}

/// One return visit or rating.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VisitRow {
    pub seq: i32,
    pub round: i32,
    pub reached: bool,
    pub satisfaction: Option<i32>,
    pub sampled: bool,
    pub by_user: String,
    pub role: String,
    pub at: DateTime<Utc>,
}

/// One 通报.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct NoticeRow {
    pub seq: i32,
    pub unit_code: String,
    pub person: Option<String>,
    pub fault: String,
    pub opinion: String,
    pub by_user: String,
    pub at: DateTime<Utc>,
}

/// One 办结答复.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ResolutionRow {
    pub seq: i32,
    pub round: i32,
    pub outcome: String,
    pub level: String,
    pub unit_code: Option<String>,
    pub by_user: String,
    pub at: DateTime<Utc>,
}

/// Every fact row of one case, as stored (for `reindex` checks and tests).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoredFacts {
    pub number: String,
    pub deadlines: Vec<DeadlineRow>,
    pub visits: Vec<VisitRow>,
    pub notices: Vec<NoticeRow>,
    pub resolutions: Vec<ResolutionRow>,
}

/// An event to append. The store adds number, seq, prev_hash and hash.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewEvent {
    pub kind: String,
    /// Username of the actor, or `system` for the scheduler.
    pub actor: String,
    pub actor_role: String,
    pub actor_unit: String,
    pub at: DateTime<Utc>,
    pub payload: serde_json::Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredEvent {
    pub number: String,
    pub seq: i64,
    pub kind: String,
    pub actor: String,
    pub actor_role: String,
    pub actor_unit: String,
    pub at: DateTime<Utc>,
    pub payload: serde_json::Value,
    pub prev_hash: String,
    pub hash: String,
}

/// A photo or scan of a document, written with its `attachment_added` event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAttachment {
    /// Its number within the case (1, 2, …).
    pub seq: i32,
    pub name: String,
    pub mime: String,
    pub sha256: String,
    pub data: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// A stored attachment with its bytes.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttachmentRow {
    pub seq: i32,
    pub name: String,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
    pub data: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
}

/// One commit of a case: the row at its next version, the events and messages, the
/// attachments they add, and whether the messages the case still owed are cancelled (a voided
/// or merged case).
#[derive(Debug, Clone, PartialEq)]
pub struct CaseCommit {
    pub expected_version: i64,
    pub row: CaseRow,
    pub events: Vec<NewEvent>,
    pub notes: Vec<NewNotification>,
    pub attachments: Vec<NewAttachment>,
    pub cancel_pending: bool,
}

/// An idempotency key claimed with a registration (SPEC §7): per user, kept 24 hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    pub username: String,
    pub key: String,
    /// A hash of the request body: the same key with another body is refused.
    pub request_hash: String,
    pub at: DateTime<Utc>,
    /// Keys claimed before this instant have expired and are claimed anew.
    pub expired_before: DateTime<Utc>,
}

/// What a registration with an idempotency key did.
#[derive(Debug, Clone, PartialEq)]
pub enum Registered {
    /// A new case.
    New(Box<CaseRow>),
    /// The key was claimed before (and has not expired): the case it registered, and the hash
    /// of that request.
    Repeat { number: String, request_hash: String },
}

/// A counter of attempts in a window, with a lock (`rate_limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct RateState {
    pub hits: i32,
    pub window_start: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

/// A message for a person or unit, written in the same transaction as the events (outbox
/// pattern); delivered later by the notifications worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewNotification {
    pub kind: String,
    /// Unit code or username the message is for.
    pub recipient: String,
    pub payload: serde_json::Value,
    /// When it was owed; `None`: the case row's `updated_at` (the commit's instant). Set when
    /// one commit carries the steps of several instants (an imported history).
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

/// Filters of `GET /api/v1/cases` and the 台账 (SPEC §5, §6).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseFilter {
    pub center: String,
    pub statuses: Vec<String>,
    pub level: Option<String>,
    /// Cases whose lead or co-unit is this unit.
    pub unit: Option<String>,
    /// Scope for handlers: only cases where one of these units is lead or co-unit.
    pub visible_units: Option<Vec<String>>,
    pub overdue: Option<bool>,
    pub category: Option<String>,
    pub channel: Option<String>,
    /// Registration day range, inclusive, in Asia/Shanghai days.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Substring of applicant name or description (Chinese text search), or a case number.
    pub q: Option<String>,
    /// Exact phone or id number: repeat-trip lookup.
    pub phone: Option<String>,
    pub id_number: Option<String>,
    /// The phone's last four digits.
    pub phone_tail: Option<String>,
    /// Exact 统一社会信用代码.
    pub credit_code: Option<String>,
    /// Registered by this unit (the window's queue).
    pub received_unit: Option<String>,
    /// 1-based.
    pub page: u32,
    pub per_page: u32,
    pub sort: LedgerSort,
}

/// Order of the ledger (SPEC §5). Every order ends on a unique key, so pages never overlap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum LedgerSort {
    /// Newest registration first (the default).
    #[default]
    ReceivedDesc,
    /// Oldest registration first.
    ReceivedAsc,
    /// Earliest open deadline first; cases without one last.
    DueAsc,
    /// By case number: by day, then by the day's sequence (…09, …10, …99, …100).
    NumberAsc,
}

impl LedgerSort {
    pub const ALL: [LedgerSort; 4] =
        [LedgerSort::ReceivedDesc, LedgerSort::ReceivedAsc, LedgerSort::DueAsc, LedgerSort::NumberAsc];

    /// `received_desc`, `received_asc`, `due` or `number`.
    pub fn parse(s: &str) -> Option<LedgerSort> {
        LedgerSort::ALL.into_iter().find(|o| o.code() == s)
    }

    /// Stable machine code (query parameter `sort`).
    pub fn code(self) -> &'static str {
        match self {
            LedgerSort::ReceivedDesc => "received_desc",
            LedgerSort::ReceivedAsc => "received_asc",
            LedgerSort::DueAsc => "due",
            LedgerSort::NumberAsc => "number",
        }
    }

    /// The `ORDER BY` list on `cases c`, the same on SQLite and PostgreSQL.
    pub(crate) fn order_by(self) -> &'static str {
        match self {
            LedgerSort::ReceivedDesc => "c.received_at DESC, c.id DESC",
            LedgerSort::ReceivedAsc => "c.received_at, c.id",
            // `IS NULL` is a boolean (false first) on both backends.
            // Index `cases_center_due_order` (migration 0002) is on exactly this order.
            LedgerSort::DueAsc => "c.next_due IS NULL, c.next_due, c.id",
            // A number is the day (8 digits) and the day's sequence, which widens from 2 to 3
            // digits after 99: plain text order would put …100 between …10 and …11.
            LedgerSort::NumberAsc => "substr(c.number, 1, 8), length(c.number), c.number",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct CasePage {
    pub rows: Vec<CaseRow>,
    pub total: i64,
}

/// One break found by `verify_log`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainBreak {
    pub number: String,
    pub seq: i64,
    pub reason: String,
}
