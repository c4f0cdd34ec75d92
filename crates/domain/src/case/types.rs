use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::deadline::{Deadline, DeadlineKind};
use crate::{DomainError, Result};

macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident, $field:literal, $what:literal { $($variant:ident = $code:literal / $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            /// Stable machine code (SPEC §6).
            pub fn code(self) -> &'static str { match self { $($name::$variant => $code),+ } }
            /// Chinese label for people.
            pub fn label(self) -> &'static str { match self { $($name::$variant => $label),+ } }
            pub fn parse(s: &str) -> Result<$name> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err(DomainError::invalid(
                        $field,
                        format!(concat!($what, "不正确：{}（可选 {}）"), s, [$($code),+].join(", ")),
                    )),
                }
            }
        }
    };
}

code_enum!(
    /// SPEC §4.1 statuses (plus `returned`, 退单待重派).
    Status, "status", "状态" {
        Submitted = "submitted" / "待受理",
        Accepted = "accepted" / "已受理",
        Dispatched = "dispatched" / "办理中",
        Returned = "returned" / "已退单",
        NegativePending = "negative_pending" / "否定答复待审",
        Resolved = "resolved" / "已办结",
        Verified = "verified" / "已核查",
        Closed = "closed" / "已归档",
        Voided = "voided" / "已作废",
        Merged = "merged" / "已合并",
    }
);

impl Status {
    /// 在办: the statuses with an outstanding obligation to the applicant (deadlines run, 督办
    /// possible). The one definition of "open" that queues, filters and rules use.
    pub const OPEN: [Status; 5] =
        [Status::Submitted, Status::Accepted, Status::Returned, Status::Dispatched, Status::NegativePending];

    pub fn is_open(self) -> bool {
        Self::OPEN.contains(&self)
    }

    /// The codes of the statuses that are not open (a reply has been given, or the case was
    /// voided or merged).
    pub fn not_open_codes() -> Vec<&'static str> {
        Self::ALL.iter().filter(|s| !s.is_open()).map(|s| s.code()).collect()
    }

    /// SPEC §7: a voided or merged case has left the record's work: no action applies to it and
    /// it counts in no queue or statistic (its number stays in the ledger).
    pub fn is_withdrawn(self) -> bool {
        matches!(self, Status::Voided | Status::Merged)
    }
}

code_enum!(
    /// SPEC §4.2 提级响应服务 levels (第四条).
    Level, "level", "响应级别" {
        Window = "window" / "三级响应（窗口即办）",
        Department = "department" / "二级响应（转派部门）",
        Joint = "joint" / "一级响应（一事一议）",
        County = "county" / "难点问题（报县领导小组）",
    }
);

impl Level {
    pub fn rank(self) -> u8 {
        match self {
            Level::Window => 0,
            Level::Department => 1,
            Level::Joint => 2,
            Level::County => 3,
        }
    }
}

code_enum!(
    Channel, "channel", "反映渠道" {
        Window = "window" / "窗口",
        Online = "online" / "网上",
        Phone = "phone" / "电话",
        Hotline = "hotline" / "12345转办",
    }
);

code_enum!(
    /// SPEC §3 problem categories (三、工作对象: 未能成功受理、成功审批或多次未能解决).
    Category, "category", "问题类别" {
        NotAccepted = "not_accepted" / "未能受理",
        NotApproved = "not_approved" / "未能审批",
        ManyTrips = "many_trips" / "多次跑路未办结",
        OnlineFailed = "online_failed" / "网上办理失败",
        Other = "other" / "其他",
    }
);

code_enum!(
    ApplicantKind, "applicant_type", "办理对象类型" {
        Person = "person" / "个人",
        Enterprise = "enterprise" / "企业",
    }
);

code_enum!(
    Outcome, "outcome", "办理结果" {
        Done = "done" / "已办成",
        Explained = "explained" / "不能办理，已释因",
    }
);

/// 好差评 five levels (SPEC §4.5), best first: 5 = 非常满意 … 1 = 非常不满意.
pub const SATISFACTION_LEVELS: [(u8, &str); 5] =
    [(5, "非常满意"), (4, "满意"), (3, "基本满意"), (2, "不满意"), (1, "非常不满意")];

pub fn satisfaction_label(s: u8) -> &'static str {
    SATISFACTION_LEVELS.iter().find(|(n, _)| *n == s).map_or("未评价", |(_, l)| l)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applicant {
    pub name: String,
    pub phone: String,
    #[serde(default)]
    pub kind: Option<ApplicantKind>,
    #[serde(default)]
    pub id_number: Option<String>,
    #[serde(default)]
    pub enterprise_name: Option<String>,
    #[serde(default)]
    pub credit_code: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stamp {
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Pending,
    Approved,
    Rejected,
}

/// 第二条 否定答复报告.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NegativeReport {
    pub reasons: String,
    pub basis: String,
    /// 涉法、涉诉、涉访 or contrary to policy (三、工作对象): out of scope, marked excluded.
    #[serde(default)]
    pub excluded: bool,
    pub proposed: Stamp,
    /// Status to return to once decided.
    pub from_status: Status,
    pub state: ReportState,
    #[serde(default)]
    pub decided: Option<Stamp>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    pub deadline_id: u32,
    pub workdays: u32,
    pub reason: String,
    pub requested: Stamp,
    pub new_due: NaiveDate,
    pub state: ReportState,
    #[serde(default)]
    pub decided: Option<Stamp>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub reached: bool,
    pub satisfaction: Option<u8>,
    pub comment: Option<String>,
    pub by: Stamp,
    pub role: String,
    /// SPEC §4.5 抽查回访: a sampled visit on an archived case, apart from the regular one.
    #[serde(default)]
    pub sampled: bool,
    /// The round (reopens so far) it was made in.
    #[serde(default)]
    pub round: u32,
}

/// One 办结答复: the result of one round, kept when the case is reopened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resolution {
    pub round: u32,
    pub outcome: Outcome,
    pub level: Level,
    /// The lead unit that replied (none for the window's own 即办 cases).
    #[serde(default)]
    pub unit: Option<String>,
    pub by: Stamp,
    /// The reply to the applicant (附件3 回复、处理情况), as given in that round.
    #[serde(default)]
    pub reply: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub unit: String,
    pub person: Option<String>,
    pub fault: String,
    pub opinion: String,
    pub by: Stamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub text: String,
    pub by: Stamp,
    pub unit: String,
}

/// A photo or scan of a document on the case (its bytes are in the attachment store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub id: i64,
    pub name: String,
    pub mime: String,
    pub size: u64,
    pub sha256: String,
    pub by: Stamp,
}

/// The case as derived from its events (SPEC §4.6). Stored as JSON beside the events.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Case {
    pub number: String,
    pub center: String,
    pub status: Status,
    pub level: Level,
    pub channel: Channel,
    pub applicant: Applicant,
    pub description: String,
    #[serde(default)]
    pub matter: Option<String>,
    /// Unit (window) where the matter failed, free text or a unit code.
    #[serde(default)]
    pub failed_unit: Option<String>,
    #[serde(default)]
    pub category: Option<Category>,
    /// 受理人员 (username) and their unit; 受理时间.
    pub received_by: String,
    pub received_unit: String,
    pub received_at: DateTime<Utc>,
    /// Lead unit (牵头/责任单位) and co-units (协办).
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub co_units: Vec<String>,
    /// 经办人 of the lead unit, when the unit lead has assigned one.
    #[serde(default)]
    pub assignee: Option<String>,
    /// Last 转派 / 重新核实 time: the 四(三) 3-day negative reply counts from it.
    #[serde(default)]
    pub dispatched_at: Option<DateTime<Utc>>,
    /// Every unit the case has been dispatched to, in order (for the 问题工单 rule).
    #[serde(default)]
    pub unit_history: Vec<String>,
    #[serde(default)]
    pub deadlines: Vec<Deadline>,
    #[serde(default)]
    pub reopen_count: u32,
    /// The round of clocks: 1 + every 重新核实 and 核查 sent back so far, counted from 0 (SPEC §7:
    /// each opens a new round whose clocks start then).
    #[serde(default)]
    pub round: u32,
    #[serde(default)]
    pub outcome: Option<Outcome>,
    /// 责任窗口（单位）回复、处理情况 with 经办人员 sign-off.
    #[serde(default)]
    pub reply: Option<Note>,
    #[serde(default)]
    pub feedback: Vec<Note>,
    #[serde(default)]
    pub negative: Option<NegativeReport>,
    #[serde(default)]
    pub extension: Option<ExtensionRequest>,
    /// 办理对象确认.
    #[serde(default)]
    pub confirmation: Option<Stamp>,
    /// The applicant's name, phone or description was corrected after they confirmed: their
    /// confirmation is asked for again.
    #[serde(default)]
    pub reconfirm: bool,
    #[serde(default)]
    pub contacts: Vec<Note>,
    #[serde(default)]
    pub verification: Option<Note>,
    #[serde(default)]
    pub visits: Vec<Visit>,
    #[serde(default)]
    pub notices: Vec<Notice>,
    /// 退单 reason, while returned.
    #[serde(default)]
    pub returned: Option<Note>,
    /// Why the case was last sent back to 重新核实 (第五条): the office's note or the applicant's
    /// complaint.
    #[serde(default)]
    pub reopened: Option<Note>,
    /// 问题工单 (raised automatically).
    #[serde(default)]
    pub problem: bool,
    /// Flagged for 通报 by the scheduler.
    #[serde(default)]
    pub notice_flag: bool,
    /// Out of scope (涉法、涉诉、涉访…), with the approved reason.
    #[serde(default)]
    pub excluded: Option<String>,
    /// Earlier cases of the same applicant about the same matter; trips = linked + 1.
    #[serde(default)]
    pub repeat_of: Vec<String>,
    /// Every 办结答复, one per round, oldest first.
    #[serde(default)]
    pub resolutions: Vec<Resolution>,
    /// 作废 or 合并: why (and, merged, into which case).
    #[serde(default)]
    pub withdrawn: Option<Note>,
    #[serde(default)]
    pub merged_into: Option<String>,
    /// Duplicates merged into this case.
    #[serde(default)]
    pub merged_from: Vec<String>,
    #[serde(default)]
    pub attachments: Vec<Attachment>,
}

impl Case {
    pub fn trips(&self) -> u32 {
        self.repeat_of.len() as u32 + 1
    }

    pub fn open_deadlines(&self) -> impl Iterator<Item = &Deadline> {
        self.deadlines.iter().filter(|d| d.is_open())
    }

    pub fn open_deadline(&self, kind: DeadlineKind) -> Option<&Deadline> {
        self.deadlines.iter().find(|d| d.kind == kind && d.is_open())
    }

    /// Earliest due day among open deadlines.
    pub fn next_due(&self) -> Option<NaiveDate> {
        self.open_deadlines().map(|d| d.due).min()
    }

    /// Whether `unit` is the lead or a co-unit.
    pub fn involves(&self, unit: &str) -> bool {
        self.unit.as_deref() == Some(unit) || self.co_units.iter().any(|u| u == unit)
    }

    /// The lead unit and co-units.
    pub fn units(&self) -> Vec<String> {
        let mut v: Vec<String> = self.unit.iter().cloned().collect();
        for u in &self.co_units {
            if !v.contains(u) {
                v.push(u.clone());
            }
        }
        v
    }

    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        self.status.is_open() && self.open_deadlines().any(|d| d.due < today)
    }
}
