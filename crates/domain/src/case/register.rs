//! Registration (第一条): the window's duty staff registers every report; nothing is dropped.
//! Online submissions (SPEC §4.1) start `submitted` and get their clock when accepted.
//!
//! The registration's fields are one table ([`REGISTRATION_FIELDS`]): registration checks every
//! field with it (all refusals at once for the intake form, the first for the API), and 更正
//! (`commands/correction.rs`) checks a corrected value with the same row.

use super::command::Registration;
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

/// One field of the registration (附件3 登记表 and SPEC §3's optional ones).
#[derive(Debug, Clone, Copy)]
pub struct RegField {
    /// The field's name in `Registration`, the API body and the intake form.
    pub name: &'static str,
    /// 中文名称.
    pub label: &'static str,
    /// SPEC §3 required at registration.
    pub required: bool,
    /// Checks a non-empty value and gives its stored form.
    check: fn(&'static str, &'static str, &str) -> Result<String>,
}

impl RegField {
    /// Checks a value as given (`None` or blank: absent): the stored form, `None` for an absent
    /// optional field; an absent required field is refused as 必填.
    pub fn check(&self, value: Option<&str>) -> Result<Option<String>> {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None if self.required => Err(DomainError::invalid(self.name, format!("{}：必填", self.label))),
            None => Ok(None),
            Some(v) => (self.check)(self.name, self.label, v).map(Some),
        }
    }
}

fn name_line(f: &'static str, l: &'static str, v: &str) -> Result<String> {
    validate::single_line(f, l, v, 1, 50)
}

fn short_line(f: &'static str, l: &'static str, v: &str) -> Result<String> {
    validate::single_line(f, l, v, 1, 100)
}

/// Every field of the registration, in the 登记表's order.
pub const REGISTRATION_FIELDS: &[RegField] = &[
    RegField { name: "applicant_name", label: "办理对象姓名", required: true, check: name_line },
    RegField {
        name: "phone",
        label: "联系电话",
        required: true,
        check: |_, _, v| validate::Phone::parse(v).map(|p| p.as_str().to_owned()),
    },
    RegField {
        name: "description",
        label: "“办不成事”情况记录",
        required: true,
        check: |f, l, v| validate::text(f, l, v, 1, 2000),
    },
    RegField { name: "matter", label: "办理事项名称", required: false, check: short_line },
    RegField {
        name: "failed_unit", label: "未办成的窗口（单位）", required: false, check: short_line
    },
    RegField {
        name: "category",
        label: "问题类别",
        required: false,
        check: |_, _, v| Category::parse(v).map(|c| c.code().to_owned()),
    },
    RegField {
        name: "channel",
        label: "反映渠道",
        required: false,
        check: |_, _, v| Channel::parse(v).map(|c| c.code().to_owned()),
    },
    RegField {
        name: "applicant_type",
        label: "办理对象类型",
        required: false,
        check: |_, _, v| ApplicantKind::parse(v).map(|c| c.code().to_owned()),
    },
    RegField {
        name: "id_number",
        label: "身份证号码",
        required: false,
        check: |_, _, v| validate::IdNumber::parse(v).map(|i| i.as_str().to_owned()),
    },
    RegField { name: "enterprise_name", label: "企业名称", required: false, check: short_line },
    RegField {
        name: "credit_code",
        label: "统一社会信用代码",
        required: false,
        check: |_, _, v| validate::CreditCode::parse(v).map(|c| c.as_str().to_owned()),
    },
];

/// The field named `name`.
pub fn registration_field(name: &str) -> Option<&'static RegField> {
    REGISTRATION_FIELDS.iter().find(|f| f.name == name)
}

impl Registration {
    /// The value given for a field of [`REGISTRATION_FIELDS`].
    pub fn value(&self, name: &str) -> Option<&str> {
        match name {
            "applicant_name" => Some(&self.applicant_name),
            "phone" => Some(&self.phone),
            "description" => Some(&self.description),
            "channel" => self.channel.as_deref(),
            "applicant_type" => self.applicant_type.as_deref(),
            "id_number" => self.id_number.as_deref(),
            "enterprise_name" => self.enterprise_name.as_deref(),
            "credit_code" => self.credit_code.as_deref(),
            "matter" => self.matter.as_deref(),
            "failed_unit" => self.failed_unit.as_deref(),
            "category" => self.category.as_deref(),
            _ => None,
        }
    }
}

/// The stored value of a registration field on a case, as text (codes for coded fields).
pub fn case_field(case: &Case, name: &str) -> Option<String> {
    let a = &case.applicant;
    match name {
        "applicant_name" => Some(a.name.clone()),
        "phone" => Some(a.phone.clone()),
        "description" => Some(case.description.clone()),
        "matter" => case.matter.clone(),
        "failed_unit" => case.failed_unit.clone(),
        "category" => case.category.map(|c| c.code().to_owned()),
        "channel" => Some(case.channel.code().to_owned()),
        "applicant_type" => a.kind.map(|k| k.code().to_owned()),
        "id_number" => a.id_number.clone(),
        "enterprise_name" => a.enterprise_name.clone(),
        "credit_code" => a.credit_code.clone(),
        _ => None,
    }
}

/// Sets a registration field of a case from its stored text (checked before: see 更正).
pub(crate) fn set_case_field(case: &mut Case, name: &str, value: Option<String>) {
    let a = &mut case.applicant;
    match name {
        "applicant_name" => a.name = value.unwrap_or_default(),
        "phone" => a.phone = value.unwrap_or_default(),
        "description" => case.description = value.unwrap_or_default(),
        "matter" => case.matter = value,
        "failed_unit" => case.failed_unit = value,
        "category" => case.category = value.and_then(|v| Category::parse(&v).ok()),
        "channel" => {
            if let Some(c) = value.and_then(|v| Channel::parse(&v).ok()) {
                case.channel = c;
            }
        }
        "applicant_type" => a.kind = value.and_then(|v| ApplicantKind::parse(&v).ok()),
        "id_number" => a.id_number = value,
        "enterprise_name" => a.enterprise_name = value,
        "credit_code" => a.credit_code = value,
        _ => {}
    }
}

/// Every field of a registration checked: the stored forms of the fields given, by name, or
/// every refusal in the 登记表's order.
fn checked(
    reg: &Registration,
    online: bool,
) -> std::result::Result<Vec<(&'static str, String)>, Vec<DomainError>> {
    let (mut values, mut errors) = (Vec::new(), Vec::new());
    for f in REGISTRATION_FIELDS {
        match f.check(reg.value(f.name)) {
            Ok(Some(v)) => values.push((f.name, v)),
            Ok(None) => {}
            Err(e) => errors.push(e),
        }
    }
    if online && reg.channel.as_deref().is_some_and(|c| !c.trim().is_empty() && c.trim() != "online") {
        errors.push(DomainError::invalid("channel", "网上提交的渠道只能是 online"));
    }
    if errors.is_empty() { Ok(values) } else { Err(errors) }
}

/// Every refusal of a registration at once, in the 登记表's order (the intake form shows each
/// beside its field); empty when it would be accepted as far as its fields go.
pub fn registration_errors(reg: &Registration, online: bool) -> Vec<DomainError> {
    checked(reg, online).err().unwrap_or_default()
}

/// Validates a registration and builds the `Registered` event plus the first clock.
/// `earlier` are cases with the same phone or ID number; those about the same matter are linked.
pub fn register(reg: &Registration, ctx: &Ctx<'_>, earlier: &[EarlierCase]) -> Result<Decision> {
    let actor = ctx.actor;
    let online = actor.role == Role::Public;
    if !online && !may_register(actor.role) {
        return Err(DomainError::forbidden("只有窗口值班人员或领导小组办公室可以登记事项"));
    }
    // Every field passed its check (else the first refusal): their stored forms.
    let values = checked(reg, online).map_err(|errors| errors.into_iter().next().expect("a refusal"))?;
    let v = |name: &str| values.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone());
    let matter = v("matter");
    let repeat_of = earlier
        .iter()
        .filter(|e| match (&matter, &e.matter) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        })
        .map(|e| e.number.clone())
        .collect();
    let channel = v("channel").and_then(|c| Channel::parse(&c).ok()).unwrap_or(if online {
        Channel::Online
    } else {
        Channel::Window
    });
    let case = Case {
        number: String::new(),
        center: actor.center.clone(),
        status: if online { Status::Submitted } else { Status::Accepted },
        level: Level::Window,
        channel,
        applicant: Applicant {
            name: v("applicant_name").unwrap_or_default(),
            phone: v("phone").unwrap_or_default(),
            kind: v("applicant_type").and_then(|k| ApplicantKind::parse(&k).ok()),
            id_number: v("id_number"),
            enterprise_name: v("enterprise_name"),
            credit_code: v("credit_code"),
        },
        description: v("description").unwrap_or_default(),
        matter,
        failed_unit: v("failed_unit"),
        category: v("category").and_then(|c| Category::parse(&c).ok()),
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
        round: 0,
        outcome: None,
        reply: None,
        feedback: vec![],
        negative: None,
        extension: None,
        confirmation: None,
        reconfirm: false,
        contacts: vec![],
        verification: None,
        visits: vec![],
        notices: vec![],
        returned: None,
        reopened: None,
        problem: false,
        notice_flag: false,
        excluded: None,
        repeat_of,
        resolutions: vec![],
        withdrawn: None,
        merged_into: None,
        merged_from: vec![],
        attachments: vec![],
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
