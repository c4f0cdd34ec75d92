//! 延期申请 (SPEC §4.2 practice): the responsible unit asks before the deadline, with a reason
//! and the working days; the office approves or refuses; the applicant is told the new date.
//! An approved extension counts as on time.

use crate::actor::Role;
use crate::case::command::Command;
use crate::case::decide::{Draft, conflict, long_text, require_status};
use crate::case::event::CaseEvent;
use crate::case::outbox::{Message, Recipient};
use crate::case::types::*;
use crate::deadline::DeadlineKind;
use crate::{DomainError, Result};

pub(super) fn request(w: &mut Draft<'_>, cmd: &Command, workdays: u32, reason: &str) -> Result<()> {
    let (case, ctx) = (w.before, w.ctx);
    require_status(case, cmd, &[Status::Dispatched])?;
    if case.extension.as_ref().is_some_and(|e| e.state == ReportState::Pending) {
        return conflict("已有待审批的延期申请");
    }
    let Some(dl) =
        case.open_deadline(DeadlineKind::Result).or_else(|| case.open_deadline(DeadlineKind::CountyReply))
    else {
        return conflict("没有可延期的办理期限");
    };
    // Practice: an extension is asked for before the deadline, not after.
    if w.today() > dl.due {
        return conflict("办理期限已过，不能再申请延期");
    }
    if workdays == 0 || workdays > ctx.policy.max_extension {
        return Err(DomainError::invalid(
            "workdays",
            format!("延期天数应为1至{}个工作日", ctx.policy.max_extension),
        ));
    }
    let reason = long_text("reason", "延期理由", reason)?;
    let new_due = ctx.calendar.add_workdays_provisional(dl.due, workdays).date;
    w.emit(CaseEvent::ExtensionRequested { deadline_id: dl.id, workdays, reason, new_due });
    w.notify(Recipient::Role(Role::Office), Message::ExtensionRequested { number: w.number(), new_due });
    Ok(())
}

/// The office decides a pending request: approve (`reject_note` = None) or refuse with a note.
pub(super) fn decide(w: &mut Draft<'_>, reject_note: Option<&str>) -> Result<()> {
    let case = w.before;
    let Some(ext) = case.extension.as_ref().filter(|e| e.state == ReportState::Pending) else {
        return conflict("没有待审批的延期申请");
    };
    if let Some(note) = reject_note {
        let note = long_text("note", "不批准理由", note)?;
        w.emit(CaseEvent::ExtensionRejected { note });
        return Ok(());
    }
    let Some(dl) = case.deadlines.iter().find(|d| d.id == ext.deadline_id && d.is_open()) else {
        return conflict("申请延期的期限已结束");
    };
    w.emit(CaseEvent::ExtensionApproved { deadline_id: ext.deadline_id, new_due: ext.new_due });
    w.emit(CaseEvent::DeadlineExtended { id: dl.id, from: dl.due, to: ext.new_due });
    // Practice: the applicant is told the new date.
    w.notify(
        Recipient::Applicant(case.applicant.phone.clone()),
        Message::ExtensionApproved { number: w.number(), new_due: ext.new_due },
    );
    Ok(())
}
