//! The derived rows of the [`Store`] beyond the case row: the fact tables (migration 0003,
//! written with each case by [`crate::case_tx`]), their rebuild from the log (`reindex`), the
//! versions of the cached facts, and maintenance owed after a migration.

use crate::case_tx::rewrite;
use crate::model::{CaseRow, DeadlineRow, NoticeRow, ResolutionRow, StoredFacts, VisitRow};
use crate::{Result, Store};

/// One case's place in the whole set, for walking every case in id order.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CaseRef {
    pub id: i64,
    pub center: String,
    pub number: String,
}

impl Store {
    /// Every fact row of one case, in key order.
    pub async fn facts(&self, center: &str, number: &str) -> Result<StoredFacts> {
        /// The rows of one fact table of the case, `$columns` from `$table`, in `$order`.
        macro_rules! rows_of_case {
            ($ex:ident, $columns:literal, $table:literal, $order:literal) => {
                sqlx::query_as(concat!(
                    "SELECT ",
                    $columns,
                    " FROM ",
                    $table,
                    " WHERE case_id = (SELECT id FROM cases WHERE center = $1 AND number = $2) ORDER BY ",
                    $order
                ))
                .bind(center)
                .bind(number)
                .fetch_all($ex)
                .await?
            };
        }
        Ok(read_db!(self, |ex| {
            let deadlines: Vec<DeadlineRow> = rows_of_case!(
                ex,
                "deadline_id, kind, due, outcome, round, unit_code, extended_from, provisional, workdays, \
                 policy_version, set_at, set_by, closed_at, note",
                "case_deadlines",
                "deadline_id"
            );
            let visits: Vec<VisitRow> = rows_of_case!(
                ex,
                "seq, round, reached, satisfaction, sampled, by_user, role, at",
                "case_visits",
                "seq"
            );
            let notices: Vec<NoticeRow> = rows_of_case!(
                ex,
                "seq, unit_code, person, fault, opinion, by_user, at",
                "case_notices",
                "seq"
            );
            let resolutions: Vec<ResolutionRow> = rows_of_case!(
                ex,
                "seq, round, outcome, level, unit_code, by_user, at",
                "case_resolutions",
                "seq"
            );
            StoredFacts { number: number.to_owned(), deadlines, visits, notices, resolutions }
        }))
    }

    /// Up to `limit` cases with an id above `after`, in id order (keyset pagination).
    pub async fn case_refs(&self, after: i64, limit: i64) -> Result<Vec<CaseRef>> {
        Ok(read_db!(self, |ex| {
            sqlx::query_as("SELECT id, center, number FROM cases WHERE id > $1 ORDER BY id LIMIT $2")
                .bind(after)
                .bind(limit)
                .fetch_all(ex)
                .await?
        }))
    }

    /// Rewrites a case's derived row, unit set, text index and every fact table from `row`
    /// (rebuilt from the log), iff its version is still `row.version` (else `Conflict`); the
    /// version and the event chain stay as they are.
    pub async fn rewrite_case(&self, row: CaseRow) -> Result<()> {
        write_db!(self, case | c | rewrite(c, row).await)
    }

    /// The versions of the cached facts (`calendar`, `policies`, `units`): one cheap read.
    pub async fn cache_versions(&self) -> Result<Vec<(String, i64)>> {
        Ok(read_db!(self, |ex| {
            sqlx::query_as("SELECT name, version FROM cache_versions ORDER BY name").fetch_all(ex).await?
        }))
    }

    /// Maintenance a migration left owed (`reindex`), if any.
    pub async fn maintenance_owed(&self) -> Result<Vec<String>> {
        Ok(read_db!(self, |ex| {
            sqlx::query_scalar("SELECT task FROM maintenance ORDER BY task").fetch_all(ex).await?
        }))
    }

    /// Marks a maintenance task done.
    pub async fn maintenance_done(&self, task: &str) -> Result<()> {
        let task = task.to_owned();
        write_db!(self, |c| {
            sqlx::query("DELETE FROM maintenance WHERE task = $1").bind(&task).execute(&mut *c).await?;
            Ok(())
        })
    }
}
