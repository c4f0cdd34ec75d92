//! The rules of each command, by group, so each rule of the source is found in a file named
//! after it: `dispatch.rs` (受理, 转派, 退单, 提级, 指定经办人, 问题工单), `extension.rs` (延期),
//! `negative.rs` (否定答复, 第二条), `result.rs` (联系, 初步反馈, 办结, 办理对象确认),
//! `verification.rs` (核查, 回访, 重新核实, 归档), `supervision.rs` (通报, 督办),
//! `correction.rs` (作废, 合并, 更正, 附件), and the scheduler's `tick.rs` (催办, 通报 flags,
//! recomputed deadlines).

pub(crate) mod correction;
mod dispatch;
mod extension;
mod negative;
mod result;
mod supervision;
mod tick;
mod verification;

use super::command::Command;
use super::decide::Draft;
use crate::Result;

/// Runs the rules of `cmd` on the draft (permission already checked).
pub(crate) fn run(w: &mut Draft<'_>, cmd: &Command) -> Result<()> {
    match cmd {
        Command::Accept => dispatch::accept(w, cmd),
        Command::Dispatch { unit, co_units, level } => dispatch::dispatch(w, cmd, unit, co_units, *level),
        Command::Return { reason } => dispatch::return_case(w, cmd, reason),
        Command::Escalate { level, reason, due_workdays, unit, co_units } => {
            dispatch::escalate(w, cmd, *level, reason, *due_workdays, unit.as_deref(), co_units.as_deref())
        }
        Command::Assign { assignee, assignee_unit } => dispatch::assign(w, cmd, assignee, assignee_unit),
        Command::RequestExtension { workdays, reason } => extension::request(w, cmd, *workdays, reason),
        Command::ApproveExtension => extension::decide(w, None),
        Command::RejectExtension { note } => extension::decide(w, Some(note)),
        Command::ProposeNegative { reasons, basis, excluded } => {
            negative::propose(w, reasons, basis, *excluded)
        }
        Command::ApproveNegative => negative::decide(w, cmd, None),
        Command::RejectNegative { note } => negative::decide(w, cmd, Some(note)),
        Command::Contact { note } => result::contact(w, note),
        Command::Feedback { text } => result::feedback(w, cmd, text),
        Command::Resolve { outcome, reply } => result::resolve(w, *outcome, reply),
        Command::Confirm { by, signature } => result::confirm(w, by, signature.as_deref()),
        Command::Verify { ok, note } => verification::verify(w, cmd, *ok, note),
        Command::Visit { reached, satisfaction, comment } => {
            verification::visit(w, cmd, *reached, *satisfaction, comment.as_deref())
        }
        Command::Reverify { unit, note } => verification::reverify(w, cmd, unit, note),
        Command::Close => verification::close(w, cmd),
        Command::Notice { unit, person, fault, opinion } => {
            supervision::notice(w, unit, person.as_deref(), fault, opinion)
        }
        Command::Supervise { note, due } => supervision::supervise(w, note, *due),
        Command::Void { reason } => correction::void(w, cmd, reason),
        Command::Merge { into, reason } => correction::merge(w, cmd, into, reason),
        Command::Correct { fields, reason } => correction::correct(w, fields, reason),
        Command::Attach { id, name, mime, size, sha256 } => {
            correction::attach(w, *id, name, mime, *size, sha256)
        }
        Command::Tick => {
            tick::tick(w);
            Ok(())
        }
        Command::RecomputeDeadlines => {
            tick::recompute_deadlines(w);
            Ok(())
        }
    }
}
