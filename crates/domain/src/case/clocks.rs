//! The clocks of a case (SPEC §4.2, 四(三), 第四条): which deadlines a level starts, and how a
//! clock is set and closed. A clock records the round (reopens so far) and the unit it belongs
//! to, so that the statistics can count each against the right round and unit.

use chrono::NaiveDate;

use super::decide::{Ctx, Draft};
use super::event::CaseEvent;
use super::types::{Case, Level};
use crate::deadline::{Deadline, DeadlineKind};

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
        closed_at: None,
        extended_from: None,
        note: None,
        reminded: false,
        notice_flagged: false,
        round: case.reopen_count,
        unit: case.unit.clone(),
        set_by: None,
    }
}

impl Draft<'_> {
    /// Closes open clocks of the given kinds: met if the event is in time.
    pub fn close_clocks(&mut self, kinds: &[DeadlineKind]) {
        let now = self.ctx.now;
        let closing: Vec<(u32, bool)> = self
            .case
            .open_deadlines()
            .filter(|d| kinds.contains(&d.kind))
            .map(|d| (d.id, d.in_time(now)))
            .collect();
        for (id, met) in closing {
            self.emit(CaseEvent::DeadlineClosed { id, met });
        }
    }

    pub fn set_clock(&mut self, kind: DeadlineKind, workdays: u32) {
        let dl = new_deadline(&self.case, self.ctx, kind, workdays);
        self.emit(CaseEvent::DeadlineSet { deadline: dl });
    }

    /// SPEC §4.2: the level's clocks start now. 第四条: 复杂问题 3 working days to first
    /// feedback; 四(三) 5 to solve; 第四条 一事一议 7; 难点问题 the term set when reporting.
    pub fn start_level_clocks(&mut self, level: Level, county_term: Option<u32>) {
        let p = self.ctx.policy;
        self.close_clocks(&[DeadlineKind::FirstFeedback, DeadlineKind::Result, DeadlineKind::CountyReply]);
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
