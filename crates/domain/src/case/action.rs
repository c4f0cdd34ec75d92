//! The action vocabulary of SPEC §6 (`POST /api/v1/cases/{number}/{action}`): one table that the
//! API parser, the OpenAPI document, the staff forms, the templates and the permission check
//! (SPEC §2) iterate. Each row names its code, its Chinese label, the article it implements, the
//! roles that may take it and whether only the lead unit may.
//!
//! The contract test of SPEC §6 (`crates/server/tests/api/cases.rs`) keeps its own, deliberately
//! independent list of the codes, so a change here that breaks the stable interface fails there.

use crate::actor::Role;
use crate::{DomainError, Result};

macro_rules! actions {
    ($($variant:ident = $code:literal / $label:literal, $article:literal, [$($role:ident),+], $lead:literal;)+) => {
        /// One action on an existing case (SPEC §6).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Action { $($variant),+ }

        /// Every action, in the order the pages list them.
        pub const ACTION_TABLE: &[ActionDef] = &[
            $(ActionDef {
                action: Action::$variant,
                code: $code,
                label: $label,
                article: $article,
                roles: &[$(Role::$role),+],
                lead_unit_only: $lead,
            }),+
        ];
    };
}

/// A row of the action table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActionDef {
    pub action: Action,
    /// The SPEC §6 path segment.
    pub code: &'static str,
    /// 中文名称, as on buttons and in the timeline.
    pub label: &'static str,
    /// The source (or SPEC) rule the action implements.
    pub article: &'static str,
    /// SPEC §2: the roles that may take it (before unit scoping).
    pub roles: &'static [Role],
    /// Among unit-scoped roles (handler, unit lead), only the lead unit may take it; co-units may
    /// give feedback and contact the applicant.
    pub lead_unit_only: bool,
}

actions! {
    Accept = "accept" / "受理", "SPEC §4.1 网上提交待受理", [Window, Office], false;
    Dispatch = "dispatch" / "转派", "第四条 提级响应：转派责任单位", [Window, Office], false;
    Return = "return" / "退单", "SPEC §4.2 退单：非本单位职责", [Handler, UnitLead], true;
    RequestExtension = "request-extension" / "申请延期", "SPEC §4.2 延期申请", [Handler, UnitLead], true;
    ApproveExtension = "approve-extension" / "批准延期", "SPEC §4.2 延期由办公室审批", [Office], false;
    RejectExtension = "reject-extension" / "不批准延期", "SPEC §4.2 延期由办公室审批", [Office], false;
    Contact = "contact" / "联系办理对象", "第三条 全程跟踪，及时反馈当事人", [Window, Handler, UnitLead, Office], false;
    Feedback = "feedback" / "初步反馈", "第四条 3个工作日内初步反馈意见", [Handler, UnitLead, Office], false;
    Escalate = "escalate" / "提级", "第四条 提级响应服务", [Window, Office, Leader], false;
    ProposeNegative = "propose-negative" / "提交否定答复报告", "第二条 否定答复报告", [Window, Handler, UnitLead, Office], true;
    ApproveNegative = "approve-negative" / "批准否定答复", "第二条 领导小组办公室审批否定答复", [Office], false;
    RejectNegative = "reject-negative" / "退回否定答复", "第二条 领导小组办公室审批否定答复", [Office], false;
    Resolve = "resolve" / "办结答复", "四(三) 限时办结；附件3 责任窗口回复", [Window, Handler, UnitLead, Office, Leader], true;
    Confirm = "confirm" / "办理对象确认", "附件3 办理对象确认", [Window, Office], false;
    Verify = "verify" / "结果核查", "四(四) 结果核查", [Office], false;
    Visit = "visit" / "回访", "四(四)、第六条 回访", [Office, Inspector], false;
    Reverify = "reverify" / "重新核实", "第五条 重新核实", [Office], false;
    Notice = "notice" / "通报", "第五条 通报", [Office], false;
    Supervise = "supervise" / "督办", "五(三) 定期督办", [Office, Inspector, Leader], false;
    Close = "close" / "归档", "SPEC §4.6 归档备案", [Office], false;
    Assign = "assign" / "指定经办人", "SPEC §2 首席代表指定经办人", [UnitLead, Office], true;
    Correct = "correct" / "更正", "SPEC §7 更正登记信息：窗口更正本单位当日登记，办公室更正未归档事项", [Window, Office], false;
    Merge = "merge" / "合并", "SPEC §7 合并重复登记：办公室，未办结的事项", [Office], false;
    Void = "void" / "作废", "SPEC §7 作废误登记：办公室，未办结的事项", [Office], false;
}

/// The action codes in table order (for callers that need plain strings).
pub const ACTIONS: [&str; ACTION_TABLE.len()] = {
    let mut out = [""; ACTION_TABLE.len()];
    let mut i = 0;
    while i < ACTION_TABLE.len() {
        out[i] = ACTION_TABLE[i].code;
        i += 1;
    }
    out
};

impl Action {
    pub fn def(self) -> &'static ActionDef {
        ACTION_TABLE.iter().find(|d| d.action == self).expect("every action has a row")
    }
    pub fn code(self) -> &'static str {
        self.def().code
    }
    pub fn label(self) -> &'static str {
        self.def().label
    }
    /// An action by its SPEC §6 code.
    pub fn parse(code: &str) -> Result<Action> {
        ACTION_TABLE
            .iter()
            .find(|d| d.code == code)
            .map(|d| d.action)
            .ok_or_else(|| DomainError::not_found(format!("未知操作：{code}（可选 {}）", ACTIONS.join(", "))))
    }
}

/// Chinese label of an action code (`操作` for an unknown one).
pub fn action_label(code: &str) -> &'static str {
    Action::parse(code).map(Action::label).unwrap_or("操作")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_parse_back() {
        for (i, d) in ACTION_TABLE.iter().enumerate() {
            assert_eq!(ACTIONS[i], d.code);
            assert_eq!(Action::parse(d.code).unwrap(), d.action);
            assert_eq!(d.action.def(), d);
            assert!(ACTION_TABLE.iter().filter(|x| x.code == d.code).count() == 1, "{} once", d.code);
        }
        assert!(matches!(Action::parse("fly"), Err(DomainError::NotFound { .. })));
    }
}
