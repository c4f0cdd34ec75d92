//! The background scheduler of `serve` (SPEC §4.2 practice): 催办 the day after a deadline
//! passes, 通报 flags, 问题工单 — each exactly once, because each is an event on the case and
//! `decide(Tick)` emits nothing it already emitted.

use bancheng_domain::Actor;
use bancheng_domain::case::{Command, Status};
use bancheng_domain::deadline::{DeadlineKind, local_day};
use chrono::NaiveDate;

use crate::cases::case_of;
use crate::{App, AppError, Result};

#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TickReport {
    pub checked: u64,
    pub changed: u64,
    pub conflicts: u64,
    /// `recompute_deadlines` only: every open deadline whose due day (or provisional flag)
    /// moved, as logged by its `DeadlineRecomputed` event.
    pub changed_deadlines: Vec<ChangedDeadline>,
}

/// One open deadline moved by a calendar change (SPEC §4.3).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChangedDeadline {
    pub center: String,
    pub number: String,
    pub kind: DeadlineKind,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Still computed on weekends only after the change.
    pub provisional: bool,
}

impl App {
    /// One pass over every center's cases with a passed deadline.
    pub async fn tick(&self) -> Result<TickReport> {
        let mut report = TickReport::default();
        let today = local_day(self.now());
        for center in self.store().centers().await? {
            let system = Actor::system(&center);
            let rows = self.store().cases_due_by(&center, today, &Status::not_open_codes(), 10_000).await?;
            for row in rows {
                report.checked += 1;
                let case = case_of(&row)?;
                match self.decide_and_commit(&system, case, row.version, &Command::Tick).await {
                    Ok((_, v)) if v != row.version => report.changed += 1,
                    Ok(_) => {}
                    // Someone acted on the case meanwhile: the next pass sees the new state.
                    Err(AppError::StaleCase) => report.conflicts += 1,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(report)
    }

    /// After a calendar import: recompute open deadlines whose working-day count changed.
    pub async fn recompute_deadlines(&self) -> Result<TickReport> {
        let mut report = TickReport::default();
        for center in self.store().centers().await? {
            let system = Actor::system(&center);
            // Every open case with any deadline: next_due up to far in the future.
            let far = chrono::NaiveDate::from_ymd_opt(9999, 12, 31).expect("date");
            let rows = self.store().cases_due_by(&center, far, &Status::not_open_codes(), i64::MAX).await?;
            for row in rows {
                report.checked += 1;
                let case = case_of(&row)?;
                let before: Vec<_> =
                    case.open_deadlines().map(|d| (d.id, d.kind, d.due, d.provisional)).collect();
                match self.decide_and_commit(&system, case, row.version, &Command::RecomputeDeadlines).await {
                    Ok((after, v)) if v != row.version => {
                        report.changed += 1;
                        for (id, kind, from, was_provisional) in before {
                            let Some(d) = after.deadlines.iter().find(|d| d.id == id) else { continue };
                            if d.due != from || d.provisional != was_provisional {
                                report.changed_deadlines.push(ChangedDeadline {
                                    center: center.clone(),
                                    number: after.number.clone(),
                                    kind,
                                    from,
                                    to: d.due,
                                    provisional: d.provisional,
                                });
                            }
                        }
                    }
                    Ok(_) => {}
                    Err(AppError::StaleCase) => report.conflicts += 1,
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(report)
    }
}
