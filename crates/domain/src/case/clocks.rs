//! The clocks of a case (SPEC §4.2, 四(三), 第四条): which deadlines a level starts, and how a
//! clock is set and closed. A clock records the round and the unit it belongs to, so that the
//! statistics count each against the right round and unit.
//!
//! SPEC §7, four outcomes: a clock is met when its act (feedback, result, reply with reasons)
//! happened by its due day, missed when it happened later; a met clock stays met whatever
//! happens later. A change of level, unit or round (转派, 提级, 退单, 重新核实, 核查 sent back) or
//! a voided or merged case supersedes the clocks still open, recording whether each was still
//! in time; superseded never counts as on time.

use chrono::NaiveDate;

use super::decide::{Ctx, Draft};
use super::event::CaseEvent;
use super::types::{Case, Level};
use crate::deadline::{Deadline, DeadlineKind, Supersession};

/// The clocks a level's work runs on: a change of level, unit or round supersedes them.
pub(crate) const LEVEL_CLOCKS: [DeadlineKind; 4] = [
    DeadlineKind::FirstFeedback,
    DeadlineKind::Result,
    DeadlineKind::NegativeReply,
    DeadlineKind::CountyReply,
];

/// A new clock of `kind`, `workdays` working days after today.
pub(crate) fn new_deadline(case: &Case, ctx: &Ctx<'_>, kind: DeadlineKind, workdays: u32) -> Deadline {
    new_deadline_from(case, ctx, kind, workdays, ctx.today())
}

/// A new clock of `kind`, `workdays` working days after `from` (SPEC §4.3: `from` not counted).
pub(crate) fn new_deadline_from(
    case: &Case,
    ctx: &Ctx<'_>,
    kind: DeadlineKind,
    workdays: u32,
    from: NaiveDate,
) -> Deadline {
    let due = ctx.calendar.add_workdays_provisional(from, workdays);
    Deadline {
        id: case.deadlines.iter().map(|d| d.id).max().unwrap_or(0) + 1,
        kind,
        due: due.date,
        provisional: due.provisional,
        workdays,
        from: Some(from),
        policy_version: ctx.policy.version,
        set_at: ctx.now,
        met: None,
        superseded: None,
        closed_at: None,
        extended_from: None,
        note: None,
        reminded: false,
        notice_flagged: false,
        round: case.round,
        unit: case.unit.clone(),
        set_by: None,
    }
}

impl Draft<'_> {
    /// The open clocks of the given kinds, with whether now is in time for each.
    fn open_clocks(&self, kinds: &[DeadlineKind]) -> Vec<(u32, bool)> {
        let now = self.ctx.now;
        self.case
            .open_deadlines()
            .filter(|d| kinds.contains(&d.kind))
            .map(|d| (d.id, d.in_time(now)))
            .collect()
    }

    /// The act of the given clocks happened now: each open one is met if now is in time, else
    /// missed.
    pub fn close_clocks(&mut self, kinds: &[DeadlineKind]) {
        for (id, met) in self.open_clocks(kinds) {
            self.emit(CaseEvent::DeadlineClosed { id, met });
        }
    }

    /// A change closes the open clocks of the given kinds before their act: superseded.
    pub fn supersede_clocks(&mut self, kinds: &[DeadlineKind], by: Supersession) {
        for (id, in_time) in self.open_clocks(kinds) {
            self.emit(CaseEvent::DeadlineSuperseded { id, in_time, by });
        }
    }

    pub fn set_clock(&mut self, kind: DeadlineKind, workdays: u32) {
        let dl = new_deadline(&self.case, self.ctx, kind, workdays);
        self.emit(CaseEvent::DeadlineSet { deadline: dl });
    }

    /// SPEC §4.2: the level's clocks start now, superseding those of the level, unit or round
    /// before (`by`). 第四条: 复杂问题 3 working days to first feedback; 四(三) 5 to solve;
    /// 第四条 一事一议 7; 难点问题 the term set when reporting.
    pub fn start_level_clocks(&mut self, level: Level, county_term: Option<u32>, by: Supersession) {
        let p = self.ctx.policy;
        self.supersede_clocks(&LEVEL_CLOCKS, by);
        match level {
            Level::Window => self.set_clock(DeadlineKind::Result, p.window_result),
            Level::Department => {
                self.set_clock(DeadlineKind::FirstFeedback, p.first_feedback);
                self.set_clock(DeadlineKind::Result, p.department_result);
            }
            Level::Joint => self.set_clock(DeadlineKind::Result, p.joint_result),
            Level::County => self.set_clock(DeadlineKind::CountyReply, county_term.unwrap_or(p.county_reply)),
        }
    }
}
