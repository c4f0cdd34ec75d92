//! Case actions (SPEC §6): one body type per action, parsed into a domain `Command`. The JSON
//! API (`POST /api/v1/cases/{number}/{action}`) and the case page's forms (turned into the same
//! JSON first) both go through [`parse_command`]. `ACTIONS` is the single table that both the
//! parser's tests and the OpenAPI document read.

use bancheng_domain::case::{Command, Level, Outcome};
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
pub struct AssignBody {
    /// Username of a 经办人 of the lead unit.
    pub assignee: String,
}

/// (action, body schema name, summary). The order is the documentation order.
pub const ACTIONS: &[(&str, &str, &str)] = &[
    ("accept", "Empty", "受理网上提交的事项"),
    ("dispatch", "DispatchBody", "转派责任单位（二级/一级/难点）"),
    ("return", "ReasonBody", "退单：非本单位职责"),
    ("request-extension", "ExtensionBody", "申请延期（期限届满前）"),
    ("approve-extension", "Empty", "批准延期"),
    ("reject-extension", "NoteBody", "不批准延期"),
    ("contact", "NoteBody", "记录已联系办理对象"),
    ("feedback", "FeedbackBody", "初步反馈意见"),
    ("escalate", "EscalateBody", "提级"),
    ("propose-negative", "NegativeBody", "提交否定答复报告"),
    ("approve-negative", "Empty", "批准否定答复（不能批准本人提交的）"),
    ("reject-negative", "NoteBody", "退回否定答复"),
    ("resolve", "ResolveBody", "办结答复"),
    ("confirm", "ConfirmBody", "办理对象确认"),
    ("verify", "VerifyBody", "结果核查"),
    ("visit", "VisitBody", "回访"),
    ("reverify", "ReverifyBody", "重新核实"),
    ("notice", "NoticeBody", "通报"),
    ("supervise", "SuperviseBody", "督办"),
    ("close", "Empty", "归档"),
    ("assign", "AssignBody", "指定本单位经办人（窗口首席代表）"),
];

fn level(field: &'static str, s: &str) -> Result<Level, ApiError> {
    Level::parse(s).map_err(|e| ApiError::invalid(field, e.message().to_owned()))
}

/// Parses the body of `action` into a command.
pub fn parse_command(action: &str, body: &[u8]) -> Result<Command, ApiError> {
    Ok(match action {
        "accept" => parse_json::<Empty>(body).map(|_| Command::Accept)?,
        "approve-extension" => parse_json::<Empty>(body).map(|_| Command::ApproveExtension)?,
        "approve-negative" => parse_json::<Empty>(body).map(|_| Command::ApproveNegative)?,
        "close" => parse_json::<Empty>(body).map(|_| Command::Close)?,
        // The assignee's unit is filled in by the use case, which looks the user up.
        "assign" => Command::Assign {
            assignee: parse_json::<AssignBody>(body)?.assignee,
            assignee_unit: String::new(),
        },
        "dispatch" => {
            let b: DispatchBody = parse_json(body)?;
            Command::Dispatch { unit: b.unit, co_units: b.co_units, level: level("level", &b.level)? }
        }
        "return" => Command::Return { reason: parse_json::<ReasonBody>(body)?.reason },
        "request-extension" => {
            let b: ExtensionBody = parse_json(body)?;
            Command::RequestExtension { workdays: b.workdays, reason: b.reason }
        }
        "reject-extension" => Command::RejectExtension { note: parse_json::<NoteBody>(body)?.note },
        "contact" => Command::Contact { note: parse_json::<NoteBody>(body)?.note },
        "feedback" => Command::Feedback { text: parse_json::<FeedbackBody>(body)?.text },
        "escalate" => {
            let b: EscalateBody = parse_json(body)?;
            Command::Escalate {
                level: level("level", &b.level)?,
                reason: b.reason,
                due_workdays: b.due_workdays,
                unit: b.unit,
            }
        }
        "propose-negative" => {
            let b: NegativeBody = parse_json(body)?;
            Command::ProposeNegative { reasons: b.reasons, basis: b.basis, excluded: b.excluded }
        }
        "reject-negative" => Command::RejectNegative { note: parse_json::<NoteBody>(body)?.note },
        "resolve" => {
            let b: ResolveBody = parse_json(body)?;
            let outcome = Outcome::parse(&b.outcome)
                .map_err(|e| ApiError::invalid("outcome", e.message().to_owned()))?;
            Command::Resolve { outcome, reply: b.reply }
        }
        "confirm" => {
            let b: ConfirmBody = parse_json(body)?;
            Command::Confirm { by: b.by, signature: b.signature }
        }
        "verify" => {
            let b: VerifyBody = parse_json(body)?;
            Command::Verify { ok: b.ok, note: b.note }
        }
        "visit" => {
            let b: VisitBody = parse_json(body)?;
            Command::Visit { reached: b.reached, satisfaction: b.satisfaction, comment: b.comment }
        }
        "reverify" => {
            let b: ReverifyBody = parse_json(body)?;
            Command::Reverify { unit: b.unit, note: b.note }
        }
        "notice" => {
            let b: NoticeBody = parse_json(body)?;
            Command::Notice { unit: b.unit, person: b.person, fault: b.fault, opinion: b.opinion }
        }
        "supervise" => {
            let b: SuperviseBody = parse_json(body)?;
            let due = NaiveDate::parse_from_str(b.due.trim(), "%Y-%m-%d")
                .map_err(|_| ApiError::invalid("due", "督办期限格式应为YYYY-MM-DD"))?;
            Command::Supervise { note: b.note, due }
        }
        other => {
            return Err(ApiError::new(
                axum::http::StatusCode::NOT_FOUND,
                "not_found",
                format!("没有这个操作：{other}"),
            ));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_spec_action_is_parsed_and_documented() {
        for action in bancheng_domain::case::ACTIONS {
            assert!(ACTIONS.iter().any(|(a, _, _)| *a == action), "{action} documented");
            match parse_command(action, b"{}") {
                Ok(_) => {}
                Err(e) => assert_eq!(e.status, axum::http::StatusCode::UNPROCESSABLE_ENTITY, "{action}"),
            }
        }
        assert_eq!(ACTIONS.len(), bancheng_domain::case::ACTIONS.len());
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
