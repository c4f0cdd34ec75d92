//! After a result (四(四), 第五条, 第六条): 结果核查 by the office, 回访 by the office and 督查股,
//! 重新核实 when the applicant is dissatisfied or the office finds fault, and 归档.

use crate::case::command::Command;
use crate::case::decide::{Draft, conflict, long_text, require_status, unit_code};
use crate::case::event::CaseEvent;
use crate::case::outbox::{Message, Recipient};
use crate::case::types::*;
use crate::deadline::Supersession;
use crate::unit::UnitUse;
use crate::validate;
use crate::{DomainError, Result};

use super::dispatch::problem_rule;

/// 四(四) 结果核查: agree, or send back to the unit with a note (the level's clocks restart).
pub(super) fn verify(w: &mut Draft<'_>, cmd: &Command, ok: bool, note: &str) -> Result<()> {
    let case = w.before;
    require_status(case, cmd, &[Status::Resolved])?;
    let note = validate::text("note", "核查意见", note, if ok { 0 } else { 1 }, 2000)?;
    if ok {
        w.emit(CaseEvent::Verified { note });
    } else {
        // SPEC §7: a 核查 sent back opens a new round whose clocks start now.
        w.emit(CaseEvent::SentBack { note });
        w.start_level_clocks(case.level, None, Supersession::SentBack);
    }
    Ok(())
}

/// 第六条 回访: reached or not; satisfaction on the five 好差评 levels. 第五条 / SPEC §4.5: a
/// satisfaction at or below the policy's `visit_reopen_at` (不满意 or worse) sends the case to
/// 重新核实 at its unit.
pub(super) fn visit(
    w: &mut Draft<'_>,
    cmd: &Command,
    reached: bool,
    satisfaction: Option<u8>,
    comment: Option<&str>,
) -> Result<()> {
    let case = w.before;
    require_status(case, cmd, &[Status::Resolved, Status::Verified, Status::Closed])?;
    match (reached, satisfaction) {
        (true, Some(s)) if (1..=5).contains(&s) => {}
        (true, _) => {
            return Err(DomainError::invalid("satisfaction", "回访满意度应为1至5（5为非常满意）"));
        }
        (false, Some(_)) => {
            return Err(DomainError::invalid("satisfaction", "未联系上办理对象时不能填写满意度"));
        }
        (false, None) => {}
    }
    let comment = validate::optional_text("comment", "回访意见", comment, 500)?;
    w.emit(CaseEvent::Visited { reached, satisfaction, comment: comment.clone() });
    if satisfaction.is_some_and(|s| u32::from(s) <= w.ctx.policy.visit_reopen_at) {
        let unit = case.unit.clone().unwrap_or_else(|| case.received_unit.clone());
        let note = match comment.as_deref().filter(|c| !c.is_empty()) {
            Some(c) => {
                format!("回访{}，重新核实。群众意见：{c}", satisfaction_label(satisfaction.unwrap_or(0)))
            }
            None => format!("回访{}，重新核实", satisfaction_label(satisfaction.unwrap_or(0))),
        };
        w.emit(CaseEvent::Reopened { unit: unit.clone(), note });
        w.start_level_clocks(case.level, None, Supersession::Reopen);
        w.notify(Recipient::Unit(unit), Message::Reopened { number: w.number(), dissatisfied: true });
        problem_rule(w);
    }
    Ok(())
}

/// 第五条 重新核实 at a unit (the same or another): back to `dispatched`, counting a reopen.
pub(super) fn reverify(w: &mut Draft<'_>, cmd: &Command, unit: &str, note: &str) -> Result<()> {
    let (case, ctx) = (w.before, w.ctx);
    require_status(case, cmd, &[Status::Resolved, Status::Verified, Status::Closed])?;
    let unit = unit_code(ctx, "unit", unit, UnitUse::Handling)?;
    let note = long_text("note", "重新核实要求", note)?;
    w.emit(CaseEvent::Reopened { unit: unit.clone(), note });
    w.start_level_clocks(case.level, None, Supersession::Reopen);
    w.notify(Recipient::Unit(unit), Message::Reopened { number: w.number(), dissatisfied: false });
    problem_rule(w);
    Ok(())
}

/// 归档: 四(四) — results are verified and the applicant called back before archiving.
pub(super) fn close(w: &mut Draft<'_>, cmd: &Command) -> Result<()> {
    let case = w.before;
    require_status(case, cmd, &[Status::Verified])?;
    if case.visits.is_empty() {
        return conflict("尚未回访办理对象，不能归档");
    }
    w.emit(CaseEvent::Closed {});
    Ok(())
}
