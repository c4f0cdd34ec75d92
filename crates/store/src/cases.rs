//! Case reads and writes of the [`Store`]: the ledger query (SPEC §5, §6), events, the
//! scheduler's due list and the notification outbox. The write transactions are in
//! [`crate::case_tx`].

use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use serde_json::Value;
use sqlx::QueryBuilder;
use sqlx::types::Json;
use tokio::sync::mpsc::Sender;

use crate::case_tx::{commit, register};
use crate::model::{
    AttachmentRow, CaseCommit, CaseFilter, CasePage, CaseRow, IdempotencyClaim, NewEvent, NewNotification,
    Registered, StoredEvent,
};
use crate::search::{self, FtsStats, Text};
use crate::{Inner, Result, Store, StoreError, found, secs};

/// The columns of [`CaseRow`], from `cases c`.
macro_rules! case_columns {
    () => {
        "c.number, c.center, c.status, c.level, c.channel, c.category, c.applicant_name, \
         c.phone, c.id_number, c.description, c.matter, c.received_unit, c.phone_tail, \
         c.enterprise_name, c.credit_code, c.unit, c.units, c.received_by, c.received_at, c.next_due, \
         c.overdue, c.reopen_count, c.outcome, c.updated_at, c.version, c.state"
    };
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
        match self.register_keyed(day, row, events, notes, None).await? {
            Registered::New(row) => Ok(*row),
            Registered::Repeat { .. } => Err(StoreError::Conflict),
        }
    }

    /// [`Store::register`] with an idempotency key (SPEC §7), claimed in the same transaction:
    /// a key that another request holds (and that has not expired) registers nothing and answers
    /// with the number that request registered and its request hash.
    pub async fn register_keyed(
        &self,
        day: NaiveDate,
        row: CaseRow,
        events: Vec<NewEvent>,
        notes: Vec<NewNotification>,
        claim: Option<IdempotencyClaim>,
    ) -> Result<Registered> {
        write_db!(self, case | c | register(c, day, row, events, notes, claim.as_ref()).await)
    }

    /// Forgets the idempotency keys claimed before `before` (they live 24 hours).
    pub async fn purge_idempotency_keys(&self, before: DateTime<Utc>) -> Result<u64> {
        let before = secs(before);
        write_db!(self, |c| {
            Ok(sqlx::query("DELETE FROM idempotency_keys WHERE created_at < $1")
                .bind(before)
                .execute(&mut *c)
                .await?
                .rows_affected())
        })
    }

    /// Appends `events` and replaces the case row (found by center and number) in one
    /// transaction iff the stored version is `expected_version`, else `Conflict` and nothing
    /// is written. Returns the new row, whose version is `expected_version + 1` — or `row.version`
    /// when that is larger: a commit that carries the steps of a whole history counts each.
    pub async fn commit(
        &self,
        expected_version: i64,
        row: CaseRow,
        events: Vec<NewEvent>,
        notes: Vec<NewNotification>,
    ) -> Result<CaseRow> {
        let one =
            CaseCommit { expected_version, row, events, notes, attachments: vec![], cancel_pending: false };
        Ok(self.commit_all(vec![one]).await?.remove(0))
    }

    /// Commits several cases in one transaction, each as [`Store::commit`] does (a 合并 writes the
    /// duplicate and the case it joins together): all, or nothing and the first error.
    pub async fn commit_all(&self, commits: Vec<CaseCommit>) -> Result<Vec<CaseRow>> {
        write_db!(
            self,
            case | c | {
                let mut rows = Vec::with_capacity(commits.len());
                for one in commits {
                    rows.push(commit(c, one).await?);
                }
                Ok(rows)
            }
        )
    }

    /// An attachment of a case with its bytes.
    pub async fn attachment(&self, center: &str, number: &str, seq: i32) -> Result<AttachmentRow> {
        Ok(read_db!(self, |ex| {
            sqlx::query_as(
                "SELECT a.seq, a.name, a.mime, a.size, a.sha256, a.data, a.created_at, a.created_by \
                 FROM attachments a JOIN cases c ON c.id = a.case_id \
                 WHERE c.center = $1 AND c.number = $2 AND a.seq = $3",
            )
            .bind(center)
            .bind(number)
            .bind(seq)
            .fetch_one(ex)
            .await?
        }))
    }

    /// Of `numbers`, those whose lead or co-unit is one of `units` (SPEC §2: what a handler may
    /// read of a list of related cases).
    pub async fn numbers_of_units(
        &self,
        center: &str,
        numbers: &[String],
        units: &[String],
    ) -> Result<Vec<String>> {
        if numbers.is_empty() || units.is_empty() {
            return Ok(vec![]);
        }
        read_db!(self, |ex| {
            let mut q = QueryBuilder::new("SELECT c.number FROM cases c WHERE c.center = ");
            q.push_bind(center.to_owned()).push(" AND c.number IN (");
            let mut list = q.separated(", ");
            for n in numbers {
                list.push_bind(n.clone());
            }
            list.push_unseparated(
                ") AND c.id IN (SELECT cu.case_id FROM case_units cu WHERE cu.unit_code IN (",
            );
            let mut list = q.separated(", ");
            for u in units {
                list.push_bind(u.clone());
            }
            list.push_unseparated(")) ORDER BY c.number");
            Ok(q.build_query_scalar().fetch_all(ex).await?)
        })
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

    /// The ledger query (SPEC §5, §6) in the filter's order ([`LedgerSort`], newest first by
    /// default); `total` counts all matches. `per_page` is clamped to 1..=200, `page` starts at 1.
    ///
    /// [`LedgerSort`]: crate::model::LedgerSort
    pub async fn cases(&self, f: &CaseFilter) -> Result<CasePage> {
        let per_page = i64::from(f.per_page.clamp(1, 200));
        let offset = (i64::from(f.page.max(1)) - 1) * per_page;
        let text = Text::new(f.q.as_deref(), self.backend());
        // SQLite text search: plan by the number of matches (see `FtsStats`).
        let (mut total, mut drive_count, mut drive_page) = (None, false, false);
        if let (Inner::Sqlite(db), Text::Fts(phrase)) = (&*self.inner, &text) {
            let stats = FtsStats::read(&db.read, phrase, &f.center).await?;
            if stats.matches == 0 || (stats.single_center && search::center_and_text_only(f)) {
                total = Some(stats.matches);
            }
            drive_count = stats.drive_count();
            drive_page = stats.drive_page(offset + per_page);
        }
        // The unfiltered ledger (or one filtered by registration days only) is counted from the
        // numbering counters: each case took exactly one step of its center's day counter, in the
        // same transaction, and cases are never deleted — an exact total without scanning cases.
        let by_day_only = matches!(text, Text::None) && search::center_and_days_only(f);
        read_db!(self, |ex| {
            let total = match total {
                Some(total) => total,
                None if by_day_only => {
                    let mut count = QueryBuilder::new(
                        "SELECT CAST(COALESCE(sum(value), 0) AS BIGINT) FROM counters WHERE center = ",
                    );
                    count.push_bind(&f.center);
                    if let Some(from) = f.from {
                        count.push(" AND day >= ").push_bind(from);
                    }
                    if let Some(to) = f.to {
                        count.push(" AND day <= ").push_bind(to);
                    }
                    count.build_query_scalar().fetch_one(ex).await?
                }
                None => {
                    let mut count = QueryBuilder::new("SELECT count(*)");
                    search::push_from_where(&mut count, f, &text, drive_count);
                    count.build_query_scalar().fetch_one(ex).await?
                }
            };
            let rows = if total > offset {
                let mut page = QueryBuilder::new(concat!("SELECT ", case_columns!()));
                search::push_from_where(&mut page, f, &text, drive_page);
                page.push(" ORDER BY ")
                    .push(f.sort.order_by())
                    .push(" LIMIT ")
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

    /// The ledger export (SPEC §5): every case matching `f` (page and per_page ignored), in the
    /// same order as [`Store::cases`], at most `limit` of them, read as a stream and sent one by
    /// one into `tx`, so that memory stays flat however many rows there are. Stops early, with
    /// `Ok`, when the receiver is dropped. Returns the number of rows sent.
    ///
    /// On SQLite the read transaction stays open until the last row is sent (WAL: writers go
    /// on; the checkpoint waits for it).
    pub async fn cases_each(&self, f: &CaseFilter, limit: usize, tx: Sender<CaseRow>) -> Result<u64> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let text = Text::new(f.q.as_deref(), self.backend());
        let mut drive = false;
        if let (Inner::Sqlite(db), Text::Fts(phrase)) = (&*self.inner, &text) {
            let stats = FtsStats::read(&db.read, phrase, &f.center).await?;
            if stats.matches == 0 {
                return Ok(0);
            }
            // All matches are read: the same choice as for counting them.
            drive = stats.drive_count();
        }
        read_db!(self, |ex| {
            let mut q = QueryBuilder::new(concat!("SELECT ", case_columns!()));
            search::push_from_where(&mut q, f, &text, drive);
            q.push(" ORDER BY ").push(f.sort.order_by()).push(" LIMIT ").push_bind(limit);
            let mut rows = q.build_query_as::<CaseRow>().fetch(ex);
            let mut sent = 0u64;
            while let Some(row) = rows.try_next().await? {
                if tx.send(row).await.is_err() {
                    break;
                }
                sent += 1;
            }
            Ok(sent)
        })
    }

    /// Earlier cases of one applicant (same phone, or same ID number when given), newest first,
    /// as (number, matter): the repeat-trip lookup of SPEC §4.2, indexed (it runs on every
    /// registration; the ID-number half only when there is one).
    pub async fn applicant_cases(
        &self,
        center: &str,
        phone: &str,
        id_number: Option<&str>,
        limit: i64,
    ) -> Result<Vec<(String, Option<String>)>> {
        Ok(read_db!(self, |ex| {
            let q =
                sqlx::query_as(applicant_cases_sql(id_number.is_some())).bind(center).bind(phone).bind(limit);
            match id_number {
                Some(id) => q.bind(id),
                None => q,
            }
            .fetch_all(ex)
            .await?
        }))
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
                 JOIN cases c ON c.id = n.case_id WHERE n.sent_at IS NULL AND n.cancelled_at IS NULL \
                 ORDER BY n.id LIMIT $1",
            )
            .bind(limit)
            .fetch_all(ex)
            .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, number, kind, recipient, Json(payload))| {
                (id, number, NewNotification { kind, recipient, payload, at: None })
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

/// The repeat-trip lookup ([`Store::applicant_cases`]): $1 center, $2 phone, $3 limit, $4 ID
/// number. Each half walks its own index (`cases_phone`, `cases_id_number`).
pub(crate) fn applicant_cases_sql(with_id_number: bool) -> &'static str {
    if with_id_number {
        "SELECT number, matter FROM (\
           SELECT number, matter, received_at, id FROM cases WHERE center = $1 AND phone = $2 \
           UNION \
           SELECT number, matter, received_at, id FROM cases WHERE center = $1 AND id_number = $4\
         ) t ORDER BY received_at DESC, id DESC LIMIT $3"
    } else {
        "SELECT number, matter FROM cases WHERE center = $1 AND phone = $2 \
         ORDER BY received_at DESC, id DESC LIMIT $3"
    }
}
