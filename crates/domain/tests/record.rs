//! SPEC §7 fixing the record — 作废, 合并, 更正 — and the other rules a day at the window turned
//! up: confirmation once, dispatch only to units that handle cases, bounded dates, every
//! registration refusal at once. Each test names the rule it checks.

mod common;

use common::*;

fn correct(fields: &[(&str, &str)], reason: &str) -> Command {
    Command::Correct {
        fields: fields.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        reason: reason.into(),
    }
}

fn refused_with<T: std::fmt::Debug>(r: Result<T, DomainError>) -> DomainError {
    r.expect_err("refused")
}

#[test]
fn spec7_void_the_office_voids_an_unresolved_case_with_a_reason_and_nothing_more_applies() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let void = |r: &str| Command::Void { reason: r.into() };
    assert!(matches!(
        refused_with(w.act(&c, &window(), void("误"), at(2026, 3, 2, 10))),
        DomainError::Forbidden { .. }
    ));
    assert!(matches!(
        refused_with(w.act(&c, &office(), void(" "), at(2026, 3, 2, 10))),
        DomainError::Invalid { field: "reason", .. }
    ));
    let v = w.ok(&c, &office(), void("重复点击保存，误登记"), at(2026, 3, 2, 10));
    assert_eq!(v.status, Status::Voided);
    assert!(!v.status.is_open() && v.status.is_withdrawn());
    assert_eq!(v.withdrawn.as_ref().map(|n| n.text.as_str()), Some("重复点击保存，误登记"));
    for cmd in [dispatch("sw", Level::Department), Command::Contact { note: "x".into() }, void("again")] {
        let e = refused_with(w.act(&v, &office(), cmd, at(2026, 3, 2, 11)));
        assert!(matches!(e, DomainError::Conflict { .. }), "{e:?}");
    }
    assert!(available_actions(&v, &w.ctx(&office(), at(2026, 3, 2, 11))).is_empty());
    // The scheduler finds nothing to do on it.
    let sys = Actor::system(CENTER);
    assert!(decide(&v, &Command::Tick, &w.ctx(&sys, at(2026, 3, 20, 9))).unwrap().events.is_empty());
    // A resolved case is no longer voided (it happened; the office reverifies instead).
    let r = w.ok(
        &c,
        &window(),
        Command::Resolve { outcome: Outcome::Done, reply: "已办".into() },
        at(2026, 3, 2, 10),
    );
    assert!(matches!(
        refused_with(w.act(&r, &office(), void("误"), at(2026, 3, 2, 11))),
        DomainError::Conflict { .. }
    ));
}

#[test]
fn spec7_merge_a_duplicate_joins_the_case_it_repeats_and_is_recorded_there() {
    let w = World::new();
    let target = Case { number: "2026030201".into(), ..w.register(at(2026, 3, 2, 9)) };
    let dup = Case { number: "2026030202".into(), ..w.register(at(2026, 3, 2, 9)) };
    let merge = |into: &str| Command::Merge {
        into: into.into(),
        reason: "同一办理对象同一事项重复登记".into(),
    };
    for (into, field) in [("", "into"), ("2026030202", "into"), ("abc", "into")] {
        let e = refused_with(w.act(&dup, &office(), merge(into), at(2026, 3, 2, 10)));
        assert!(matches!(e, DomainError::Invalid { field: f, .. } if f == field), "{into}: {e:?}");
    }
    let merged = w.ok(&dup, &office(), merge("2026030201"), at(2026, 3, 2, 10));
    assert_eq!(merged.status, Status::Merged);
    assert_eq!(merged.merged_into.as_deref(), Some("2026030201"));
    assert!(merged.deadlines.iter().all(|d| d.outcome() == ClockOutcome::Superseded));
    let off = office();
    let ctx = w.ctx(&off, at(2026, 3, 2, 10));
    let d = absorb(&target, &merged, &ctx).unwrap();
    let joined = fold(target.clone(), &d.events, &office(), at(2026, 3, 2, 10));
    assert_eq!(joined.merged_from, ["2026030202"]);
    assert_eq!(joined.status, target.status, "the case merged into goes on as it was");
    // Nothing merges into a withdrawn case, and the window merges nothing.
    assert!(matches!(absorb(&merged, &target, &ctx), Err(DomainError::Invalid { field: "into", .. })));
    let e = refused_with(w.act(&dup, &window(), merge("2026030201"), at(2026, 3, 2, 10)));
    assert!(matches!(e, DomainError::Forbidden { .. }));
}

#[test]
fn spec7_correct_the_window_corrects_its_own_units_registrations_of_the_same_day() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let fix = correct(&[("phone", "13912345678"), ("matter", "营业执照注销")], "电话记错");
    let c2 = w.ok(&c, &window(), fix.clone(), at(2026, 3, 2, 16));
    assert_eq!(c2.applicant.phone, "13912345678");
    assert_eq!(c2.matter.as_deref(), Some("营业执照注销"));
    // Another window clerk of the same unit (duty rotates) may too; another unit's may not.
    let colleague = actor("wangwu", Role::Window, "bbcs");
    w.ok(&c, &colleague, fix.clone(), at(2026, 3, 2, 16));
    let elsewhere = actor("zhao", Role::Window, "zhck");
    assert!(matches!(
        refused_with(w.act(&c, &elsewhere, fix.clone(), at(2026, 3, 2, 16))),
        DomainError::Forbidden { .. }
    ));
    // The next day it is the office's to correct.
    assert!(matches!(
        refused_with(w.act(&c, &window(), fix.clone(), at(2026, 3, 3, 9))),
        DomainError::Forbidden { .. }
    ));
    w.ok(&c, &office(), fix.clone(), at(2026, 3, 9, 9));
    // The old value is kept in the log.
    let d = decide(&c, &fix, &w.ctx(&office(), at(2026, 3, 9, 9))).unwrap();
    let CaseEvent::Corrected { changes, reason } = &d.events[0] else { panic!("{:?}", d.events) };
    assert_eq!(reason, "电话记错");
    assert_eq!(
        changes[0],
        FieldChange {
            field: "phone".into(),
            from: Some("13812345678".into()),
            to: Some("13912345678".into())
        }
    );
}

#[test]
fn spec7_correct_checks_each_value_as_registration_does_and_refuses_no_change() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    for (fields, field) in [
        (vec![("phone", "12345")], "phone"),
        (vec![("applicant_name", " ")], "applicant_name"),
        (vec![("id_number", "410325199001011234")], "id_number"),
        (vec![("category", "bad")], "category"),
        (vec![("phone", "13812345678")], "fields"),
        (vec![("nosuch", "x")], "fields"),
    ] {
        let e = refused_with(w.act(&c, &office(), correct(&fields, "更正"), at(2026, 3, 2, 10)));
        assert!(matches!(e, DomainError::Invalid { field: f, .. } if f == field), "{fields:?}: {e:?}");
    }
    let e = refused_with(w.act(&c, &office(), correct(&[("matter", "x")], ""), at(2026, 3, 2, 10)));
    assert!(matches!(e, DomainError::Invalid { field: "reason", .. }));
    // An optional field is cleared with an empty value.
    let c = w.ok(&c, &office(), correct(&[("matter", "")], "事项不明"), at(2026, 3, 2, 10));
    assert_eq!(c.matter, None);
}

#[test]
fn spec7_correcting_what_the_applicant_confirmed_asks_for_their_confirmation_again() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let confirm = Command::Confirm { by: "张三".into(), signature: None };
    let c = w.ok(&c, &window(), confirm.clone(), at(2026, 3, 2, 9));
    // 附件3 办理对象确认 is given once: not offered again.
    assert!(matches!(
        refused_with(w.act(&c, &window(), confirm.clone(), at(2026, 3, 2, 10))),
        DomainError::Conflict { .. }
    ));
    assert!(!available_actions(&c, &w.ctx(&window(), at(2026, 3, 2, 10))).contains(&"confirm"));
    let kept = w.ok(&c, &window(), correct(&[("category", "not_approved")], "类别"), at(2026, 3, 2, 10));
    assert!(kept.confirmation.is_some() && !kept.reconfirm, "a category is not what they signed");
    let c = w.ok(
        &c,
        &window(),
        correct(&[("description", "营业执照变更：材料被退回三次")], "补充情况"),
        at(2026, 3, 2, 10),
    );
    assert!(c.confirmation.is_none() && c.reconfirm);
    assert!(available_actions(&c, &w.ctx(&window(), at(2026, 3, 2, 10))).contains(&"confirm"));
    let c = w.ok(&c, &window(), confirm, at(2026, 3, 2, 11));
    assert!(c.confirmation.is_some() && !c.reconfirm);
}

#[test]
fn spec7_the_office_corrects_any_case_not_closed() {
    let w = World::new();
    let mut c = w.register(at(2026, 3, 2, 9));
    c = w.ok(
        &c,
        &window(),
        Command::Resolve { outcome: Outcome::Done, reply: "已办".into() },
        at(2026, 3, 2, 10),
    );
    c = w.ok(&c, &office(), Command::Verify { ok: true, note: String::new() }, at(2026, 3, 3, 10));
    c = w.ok(
        &c,
        &office(),
        Command::Visit { reached: true, satisfaction: Some(5), comment: None },
        at(2026, 3, 3, 11),
    );
    let fix = correct(&[("applicant_name", "张叁")], "姓名笔误");
    w.ok(&c, &office(), fix.clone(), at(2026, 3, 3, 12));
    c = w.ok(&c, &office(), Command::Close, at(2026, 3, 3, 12));
    assert!(matches!(
        refused_with(w.act(&c, &office(), fix, at(2026, 3, 3, 13))),
        DomainError::Conflict { .. }
    ));
}

#[test]
fn spec7_void_merge_and_correct_are_offered_to_whom_they_belong() {
    let w = World::new();
    let t0 = at(2026, 3, 2, 9);
    let c = w.register(t0);
    let off = available_actions(&c, &w.ctx(&office(), t0));
    for a in ["void", "merge", "correct"] {
        assert!(off.contains(&a), "office may {a}: {off:?}");
    }
    let win = available_actions(&c, &w.ctx(&window(), t0));
    assert!(win.contains(&"correct") && !win.contains(&"void") && !win.contains(&"merge"), "{win:?}");
    assert!(!available_actions(&c, &w.ctx(&window(), at(2026, 3, 3, 9))).contains(&"correct"));
    let c = w.ok(&c, &window(), dispatch("sw", Level::Department), t0);
    let h = available_actions(&c, &w.ctx(&handler("sw"), t0));
    assert!(!h.iter().any(|a| ["void", "merge", "correct"].contains(a)), "{h:?}");
}

#[test]
fn spec7_cases_are_dispatched_only_to_units_that_handle_cases_and_the_county_body_by_escalation() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    for (unit, level) in [
        ("nxzx", Level::Department),
        ("bbcs", Level::Department),
        ("ywg", Level::Joint),
        ("xyhb", Level::County),
    ] {
        let e = refused_with(w.act(&c, &office(), dispatch(unit, level), at(2026, 3, 2, 10)));
        assert!(matches!(e, DomainError::Invalid { field: "unit", .. }), "{unit}: {e:?}");
    }
    let co = Command::Dispatch { unit: "sw".into(), co_units: vec!["dcg".into()], level: Level::Department };
    assert!(matches!(
        refused_with(w.act(&c, &office(), co, at(2026, 3, 2, 10))),
        DomainError::Invalid { field: "co_units", .. }
    ));
    let c = w.ok(&c, &office(), dispatch("sw", Level::Department), at(2026, 3, 2, 10));
    let to_joint_at = |unit: &str| Command::Escalate {
        level: Level::Joint,
        reason: "会审".into(),
        due_workdays: None,
        unit: Some(unit.into()),
        co_units: None,
    };
    assert!(matches!(
        refused_with(w.act(&c, &office(), to_joint_at("xyhb"), at(2026, 3, 2, 11))),
        DomainError::Invalid { field: "unit", .. }
    ));
    let county = Command::Escalate {
        level: Level::County,
        reason: "难点".into(),
        due_workdays: None,
        unit: Some("xyhb".into()),
        co_units: None,
    };
    let c = w.ok(&c, &office(), county, at(2026, 3, 2, 11));
    assert_eq!(c.unit.as_deref(), Some("xyhb"));
}

#[test]
fn article4_escalation_to_one_matter_one_discussion_names_the_co_units_of_the_joint_review() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &office(), dispatch("sw", Level::Department), at(2026, 3, 2, 10));
    let joint = Command::Escalate {
        level: Level::Joint,
        reason: "涉及税务、不动产".into(),
        due_workdays: None,
        unit: None,
        co_units: Some(vec!["bdc".into(), "ga".into(), "sw".into()]),
    };
    let c = w.ok(&c, &office(), joint, at(2026, 3, 3, 10));
    assert_eq!(c.unit.as_deref(), Some("sw"));
    assert_eq!(c.co_units, ["bdc", "ga"], "the lead is not its own co-unit");
    assert!(may_read(&c, &handler("bdc")).is_ok(), "a co-unit of the 联动会审 reads the case");
}

#[test]
fn article5_3_supervision_due_date_is_bounded_to_a_year_ahead() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let leader = actor("zhengjp", Role::Leader, "nxzx");
    let due = |d: NaiveDate| Command::Supervise { note: "尽快".into(), due: d };
    let far = NaiveDate::from_ymd_opt(262142, 1, 1).unwrap();
    for d in [far, day(2027, 3, 4), day(2026, 3, 1)] {
        let e = refused_with(w.act(&c, &leader, due(d), at(2026, 3, 2, 10)));
        assert!(matches!(e, DomainError::Invalid { field: "due", .. }), "{d}: {e:?}");
    }
    w.ok(&c, &leader, due(day(2027, 3, 2)), at(2026, 3, 2, 10));
}

#[test]
fn article1_registration_refusals_come_all_at_once_and_an_empty_required_field_says_required() {
    let reg = Registration {
        applicant_name: String::new(),
        phone: String::new(),
        description: "x".into(),
        id_number: Some("410325199001011234".into()),
        category: Some("bad".into()),
        ..Default::default()
    };
    let errors = registration_errors(&reg, false);
    let fields: Vec<&str> = errors
        .iter()
        .map(|e| match e {
            DomainError::Invalid { field, .. } => *field,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(fields, ["applicant_name", "phone", "category", "id_number"]);
    assert!(
        errors[1].message().contains("必填"),
        "an empty phone is required, not malformed: {}",
        errors[1].message()
    );
    assert!(registration_errors(&sample(), false).is_empty());
}
