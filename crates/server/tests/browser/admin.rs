//! Administration in the browser (SPEC §2 `admin`) and the leaders' home: the pages render and
//! work for a real user; screenshots of each.

use serde_json::json;

use crate::harness::{Browser, chromedriver_or_skip};
use crate::helpers::{number_of, spawn_app};

#[tokio::test]
async fn admin_creates_a_user_in_the_browser_and_every_admin_page_renders() {
    if chromedriver_or_skip().is_none() {
        return;
    }
    let app = spawn_app().await;
    // A case under 督办 for the leader's home.
    let case = app.register_ok("lisu", json!({ "applicant_name": "孙丽", "phone": "13611112222" })).await;
    let number = number_of(&case);
    app.act_ok("lisu", &number, "dispatch", json!({ "unit": "sw", "level": "department" })).await;
    app.act_ok("zhengjp", &number, "supervise", json!({ "note": "本周内办结", "due": "2026-03-06" })).await;

    let Some(b) = Browser::start(&app.base).await else { return };
    b.goto("/login").await;
    b.login_with("admin", &app.admin_password).await;
    // The first admin password is changed before anything else.
    assert_eq!(b.path().await, "/account/password", "the first admin password is to be changed first");
    assert!(b.has("#must-change").await);
    b.goto("/admin/users").await;
    assert_eq!(b.path().await, "/account/password", "no other page until it is changed");
    change_password(&b, &app.admin_password, "admin-own-pass-2026").await;
    b.goto("/").await;
    assert_eq!(b.path().await, "/admin/users", "the admin's home is user administration");
    assert!(b.body_text().await.contains("用户管理"));

    b.find("#username").await.send_keys("zhaolm").await.expect("type");
    b.find("#display_name").await.send_keys("赵立民").await.expect("type");
    b.js("document.querySelector('#unit').value = 'bbcs'; return null;").await;
    b.find("#password").await.send_keys("window-pass-2026").await.expect("type");
    b.click_and_wait("#new-user button[type=submit]").await;
    assert!(b.has("#done").await, "created: {}", b.body_text().await);
    assert!(b.has("#user-zhaolm").await);
    b.screenshot("admin-users").await;

    for (path, heading, shot) in [
        ("/admin/units", "单位管理", "admin-units"),
        ("/admin/calendar?year=2026", "工作日历", "admin-calendar"),
        ("/admin/policy", "期限规则", "admin-policy"),
    ] {
        b.goto(path).await;
        assert!(b.body_text().await.contains(heading), "{path}");
        b.screenshot(shot).await;
    }
    b.logout().await;

    // The new window user signs in with the password the admin set, and chooses their own.
    b.login_with("zhaolm", "window-pass-2026").await;
    assert_eq!(b.path().await, "/account/password", "a password the admin set is changed first");
    change_password(&b, "window-pass-2026", "zhao-own-pass-2026").await;
    b.goto("/").await;
    assert!(b.has("form#intake").await, "a window user lands on the intake form");
    b.logout().await;

    // The leader's home: the week's counts and the case under 督办.
    b.login("zhengjp").await;
    assert!(b.has("#week").await && b.has("#supervised").await, "{}", b.body_text().await);
    assert!(b.text("#supervised").await.contains(&number));
    b.screenshot("leader-home").await;
    b.close().await;
}

/// On the password page: the old password and a new one twice; the page that follows is the home.
async fn change_password(b: &Browser, old: &str, new: &str) {
    b.find("#old").await.send_keys(old).await.expect("old");
    b.find("#new").await.send_keys(new).await.expect("new");
    b.find("#again").await.send_keys(new).await.expect("again");
    b.click_and_wait("button[type=submit].primary").await;
    assert!(!b.path().await.starts_with("/account/password"), "changed: {}", b.body_text().await);
}
