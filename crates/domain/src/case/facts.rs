//! Facts for queries: the clocks, visits, 通报 and results of a case as flat rows, derived from
//! the case (itself the fold of its events). The store writes them beside the case row in the
//! same transaction and `bancheng reindex` rebuilds them from the log; the event log stays the
//! truth. Statistics (SPEC §5), the assessment and the notifications query these rows.

use chrono::{DateTime, NaiveDate, Utc};

use super::types::{Case, Level, Outcome};
pub use crate::deadline::ClockOutcome;
use crate::deadline::DeadlineKind;

/// One clock (`case_deadlines`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadlineFact {
    pub deadline_id: u32,
    pub kind: DeadlineKind,
    pub due: NaiveDate,
    pub outcome: ClockOutcome,
    pub round: u32,
    /// The unit the clock belonged to.
    pub unit: Option<String>,
    /// Due day before an approved extension.
    pub extended_from: Option<NaiveDate>,
    pub provisional: bool,
    pub workdays: u32,
    pub policy_version: u32,
    pub set_at: DateTime<Utc>,
    pub set_by: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    /// 督办 note.
    pub note: Option<String>,
}

/// One return visit or rating (`case_visits`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitFact {
    /// 1-based order among the case's visits.
    pub seq: u32,
    pub round: u32,
    pub reached: bool,
    pub satisfaction: Option<u8>,
    pub sampled: bool,
    pub by: String,
    pub role: String,
    pub at: DateTime<Utc>,
}

/// One 通报 (`case_notices`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeFact {
    pub seq: u32,
    pub unit: String,
    pub person: Option<String>,
    pub fault: String,
    pub opinion: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// One 办结答复 (`case_resolutions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolutionFact {
    pub seq: u32,
    pub round: u32,
    pub outcome: Outcome,
    pub level: Level,
    pub unit: Option<String>,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// Every derived row of one case.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CaseFacts {
    pub deadlines: Vec<DeadlineFact>,
    pub visits: Vec<VisitFact>,
    pub notices: Vec<NoticeFact>,
    pub resolutions: Vec<ResolutionFact>,
}

fn seq(i: usize) -> u32 {
    u32::try_from(i + 1).unwrap_or(u32::MAX)
}

/// The facts of a case.
pub fn facts_of(case: &Case) -> CaseFacts {
    CaseFacts {
        deadlines: case
            .deadlines
            .iter()
            .map(|d| DeadlineFact {
                deadline_id: d.id,
                kind: d.kind,
                due: d.due,
                outcome: d.outcome(),
                round: d.round,
                unit: d.unit.clone(),
                extended_from: d.extended_from,
                provisional: d.provisional,
                workdays: d.workdays,
                policy_version: d.policy_version,
                set_at: d.set_at,
                set_by: d.set_by.clone(),
                closed_at: d.closed_at,
                note: d.note.clone(),
            })
            .collect(),
        visits: case
            .visits
            .iter()
            .enumerate()
            .map(|(i, v)| VisitFact {
                seq: seq(i),
                round: v.round,
                reached: v.reached,
                satisfaction: v.satisfaction,
                sampled: v.sampled,
                by: v.by.by.clone(),
                role: v.role.clone(),
                at: v.by.at,
            })
            .collect(),
        notices: case
            .notices
            .iter()
            .enumerate()
            .map(|(i, n)| NoticeFact {
                seq: seq(i),
                unit: n.unit.clone(),
                person: n.person.clone(),
                fault: n.fault.clone(),
                opinion: n.opinion.clone(),
                by: n.by.by.clone(),
                at: n.by.at,
            })
            .collect(),
        resolutions: case
            .resolutions
            .iter()
            .enumerate()
            .map(|(i, r)| ResolutionFact {
                seq: seq(i),
                round: r.round,
                outcome: r.outcome,
                level: r.level,
                unit: r.unit.clone(),
                by: r.by.by.clone(),
                at: r.by.at,
            })
            .collect(),
    }
}
