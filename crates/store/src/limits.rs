//! Counted attempts with a window and a lock (`rate_limits`, migration 0004): sign-in per account
//! and address, per address and per account; the public side reuses them. Each hit is one atomic
//! statement, so parallel attempts are counted exactly, on every server of a deployment.

use chrono::{DateTime, TimeDelta, Utc};

use crate::model::RateState;
use crate::{Result, Store, secs};

/// A window, a limit and a lock: `max` hits within `window` lock for `lock_for`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateRule {
    pub window: TimeDelta,
    pub max: i32,
    pub lock_for: TimeDelta,
}

impl Store {
    /// Counts one hit of (scope, subject, address) at `now` and returns the state after it. A
    /// window that has passed (and no lock in force) starts again at 1; the hit that reaches
    /// `rule.max` sets the lock; a lock in force stays and hits keep counting under it.
    pub async fn rate_hit(
        &self,
        scope: &str,
        subject: &str,
        address: &str,
        now: DateTime<Utc>,
        rule: RateRule,
    ) -> Result<RateState> {
        let (scope, subject, address) = (scope.to_owned(), subject.to_owned(), address.to_owned());
        let now = secs(now);
        let (expired, until) = (now - rule.window, now + rule.lock_for);
        write_db!(self, |c| {
            Ok(sqlx::query_as(
                "INSERT INTO rate_limits (scope, subject, address, hits, window_start, locked_until) \
                 VALUES ($1, $2, $3, 1, $4, CASE WHEN $6 <= 1 THEN $7 ELSE NULL END) \
                 ON CONFLICT (scope, subject, address) DO UPDATE SET \
                 hits = CASE WHEN rate_limits.window_start < $5 \
                     AND (rate_limits.locked_until IS NULL OR rate_limits.locked_until <= $4) \
                     THEN 1 ELSE rate_limits.hits + 1 END, \
                 window_start = CASE WHEN rate_limits.window_start < $5 \
                     AND (rate_limits.locked_until IS NULL OR rate_limits.locked_until <= $4) \
                     THEN $4 ELSE rate_limits.window_start END, \
                 locked_until = CASE \
                     WHEN rate_limits.locked_until IS NOT NULL AND rate_limits.locked_until > $4 \
                         THEN rate_limits.locked_until \
                     WHEN (CASE WHEN rate_limits.window_start < $5 THEN 1 ELSE rate_limits.hits + 1 END) >= $6 \
                         THEN $7 \
                     ELSE NULL END \
                 RETURNING hits, window_start, locked_until",
            )
            .bind(&scope)
            .bind(&subject)
            .bind(&address)
            .bind(now)
            .bind(expired)
            .bind(rule.max)
            .bind(until)
            .fetch_one(&mut *c)
            .await?)
        })
    }

    /// The state of (scope, subject, address), if it was ever hit.
    pub async fn rate_state(&self, scope: &str, subject: &str, address: &str) -> Result<Option<RateState>> {
        Ok(read_db!(self, |ex| {
            sqlx::query_as(
                "SELECT hits, window_start, locked_until FROM rate_limits \
                 WHERE scope = $1 AND subject = $2 AND address = $3",
            )
            .bind(scope)
            .bind(subject)
            .bind(address)
            .fetch_optional(ex)
            .await?
        }))
    }

    /// Forgets the counts of `subject` in the given scopes (a successful sign-in, an admin's
    /// reset), each for one address or (`None`) every address: one transaction.
    pub async fn rate_clear(&self, subject: &str, scopes: &[(&str, Option<&str>)]) -> Result<u64> {
        let scopes: Vec<(String, Option<String>)> =
            scopes.iter().map(|(s, a)| ((*s).to_owned(), a.map(str::to_owned))).collect();
        let subject = subject.to_owned();
        write_db!(self, |c| {
            let mut n = 0;
            for (scope, address) in &scopes {
                n += sqlx::query(
                    "DELETE FROM rate_limits WHERE scope = $1 AND subject = $2 AND ($3 IS NULL OR address = $3)",
                )
                .bind(scope)
                .bind(&subject)
                .bind(address)
                .execute(&mut *c)
                .await?
                .rows_affected();
            }
            Ok(n)
        })
    }

    /// The subjects of `scope` with a lock in force at `now`, and until when (the longest).
    pub async fn rate_locks(&self, scope: &str, now: DateTime<Utc>) -> Result<Vec<(String, DateTime<Utc>)>> {
        let now = secs(now);
        Ok(read_db!(self, |ex| {
            sqlx::query_as(
                "SELECT subject, max(locked_until) FROM rate_limits \
                 WHERE scope = $1 AND locked_until > $2 GROUP BY subject ORDER BY subject",
            )
            .bind(scope)
            .bind(now)
            .fetch_all(ex)
            .await?
        }))
    }

    /// Deletes the counts whose window began before `before` and whose lock (if any) is over.
    pub async fn purge_rate_limits(&self, before: DateTime<Utc>, now: DateTime<Utc>) -> Result<u64> {
        let (before, now) = (secs(before), secs(now));
        write_db!(self, |c| {
            Ok(sqlx::query(
                "DELETE FROM rate_limits WHERE window_start < $1 AND (locked_until IS NULL OR locked_until <= $2)",
            )
            .bind(before)
            .bind(now)
            .execute(&mut *c)
            .await?
            .rows_affected())
        })
    }
}
