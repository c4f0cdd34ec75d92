//! 受理, 转派 and 提级 (第四条 提级响应服务), 退单 and 指定经办人 (SPEC §2, §4.2), and the
//! 问题工单 rule that raises a case that keeps failing.

use crate::actor::Role;
use crate::case::clocks::LEVEL_CLOCKS;
use crate::case::clocks::new_deadline;
use crate::case::command::Command;
use crate::case::decide::{Ctx, Draft, long_text, require_status, unit_code};
use crate::case::event::CaseEvent;
use crate::case::outbox::{Message, Recipient};
use crate::case::types::*;
use crate::deadline::{DeadlineKind, Supersession};
use crate::unit::UnitUse;
use crate::{DomainError, Result};

/// Co-units (协办) of a lead unit: units that handle cases, without the lead or repeats.
fn co_units_of(ctx: &Ctx<'_>, lead: &str, co_units: &[String]) -> Result<Vec<String>> {
    let mut cos = Vec::new();
    for c in co_units {
        let c = unit_code(ctx, "co_units", c, UnitUse::Handling)?;
        if c != lead && !cos.contains(&c) {
            cos.push(c);
        }
    }
    Ok(cos)
}

/// SPEC §4.1: an online submission is accepted; the window's clock starts (第四条 窗口即办).
pub(super) fn accept(w: &mut Draft<'_>, cmd: &Command) -> Result<()> {
    require_status(w.before, cmd, &[Status::Submitted])?;
    w.emit(CaseEvent::Accepted {});
    w.set_clock(DeadlineKind::Result, w.ctx.policy.window_result);
    Ok(())
}

/// 第四条: 转派 to a lead unit (and co-units) at a level above the window's; the level's clocks
/// start now.
pub(super) fn dispatch(
    w: &mut Draft<'_>,
    cmd: &Command,
    unit: &str,
    co_units: &[String],
    level: Level,
) -> Result<()> {
    let (case, ctx) = (w.before, w.ctx);
    require_status(case, cmd, &[Status::Accepted, Status::Returned, Status::Dispatched])?;
    if level == Level::Window {
        return Err(DomainError::invalid("level", "转派的响应级别应为 department、joint 或 county"));
    }
    if level.rank() < case.level.rank() {
        return Err(DomainError::invalid("level", "转派不能降低响应级别"));
    }
    // SPEC §7: only to units that handle cases (the county body only through escalation).
    let unit = unit_code(ctx, "unit", unit, UnitUse::Handling)?;
    let cos = co_units_of(ctx, &unit, co_units)?;
    w.emit(CaseEvent::Dispatched { unit: unit.clone(), co_units: cos.clone(), level });
    w.start_level_clocks(level, None, Supersession::Dispatch);
    for u in std::iter::once(&unit).chain(cos.iter()) {
        w.notify(Recipient::Unit(u.clone()), Message::Dispatched { number: w.number() });
    }
    problem_rule(w);
    Ok(())
}

/// SPEC §4.2 退单: the unit is not responsible; the office reassigns. The unit's clocks are
/// superseded (SPEC §7: a change of unit); the reassignment starts new ones.
pub(super) fn return_case(w: &mut Draft<'_>, cmd: &Command, reason: &str) -> Result<()> {
    require_status(w.before, cmd, &[Status::Dispatched])?;
    let reason = long_text("reason", "退单理由", reason)?;
    w.emit(CaseEvent::Returned { reason });
    w.supersede_clocks(&LEVEL_CLOCKS, Supersession::Return);
    w.notify(Recipient::Role(Role::Office), Message::Returned { number: w.number() });
    Ok(())
}

/// 第四条 提级: to a higher level, with a reason; the new level's clocks start at the escalation.
/// 一事一议 联动会审 may name its co-units; 难点问题 goes to the county body outside the center.
pub(super) fn escalate(
    w: &mut Draft<'_>,
    cmd: &Command,
    level: Level,
    reason: &str,
    due_workdays: Option<u32>,
    unit: Option<&str>,
    co_units: Option<&[String]>,
) -> Result<()> {
    let (case, ctx) = (w.before, w.ctx);
    require_status(case, cmd, &[Status::Accepted, Status::Returned, Status::Dispatched])?;
    if level.rank() <= case.level.rank() {
        return Err(DomainError::invalid("level", "提级应高于当前响应级别"));
    }
    if let Some(n) = due_workdays
        && (n == 0 || n > ctx.policy.max_county_term)
    {
        return Err(DomainError::invalid(
            "due_workdays",
            format!("期限应为1至{}个工作日", ctx.policy.max_county_term),
        ));
    }
    let reason = long_text("reason", "提级理由", reason)?;
    let purpose = if level == Level::County { UnitUse::Escalation } else { UnitUse::Handling };
    let unit = unit.map(|u| unit_code(ctx, "unit", u, purpose)).transpose()?;
    let lead = unit.clone().or_else(|| case.unit.clone()).unwrap_or_default();
    let co_units = co_units.map(|c| co_units_of(ctx, &lead, c)).transpose()?;
    w.emit(CaseEvent::Escalated { from: case.level, to: level, reason, unit, co_units, automatic: false });
    w.start_level_clocks(level, due_workdays, Supersession::Escalation);
    problem_rule(w);
    Ok(())
}

/// SPEC §2: the unit lead names a 经办人 of the lead unit.
pub(super) fn assign(w: &mut Draft<'_>, cmd: &Command, assignee: &str, assignee_unit: &str) -> Result<()> {
    let case = w.before;
    require_status(case, cmd, &[Status::Dispatched, Status::NegativePending])?;
    if case.unit.as_deref() != Some(assignee_unit) {
        return Err(DomainError::invalid("assignee", "经办人应为牵头单位的工作人员"));
    }
    w.emit(CaseEvent::Assigned { assignee: assignee.to_owned() });
    w.notify(Recipient::User(assignee.to_owned()), Message::Assigned { number: w.number() });
    Ok(())
}

/// SPEC §4.2 practice: 问题工单 — reopened N times, or through N units without a result,
/// is raised to `joint` automatically and put under 督办.
pub(crate) fn problem_rule(w: &mut Draft<'_>) {
    let p = w.ctx.policy;
    if w.case.problem || w.case.outcome.is_some() && w.case.status != Status::Dispatched {
        return;
    }
    let mut units: Vec<&String> = Vec::new();
    for u in &w.case.unit_history {
        if !units.contains(&u) {
            units.push(u);
        }
    }
    let reason = if w.case.reopen_count >= p.problem_reopens {
        format!("重办{}次", w.case.reopen_count)
    } else if units.len() as u32 >= p.problem_units {
        format!("经{}个单位办理仍未解决", units.len())
    } else {
        return;
    };
    w.emit(CaseEvent::ProblemRaised { reason: reason.clone() });
    if w.case.level.rank() < Level::Joint.rank() {
        let from = w.case.level;
        w.emit(CaseEvent::Escalated {
            from,
            to: Level::Joint,
            reason: format!("问题工单：{reason}"),
            unit: None,
            co_units: None,
            automatic: true,
        });
        w.start_level_clocks(Level::Joint, None, Supersession::Escalation);
    }
    let mut dl = new_deadline(&w.case, w.ctx, DeadlineKind::Supervision, p.joint_result);
    dl.note = Some(format!("问题工单自动督办：{reason}"));
    w.emit(CaseEvent::DeadlineSet { deadline: dl });
    for role in [Role::Office, Role::Leader] {
        w.notify(Recipient::Role(role), Message::Problem { number: w.number(), reason: reason.clone() });
    }
}
