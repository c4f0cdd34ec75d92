//! Roles and who may do what (SPEC §2). The permission table lives in `case::decide`
//! (`check_permission`) next to the transitions it guards.

use serde::{Deserialize, Serialize};

use crate::{DomainError, Result};

/// SPEC §2 roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 窗口值班人员 (and the office's 联络员 at the window).
    Window,
    /// 责任窗口经办人.
    Handler,
    /// 窗口首席代表.
    UnitLead,
    /// 领导小组办公室 (in 业务股).
    Office,
    /// 督查股.
    Inspector,
    /// 中心领导 (组长 / 副组长).
    Leader,
    /// 系统管理员.
    Admin,
    /// The background scheduler (催办, 通报 flags, 问题工单).
    System,
    /// 群众/企业 through the public side.
    Public,
}

impl Role {
    pub const STAFF: [Role; 7] = [
        Role::Window,
        Role::Handler,
        Role::UnitLead,
        Role::Office,
        Role::Inspector,
        Role::Leader,
        Role::Admin,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Window => "window",
            Role::Handler => "handler",
            Role::UnitLead => "unit_lead",
            Role::Office => "office",
            Role::Inspector => "inspector",
            Role::Leader => "leader",
            Role::Admin => "admin",
            Role::System => "system",
            Role::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Result<Role> {
        Ok(match s {
            "window" => Role::Window,
            "handler" => Role::Handler,
            "unit_lead" => Role::UnitLead,
            "office" => Role::Office,
            "inspector" => Role::Inspector,
            "leader" => Role::Leader,
            "admin" => Role::Admin,
            "system" => Role::System,
            "public" => Role::Public,
            _ => {
                return Err(DomainError::invalid(
                    "role",
                    format!(
                        "角色不正确：{s}（可选 window, handler, unit_lead, office, inspector, leader, admin）"
                    ),
                ));
            }
        })
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Window => "窗口值班人员",
            Role::Handler => "责任窗口经办人",
            Role::UnitLead => "窗口首席代表",
            Role::Office => "领导小组办公室",
            Role::Inspector => "督查股",
            Role::Leader => "中心领导",
            Role::Admin => "系统管理员",
            Role::System => "系统",
            Role::Public => "群众/企业",
        }
    }

    /// SPEC §2: handlers and unit leads are scoped to their own unit's cases.
    pub fn is_unit_scoped(self) -> bool {
        matches!(self, Role::Handler | Role::UnitLead)
    }
}

/// Who is acting: the logged-in user, their role and unit, and their center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub username: String,
    pub role: Role,
    pub unit: String,
    pub center: String,
}

impl Actor {
    pub fn system(center: &str) -> Actor {
        Actor { username: "system".into(), role: Role::System, unit: String::new(), center: center.into() }
    }

    pub fn public(center: &str) -> Actor {
        Actor { username: "public".into(), role: Role::Public, unit: String::new(), center: center.into() }
    }
}
