//! Which actions a user may take on a case now — derived from `decide` itself, so the pages
//! never restate a permission or status rule.

use chrono::TimeDelta;

use super::command::{ACTIONS, Command};
use super::decide::{Ctx, decide};
use super::types::{Case, Level, Outcome};
use crate::DomainError;

/// A representative command for `action`: payload values that are valid wherever the payload
/// itself does not decide the outcome. `None` when no such command exists (already at the top
/// level, nothing to escalate to).
fn probe(action: &str, case: &Case, ctx: &Ctx<'_>) -> Option<Command> {
    let text = || "—".to_owned();
    let some_unit = || case.unit.clone().or_else(|| ctx.units.first().cloned()).unwrap_or_default();
    Some(match action {
        "accept" => Command::Accept,
        "dispatch" => Command::Dispatch {
            unit: some_unit(),
            co_units: vec![],
            level: if case.level == Level::Window { Level::Department } else { case.level },
        },
        "return" => Command::Return { reason: text() },
        "request-extension" => Command::RequestExtension { workdays: 1, reason: text() },
        "approve-extension" => Command::ApproveExtension,
        "reject-extension" => Command::RejectExtension { note: text() },
        "contact" => Command::Contact { note: text() },
        "feedback" => Command::Feedback { text: text() },
        "escalate" => Command::Escalate {
            level: match case.level {
                Level::Window => Level::Department,
                Level::Department => Level::Joint,
                Level::Joint => Level::County,
                Level::County => return None,
            },
            reason: text(),
            due_workdays: None,
            unit: None,
        },
        "propose-negative" => Command::ProposeNegative { reasons: text(), basis: text(), excluded: false },
        "approve-negative" => Command::ApproveNegative,
        "reject-negative" => Command::RejectNegative { note: text() },
        "resolve" => Command::Resolve { outcome: Outcome::Done, reply: text() },
        "confirm" => Command::Confirm { by: text(), signature: None },
        "verify" => Command::Verify { ok: true, note: String::new() },
        "visit" => Command::Visit { reached: true, satisfaction: Some(5), comment: None },
        "reverify" => Command::Reverify { unit: some_unit(), note: text() },
        "notice" => Command::Notice { unit: some_unit(), person: None, fault: text(), opinion: text() },
        "supervise" => Command::Supervise { note: text(), due: (ctx.now + TimeDelta::days(7)).date_naive() },
        "close" => Command::Close,
        "assign" => {
            Command::Assign { assignee: ctx.actor.username.clone(), assignee_unit: ctx.actor.unit.clone() }
        }
        _ => return None,
    })
}

/// The SPEC §6 actions `ctx.actor` may take on `case` now, in `ACTIONS` order: those whose
/// representative command `decide` accepts, or refuses only for its made-up payload.
pub fn available_actions(case: &Case, ctx: &Ctx<'_>) -> Vec<&'static str> {
    ACTIONS
        .iter()
        .copied()
        .filter(|action| {
            probe(action, case, ctx).is_some_and(|cmd| match decide(case, &cmd, ctx) {
                Ok(_) | Err(DomainError::Invalid { .. }) => true,
                Err(_) => false,
            })
        })
        .collect()
}
