//! The fact rows of a case (`bancheng_domain::case::facts_of`) as the store writes them beside
//! the case row (migration 0003): clocks, visits, 通报 and results.

use bancheng_domain::case::{self, Case};
use bancheng_store::model::{DeadlineRow, FactRows, NoticeRow, ResolutionRow, VisitRow};

/// The fact rows of a case (`bancheng_domain::case::facts_of`) as the store writes them. With
/// `before`, only the tables whose rows changed; without, every table.
pub(crate) fn fact_rows(case: &Case, before: Option<&Case>) -> FactRows {
    let now = case::facts_of(case);
    let old = before.map(case::facts_of);
    let deadlines = (old.as_ref().is_none_or(|o| o.deadlines != now.deadlines)).then(|| {
        now.deadlines
            .iter()
            .map(|d| DeadlineRow {
                deadline_id: d.deadline_id as i32,
                kind: d.kind.code().into(),
                due: d.due,
                outcome: d.outcome.code().into(),
                round: d.round as i32,
                unit_code: d.unit.clone(),
                extended_from: d.extended_from,
                provisional: d.provisional,
                workdays: d.workdays as i32,
                policy_version: d.policy_version as i32,
                set_at: d.set_at,
                set_by: d.set_by.clone(),
                closed_at: d.closed_at,
                note: d.note.clone(),
            })
            .collect()
    });
    let visits = (old.as_ref().is_none_or(|o| o.visits != now.visits)).then(|| {
        now.visits
            .iter()
            .map(|v| VisitRow {
                seq: v.seq as i32,
                round: v.round as i32,
                reached: v.reached,
                satisfaction: v.satisfaction.map(i32::from),
                sampled: v.sampled,
                by_user: v.by.clone(),
                role: v.role.clone(),
                at: v.at,
            })
            .collect()
    });
    let notices = (old.as_ref().is_none_or(|o| o.notices != now.notices)).then(|| {
        now.notices
            .iter()
            .map(|n| NoticeRow {
                seq: n.seq as i32,
                unit_code: n.unit.clone(),
                person: n.person.clone(),
                fault: n.fault.clone(),
                opinion: n.opinion.clone(),
                by_user: n.by.clone(),
                at: n.at,
            })
            .collect()
    });
    let resolutions = (old.as_ref().is_none_or(|o| o.resolutions != now.resolutions)).then(|| {
        now.resolutions
            .iter()
            .map(|r| ResolutionRow {
                seq: r.seq as i32,
                round: r.round as i32,
                outcome: r.outcome.code().into(),
                level: r.level.code().into(),
                unit_code: r.unit.clone(),
                by_user: r.by.clone(),
                at: r.at,
            })
            .collect()
    });
    FactRows { deadlines, visits, notices, resolutions }
}
