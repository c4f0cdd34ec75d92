//! Working the case to a result: 联系办理对象 (第三条 全程跟踪), 初步反馈 (第四条), 办结答复
//! (四(三), 附件3 责任窗口回复处理情况) and 办理对象确认 (附件3).

use crate::case::command::Command;
use crate::case::decide::{Draft, conflict, long_text, require_status};
use crate::case::event::CaseEvent;
use crate::case::outbox::{Message, Recipient};
use crate::case::types::*;
use crate::deadline::DeadlineKind;
use crate::validate;
use crate::{DomainError, Result};

/// The largest drawn signature (a PNG data URL).
const MAX_SIGNATURE_BYTES: usize = 200_000;

/// SPEC §4.2 practice: before a deadline is missed the applicant must have been contacted.
pub(super) fn contact(w: &mut Draft<'_>, note: &str) -> Result<()> {
    if w.before.status == Status::Closed {
        return conflict("事项已归档");
    }
    let note = long_text("note", "联系情况", note)?;
    w.emit(CaseEvent::Contacted { note });
    Ok(())
}

/// 第四条: 初步反馈意见 closes the first-feedback clock.
pub(super) fn feedback(w: &mut Draft<'_>, cmd: &Command, text: &str) -> Result<()> {
    require_status(w.before, cmd, &[Status::Dispatched])?;
    let text = long_text("text", "反馈意见", text)?;
    w.emit(CaseEvent::FeedbackGiven { text });
    w.close_clocks(&[DeadlineKind::FirstFeedback]);
    Ok(())
}

/// 办结: the reply to the applicant closes every clock. SPEC §4.4: only an approved 否定答复
/// lets a case end as 不能办理, and the reply quotes its reasons.
pub(super) fn resolve(w: &mut Draft<'_>, outcome: Outcome, reply: &str) -> Result<()> {
    let case = w.before;
    let ok =
        case.status == Status::Dispatched || case.status == Status::Accepted && case.level == Level::Window;
    if !ok {
        return conflict(format!("事项当前状态为“{}”，不能办结", case.status.label()));
    }
    if outcome == Outcome::Explained
        && !case.negative.as_ref().is_some_and(|n| n.state == ReportState::Approved)
    {
        return conflict("“不能办理”须先经领导小组办公室批准否定答复报告");
    }
    let mut reply = long_text("reply", "回复内容", reply)?;
    if outcome == Outcome::Explained
        && let Some(n) = &case.negative
        && !reply.contains(&n.reasons)
    {
        reply = format!("{reply}\n不能办理的原因：{}\n依据：{}", n.reasons, n.basis);
    }
    w.emit(CaseEvent::Resolved { outcome, reply });
    w.close_clocks(&[
        DeadlineKind::FirstFeedback,
        DeadlineKind::Result,
        DeadlineKind::NegativeReply,
        DeadlineKind::CountyReply,
        DeadlineKind::Supervision,
    ]);
    w.notify(Recipient::Applicant(case.applicant.phone.clone()), Message::Resolved { number: w.number() });
    Ok(())
}

/// 附件3 办理对象确认, optionally with a drawn signature.
pub(super) fn confirm(w: &mut Draft<'_>, by: &str, signature: Option<&str>) -> Result<()> {
    if w.before.status == Status::Closed {
        return conflict("事项已归档");
    }
    // Once given, until a correction of what was confirmed asks for it again.
    if w.before.confirmation.is_some() {
        return conflict("办理对象已确认");
    }
    let by = validate::text("by", "确认人", by, 1, 50)?;
    // A drawn signature: a PNG data URL of base64 only, so it can be shown as an image
    // anywhere without being able to carry markup.
    if let Some(sig) = signature {
        let b64 = sig.strip_prefix("data:image/png;base64,");
        let ok = b64
            .is_some_and(|b| b.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'=')));
        if !ok || sig.len() > MAX_SIGNATURE_BYTES {
            return Err(DomainError::invalid("signature", "签名应为不超过200KB的PNG图片"));
        }
    }
    w.emit(CaseEvent::Confirmed { by, signature: signature.map(str::to_owned) });
    Ok(())
}
