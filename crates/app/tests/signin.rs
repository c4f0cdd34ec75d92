//! Sign-in (issue 8): attempts counted atomically before the password is checked, a lock per
//! account and address (a colleague elsewhere still signs in), a pause per address, the same work
//! and answer for an unknown name, the password policy, and sessions after a password change.

mod common;

use bancheng_app::AppError;
use bancheng_domain::{DomainError, Role};
use bancheng_testkit::time::at;
use common::{PASSWORD, app_at};

const HERE: &str = "10.0.0.1";
const THERE: &str = "10.0.0.2";

fn message(r: Result<bancheng_app::TokenGrant, AppError>) -> (&'static str, String) {
    match r {
        Ok(_) => ("ok", String::new()),
        Err(AppError::Unauthorized(m)) => ("unauthorized", m),
        Err(AppError::Locked(m)) => ("locked", m),
        Err(e) => panic!("{e:?}"),
    }
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_from_that_address_with_a_clear_message() {
    let (app, clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    for _ in 0..4 {
        assert_eq!(message(app.issue_token("lisu", "wrong-password", HERE).await).0, "unauthorized");
    }
    let (kind, m) = message(app.issue_token("lisu", "wrong-password", HERE).await);
    assert_eq!(kind, "locked");
    assert!(m.contains("锁定") && m.contains("15分钟"), "{m}");
    assert_eq!(
        message(app.issue_token("lisu", PASSWORD, HERE).await).0,
        "locked",
        "locked for the right password too"
    );
    // A colleague (or the owner) at another address is not locked out.
    assert_eq!(message(app.issue_token("lisu", PASSWORD, THERE).await).0, "ok");
    clock.advance(chrono::TimeDelta::minutes(16));
    let grant = app.issue_token("lisu", PASSWORD, HERE).await.unwrap();
    let (actor, _) = app.authenticate(&grant.token).await.unwrap();
    assert_eq!(actor.role, Role::Window);
}

#[tokio::test]
async fn a_parallel_burst_gets_at_most_five_password_checks_and_the_right_password_inside_it_is_refused() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    let before = app.password_checks();
    let mut set = tokio::task::JoinSet::new();
    for i in 0..41 {
        let app = app.clone();
        // The right password is one of the burst.
        let pw = if i == 20 { PASSWORD } else { "wrong-password" };
        set.spawn(async move { message(app.issue_token("lisu", pw, HERE).await) });
    }
    let mut kinds = Vec::new();
    while let Some(r) = set.join_next().await {
        kinds.push(r.unwrap());
    }
    let checked = app.password_checks() - before;
    assert!(checked <= 5, "{checked} passwords checked in one burst: {kinds:?}");
    let answered = kinds.iter().filter(|(k, m)| *k != "locked" || m.contains("连续错误")).count();
    assert_eq!(answered as u64, checked, "every checked attempt, and only those, got a verdict");
    // Whether or not the right one was among the first five, the lock holds now.
    assert_eq!(message(app.issue_token("lisu", PASSWORD, HERE).await).0, "locked");
}

#[tokio::test]
async fn an_unknown_name_costs_the_same_check_reads_the_same_and_locks_the_same() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    let before = app.password_checks();
    let unknown = message(app.issue_token("nobody", "wrong-password", HERE).await);
    assert_eq!(app.password_checks() - before, 1, "the KDF ran on a dummy hash for a name with no account");
    let known = message(app.issue_token("lisu", "wrong-password", HERE).await);
    assert_eq!(app.password_checks() - before, 2);
    assert_eq!(unknown, known, "the same status and message");
    for _ in 0..4 {
        app.issue_token("nobody", "wrong-password", HERE).await.unwrap_err();
    }
    assert_eq!(
        message(app.issue_token("nobody", "x", HERE).await).0,
        "locked",
        "not only real accounts lock"
    );
}

#[tokio::test]
async fn a_disabled_account_is_told_only_to_whoever_knows_its_password() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    let id = app.store().user_by_name("lisu").await.unwrap().id;
    app.set_user_disabled(id, true).await.unwrap();
    let wrong = message(app.issue_token("lisu", "wrong-password", HERE).await);
    assert_eq!(wrong, message(app.issue_token("nobody", "wrong-password", THERE).await));
    assert!(!wrong.1.contains("停用"), "{wrong:?}");
    let right = message(app.issue_token("lisu", PASSWORD, HERE).await);
    assert!(right.0 == "unauthorized" && right.1.contains("停用"), "{right:?}");
}

#[tokio::test]
async fn too_many_failures_from_one_address_pause_it_for_every_account() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    // Spraying many names from one address.
    for i in 0..30 {
        app.issue_token(&format!("user{i}"), "wrong-password", HERE).await.unwrap_err();
    }
    let (kind, m) = message(app.issue_token("lisu", PASSWORD, HERE).await);
    assert_eq!(kind, "locked", "{m}");
    assert!(m.contains("地址"), "{m}");
    assert_eq!(message(app.issue_token("lisu", PASSWORD, THERE).await).0, "ok");
}

#[tokio::test]
async fn failures_from_many_addresses_slow_an_account_down_but_never_lock_it() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    for i in 0..6 {
        app.issue_token("lisu", "wrong-password", &format!("10.0.1.{i}")).await.unwrap_err();
    }
    let started = std::time::Instant::now();
    app.issue_token("lisu", PASSWORD, THERE).await.expect("not locked");
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(400),
        "{:?}: a growing delay",
        started.elapsed()
    );
}

#[tokio::test]
async fn the_password_policy_applies_to_new_and_changed_passwords() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    for (username, pw) in [
        ("zhang3", "short-1"),
        ("zhang3abcd", "zhang3abcd"),
        ("zhang3", "1234567890"),
        ("zhang3", "Password123"),
    ] {
        match app.add_user(username, "", Role::Window, "bbcs", pw).await {
            Err(AppError::Domain(DomainError::Invalid { field: "password", .. })) => {}
            other => panic!("{username}/{pw}: {other:?}"),
        }
    }
    let id = app.store().user_by_name("lisu").await.unwrap().id;
    match app.change_password(id, PASSWORD, "qwertyuiop", None, HERE).await {
        Err(AppError::Domain(DomainError::Invalid { field: "new", .. })) => {}
        other => panic!("{other:?}"),
    }
    // Existing passwords keep working (the test users' predate nothing, but the rule is on set only).
    app.issue_token("lisu", PASSWORD, HERE).await.unwrap();
}

#[tokio::test]
async fn changing_ones_password_ends_every_other_session_but_this_one() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    let here = app.issue_token("lisu", PASSWORD, HERE).await.unwrap();
    let there = app.issue_token("lisu", PASSWORD, THERE).await.unwrap();
    let id = app.store().user_by_name("lisu").await.unwrap().id;
    app.change_password(id, PASSWORD, "a-new-long-phrase-9", Some(&here.token), HERE).await.unwrap();
    assert!(app.authenticate(&here.token).await.is_ok(), "the session that changed it goes on");
    assert!(matches!(app.authenticate(&there.token).await, Err(AppError::Unauthorized(_))), "the others end");
    app.issue_token("lisu", "a-new-long-phrase-9", THERE).await.unwrap();
}

#[tokio::test]
async fn the_first_admin_password_is_to_be_changed_before_anything_else() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    assert!(app.store().user_by_name("admin").await.unwrap().must_change_password);
    assert!(!app.store().user_by_name("lisu").await.unwrap().must_change_password, "set up by the CLI");
}
