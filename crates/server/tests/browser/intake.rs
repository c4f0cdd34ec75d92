//! The intake form with the keyboard alone (第一条: registration must be quick at the window),
//! and its inline checks.

use std::time::{Duration, Instant};

use fantoccini::key::Key;

use crate::harness::{Browser, is_chinese, screenshot_dir, signed_in};

/// Polls `#msg-FIELD` until `want` accepts its text (bounded by 3 s); returns the last text.
async fn message(b: &Browser, field: &str, want: impl Fn(&str) -> bool) -> String {
    let until = Instant::now() + Duration::from_secs(3);
    loop {
        let text = b.text(&format!("#msg-{field}")).await;
        if want(&text) || Instant::now() >= until {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// From `#applicant_name` with focus: every field by keystrokes, Tab between them, Ctrl+Enter.
async fn type_case(b: &Browser, name: &str, phone: &str) {
    b.keys(name).await;
    b.key(Key::Tab).await;
    b.keys(phone).await;
    b.key(Key::Tab).await;
    assert_eq!(b.focused_id().await, "description", "Tab from the phone goes to the description");
    b.keys("办理不动产转移登记，因缺少完税证明三次未办成").await;
    b.key(Key::Tab).await;
    b.keys("不动产转移登记").await;
    b.key(Key::Tab).await;
    assert_eq!(
        b.focused_id().await,
        "failed_unit",
        "then the unit where it failed: a choice of the center's units"
    );
    // Typing picks the unit by its name (不动产登记集成服务区).
    b.keys("不动产").await;
    b.key(Key::Tab).await;
    assert_eq!(b.focused_id().await, "category", "then the category (the free-text box is for 其他 only)");
    // （请选择）→ 未能受理 → 未能审批 → 多次跑路未办结
    for _ in 0..3 {
        b.key(Key::Down).await;
    }
    b.key(Key::Tab).await;
    assert_eq!(b.focused_id().await, "channel", "then the channel");
    b.key(Key::Tab).await;
    b.key(Key::Tab).await;
    assert_eq!(b.focused_id().await, "id_number", "past the applicant type to the ID number");
    b.ctrl_enter().await;
}

#[tokio::test]
async fn intake_by_keyboard_alone() {
    let Some((app, b)) = signed_in("lisu").await else { return };
    b.find("form#intake").await;
    assert_eq!(b.focused_id().await, "applicant_name", "the name field has focus after sign-in (autofocus)");

    // The form's fields in the order of the 登记表.
    let order = b
        .js("return Array.from(document.querySelectorAll('#intake input:not([type=hidden]):not([readonly]), \
             #intake textarea, #intake select')).map(e => e.id || e.name);")
        .await;
    let order: Vec<String> =
        order.as_array().expect("fields").iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
    let want = [
        "applicant_name",
        "phone",
        "description",
        "matter",
        "failed_unit",
        "failed_unit_other",
        "category",
        "channel",
    ];
    assert_eq!(&order[..want.len()], want, "field order: {order:?}");
    for f in ["id_number", "enterprise_name", "credit_code"] {
        assert!(order.iter().any(|o| o == f), "{f} in the form: {order:?}");
    }
    assert!(
        !b.find("#enterprise_name").await.is_displayed().await.expect("displayed"),
        "enterprise fields are hidden for 个人"
    );

    // Enter in a one-line field does not send the form half filled.
    b.keys("陈").await;
    b.key(Key::Enter).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(b.path().await, "/", "Enter in the name field did not submit");
    assert_eq!(app.cases_count().await, 0);
    b.find("#applicant_name").await.clear().await.expect("clear");
    b.find("#applicant_name").await.click().await.expect("focus the name");

    let started = Instant::now();
    b.navigating(type_case(&b, "陈建国", "13612345678")).await;
    let number = b.text("#case-number").await;
    assert_eq!(
        b.focused_id().await,
        "applicant_name",
        "after saving, focus is on the first field for the next applicant"
    );
    let ms = started.elapsed().as_millis();
    println!("keyboard-only intake: {ms} ms");
    std::fs::write(screenshot_dir().join("intake-timing.txt"), format!("keyboard-only intake: {ms} ms\n"))
        .expect("write intake-timing.txt");
    b.screenshot("intake-registered").await;
    let case = app.case(&number).await;
    assert_eq!(case["applicant_name"], "陈建国");
    assert_eq!(case["phone"], "13612345678");
    assert_eq!(case["matter"], "不动产转移登记");
    assert_eq!(case["category"], "many_trips", "chosen with the arrow keys: {case}");
    assert_eq!(case["channel"], "window");
    assert_eq!(case["failed_unit"], "bdc", "the unit chosen by typing its name: {case}");
    let shortcuts = b.text("#shortcuts").await;
    assert!(
        shortcuts.contains("Ctrl") && shortcuts.contains("Enter"),
        "the shortcuts are listed: {shortcuts}"
    );

    // Inline checks, on leaving the field.
    b.goto("/intake").await;
    b.find("form#intake").await;
    assert_eq!(b.focused_id().await, "applicant_name", "autofocus on /intake too");
    b.keys("刘").await;
    b.key(Key::Tab).await;
    b.keys("1361234").await;
    b.key(Key::Tab).await;
    let bad = message(&b, "phone", |t| !t.is_empty()).await;
    assert!(is_chinese(&bad), "a bad phone gets a Chinese message in #msg-phone, got {bad:?}");
    assert_eq!(
        b.find("#phone").await.attr("aria-invalid").await.expect("aria-invalid").as_deref(),
        Some("true"),
        "the bad field is marked invalid"
    );
    b.screenshot("intake-bad-phone").await;

    // The same phone again: the repeat-trip hint names the earlier case.
    let phone = b.find("#phone").await;
    phone.clear().await.expect("clear phone");
    phone.send_keys("13612345678").await.expect("type phone");
    b.key(Key::Tab).await;
    let hint = message(&b, "phone", |t| t.contains("此前已登记")).await;
    assert!(hint.contains("此前已登记") && hint.contains(&number), "repeat-trip hint: {hint:?}");
    b.screenshot("intake-repeat-hint").await;

    // Enterprise fields show for 企业 and check the credit code.
    b.find("input[name=applicant_type][value=enterprise]").await.click().await.expect("企业");
    assert!(
        b.find("#credit_code").await.is_displayed().await.expect("displayed"),
        "credit code shows for 企业"
    );
    b.find("#credit_code").await.send_keys("91410000ABCDEFGH").await.expect("credit code");
    b.key(Key::Tab).await;
    let cc = message(&b, "credit_code", |t| !t.is_empty()).await;
    assert!(is_chinese(&cc), "a bad credit code gets a Chinese message: {cc:?}");
    b.close().await;
}

#[tokio::test]
async fn intake_shows_every_refusal_at_once_beside_its_field() {
    let Some((app, b)) = signed_in("lisu").await else { return };
    b.find("form#intake").await;
    // Nothing but a malformed ID number, then save.
    b.find("#id_number").await.send_keys("410325199001011234").await.expect("id");
    b.click_and_wait("#register").await;
    for (field, want) in
        [("applicant_name", "必填"), ("phone", "必填"), ("description", "必填"), ("id_number", "")]
    {
        let text = b.text(&format!("#msg-{field}")).await;
        assert!(!text.is_empty() && text.contains(want), "#msg-{field}: {text:?}");
        let invalid = b.find(&format!("#{field}")).await.attr("aria-invalid").await.expect("attr");
        assert_eq!(invalid.as_deref(), Some("true"), "{field} marked invalid");
    }
    assert!(b.text("#error").await.contains("4项"), "{}", b.text("#error").await);
    assert_eq!(b.focused_id().await, "applicant_name", "focus on the first field to fix");
    assert_eq!(app.cases_count().await, 0, "nothing saved");
    b.screenshot("intake-all-errors").await;
    b.close().await;
}
