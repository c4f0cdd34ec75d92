use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::types::{Case, Level, Outcome};
use crate::deadline::{Deadline, Supersession};

/// What happened to a case (SPEC §4.6). Stored with `kind` as its own column and the rest as
/// the payload; actor and time live in the envelope (`RecordedEvent`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CaseEvent {
    /// 登记 (第一条): the initial state, number assigned by the store.
    Registered {
        case: Box<Case>,
    },
    Accepted {},
    Dispatched {
        unit: String,
        co_units: Vec<String>,
        level: Level,
    },
    Returned {
        reason: String,
    },
    ExtensionRequested {
        deadline_id: u32,
        workdays: u32,
        reason: String,
        new_due: NaiveDate,
    },
    ExtensionApproved {
        deadline_id: u32,
        new_due: NaiveDate,
    },
    ExtensionRejected {
        note: String,
    },
    Contacted {
        note: String,
    },
    FeedbackGiven {
        text: String,
    },
    Escalated {
        from: Level,
        to: Level,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
        /// 一事一议 联动会审: the co-units named at the escalation (`None`: unchanged).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        co_units: Option<Vec<String>>,
        /// Raised by the 问题工单 rule rather than by a person.
        #[serde(default)]
        automatic: bool,
    },
    NegativeProposed {
        reasons: String,
        basis: String,
        excluded: bool,
    },
    NegativeApproved {},
    NegativeRejected {
        note: String,
    },
    Resolved {
        outcome: Outcome,
        reply: String,
    },
    Confirmed {
        by: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        signature: Option<String>,
    },
    Verified {
        note: String,
    },
    /// 核查 not passed: back to the unit.
    SentBack {
        note: String,
    },
    Visited {
        reached: bool,
        satisfaction: Option<u8>,
        comment: Option<String>,
    },
    /// 重新核实 (第五条): back to `dispatched`, counting a reopen.
    Reopened {
        unit: String,
        note: String,
    },
    Noticed {
        unit: String,
        person: Option<String>,
        fault: String,
        opinion: String,
    },
    Closed {},
    /// 指定经办人 within the lead unit.
    Assigned {
        assignee: String,
    },
    DeadlineSet {
        deadline: Deadline,
    },
    /// The clock's act (feedback, result, reply with reasons) happened: met if by the due day.
    /// Logs written before `DeadlineSuperseded` existed closed superseded clocks this way too;
    /// `apply` reads those in the light of what caused them.
    DeadlineClosed {
        id: u32,
        met: bool,
    },
    /// A change of level, unit or round (or 作废, 合并) closed the clock before its act (SPEC §7).
    DeadlineSuperseded {
        id: u32,
        /// Whether it was still in time then.
        in_time: bool,
        by: Supersession,
    },
    DeadlineExtended {
        id: u32,
        from: NaiveDate,
        to: NaiveDate,
    },
    /// The calendar changed (an imported year or a correction): the due day moved.
    DeadlineRecomputed {
        id: u32,
        from: NaiveDate,
        to: NaiveDate,
        provisional: bool,
    },
    /// 催办, the day after a deadline passed; `contacted` tells whether the applicant had been
    /// contacted before the deadline.
    Reminded {
        deadline_id: u32,
        contacted: bool,
        /// The unit reminded (with its lead); `None`: the office (no unit had the case).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unit: Option<String>,
    },
    /// Still overdue N working days after 催办: flagged for 通报.
    NoticeFlagged {
        deadline_id: u32,
    },
    /// 问题工单.
    ProblemRaised {
        reason: String,
    },
    /// 作废: registered by mistake; the number stays, out of every queue and statistic.
    Voided {
        reason: String,
    },
    /// 合并: a duplicate merged into the case it repeats (this case stops here).
    Merged {
        into: String,
        reason: String,
    },
    /// On the case a duplicate was merged into.
    DuplicateMerged {
        number: String,
        reason: String,
    },
    /// 更正 of registration data: each field's old and new value.
    Corrected {
        changes: Vec<FieldChange>,
        reason: String,
    },
    /// A photo or scan of a document added to the case (the bytes are in the attachment store).
    AttachmentAdded {
        id: i64,
        name: String,
        mime: String,
        size: u64,
        sha256: String,
    },
}

/// One corrected field of the registration (`Corrected`): its name and values as text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldChange {
    /// The registration field (`applicant_name`, `phone`, …; see `Registration`).
    pub field: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl CaseEvent {
    pub fn kind(&self) -> &'static str {
        match self {
            CaseEvent::Registered { .. } => "registered",
            CaseEvent::Accepted {} => "accepted",
            CaseEvent::Dispatched { .. } => "dispatched",
            CaseEvent::Returned { .. } => "returned",
            CaseEvent::ExtensionRequested { .. } => "extension_requested",
            CaseEvent::ExtensionApproved { .. } => "extension_approved",
            CaseEvent::ExtensionRejected { .. } => "extension_rejected",
            CaseEvent::Contacted { .. } => "contacted",
            CaseEvent::FeedbackGiven { .. } => "feedback_given",
            CaseEvent::Escalated { .. } => "escalated",
            CaseEvent::NegativeProposed { .. } => "negative_proposed",
            CaseEvent::NegativeApproved {} => "negative_approved",
            CaseEvent::NegativeRejected { .. } => "negative_rejected",
            CaseEvent::Resolved { .. } => "resolved",
            CaseEvent::Confirmed { .. } => "confirmed",
            CaseEvent::Verified { .. } => "verified",
            CaseEvent::SentBack { .. } => "sent_back",
            CaseEvent::Visited { .. } => "visited",
            CaseEvent::Reopened { .. } => "reopened",
            CaseEvent::Noticed { .. } => "noticed",
            CaseEvent::Closed {} => "closed",
            CaseEvent::Assigned { .. } => "assigned",
            CaseEvent::DeadlineSet { .. } => "deadline_set",
            CaseEvent::DeadlineClosed { .. } => "deadline_closed",
            CaseEvent::DeadlineExtended { .. } => "deadline_extended",
            CaseEvent::DeadlineRecomputed { .. } => "deadline_recomputed",
            CaseEvent::Reminded { .. } => "reminded",
            CaseEvent::NoticeFlagged { .. } => "notice_flagged",
            CaseEvent::ProblemRaised { .. } => "problem_raised",
            CaseEvent::DeadlineSuperseded { .. } => "deadline_superseded",
            CaseEvent::Voided { .. } => "voided",
            CaseEvent::Merged { .. } => "merged",
            CaseEvent::DuplicateMerged { .. } => "duplicate_merged",
            CaseEvent::Corrected { .. } => "corrected",
            CaseEvent::AttachmentAdded { .. } => "attachment_added",
        }
    }

    /// Chinese label for the timeline.
    pub fn label(&self) -> &'static str {
        match self {
            CaseEvent::Registered { .. } => "登记",
            CaseEvent::Accepted {} => "受理",
            CaseEvent::Dispatched { .. } => "转派",
            CaseEvent::Returned { .. } => "退单",
            CaseEvent::ExtensionRequested { .. } => "申请延期",
            CaseEvent::ExtensionApproved { .. } => "批准延期",
            CaseEvent::ExtensionRejected { .. } => "不批准延期",
            CaseEvent::Contacted { .. } => "联系办理对象",
            CaseEvent::FeedbackGiven { .. } => "初步反馈",
            CaseEvent::Escalated { .. } => "提级",
            CaseEvent::NegativeProposed { .. } => "否定答复报告",
            CaseEvent::NegativeApproved {} => "批准否定答复",
            CaseEvent::NegativeRejected { .. } => "退回否定答复",
            CaseEvent::Resolved { .. } => "办结答复",
            CaseEvent::Confirmed { .. } => "办理对象确认",
            CaseEvent::Verified { .. } => "核查通过",
            CaseEvent::SentBack { .. } => "核查退回",
            CaseEvent::Visited { .. } => "回访",
            CaseEvent::Reopened { .. } => "重新核实",
            CaseEvent::Noticed { .. } => "通报",
            CaseEvent::Closed {} => "归档",
            CaseEvent::Assigned { .. } => "指定经办人",
            CaseEvent::DeadlineSet { .. } => "设定期限",
            CaseEvent::DeadlineClosed { .. } => "期限结束",
            CaseEvent::DeadlineExtended { .. } => "期限延长",
            CaseEvent::DeadlineRecomputed { .. } => "期限重算",
            CaseEvent::Reminded { .. } => "催办",
            CaseEvent::NoticeFlagged { .. } => "列入通报",
            CaseEvent::ProblemRaised { .. } => "问题工单",
            CaseEvent::DeadlineSuperseded { .. } => "期限终止",
            CaseEvent::Voided { .. } => "作废",
            CaseEvent::Merged { .. } => "合并至其他事项",
            CaseEvent::DuplicateMerged { .. } => "合并重复登记",
            CaseEvent::Corrected { .. } => "更正登记信息",
            CaseEvent::AttachmentAdded { .. } => "上传附件",
        }
    }

    /// Bookkeeping that follows an action (a clock set, closed or moved): the timeline folds it
    /// under the action that caused it.
    pub fn is_bookkeeping(&self) -> bool {
        matches!(
            self,
            CaseEvent::DeadlineSet { .. }
                | CaseEvent::DeadlineClosed { .. }
                | CaseEvent::DeadlineSuperseded { .. }
                | CaseEvent::DeadlineExtended { .. }
                | CaseEvent::DeadlineRecomputed { .. }
        )
    }

    /// Splits into (kind, payload) for storage.
    pub fn to_parts(&self) -> (&'static str, serde_json::Value) {
        let mut v = serde_json::to_value(self).expect("events serialize");
        if let Some(obj) = v.as_object_mut() {
            obj.remove("kind");
        }
        (self.kind(), v)
    }

    /// Rebuilds an event from its stored kind and payload.
    pub fn from_parts(kind: &str, payload: &serde_json::Value) -> Result<CaseEvent, serde_json::Error> {
        let mut v = payload.clone();
        if let Some(obj) = v.as_object_mut() {
            obj.insert("kind".into(), serde_json::Value::String(kind.into()));
        }
        serde_json::from_value(v)
    }
}

/// An event with its envelope: who and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedEvent {
    pub event: CaseEvent,
    pub actor: String,
    pub actor_role: String,
    pub actor_unit: String,
    pub at: DateTime<Utc>,
}
