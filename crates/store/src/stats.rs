//! Counts over the event log (the leaders' weekly numbers; the statistics issue extends this).

use chrono::{DateTime, Utc};

use crate::{Result, Store, secs};

impl Store {
    /// Events per kind in one center since `since`, as (kind, count).
    pub async fn event_counts(&self, center: &str, since: DateTime<Utc>) -> Result<Vec<(String, i64)>> {
        let (center, since) = (center.to_owned(), secs(since));
        Ok(read_db!(self, |ex| {
            sqlx::query_as(
                "SELECT e.kind, count(*) FROM case_events e JOIN cases c ON c.id = e.case_id
                 WHERE c.center = $1 AND e.at >= $2 GROUP BY e.kind ORDER BY e.kind",
            )
            .bind(&center)
            .bind(since)
            .fetch_all(ex)
            .await?
        }))
    }
}
