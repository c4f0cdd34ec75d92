//! `decide`: the one place where a command meets the rules. It checks permission (SPEC §2,
//! `permission.rs`), then hands the command to the rules of its group (`commands/`), which check
//! the transition (SPEC §4.1) and the input and emit the events to append, or refuse. The
//! events are folded (`apply.rs`) into a draft as they are emitted, so later rules see their
//! effect and the decision carries the case as it will be stored.

use chrono::{DateTime, NaiveDate, Utc};

use super::apply::{apply, record};
use super::command::Command;
use super::commands;
use super::event::CaseEvent;
use super::outbox::{Message, Notification, Recipient};
use super::permission::check_permission;
use super::types::*;
use crate::actor::Actor;
use crate::calendar::Calendar;
use crate::deadline::local_day;
use crate::policy::DeadlinePolicy;
use crate::unit::{OrgUnit, UnitUse};
use crate::{DomainError, Result};

/// What `decide` needs besides the case and the command. Time is passed in.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    pub policy: &'a DeadlinePolicy,
    pub calendar: &'a Calendar,
    /// The units of the actor's center (dispatch targets are checked against them).
    pub units: &'a [OrgUnit],
}

impl Ctx<'_> {
    pub(crate) fn today(&self) -> NaiveDate {
        local_day(self.now)
    }
}

/// The outcome of a decision: the events to append, the messages owed, and the case with the
/// events applied (what the store writes as the case row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub events: Vec<CaseEvent>,
    pub notifications: Vec<Notification>,
    pub case: Case,
}

/// Decides a command on a case: the events to append, or why not.
pub fn decide(case: &Case, cmd: &Command, ctx: &Ctx<'_>) -> Result<Decision> {
    check_permission(case, cmd, ctx.actor)?;
    // SPEC §7: a voided or merged case takes no action any more (the scheduler finds nothing).
    if case.status.is_withdrawn() && cmd.action().is_some() {
        return match &case.merged_into {
            Some(into) => conflict(format!("事项已合并至{into}，请在该事项中办理")),
            None => conflict("事项已作废，不能再办理"),
        };
    }
    let mut w = Draft::new(case, ctx);
    commands::run(&mut w, cmd)?;
    Ok(w.finish())
}

/// A decision in the making: the case before the command, a scratch copy that every emitted
/// event is folded into (so later clocks get fresh ids), and what has been decided so far.
pub(crate) struct Draft<'c> {
    /// The case as it was before the command.
    pub before: &'c Case,
    /// The case with every event emitted so far applied.
    pub case: Case,
    pub ctx: &'c Ctx<'c>,
    events: Vec<CaseEvent>,
    notifications: Vec<Notification>,
}

impl<'c> Draft<'c> {
    pub fn new(case: &'c Case, ctx: &'c Ctx<'c>) -> Self {
        Draft { before: case, case: case.clone(), ctx, events: Vec::new(), notifications: Vec::new() }
    }

    pub fn today(&self) -> NaiveDate {
        self.ctx.today()
    }

    /// The case number, for messages.
    pub fn number(&self) -> String {
        self.case.number.clone()
    }

    pub fn emit(&mut self, e: CaseEvent) {
        apply(&mut self.case, &record(e.clone(), self.ctx.actor, self.ctx.now));
        self.events.push(e);
    }

    pub fn notify(&mut self, recipient: Recipient, message: Message) {
        self.notifications.push(Notification { recipient, message });
    }

    pub fn finish(self) -> Decision {
        Decision { events: self.events, notifications: self.notifications, case: self.case }
    }
}

pub(crate) fn conflict<T>(msg: impl Into<String>) -> Result<T> {
    Err(DomainError::conflict(msg))
}

/// SPEC §4.1: the command is allowed only in these statuses (409 otherwise).
pub(crate) fn require_status(case: &Case, cmd: &Command, allowed: &[Status]) -> Result<()> {
    if allowed.contains(&case.status) {
        Ok(())
    } else {
        conflict(format!("事项当前状态为“{}”，不能“{}”", case.status.label(), cmd.label()))
    }
}

pub(crate) fn long_text(field: &'static str, label: &str, s: &str) -> Result<String> {
    crate::validate::text(field, label, s, 1, 2000)
}

/// A unit code of the center fit for `purpose` (422 naming `field` otherwise). SPEC §7: cases go
/// only to units that handle cases; the county body only by escalation.
pub(crate) fn unit_code(ctx: &Ctx<'_>, field: &'static str, code: &str, purpose: UnitUse) -> Result<String> {
    let code = code.trim();
    match ctx.units.iter().find(|u| u.code == code) {
        None => Err(DomainError::invalid(field, format!("单位代码不存在：{code}"))),
        Some(u) if !purpose.admits(u) => Err(DomainError::invalid(
            field,
            if u.outside {
                format!("{code} 是中心外单位，只能通过提级（难点问题）报送")
            } else {
                format!("{code} 不承办事项，不能转派给该单位")
            },
        )),
        Some(_) => Ok(code.to_owned()),
    }
}
