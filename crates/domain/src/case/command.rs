use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::action::Action;
use super::types::{Level, Outcome};

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
        /// 一事一议 联动会审: the co-units (`None`: unchanged).
        co_units: Option<Vec<String>>,
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
    /// 作废 a case registered by mistake (SPEC §7).
    Void {
        reason: String,
    },
    /// 合并 a duplicate into the case it repeats (SPEC §7). The case merged into is decided on
    /// with [`crate::case::absorb`].
    Merge {
        into: String,
        reason: String,
    },
    /// 更正 registration data (SPEC §7): the fields to change (`Some("")` clears an optional
    /// one), by their names in [`crate::case::REGISTRATION_FIELDS`].
    Correct {
        fields: Vec<(String, String)>,
        reason: String,
    },
    /// A photo or scan of a document, already checked and stored by the caller (its id there).
    Attach {
        id: i64,
        name: String,
        mime: String,
        size: u64,
        sha256: String,
    },
    /// Scheduler tick: 催办, 通报 flags.
    Tick,
    /// After a calendar import (SPEC §4.3): recompute open deadlines, logging each change.
    RecomputeDeadlines,
}

impl Command {
    /// The SPEC §6 action, `None` for the scheduler's own commands (tick, recompute) and for
    /// attachments (uploaded apart, `POST …/attachments`).
    pub fn action(&self) -> Option<Action> {
        Some(match self {
            Command::Accept => Action::Accept,
            Command::Dispatch { .. } => Action::Dispatch,
            Command::Return { .. } => Action::Return,
            Command::RequestExtension { .. } => Action::RequestExtension,
            Command::ApproveExtension => Action::ApproveExtension,
            Command::RejectExtension { .. } => Action::RejectExtension,
            Command::Contact { .. } => Action::Contact,
            Command::Feedback { .. } => Action::Feedback,
            Command::Escalate { .. } => Action::Escalate,
            Command::ProposeNegative { .. } => Action::ProposeNegative,
            Command::ApproveNegative => Action::ApproveNegative,
            Command::RejectNegative { .. } => Action::RejectNegative,
            Command::Resolve { .. } => Action::Resolve,
            Command::Confirm { .. } => Action::Confirm,
            Command::Verify { .. } => Action::Verify,
            Command::Visit { .. } => Action::Visit,
            Command::Reverify { .. } => Action::Reverify,
            Command::Notice { .. } => Action::Notice,
            Command::Supervise { .. } => Action::Supervise,
            Command::Close => Action::Close,
            Command::Assign { .. } => Action::Assign,
            Command::Void { .. } => Action::Void,
            Command::Merge { .. } => Action::Merge,
            Command::Correct { .. } => Action::Correct,
            Command::Attach { .. } | Command::Tick | Command::RecomputeDeadlines => return None,
        })
    }

    /// Chinese name of the command.
    pub fn label(&self) -> &'static str {
        match self {
            Command::Tick => "定时检查",
            Command::Attach { .. } => "上传附件",
            Command::RecomputeDeadlines => "重算期限",
            other => other.action().map_or("操作", Action::label),
        }
    }
}
