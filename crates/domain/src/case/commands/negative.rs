//! 否定答复报告 (第二条, SPEC §4.4): staff may not say "cannot be done" on their own. A report
//! with reasons and basis goes to the leading group office, which approves or rejects it; nobody
//! approves their own. 四(三): a case judged 完全不能办理 gets a reply with reasons within 3
//! working days of dispatch.

use crate::actor::Role;
use crate::case::clocks::new_deadline_from;
use crate::case::command::Command;
use crate::case::decide::{Draft, conflict, long_text, require_status};
use crate::case::event::CaseEvent;
use crate::case::outbox::{Message, Recipient};
use crate::case::types::*;
use crate::deadline::{DeadlineKind, local_day};
use crate::{DomainError, Result};

pub(super) fn propose(w: &mut Draft<'_>, reasons: &str, basis: &str, excluded: bool) -> Result<()> {
    let (case, ctx) = (w.before, w.ctx);
    let ok =
        case.status == Status::Dispatched || case.status == Status::Accepted && case.level == Level::Window;
    if !ok {
        return conflict(format!("事项当前状态为“{}”，不能提交否定答复报告", case.status.label()));
    }
    let reasons = long_text("reasons", "不能办理的原因", reasons)?;
    let basis = long_text("basis", "政策法规依据", basis)?;
    w.emit(CaseEvent::NegativeProposed { reasons, basis, excluded });
    // 四(三): 完全不能办理 — reply with reasons within 3 working days of dispatch: one clock per
    // unit and round (a clock superseded by a change of level or unit does not count).
    let running = case.deadlines.iter().any(|d| {
        d.kind == DeadlineKind::NegativeReply
            && d.round == case.round
            && d.unit == case.unit
            && d.superseded.is_none()
    });
    if !running {
        let from = local_day(case.dispatched_at.unwrap_or(case.received_at));
        let dl =
            new_deadline_from(&w.case, ctx, DeadlineKind::NegativeReply, ctx.policy.negative_reply, from);
        w.emit(CaseEvent::DeadlineSet { deadline: dl });
    }
    w.notify(Recipient::Role(Role::Office), Message::NegativeProposed { number: w.number() });
    Ok(())
}

/// The office approves (`reject_note` = None) or rejects a pending report.
pub(super) fn decide(w: &mut Draft<'_>, cmd: &Command, reject_note: Option<&str>) -> Result<()> {
    let case = w.before;
    require_status(case, cmd, &[Status::NegativePending])?;
    let Some(report) = case.negative.as_ref().filter(|n| n.state == ReportState::Pending) else {
        return conflict("没有待审核的否定答复报告");
    };
    match reject_note {
        None => {
            // 第二条: nobody approves their own 否定答复.
            if report.proposed.by == w.ctx.actor.username {
                return Err(DomainError::forbidden("不能审批本人提交的否定答复报告"));
            }
            w.emit(CaseEvent::NegativeApproved {});
        }
        Some(note) => {
            let note = long_text("note", "退回意见", note)?;
            w.emit(CaseEvent::NegativeRejected { note });
        }
    }
    Ok(())
}
