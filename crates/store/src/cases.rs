//! Cases: registration with gapless numbering (SPEC §3), optimistic commits, the hash-chained
//! event log (SPEC §4.6), the outbox, and the case queries.
//!
//! The transactional logic is written once, generic over [`CaseTx`], whose statements are
//! implemented for both connection types by one macro ([`impl_case_tx!`]); only the text index
//! and the row lock differ per backend.

use std::future::Future;

use bancheng_domain::chain::{ChainLink, GENESIS, event_hash};
use bancheng_domain::numbering::format_number;
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::types::Json;
use sqlx::{PgConnection, QueryBuilder, SqliteConnection};

use crate::writer::WriteConn;

use crate::model::{CaseFilter, CasePage, CaseRow, NewEvent, NewNotification, StoredEvent};
use crate::{Result, Store, StoreError, found, search, secs};

/// The columns of [`CaseRow`], from `cases c`.
macro_rules! case_columns {
    () => {
        "c.number, c.center, c.status, c.level, c.channel, c.category, c.applicant_name, \
         c.phone, c.id_number, c.description, c.matter, c.unit, c.units, c.received_by, \
         c.received_at, c.next_due, c.overdue, c.reopen_count, c.outcome, c.updated_at, \
         c.version, c.state"
    };
}

/// RFC 3339 UTC with whole seconds: the `at` text that the event hash covers.
pub(crate) fn at_text(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// An event with its place in the chain, ready to insert.
pub(crate) struct Link {
    seq: i64,
    event: NewEvent,
    /// Compact JSON text of the payload: stored and hashed as is.
    payload: String,
    prev_hash: String,
    hash: String,
}

/// Chains `events` after the case's last event (`seq`, `hash`; 0 and GENESIS for a new case).
fn chain(number: &str, mut seq: i64, hash: &str, events: Vec<NewEvent>) -> Vec<Link> {
    let mut prev = hash.to_owned();
    events
        .into_iter()
        .map(|mut event| {
            seq += 1;
            event.at = secs(event.at);
            let payload = event.payload.to_string();
            let hash = event_hash(&ChainLink {
                number,
                seq,
                kind: &event.kind,
                actor: &event.actor,
                actor_role: &event.actor_role,
                actor_unit: &event.actor_unit,
                at: &at_text(event.at),
                payload: &payload,
                prev_hash: &prev,
            });
            let prev_hash = std::mem::replace(&mut prev, hash.clone());
            Link { seq, event, payload, prev_hash, hash }
        })
        .collect()
}

/// Every unit that may see the case: the listed units plus the lead unit, without repeats.
fn visible_units(unit: Option<&str>, units: &[String]) -> Vec<String> {
    let mut all: Vec<String> = Vec::with_capacity(units.len() + 1);
    for u in units.iter().map(String::as_str).chain(unit) {
        if !all.iter().any(|a| a == u) {
            all.push(u.to_owned());
        }
    }
    all
}

/// The stored head of a case, read (and on PostgreSQL locked) before a commit.
#[derive(sqlx::FromRow)]
pub(crate) struct Head {
    id: i64,
    version: i64,
    head_seq: i64,
    head_hash: String,
    applicant_name: String,
    description: String,
    unit: Option<String>,
    #[sqlx(json)]
    units: Vec<String>,
}

/// The statements of a case transaction, on a connection inside a transaction.
pub(crate) trait CaseTx: Send {
    /// Increments and returns the (center, day) counter: its row lock (PostgreSQL) or the
    /// single writer (SQLite) makes numbers gapless, and a rollback returns the number.
    fn next_seq(&mut self, center: &str, day: NaiveDate) -> impl Future<Output = Result<i64>> + Send;
    fn insert_case(&mut self, row: &CaseRow, head: (i64, &str)) -> impl Future<Output = Result<i64>> + Send;
    /// Reads the case's head; on PostgreSQL `FOR UPDATE`, so that chains never fork.
    fn lock_case(&mut self, center: &str, number: &str) -> impl Future<Output = Result<Head>> + Send;
    /// Rows updated: 0 if the version changed meanwhile.
    fn update_case(
        &mut self,
        id: i64,
        expected_version: i64,
        row: &CaseRow,
        head: (i64, &str),
    ) -> impl Future<Output = Result<u64>> + Send;
    fn set_units(
        &mut self,
        id: i64,
        units: &[String],
        fresh: bool,
    ) -> impl Future<Output = Result<()>> + Send;
    fn insert_event(&mut self, id: i64, link: &Link) -> impl Future<Output = Result<()>> + Send;
    fn insert_notification(
        &mut self,
        id: i64,
        note: &NewNotification,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<()>> + Send;
    /// Keeps the text-search index in step (SQLite FTS5; PostgreSQL indexes the columns).
    fn index_text(
        &mut self,
        id: i64,
        applicant_name: &str,
        description: &str,
        fresh: bool,
    ) -> impl Future<Output = Result<()>> + Send;
}

/// Implements [`CaseTx`] for `$conn`, whose statements run on `$exec(self)`: the shared
/// statements, the row-lock suffix of `lock_case`, and the backend's `index_text`.
macro_rules! impl_case_tx {
    ($conn:ty, exec: $exec:path, lock: $lock:literal, $($index_text:tt)*) => {
        impl CaseTx for $conn {
            async fn next_seq(&mut self, center: &str, day: NaiveDate) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO counters (center, day, value) VALUES ($1, $2, 1) \
                     ON CONFLICT (center, day) DO UPDATE SET value = counters.value + 1 \
                     RETURNING value",
                )
                .bind(center)
                .bind(day)
                .fetch_one($exec(self))
                .await?)
            }

            async fn insert_case(&mut self, r: &CaseRow, head: (i64, &str)) -> Result<i64> {
                Ok(sqlx::query_scalar(
                    "INSERT INTO cases (center, number, status, level, channel, category, \
                     applicant_name, phone, id_number, description, matter, unit, units, \
                     received_by, received_at, next_due, overdue, reopen_count, outcome, \
                     updated_at, version, state, head_seq, head_hash) VALUES ($1, $2, $3, $4, \
                     $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, \
                     $21, $22, $23, $24) RETURNING id",
                )
                .bind(&r.center)
                .bind(&r.number)
                .bind(&r.status)
                .bind(&r.level)
                .bind(&r.channel)
                .bind(&r.category)
                .bind(&r.applicant_name)
                .bind(&r.phone)
                .bind(&r.id_number)
                .bind(&r.description)
                .bind(&r.matter)
                .bind(&r.unit)
                .bind(Json(&r.units))
                .bind(&r.received_by)
                .bind(r.received_at)
                .bind(r.next_due)
                .bind(r.overdue)
                .bind(r.reopen_count)
                .bind(&r.outcome)
                .bind(r.updated_at)
                .bind(r.version)
                .bind(Json(&r.state))
                .bind(head.0)
                .bind(head.1)
                .fetch_one($exec(self))
                .await?)
            }

            async fn lock_case(&mut self, center: &str, number: &str) -> Result<Head> {
                Ok(sqlx::query_as(concat!(
                    "SELECT id, version, head_seq, head_hash, applicant_name, description, \
                     unit, units FROM cases WHERE center = $1 AND number = $2",
                    $lock
                ))
                .bind(center)
                .bind(number)
                .fetch_one($exec(self))
                .await?)
            }

            async fn update_case(
                &mut self,
                id: i64,
                expected_version: i64,
                r: &CaseRow,
                head: (i64, &str),
            ) -> Result<u64> {
                Ok(sqlx::query(
                    "UPDATE cases SET status = $3, level = $4, channel = $5, category = $6, \
                     applicant_name = $7, phone = $8, id_number = $9, description = $10, \
                     matter = $11, unit = $12, units = $13, received_by = $14, \
                     received_at = $15, next_due = $16, overdue = $17, reopen_count = $18, \
                     outcome = $19, updated_at = $20, version = $21, state = $22, \
                     head_seq = $23, head_hash = $24 WHERE id = $1 AND version = $2",
                )
                .bind(id)
                .bind(expected_version)
                .bind(&r.status)
                .bind(&r.level)
                .bind(&r.channel)
                .bind(&r.category)
                .bind(&r.applicant_name)
                .bind(&r.phone)
                .bind(&r.id_number)
                .bind(&r.description)
                .bind(&r.matter)
                .bind(&r.unit)
                .bind(Json(&r.units))
                .bind(&r.received_by)
                .bind(r.received_at)
                .bind(r.next_due)
                .bind(r.overdue)
                .bind(r.reopen_count)
                .bind(&r.outcome)
                .bind(r.updated_at)
                .bind(r.version)
                .bind(Json(&r.state))
                .bind(head.0)
                .bind(head.1)
                .execute($exec(self))
                .await?
                .rows_affected())
            }

            async fn set_units(&mut self, id: i64, units: &[String], fresh: bool) -> Result<()> {
                if !fresh {
                    sqlx::query("DELETE FROM case_units WHERE case_id = $1")
                        .bind(id)
                        .execute($exec(self))
                        .await?;
                }
                for unit in units {
                    sqlx::query("INSERT INTO case_units (case_id, unit_code) VALUES ($1, $2)")
                        .bind(id)
                        .bind(unit)
                        .execute($exec(self))
                        .await?;
                }
                Ok(())
            }

            async fn insert_event(&mut self, id: i64, l: &Link) -> Result<()> {
                sqlx::query(
                    "INSERT INTO case_events (case_id, seq, kind, actor, actor_role, \
                     actor_unit, at, payload, prev_hash, hash) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(id)
                .bind(l.seq)
                .bind(&l.event.kind)
                .bind(&l.event.actor)
                .bind(&l.event.actor_role)
                .bind(&l.event.actor_unit)
                .bind(l.event.at)
                .bind(&l.payload)
                .bind(&l.prev_hash)
                .bind(&l.hash)
                .execute($exec(self))
                .await?;
                Ok(())
            }

            async fn insert_notification(
                &mut self,
                id: i64,
                n: &NewNotification,
                at: DateTime<Utc>,
            ) -> Result<()> {
                sqlx::query(
                    "INSERT INTO notifications (case_id, kind, recipient, payload, created_at) \
                     VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(&n.kind)
                .bind(&n.recipient)
                .bind(Json(&n.payload))
                .bind(at)
                .execute($exec(self))
                .await?;
                Ok(())
            }

            $($index_text)*
        }
    };
}

fn sqlite_exec(w: &mut WriteConn) -> &mut SqliteConnection {
    &mut w.conn
}

fn pg_exec(c: &mut PgConnection) -> &mut PgConnection {
    c
}

impl_case_tx!(WriteConn, exec: sqlite_exec, lock: "",
    /// Deferred to the end of the writer's batch (see [`crate::writer`]).
    async fn index_text(&mut self, id: i64, applicant_name: &str, description: &str, fresh: bool) -> Result<()> {
        self.defer_text(search::TextUpdate::new(id, applicant_name, description, fresh));
        Ok(())
    }
);

impl_case_tx!(PgConnection, exec: pg_exec, lock: " FOR UPDATE",
    async fn index_text(&mut self, _: i64, _: &str, _: &str, _: bool) -> Result<()> {
        // The pg_trgm GIN indexes on the columns follow the row by themselves.
        Ok(())
    }
);

/// SPEC §3: the next number of (center, day), then the case, its first events (chained from
/// GENESIS) and its notifications, all in the caller's transaction.
pub(crate) async fn register<C: CaseTx>(
    c: &mut C,
    day: NaiveDate,
    mut row: CaseRow,
    events: Vec<NewEvent>,
    notes: Vec<NewNotification>,
) -> Result<CaseRow> {
    let seq = c.next_seq(&row.center, day).await?;
    let seq = u32::try_from(seq)
        .map_err(|_| StoreError::Db(sqlx::Error::Protocol(format!("case counter out of range: {seq}"))))?;
    row.number = format_number(day, seq);
    if let Value::Object(state) = &mut row.state {
        state.insert("number".to_owned(), Value::String(row.number.clone()));
    }
    row.version = 1;
    row.received_at = secs(row.received_at);
    row.updated_at = secs(row.updated_at);
    let links = chain(&row.number, 0, GENESIS, events);
    let head = links.last().map_or((0, GENESIS), |l| (l.seq, l.hash.as_str()));
    let id = c.insert_case(&row, head).await?;
    c.set_units(id, &visible_units(row.unit.as_deref(), &row.units), true).await?;
    c.index_text(id, &row.applicant_name, &row.description, true).await?;
    append(c, id, &links, &notes, row.updated_at).await?;
    Ok(row)
}

/// Optimistic commit: replaces the case row and appends events iff the stored version is
/// `expected`; `Conflict` otherwise, and the caller's transaction (savepoint) is rolled back.
pub(crate) async fn commit<C: CaseTx>(
    c: &mut C,
    expected: i64,
    mut row: CaseRow,
    events: Vec<NewEvent>,
    notes: Vec<NewNotification>,
) -> Result<CaseRow> {
    let old = c.lock_case(&row.center, &row.number).await?;
    if old.version != expected {
        return Err(StoreError::Conflict);
    }
    row.version = expected + 1;
    row.received_at = secs(row.received_at);
    row.updated_at = secs(row.updated_at);
    let links = chain(&row.number, old.head_seq, &old.head_hash, events);
    let head = links.last().map_or((old.head_seq, old.head_hash.as_str()), |l| (l.seq, l.hash.as_str()));
    if c.update_case(old.id, expected, &row, head).await? == 0 {
        return Err(StoreError::Conflict);
    }
    let units = visible_units(row.unit.as_deref(), &row.units);
    if units != visible_units(old.unit.as_deref(), &old.units) {
        c.set_units(old.id, &units, false).await?;
    }
    if row.applicant_name != old.applicant_name || row.description != old.description {
        c.index_text(old.id, &row.applicant_name, &row.description, false).await?;
    }
    append(c, old.id, &links, &notes, row.updated_at).await?;
    Ok(row)
}

async fn append<C: CaseTx>(
    c: &mut C,
    id: i64,
    links: &[Link],
    notes: &[NewNotification],
    at: DateTime<Utc>,
) -> Result<()> {
    for link in links {
        c.insert_event(id, link).await?;
    }
    for note in notes {
        c.insert_notification(id, note, at).await?;
    }
    Ok(())
}

/// An event row as stored (payload as text).
#[derive(sqlx::FromRow)]
struct EventRow {
    number: String,
    seq: i64,
    kind: String,
    actor: String,
    actor_role: String,
    actor_unit: String,
    at: DateTime<Utc>,
    payload: String,
    prev_hash: String,
    hash: String,
}

pub(crate) fn parse_json(text: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| StoreError::Db(sqlx::Error::Decode(Box::new(e))))
}

impl Store {
    /// Registers a case: allocates its number (SPEC §3: `YYYYMMDD` + the day's sequence in the
    /// center, gapless, never reused) and, in one transaction, inserts the row (`row.number` is
    /// replaced; a JSON-object `state` gets `"number"` too), its events (seq 1.., chained from
    /// GENESIS) and notifications. Returns the stored row (version 1).
    pub async fn register(
        &self,
        day: NaiveDate,
        row: CaseRow,
        events: Vec<NewEvent>,
        notes: Vec<NewNotification>,
    ) -> Result<CaseRow> {
        write_db!(self, case | c | register(c, day, row, events, notes).await)
    }

    /// Appends `events` and replaces the case row (found by center and number) in one
    /// transaction iff the stored version is `expected_version`, else `Conflict` and nothing
    /// is written. Returns the new row, whose version is `expected_version + 1`.
    pub async fn commit(
        &self,
        expected_version: i64,
        row: CaseRow,
        events: Vec<NewEvent>,
        notes: Vec<NewNotification>,
    ) -> Result<CaseRow> {
        write_db!(self, case | c | commit(c, expected_version, row, events, notes).await)
    }

    pub async fn case(&self, center: &str, number: &str) -> Result<CaseRow> {
        Ok(read_db!(self, |ex| {
            sqlx::query_as(concat!(
                "SELECT ",
                case_columns!(),
                " FROM cases c WHERE c.center = $1 AND c.number = $2"
            ))
            .bind(center)
            .bind(number)
            .fetch_one(ex)
            .await?
        }))
    }

    /// The ledger query (SPEC §5, §6): newest first (registration time, then number); `total`
    /// counts all matches. `per_page` is clamped to 1..=200, `page` starts at 1.
    pub async fn cases(&self, f: &CaseFilter) -> Result<CasePage> {
        let backend = self.backend();
        let per_page = i64::from(f.per_page.clamp(1, 200));
        let offset = (i64::from(f.page.max(1)) - 1) * per_page;
        read_db!(self, |ex| {
            let mut count = QueryBuilder::new("SELECT count(*) FROM cases c WHERE ");
            search::push_filters(&mut count, f, backend);
            let total: i64 = count.build_query_scalar().fetch_one(ex).await?;
            let rows = if total > offset {
                let mut page = QueryBuilder::new(concat!("SELECT ", case_columns!(), " FROM cases c WHERE "));
                search::push_filters(&mut page, f, backend);
                page.push(" ORDER BY c.received_at DESC, c.id DESC LIMIT ")
                    .push_bind(per_page)
                    .push(" OFFSET ")
                    .push_bind(offset);
                page.build_query_as().fetch_all(ex).await?
            } else {
                Vec::new()
            };
            Ok(CasePage { rows, total })
        })
    }

    /// The case's events by seq; `NotFound` if there is no such case.
    pub async fn events(&self, center: &str, number: &str) -> Result<Vec<StoredEvent>> {
        let rows: Vec<EventRow> = read_db!(self, |ex| {
            sqlx::query_as(
                "SELECT c.number, e.seq, e.kind, e.actor, e.actor_role, e.actor_unit, e.at, \
                 e.payload, e.prev_hash, e.hash FROM case_events e \
                 JOIN cases c ON c.id = e.case_id \
                 WHERE c.center = $1 AND c.number = $2 ORDER BY e.seq",
            )
            .bind(center)
            .bind(number)
            .fetch_all(ex)
            .await?
        });
        if rows.is_empty() {
            self.case(center, number).await?;
        }
        rows.into_iter()
            .map(|r| {
                Ok(StoredEvent {
                    payload: parse_json(&r.payload)?,
                    number: r.number,
                    seq: r.seq,
                    kind: r.kind,
                    actor: r.actor,
                    actor_role: r.actor_role,
                    actor_unit: r.actor_unit,
                    at: r.at,
                    prev_hash: r.prev_hash,
                    hash: r.hash,
                })
            })
            .collect()
    }

    /// For the scheduler: the center's cases due on or before `day` (earliest first) whose
    /// status is not one of `exclude_statuses` (the terminal ones).
    pub async fn cases_due_by(
        &self,
        center: &str,
        day: NaiveDate,
        exclude_statuses: &[&str],
        limit: i64,
    ) -> Result<Vec<CaseRow>> {
        read_db!(self, |ex| {
            let mut q = QueryBuilder::new(concat!("SELECT ", case_columns!(), " FROM cases c"));
            q.push(" WHERE c.center = ")
                .push_bind(center.to_owned())
                .push(" AND c.next_due <= ")
                .push_bind(day);
            search::push_not_in(&mut q, "c.status", exclude_statuses);
            q.push(" ORDER BY c.next_due, c.id LIMIT ").push_bind(limit);
            Ok(q.build_query_as().fetch_all(ex).await?)
        })
    }

    /// Undelivered notifications, oldest first: (id, case number, notification).
    pub async fn pending_notifications(&self, limit: i64) -> Result<Vec<(i64, String, NewNotification)>> {
        let rows: Vec<(i64, String, String, String, Json<Value>)> = read_db!(self, |ex| {
            sqlx::query_as(
                "SELECT n.id, c.number, n.kind, n.recipient, n.payload FROM notifications n \
                 JOIN cases c ON c.id = n.case_id WHERE n.sent_at IS NULL ORDER BY n.id LIMIT $1",
            )
            .bind(limit)
            .fetch_all(ex)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, number, kind, recipient, Json(payload))| {
                (id, number, NewNotification { kind, recipient, payload })
            })
            .collect())
    }

    pub async fn mark_notification_sent(&self, id: i64, at: DateTime<Utc>) -> Result<()> {
        let at = secs(at);
        write_db!(self, |c| {
            found(
                sqlx::query("UPDATE notifications SET sent_at = $2 WHERE id = $1")
                    .bind(id)
                    .bind(at)
                    .execute(&mut *c)
                    .await?
                    .rows_affected(),
            )
        })
    }
}
