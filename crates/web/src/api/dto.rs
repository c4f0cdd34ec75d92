//! JSON shapes of API v1 (SPEC §6), with their OpenAPI schemas. Conversions only.

use bancheng_app::{CaseSummary, CaseView, EventView, Unit, User};
use bancheng_domain::case::{Case, satisfaction_label};
use bancheng_domain::deadline::Urgency;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct MeDto {
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub role_label: String,
    pub unit: String,
    pub center: String,
}

impl From<&User> for MeDto {
    fn from(u: &User) -> Self {
        let role_label = bancheng_domain::Role::parse(&u.role).map(|r| r.label()).unwrap_or("").to_owned();
        MeDto {
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.clone(),
            role_label,
            unit: u.unit_code.clone(),
            center: u.center.clone(),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UnitDto {
    pub code: String,
    pub name: String,
    pub parent: Option<String>,
    /// center | area | window | section | office | outside
    pub kind: String,
    /// Receives cases: dispatch and 重新核实 go only to these (SPEC §7).
    pub handles_cases: bool,
    pub phone: Option<String>,
}

impl From<Unit> for UnitDto {
    fn from(u: Unit) -> Self {
        UnitDto {
            code: u.code,
            name: u.name,
            parent: u.parent_code,
            kind: u.kind,
            handles_cases: u.handles_cases,
            phone: u.phone,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct DeadlineDto {
    pub id: u32,
    /// first_feedback | result | negative_reply | county_reply | supervision
    pub kind: String,
    pub label: String,
    /// Due at the end (23:59:59 Asia/Shanghai) of this day.
    pub due: NaiveDate,
    /// `null` while open; true met; false missed or superseded (see `outcome`).
    pub met: Option<bool>,
    /// open | met | missed | superseded (SPEC §7: only met counts as on time).
    pub outcome: String,
    /// Superseded clocks: whether it was still in time when a change closed it.
    pub superseded_in_time: Option<bool>,
    /// Superseded clocks: what closed it (dispatch | escalation | return | reopen | sent_back | void | merge).
    pub superseded_by: Option<String>,
    /// The round it belongs to (1 = the first; 重新核实 and 核查 sent back open the next).
    pub round: u32,
    /// The unit whose clock it is.
    pub unit: Option<String>,
    /// Computed on weekends only: the year's holiday schedule is not imported yet.
    pub provisional: bool,
    pub workdays: u32,
    pub policy_version: u32,
    /// Open deadlines: working days left (negative = over).
    pub workdays_left: Option<i64>,
    /// Open deadlines: normal | due_soon (临期) | overdue (超期).
    pub urgency: Option<String>,
    pub extended_from: Option<NaiveDate>,
    pub note: Option<String>,
    pub reminded: bool,
    pub notice_flagged: bool,
}

#[derive(Serialize, ToSchema)]
pub struct NoteDto {
    pub text: String,
    pub by: String,
    pub unit: String,
    pub at: DateTime<Utc>,
}

/// A photo or scan on the case: `GET /api/v1/cases/{number}/attachments/{seq}`.
#[derive(Serialize, ToSchema)]
pub struct AttachmentDto {
    pub seq: i64,
    pub name: String,
    /// image/jpeg | image/png | application/pdf (checked by content)
    pub mime: String,
    pub size: u64,
    pub sha256: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Serialize, ToSchema)]
pub struct VisitDto {
    pub reached: bool,
    pub satisfaction: Option<u8>,
    pub satisfaction_label: Option<String>,
    pub comment: Option<String>,
    pub by: String,
    pub role: String,
    pub at: DateTime<Utc>,
}

/// A case (SPEC §6 "Case JSON has at least …").
#[derive(Serialize, ToSchema)]
pub struct CaseDto {
    pub number: String,
    pub status: String,
    pub status_label: String,
    pub level: String,
    pub level_label: String,
    pub channel: String,
    pub applicant_type: Option<String>,
    pub applicant_name: String,
    pub phone: String,
    pub id_number: Option<String>,
    pub enterprise_name: Option<String>,
    pub credit_code: Option<String>,
    pub description: String,
    pub matter: Option<String>,
    pub failed_unit: Option<String>,
    pub category: Option<String>,
    /// Lead unit code.
    pub unit: Option<String>,
    pub co_units: Vec<String>,
    /// 经办人 assigned by the unit lead.
    pub assignee: Option<String>,
    pub received_by: String,
    pub received_unit: String,
    pub received_at: DateTime<Utc>,
    pub deadlines: Vec<DeadlineDto>,
    pub overdue: bool,
    pub due_soon: bool,
    pub reopen_count: u32,
    pub outcome: Option<String>,
    pub reply: Option<NoteDto>,
    pub feedback: Vec<NoteDto>,
    pub contacts: Vec<NoteDto>,
    pub verification: Option<NoteDto>,
    pub visits: Vec<VisitDto>,
    /// 否定答复报告 (reasons, basis, state, proposed/decided).
    #[schema(value_type = Option<Object>)]
    pub negative: Option<serde_json::Value>,
    /// 延期申请.
    #[schema(value_type = Option<Object>)]
    pub extension: Option<serde_json::Value>,
    /// 办理对象确认 (who, when).
    #[schema(value_type = Option<Object>)]
    pub confirmation: Option<serde_json::Value>,
    /// 通报 records.
    #[schema(value_type = Vec<Object>)]
    pub notices: Vec<serde_json::Value>,
    pub problem: bool,
    pub notice_flag: bool,
    pub excluded: Option<String>,
    pub repeat_of: Vec<String>,
    pub trips: u32,
    /// 作废 or 合并: why.
    pub withdrawn: Option<NoteDto>,
    /// 合并: the case this duplicate joined.
    pub merged_into: Option<String>,
    /// Duplicates merged into this case.
    pub merged_from: Vec<String>,
    /// The applicant's confirmation is asked for again (a correction of what they confirmed).
    pub reconfirm: bool,
    /// The round of clocks the case is in (1 = the first).
    pub round: u32,
    pub attachments: Vec<AttachmentDto>,
    /// Optimistic-concurrency version of the case row.
    pub version: i64,
}

fn note(n: &bancheng_domain::case::Note) -> NoteDto {
    NoteDto { text: n.text.clone(), by: n.by.by.clone(), unit: n.unit.clone(), at: n.by.at }
}

fn json<T: Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

fn urgency_code(u: Urgency) -> &'static str {
    match u {
        Urgency::Normal => "normal",
        Urgency::DueSoon => "due_soon",
        Urgency::Overdue => "overdue",
    }
}

impl From<&CaseView> for CaseDto {
    fn from(v: &CaseView) -> Self {
        let c: &Case = &v.case;
        let deadlines = c
            .deadlines
            .iter()
            .map(|d| {
                let st = v.standings.iter().find(|s| s.0 == d.id);
                DeadlineDto {
                    id: d.id,
                    kind: d.kind.code().into(),
                    label: d.kind.label().into(),
                    due: d.due,
                    met: d.met,
                    outcome: d.outcome().code().into(),
                    superseded_in_time: d.superseded.as_ref().map(|x| x.in_time),
                    superseded_by: d
                        .superseded
                        .as_ref()
                        .and_then(|x| x.by)
                        .and_then(|b| serde_json::to_value(b).ok())
                        .and_then(|v| v.as_str().map(str::to_owned)),
                    round: d.round + 1,
                    unit: d.unit.clone(),
                    provisional: d.provisional,
                    workdays: d.workdays,
                    policy_version: d.policy_version,
                    workdays_left: st.map(|s| s.2),
                    urgency: st.map(|s| urgency_code(s.1).into()),
                    extended_from: d.extended_from,
                    note: d.note.clone(),
                    reminded: d.reminded,
                    notice_flagged: d.notice_flagged,
                }
            })
            .collect();
        CaseDto {
            number: c.number.clone(),
            status: c.status.code().into(),
            status_label: c.status.label().into(),
            level: c.level.code().into(),
            level_label: c.level.label().into(),
            channel: c.channel.code().into(),
            applicant_type: c.applicant.kind.map(|k| k.code().into()),
            applicant_name: c.applicant.name.clone(),
            phone: c.applicant.phone.clone(),
            id_number: c.applicant.id_number.clone(),
            enterprise_name: c.applicant.enterprise_name.clone(),
            credit_code: c.applicant.credit_code.clone(),
            description: c.description.clone(),
            matter: c.matter.clone(),
            failed_unit: c.failed_unit.clone(),
            category: c.category.map(|x| x.code().into()),
            unit: c.unit.clone(),
            co_units: c.co_units.clone(),
            assignee: c.assignee.clone(),
            received_by: c.received_by.clone(),
            received_unit: c.received_unit.clone(),
            received_at: c.received_at,
            deadlines,
            overdue: v.overdue,
            due_soon: v.due_soon,
            reopen_count: c.reopen_count,
            outcome: c.outcome.map(|o| o.code().into()),
            reply: c.reply.as_ref().map(note),
            feedback: c.feedback.iter().map(note).collect(),
            contacts: c.contacts.iter().map(note).collect(),
            verification: c.verification.as_ref().map(note),
            visits: c
                .visits
                .iter()
                .map(|x| VisitDto {
                    reached: x.reached,
                    satisfaction: x.satisfaction,
                    satisfaction_label: x.satisfaction.map(|s| satisfaction_label(s).into()),
                    comment: x.comment.clone(),
                    by: x.by.by.clone(),
                    role: x.role.clone(),
                    at: x.by.at,
                })
                .collect(),
            negative: c.negative.as_ref().map(json),
            extension: c.extension.as_ref().map(json),
            confirmation: c.confirmation.as_ref().map(json),
            notices: c.notices.iter().map(json).collect(),
            problem: c.problem,
            notice_flag: c.notice_flag,
            excluded: c.excluded.clone(),
            repeat_of: c.repeat_of.clone(),
            trips: c.trips(),
            withdrawn: c.withdrawn.as_ref().map(note),
            merged_into: c.merged_into.clone(),
            merged_from: c.merged_from.clone(),
            reconfirm: c.reconfirm,
            round: c.round + 1,
            attachments: c
                .attachments
                .iter()
                .map(|a| AttachmentDto {
                    seq: a.id,
                    name: a.name.clone(),
                    mime: a.mime.clone(),
                    size: a.size,
                    sha256: a.sha256.clone(),
                    by: a.by.by.clone(),
                    at: a.by.at,
                })
                .collect(),
            version: v.version,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseSummary>,
    pub total: i64,
    pub page: u32,
    pub per_page: u32,
}

#[derive(Serialize, ToSchema)]
pub struct EventDto {
    pub seq: i64,
    pub kind: String,
    pub label: String,
    pub actor: String,
    pub actor_role: String,
    pub actor_unit: String,
    pub at: DateTime<Utc>,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// SHA-256 chain hash (SPEC §4.6).
    pub hash: String,
}

impl From<EventView> for EventDto {
    fn from(e: EventView) -> Self {
        EventDto {
            seq: e.seq,
            kind: e.kind,
            label: e.label,
            actor: e.actor,
            actor_role: e.actor_role,
            actor_unit: e.actor_unit,
            at: e.at,
            payload: e.payload,
            hash: e.hash,
        }
    }
}
