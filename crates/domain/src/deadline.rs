//! Deadlines (SPEC §4.2, §4.3): named clocks on a case, due at the end (23:59:59 Asia/Shanghai)
//! of a working day. Met / missed is recorded when the clock's event happens.

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
    /// `None` while open; `Some(true)` met (or superseded in time), `Some(false)` missed.
    pub met: Option<bool>,
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
