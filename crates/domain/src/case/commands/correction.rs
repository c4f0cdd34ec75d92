//! Fixing the record (SPEC §7): 作废 a case registered by mistake, 合并 a duplicate into the case
//! it repeats, 更正 registration data — each an event that keeps the old value in the log — and
//! 附件 (photos or scans of documents). Who and when: the office voids and merges a case not yet
//! resolved; the window corrects its own unit's registrations of the same day, the office any
//! case not closed. A correction of name, phone or description after 办理对象确认 asks for the
//! applicant's confirmation again. A voided or merged case's open clocks are superseded.

use crate::actor::Role;
use crate::case::command::Command;
use crate::case::decide::{Ctx, Decision, Draft, conflict, long_text, require_status};
use crate::case::event::{CaseEvent, FieldChange};
use crate::case::permission::may_read;
use crate::case::register::{case_field, registration_field};
use crate::case::types::*;
use crate::deadline::{DeadlineKind, Supersession, local_day};
use crate::numbering::parse_number;
use crate::validate;
use crate::{DomainError, Result};

/// The registration fields whose correction voids the applicant's confirmation: what they
/// signed for (附件3 办理对象确认).
const CONFIRMED_FIELDS: [&str; 3] = ["applicant_name", "phone", "description"];

/// The attachment types — what a camera or a scanner produces — each with the first bytes of
/// such a file: the type is read from the content, never the name.
pub const ATTACHMENT_TYPES: [(&str, &[u8]); 3] =
    [("image/jpeg", &[0xFF, 0xD8, 0xFF]), ("image/png", b"\x89PNG\r\n\x1a\n"), ("application/pdf", b"%PDF-")];

/// The type of a file by its first bytes ([`ATTACHMENT_TYPES`]), else `None`.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    ATTACHMENT_TYPES.iter().find(|(_, magic)| bytes.starts_with(magic)).map(|(mime, _)| *mime)
}

/// SPEC §7 作废: the office, on a case not yet resolved, with a reason. The number stays in
/// the ledger; its open clocks are superseded and it leaves every queue and statistic.
pub(super) fn void(w: &mut Draft<'_>, cmd: &Command, reason: &str) -> Result<()> {
    require_status(w.before, cmd, &Status::OPEN)?;
    let reason = long_text("reason", "作废理由", reason)?;
    w.emit(CaseEvent::Voided { reason });
    w.supersede_clocks(&DeadlineKind::ALL, Supersession::Void);
    Ok(())
}

/// SPEC §7 合并: the office merges a duplicate, not yet resolved, into the case it repeats
/// (which records it with [`absorb`]). The duplicate's clocks are superseded.
pub(super) fn merge(w: &mut Draft<'_>, cmd: &Command, into: &str, reason: &str) -> Result<()> {
    require_status(w.before, cmd, &Status::OPEN)?;
    let into = into.trim();
    parse_number(into).map_err(|_| DomainError::invalid("into", "请填写要合并到的事项编号"))?;
    if into == w.before.number {
        return Err(DomainError::invalid("into", "不能把事项合并到它自己"));
    }
    let reason = long_text("reason", "合并理由", reason)?;
    w.emit(CaseEvent::Merged { into: into.to_owned(), reason });
    w.supersede_clocks(&DeadlineKind::ALL, Supersession::Merge);
    Ok(())
}

/// The other half of a 合并: the case a duplicate (`dup`, as merged) joins records it. Decided
/// by the same actor in the same transaction; the duplicate counts once, as this case.
pub fn absorb(target: &Case, dup: &Case, ctx: &Ctx<'_>) -> Result<Decision> {
    let not_there = || DomainError::invalid("into", format!("要合并到的事项不存在：{}", target.number));
    may_read(target, ctx.actor).map_err(|_| not_there())?;
    if !crate::case::Action::Merge.def().roles.contains(&ctx.actor.role) {
        return Err(DomainError::forbidden("只有领导小组办公室可以合并事项"));
    }
    if target.status.is_withdrawn() {
        return Err(DomainError::invalid(
            "into",
            format!("事项{}已{}，不能合并到该事项", target.number, target.status.label()),
        ));
    }
    let reason = dup.withdrawn.as_ref().map(|n| n.text.clone()).unwrap_or_default();
    let mut w = Draft::new(target, ctx);
    w.emit(CaseEvent::DuplicateMerged { number: dup.number.clone(), reason });
    Ok(w.finish())
}

/// SPEC §7 更正: changes registration fields, each checked as at registration; the old values
/// stay in the log.
pub(super) fn correct(w: &mut Draft<'_>, fields: &[(String, String)], reason: &str) -> Result<()> {
    let (case, ctx) = (w.before, w.ctx);
    if case.status == Status::Closed {
        return conflict("事项已归档，不能更正");
    }
    // The window corrects only what its unit registered today (the office anything not closed).
    if ctx.actor.role == Role::Window
        && (case.received_unit != ctx.actor.unit || local_day(case.received_at) != w.today())
    {
        return Err(DomainError::forbidden("窗口只能更正本单位当天登记的事项，其他请联系领导小组办公室"));
    }
    let mut changes = Vec::new();
    for (name, value) in fields {
        let Some(field) = registration_field(name) else {
            return Err(DomainError::invalid("fields", format!("不能更正该项：{name}")));
        };
        let to = field.check(Some(value))?;
        let from = case_field(case, field.name);
        if to != from && !changes.iter().any(|c: &FieldChange| c.field == field.name) {
            changes.push(FieldChange { field: field.name.to_owned(), from, to });
        }
    }
    if changes.is_empty() {
        return Err(DomainError::invalid("fields", "没有需要更正的内容（新值与原值相同）"));
    }
    let reason = long_text("reason", "更正理由", reason)?;
    w.emit(CaseEvent::Corrected { changes, reason });
    Ok(())
}

/// Whether a correction touches what the applicant confirmed (name, phone, description).
pub(crate) fn touches_confirmed(changes: &[FieldChange]) -> bool {
    changes.iter().any(|c| CONFIRMED_FIELDS.contains(&c.field.as_str()))
}

/// A photo or scan added to a readable case that is still being worked (not archived).
pub(super) fn attach(
    w: &mut Draft<'_>,
    id: i64,
    name: &str,
    mime: &str,
    size: u64,
    sha256: &str,
) -> Result<()> {
    if w.before.status == Status::Closed {
        return conflict("事项已归档，不能再上传附件");
    }
    if !ATTACHMENT_TYPES.iter().any(|(t, _)| *t == mime) {
        return Err(DomainError::invalid("file", "附件只能是JPEG、PNG图片或PDF文件"));
    }
    let name = validate::single_line("file", "文件名", name, 1, 120)?;
    w.emit(CaseEvent::AttachmentAdded { id, name, mime: mime.to_owned(), size, sha256: sha256.to_owned() });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn the_type_is_read_from_the_content() {
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        for bad in [&b"<svg xmlns"[..], b"GIF89a", b"MZ\x90\0", b"PK\x03\x04", b"", b"%PDF", b"\x89PNG"] {
            assert_eq!(sniff(bad), None, "{bad:?}");
        }
    }
}
