//! Who may do what (SPEC §2): the one place the role rules live. The roles of each action are
//! columns of the action table (`action.rs`); the rules that are not an action's (who registers,
//! who reads which case, who sees full phone and ID numbers) are here.

use super::action::Action;
use super::command::Command;
use super::types::{Case, Level};
use crate::actor::{Actor, Role};
use crate::validate;
use crate::{DomainError, Result};

/// 第一条: the window's duty staff register every report; the office may too. (Online
/// submissions come from the public side, `Role::Public`.)
pub fn may_register(role: Role) -> bool {
    matches!(role, Role::Window | Role::Office)
}

/// SPEC §2: staff who read cases at all (lists, the 台账, case pages). The administrator manages
/// the system and reads no case.
pub fn may_read_cases(role: Role) -> bool {
    matches!(
        role,
        Role::Window | Role::Handler | Role::UnitLead | Role::Office | Role::Inspector | Role::Leader
    )
}

/// Refuses a role that reads no case, with the message the pages show.
pub fn require_case_reader(role: Role) -> Result<()> {
    if may_read_cases(role) { Ok(()) } else { Err(DomainError::forbidden("该角色无权查看事项")) }
}

/// SPEC §2: a handler (or unit lead) reads only cases whose lead or co-unit is theirs; the
/// administrator manages the system and reads no case; everyone else on the staff reads all.
pub fn may_read(case: &Case, actor: &Actor) -> Result<()> {
    if case.center != actor.center {
        return Err(DomainError::not_found(format!("事项 {} 不存在", case.number)));
    }
    match actor.role {
        r if r.is_unit_scoped() => {
            if case.involves(&actor.unit) {
                Ok(())
            } else {
                Err(DomainError::forbidden("该事项不属于本单位，无权查看"))
            }
        }
        Role::System => Ok(()),
        r => require_case_reader(r),
    }
}

/// The case as `actor` may see it: SPEC §3/Privacy — the full phone only for roles that contact
/// the applicant, the full ID number only for the window and the office.
pub fn view_of(case: &Case, actor: &Actor) -> Case {
    let mut c = case.clone();
    let full_phone = matches!(
        actor.role,
        Role::Window | Role::Handler | Role::UnitLead | Role::Office | Role::Inspector | Role::System
    );
    let full_id = matches!(actor.role, Role::Window | Role::Office | Role::System);
    if !full_phone {
        c.applicant.phone = validate::mask_phone(&c.applicant.phone);
    }
    if !full_id {
        c.applicant.id_number = c.applicant.id_number.as_deref().map(validate::mask_id);
    }
    c
}

/// Whether `role` may issue `cmd` at all (before unit scoping): the action table's roles; the
/// scheduler's own commands only for the system.
fn role_allowed(cmd: &Command, role: Role) -> bool {
    match (cmd.action(), cmd) {
        (Some(a), _) => a.def().roles.contains(&role),
        // Photos and scans: whoever registers or works the case.
        (None, Command::Attach { .. }) => {
            matches!(role, Role::Window | Role::Handler | Role::UnitLead | Role::Office)
        }
        (None, _) => role == Role::System,
    }
}

/// SPEC §2 for one command on one case: readable, the role allowed, lead-unit-only acts by the
/// lead unit, and the two level rules of 第四条.
pub(crate) fn check_permission(case: &Case, cmd: &Command, actor: &Actor) -> Result<()> {
    may_read(case, actor)?;
    if !role_allowed(cmd, actor.role) {
        return Err(DomainError::forbidden(format!("{}无权执行“{}”", actor.role.label(), cmd.label())));
    }
    if actor.role.is_unit_scoped()
        && cmd.action().is_some_and(|a| a.def().lead_unit_only)
        && case.unit.as_deref() != Some(actor.unit.as_str())
    {
        return Err(DomainError::forbidden(format!("只有牵头单位可以“{}”", cmd.label())));
    }
    match (cmd.action(), actor.role) {
        // The window resolves at once only 简单问题 (第四条 三级响应).
        (Some(Action::Resolve), Role::Window) if case.level != Level::Window => {
            Err(DomainError::forbidden("窗口只能办结窗口即办的简单问题，其他事项由责任单位答复"))
        }
        // Leaders decide 一事一议 and 难点 cases.
        (Some(Action::Resolve), Role::Leader) if case.level.rank() < Level::Joint.rank() => {
            Err(DomainError::forbidden("中心领导只办结一事一议或难点问题"))
        }
        _ => Ok(()),
    }
}
