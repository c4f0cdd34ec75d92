//! The units of a center as the rules see them (SPEC §2, §7): every unit can be named in a
//! 通报, but only units that handle cases receive them (转派, 重新核实), and the county body
//! outside the center only through escalation (第四条 难点问题).

use serde::{Deserialize, Serialize};

/// One unit of a center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub code: String,
    /// Receives cases (the service areas and windows of 附件1; editable by the admin).
    pub handles_cases: bool,
    /// A body outside the center (县优化营商环境领导小组办公室): reached by escalation only.
    pub outside: bool,
}

impl OrgUnit {
    pub fn new(code: &str, handles_cases: bool, outside: bool) -> OrgUnit {
        OrgUnit { code: code.to_owned(), handles_cases, outside }
    }
}

/// What a unit is named for in a command (each has its own rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitUse {
    /// 通报 and the like: any unit of the center.
    Any,
    /// 转派, 重新核实, co-units: a unit that handles cases.
    Handling,
    /// 提级 to the county level: a unit that handles cases, or the body outside the center.
    Escalation,
}

impl UnitUse {
    pub fn admits(self, u: &OrgUnit) -> bool {
        match self {
            UnitUse::Any => true,
            UnitUse::Handling => u.handles_cases,
            UnitUse::Escalation => u.handles_cases || u.outside,
        }
    }
}
