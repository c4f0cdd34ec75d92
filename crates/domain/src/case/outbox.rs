//! What the rules owe someone a message about (制度第三条 及时反馈当事人; SPEC §4.2 催办): a typed
//! recipient and a message kind with its parameters. The rules decide who is told what; the
//! words are rendered from templates outside the rules (`bancheng_app::outbox`).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::actor::Role;
use crate::deadline::DeadlineKind;

/// Who a message is for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Recipient {
    /// One staff member, by username.
    User(String),
    /// Every member of a unit, by unit code.
    Unit(String),
    /// The unit's 首席代表 (unit lead), by unit code.
    UnitLead(String),
    /// Every holder of a role in the case's center.
    Role(Role),
    /// The applicant, by phone number.
    Applicant(String),
}

impl Recipient {
    /// The stored form: `user:NAME`, `unit:CODE`, `unit_lead:CODE`, `role:ROLE`, `phone:NUMBER`.
    pub fn to_code(&self) -> String {
        match self {
            Recipient::User(u) => format!("user:{u}"),
            Recipient::Unit(u) => format!("unit:{u}"),
            Recipient::UnitLead(u) => format!("unit_lead:{u}"),
            Recipient::Role(r) => format!("role:{}", r.code()),
            Recipient::Applicant(p) => format!("phone:{p}"),
        }
    }

    /// Reads the stored form back (`None` for an unknown prefix).
    pub fn parse(code: &str) -> Option<Recipient> {
        let (kind, rest) = code.split_once(':')?;
        Some(match kind {
            "user" => Recipient::User(rest.into()),
            "unit" => Recipient::Unit(rest.into()),
            "unit_lead" => Recipient::UnitLead(rest.into()),
            "role" => Recipient::Role(Role::parse(rest).ok()?),
            "phone" => Recipient::Applicant(rest.into()),
            _ => return None,
        })
    }

    /// The delivery channel: the applicant by SMS, staff in the app.
    pub fn channel(&self) -> Channel {
        match self {
            Recipient::Applicant(_) => Channel::Sms,
            _ => Channel::InApp,
        }
    }
}

/// How a message travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    InApp,
    Sms,
}

impl Channel {
    pub fn code(self) -> &'static str {
        match self {
            Channel::InApp => "inapp",
            Channel::Sms => "sms",
        }
    }
}

/// A message kind and its parameters. `number` is the case number throughout. Serialized with
/// `kind` as the tag: the rest are the template's parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    /// 转派 (or reassigned) to the recipient's unit.
    Dispatched { number: String },
    /// 退单: the office reassigns.
    Returned { number: String },
    /// 延期申请 awaits the office.
    ExtensionRequested { number: String, new_due: NaiveDate },
    /// Practice (SPEC §4.2): the applicant is told the new date.
    ExtensionApproved { number: String, new_due: NaiveDate },
    /// 否定答复报告 awaits the office (第二条).
    NegativeProposed { number: String },
    /// 办结答复 to the applicant.
    Resolved { number: String },
    /// 重新核实 (第五条); `dissatisfied`: sent back by a dissatisfied return visit.
    Reopened { number: String, dissatisfied: bool },
    /// 督办 (五(三)).
    Supervised { number: String, note: String },
    /// 指定经办人.
    Assigned { number: String },
    /// 催办 the day after a clock passed (SPEC §4.2).
    Reminder { number: String, deadline: DeadlineKind, due: NaiveDate },
    /// Still overdue N working days after 催办: listed for 通报.
    NoticeFlag { number: String, workdays: u32 },
    /// 问题工单 raised, escalated and supervised.
    Problem { number: String, reason: String },
}

impl Message {
    /// The stable kind code (the outbox's `kind` column and the template key).
    pub fn kind(&self) -> &'static str {
        match self {
            Message::Dispatched { .. } => "dispatched",
            Message::Returned { .. } => "returned",
            Message::ExtensionRequested { .. } => "extension",
            Message::ExtensionApproved { .. } => "extension_approved",
            Message::NegativeProposed { .. } => "negative",
            Message::Resolved { .. } => "resolved",
            Message::Reopened { .. } => "reopened",
            Message::Supervised { .. } => "supervised",
            Message::Assigned { .. } => "assigned",
            Message::Reminder { .. } => "reminder",
            Message::NoticeFlag { .. } => "notice_flag",
            Message::Problem { .. } => "problem",
        }
    }

    /// The template parameters as a JSON object (without `kind`); a deadline kind is given by
    /// its Chinese label as `deadline` and its code as `deadline_kind`.
    pub fn params(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut v = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => serde_json::Map::new(),
        };
        v.remove("kind");
        if let Message::Reminder { deadline, .. } = self {
            v.insert("deadline_kind".into(), deadline.code().into());
            v.insert("deadline".into(), deadline.label().into());
        }
        v
    }
}

/// One message for the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub recipient: Recipient,
    pub message: Message,
}

impl Notification {
    pub fn kind(&self) -> &'static str {
        self.message.kind()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_round_trip_through_their_stored_form() {
        for r in [
            Recipient::User("lisi".into()),
            Recipient::Unit("sw".into()),
            Recipient::UnitLead("sw".into()),
            Recipient::Role(Role::Office),
            Recipient::Applicant("13812345678".into()),
        ] {
            assert_eq!(Recipient::parse(&r.to_code()), Some(r.clone()));
        }
        assert_eq!(Recipient::Applicant("1".into()).channel(), Channel::Sms);
        assert_eq!(Recipient::parse("fax:1"), None);
    }

    #[test]
    fn message_params_carry_the_fields_without_the_kind() {
        let m = Message::Reminder {
            number: "2026030201".into(),
            deadline: DeadlineKind::Result,
            due: NaiveDate::from_ymd_opt(2026, 3, 9).unwrap(),
        };
        let p = m.params();
        assert_eq!(p["number"], "2026030201");
        assert_eq!(p["due"], "2026-03-09");
        assert_eq!(p["deadline"], "办结");
        assert!(!p.contains_key("kind"));
    }
}
