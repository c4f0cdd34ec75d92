use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::types::{ApplicantKind, Category, Channel, Level, Outcome};

/// Registration input (登记, 附件3 fields plus SPEC §3's optional ones), as given by a person.
/// Validated by `case::register`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub applicant_name: String,
    pub phone: String,
    pub description: String,
    #[serde(default)]
    pub channel: Option<String>,
    #[serde(default)]
    pub applicant_type: Option<String>,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub enterprise_name: Option<String>,
    #[serde(default)]
    pub credit_code: Option<String>,
    #[serde(default)]
    pub matter: Option<String>,
    #[serde(default)]
    pub failed_unit: Option<String>,
    #[serde(default)]
    pub category: Option<String>,
}

/// The validated, typed form of `Registration`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ValidRegistration {
    pub applicant_name: String,
    pub phone: String,
    pub description: String,
    pub channel: Channel,
    pub applicant_type: Option<ApplicantKind>,
    pub id_number: Option<String>,
    pub enterprise_name: Option<String>,
    pub credit_code: Option<String>,
    pub matter: Option<String>,
    pub failed_unit: Option<String>,
    pub category: Option<Category>,
}

/// One action on an existing case (SPEC §6 `POST /api/v1/cases/{number}/{action}`).
/// Free text is validated in `decide`; codes are parsed into types by the adapters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// 受理 an online submission.
    Accept,
    /// 转派 to a lead unit with optional co-units, at a level above `window`.
    Dispatch {
        unit: String,
        co_units: Vec<String>,
        level: Level,
    },
    /// 退单: the unit is not responsible.
    Return {
        reason: String,
    },
    /// 延期申请 before the result deadline.
    RequestExtension {
        workdays: u32,
        reason: String,
    },
    ApproveExtension,
    RejectExtension {
        note: String,
    },
    /// The applicant was contacted (must happen before a deadline is missed).
    Contact {
        note: String,
    },
    /// 初步反馈意见 (第四条).
    Feedback {
        text: String,
    },
    /// 提级.
    Escalate {
        level: Level,
        reason: String,
        due_workdays: Option<u32>,
        unit: Option<String>,
    },
    /// 否定答复报告 (第二条).
    ProposeNegative {
        reasons: String,
        basis: String,
        excluded: bool,
    },
    ApproveNegative,
    RejectNegative {
        note: String,
    },
    /// 办结: reply to the applicant.
    Resolve {
        outcome: Outcome,
        reply: String,
    },
    /// 办理对象确认 (附件3), optionally with a drawn signature (data URL).
    Confirm {
        by: String,
        signature: Option<String>,
    },
    /// 核查 (四(四)).
    Verify {
        ok: bool,
        note: String,
    },
    /// 回访 (四(四), 第六条).
    Visit {
        reached: bool,
        satisfaction: Option<u8>,
        comment: Option<String>,
    },
    /// 重新核实 (第五条).
    Reverify {
        unit: String,
        note: String,
    },
    /// 通报 (第五条).
    Notice {
        unit: String,
        person: Option<String>,
        fault: String,
        opinion: String,
    },
    /// 督办 (五(三)).
    Supervise {
        note: String,
        due: NaiveDate,
    },
    /// 归档.
    Close,
    /// SPEC §2: the unit lead assigns the case to a 经办人 of the unit. `assignee_unit` is the
    /// assignee's unit as looked up by the caller.
    Assign {
        assignee: String,
        assignee_unit: String,
    },
    /// Scheduler tick: 催办, 通报 flags.
    Tick,
    /// After a calendar import (SPEC §4.3): recompute open deadlines, logging each change.
    RecomputeDeadlines,
}

impl Command {
    /// The action name of SPEC §6.
    pub fn action(&self) -> &'static str {
        match self {
            Command::Accept => "accept",
            Command::Dispatch { .. } => "dispatch",
            Command::Return { .. } => "return",
            Command::RequestExtension { .. } => "request-extension",
            Command::ApproveExtension => "approve-extension",
            Command::RejectExtension { .. } => "reject-extension",
            Command::Contact { .. } => "contact",
            Command::Feedback { .. } => "feedback",
            Command::Escalate { .. } => "escalate",
            Command::ProposeNegative { .. } => "propose-negative",
            Command::ApproveNegative => "approve-negative",
            Command::RejectNegative { .. } => "reject-negative",
            Command::Resolve { .. } => "resolve",
            Command::Confirm { .. } => "confirm",
            Command::Verify { .. } => "verify",
            Command::Visit { .. } => "visit",
            Command::Reverify { .. } => "reverify",
            Command::Notice { .. } => "notice",
            Command::Supervise { .. } => "supervise",
            Command::Close => "close",
            Command::Assign { .. } => "assign",
            Command::Tick => "tick",
            Command::RecomputeDeadlines => "recompute-deadlines",
        }
    }

    /// Chinese name of the action.
    pub fn label(&self) -> &'static str {
        action_label(self.action())
    }
}

/// All actions of SPEC §6 (without the scheduler's tick).
pub const ACTIONS: [&str; 21] = [
    "accept",
    "dispatch",
    "return",
    "request-extension",
    "approve-extension",
    "reject-extension",
    "contact",
    "feedback",
    "escalate",
    "propose-negative",
    "approve-negative",
    "reject-negative",
    "resolve",
    "confirm",
    "verify",
    "visit",
    "reverify",
    "notice",
    "supervise",
    "close",
    "assign",
];

pub fn action_label(action: &str) -> &'static str {
    match action {
        "accept" => "受理",
        "dispatch" => "转派",
        "return" => "退单",
        "request-extension" => "申请延期",
        "approve-extension" => "批准延期",
        "reject-extension" => "不批准延期",
        "contact" => "联系办理对象",
        "feedback" => "初步反馈",
        "escalate" => "提级",
        "propose-negative" => "提交否定答复报告",
        "approve-negative" => "批准否定答复",
        "reject-negative" => "退回否定答复",
        "resolve" => "办结答复",
        "confirm" => "办理对象确认",
        "verify" => "结果核查",
        "visit" => "回访",
        "reverify" => "重新核实",
        "notice" => "通报",
        "supervise" => "督办",
        "close" => "归档",
        "assign" => "指定经办人",
        "tick" => "定时检查",
        "recompute-deadlines" => "重算期限",
        _ => "操作",
    }
}
