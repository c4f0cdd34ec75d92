//! `bancheng reindex` (SPEC §7): rebuilds every derived row — the case row, its unit set, text
//! index and fact tables — from the event log, which stays the truth. Runs by itself on the first
//! start after a migration that added derived tables to a database with cases.

use bancheng_domain::case::{self, CaseEvent, RecordedEvent};
use bancheng_domain::deadline::local_day;
use bancheng_store::StoreError;
use tokio::task::JoinSet;

use crate::cases::row_of;
use crate::facts::fact_rows;
use crate::{App, AppError, Result};

/// Cases read per page, and rebuilt at once (so SQLite's writer batches their commits).
const PAGE: i64 = 256;
/// Attempts per case when a concurrent commit changed it in between.
const ATTEMPTS: u32 = 5;

#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReindexReport {
    pub cases: u64,
    /// Cases whose rebuild found their stored state different from the replay (then corrected).
    pub state_differed: u64,
}

impl App {
    /// Rebuilds every case's derived rows from its events.
    pub async fn reindex(&self) -> Result<ReindexReport> {
        let mut report = ReindexReport::default();
        let mut after = 0;
        loop {
            let refs = self.store().case_refs(after, PAGE).await?;
            let Some(last) = refs.last() else { break };
            after = last.id;
            let mut jobs = JoinSet::new();
            for r in refs {
                let app = self.clone();
                jobs.spawn(async move { app.reindex_case(&r.center, &r.number).await });
            }
            while let Some(done) = jobs.join_next().await {
                let differed = done.map_err(|e| AppError::failed("reindex task", e))??;
                report.cases += 1;
                report.state_differed += u64::from(differed);
            }
        }
        self.store().maintenance_done("reindex").await?;
        Ok(report)
    }

    /// Rebuilds one case; whether its stored state differed from the replay.
    async fn reindex_case(&self, center: &str, number: &str) -> Result<bool> {
        for _ in 0..ATTEMPTS {
            let stored = self.store().case(center, number).await?;
            let recorded = self
                .store()
                .events(center, number)
                .await?
                .into_iter()
                .map(|e| {
                    let event = CaseEvent::from_parts(&e.kind, &e.payload)
                        .map_err(|err| AppError::failed(format!("case {number} event {}", e.seq), err))?;
                    Ok(RecordedEvent {
                        event,
                        actor: e.actor,
                        actor_role: e.actor_role,
                        actor_unit: e.actor_unit,
                        at: e.at,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            let case = case::replay(number, &recorded).ok_or_else(|| {
                AppError::Internal(format!("case {number}: the log does not start with registered"))
            })?;
            let today = local_day(self.now());
            let mut row = row_of(&case, stored.version, today, stored.updated_at)?;
            let differed = row.state != stored.state;
            row.facts = fact_rows(&case, None);
            match self.store().rewrite_case(row).await {
                Ok(()) => return Ok(differed),
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::StaleCase)
    }
}
