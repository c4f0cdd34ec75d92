//! `decide`: the one place where a command meets the rules. It checks permission (SPEC §2),
//! the transition (SPEC §4.1) and the input, and returns the events to append, or a typed
//! refusal. `apply` folds an event into the case; the stored case row is that fold.

use chrono::{DateTime, Days, NaiveDate, Utc};

use super::command::{Command, Registration, ValidRegistration};
use super::event::{CaseEvent, RecordedEvent};
use super::types::*;
use crate::actor::{Actor, Role};
use crate::calendar::Calendar;
use crate::deadline::{Deadline, DeadlineKind, local_day};
use crate::policy::DeadlinePolicy;
use crate::validate;
use crate::{DomainError, Result};

/// What `decide` needs besides the case and the command. Time is passed in.
#[derive(Clone, Copy)]
pub struct Ctx<'a> {
    pub actor: &'a Actor,
    pub now: DateTime<Utc>,
    pub policy: &'a DeadlinePolicy,
    pub calendar: &'a Calendar,
    /// Codes of the units of the actor's center (dispatch targets are checked against it).
    pub units: &'a [String],
}

impl Ctx<'_> {
    fn today(&self) -> NaiveDate {
        local_day(self.now)
    }
}

/// A message for the outbox (催办 to units, the new date to the applicant, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    pub kind: &'static str,
    /// A unit code, `unit_lead:CODE`, `role:office`, `user:USERNAME`, or `phone:NUMBER` for the
    /// applicant.
    pub recipient: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Decision {
    pub events: Vec<CaseEvent>,
    pub notifications: Vec<Notification>,
}

impl Decision {
    fn push(&mut self, e: CaseEvent) {
        self.events.push(e);
    }
    fn notify(&mut self, kind: &'static str, recipient: impl Into<String>, text: impl Into<String>) {
        self.notifications.push(Notification { kind, recipient: recipient.into(), text: text.into() });
    }
}

// ---------------------------------------------------------------------------------------------
// Registration (第一条): the window's duty staff registers every report; nothing is dropped.

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
    if !online && !matches!(actor.role, Role::Window | Role::Office) {
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
    };
    let mut d = Decision::default();
    let first_clock =
        (!online).then(|| new_deadline(&case, ctx, DeadlineKind::Result, ctx.policy.window_result));
    d.push(CaseEvent::Registered { case: Box::new(case) });
    if let Some(dl) = first_clock {
        // 第四条 简单问题，窗口即办: the same working day.
        d.push(CaseEvent::DeadlineSet { deadline: dl });
    }
    Ok(d)
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

// ---------------------------------------------------------------------------------------------
// Permissions (SPEC §2).

/// SPEC §2: a handler (or unit lead) reads only cases whose lead or co-unit is theirs; the
/// administrator manages the system and reads no case; everyone else on the staff reads all.
pub fn may_read(case: &Case, actor: &Actor) -> Result<()> {
    if case.center != actor.center {
        return Err(DomainError::not_found(format!("事项 {} 不存在", case.number)));
    }
    match actor.role {
        r if r.is_unit_scoped() => {
            if case.involves(&actor.unit) {
                Ok(())
            } else {
                Err(DomainError::forbidden("该事项不属于本单位，无权查看"))
            }
        }
        Role::Window | Role::Office | Role::Inspector | Role::Leader | Role::System => Ok(()),
        Role::Admin | Role::Public => Err(DomainError::forbidden("该角色无权查看事项")),
        _ => Err(DomainError::forbidden("该角色无权查看事项")),
    }
}

/// The case as `actor` may see it: SPEC §3/Privacy — the full phone only for roles that contact
/// the applicant, the full ID number only for the window and the office.
pub fn view_of(case: &Case, actor: &Actor) -> Case {
    let mut c = case.clone();
    let full_phone = matches!(
        actor.role,
        Role::Window | Role::Handler | Role::UnitLead | Role::Office | Role::Inspector | Role::System
    );
    let full_id = matches!(actor.role, Role::Window | Role::Office | Role::System);
    if !full_phone {
        c.applicant.phone = validate::mask_phone(&c.applicant.phone);
    }
    if !full_id {
        c.applicant.id_number = c.applicant.id_number.as_deref().map(validate::mask_id);
    }
    c
}

/// Which roles may issue a command at all (before unit scoping).
fn role_allowed(cmd: &Command, role: Role) -> bool {
    use Role::*;
    let allowed: &[Role] = match cmd {
        Command::Accept => &[Window, Office],
        Command::Dispatch { .. } => &[Window, Office],
        // 退单 and 延期申请 are the responsible unit's own acts.
        Command::Return { .. } | Command::RequestExtension { .. } => &[Handler, UnitLead],
        Command::ApproveExtension | Command::RejectExtension { .. } => &[Office],
        Command::Contact { .. } => &[Window, Handler, UnitLead, Office],
        Command::Feedback { .. } => &[Handler, UnitLead, Office],
        // 第四条 提级; leaders decide 一事一议 cases.
        Command::Escalate { .. } => &[Window, Office, Leader],
        Command::ProposeNegative { .. } => &[Window, Handler, UnitLead, Office],
        // 第二条: the leading group office approves 否定答复.
        Command::ApproveNegative | Command::RejectNegative { .. } => &[Office],
        Command::Resolve { .. } => &[Window, Handler, UnitLead, Office, Leader],
        Command::Confirm { .. } => &[Window, Office],
        // 四(四) 结果核查 by the office; 第六条 回访 by the office with 督查股.
        Command::Verify { .. } => &[Office],
        Command::Visit { .. } => &[Office, Inspector],
        // 第五条 重新核实 and 通报.
        Command::Reverify { .. } | Command::Notice { .. } => &[Office],
        // 五(三) 领导小组定期督办; 督查股.
        Command::Supervise { .. } => &[Office, Inspector, Leader],
        Command::Close => &[Office],
        // SPEC §2: the unit lead assigns within the unit; the office may too.
        Command::Assign { .. } => &[UnitLead, Office],
        Command::Tick | Command::RecomputeDeadlines => &[System],
    };
    allowed.contains(&role)
}

fn check_permission(case: &Case, cmd: &Command, actor: &Actor) -> Result<()> {
    may_read(case, actor)?;
    if !role_allowed(cmd, actor.role) {
        return Err(DomainError::forbidden(format!("{}无权执行“{}”", actor.role.label(), cmd.label())));
    }
    if actor.role.is_unit_scoped() {
        // Acts that only the lead unit may do; co-units may give feedback and contact.
        let lead_only = matches!(
            cmd,
            Command::Return { .. }
                | Command::Assign { .. }
                | Command::RequestExtension { .. }
                | Command::ProposeNegative { .. }
                | Command::Resolve { .. }
        );
        if lead_only && case.unit.as_deref() != Some(actor.unit.as_str()) {
            return Err(DomainError::forbidden(format!("只有牵头单位可以“{}”", cmd.label())));
        }
    }
    match (cmd, actor.role) {
        // The window resolves at once only 简单问题 (第四条 三级响应).
        (Command::Resolve { .. }, Role::Window) if case.level != Level::Window => {
            Err(DomainError::forbidden("窗口只能办结窗口即办的简单问题，其他事项由责任单位答复"))
        }
        // Leaders decide 一事一议 and 难点 cases.
        (Command::Resolve { .. }, Role::Leader) if case.level.rank() < Level::Joint.rank() => {
            Err(DomainError::forbidden("中心领导只办结一事一议或难点问题"))
        }
        _ => Ok(()),
    }
}

fn conflict<T>(msg: impl Into<String>) -> Result<T> {
    Err(DomainError::conflict(msg))
}

fn require_status(case: &Case, cmd: &Command, allowed: &[Status]) -> Result<()> {
    if allowed.contains(&case.status) {
        Ok(())
    } else {
        conflict(format!("事项当前状态为“{}”，不能“{}”", case.status.label(), cmd.label()))
    }
}

fn long_text(field: &'static str, label: &str, s: &str) -> Result<String> {
    validate::text(field, label, s, 1, 2000)
}

fn unit_code(ctx: &Ctx<'_>, field: &'static str, code: &str) -> Result<String> {
    let code = code.trim();
    if ctx.units.iter().any(|u| u == code) {
        Ok(code.to_owned())
    } else {
        Err(DomainError::invalid(field, format!("单位代码不存在：{code}")))
    }
}

// ---------------------------------------------------------------------------------------------
// Deadlines.

fn new_deadline(case: &Case, ctx: &Ctx<'_>, kind: DeadlineKind, workdays: u32) -> Deadline {
    new_deadline_from(case, ctx, kind, workdays, ctx.today())
}

fn new_deadline_from(
    case: &Case,
    ctx: &Ctx<'_>,
    kind: DeadlineKind,
    workdays: u32,
    from: NaiveDate,
) -> Deadline {
    let due = ctx.calendar.add_workdays_provisional(from, workdays);
    Deadline {
        id: case.deadlines.iter().map(|d| d.id).max().unwrap_or(0) + 1,
        kind,
        due: due.date,
        provisional: due.provisional,
        workdays,
        from: Some(from),
        policy_version: ctx.policy.version,
        set_at: ctx.now,
        met: None,
        closed_at: None,
        extended_from: None,
        note: None,
        reminded: false,
        notice_flagged: false,
    }
}

/// Folds events into a scratch copy so that later clocks get fresh ids.
struct Draft<'c> {
    case: Case,
    ctx: &'c Ctx<'c>,
    d: Decision,
}

impl<'c> Draft<'c> {
    fn new(case: &Case, ctx: &'c Ctx<'c>) -> Self {
        Draft { case: case.clone(), ctx, d: Decision::default() }
    }

    fn emit(&mut self, e: CaseEvent) {
        let rec = RecordedEvent {
            event: e.clone(),
            actor: self.ctx.actor.username.clone(),
            actor_role: self.ctx.actor.role.code().into(),
            actor_unit: self.ctx.actor.unit.clone(),
            at: self.ctx.now,
        };
        apply(&mut self.case, &rec);
        self.d.push(e);
    }

    /// Closes open clocks of the given kinds: met if the event is in time.
    fn close_clocks(&mut self, kinds: &[DeadlineKind]) {
        let now = self.ctx.now;
        let closing: Vec<(u32, bool)> = self
            .case
            .open_deadlines()
            .filter(|d| kinds.contains(&d.kind))
            .map(|d| (d.id, d.in_time(now)))
            .collect();
        for (id, met) in closing {
            self.emit(CaseEvent::DeadlineClosed { id, met });
        }
    }

    fn set_clock(&mut self, kind: DeadlineKind, workdays: u32) {
        let dl = new_deadline(&self.case, self.ctx, kind, workdays);
        self.emit(CaseEvent::DeadlineSet { deadline: dl });
    }

    /// SPEC §4.2: the level's clocks start now. 第四条: 复杂问题 3 working days to first
    /// feedback; 四(三) 5 to solve; 第四条 一事一议 7; 难点问题 the term set when reporting.
    fn start_level_clocks(&mut self, level: Level, county_term: Option<u32>) {
        let p = self.ctx.policy;
        self.close_clocks(&[DeadlineKind::FirstFeedback, DeadlineKind::Result, DeadlineKind::CountyReply]);
        match level {
            Level::Window => self.set_clock(DeadlineKind::Result, p.window_result),
            Level::Department => {
                self.set_clock(DeadlineKind::FirstFeedback, p.first_feedback);
                self.set_clock(DeadlineKind::Result, p.department_result);
            }
            Level::Joint => self.set_clock(DeadlineKind::Result, p.joint_result),
            Level::County => self.set_clock(DeadlineKind::CountyReply, county_term.unwrap_or(p.county_reply)),
        }
    }

    /// SPEC §4.2 practice: 问题工单 — reopened N times, or through N units without a result,
    /// is raised to `joint` automatically and put under 督办.
    fn problem_rule(&mut self) {
        let p = self.ctx.policy;
        if self.case.problem || self.case.outcome.is_some() && self.case.status != Status::Dispatched {
            return;
        }
        let mut units: Vec<&String> = Vec::new();
        for u in &self.case.unit_history {
            if !units.contains(&u) {
                units.push(u);
            }
        }
        let reason = if self.case.reopen_count >= p.problem_reopens {
            format!("重办{}次", self.case.reopen_count)
        } else if units.len() as u32 >= p.problem_units {
            format!("经{}个单位办理仍未解决", units.len())
        } else {
            return;
        };
        self.emit(CaseEvent::ProblemRaised { reason: reason.clone() });
        if self.case.level.rank() < Level::Joint.rank() {
            let from = self.case.level;
            self.emit(CaseEvent::Escalated {
                from,
                to: Level::Joint,
                reason: format!("问题工单：{reason}"),
                unit: None,
                automatic: true,
            });
            self.start_level_clocks(Level::Joint, None);
        }
        let mut dl = new_deadline(&self.case, self.ctx, DeadlineKind::Supervision, p.joint_result);
        dl.note = Some(format!("问题工单自动督办：{reason}"));
        self.emit(CaseEvent::DeadlineSet { deadline: dl });
        let number = self.case.number.clone();
        self.d.notify("problem", "role:office", format!("事项{number}列为问题工单（{reason}），已提级督办"));
        self.d.notify("problem", "role:leader", format!("事项{number}列为问题工单（{reason}），已提级督办"));
    }

    fn finish(self) -> Decision {
        self.d
    }
}

// ---------------------------------------------------------------------------------------------
// decide.

/// Decides a command on a case: the events to append, or why not.
pub fn decide(case: &Case, cmd: &Command, ctx: &Ctx<'_>) -> Result<Decision> {
    check_permission(case, cmd, ctx.actor)?;
    let mut w = Draft::new(case, ctx);
    let today = ctx.today();
    let number = case.number.clone();
    match cmd {
        Command::Accept => {
            require_status(case, cmd, &[Status::Submitted])?;
            w.emit(CaseEvent::Accepted {});
            w.set_clock(DeadlineKind::Result, ctx.policy.window_result);
        }
        Command::Dispatch { unit, co_units, level } => {
            require_status(case, cmd, &[Status::Accepted, Status::Returned, Status::Dispatched])?;
            if *level == Level::Window {
                return Err(DomainError::invalid("level", "转派的响应级别应为 department、joint 或 county"));
            }
            if level.rank() < case.level.rank() {
                return Err(DomainError::invalid("level", "转派不能降低响应级别"));
            }
            let unit = unit_code(ctx, "unit", unit)?;
            let mut cos = Vec::new();
            for c in co_units {
                let c = unit_code(ctx, "co_units", c)?;
                if c != unit && !cos.contains(&c) {
                    cos.push(c);
                }
            }
            w.emit(CaseEvent::Dispatched { unit: unit.clone(), co_units: cos.clone(), level: *level });
            w.start_level_clocks(*level, None);
            for u in std::iter::once(&unit).chain(cos.iter()) {
                w.d.notify("dispatched", u.clone(), format!("新转派事项{number}，请及时办理"));
            }
            w.problem_rule();
        }
        Command::Return { reason } => {
            require_status(case, cmd, &[Status::Dispatched])?;
            let reason = long_text("reason", "退单理由", reason)?;
            // The unit's own clock ends; the case's result clock runs on until it is reassigned.
            w.close_clocks(&[DeadlineKind::FirstFeedback]);
            w.emit(CaseEvent::Returned { reason });
            w.d.notify("returned", "role:office", format!("事项{number}被退单，请重新派发"));
        }
        Command::RequestExtension { workdays, reason } => {
            require_status(case, cmd, &[Status::Dispatched])?;
            if case.extension.as_ref().is_some_and(|e| e.state == ReportState::Pending) {
                return conflict("已有待审批的延期申请");
            }
            let Some(dl) = case
                .open_deadline(DeadlineKind::Result)
                .or_else(|| case.open_deadline(DeadlineKind::CountyReply))
            else {
                return conflict("没有可延期的办理期限");
            };
            // Practice: an extension is asked for before the deadline, not after.
            if today > dl.due {
                return conflict("办理期限已过，不能再申请延期");
            }
            if *workdays == 0 || *workdays > ctx.policy.max_extension {
                return Err(DomainError::invalid(
                    "workdays",
                    format!("延期天数应为1至{}个工作日", ctx.policy.max_extension),
                ));
            }
            let reason = long_text("reason", "延期理由", reason)?;
            let new_due = ctx.calendar.add_workdays_provisional(dl.due, *workdays).date;
            w.emit(CaseEvent::ExtensionRequested {
                deadline_id: dl.id,
                workdays: *workdays,
                reason,
                new_due,
            });
            w.d.notify("extension", "role:office", format!("事项{number}申请延期至{new_due}，请审批"));
        }
        Command::ApproveExtension | Command::RejectExtension { .. } => {
            let Some(ext) = case.extension.as_ref().filter(|e| e.state == ReportState::Pending) else {
                return conflict("没有待审批的延期申请");
            };
            if let Command::RejectExtension { note } = cmd {
                let note = long_text("note", "不批准理由", note)?;
                w.emit(CaseEvent::ExtensionRejected { note });
            } else {
                let Some(dl) = case.deadlines.iter().find(|d| d.id == ext.deadline_id && d.is_open()) else {
                    return conflict("申请延期的期限已结束");
                };
                w.emit(CaseEvent::ExtensionApproved { deadline_id: ext.deadline_id, new_due: ext.new_due });
                w.emit(CaseEvent::DeadlineExtended { id: dl.id, from: dl.due, to: ext.new_due });
                // Practice: the applicant is told the new date.
                w.d.notify(
                    "extension_approved",
                    format!("phone:{}", case.applicant.phone),
                    format!(
                        "您反映的事项（编号{number}）办理期限延长至{}，我们会及时告知办理结果。",
                        ext.new_due
                    ),
                );
            }
        }
        Command::Contact { note } => {
            if case.status == Status::Closed {
                return conflict("事项已归档");
            }
            let note = long_text("note", "联系情况", note)?;
            w.emit(CaseEvent::Contacted { note });
        }
        Command::Feedback { text } => {
            require_status(case, cmd, &[Status::Dispatched])?;
            let text = long_text("text", "反馈意见", text)?;
            w.emit(CaseEvent::FeedbackGiven { text });
            w.close_clocks(&[DeadlineKind::FirstFeedback]);
        }
        Command::Escalate { level, reason, due_workdays, unit } => {
            require_status(case, cmd, &[Status::Accepted, Status::Returned, Status::Dispatched])?;
            if level.rank() <= case.level.rank() {
                return Err(DomainError::invalid("level", "提级应高于当前响应级别"));
            }
            if let Some(n) = due_workdays
                && (*n == 0 || *n > 60)
            {
                return Err(DomainError::invalid("due_workdays", "期限应为1至60个工作日"));
            }
            let reason = long_text("reason", "提级理由", reason)?;
            let unit = unit.as_deref().map(|u| unit_code(ctx, "unit", u)).transpose()?;
            w.emit(CaseEvent::Escalated { from: case.level, to: *level, reason, unit, automatic: false });
            w.start_level_clocks(*level, *due_workdays);
            w.problem_rule();
        }
        Command::ProposeNegative { reasons, basis, excluded } => {
            let ok = case.status == Status::Dispatched
                || case.status == Status::Accepted && case.level == Level::Window;
            if !ok {
                return conflict(format!("事项当前状态为“{}”，不能提交否定答复报告", case.status.label()));
            }
            let reasons = long_text("reasons", "不能办理的原因", reasons)?;
            let basis = long_text("basis", "政策法规依据", basis)?;
            w.emit(CaseEvent::NegativeProposed { reasons, basis, excluded: *excluded });
            // 四(三): 完全不能办理 — reply with reasons within 3 working days of dispatch.
            if !case.deadlines.iter().any(|d| d.kind == DeadlineKind::NegativeReply) {
                let from = local_day(case.dispatched_at.unwrap_or(case.received_at));
                let dl = new_deadline_from(
                    &w.case,
                    ctx,
                    DeadlineKind::NegativeReply,
                    ctx.policy.negative_reply,
                    from,
                );
                w.emit(CaseEvent::DeadlineSet { deadline: dl });
            }
            w.d.notify("negative", "role:office", format!("事项{number}提交否定答复报告，请审核"));
        }
        Command::ApproveNegative | Command::RejectNegative { .. } => {
            require_status(case, cmd, &[Status::NegativePending])?;
            let report = case.negative.as_ref().filter(|n| n.state == ReportState::Pending);
            let Some(report) = report else {
                return conflict("没有待审核的否定答复报告");
            };
            match cmd {
                Command::ApproveNegative => {
                    // 第二条: nobody approves their own 否定答复.
                    if report.proposed.by == ctx.actor.username {
                        return Err(DomainError::forbidden("不能审批本人提交的否定答复报告"));
                    }
                    w.emit(CaseEvent::NegativeApproved {});
                }
                Command::RejectNegative { note } => {
                    let note = long_text("note", "退回意见", note)?;
                    w.emit(CaseEvent::NegativeRejected { note });
                }
                _ => unreachable!("matched above"),
            }
        }
        Command::Resolve { outcome, reply } => {
            let ok = case.status == Status::Dispatched
                || case.status == Status::Accepted && case.level == Level::Window;
            if !ok {
                return conflict(format!("事项当前状态为“{}”，不能办结", case.status.label()));
            }
            // 4.4: only an approved 否定答复 lets a case end as 不能办理.
            if *outcome == Outcome::Explained
                && !case.negative.as_ref().is_some_and(|n| n.state == ReportState::Approved)
            {
                return conflict("“不能办理”须先经领导小组办公室批准否定答复报告");
            }
            let mut reply = long_text("reply", "回复内容", reply)?;
            if *outcome == Outcome::Explained
                && let Some(n) = &case.negative
                && !reply.contains(&n.reasons)
            {
                // 4.4: the reply quotes the approved reasons.
                reply = format!("{reply}\n不能办理的原因：{}\n依据：{}", n.reasons, n.basis);
            }
            w.emit(CaseEvent::Resolved { outcome: *outcome, reply });
            w.close_clocks(&[
                DeadlineKind::FirstFeedback,
                DeadlineKind::Result,
                DeadlineKind::NegativeReply,
                DeadlineKind::CountyReply,
                DeadlineKind::Supervision,
            ]);
            w.d.notify(
                "resolved",
                format!("phone:{}", case.applicant.phone),
                format!("您反映的事项（编号{number}）已办结答复，如有意见请联系“办不成事”反映窗口。"),
            );
        }
        Command::Confirm { by, signature } => {
            if case.status == Status::Closed {
                return conflict("事项已归档");
            }
            let by = validate::text("by", "确认人", by, 1, 50)?;
            // A drawn signature: a PNG data URL of base64 only, so it can be shown as an image
            // anywhere without being able to carry markup.
            if let Some(sig) = signature {
                let b64 = sig.strip_prefix("data:image/png;base64,");
                let ok = b64.is_some_and(|b| {
                    b.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'+' | b'/' | b'='))
                });
                if !ok || sig.len() > 200_000 {
                    return Err(DomainError::invalid("signature", "签名应为不超过200KB的PNG图片"));
                }
            }
            w.emit(CaseEvent::Confirmed { by, signature: signature.clone() });
        }
        Command::Verify { ok, note } => {
            require_status(case, cmd, &[Status::Resolved])?;
            let note = validate::text("note", "核查意见", note, if *ok { 0 } else { 1 }, 2000)?;
            if *ok {
                w.emit(CaseEvent::Verified { note });
            } else {
                w.emit(CaseEvent::SentBack { note });
                w.start_level_clocks(case.level, None);
            }
        }
        Command::Visit { reached, satisfaction, comment } => {
            require_status(case, cmd, &[Status::Resolved, Status::Verified, Status::Closed])?;
            match (reached, satisfaction) {
                (true, Some(s)) if (1..=5).contains(s) => {}
                (true, _) => {
                    return Err(DomainError::invalid("satisfaction", "回访满意度应为1至5（5为非常满意）"));
                }
                (false, Some(_)) => {
                    return Err(DomainError::invalid("satisfaction", "未联系上办理对象时不能填写满意度"));
                }
                (false, None) => {}
            }
            let comment = validate::optional_text("comment", "回访意见", comment.as_deref(), 500)?;
            w.emit(CaseEvent::Visited { reached: *reached, satisfaction: *satisfaction, comment });
            // 第五条 / SPEC §4.5: 不满意 or worse sends the case back to 重新核实.
            if satisfaction.is_some_and(|s| s <= 2) {
                let unit = case.unit.clone().unwrap_or_else(|| case.received_unit.clone());
                w.emit(CaseEvent::Reopened {
                    unit: unit.clone(), note: "回访不满意，重新核实".into()
                });
                w.start_level_clocks(case.level, None);
                w.d.notify("reopened", unit, format!("事项{number}回访不满意，请重新核实"));
                w.problem_rule();
            }
        }
        Command::Reverify { unit, note } => {
            require_status(case, cmd, &[Status::Resolved, Status::Verified, Status::Closed])?;
            let unit = unit_code(ctx, "unit", unit)?;
            let note = long_text("note", "重新核实要求", note)?;
            w.emit(CaseEvent::Reopened { unit: unit.clone(), note });
            w.start_level_clocks(case.level, None);
            w.d.notify("reopened", unit, format!("事项{number}需重新核实"));
            w.problem_rule();
        }
        Command::Notice { unit, person, fault, opinion } => {
            let unit = unit_code(ctx, "unit", unit)?;
            let person = validate::optional_text("person", "责任人", person.as_deref(), 50)?;
            let fault = long_text("fault", "过错情况", fault)?;
            let opinion = long_text("opinion", "处理意见", opinion)?;
            w.emit(CaseEvent::Noticed { unit, person, fault, opinion });
        }
        Command::Supervise { note, due } => {
            if !case.status.is_open() {
                return conflict("事项已办结，不能督办");
            }
            if *due < today {
                return Err(DomainError::invalid("due", "督办期限不能早于今天"));
            }
            let note = long_text("note", "督办意见", note)?;
            let mut dl = new_deadline(&w.case, ctx, DeadlineKind::Supervision, 0);
            dl.due = *due;
            dl.workdays = ctx.calendar.workdays_between(today, *due).max(0) as u32;
            dl.provisional = !ctx.calendar.covers(*due);
            dl.note = Some(note.clone());
            w.emit(CaseEvent::DeadlineSet { deadline: dl });
            if let Some(u) = &case.unit {
                w.d.notify("supervised", u.clone(), format!("事项{number}已被督办：{note}"));
            }
        }
        Command::Assign { assignee, assignee_unit } => {
            require_status(case, cmd, &[Status::Dispatched, Status::NegativePending])?;
            if case.unit.as_deref() != Some(assignee_unit.as_str()) {
                return Err(DomainError::invalid("assignee", "经办人应为牵头单位的工作人员"));
            }
            w.emit(CaseEvent::Assigned { assignee: assignee.clone() });
            w.d.notify("assigned", format!("user:{assignee}"), format!("事项{number}已指定您为经办人"));
        }
        Command::Close => {
            require_status(case, cmd, &[Status::Verified])?;
            // 四(四): results are verified and the applicant called back before archiving.
            if case.visits.is_empty() {
                return conflict("尚未回访办理对象，不能归档");
            }
            w.emit(CaseEvent::Closed {});
        }
        Command::Tick => tick(&mut w, today),
        Command::RecomputeDeadlines => {
            // SPEC §4.3: open deadlines follow the imported schedule; each change is an event.
            let open: Vec<_> = case.open_deadlines().cloned().collect();
            for dl in open {
                let Some(from) = dl.from else { continue };
                if dl.kind == DeadlineKind::Supervision || dl.extended_from.is_some() {
                    continue; // fixed dates, not working-day terms
                }
                let now = ctx.calendar.add_workdays_provisional(from, dl.workdays);
                if now.date != dl.due || now.provisional != dl.provisional {
                    w.emit(CaseEvent::DeadlineRecomputed {
                        id: dl.id,
                        from: dl.due,
                        to: now.date,
                        provisional: now.provisional,
                    });
                }
            }
        }
    }
    Ok(w.finish())
}

/// SPEC §4.2 practice: 催办 the day after a deadline passes (to the unit and its lead); still
/// overdue `notice_after_overdue` working days after that: flagged for 通报. Each exactly once.
fn tick(w: &mut Draft<'_>, today: NaiveDate) {
    let p = w.ctx.policy;
    let cal = w.ctx.calendar;
    let number = w.case.number.clone();
    let unit = w.case.unit.clone();
    let open: Vec<Deadline> = w.case.open_deadlines().cloned().collect();
    for dl in open {
        if today <= dl.due {
            continue;
        }
        if !dl.reminded {
            let contacted = w.case.contacts.iter().any(|c| dl.in_time(c.by.at));
            w.emit(CaseEvent::Reminded { deadline_id: dl.id, contacted });
            let text = format!("催办：事项{number}的{}期限（{}）已过，请尽快办理", dl.kind.label(), dl.due);
            match &unit {
                Some(u) => {
                    w.d.notify("reminder", u.clone(), text.clone());
                    w.d.notify("reminder", format!("unit_lead:{u}"), text);
                }
                None => w.d.notify("reminder", "role:office", text),
            }
        }
        let day_after = dl.due.checked_add_days(Days::new(1)).unwrap_or(dl.due);
        let flag_day = cal.add_workdays_provisional(day_after, p.notice_after_overdue).date;
        if !dl.notice_flagged && today >= flag_day {
            w.emit(CaseEvent::NoticeFlagged { deadline_id: dl.id });
            w.d.notify(
                "notice_flag",
                "role:office",
                format!("事项{number}超期{}个工作日仍未办结，列入通报", p.notice_after_overdue),
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// apply.

/// Folds one event into the case. Pure and total: events were validated when decided.
pub fn apply(case: &mut Case, rec: &RecordedEvent) {
    let stamp = || Stamp { by: rec.actor.clone(), at: rec.at };
    let note = |text: &str| Note { text: text.to_owned(), by: stamp(), unit: rec.actor_unit.clone() };
    match &rec.event {
        CaseEvent::Registered { case: initial } => {
            let number = std::mem::take(&mut case.number);
            *case = (**initial).clone();
            if !number.is_empty() {
                case.number = number;
            }
        }
        CaseEvent::Accepted {} => case.status = Status::Accepted,
        CaseEvent::Dispatched { unit, co_units, level } => {
            case.status = Status::Dispatched;
            case.level = *level;
            if case.unit.as_deref() != Some(unit.as_str()) {
                case.assignee = None;
            }
            case.unit = Some(unit.clone());
            case.co_units = co_units.clone();
            case.dispatched_at = Some(rec.at);
            case.returned = None;
            case.unit_history.push(unit.clone());
        }
        CaseEvent::Returned { reason } => {
            case.status = Status::Returned;
            case.returned = Some(note(reason));
            case.unit = None;
            case.assignee = None;
            case.co_units.clear();
        }
        CaseEvent::ExtensionRequested { deadline_id, workdays, reason, new_due } => {
            case.extension = Some(ExtensionRequest {
                deadline_id: *deadline_id,
                workdays: *workdays,
                reason: reason.clone(),
                requested: stamp(),
                new_due: *new_due,
                state: ReportState::Pending,
                decided: None,
                note: None,
            });
        }
        CaseEvent::ExtensionApproved { .. } => {
            if let Some(e) = &mut case.extension {
                e.state = ReportState::Approved;
                e.decided = Some(stamp());
            }
        }
        CaseEvent::ExtensionRejected { note: n } => {
            if let Some(e) = &mut case.extension {
                e.state = ReportState::Rejected;
                e.decided = Some(stamp());
                e.note = Some(n.clone());
            }
        }
        CaseEvent::Contacted { note: n } => case.contacts.push(note(n)),
        CaseEvent::FeedbackGiven { text } => case.feedback.push(note(text)),
        CaseEvent::Escalated { to, unit, .. } => {
            case.level = *to;
            if let Some(u) = unit {
                if case.unit.as_deref() != Some(u.as_str()) {
                    case.assignee = None;
                }
                case.unit = Some(u.clone());
                case.status = Status::Dispatched;
                case.dispatched_at = Some(rec.at);
                case.unit_history.push(u.clone());
            }
        }
        CaseEvent::NegativeProposed { reasons, basis, excluded } => {
            case.negative = Some(NegativeReport {
                reasons: reasons.clone(),
                basis: basis.clone(),
                excluded: *excluded,
                proposed: stamp(),
                from_status: case.status,
                state: ReportState::Pending,
                decided: None,
                note: None,
            });
            case.status = Status::NegativePending;
        }
        CaseEvent::NegativeApproved {} => {
            if let Some(n) = &mut case.negative {
                n.state = ReportState::Approved;
                n.decided = Some(stamp());
                case.status = n.from_status;
                if n.excluded {
                    case.excluded = Some(n.reasons.clone());
                }
            }
        }
        CaseEvent::NegativeRejected { note: text } => {
            if let Some(n) = &mut case.negative {
                n.state = ReportState::Rejected;
                n.decided = Some(stamp());
                n.note = Some(text.clone());
                case.status = n.from_status;
            }
        }
        CaseEvent::Resolved { outcome, reply } => {
            case.status = Status::Resolved;
            case.outcome = Some(*outcome);
            case.reply = Some(note(reply));
        }
        CaseEvent::Confirmed { by, .. } => case.confirmation = Some(Stamp { by: by.clone(), at: rec.at }),
        CaseEvent::Verified { note: n } => {
            case.status = Status::Verified;
            case.verification = Some(note(n));
        }
        CaseEvent::SentBack { note: n } => {
            case.status = Status::Dispatched;
            case.verification = Some(note(n));
            case.outcome = None;
        }
        CaseEvent::Visited { reached, satisfaction, comment } => case.visits.push(Visit {
            reached: *reached,
            satisfaction: *satisfaction,
            comment: comment.clone(),
            by: stamp(),
            role: rec.actor_role.clone(),
        }),
        CaseEvent::Reopened { unit, .. } => {
            case.status = Status::Dispatched;
            case.reopen_count += 1;
            case.outcome = None;
            case.dispatched_at = Some(rec.at);
            if case.unit.as_deref() != Some(unit.as_str()) {
                case.unit = Some(unit.clone());
                case.assignee = None;
                case.co_units.retain(|u| u != unit);
            }
            case.unit_history.push(unit.clone());
        }
        CaseEvent::Noticed { unit, person, fault, opinion } => case.notices.push(Notice {
            unit: unit.clone(),
            person: person.clone(),
            fault: fault.clone(),
            opinion: opinion.clone(),
            by: stamp(),
        }),
        CaseEvent::Closed {} => case.status = Status::Closed,
        CaseEvent::Assigned { assignee } => case.assignee = Some(assignee.clone()),
        CaseEvent::DeadlineSet { deadline } => case.deadlines.push(deadline.clone()),
        CaseEvent::DeadlineClosed { id, met } => {
            if let Some(d) = case.deadlines.iter_mut().find(|d| d.id == *id) {
                d.met = Some(*met);
                d.closed_at = Some(rec.at);
            }
        }
        CaseEvent::DeadlineExtended { id, from, to } => {
            if let Some(d) = case.deadlines.iter_mut().find(|d| d.id == *id) {
                d.extended_from = Some(*from);
                d.due = *to;
                d.reminded = false;
                d.notice_flagged = false;
            }
        }
        CaseEvent::DeadlineRecomputed { id, to, provisional, .. } => {
            if let Some(d) = case.deadlines.iter_mut().find(|d| d.id == *id) {
                d.due = *to;
                d.provisional = *provisional;
            }
        }
        CaseEvent::Reminded { deadline_id, .. } => {
            if let Some(d) = case.deadlines.iter_mut().find(|d| d.id == *deadline_id) {
                d.reminded = true;
            }
        }
        CaseEvent::NoticeFlagged { deadline_id } => {
            case.notice_flag = true;
            if let Some(d) = case.deadlines.iter_mut().find(|d| d.id == *deadline_id) {
                d.notice_flagged = true;
            }
        }
        CaseEvent::ProblemRaised { .. } => case.problem = true,
    }
}

/// Rebuilds a case from its whole history (the stored row must equal this).
pub fn replay(number: &str, events: &[RecordedEvent]) -> Option<Case> {
    let mut it = events.iter();
    let first = it.next()?;
    let CaseEvent::Registered { case } = &first.event else {
        return None;
    };
    let mut c = (**case).clone();
    c.number = number.to_owned();
    for e in it {
        apply(&mut c, e);
    }
    Some(c)
}
