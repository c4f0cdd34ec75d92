//! Deadlines (SPEC §4.2, §4.3): named clocks on a case, due at the end (23:59:59 Asia/Shanghai)
//! of a working day. A clock ends in one of three ways (SPEC §7): met or missed when its act
//! happens (a feedback, a result, a reply with reasons) by or after its due day, or superseded
//! when a change of level, unit or round closes it first. Only met counts as on time.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;

/// China Standard Time; no DST since 1991.
pub fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// The Asia/Shanghai calendar day of an instant.
pub fn local_day(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&shanghai()).date_naive()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadlineKind {
    /// 初步反馈 (第四条: 3 working days for 复杂问题).
    FirstFeedback,
    /// 解决/办结 (window: same day; department: 5; joint: 7).
    Result,
    /// 完全不能办理: 回复释因 within 3 working days (四(三)).
    NegativeReply,
    /// 难点问题: reply with reasons to the county body's term (第四条).
    CountyReply,
    /// 督办 by leaders or 督查股 (SPEC §4.5).
    Supervision,
}

impl DeadlineKind {
    pub const ALL: [DeadlineKind; 5] = [
        DeadlineKind::FirstFeedback,
        DeadlineKind::Result,
        DeadlineKind::NegativeReply,
        DeadlineKind::CountyReply,
        DeadlineKind::Supervision,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DeadlineKind::FirstFeedback => "first_feedback",
            DeadlineKind::Result => "result",
            DeadlineKind::NegativeReply => "negative_reply",
            DeadlineKind::CountyReply => "county_reply",
            DeadlineKind::Supervision => "supervision",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            DeadlineKind::FirstFeedback => "初步反馈",
            DeadlineKind::Result => "办结",
            DeadlineKind::NegativeReply => "不能办理释因回复",
            DeadlineKind::CountyReply => "县领导小组回复释因",
            DeadlineKind::Supervision => "督办",
        }
    }
}

/// One clock of a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadline {
    /// 1-based, unique within the case.
    pub id: u32,
    pub kind: DeadlineKind,
    pub due: NaiveDate,
    /// Computed on weekends only because the year's schedule is not imported (SPEC §4.3).
    pub provisional: bool,
    /// Working days it was set to, and the policy version it was set under.
    pub workdays: u32,
    /// The day counting starts after (N working days after `from`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<NaiveDate>,
    pub policy_version: u32,
    pub set_at: DateTime<Utc>,
    /// `None` while open; `Some(true)` met; `Some(false)` missed or superseded (SPEC §7: the case
    /// JSON's `met` is false for a superseded clock; [`Deadline::outcome`] tells them apart).
    pub met: Option<bool>,
    /// Closed by a change of level, unit or round before its act happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub superseded: Option<Superseded>,
    pub closed_at: Option<DateTime<Utc>>,
    /// Due date before an approved extension (延期 counts as on time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extended_from: Option<NaiveDate>,
    /// 督办 note.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// 催办 sent (the day after the deadline passed).
    #[serde(default)]
    pub reminded: bool,
    /// Flagged for 通报 (still overdue N working days after the reminder).
    #[serde(default)]
    pub notice_flagged: bool,
    /// The round it belongs to: the case's reopen count when it was set (重新核实 starts a round).
    #[serde(default)]
    pub round: u32,
    /// The lead unit when it was set: whose clock it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Who set it (from the event's envelope; the scheduler for automatic ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set_by: Option<String>,
}

impl Deadline {
    pub fn is_open(&self) -> bool {
        self.met.is_none()
    }

    /// The last instant of the due day, Asia/Shanghai.
    pub fn due_at(&self) -> DateTime<Utc> {
        end_of_day(self.due)
    }

    /// Whether an event at `at` is in time for this clock.
    pub fn in_time(&self, at: DateTime<Utc>) -> bool {
        local_day(at) <= self.due
    }

    /// How the clock stands: open, met, missed or superseded.
    pub fn outcome(&self) -> ClockOutcome {
        match (self.met, &self.superseded) {
            (None, _) => ClockOutcome::Open,
            (Some(_), Some(_)) => ClockOutcome::Superseded,
            (Some(true), None) => ClockOutcome::Met,
            (Some(false), None) => ClockOutcome::Missed,
        }
    }
}

/// How a clock ended (SPEC §7): only `Met` counts as on time in any statistic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockOutcome {
    Open,
    Met,
    Missed,
    /// Closed by a change of level, unit or round (or the case was voided or merged).
    Superseded,
}

impl ClockOutcome {
    pub const ALL: [ClockOutcome; 4] =
        [ClockOutcome::Open, ClockOutcome::Met, ClockOutcome::Missed, ClockOutcome::Superseded];

    pub fn code(self) -> &'static str {
        match self {
            ClockOutcome::Open => "open",
            ClockOutcome::Met => "met",
            ClockOutcome::Missed => "missed",
            ClockOutcome::Superseded => "superseded",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ClockOutcome::Open => "进行中",
            ClockOutcome::Met => "按期完成",
            ClockOutcome::Missed => "逾期",
            ClockOutcome::Superseded => "已终止",
        }
    }
}

/// A clock that a change closed before its act happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Superseded {
    /// Whether it was still in time when it was closed.
    pub in_time: bool,
    /// What closed it; `None` when read from a log written before causes were recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by: Option<Supersession>,
}

/// What closes a clock before its act (SPEC §7: a change of level, unit or round; a voided or
/// merged case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Supersession {
    /// 转派 to another unit or level.
    Dispatch,
    /// 提级 (by a person or the 问题工单 rule).
    Escalation,
    /// 退单 by the unit.
    Return,
    /// 重新核实 (a new round).
    Reopen,
    /// 核查 sent back (a new round).
    SentBack,
    /// 作废.
    Void,
    /// 合并 into another case.
    Merge,
}

impl Supersession {
    pub fn label(self) -> &'static str {
        match self {
            Supersession::Dispatch => "转派",
            Supersession::Escalation => "提级",
            Supersession::Return => "退单",
            Supersession::Reopen => "重新核实",
            Supersession::SentBack => "核查退回",
            Supersession::Void => "作废",
            Supersession::Merge => "合并",
        }
    }
}

/// 00:00 Asia/Shanghai of `day`, as UTC.
pub fn start_of_day(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(0, 0, 0)
        .expect("valid time")
        .and_local_timezone(shanghai())
        .single()
        .expect("fixed offset")
        .with_timezone(&Utc)
}

/// 23:59:59 Asia/Shanghai of `day`, as UTC.
pub fn end_of_day(day: NaiveDate) -> DateTime<Utc> {
    day.and_hms_opt(23, 59, 59)
        .expect("valid time")
        .and_local_timezone(shanghai())
        .single()
        .expect("fixed offset")
        .with_timezone(&Utc)
}

/// How an open deadline stands on a given day (SPEC §4.3: 临期 / 超期 and working days left or over).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    Normal,
    /// 临期: due within `due_soon` working days.
    DueSoon,
    /// 超期: past due.
    Overdue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Standing {
    pub urgency: Urgency,
    /// Working days left (≥ 0) or over (< 0).
    pub workdays_left: i64,
}

/// Where an open deadline due on `due` stands on `today`.
pub fn standing(cal: &Calendar, due: NaiveDate, today: NaiveDate, due_soon: u32) -> Standing {
    if today > due {
        // Working days over: the working days in (due, today]; at least 1 once past due.
        let over = cal.workdays_between(due, today).max(1);
        Standing { urgency: Urgency::Overdue, workdays_left: -over }
    } else {
        let left = cal.workdays_between(today, due);
        let urgency = if left <= due_soon as i64 { Urgency::DueSoon } else { Urgency::Normal };
        Standing { urgency, workdays_left: left }
    }
}
