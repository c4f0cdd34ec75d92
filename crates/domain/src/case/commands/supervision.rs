//! Accountability: 通报 (第五条: the unit, person and fault, with the handling opinion) and 督办
//! (五(三): leaders and 督查股 order a result by a date, tracked like a deadline).

use chrono::NaiveDate;

use crate::case::clocks::new_deadline;
use crate::case::decide::{Draft, conflict, long_text, unit_code};
use crate::case::event::CaseEvent;
use crate::case::outbox::{Message, Recipient};
use crate::deadline::DeadlineKind;
use crate::unit::UnitUse;
use crate::validate;

/// The latest 督办 due day: a year ahead (a bound, so that no date far away is accepted).
const SUPERVISION_MAX_DAYS: u64 = 366;
use crate::{DomainError, Result};

pub(super) fn notice(
    w: &mut Draft<'_>,
    unit: &str,
    person: Option<&str>,
    fault: &str,
    opinion: &str,
) -> Result<()> {
    // 第五条: the fault may lie with any unit, the window included.
    let unit = unit_code(w.ctx, "unit", unit, UnitUse::Any)?;
    let person = validate::optional_text("person", "责任人", person, 50)?;
    let fault = long_text("fault", "过错情况", fault)?;
    let opinion = long_text("opinion", "处理意见", opinion)?;
    w.emit(CaseEvent::Noticed { unit, person, fault, opinion });
    Ok(())
}

pub(super) fn supervise(w: &mut Draft<'_>, note: &str, due: NaiveDate) -> Result<()> {
    let (case, ctx) = (w.before, w.ctx);
    let today = w.today();
    if !case.status.is_open() {
        return conflict("事项已办结，不能督办");
    }
    if due < today {
        return Err(DomainError::invalid("due", "督办期限不能早于今天"));
    }
    if today.checked_add_days(chrono::Days::new(SUPERVISION_MAX_DAYS)).is_none_or(|last| due > last) {
        return Err(DomainError::invalid("due", "督办期限不能晚于一年以后"));
    }
    let note = long_text("note", "督办意见", note)?;
    let mut dl = new_deadline(&w.case, ctx, DeadlineKind::Supervision, 0);
    dl.due = due;
    dl.workdays = ctx.calendar.workdays_between(today, due).max(0) as u32;
    dl.provisional = !ctx.calendar.covers(due);
    dl.note = Some(note.clone());
    w.emit(CaseEvent::DeadlineSet { deadline: dl });
    if let Some(u) = &case.unit {
        w.notify(Recipient::Unit(u.clone()), Message::Supervised { number: w.number(), note });
    }
    Ok(())
}
