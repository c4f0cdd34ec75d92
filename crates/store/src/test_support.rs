//! Hooks for tests that play an attacker with direct database access (feature `test-support`,
//! enabled only through dev-dependencies: bancheng-testkit). Not part of a production build.

use crate::writer::typed;
use crate::{Inner, Result, Store};

impl Store {
    /// Rewrites an event's payload as an attacker with file access could, by
    /// lifting the append-only guard for the one statement.
    pub async fn tamper_event_payload_for_test(
        &self,
        number: &str,
        seq: i64,
        new_payload: &str,
    ) -> Result<()> {
        const UPDATE: &str = "UPDATE case_events SET payload = $1 \
             WHERE case_id IN (SELECT id FROM cases WHERE number = $2) AND seq = $3";
        let (number, payload) = (number.to_owned(), new_payload.to_owned());
        match &*self.inner {
            Inner::Sqlite(db) => {
                db.writer
                    .run(move |w| {
                        Box::pin(typed(async move {
                            let c = &mut w.conn;
                            sqlx::query("DROP TRIGGER case_events_no_update").execute(&mut *c).await?;
                            let n = sqlx::query(UPDATE)
                                .bind(&payload)
                                .bind(&number)
                                .bind(seq)
                                .execute(&mut *c)
                                .await?
                                .rows_affected();
                            sqlx::query(
                                "CREATE TRIGGER case_events_no_update BEFORE UPDATE ON \
                                 case_events BEGIN SELECT RAISE(ABORT, \
                                 'case_events is append-only (SPEC 4.6)'); END",
                            )
                            .execute(&mut *c)
                            .await?;
                            crate::found(n)
                        }))
                    })
                    .await
            }
            Inner::Postgres(pool) => {
                let mut tx = pool.begin().await?;
                sqlx::query("ALTER TABLE case_events DISABLE TRIGGER case_events_append_only")
                    .execute(&mut *tx)
                    .await?;
                let n = sqlx::query(UPDATE)
                    .bind(&payload)
                    .bind(&number)
                    .bind(seq)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                sqlx::query("ALTER TABLE case_events ENABLE TRIGGER case_events_append_only")
                    .execute(&mut *tx)
                    .await?;
                crate::found(n)?;
                tx.commit().await?;
                Ok(())
            }
        }
    }

    /// Runs SQL statements (`;`-separated) as one write job / transaction, as
    /// plain SQL with database access would; returns the rows affected.
    pub async fn execute_for_test(&self, sql: &str) -> Result<u64> {
        let sql = sql.to_owned();
        write_db!(self, |c| {
            Ok(sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone())).execute(&mut *c).await?.rows_affected())
        })
    }

    /// SQLite: `ANALYZE`, then the planner's steps (`EXPLAIN QUERY PLAN`) for the repeat-trip
    /// lookup bound as [`Store::applicant_cases`] binds it (SQLite plans for the bound values),
    /// on the writer's connection (which has just loaded the new statistics).
    pub async fn applicant_cases_plan_for_test(&self, id_number: Option<&str>) -> Result<Vec<String>> {
        let Inner::Sqlite(db) = &*self.inner else {
            return Ok(Vec::new());
        };
        let sql = format!("EXPLAIN QUERY PLAN {}", crate::cases::applicant_cases_sql(id_number.is_some()));
        let id_number = id_number.map(str::to_owned);
        db.writer
            .run(move |w| {
                Box::pin(typed(async move {
                    let c = &mut w.conn;
                    sqlx::query("ANALYZE").execute(&mut *c).await?;
                    let q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind("bbc").bind("13900000001").bind(10);
                    let rows: Vec<(i64, i64, i64, String)> = match id_number {
                        Some(id) => q.bind(id),
                        None => q,
                    }
                    .fetch_all(&mut *c)
                    .await?;
                    Ok(rows.into_iter().map(|r| r.3).collect())
                }))
            })
            .await
    }
}
