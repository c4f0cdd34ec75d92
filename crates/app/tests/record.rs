//! Fixing the record through the use cases (issue 8): idempotent registration, 作废 and 合并 with
//! their effects on messages and related cases, attachments checked by content, the header
//! search within what a user may read, and related numbers a handler may see.

mod common;

use std::sync::Arc;

use bancheng_app::{App, AppError, ManualClock};
use bancheng_domain::case::{Command, Level, Registration, Status};
use bancheng_domain::{Actor, DomainError, Role};
use bancheng_testkit::time::at;
use common::{PASSWORD, app_at};

async fn app() -> (App, Arc<ManualClock>, tempfile::TempDir) {
    let (app, clock, dir) = app_at(at(2026, 3, 2, 10)).await;
    for (name, role, unit) in [("cuixy", Role::Office, "ywg"), ("h_sw", Role::Handler, "sw")] {
        app.add_user(name, name, role, unit, PASSWORD).await.unwrap();
    }
    (app, clock, dir)
}

fn actor(name: &str, role: Role, unit: &str) -> Actor {
    Actor { username: name.into(), role, unit: unit.into(), center: "nxzx".into() }
}
fn window() -> Actor {
    actor("lisu", Role::Window, "bbcs")
}
fn office() -> Actor {
    actor("cuixy", Role::Office, "ywg")
}
fn handler() -> Actor {
    actor("h_sw", Role::Handler, "sw")
}

fn reg(name: &str, phone: &str) -> Registration {
    Registration {
        applicant_name: name.into(),
        phone: phone.into(),
        description: "营业执照变更三次未办成".into(),
        matter: Some("营业执照变更".into()),
        ..Default::default()
    }
}

#[tokio::test]
async fn spec7_a_repeated_registration_key_returns_the_first_case_and_another_body_is_refused() {
    let (app, _clock, _dir) = app().await;
    let (first, repeat) =
        app.register_once(&window(), &reg("张三", "13812345678"), Some("k-1")).await.unwrap();
    assert!(!repeat);
    let (again, repeat) =
        app.register_once(&window(), &reg("张三", "13812345678"), Some("k-1")).await.unwrap();
    assert!(repeat);
    assert_eq!(again.case.number, first.case.number);
    match app.register_once(&window(), &reg("李四", "13812345678"), Some("k-1")).await {
        Err(AppError::IdempotencyMismatch { number }) => assert_eq!(number, first.case.number),
        other => panic!("{other:?}"),
    }
    // Another user's key of the same text is theirs.
    let other = app.register_once(&office(), &reg("张三", "13812345678"), Some("k-1")).await.unwrap();
    assert_ne!(other.0.case.number, first.case.number);
    // A bad key is refused naming the header.
    match app.register_once(&window(), &reg("张三", "13812345678"), Some("bad key")).await {
        Err(AppError::Domain(DomainError::Invalid { field: "Idempotency-Key", .. })) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(app.cases(&office(), &Default::default()).await.unwrap().1, 2, "two cases, no duplicate");
}

#[tokio::test]
async fn spec7_voiding_cancels_the_messages_the_case_still_owed_and_it_leaves_the_queues() {
    let (app, _clock, _dir) = app().await;
    let c = app.register(&window(), &reg("张三", "13812345678")).await.unwrap();
    let n = c.case.number;
    app.act(
        &window(),
        &n,
        &Command::Dispatch { unit: "sw".into(), co_units: vec![], level: Level::Department },
    )
    .await
    .unwrap();
    assert!(!app.store().pending_notifications(10).await.unwrap().is_empty(), "the unit is owed a message");
    let v = app.act(&office(), &n, &Command::Void { reason: "重复登记".into() }).await.unwrap();
    assert_eq!(v.case.status, Status::Voided);
    assert!(app.store().pending_notifications(10).await.unwrap().is_empty(), "cancelled, never delivered");
    let open = bancheng_app::CaseQuery { status: Some("ongoing".into()), ..Default::default() };
    assert_eq!(app.cases(&office(), &open).await.unwrap().1, 0, "out of every queue");
    assert_eq!(
        app.cases(&office(), &Default::default()).await.unwrap().1,
        1,
        "the number stays in the ledger"
    );
    let facts = app.store().facts("nxzx", &n).await.unwrap();
    assert!(facts.deadlines.iter().all(|d| d.outcome == "superseded"), "{:?}", facts.deadlines);
}

#[tokio::test]
async fn spec7_a_merge_writes_both_cases_and_refuses_a_target_that_does_not_exist() {
    let (app, _clock, _dir) = app().await;
    let first = app.register(&window(), &reg("张三", "13812345678")).await.unwrap().case.number;
    let dup = app.register(&window(), &reg("张三", "13812345678")).await.unwrap();
    assert_eq!(dup.case.repeat_of, std::slice::from_ref(&first), "a repeat trip of the first");
    let dup = dup.case.number;
    match app.act(&office(), &dup, &Command::Merge { into: "2026030299".into(), reason: "重复".into() }).await
    {
        Err(AppError::Domain(DomainError::Invalid { field: "into", .. })) => {}
        other => panic!("{other:?}"),
    }
    let merged = app
        .act(&office(), &dup, &Command::Merge { into: first.clone(), reason: "双击保存".into() })
        .await
        .unwrap();
    assert_eq!(
        (merged.case.status, merged.case.merged_into.as_deref()),
        (Status::Merged, Some(first.as_str()))
    );
    assert_eq!(merged.case.repeat_of, std::slice::from_ref(&first), "the repeat-trip link is kept");
    let target = app.case(&office(), &first).await.unwrap();
    assert_eq!(target.case.merged_from, std::slice::from_ref(&dup));
    let events = app.events(&office(), &first).await.unwrap();
    assert_eq!(events.last().unwrap().kind, "duplicate_merged");
    assert!(app.store().verify_log().await.unwrap().1.is_empty());
}

#[tokio::test]
async fn spec7_a_correction_keeps_the_old_value_in_the_log_masked_for_who_may_not_see_it() {
    let (app, _clock, _dir) = app().await;
    let n = app.register(&window(), &reg("张三", "13812345678")).await.unwrap().case.number;
    let fix =
        Command::Correct { fields: vec![("phone".into(), "13987654321".into())], reason: "记错".into() };
    app.act(&window(), &n, &fix).await.unwrap();
    app.act(
        &window(),
        &n,
        &Command::Dispatch { unit: "sw".into(), co_units: vec![], level: Level::Department },
    )
    .await
    .unwrap();
    let corrected = |events: &[bancheng_app::EventView]| {
        events.iter().find(|e| e.kind == "corrected").expect("corrected").payload["changes"][0].clone()
    };
    let full = corrected(&app.events(&office(), &n).await.unwrap());
    assert_eq!((full["from"].as_str(), full["to"].as_str()), (Some("13812345678"), Some("13987654321")));
    let leader = actor("zhengjp", Role::Leader, "nxzx");
    let masked = corrected(&app.events(&leader, &n).await.unwrap());
    assert_eq!((masked["from"].as_str(), masked["to"].as_str()), (Some("138****5678"), Some("139****4321")));
    // The search follows the corrected phone.
    assert_eq!(app.search(&office(), "4321", 20).await.unwrap().len(), 1);
    assert_eq!(app.search(&office(), "5678", 20).await.unwrap().len(), 0);
}

#[tokio::test]
async fn attachments_are_checked_by_content_whatever_their_name_and_limited_in_number_and_size() {
    let (app, _clock, _dir) = app().await;
    let n = app.register(&window(), &reg("张三", "13812345678")).await.unwrap().case.number;
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR rest".to_vec();
    for (name, bytes) in
        [("scan.png", b"<svg onload=alert(1)>".to_vec()), ("a.pdf", b"MZ\x90\0".to_vec()), ("x.jpg", vec![])]
    {
        match app.attach(&window(), &n, name, bytes).await {
            Err(AppError::Domain(DomainError::Invalid { field: "file", .. })) => {}
            other => panic!("{name}: {other:?}"),
        }
    }
    let big = [png.clone(), vec![0; 5 * 1024 * 1024]].concat();
    assert!(matches!(
        app.attach(&window(), &n, "big.png", big).await,
        Err(AppError::Domain(DomainError::Invalid { field: "file", .. }))
    ));
    let v = app.attach(&window(), &n, "C:\\\\材料\\\\营业执照.txt", png.clone()).await.unwrap();
    let a = &v.case.attachments[0];
    assert_eq!(
        (a.id, a.name.as_str(), a.mime.as_str()),
        (1, "营业执照.txt", "image/png"),
        "the type is the content's"
    );
    let file = app.attachment(&office(), &n, 1).await.unwrap();
    assert_eq!((file.mime.as_str(), file.data.as_slice()), ("image/png", png.as_slice()));
    // Only those who may read the case read its attachments.
    assert!(matches!(
        app.attachment(&handler(), &n, 1).await,
        Err(AppError::Domain(DomainError::Forbidden { .. }))
    ));
    for i in 2..=5 {
        app.attach(&window(), &n, &format!("{i}.png"), png.clone()).await.unwrap();
    }
    assert!(matches!(
        app.attach(&window(), &n, "6.png", png).await,
        Err(AppError::Domain(DomainError::Invalid { field: "file", .. }))
    ));
    assert_eq!(
        app.events(&office(), &n).await.unwrap().iter().filter(|e| e.kind == "attachment_added").count(),
        5
    );
}

#[tokio::test]
async fn the_header_search_finds_every_way_within_what_the_user_may_read() {
    let (app, _clock, _dir) = app().await;
    let mine = Registration {
        enterprise_name: Some("宛西制药有限公司".into()),
        credit_code: Some("91350100M000100Y43".into()),
        id_number: Some("11010519491231002X".into()),
        applicant_type: Some("enterprise".into()),
        ..reg("王芳", "13811112222")
    };
    let a = app.register(&window(), &mine).await.unwrap().case.number;
    let b = app.register(&window(), &reg("赵六", "13933334444")).await.unwrap().case.number;
    app.act(
        &window(),
        &a,
        &Command::Dispatch { unit: "sw".into(), co_units: vec![], level: Level::Department },
    )
    .await
    .unwrap();
    for q in [
        a.as_str(),
        "13811112222",
        "2222",
        "11010519491231002x",
        "91350100M000100Y43",
        "宛西",
        "王芳",
        "营业执照",
    ] {
        let found: Vec<String> =
            app.search(&office(), q, 20).await.unwrap().into_iter().map(|s| s.number).collect();
        assert!(found.contains(&a), "{q}: {found:?}");
    }
    // The handler of sw finds their case, never the other one, by any of its keys.
    for q in ["营业执照", "13933334444", "4444", b.as_str(), "赵六"] {
        let found: Vec<String> =
            app.search(&handler(), q, 20).await.unwrap().into_iter().map(|s| s.number).collect();
        assert!(!found.contains(&b), "{q}: {found:?}");
    }
    assert_eq!(app.search(&handler(), "营业执照", 20).await.unwrap().len(), 1);
    let hit = &app.search(&office(), "13811112222", 20).await.unwrap()[0];
    assert_eq!(hit.phone, "138****2222", "masked in results");
}

#[tokio::test]
async fn a_handler_sees_only_the_related_numbers_they_may_read() {
    let (app, _clock, _dir) = app().await;
    let dispatch =
        |unit: &str| Command::Dispatch { unit: unit.into(), co_units: vec![], level: Level::Department };
    let elsewhere = app.register(&window(), &reg("张三", "13812345678")).await.unwrap().case.number;
    app.act(&window(), &elsewhere, &dispatch("ga")).await.unwrap();
    let ours = app.register(&window(), &reg("张三", "13812345678")).await.unwrap().case.number;
    app.act(&window(), &ours, &dispatch("sw")).await.unwrap();
    assert_eq!(app.case(&office(), &ours).await.unwrap().case.repeat_of, std::slice::from_ref(&elsewhere));
    let seen = app.case(&handler(), &ours).await.unwrap();
    assert!(
        seen.case.repeat_of.is_empty(),
        "another unit's case number is not shown: {:?}",
        seen.case.repeat_of
    );
}

#[tokio::test]
async fn spec7_the_weeks_registrations_leave_out_voided_cases_and_count_a_merged_one_once() {
    let (app, _clock, _dir) = app().await;
    let mut numbers = Vec::new();
    for phone in ["13812345678", "13812345679", "13812345670"] {
        numbers.push(app.register(&window(), &reg("张三", phone)).await.unwrap().case.number);
    }
    // By hand: three registered, one voided, one merged into the first: one case counts.
    assert_eq!(app.week_counts(&office()).await.unwrap().registered, 3);
    app.act(&office(), &numbers[1], &Command::Void { reason: "登记错误".into() }).await.unwrap();
    let merge = Command::Merge { into: numbers[0].clone(), reason: "重复登记".into() };
    app.act(&office(), &numbers[2], &merge).await.unwrap();
    assert_eq!(app.week_counts(&office()).await.unwrap().registered, 1);
}
