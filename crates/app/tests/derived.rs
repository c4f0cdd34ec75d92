//! Derived rows and shared caches: `reindex` rebuilds the fact tables exactly as the online path
//! writes them, and a second server on the same database sees a policy change made through the
//! first within its check interval.

use std::sync::Arc;
use std::time::Duration;

use bancheng_app::{App, BackgroundConfig, ManualClock};
use bancheng_domain::case::{Command, Level, Outcome, Registration};
use bancheng_domain::policy::DeadlinePolicy;
use bancheng_domain::{Actor, Role};
use bancheng_store::{FactRows, StoredFacts};
use bancheng_testkit::db::{FreshDb, backends_for};
use bancheng_testkit::time::at;
use chrono::TimeDelta;

fn actor(username: &str, role: Role, unit: &str) -> Actor {
    Actor { username: username.into(), role, unit: unit.into(), center: "nxzx".into() }
}

async fn open(url: &str, clock: Arc<ManualClock>) -> App {
    App::open(url, clock).await.unwrap()
}

async fn seeded(url: &str, clock: Arc<ManualClock>) -> App {
    let app = open(url, clock).await;
    app.bootstrap().await.unwrap().expect("first start creates admin");
    for (name, role, unit) in [
        ("lisu", Role::Window, "bbcs"),
        ("cuixy", Role::Office, "ywg"),
        ("h_sw", Role::Handler, "sw"),
        ("dc", Role::Inspector, "dcg"),
    ] {
        app.add_user(name, name, role, unit, "correct-horse-1").await.unwrap();
    }
    app
}

fn reg(i: u32) -> Registration {
    Registration {
        applicant_name: format!("申请人{i}"),
        phone: format!("138{:08}", 10_000_000 + i),
        description: "营业执照变更多次未办成".into(),
        ..Default::default()
    }
}

/// Every fact row of every case, in number order.
async fn all_facts(app: &App, numbers: &[String]) -> Vec<StoredFacts> {
    let mut out = Vec::new();
    for n in numbers {
        out.push(app.store().facts("nxzx", n).await.unwrap());
    }
    out
}

#[tokio::test]
async fn reindex_rebuilds_the_derived_rows_identical_to_those_written_online() {
    for backend in backends_for("reindex_rebuilds_the_derived_rows_identical_to_those_written_online") {
        let db = FreshDb::create(&backend).await;
        reindex_on(&db.url).await;
    }
}

async fn reindex_on(url: &str) {
    let url = url.to_owned();
    let clock = Arc::new(ManualClock::new(at(2026, 3, 2, 9)));
    let app = seeded(&url, clock.clone()).await;
    let (window, office, handler, inspector) = (
        actor("lisu", Role::Window, "bbcs"),
        actor("cuixy", Role::Office, "ywg"),
        actor("h_sw", Role::Handler, "sw"),
        actor("dc", Role::Inspector, "dcg"),
    );
    let mut numbers = Vec::new();
    for i in 0..6 {
        let n = app.register(&window, &reg(i)).await.unwrap().case.number;
        numbers.push(n);
    }
    let act = |who: &Actor, n: &str, cmd: Command| {
        let (app, who, n) = (app.clone(), who.clone(), n.to_owned());
        async move { app.act(&who, &n, &cmd).await.unwrap() }
    };
    // 0: resolved at the window at once; 1: dispatched, fed back, resolved, verified, visited
    // (dissatisfied → reopened), resolved again, visited satisfied, 通报, closed; 2: under 督办
    // and overdue; 3: extension approved; 4, 5: left as registered.
    act(&window, &numbers[0], Command::Resolve { outcome: Outcome::Done, reply: "当场办结".into() }).await;
    let dispatch = Command::Dispatch { unit: "sw".into(), co_units: vec![], level: Level::Department };
    for n in &numbers[1..4] {
        act(&window, n, dispatch.clone()).await;
    }
    clock.advance(TimeDelta::days(1));
    act(&handler, &numbers[1], Command::Feedback { text: "正在核实".into() }).await;
    act(&handler, &numbers[1], Command::Resolve { outcome: Outcome::Done, reply: "已办结".into() }).await;
    act(&office, &numbers[1], Command::Verify { ok: true, note: String::new() }).await;
    act(&office, &numbers[1], Command::Visit { reached: true, satisfaction: Some(2), comment: None }).await;
    act(&handler, &numbers[1], Command::Resolve { outcome: Outcome::Done, reply: "重新办结".into() }).await;
    act(&office, &numbers[1], Command::Verify { ok: true, note: String::new() }).await;
    act(&inspector, &numbers[1], Command::Visit { reached: true, satisfaction: Some(5), comment: None })
        .await;
    act(
        &office,
        &numbers[1],
        Command::Notice {
            unit: "sw".into(),
            person: Some("王某".into()),
            fault: "首次办理超期".into(),
            opinion: "批评教育".into(),
        },
    )
    .await;
    act(&office, &numbers[1], Command::Close).await;
    act(&inspector, &numbers[1], Command::Visit { reached: false, satisfaction: None, comment: None }).await;
    act(
        &inspector,
        &numbers[2],
        Command::Supervise { note: "限期办结".into(), due: at(2026, 3, 6, 9).date_naive() },
    )
    .await;
    act(&handler, &numbers[3], Command::RequestExtension { workdays: 3, reason: "需现场核查".into() }).await;
    act(&office, &numbers[3], Command::ApproveExtension).await;
    clock.advance(TimeDelta::days(10));
    app.tick().await.unwrap();
    act(&handler, &numbers[2], Command::Resolve { outcome: Outcome::Done, reply: "逾期办结".into() }).await;

    let online = all_facts(&app, &numbers).await;
    let visits: Vec<_> = online[1].visits.iter().map(|v| (v.round, v.satisfaction, v.sampled)).collect();
    assert_eq!(
        visits,
        [(0, Some(2), false), (1, Some(5), false), (1, None, true)],
        "rounds and the sampled visit"
    );
    assert_eq!(online[1].resolutions.iter().map(|r| r.round).collect::<Vec<_>>(), [0, 1]);
    assert_eq!(online[1].notices.len(), 1);
    assert!(online[2].deadlines.iter().any(|d| d.kind == "supervision" && d.set_by.as_deref() == Some("dc")));
    assert!(online[3].deadlines.iter().any(|d| d.extended_from.is_some()));
    let result_units: Vec<_> =
        online[2].deadlines.iter().filter(|d| d.kind == "result").map(|d| d.unit_code.as_deref()).collect();
    assert_eq!(result_units, [None, Some("sw")], "the window's clock, then the unit's");
    assert!(online.iter().flat_map(|f| &f.deadlines).any(|d| d.outcome == "missed"));
    assert!(online.iter().flat_map(|f| &f.deadlines).any(|d| d.outcome == "met"));
    assert!(online.iter().flat_map(|f| &f.deadlines).any(|d| d.outcome == "open"));
    let states: Vec<_> = {
        let mut v = Vec::new();
        for n in &numbers {
            v.push(app.store().case("nxzx", n).await.unwrap().state);
        }
        v
    };

    // Wipe every derived fact row, then rebuild from the log.
    for n in &numbers {
        let mut row = app.store().case("nxzx", n).await.unwrap();
        row.facts = FactRows::all(vec![], vec![], vec![], vec![]);
        app.store().rewrite_case(row).await.unwrap();
    }
    assert!(all_facts(&app, &numbers).await.iter().all(|f| f.deadlines.is_empty() && f.visits.is_empty()));
    let report = app.reindex().await.unwrap();
    assert_eq!(report.cases, 6);
    assert_eq!(report.state_differed, 0, "the stored state is the replay of the log");
    assert_eq!(all_facts(&app, &numbers).await, online);
    for (n, state) in numbers.iter().zip(states) {
        assert_eq!(app.store().case("nxzx", n).await.unwrap().state, state);
    }
    assert!(app.store().verify_log().await.unwrap().1.is_empty());
    app.store().close().await;
}

#[tokio::test]
async fn a_second_server_sees_a_policy_change_made_through_the_first_within_its_check_interval() {
    for backend in
        backends_for("a_second_server_sees_a_policy_change_made_through_the_first_within_its_check_interval")
    {
        let db = FreshDb::create(&backend).await;
        second_server_on(&db.url).await;
    }
}

async fn second_server_on(url: &str) {
    let url = url.to_owned();
    let clock = Arc::new(ManualClock::new(at(2026, 3, 2, 9)));
    let first = seeded(&url, clock.clone()).await;
    let second = open(&url, clock).await;
    let check = Duration::from_millis(100);
    let background = second.start_background(BackgroundConfig {
        tick: None,
        cache_check: check,
        housekeeping: std::time::Duration::from_secs(3600),
    });
    assert_eq!(second.policy("nxzx").department_result, 5);

    let changed = DeadlinePolicy { department_result: 4, ..first.policy("nxzx") };
    first.save_policy("nxzx", changed, "admin").await.unwrap();
    first.add_unit("newwin", "新设窗口", Some("nxzx"), "window").await.unwrap();
    // Within a few check periods (each check is one read of `cache_versions`).
    let mut waited = Duration::ZERO;
    while second.policy("nxzx").department_result != 4 || !second.units().iter().any(|u| u.code == "newwin") {
        assert!(waited < check * 50, "the second server did not reload within {waited:?}");
        tokio::time::sleep(check / 2).await;
        waited += check / 2;
    }
    assert_eq!(second.policy("nxzx").version, first.policy("nxzx").version);
    // Nothing moved since: once a check has seen the current versions (the background's last
    // reload may have read them before the last change and reload once more), the next reloads
    // nothing.
    second.refresh_caches().await.unwrap();
    assert!(!second.refresh_caches().await.unwrap());
    background.stop().await;
    first.store().close().await;
    second.store().close().await;
}

#[tokio::test]
async fn the_first_start_after_a_migration_that_adds_derived_rows_rebuilds_them_from_the_log() {
    for backend in
        backends_for("the_first_start_after_a_migration_that_adds_derived_rows_rebuilds_them_from_the_log")
    {
        let db = FreshDb::create(&backend).await;
        let clock = Arc::new(ManualClock::new(at(2026, 3, 2, 9)));
        let app = seeded(&db.url, clock.clone()).await;
        let (window, office) = (actor("lisu", Role::Window, "bbcs"), actor("cuixy", Role::Office, "ywg"));
        let mut numbers = Vec::new();
        for i in 0..3 {
            let n = app.register(&window, &reg(i)).await.unwrap().case.number;
            app.act(&window, &n, &Command::Resolve { outcome: Outcome::Done, reply: "当场办结".into() })
                .await
                .unwrap();
            app.act(&office, &n, &Command::Verify { ok: true, note: String::new() }).await.unwrap();
            app.act(&office, &n, &Command::Visit { reached: true, satisfaction: Some(4), comment: None })
                .await
                .unwrap();
            numbers.push(n);
        }
        let online = all_facts(&app, &numbers).await;
        assert!(
            online.iter().all(|f| f.deadlines.len() == 1 && f.visits.len() == 1 && f.resolutions.len() == 1)
        );
        // What migration 0003 leaves on a database that had cases: empty fact tables and a
        // reindex owed.
        app.store()
            .execute_for_test(
                "DELETE FROM case_deadlines; DELETE FROM case_visits; DELETE FROM case_resolutions; \
                 INSERT INTO maintenance (task) VALUES ('reindex')",
            )
            .await
            .unwrap();
        app.store().close().await;

        let reopened = open(&db.url, clock).await;
        assert_eq!(all_facts(&reopened, &numbers).await, online, "{}", backend.name());
        assert!(reopened.store().maintenance_owed().await.unwrap().is_empty(), "done once");
        reopened.store().close().await;
    }
}

/// A database written before the four clock outcomes: a dispatch and an escalation closed the
/// earlier clocks with `deadline_closed {met: true}`, and the stored state says 按期. After the
/// upgrade (migration 0004 owes a reindex), the fold reads those events in the light of what
/// caused them: superseded, never met — and no event is rewritten.
#[tokio::test]
async fn spec7_an_old_database_shows_superseded_clocks_after_the_upgrade_without_rewriting_an_event() {
    use bancheng_domain::case::{self, CaseEvent, Ctx, Decision};
    use bancheng_domain::deadline::{ClockOutcome, local_day};
    use bancheng_store::model::{CaseRow, NewEvent};
    for backend in backends_for("spec7_an_old_database_shows_superseded_clocks_after_the_upgrade") {
        let db = FreshDb::create(&backend).await;
        let clock = Arc::new(ManualClock::new(at(2026, 3, 2, 9)));
        let app = seeded(&db.url, clock.clone()).await;
        let (window, office) = (actor("lisu", Role::Window, "bbcs"), actor("cuixy", Role::Office, "ywg"));
        let units = [("sw", true, false), ("xyhb", false, true), ("bbcs", false, false)]
            .map(|(c, h, o)| bancheng_domain::unit::OrgUnit::new(c, h, o));
        let (policy, cal) = (app.policy("nxzx"), app.calendar());
        // The old shape of every event.
        let legacy = |d: &Decision, a: &Actor, at: chrono::DateTime<chrono::Utc>| -> Vec<NewEvent> {
            d.events
                .iter()
                .map(|e| {
                    let e = match e {
                        CaseEvent::DeadlineSuperseded { id, in_time, .. } => {
                            CaseEvent::DeadlineClosed { id: *id, met: *in_time }
                        }
                        other => other.clone(),
                    };
                    let (kind, payload) = e.to_parts();
                    NewEvent {
                        kind: kind.into(),
                        actor: a.username.clone(),
                        actor_role: a.role.code().into(),
                        actor_unit: a.unit.clone(),
                        at,
                        payload,
                    }
                })
                .collect()
        };
        // The state as the old code stored it: those clocks met.
        let old_row = |c: &case::Case, version: i64| {
            let mut c = c.clone();
            for d in &mut c.deadlines {
                if d.superseded.take().is_some() {
                    d.met = Some(true);
                }
            }
            CaseRow {
                number: c.number.clone(),
                center: c.center.clone(),
                status: c.status.code().into(),
                level: c.level.code().into(),
                channel: c.channel.code().into(),
                category: None,
                applicant_name: c.applicant.name.clone(),
                phone: c.applicant.phone.clone(),
                id_number: None,
                description: c.description.clone(),
                matter: None,
                received_unit: String::new(),
                phone_tail: String::new(),
                enterprise_name: None,
                credit_code: None,
                unit: c.unit.clone(),
                units: c.units(),
                received_by: c.received_by.clone(),
                received_at: c.received_at,
                next_due: c.next_due(),
                overdue: false,
                reopen_count: 0,
                outcome: None,
                updated_at: c.received_at,
                version,
                state: serde_json::to_value(&c).unwrap(),
                facts: FactRows::default(),
            }
        };
        let t0 = at(2026, 3, 2, 9);
        let ctx =
            |a: &'static Actor, now| Ctx { actor: a, now, policy: &policy, calendar: &cal, units: &units };
        let window: &'static Actor = Box::leak(Box::new(window));
        let office: &'static Actor = Box::leak(Box::new(office));
        let reg = case::register(&reg(1), &ctx(window, t0), &[]).unwrap();
        let stored = app
            .store()
            .register(local_day(t0), old_row(&reg.case, 1), legacy(&reg, window, t0), vec![])
            .await
            .unwrap();
        let mut c = reg.case.clone();
        c.number = stored.number.clone();
        let steps: [(&'static Actor, Command, chrono::DateTime<chrono::Utc>); 2] = [
            (
                window,
                Command::Dispatch { unit: "sw".into(), co_units: vec![], level: Level::Department },
                at(2026, 3, 2, 10),
            ),
            (
                office,
                Command::Escalate {
                    level: Level::County,
                    reason: "难点".into(),
                    due_workdays: None,
                    unit: Some("xyhb".into()),
                    co_units: None,
                },
                at(2026, 3, 3, 10),
            ),
        ];
        for (version, (a, cmd, now)) in (1..).zip(steps) {
            let d = case::decide(&c, &cmd, &ctx(a, now)).unwrap();
            app.store()
                .commit(version, old_row(&d.case, version + 1), legacy(&d, a, now), vec![])
                .await
                .unwrap();
            c = d.case;
        }
        let events_before = app.store().events("nxzx", &stored.number).await.unwrap();
        assert!(events_before.iter().any(|e| e.kind == "deadline_closed"));
        let before = app.case(office, &stored.number).await.unwrap();
        assert!(
            before.case.deadlines.iter().filter(|d| !d.is_open()).all(|d| d.outcome() == ClockOutcome::Met),
            "the old state said 按期"
        );
        // Migration 0004 owes a reindex on a database with cases.
        app.store().execute_for_test("INSERT INTO maintenance (task) VALUES ('reindex')").await.unwrap();
        app.store().close().await;

        let upgraded = open(&db.url, clock).await;
        let after = upgraded.case(office, &stored.number).await.unwrap();
        let outcomes: Vec<ClockOutcome> = after.case.deadlines.iter().map(|d| d.outcome()).collect();
        assert_eq!(
            outcomes,
            [
                ClockOutcome::Superseded,
                ClockOutcome::Superseded,
                ClockOutcome::Superseded,
                ClockOutcome::Open
            ],
            "[{}]",
            backend.name()
        );
        let facts = upgraded.store().facts("nxzx", &stored.number).await.unwrap();
        assert_eq!(facts.deadlines.iter().filter(|d| d.outcome == "superseded").count(), 3);
        assert_eq!(
            upgraded.store().events("nxzx", &stored.number).await.unwrap(),
            events_before,
            "no event rewritten"
        );
        assert!(upgraded.store().verify_log().await.unwrap().1.is_empty());
        upgraded.store().close().await;
    }
}
