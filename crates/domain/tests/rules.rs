//! Rule tests for `decide`: each test names the rule of the source or SPEC it checks.

mod common;

use common::*;

#[test]
fn article4_window_level_simple_problem_is_due_the_same_working_day_and_resolved_by_the_window() {
    let w = World::new();
    let c = w.register(at(2026, 9, 30, 9));
    assert_eq!(c.status, Status::Accepted);
    assert_eq!(c.level, Level::Window);
    assert_eq!(due(&c, DeadlineKind::Result), day(2026, 9, 30));
    let c = w.ok(
        &c,
        &window(),
        Command::Resolve { outcome: Outcome::Done, reply: "当场办结".into() },
        at(2026, 9, 30, 11),
    );
    assert_eq!(c.status, Status::Resolved);
    assert_eq!(met(&c, DeadlineKind::Result), Some(true));
    assert_eq!(c.reply.as_ref().unwrap().by.by, "lisu");
}

#[test]
fn article4_registered_on_a_holiday_the_window_clock_runs_to_the_next_working_day() {
    let w = World::new();
    let c = w.register(at(2026, 10, 3, 9));
    assert_eq!(due(&c, DeadlineKind::Result), day(2026, 10, 8), "国庆 10-01..07; 10-08 is a Thursday");
}

#[test]
fn article4_department_case_dispatched_2026_09_30_feedback_due_10_10_adjusted_saturday_result_due_10_13() {
    let w = World::new();
    let c = w.register(at(2026, 9, 30, 9));
    let c = w.ok(&c, &window(), dispatch("sw", Level::Department), at(2026, 9, 30, 10));
    assert_eq!(c.status, Status::Dispatched);
    assert_eq!(due(&c, DeadlineKind::FirstFeedback), day(2026, 10, 10));
    assert_eq!(due(&c, DeadlineKind::Result), day(2026, 10, 13));
    // SPEC §7: the window's same-day clock was superseded (in time), not met.
    assert_eq!(c.deadlines[0].outcome(), ClockOutcome::Superseded);
    assert_eq!(c.deadlines[0].superseded.as_ref().map(|s| s.in_time), Some(true));
    assert_eq!(c.deadlines[0].met, Some(false), "the case JSON's met is false for superseded");
}

#[test]
fn full_lifecycle_department_level_feedback_resolve_verify_visit_close() {
    let w = World::new();
    let h = handler("sw");
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("sw", Level::Department), at(2026, 3, 2, 10));
    let c = w.ok(&c, &h, Command::Feedback { text: "已联系科室核实".into() }, at(2026, 3, 4, 10));
    assert_eq!(met(&c, DeadlineKind::FirstFeedback), Some(true));
    let c = w.ok(&c, &h, Command::Contact { note: "电话告知进度".into() }, at(2026, 3, 5, 10));
    let c =
        w.ok(&c, &h, Command::Resolve { outcome: Outcome::Done, reply: "已办结".into() }, at(2026, 3, 6, 10));
    assert_eq!(met(&c, DeadlineKind::Result), Some(true));
    let c = w.ok(&c, &office(), Command::Verify { ok: true, note: "属实".into() }, at(2026, 3, 9, 10));
    assert_eq!(c.status, Status::Verified);
    let refused = w.act(&c, &office(), Command::Close, at(2026, 3, 9, 11));
    assert!(matches!(refused, Err(DomainError::Conflict { .. })), "四(四): no close before a return visit");
    let c = w.ok(
        &c,
        &office(),
        Command::Visit { reached: true, satisfaction: Some(5), comment: None },
        at(2026, 3, 10, 10),
    );
    let c = w.ok(&c, &office(), Command::Close, at(2026, 3, 10, 11));
    assert_eq!(c.status, Status::Closed);
}

#[test]
fn article4_joint_level_one_matter_one_discussion_due_in_7_working_days_decided_by_leader() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &office(), dispatch("sw", Level::Joint), at(2026, 3, 2, 10));
    assert_eq!(due(&c, DeadlineKind::Result), day(2026, 3, 11));
    assert!(c.deadlines.iter().all(|d| d.kind != DeadlineKind::FirstFeedback || !d.is_open()));
    let leader = actor("zhengjp", Role::Leader, "nxzx");
    let c = w.ok(
        &c,
        &leader,
        Command::Resolve { outcome: Outcome::Done, reply: "会审解决".into() },
        at(2026, 3, 10, 9),
    );
    assert_eq!(c.status, Status::Resolved);
}

#[test]
fn article4_county_level_reply_with_reasons_by_the_term_set_when_reporting() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &office(), dispatch("sw", Level::Department), at(2026, 3, 2, 10));
    let c = w.ok(
        &c,
        &office(),
        Command::Escalate {
            level: Level::County,
            reason: "涉及多部门政策".into(),
            due_workdays: Some(15),
            unit: Some("xyhb".into()),
            co_units: None,
        },
        at(2026, 3, 3, 10),
    );
    assert_eq!(c.level, Level::County);
    assert_eq!(c.unit.as_deref(), Some("xyhb"));
    assert_eq!(due(&c, DeadlineKind::CountyReply), day(2026, 3, 24));
    // Old clocks were closed at the escalation.
    assert!(c.deadlines.iter().filter(|d| d.kind != DeadlineKind::CountyReply).all(|d| !d.is_open()));
    let lower = w.act(
        &c,
        &office(),
        Command::Escalate {
            level: Level::Joint,
            reason: "x".into(),
            due_workdays: None,
            unit: None,
            co_units: None,
        },
        at(2026, 3, 3, 11),
    );
    assert!(matches!(lower, Err(DomainError::Invalid { field: "level", .. })));
}

#[test]
fn spec_4_2_escalation_restarts_the_clock_at_the_new_level() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("sw", Level::Department), at(2026, 3, 2, 10));
    let c = w.ok(
        &c,
        &office(),
        Command::Escalate {
            level: Level::Joint,
            reason: "需联动会审".into(),
            due_workdays: None,
            unit: None,
            co_units: None,
        },
        at(2026, 3, 4, 10),
    );
    assert_eq!(c.level, Level::Joint);
    assert_eq!(due(&c, DeadlineKind::Result), day(2026, 3, 13));
}

#[test]
fn article2_negative_answer_needs_office_approval_and_nobody_approves_their_own() {
    let w = World::new();
    let h = handler("ga");
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("ga", Level::Department), at(2026, 3, 2, 10));
    let early = w.act(
        &c,
        &h,
        Command::Resolve { outcome: Outcome::Explained, reply: "不能办".into() },
        at(2026, 3, 3, 9),
    );
    assert!(matches!(early, Err(DomainError::Conflict { .. })), "4.4: explained needs an approved report");
    let c = w.ok(
        &c,
        &h,
        Command::ProposeNegative {
            reasons: "户籍不在本县".into(),
            basis: "《户口登记条例》".into(),
            excluded: false,
        },
        at(2026, 3, 3, 9),
    );
    assert_eq!(c.status, Status::NegativePending);
    // 四(三): reply with reasons within 3 working days of dispatch.
    assert_eq!(due(&c, DeadlineKind::NegativeReply), day(2026, 3, 5));
    let again = w.act(
        &c,
        &h,
        Command::ProposeNegative { reasons: "a".into(), basis: "b".into(), excluded: false },
        at(2026, 3, 3, 9),
    );
    assert!(matches!(again, Err(DomainError::Conflict { .. })));

    // The proposing office member may not approve their own report.
    let off = office();
    let own = w.ok(&c, &window(), Command::Contact { note: "告知审核中".into() }, at(2026, 3, 3, 9));
    let own = w.ok(&own, &off, Command::RejectNegative { note: "补充依据".into() }, at(2026, 3, 3, 10));
    let own = w.ok(
        &own,
        &off,
        Command::ProposeNegative {
            reasons: "户籍不在本县".into(), basis: "条例".into(), excluded: false
        },
        at(2026, 3, 3, 11),
    );
    assert!(matches!(
        w.act(&own, &off, Command::ApproveNegative, at(2026, 3, 3, 12)),
        Err(DomainError::Forbidden { .. })
    ));

    let c = w.ok(&c, &office(), Command::ApproveNegative, at(2026, 3, 4, 9));
    assert_eq!(c.status, Status::Dispatched);
    let c = w.ok(
        &c,
        &h,
        Command::Resolve { outcome: Outcome::Explained, reply: "已向群众解释".into() },
        at(2026, 3, 4, 10),
    );
    assert_eq!(c.outcome, Some(Outcome::Explained));
    assert!(c.reply.as_ref().unwrap().text.contains("户籍不在本县"), "4.4: the reply quotes the reasons");
    assert_eq!(met(&c, DeadlineKind::NegativeReply), Some(true));
}

#[test]
fn section3_out_of_scope_matters_are_kept_and_marked_excluded_through_an_approved_negative_answer() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(
        &c,
        &window(),
        Command::ProposeNegative {
            reasons: "涉诉事项".into(),
            basis: "方案三、工作对象".into(),
            excluded: true,
        },
        at(2026, 3, 2, 10),
    );
    let c = w.ok(&c, &office(), Command::ApproveNegative, at(2026, 3, 2, 11));
    assert_eq!(c.excluded.as_deref(), Some("涉诉事项"));
    let c = w.ok(
        &c,
        &window(),
        Command::Resolve { outcome: Outcome::Explained, reply: "已释因".into() },
        at(2026, 3, 2, 12),
    );
    assert_eq!(c.status, Status::Resolved);
}

#[test]
fn article5_dissatisfied_visit_sends_the_case_back_for_reverification_and_counts_a_reopen() {
    let w = World::new();
    let h = handler("sb");
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("sb", Level::Department), at(2026, 3, 2, 10));
    let c =
        w.ok(&c, &h, Command::Resolve { outcome: Outcome::Done, reply: "已办".into() }, at(2026, 3, 3, 10));
    let c = w.ok(&c, &office(), Command::Verify { ok: true, note: String::new() }, at(2026, 3, 4, 10));
    let inspector = actor("wangsy", Role::Inspector, "dcg");
    let c = w.ok(
        &c,
        &inspector,
        Command::Visit { reached: true, satisfaction: Some(2), comment: Some("没解决".into()) },
        at(2026, 3, 5, 10),
    );
    assert_eq!(c.status, Status::Dispatched);
    assert_eq!(c.reopen_count, 1);
    assert_eq!(c.unit.as_deref(), Some("sb"));
    assert!(c.open_deadline(DeadlineKind::Result).is_some(), "the reverification has a clock");
    // Resolve again, then the office sends it to another unit (reverify), counting another reopen.
    let c = w.ok(
        &c,
        &h,
        Command::Resolve { outcome: Outcome::Done, reply: "再次办理".into() },
        at(2026, 3, 6, 10),
    );
    let c = w.ok(
        &c,
        &office(),
        Command::Reverify { unit: "bdc".into(), note: "由不动产登记核实".into() },
        at(2026, 3, 9, 10),
    );
    assert_eq!((c.status, c.reopen_count, c.unit.as_deref()), (Status::Dispatched, 2, Some("bdc")));
    let c = w.ok(
        &c,
        &handler("bdc"),
        Command::Resolve { outcome: Outcome::Done, reply: "已办成".into() },
        at(2026, 3, 10, 10),
    );
    let c = w.ok(&c, &office(), Command::Verify { ok: true, note: String::new() }, at(2026, 3, 10, 11));
    let c = w.ok(
        &c,
        &office(),
        Command::Visit { reached: true, satisfaction: Some(4), comment: None },
        at(2026, 3, 11, 10),
    );
    let c = w.ok(&c, &office(), Command::Close, at(2026, 3, 11, 11));
    assert_eq!(c.status, Status::Closed);
}

#[test]
fn practice_problem_case_after_three_reopens_is_raised_to_joint_and_supervised() {
    let w = World::new();
    let h = handler("sb");
    let mut c = w.register(at(2026, 3, 2, 9));
    c = w.ok(&c, &window(), dispatch("sb", Level::Department), at(2026, 3, 2, 10));
    for i in 0..3 {
        c = w.ok(
            &c,
            &h,
            Command::Resolve { outcome: Outcome::Done, reply: "办".into() },
            at(2026, 3, 3 + i, 10),
        );
        c = w.ok(
            &c,
            &office(),
            Command::Reverify { unit: "sb".into(), note: "仍未解决".into() },
            at(2026, 3, 3 + i, 15),
        );
    }
    assert_eq!(c.reopen_count, 3);
    assert!(c.problem);
    assert_eq!(c.level, Level::Joint);
    assert!(c.open_deadline(DeadlineKind::Supervision).is_some());
}

#[test]
fn practice_problem_case_after_three_units_without_result() {
    let w = World::new();
    let mut c = w.register(at(2026, 3, 2, 9));
    for u in ["sw", "ga", "sb"] {
        c = w.ok(&c, &office(), dispatch(u, Level::Department), at(2026, 3, 2, 10));
        if u != "sb" {
            c = w.ok(&c, &handler(u), Command::Return { reason: "非本单位职责".into() }, at(2026, 3, 2, 11));
            assert_eq!(c.status, Status::Returned);
        }
    }
    assert!(c.problem);
    assert_eq!(c.level, Level::Joint);
}

#[test]
fn practice_extension_approved_counts_as_on_time_and_tells_the_applicant() {
    let w = World::new();
    let h = handler("bdc");
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("bdc", Level::Department), at(2026, 3, 2, 10));
    assert_eq!(due(&c, DeadlineKind::Result), day(2026, 3, 9));
    let bad = w.act(&c, &h, Command::RequestExtension { workdays: 0, reason: "x".into() }, at(2026, 3, 5, 9));
    assert!(matches!(bad, Err(DomainError::Invalid { field: "workdays", .. })));
    let c =
        w.ok(&c, &h, Command::RequestExtension { workdays: 3, reason: "需测绘".into() }, at(2026, 3, 5, 9));
    let d = decide(&c, &Command::ApproveExtension, &w.ctx(&office(), at(2026, 3, 5, 10))).unwrap();
    assert!(d.notifications.iter().any(|n| n.recipient == Recipient::Applicant("13812345678".into())
        && matches!(&n.message, Message::ExtensionApproved { new_due, .. } if *new_due == day(2026, 3, 12))));
    let c = w.fold(c, &d, &office(), at(2026, 3, 5, 10));
    assert_eq!(due(&c, DeadlineKind::Result), day(2026, 3, 12));
    let c =
        w.ok(&c, &h, Command::Resolve { outcome: Outcome::Done, reply: "办结".into() }, at(2026, 3, 11, 10));
    assert_eq!(met(&c, DeadlineKind::Result), Some(true));
}

#[test]
fn practice_extension_must_be_asked_before_the_deadline() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("bdc", Level::Department), at(2026, 3, 2, 10));
    let late = w.act(
        &c,
        &handler("bdc"),
        Command::RequestExtension { workdays: 2, reason: "x".into() },
        at(2026, 3, 10, 9),
    );
    assert!(matches!(late, Err(DomainError::Conflict { .. })));
}

#[test]
fn practice_reminder_the_day_after_a_missed_deadline_and_notice_flag_five_working_days_later_each_once() {
    let w = World::new();
    let sys = Actor::system(CENTER);
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("sw", Level::Department), at(2026, 3, 2, 10));
    // First feedback due Thu 03-05, result due Mon 03-09; feedback was given in time.
    let c = w.ok(&c, &handler("sw"), Command::Feedback { text: "核实中".into() }, at(2026, 3, 4, 9));
    let d = decide(&c, &Command::Tick, &w.ctx(&sys, at(2026, 3, 9, 20))).unwrap();
    assert!(d.events.is_empty(), "nothing happens on the due day itself");
    let c = w.ok(&c, &sys, Command::Tick, at(2026, 3, 10, 1));
    let reminded: Vec<_> = c.deadlines.iter().filter(|d| d.reminded).map(|d| d.kind).collect();
    assert!(reminded == vec![DeadlineKind::Result]);
    let d = decide(&c, &Command::Tick, &w.ctx(&sys, at(2026, 3, 10, 2))).unwrap();
    assert!(d.events.is_empty(), "催办 exactly once");
    // 5 working days after the reminder day (Tue 03-10) is Tue 03-17.
    let c2 = w.ok(&c, &sys, Command::Tick, at(2026, 3, 16, 9));
    assert!(!c2.deadlines.iter().any(|d| d.kind == DeadlineKind::Result && d.notice_flagged));
    let c3 = w.ok(&c2, &sys, Command::Tick, at(2026, 3, 17, 9));
    assert!(c3.notice_flag);
    let d = decide(&c3, &Command::Tick, &w.ctx(&sys, at(2026, 3, 18, 9))).unwrap();
    assert!(d.events.is_empty(), "通报 flag exactly once");
    // Resolution after the deadline records it as missed.
    let c4 = w.ok(
        &c3,
        &handler("sw"),
        Command::Resolve { outcome: Outcome::Done, reply: "迟办".into() },
        at(2026, 3, 18, 10),
    );
    assert_eq!(met(&c4, DeadlineKind::Result), Some(false));
}

#[test]
fn spec_4_3_due_soon_and_overdue_standing_in_working_days() {
    let cal = Calendar::official();
    let s = standing(&cal, day(2026, 10, 13), day(2026, 10, 9), 1);
    assert_eq!((s.urgency, s.workdays_left), (Urgency::Normal, 3), "10-10 is a 调休 Saturday");
    let s = standing(&cal, day(2026, 10, 13), day(2026, 10, 12), 1);
    assert_eq!(s.urgency, Urgency::DueSoon);
    let s = standing(&cal, day(2026, 10, 13), day(2026, 10, 15), 1);
    assert_eq!((s.urgency, s.workdays_left), (Urgency::Overdue, -2));
}

#[test]
fn practice_repeat_trips_link_earlier_cases_of_the_same_applicant_and_matter() {
    let w = World::new();
    let a = window();
    let earlier = vec![
        EarlierCase { number: "2026030201".into(), matter: Some("营业执照变更".into()) },
        EarlierCase { number: "2026030202".into(), matter: Some("社保转移".into()) },
        EarlierCase { number: "2026030203".into(), matter: None },
    ];
    let d = register(&sample(), &w.ctx(&a, at(2026, 3, 5, 9)), &earlier).unwrap();
    let c = w.fold(blank(), &d, &a, at(2026, 3, 5, 9));
    assert_eq!(c.repeat_of, vec!["2026030201".to_string(), "2026030203".to_string()]);
    assert_eq!(c.trips(), 3);
}

// ---- refusals: 403, 409, 422 ------------------------------------------------------------

#[test]
fn spec_2_a_handler_of_another_unit_may_neither_read_nor_act() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(
        &c,
        &window(),
        Command::Dispatch { unit: "sw".into(), co_units: vec!["ga".into()], level: Level::Department },
        at(2026, 3, 2, 10),
    );
    assert!(may_read(&c, &handler("sw")).is_ok());
    assert!(may_read(&c, &handler("ga")).is_ok(), "co-unit reads");
    assert!(matches!(may_read(&c, &handler("sb")), Err(DomainError::Forbidden { .. })));
    let r = w.act(&c, &handler("sb"), Command::Feedback { text: "x".into() }, at(2026, 3, 3, 9));
    assert!(matches!(r, Err(DomainError::Forbidden { .. })));
    // A co-unit gives feedback but may not resolve for the lead unit.
    w.ok(&c, &handler("ga"), Command::Feedback { text: "协办意见".into() }, at(2026, 3, 3, 9));
    let r = w.act(
        &c,
        &handler("ga"),
        Command::Resolve { outcome: Outcome::Done, reply: "x".into() },
        at(2026, 3, 3, 9),
    );
    assert!(matches!(r, Err(DomainError::Forbidden { .. })));
}

#[test]
fn spec_2_permission_table_roles_outside_an_action_are_refused_with_403() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let leader = actor("zhengjp", Role::Leader, "nxzx");
    let admin = actor("admin", Role::Admin, "nxzx");
    let inspector = actor("wangsy", Role::Inspector, "dcg");
    for (a, cmd) in [
        (&leader, dispatch("sw", Level::Department)),
        (&inspector, dispatch("sw", Level::Department)),
        (&window(), Command::ApproveNegative),
        (&window(), Command::Verify { ok: true, note: String::new() }),
        (&window(), Command::Close),
        (&window(), Command::Supervise { note: "x".into(), due: day(2026, 3, 9) }),
        (
            &inspector,
            Command::Notice { unit: "sw".into(), person: None, fault: "x".into(), opinion: "y".into() },
        ),
        (&window(), Command::Tick),
    ] {
        let r = w.act(&c, a, cmd.clone(), at(2026, 3, 2, 10));
        assert!(matches!(r, Err(DomainError::Forbidden { .. })), "{:?} {cmd:?}: {r:?}", a.role);
    }
    assert!(matches!(may_read(&c, &admin), Err(DomainError::Forbidden { .. })));
    // 督办 by leaders and 督查股.
    w.ok(&c, &leader, Command::Supervise { note: "尽快".into(), due: day(2026, 3, 9) }, at(2026, 3, 2, 10));
    w.ok(
        &c,
        &inspector,
        Command::Supervise { note: "尽快".into(), due: day(2026, 3, 9) },
        at(2026, 3, 2, 10),
    );
}

#[test]
fn spec_4_1_actions_outside_their_status_are_refused_with_409() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    for cmd in [
        Command::Accept,
        Command::Verify { ok: true, note: String::new() },
        Command::Visit { reached: true, satisfaction: Some(5), comment: None },
        Command::Close,
        Command::ApproveNegative,
        Command::ApproveExtension,
        Command::Reverify { unit: "sw".into(), note: "x".into() },
    ] {
        let r = w.act(&c, &office(), cmd.clone(), at(2026, 3, 2, 10));
        assert!(matches!(r, Err(DomainError::Conflict { .. })), "{cmd:?}: {r:?}");
    }
    let handler_resolve = w.ok(&c, &office(), dispatch("sw", Level::Department), at(2026, 3, 2, 10));
    let r =
        w.act(&handler_resolve, &handler("sw"), Command::Return { reason: "x".into() }, at(2026, 3, 2, 11));
    assert!(r.is_ok());
    let r = w.act(&r.unwrap(), &handler("sw"), Command::Feedback { text: "x".into() }, at(2026, 3, 2, 12));
    assert!(matches!(r, Err(DomainError::Forbidden { .. })), "after 退单 the unit no longer has the case");
}

#[test]
fn bad_input_is_refused_with_422_naming_the_field() {
    let w = World::new();
    let a = window();
    let ctx = w.ctx(&a, at(2026, 3, 2, 9));
    for (reg, field) in [
        (Registration { phone: "12345".into(), ..sample() }, "phone"),
        (Registration { applicant_name: " ".into(), ..sample() }, "applicant_name"),
        (Registration { description: String::new(), ..sample() }, "description"),
        (Registration { description: "长".repeat(2001), ..sample() }, "description"),
        (Registration { id_number: Some("410325199001011234".into()), ..sample() }, "id_number"),
        (Registration { credit_code: Some("91350100M000100Y44".into()), ..sample() }, "credit_code"),
        (Registration { channel: Some("fax".into()), ..sample() }, "channel"),
        (Registration { category: Some("bad".into()), ..sample() }, "category"),
    ] {
        match register(&reg, &ctx, &[]) {
            Err(DomainError::Invalid { field: f, .. }) => assert_eq!(f, field),
            other => panic!("{field}: {other:?}"),
        }
    }
    let c = w.register(at(2026, 3, 2, 9));
    let r = w.act(&c, &office(), dispatch("nosuch", Level::Department), at(2026, 3, 2, 10));
    assert!(matches!(r, Err(DomainError::Invalid { field: "unit", .. })));
    let r = w.act(&c, &office(), dispatch("sw", Level::Window), at(2026, 3, 2, 10));
    assert!(matches!(r, Err(DomainError::Invalid { field: "level", .. })));
    let c = w.ok(&c, &office(), dispatch("sw", Level::Department), at(2026, 3, 2, 10));
    let c = w.ok(
        &c,
        &handler("sw"),
        Command::Resolve { outcome: Outcome::Done, reply: "x".into() },
        at(2026, 3, 2, 11),
    );
    let r = w.act(
        &c,
        &office(),
        Command::Visit { reached: true, satisfaction: Some(6), comment: None },
        at(2026, 3, 2, 12),
    );
    assert!(matches!(r, Err(DomainError::Invalid { field: "satisfaction", .. })));
}

#[test]
fn online_submission_waits_for_acceptance_before_the_clock_starts() {
    let w = World::new();
    let public = Actor::public(CENTER);
    let d = register(&sample(), &w.ctx(&public, at(2026, 3, 7, 22)), &[]).unwrap();
    let c = w.fold(blank(), &d, &public, at(2026, 3, 7, 22));
    assert_eq!(c.status, Status::Submitted);
    assert_eq!(c.channel, Channel::Online);
    assert!(c.deadlines.is_empty());
    let c = w.ok(&c, &window(), Command::Accept, at(2026, 3, 9, 9));
    assert_eq!(c.status, Status::Accepted);
    assert_eq!(due(&c, DeadlineKind::Result), day(2026, 3, 9));
}

#[test]
fn spec_4_6_replaying_the_events_gives_the_same_case() {
    let w = World::new();
    let a = window();
    let now = at(2026, 3, 2, 9);
    let d = register(&sample(), &w.ctx(&a, now), &[]).unwrap();
    let mut log: Vec<RecordedEvent> = d
        .events
        .iter()
        .map(|e| RecordedEvent {
            event: e.clone(),
            actor: "lisu".into(),
            actor_role: "window".into(),
            actor_unit: "bbcs".into(),
            at: now,
        })
        .collect();
    let mut c = replay("2026030201", &log).unwrap();
    let d = decide(&c, &dispatch("sw", Level::Department), &w.ctx(&office(), at(2026, 3, 2, 10))).unwrap();
    for e in &d.events {
        let (kind, payload) = e.to_parts();
        let back = CaseEvent::from_parts(kind, &payload).unwrap();
        assert_eq!(&back, e);
        let rec = RecordedEvent {
            event: back,
            actor: "cuixy".into(),
            actor_role: "office".into(),
            actor_unit: "ywg".into(),
            at: at(2026, 3, 2, 10),
        };
        apply(&mut c, &rec);
        log.push(rec);
    }
    assert_eq!(replay("2026030201", &log).unwrap(), c);
}

#[test]
fn privacy_leaders_see_masked_phone_and_only_window_and_office_see_full_id() {
    let w = World::new();
    let a = window();
    let reg = Registration { id_number: Some("11010519491231002X".into()), ..sample() };
    let d = register(&reg, &w.ctx(&a, at(2026, 3, 2, 9)), &[]).unwrap();
    let c = w.fold(blank(), &d, &a, at(2026, 3, 2, 9));
    let leader = actor("zhengjp", Role::Leader, "nxzx");
    let v = view_of(&c, &leader);
    assert_eq!(v.applicant.phone, "138****5678");
    assert!(v.applicant.id_number.unwrap().contains("****"));
    let v = view_of(&c, &office());
    assert_eq!(v.applicant.id_number.as_deref(), Some("11010519491231002X"));
    let _ = office2();
}

#[test]
fn spec_2_the_unit_lead_assigns_a_handler_of_the_lead_unit_and_nobody_else_may() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(
        &c,
        &window(),
        Command::Dispatch { unit: "sw".into(), co_units: vec!["ga".into()], level: Level::Department },
        at(2026, 3, 2, 10),
    );
    let lead = actor("chenxr", Role::UnitLead, "sw");
    let assign = |who: &str, unit: &str| Command::Assign { assignee: who.into(), assignee_unit: unit.into() };
    let r = w.act(&c, &lead, assign("h_ga", "ga"), at(2026, 3, 2, 11));
    assert!(matches!(r, Err(DomainError::Invalid { field: "assignee", .. })), "{r:?}");
    let r = w.act(&c, &handler("sw"), assign("h_sw", "sw"), at(2026, 3, 2, 11));
    assert!(matches!(r, Err(DomainError::Forbidden { .. })), "a handler does not assign");
    let co_lead = actor("niejq", Role::UnitLead, "ga");
    let r = w.act(&c, &co_lead, assign("h_ga", "ga"), at(2026, 3, 2, 11));
    assert!(matches!(r, Err(DomainError::Forbidden { .. })), "only the lead unit's lead assigns");
    let c = w.ok(&c, &lead, assign("h_sw", "sw"), at(2026, 3, 2, 11));
    assert_eq!(c.assignee.as_deref(), Some("h_sw"));
    // Reassigning the case to another unit clears the assignee.
    let c = w.ok(&c, &office(), dispatch("bdc", Level::Department), at(2026, 3, 2, 12));
    assert_eq!(c.assignee, None);
}

#[test]
fn spec_2_available_actions_follow_decide_for_each_role_and_status() {
    let w = World::new();
    let t0 = at(2026, 9, 30, 9);
    let avail = |c: &Case, a: &Actor| available_actions(c, &w.ctx(a, t0));
    let c = w.register(t0);
    // 第四条: the window may solve it at once, dispatch, escalate, or report a 否定答复.
    let win = avail(&c, &window());
    for a in ["dispatch", "contact", "escalate", "propose-negative", "resolve", "confirm"] {
        assert!(win.contains(&a), "window may {a}: {win:?}");
    }
    assert!(!win.contains(&"accept"), "already accepted");
    assert!(!win.contains(&"verify") && !win.contains(&"close"));
    // A handler of a unit the case is not dispatched to may do nothing (and may not read it).
    assert!(avail(&c, &handler("sw")).is_empty());

    let c = w.ok(&c, &window(), dispatch("sw", Level::Department), t0);
    let h = avail(&c, &handler("sw"));
    for a in ["return", "request-extension", "contact", "feedback", "propose-negative", "resolve"] {
        assert!(h.contains(&a), "handler may {a}: {h:?}");
    }
    assert!(!h.contains(&"approve-negative") && !h.contains(&"dispatch") && !h.contains(&"assign"));
    assert!(avail(&c, &handler("ga")).is_empty(), "another unit's handler");

    // 第二条: nobody approves their own 否定答复 — the proposer is not offered approval.
    let c = w.ok(
        &c,
        &office(),
        Command::ProposeNegative {
            reasons: "不符合条件".into(), basis: "某条例".into(), excluded: false
        },
        t0,
    );
    assert!(!avail(&c, &office()).contains(&"approve-negative"));
    let other = avail(&c, &office2());
    assert!(other.contains(&"approve-negative") && other.contains(&"reject-negative"), "{other:?}");
    assert!(!avail(&c, &handler("sw")).contains(&"resolve"), "pending report blocks resolve");
}

#[test]
fn spec_3_applicant_confirmation_keeps_a_drawn_png_signature_and_refuses_anything_else() {
    let w = World::new();
    let t0 = at(2026, 9, 30, 9);
    let c = w.register(t0);
    let png = "data:image/png;base64,iVBORw0KGgo=".to_owned();
    let ok = w.ok(&c, &window(), Command::Confirm { by: "张三".into(), signature: Some(png.clone()) }, t0);
    assert_eq!(ok.confirmation.as_ref().map(|s| s.by.as_str()), Some("张三"));
    for bad in ["data:image/svg+xml;base64,PHN2Zz4=", "data:image/png;base64,<script>", "javascript:alert(1)"]
    {
        let e = w
            .act(&c, &window(), Command::Confirm { by: "张三".into(), signature: Some(bad.into()) }, t0)
            .unwrap_err();
        assert!(matches!(e, DomainError::Invalid { field: "signature", .. }), "{bad}: {e:?}");
    }
    let huge = format!("data:image/png;base64,{}", "A".repeat(200_000));
    assert!(w.act(&c, &window(), Command::Confirm { by: "张三".into(), signature: Some(huge) }, t0).is_err());
}
