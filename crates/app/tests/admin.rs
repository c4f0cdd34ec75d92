//! Administration use cases with the actor checked (SPEC §2 `admin`): users, units, the
//! working-day calendar (SPEC §4.3) and the deadline policy (SPEC §4.2), on a real SQLite file.

mod common;

use bancheng_app::{App, AppError};
use bancheng_domain::case::{Command, Level, Registration};
use bancheng_domain::deadline::DeadlineKind;
use bancheng_domain::policy::DeadlinePolicy;
use bancheng_domain::{Actor, DomainError, Role};
use bancheng_testkit::time::{at, day};
use common::{PASSWORD, app_at};

/// The address the sign-ins come from.
const ADDR: &str = "10.0.0.1";

fn admin() -> Actor {
    Actor { username: "admin".into(), role: Role::Admin, unit: "nxzx".into(), center: "nxzx".into() }
}

fn window() -> Actor {
    Actor { username: "lisu".into(), role: Role::Window, unit: "bbcs".into(), center: "nxzx".into() }
}

fn office() -> Actor {
    Actor { username: "cuixy".into(), role: Role::Office, unit: "ywg".into(), center: "nxzx".into() }
}

async fn user_id(app: &App, username: &str) -> i64 {
    app.store().user_by_name(username).await.unwrap().id
}

#[track_caller]
fn assert_forbidden<T: std::fmt::Debug>(r: Result<T, AppError>, what: &str) {
    match r {
        Err(AppError::Domain(DomainError::Forbidden { message })) => {
            assert!(message.contains("只有系统管理员"), "{what}: {message}")
        }
        other => panic!("{what}: expected 403, got {other:?}"),
    }
}

#[track_caller]
fn assert_invalid<T: std::fmt::Debug>(r: Result<T, AppError>, field: &str) {
    match r {
        Err(AppError::Domain(DomainError::Invalid { field: f, .. })) => assert_eq!(f, field),
        other => panic!("expected 422 naming {field}, got {other:?}"),
    }
}

const CAL_2027: &str = r#"{"source":"国办发明电〔2026〕测试","years":{"2027":{"holidays":[
    {"date":"2027-01-01","name":"元旦"},{"date":"2027-01-04","name":"元旦"}],"workdays":[]}}}"#;

#[tokio::test]
async fn spec_2_only_the_system_admin_may_administer_users_units_calendar_and_policy() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    let lisu = user_id(&app, "lisu").await;
    for actor in [window(), office()] {
        assert_forbidden(app.admin_users(&actor).await, "list users");
        assert_forbidden(
            app.admin_add_user(&actor, "newbie", "新人", "window", "bbcs", PASSWORD).await,
            "add user",
        );
        assert_forbidden(app.admin_set_disabled(&actor, lisu, true).await, "disable");
        assert_forbidden(app.admin_reset_password(&actor, lisu).await, "reset password");
        assert_forbidden(app.admin_set_role(&actor, lisu, "office", "ywg").await, "set role");
        assert_forbidden(app.admin_units(&actor), "list units");
        assert_forbidden(app.admin_add_unit(&actor, "x1", "新单位", Some("nxzx"), "area").await, "add unit");
        assert_forbidden(app.admin_calendar_years(&actor).await, "calendar years");
        assert_forbidden(app.admin_import_calendar(&actor, CAL_2027, "t").await, "import calendar");
        assert_forbidden(app.admin_save_policy(&actor, DeadlinePolicy::default()).await, "save policy");
        assert_forbidden(app.policy_history(&actor).await, "policy history");
    }
    // Nothing changed.
    assert!(app.store().user_by_name("newbie").await.is_err());
    assert!(!app.store().user_by_id(lisu).await.unwrap().disabled);
    assert!(app.store().calendar_years().await.unwrap().is_empty());
    assert!(app.store().policies("nxzx").await.unwrap().is_empty());
    assert!(!app.units().iter().any(|u| u.code == "x1"));
}

#[tokio::test]
async fn spec_2_admin_creates_a_user_who_can_sign_in_and_bad_input_names_the_field() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    let u = app.admin_add_user(&admin(), "h_bdc", "王经办", "handler", "bdc", PASSWORD).await.unwrap();
    assert_eq!((u.role.as_str(), u.unit_code.as_str(), u.center.as_str()), ("handler", "bdc", "nxzx"));
    let grant = app.issue_token("h_bdc", PASSWORD, ADDR).await.unwrap();
    let (actor, _) = app.authenticate(&grant.token).await.unwrap();
    assert_eq!(actor.role, Role::Handler);

    assert_invalid(
        app.admin_add_user(&admin(), "h_bdc", "重复", "handler", "bdc", PASSWORD).await,
        "username",
    );
    assert_invalid(app.admin_add_user(&admin(), "x2", "", "boss", "bdc", PASSWORD).await, "role");
    assert_invalid(app.admin_add_user(&admin(), "x2", "", "system", "bdc", PASSWORD).await, "role");
    assert_invalid(app.admin_add_user(&admin(), "x2", "", "window", "nope", PASSWORD).await, "unit");
    assert_invalid(app.admin_add_user(&admin(), "x2", "", "window", "bbcs", "short").await, "password");
    assert_invalid(
        app.admin_add_user(&admin(), "bad name", "", "window", "bbcs", PASSWORD).await,
        "username",
    );
    let users = app.admin_users(&admin()).await.unwrap();
    assert_eq!(users.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["admin", "lisu", "h_bdc"]);
}

#[tokio::test]
async fn spec_2_a_disabled_user_cannot_get_a_token_and_an_admin_cannot_disable_themself() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    let lisu = user_id(&app, "lisu").await;
    let before = app.issue_token("lisu", PASSWORD, ADDR).await.unwrap();
    app.admin_set_disabled(&admin(), lisu, true).await.unwrap();
    assert!(matches!(app.issue_token("lisu", PASSWORD, ADDR).await, Err(AppError::Unauthorized(_))));
    assert!(
        matches!(app.authenticate(&before.token).await, Err(AppError::Unauthorized(_))),
        "the open session ends at once"
    );
    app.admin_set_disabled(&admin(), lisu, false).await.unwrap();
    app.issue_token("lisu", PASSWORD, ADDR).await.unwrap();

    let me = user_id(&app, "admin").await;
    assert_invalid(app.admin_set_disabled(&admin(), me, true).await, "user");
    assert!(!app.store().user_by_id(me).await.unwrap().disabled);
}

#[tokio::test]
async fn reset_password_lets_the_user_sign_in_with_the_new_one_and_lifts_the_lockout() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    for _ in 0..5 {
        assert!(app.issue_token("lisu", "wrong-password", ADDR).await.is_err());
    }
    assert!(matches!(app.issue_token("lisu", PASSWORD, ADDR).await, Err(AppError::Locked(_))));
    let lisu = user_id(&app, "lisu").await;
    let new = app.admin_reset_password(&admin(), lisu).await.unwrap();
    assert_eq!(new.chars().count(), 12);
    assert_ne!(new, PASSWORD);
    let row = app.store().user_by_id(lisu).await.unwrap();
    assert!(row.must_change_password, "a password the admin knows is changed at the first sign-in");
    assert!(app.admin_users(&admin()).await.unwrap().iter().all(|u| u.locked_until.is_none()), "lock lifted");
    assert!(matches!(app.issue_token("lisu", PASSWORD, ADDR).await, Err(AppError::Unauthorized(_))));
    let session = app.issue_token("lisu", &new, ADDR).await.expect("signs in with the new password at once");
    let again = app.admin_reset_password(&admin(), lisu).await.unwrap();
    assert_ne!(again, new, "random every time");
    assert!(
        matches!(app.authenticate(&session.token).await, Err(AppError::Unauthorized(_))),
        "a reset ends the sessions opened before it"
    );
}

#[tokio::test]
async fn admin_changes_a_users_role_and_unit_and_the_session_follows() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    let lisu = user_id(&app, "lisu").await;
    let grant = app.issue_token("lisu", PASSWORD, ADDR).await.unwrap();
    assert_eq!(app.authenticate(&grant.token).await.unwrap().0.role, Role::Window);
    let row = app.admin_set_role(&admin(), lisu, "office", "ywg").await.unwrap();
    assert_eq!((row.role.as_str(), row.unit_code.as_str()), ("office", "ywg"));
    let (actor, _) = app.authenticate(&grant.token).await.unwrap();
    assert_eq!((actor.role, actor.unit.as_str()), (Role::Office, "ywg"));

    assert_invalid(app.admin_set_role(&admin(), lisu, "office", "nope").await, "unit");
    assert_invalid(app.admin_set_role(&admin(), lisu, "public", "ywg").await, "role");
    let me = user_id(&app, "admin").await;
    assert_invalid(app.admin_set_role(&admin(), me, "office", "ywg").await, "role");
}

#[tokio::test]
async fn spec_2_an_admin_sees_and_changes_only_their_own_centers_users_and_units() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    app.add_unit("xc", "西城服务中心", None, "center").await.unwrap();
    app.add_unit("xc_ck", "西城综合窗口", Some("xc"), "window").await.unwrap();
    app.add_user("admin_xc", "西城管理员", Role::Admin, "xc", PASSWORD).await.unwrap();
    let other =
        Actor { username: "admin_xc".into(), role: Role::Admin, unit: "xc".into(), center: "xc".into() };
    let users = app.admin_users(&other).await.unwrap();
    assert_eq!(users.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["admin_xc"]);
    let lisu = user_id(&app, "lisu").await;
    let not_found = app.admin_reset_password(&other, lisu).await;
    assert!(matches!(not_found, Err(AppError::Domain(DomainError::NotFound { .. }))), "{not_found:?}");
    assert_invalid(app.admin_add_user(&other, "x3", "", "window", "bbcs", PASSWORD).await, "unit");
    assert_invalid(app.admin_add_unit(&other, "x4", "越界单位", Some("nxzx"), "area").await, "parent");
    let units = app.admin_units(&other).unwrap();
    assert_eq!(units.iter().map(|u| u.code.as_str()).collect::<Vec<_>>(), ["xc", "xc_ck"]);
}

#[tokio::test]
async fn spec_2_admin_adds_a_unit_under_a_unit_of_the_center() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    let u = app.admin_add_unit(&admin(), "sw_ck1", "税务一号窗口", Some("sw"), "window").await.unwrap();
    assert_eq!((u.center.as_str(), u.parent_code.as_deref()), ("nxzx", Some("sw")));
    assert!(app.admin_units(&admin()).unwrap().iter().any(|u| u.code == "sw_ck1"));
    assert_invalid(app.admin_add_unit(&admin(), "sw_ck1", "重复", Some("sw"), "window").await, "code");
    assert_invalid(app.admin_add_unit(&admin(), "sw_ck2", "无上级", None, "window").await, "parent");
    assert_invalid(app.admin_add_unit(&admin(), "sw_ck2", "类型", Some("sw"), "castle").await, "kind");
    assert_invalid(app.admin_add_unit(&admin(), "sw ck2", "代码", Some("sw"), "window").await, "code");
}

#[tokio::test]
async fn spec_4_3_a_calendar_import_by_the_admin_reports_the_open_deadlines_it_moved() {
    let (app, _clock, _dir) = app_at(at(2026, 12, 29, 10)).await;
    let reg = Registration {
        applicant_name: "王五".into(),
        phone: "0377-65331234".into(),
        description: "不动产登记多次未办成".into(),
        ..Default::default()
    };
    let case = app.register(&window(), &reg).await.unwrap();
    let number = case.case.number.clone();
    let dispatch = Command::Dispatch { unit: "bdc".into(), co_units: vec![], level: Level::Department };
    let dispatched = app.act(&window(), &number, &dispatch).await.unwrap();
    assert_eq!(dispatched.case.open_deadline(DeadlineKind::Result).unwrap().due, day(2027, 1, 5));

    let report = app.admin_import_calendar(&admin(), CAL_2027, "2027年节假日安排").await.unwrap();
    assert_eq!(report.years, vec![2027]);
    let moved: Vec<_> = report.changed.iter().map(|c| (c.number.as_str(), c.kind, c.from, c.to)).collect();
    assert_eq!(
        moved,
        vec![
            (number.as_str(), DeadlineKind::FirstFeedback, day(2027, 1, 1), day(2027, 1, 5)),
            (number.as_str(), DeadlineKind::Result, day(2027, 1, 5), day(2027, 1, 7)),
        ]
    );
    assert!(report.changed.iter().all(|c| !c.provisional));
    let after = app.case(&window(), &number).await.unwrap();
    assert_eq!(after.case.open_deadline(DeadlineKind::Result).unwrap().due, day(2027, 1, 7));
    let years = app.admin_calendar_years(&admin()).await.unwrap();
    assert_eq!(years.len(), 1);
    assert_eq!((years[0].year, years[0].imported_by.as_str()), (2027, "admin"));
    assert!(years[0].source.contains("2027年节假日安排"), "{}", years[0].source);

    // The same file again moves nothing.
    let again = app.admin_import_calendar(&admin(), CAL_2027, "again").await.unwrap();
    assert!(again.changed.is_empty(), "{:?}", again.changed);
    assert_invalid(app.admin_import_calendar(&admin(), "{not json", "bad").await, "calendar");
}

#[tokio::test]
async fn spec_4_2_admin_saves_a_policy_version_and_sees_the_history() {
    let (app, _clock, _dir) = app_at(at(2026, 3, 2, 10)).await;
    assert!(app.policy_history(&admin()).await.unwrap().is_empty());
    let p = DeadlinePolicy { department_result: 8, ..app.policy("nxzx") };
    let saved = app.admin_save_policy(&admin(), p).await.unwrap();
    assert_eq!(saved.version, 2);
    assert_eq!(app.policy("nxzx").department_result, 8);
    let history = app.policy_history(&admin()).await.unwrap();
    assert_eq!(
        history.iter().map(|p| (p.version, p.created_by.as_str())).collect::<Vec<_>>(),
        [(2, "admin")]
    );
    let bad = DeadlinePolicy { joint_result: 0, ..app.policy("nxzx") };
    assert_invalid(app.admin_save_policy(&admin(), bad).await, "joint_result");
    assert_eq!(app.policy_history(&admin()).await.unwrap().len(), 1);
}
