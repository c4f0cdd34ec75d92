//! `bancheng verify-log` (SPEC §4.6): recomputes the hash chain of every case.

use bancheng_domain::chain::{ChainLink, GENESIS, event_hash};
use chrono::{DateTime, Utc};

use crate::case_tx::at_text;
use crate::model::ChainBreak;
use crate::{Result, Store};

/// Events read per query (keyset pagination keeps memory flat on large logs).
const PAGE: i64 = 5_000;

#[derive(sqlx::FromRow)]
struct ChainRow {
    case_id: i64,
    number: String,
    head_seq: i64,
    head_hash: String,
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

/// The position in one case's chain while walking it.
struct Walk {
    case_id: i64,
    number: String,
    /// The head recorded on the case row: (seq, hash).
    head: (i64, String),
    /// The last event seen: (seq, hash); (0, GENESIS) before the first.
    last: (i64, String),
}

/// Walks the events in (case, seq) order and collects the breaks.
#[derive(Default)]
struct Checker {
    checked: u64,
    breaks: Vec<ChainBreak>,
    walk: Option<Walk>,
}

impl Checker {
    fn check(&mut self, r: ChainRow) {
        self.checked += 1;
        if self.walk.as_ref().is_none_or(|w| w.case_id != r.case_id) {
            self.end_case();
        }
        let walk = self.walk.get_or_insert_with(|| Walk {
            case_id: r.case_id,
            number: r.number.clone(),
            head: (0, String::new()),
            last: (0, GENESIS.to_owned()),
        });
        walk.head = (r.head_seq, r.head_hash.clone());
        let computed = event_hash(&ChainLink {
            number: &r.number,
            seq: r.seq,
            kind: &r.kind,
            actor: &r.actor,
            actor_role: &r.actor_role,
            actor_unit: &r.actor_unit,
            at: &at_text(r.at),
            payload: &r.payload,
            prev_hash: &r.prev_hash,
        });
        let reason = if r.seq != walk.last.0 + 1 {
            Some(format!("expected seq {}, found {} (events missing)", walk.last.0 + 1, r.seq))
        } else if r.prev_hash != walk.last.1 {
            Some("prev_hash does not match the previous event's hash".to_owned())
        } else if computed != r.hash {
            Some("hash mismatch: the event was altered".to_owned())
        } else {
            None
        };
        if let Some(reason) = reason {
            self.breaks.push(ChainBreak { number: walk.number.clone(), seq: r.seq, reason });
        }
        walk.last = (r.seq, r.hash);
    }

    /// The chain must end at the head recorded on the case row (detects a cut-off tail).
    fn end_case(&mut self) {
        if let Some(w) = self.walk.take()
            && w.head != w.last
        {
            self.breaks.push(ChainBreak {
                number: w.number,
                seq: w.head.0,
                reason: format!(
                    "the chain ends at seq {} but the case records seq {} as its last event",
                    w.last.0, w.head.0
                ),
            });
        }
    }
}

impl Store {
    /// Recomputes every event's hash and checks seq continuity, prev_hash linkage and that each
    /// chain ends at the case's recorded head. Returns the number of events checked and the
    /// breaks (empty = intact).
    pub async fn verify_log(&self) -> Result<(u64, Vec<ChainBreak>)> {
        let mut checker = Checker::default();
        let mut after = (0_i64, 0_i64);
        loop {
            let rows: Vec<ChainRow> = read_db!(self, |ex| {
                sqlx::query_as(
                    "SELECT e.case_id, c.number, c.head_seq, c.head_hash, e.seq, e.kind, \
                     e.actor, e.actor_role, e.actor_unit, e.at, e.payload, e.prev_hash, e.hash \
                     FROM case_events e JOIN cases c ON c.id = e.case_id \
                     WHERE (e.case_id, e.seq) > ($1, $2) ORDER BY e.case_id, e.seq LIMIT $3",
                )
                .bind(after.0)
                .bind(after.1)
                .bind(PAGE)
                .fetch_all(ex)
                .await?
            });
            let full = rows.len() as i64 == PAGE;
            for r in rows {
                after = (r.case_id, r.seq);
                checker.check(r);
            }
            if !full {
                break;
            }
        }
        checker.end_case();
        // Cases whose every event was removed.
        let emptied: Vec<(String, i64)> = read_db!(self, |ex| {
            sqlx::query_as(
                "SELECT c.number, c.head_seq FROM cases c WHERE c.head_seq > 0 AND NOT EXISTS \
                 (SELECT 1 FROM case_events e WHERE e.case_id = c.id) ORDER BY c.id",
            )
            .fetch_all(ex)
            .await?
        });
        checker.breaks.extend(emptied.into_iter().map(|(number, seq)| ChainBreak {
            number,
            seq,
            reason: "the case has no events left".to_owned(),
        }));
        Ok((checker.checked, checker.breaks))
    }
}
