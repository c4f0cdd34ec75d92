//! Use-case tests on a real SQLite file: calendar import, policy versions, password storage.

mod common;

use bancheng_app::AppError;
use bancheng_domain::case::{Command, Level, Registration};
use bancheng_domain::deadline::DeadlineKind;
use bancheng_domain::policy::DeadlinePolicy;
use bancheng_domain::{Actor, DomainError, Role};
use bancheng_testkit::time::{at, day};
use common::app_at;

fn window() -> Actor {
    Actor { username: "lisu".into(), role: Role::Window, unit: "bbcs".into(), center: "nxzx".into() }
}

fn reg() -> Registration {
    Registration {
        applicant_name: "王五".into(),
        phone: "0377-65331234".into(),
        description: "不动产登记多次未办成".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn spec_4_3_importing_next_years_schedule_recomputes_open_provisional_deadlines_and_logs_it() {
    let (app, _clock, _dir) = app_at(at(2026, 12, 29, 10)).await;
    let case = app.register(&window(), &reg()).await.unwrap();
    let number = case.case.number.clone();
    let dispatched = app
        .act(
            &window(),
            &number,
            &Command::Dispatch { unit: "bdc".into(), co_units: vec![], level: Level::Department },
        )
        .await
        .unwrap();
    let result = dispatched.case.open_deadline(DeadlineKind::Result).unwrap().clone();
    // 2026-12-29 + 5 working days runs into 2027, which has no schedule yet: weekends only.
    assert_eq!(result.due, day(2027, 1, 5));
    assert!(result.provisional, "SPEC §4.3: flagged provisional, never silently");

    // A 2027 schedule where 01-01..01-03 are 元旦 and 01-04 is an extra holiday.
    let file = r#"{"source":"test notice","years":{"2027":{"holidays":[
        {"date":"2027-01-01","name":"元旦"},{"date":"2027-01-02","name":"元旦"},
        {"date":"2027-01-03","name":"元旦"},{"date":"2027-01-04","name":"元旦"}],"workdays":[]}}}"#;
    let (years, _) = app.import_calendar(file, "2027.json", "admin").await.unwrap();
    assert_eq!(years, vec![2027]);
    let after = app.case(&window(), &number).await.unwrap();
    let result = after.case.deadlines.iter().find(|d| d.id == result.id).unwrap();
    assert_eq!(result.due, day(2027, 1, 7));
    assert!(!result.provisional);
    let events = app.events(&window(), &number).await.unwrap();
    assert!(events.iter().any(|e| e.kind == "deadline_recomputed"), "the change is logged on the case");
    // Importing the same file again changes nothing further.
    app.import_calendar(file, "2027.json", "admin").await.unwrap();
    let again = app.events(&window(), &number).await.unwrap();
    assert_eq!(again.len(), events.len());
}

#[tokio::test]
async fn a_bad_calendar_file_is_refused_and_changes_nothing() {
    let (app, _clock, _dir) = app_at(at(2026, 12, 29, 10)).await;
    let bad =
        r#"{"source":"x","years":{"2027":{"holidays":[],"workdays":[{"date":"2027-01-06","name":"元旦"}]}}}"#;
    let err = app.import_calendar(bad, "bad.json", "admin").await.unwrap_err();
    assert!(matches!(err, AppError::Domain(DomainError::Invalid { field: "calendar", .. })), "{err:?}");
    assert!(app.store().calendar_years().await.unwrap().is_empty());
}

#[tokio::test]
async fn spec_4_2_a_changed_policy_applies_to_new_deadlines_only() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    let first = app.register(&window(), &reg()).await.unwrap();
    let dispatch = Command::Dispatch { unit: "bdc".into(), co_units: vec![], level: Level::Department };
    let first = app.act(&window(), &first.case.number, &dispatch).await.unwrap();
    let p = DeadlinePolicy { department_result: 8, ..app.policy("nxzx") };
    let saved = app.save_policy("nxzx", p, "admin").await.unwrap();
    assert_eq!(saved.version, 2);
    let second = app.register(&window(), &reg()).await.unwrap();
    let second = app.act(&window(), &second.case.number, &dispatch).await.unwrap();
    let r1 = first.case.open_deadline(DeadlineKind::Result).unwrap();
    let r2 = second.case.open_deadline(DeadlineKind::Result).unwrap();
    assert_eq!((r1.due, r1.policy_version), (day(2026, 3, 9), 1));
    assert_eq!((r2.due, r2.policy_version), (day(2026, 3, 12), 2));
    let reread = app.case(&window(), &first.case.number).await.unwrap();
    assert_eq!(reread.case.open_deadline(DeadlineKind::Result).unwrap().due, day(2026, 3, 9));
    // Second case is a repeat trip of the first (same phone, no matter given).
    assert_eq!(second.case.repeat_of, vec![first.case.number.clone()]);
}

#[tokio::test]
async fn passwords_are_stored_as_argon2id_hashes() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    let u = app.store().user_by_name("lisu").await.unwrap();
    assert!(u.password_hash.starts_with("$argon2id$"), "{}", u.password_hash);
    assert!(!u.password_hash.contains("correct-horse-1"));
}
