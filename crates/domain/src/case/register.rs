//! Registration (第一条): the window's duty staff registers every report; nothing is dropped.
//! Online submissions (SPEC §4.1) start `submitted` and get their clock when accepted.

use super::command::{Registration, ValidRegistration};
use super::decide::{Ctx, Decision, Draft};
use super::event::CaseEvent;
use super::permission::may_register;
use super::types::*;
use crate::actor::Role;
use crate::deadline::DeadlineKind;
use crate::validate;
use crate::{DomainError, Result};

/// An earlier case of the same applicant, for repeat-trip linking (SPEC §4.2 practice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlierCase {
    pub number: String,
    pub matter: Option<String>,
}

/// Validates a registration and builds the `Registered` event plus the first clock.
/// `earlier` are cases with the same phone or ID number; those about the same matter are linked.
pub fn register(reg: &Registration, ctx: &Ctx<'_>, earlier: &[EarlierCase]) -> Result<Decision> {
    let actor = ctx.actor;
    let online = actor.role == Role::Public;
    if !online && !may_register(actor.role) {
        return Err(DomainError::forbidden("只有窗口值班人员或领导小组办公室可以登记事项"));
    }
    let v = validate_registration(reg, online)?;
    let repeat_of = earlier
        .iter()
        .filter(|e| match (&v.matter, &e.matter) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        })
        .map(|e| e.number.clone())
        .collect();
    let case = Case {
        number: String::new(),
        center: actor.center.clone(),
        status: if online { Status::Submitted } else { Status::Accepted },
        level: Level::Window,
        channel: v.channel,
        applicant: Applicant {
            name: v.applicant_name,
            phone: v.phone,
            kind: v.applicant_type,
            id_number: v.id_number,
            enterprise_name: v.enterprise_name,
            credit_code: v.credit_code,
        },
        description: v.description,
        matter: v.matter,
        failed_unit: v.failed_unit,
        category: v.category,
        received_by: actor.username.clone(),
        received_unit: actor.unit.clone(),
        received_at: ctx.now,
        unit: None,
        co_units: vec![],
        assignee: None,
        dispatched_at: None,
        unit_history: vec![],
        deadlines: vec![],
        reopen_count: 0,
        outcome: None,
        reply: None,
        feedback: vec![],
        negative: None,
        extension: None,
        confirmation: None,
        contacts: vec![],
        verification: None,
        visits: vec![],
        notices: vec![],
        returned: None,
        problem: false,
        notice_flag: false,
        excluded: None,
        repeat_of,
        resolutions: vec![],
    };
    let initial = case.clone();
    let mut w = Draft::new(&initial, ctx);
    w.emit(CaseEvent::Registered { case: Box::new(case) });
    if !online {
        // 第四条 简单问题，窗口即办: the same working day.
        w.set_clock(DeadlineKind::Result, ctx.policy.window_result);
    }
    Ok(w.finish())
}

fn validate_registration(r: &Registration, online: bool) -> Result<ValidRegistration> {
    use validate::{optional_text, text};
    let channel = match r.channel.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(c) => Channel::parse(c.trim())?,
        None if online => Channel::Online,
        None => Channel::Window,
    };
    if online && channel != Channel::Online {
        return Err(DomainError::invalid("channel", "网上提交的渠道只能是 online"));
    }
    let opt_code =
        |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    Ok(ValidRegistration {
        applicant_name: text("applicant_name", "办理对象姓名", &r.applicant_name, 1, 50)?,
        phone: validate::Phone::parse(&r.phone)?.as_str().to_owned(),
        description: text("description", "“办不成事”情况记录", &r.description, 1, 2000)?,
        channel,
        applicant_type: opt_code(&r.applicant_type).map(|s| ApplicantKind::parse(&s)).transpose()?,
        id_number: opt_code(&r.id_number)
            .map(|s| validate::IdNumber::parse(&s).map(|i| i.as_str().to_owned()))
            .transpose()?,
        enterprise_name: optional_text("enterprise_name", "企业名称", r.enterprise_name.as_deref(), 100)?,
        credit_code: opt_code(&r.credit_code)
            .map(|s| validate::CreditCode::parse(&s).map(|c| c.as_str().to_owned()))
            .transpose()?,
        matter: optional_text("matter", "事项名称", r.matter.as_deref(), 100)?,
        failed_unit: optional_text("failed_unit", "未办成单位", r.failed_unit.as_deref(), 100)?,
        category: opt_code(&r.category).map(|s| Category::parse(&s)).transpose()?,
    })
}
