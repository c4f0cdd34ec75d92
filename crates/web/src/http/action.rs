//! Case actions (SPEC §6): one body type per action, parsed into a domain `Command`. The JSON
//! API (`POST /api/v1/cases/{number}/{action}`) and the case page's forms (turned into the same
//! JSON first) both go through [`parse_command`]. The actions themselves are the domain's
//! action table; this module adds only each one's body.

use axum::http::StatusCode;
use bancheng_domain::case::{Action, Command, Level, Outcome};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::http::error::ApiError;
use crate::http::extract::parse_json;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Empty {}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DispatchBody {
    /// Lead unit code.
    pub unit: String,
    #[serde(default)]
    pub co_units: Vec<String>,
    /// department | joint | county
    pub level: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionBody {
    /// Working days to add to the current due day.
    pub workdays: u32,
    pub reason: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    pub note: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FeedbackBody {
    pub text: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalateBody {
    /// department | joint | county (higher than now)
    pub level: String,
    pub reason: String,
    /// County level: the term for the reply with reasons (default from the policy, 10).
    pub due_workdays: Option<u32>,
    /// New lead unit (e.g. `xyhb` for the county body).
    pub unit: Option<String>,
    /// 一事一议 联动会审: the co-units of the joint review (absent: unchanged).
    pub co_units: Option<Vec<String>>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NegativeBody {
    pub reasons: String,
    /// Policy or legal basis.
    pub basis: String,
    /// 涉法、涉诉、涉访 or contrary to policy: out of scope.
    #[serde(default)]
    pub excluded: bool,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    /// done | explained (explained needs an approved 否定答复)
    pub outcome: String,
    pub reply: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    /// Who confirmed (the applicant's name).
    pub by: String,
    /// Optional drawn signature, `data:image/png;base64,…`.
    pub signature: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifyBody {
    pub ok: bool,
    #[serde(default)]
    pub note: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VisitBody {
    pub reached: bool,
    /// 1–5, 5 = 非常满意; only when reached.
    pub satisfaction: Option<u8>,
    pub comment: Option<String>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReverifyBody {
    pub unit: String,
    pub note: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeBody {
    pub unit: String,
    pub person: Option<String>,
    pub fault: String,
    pub opinion: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuperviseBody {
    pub note: String,
    /// YYYY-MM-DD
    pub due: String,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeBody {
    /// The case number this duplicate repeats.
    pub into: String,
    pub reason: String,
}

/// 更正: the registration fields to change (any of them; an empty string clears an optional
/// one) and why. Each is checked as at registration.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectBody {
    pub applicant_name: Option<String>,
    pub phone: Option<String>,
    pub description: Option<String>,
    pub matter: Option<String>,
    pub failed_unit: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
    pub applicant_type: Option<String>,
    pub id_number: Option<String>,
    pub enterprise_name: Option<String>,
    pub credit_code: Option<String>,
    pub reason: String,
}

impl CorrectBody {
    /// The fields given, by name (`REGISTRATION_FIELDS`).
    fn fields(self) -> Vec<(String, String)> {
        [
            ("applicant_name", self.applicant_name),
            ("phone", self.phone),
            ("description", self.description),
            ("matter", self.matter),
            ("failed_unit", self.failed_unit),
            ("category", self.category),
            ("channel", self.channel),
            ("applicant_type", self.applicant_type),
            ("id_number", self.id_number),
            ("enterprise_name", self.enterprise_name),
            ("credit_code", self.credit_code),
        ]
        .into_iter()
        .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v)))
        .collect()
    }
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    /// Username of a 经办人 of the lead unit.
    pub assignee: String,
}

/// The OpenAPI schema of each action's body (the action table, `bancheng_domain::case::ACTION_TABLE`,
/// gives code, label, article and roles).
pub fn body_schema(action: Action) -> &'static str {
    match action {
        Action::Accept | Action::ApproveExtension | Action::ApproveNegative | Action::Close => "Empty",
        Action::Dispatch => "DispatchBody",
        Action::Return | Action::Void => "ReasonBody",
        Action::Merge => "MergeBody",
        Action::Correct => "CorrectBody",
        Action::RequestExtension => "ExtensionBody",
        Action::RejectExtension | Action::Contact | Action::RejectNegative => "NoteBody",
        Action::Feedback => "FeedbackBody",
        Action::Escalate => "EscalateBody",
        Action::ProposeNegative => "NegativeBody",
        Action::Resolve => "ResolveBody",
        Action::Confirm => "ConfirmBody",
        Action::Verify => "VerifyBody",
        Action::Visit => "VisitBody",
        Action::Reverify => "ReverifyBody",
        Action::Notice => "NoticeBody",
        Action::Supervise => "SuperviseBody",
        Action::Assign => "AssignBody",
    }
}

fn level(field: &'static str, s: &str) -> Result<Level, ApiError> {
    Level::parse(s).map_err(|e| ApiError::invalid(field, e.message().to_owned()))
}

/// Parses the body of `action` into a command.
pub fn parse_command(action: &str, body: &[u8]) -> Result<Command, ApiError> {
    let action = Action::parse(action)
        .map_err(|_| ApiError::new(StatusCode::NOT_FOUND, "not_found", format!("没有这个操作：{action}")))?;
    Ok(match action {
        Action::Accept => parse_json::<Empty>(body).map(|_| Command::Accept)?,
        Action::ApproveExtension => parse_json::<Empty>(body).map(|_| Command::ApproveExtension)?,
        Action::ApproveNegative => parse_json::<Empty>(body).map(|_| Command::ApproveNegative)?,
        Action::Close => parse_json::<Empty>(body).map(|_| Command::Close)?,
        // The assignee's unit is filled in by the use case, which looks the user up.
        Action::Assign => Command::Assign {
            assignee: parse_json::<AssignBody>(body)?.assignee,
            assignee_unit: String::new(),
        },
        Action::Dispatch => {
            let b: DispatchBody = parse_json(body)?;
            Command::Dispatch { unit: b.unit, co_units: b.co_units, level: level("level", &b.level)? }
        }
        Action::Return => Command::Return { reason: parse_json::<ReasonBody>(body)?.reason },
        Action::RequestExtension => {
            let b: ExtensionBody = parse_json(body)?;
            Command::RequestExtension { workdays: b.workdays, reason: b.reason }
        }
        Action::RejectExtension => Command::RejectExtension { note: parse_json::<NoteBody>(body)?.note },
        Action::Contact => Command::Contact { note: parse_json::<NoteBody>(body)?.note },
        Action::Feedback => Command::Feedback { text: parse_json::<FeedbackBody>(body)?.text },
        Action::Escalate => {
            let b: EscalateBody = parse_json(body)?;
            Command::Escalate {
                level: level("level", &b.level)?,
                reason: b.reason,
                due_workdays: b.due_workdays,
                unit: b.unit,
                co_units: b.co_units,
            }
        }
        Action::ProposeNegative => {
            let b: NegativeBody = parse_json(body)?;
            Command::ProposeNegative { reasons: b.reasons, basis: b.basis, excluded: b.excluded }
        }
        Action::RejectNegative => Command::RejectNegative { note: parse_json::<NoteBody>(body)?.note },
        Action::Resolve => {
            let b: ResolveBody = parse_json(body)?;
            let outcome = Outcome::parse(&b.outcome)
                .map_err(|e| ApiError::invalid("outcome", e.message().to_owned()))?;
            Command::Resolve { outcome, reply: b.reply }
        }
        Action::Confirm => {
            let b: ConfirmBody = parse_json(body)?;
            Command::Confirm { by: b.by, signature: b.signature }
        }
        Action::Verify => {
            let b: VerifyBody = parse_json(body)?;
            Command::Verify { ok: b.ok, note: b.note }
        }
        Action::Visit => {
            let b: VisitBody = parse_json(body)?;
            Command::Visit { reached: b.reached, satisfaction: b.satisfaction, comment: b.comment }
        }
        Action::Reverify => {
            let b: ReverifyBody = parse_json(body)?;
            Command::Reverify { unit: b.unit, note: b.note }
        }
        Action::Notice => {
            let b: NoticeBody = parse_json(body)?;
            Command::Notice { unit: b.unit, person: b.person, fault: b.fault, opinion: b.opinion }
        }
        Action::Void => Command::Void { reason: parse_json::<ReasonBody>(body)?.reason },
        Action::Merge => {
            let b: MergeBody = parse_json(body)?;
            Command::Merge { into: b.into, reason: b.reason }
        }
        Action::Correct => {
            let b: CorrectBody = parse_json(body)?;
            let reason = b.reason.clone();
            Command::Correct { fields: b.fields(), reason }
        }
        Action::Supervise => {
            let b: SuperviseBody = parse_json(body)?;
            let due = NaiveDate::parse_from_str(b.due.trim(), "%Y-%m-%d")
                .ok()
                .filter(|d| (2000..=2099).contains(&chrono::Datelike::year(d)))
                .ok_or_else(|| ApiError::invalid("due", "督办期限格式应为YYYY-MM-DD"))?;
            Command::Supervise { note: b.note, due }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_action_is_parsed_and_an_unknown_one_is_a_404() {
        for def in bancheng_domain::case::ACTION_TABLE {
            match parse_command(def.code, b"{}") {
                Ok(cmd) => assert_eq!(cmd.action(), Some(def.action)),
                Err(e) => assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", def.code),
            }
        }
        assert_eq!(parse_command("fly", b"{}").unwrap_err().status, StatusCode::NOT_FOUND);
    }

    #[test]
    fn a_missing_field_is_a_422_naming_it() {
        let e = parse_command("resolve", br#"{"outcome":"done"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("reply"));
        let e = parse_command("dispatch", br#"{"unit":"sw","level":"high"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("level"));
        let e = parse_command("close", br#"{"x":1}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("x"));
    }
}
