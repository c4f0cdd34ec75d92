//! Which actions a user may take on a case now — derived from `decide` itself, so the pages
//! never restate a permission or status rule.

use chrono::TimeDelta;

use super::action::{ACTION_TABLE, Action};
use super::command::Command;
use super::decide::{Ctx, decide};
use super::types::{Case, Level, Outcome};
use crate::DomainError;

/// A representative command for `action`: payload values that are valid wherever the payload
/// itself does not decide the outcome. `None` when no such command exists (already at the top
/// level, nothing to escalate to).
fn probe(action: Action, case: &Case, ctx: &Ctx<'_>) -> Option<Command> {
    let text = || "—".to_owned();
    let some_unit = || {
        case.unit
            .clone()
            .or_else(|| ctx.units.iter().find(|u| u.handles_cases).map(|u| u.code.clone()))
            .unwrap_or_default()
    };
    Some(match action {
        Action::Accept => Command::Accept,
        Action::Dispatch => Command::Dispatch {
            unit: some_unit(),
            co_units: vec![],
            level: if case.level == Level::Window { Level::Department } else { case.level },
        },
        Action::Return => Command::Return { reason: text() },
        Action::RequestExtension => Command::RequestExtension { workdays: 1, reason: text() },
        Action::ApproveExtension => Command::ApproveExtension,
        Action::RejectExtension => Command::RejectExtension { note: text() },
        Action::Contact => Command::Contact { note: text() },
        Action::Feedback => Command::Feedback { text: text() },
        Action::Escalate => Command::Escalate {
            level: match case.level {
                Level::Window => Level::Department,
                Level::Department => Level::Joint,
                Level::Joint => Level::County,
                Level::County => return None,
            },
            reason: text(),
            due_workdays: None,
            unit: None,
            co_units: None,
        },
        Action::ProposeNegative => {
            Command::ProposeNegative { reasons: text(), basis: text(), excluded: false }
        }
        Action::ApproveNegative => Command::ApproveNegative,
        Action::RejectNegative => Command::RejectNegative { note: text() },
        Action::Resolve => Command::Resolve { outcome: Outcome::Done, reply: text() },
        Action::Confirm => Command::Confirm { by: text(), signature: None },
        Action::Verify => Command::Verify { ok: true, note: String::new() },
        Action::Visit => Command::Visit { reached: true, satisfaction: Some(5), comment: None },
        Action::Reverify => Command::Reverify { unit: some_unit(), note: text() },
        Action::Notice => Command::Notice { unit: some_unit(), person: None, fault: text(), opinion: text() },
        Action::Supervise => {
            Command::Supervise { note: text(), due: (ctx.now + TimeDelta::days(7)).date_naive() }
        }
        Action::Close => Command::Close,
        Action::Assign => {
            Command::Assign { assignee: ctx.actor.username.clone(), assignee_unit: ctx.actor.unit.clone() }
        }
        Action::Void => Command::Void { reason: text() },
        // The number and the fields are the user's: a made-up value is refused as such (422).
        Action::Merge => Command::Merge { into: String::new(), reason: text() },
        Action::Correct => Command::Correct { fields: vec![], reason: text() },
    })
}

/// The SPEC §6 actions `ctx.actor` may take on `case` now, in the action table's order: those
/// whose representative command `decide` accepts, or refuses only for its made-up payload.
pub fn available_actions(case: &Case, ctx: &Ctx<'_>) -> Vec<&'static str> {
    ACTION_TABLE
        .iter()
        .filter(|def| {
            probe(def.action, case, ctx).is_some_and(|cmd| match decide(case, &cmd, ctx) {
                Ok(_) | Err(DomainError::Invalid { .. }) => true,
                Err(_) => false,
            })
        })
        .map(|def| def.code)
        .collect()
}
