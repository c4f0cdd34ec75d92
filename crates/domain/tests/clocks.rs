//! SPEC §7 clock outcomes: a clock is met or missed by its act (feedback, result, reply with
//! reasons), and superseded when a change of level, unit or round closes it first. Each test
//! names the rule it checks.

mod common;

use bancheng_domain::deadline::Supersession;
use common::*;

fn escalate(level: Level, unit: Option<&str>) -> Command {
    Command::Escalate {
        level,
        reason: "需联动会审".into(),
        due_workdays: None,
        unit: unit.map(Into::into),
        co_units: None,
    }
}

fn clock(case: &Case, id: u32) -> &bancheng_domain::deadline::Deadline {
    case.deadlines.iter().find(|d| d.id == id).unwrap_or_else(|| panic!("no clock {id}"))
}

/// The ids of the clocks of `kind` in order.
fn ids(case: &Case, kind: DeadlineKind) -> Vec<u32> {
    case.deadlines.iter().filter(|d| d.kind == kind).map(|d| d.id).collect()
}

/// Every clock a decision superseded: never met, and no act closed it.
fn assert_superseded_by(case: &Case, before: &Case, by: Supersession) {
    let was_open: Vec<u32> = before.open_deadlines().map(|d| d.id).collect();
    for id in was_open {
        let d = clock(case, id);
        if d.is_open() {
            continue;
        }
        assert_eq!(d.outcome(), ClockOutcome::Superseded, "clock {id} ({:?}) closed by {by:?}", d.kind);
        assert_eq!(d.met, Some(false), "SPEC §7: met is false for a superseded clock");
        assert_eq!(d.superseded.as_ref().and_then(|s| s.by), Some(by));
    }
}

#[test]
fn spec7_escalation_supersedes_the_department_clocks_never_met() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("sw", Level::Department), at(2026, 3, 2, 10));
    let before = c.clone();
    let c = w.ok(&c, &office(), escalate(Level::Joint, None), at(2026, 3, 4, 10));
    assert_superseded_by(&c, &before, Supersession::Escalation);
    let ff = ids(&c, DeadlineKind::FirstFeedback)[0];
    assert!(
        clock(&c, ff).superseded.as_ref().unwrap().in_time,
        "a first feedback never given, still in time"
    );
    // The department's result clock is superseded; the joint level's own one runs.
    let results = ids(&c, DeadlineKind::Result);
    assert_eq!(clock(&c, results[1]).outcome(), ClockOutcome::Superseded);
    assert_eq!(clock(&c, results[2]).outcome(), ClockOutcome::Open);
    assert_eq!(clock(&c, results[2]).due, day(2026, 3, 13));
}

#[test]
fn spec7_a_clock_superseded_after_its_due_day_says_it_was_late_and_is_still_not_missed() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("sw", Level::Department), at(2026, 3, 2, 10));
    // First feedback due Thu 03-05; escalated on Fri 03-06 without a feedback.
    let c = w.ok(&c, &office(), escalate(Level::Joint, None), at(2026, 3, 6, 10));
    let ff = clock(&c, ids(&c, DeadlineKind::FirstFeedback)[0]);
    assert_eq!(ff.outcome(), ClockOutcome::Superseded);
    assert_eq!(ff.superseded.as_ref().map(|s| s.in_time), Some(false));
}

#[test]
fn spec7_return_supersedes_the_returned_units_clocks_and_the_reassignment_starts_new_ones() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("sw", Level::Department), at(2026, 3, 2, 10));
    let before = c.clone();
    let c = w.ok(&c, &handler("sw"), Command::Return { reason: "非本单位职责".into() }, at(2026, 3, 3, 9));
    assert_superseded_by(&c, &before, Supersession::Return);
    assert!(c.open_deadlines().next().is_none(), "no clock of the returned unit runs on");
    let returned: Vec<_> = c.deadlines.iter().filter(|d| d.unit.as_deref() == Some("sw")).collect();
    assert_eq!(returned.len(), 2);
    let c = w.ok(&c, &office(), dispatch("ga", Level::Department), at(2026, 3, 3, 10));
    let open: Vec<_> = c.open_deadlines().collect();
    assert_eq!(open.len(), 2);
    assert!(open.iter().all(|d| d.unit.as_deref() == Some("ga")), "the new clocks are the new unit's");
}

#[test]
fn spec7_a_met_clock_stays_met_whatever_happens_later() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("sw", Level::Department), at(2026, 3, 2, 10));
    let c = w.ok(&c, &handler("sw"), Command::Feedback { text: "已核实".into() }, at(2026, 3, 3, 10));
    let ff = ids(&c, DeadlineKind::FirstFeedback)[0];
    assert_eq!(clock(&c, ff).outcome(), ClockOutcome::Met);
    let c = w.ok(&c, &office(), escalate(Level::Joint, None), at(2026, 3, 4, 10));
    let c = w.ok(&c, &office(), dispatch("ga", Level::Joint), at(2026, 3, 5, 10));
    assert_eq!(clock(&c, ff).outcome(), ClockOutcome::Met, "met stays met");
}

#[test]
fn spec7_a_feedback_after_the_due_day_is_missed_not_superseded() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("sw", Level::Department), at(2026, 3, 2, 10));
    let c = w.ok(&c, &handler("sw"), Command::Feedback { text: "迟到的反馈".into() }, at(2026, 3, 6, 10));
    assert_eq!(clock(&c, ids(&c, DeadlineKind::FirstFeedback)[0]).outcome(), ClockOutcome::Missed);
}

#[test]
fn spec7_reverification_opens_a_new_round_whose_clocks_start_then() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("sb", Level::Department), at(2026, 3, 2, 10));
    let c = w.ok(
        &c,
        &handler("sb"),
        Command::Resolve { outcome: Outcome::Done, reply: "已办".into() },
        at(2026, 3, 3, 10),
    );
    let round1: Vec<u32> = c.deadlines.iter().map(|d| d.id).collect();
    let c = w.ok(
        &c,
        &office(),
        Command::Visit { reached: true, satisfaction: Some(1), comment: Some("根本没办".into()) },
        at(2026, 3, 4, 10),
    );
    assert_eq!((c.round, c.reopen_count), (1, 1));
    // The first round's clocks were met by the first reply and stay so.
    for id in &round1[1..] {
        assert_eq!(clock(&c, *id).outcome(), ClockOutcome::Met, "round 1 clock {id}");
        assert_eq!(clock(&c, *id).round, 0);
    }
    let open: Vec<_> = c.open_deadlines().collect();
    assert!(!open.is_empty());
    assert!(open.iter().all(|d| d.round == 1 && d.from == Some(day(2026, 3, 4))), "{open:?}");
    // The reopened case says why: the applicant's complaint.
    assert!(c.visits.last().unwrap().comment.as_deref() == Some("根本没办"));
    let c = w.ok(
        &c,
        &handler("sb"),
        Command::Resolve { outcome: Outcome::Done, reply: "再办".into() },
        at(2026, 3, 5, 10),
    );
    assert_eq!(
        c.resolutions.iter().map(|r| (r.round, r.reply.as_str())).collect::<Vec<_>>(),
        [(0, "已办"), (1, "再办")]
    );
}

#[test]
fn spec7_a_verification_sent_back_opens_a_new_round() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("sw", Level::Department), at(2026, 3, 2, 10));
    let c = w.ok(
        &c,
        &handler("sw"),
        Command::Resolve { outcome: Outcome::Done, reply: "已办".into() },
        at(2026, 3, 3, 10),
    );
    let c = w.ok(&c, &office(), Command::Verify { ok: false, note: "与事实不符".into() }, at(2026, 3, 4, 10));
    assert_eq!(c.round, 1);
    assert_eq!(c.reopen_count, 0, "a sent-back result is not a 重办 after a visit");
    assert!(c.open_deadlines().all(|d| d.round == 1));
}

#[test]
fn spec7_no_change_of_level_unit_or_round_ever_closes_a_clock_as_met() {
    let w = World::new();
    let h = handler("sw");
    let steps: Vec<(Actor, Command)> = vec![
        (window(), dispatch("sw", Level::Department)),
        (h.clone(), Command::Return { reason: "非本单位".into() }),
        (office(), dispatch("sw", Level::Department)),
        (office(), escalate(Level::Joint, None)),
        (office(), escalate(Level::County, Some("xyhb"))),
    ];
    let mut c = w.register(at(2026, 3, 2, 9));
    for (i, (a, cmd)) in steps.into_iter().enumerate() {
        let now = at(2026, 3, 2, 10 + i as u32);
        let d = decide(&c, &cmd, &w.ctx(&a, now)).unwrap_or_else(|e| panic!("{cmd:?}: {e:?}"));
        assert!(
            !d.events.iter().any(|e| matches!(e, CaseEvent::DeadlineClosed { .. })),
            "{cmd:?} closes no clock by an act: {:?}",
            d.events
        );
        c = w.fold(c, &d, &a, now);
    }
    assert!(c.deadlines.iter().filter(|d| !d.is_open()).all(|d| d.outcome() == ClockOutcome::Superseded));
}

#[test]
fn article4_negative_reply_clock_is_superseded_by_escalation_and_set_again_at_the_new_level() {
    let w = World::new();
    let h = handler("ga");
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("ga", Level::Department), at(2026, 3, 2, 10));
    let negative =
        || Command::ProposeNegative {
            reasons: "不符合条件".into(), basis: "条例".into(), excluded: false
        };
    let c = w.ok(&c, &h, negative(), at(2026, 3, 2, 11));
    let c = w.ok(&c, &office(), Command::RejectNegative { note: "可以办".into() }, at(2026, 3, 2, 12));
    let first = ids(&c, DeadlineKind::NegativeReply);
    assert_eq!(first.len(), 1);
    let c = w.ok(&c, &office(), escalate(Level::Joint, Some("sw")), at(2026, 3, 3, 10));
    assert_eq!(clock(&c, first[0]).outcome(), ClockOutcome::Superseded);
    let c = w.ok(&c, &handler("sw"), negative(), at(2026, 3, 3, 11));
    let all = ids(&c, DeadlineKind::NegativeReply);
    assert_eq!(all.len(), 2, "the new lead unit's report gets its own clock");
    assert_eq!(clock(&c, all[1]).unit.as_deref(), Some("sw"));
}

/// A log written before `DeadlineSuperseded`: every clock was closed by `DeadlineClosed`.
#[test]
fn spec7_old_logs_read_clocks_closed_by_a_change_as_superseded_and_those_closed_by_an_act_as_met() {
    let w = World::new();
    let reg = register(&sample(), &w.ctx(&window(), at(2026, 3, 2, 9)), &[]).unwrap();
    let mut log: Vec<RecordedEvent> =
        reg.events.iter().map(|e| record(e.clone(), &window(), at(2026, 3, 2, 9))).collect();
    let mut c = replay("2026030201", &log).unwrap();
    let mut push = |events: Vec<CaseEvent>, a: &Actor, now: DateTime<Utc>, c: &mut Case| {
        for e in events {
            // The old shape: what is now `DeadlineSuperseded` was `DeadlineClosed { met: true }`.
            let e = match e {
                CaseEvent::DeadlineSuperseded { id, in_time, .. } => {
                    CaseEvent::DeadlineClosed { id, met: in_time }
                }
                other => other,
            };
            let rec = record(e, a, now);
            apply(c, &rec);
            log.push(rec);
        }
    };
    for (a, cmd, now) in [
        (window(), dispatch("sw", Level::Department), at(2026, 3, 2, 10)),
        (handler("sw"), Command::Feedback { text: "已核实".into() }, at(2026, 3, 3, 10)),
        (office(), escalate(Level::Joint, None), at(2026, 3, 4, 10)),
        (
            handler("sw"),
            Command::Resolve { outcome: Outcome::Done, reply: "已办成".into() },
            at(2026, 3, 5, 10),
        ),
    ] {
        let d = decide(&c, &cmd, &w.ctx(&a, now)).unwrap();
        push(d.events, &a, now, &mut c);
    }
    let c = replay("2026030201", &log).unwrap();
    let outcomes: Vec<(DeadlineKind, ClockOutcome)> =
        c.deadlines.iter().map(|d| (d.kind, d.outcome())).collect();
    assert_eq!(
        outcomes,
        [
            (DeadlineKind::Result, ClockOutcome::Superseded), // the window's, dispatched
            (DeadlineKind::FirstFeedback, ClockOutcome::Met), // fed back in time
            (DeadlineKind::Result, ClockOutcome::Superseded), // the department's, escalated
            (DeadlineKind::Result, ClockOutcome::Met),        // the joint level's, replied
        ]
    );
}

#[test]
fn spec7_voiding_supersedes_every_open_clock_including_supervision() {
    let w = World::new();
    let c = w.register(at(2026, 3, 2, 9));
    let c = w.ok(&c, &window(), dispatch("sw", Level::Department), at(2026, 3, 2, 10));
    let leader = actor("zhengjp", Role::Leader, "nxzx");
    let c = w.ok(
        &c,
        &leader,
        Command::Supervise { note: "尽快".into(), due: day(2026, 3, 6) },
        at(2026, 3, 2, 11),
    );
    let before = c.clone();
    let c = w.ok(&c, &office(), Command::Void { reason: "误登记".into() }, at(2026, 3, 3, 9));
    assert_superseded_by(&c, &before, Supersession::Void);
    assert!(c.deadlines.iter().all(|d| !d.is_open()));
    assert!(!c.is_overdue(day(2026, 4, 1)), "a voided case is never overdue");
}
