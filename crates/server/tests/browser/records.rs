//! Wrong records (issue 8) in the browser: a double click, Ctrl+Enter twice and Back-and-save
//! each make one case; 作废, 合并 and 更正 on the case page, their events and the ledger; a
//! handler's 退单 lands on their queue.

use std::time::Duration;

use fantoccini::actions::{
    InputSource, KeyAction, KeyActions, MOUSE_BUTTON_LEFT, MouseActions, PointerAction,
};
use fantoccini::key::Key;
use serde_json::json;

use crate::harness::{Browser, chromedriver_or_skip, signed_in};
use crate::helpers::{number_of, spawn_app};
use crate::workflow::act;

/// Types a registration's required fields into the intake form.
async fn fill(b: &Browser, name: &str, phone: &str, description: &str) {
    b.find("form#intake").await;
    for (id, text) in [("applicant_name", name), ("phone", phone), ("description", description)] {
        let el = b.find(&format!("#{id}")).await;
        el.clear().await.ok();
        el.send_keys(text).await.unwrap_or_else(|e| panic!("type into #{id}: {e}"));
    }
}

/// Waits until the page shows a saved number; returns it.
async fn saved_number(b: &Browser) -> String {
    let number = b.text("#case-number").await;
    assert!(number.len() >= 10 && number.bytes().all(|c| c.is_ascii_digit()), "{number:?}");
    number
}

#[tokio::test]
async fn a_double_click_ctrl_enter_twice_and_back_and_save_each_make_one_case() {
    let Some((app, b)) = signed_in("lisu").await else { return };

    // A double click on 保存登记.
    fill(&b, "双击测试", "13700000001", "双击保存按钮测试").await;
    let button = b.find("#register").await;
    b.navigating(async {
        let mouse = MouseActions::new("mouse".to_owned())
            .then(PointerAction::MoveToElement { element: button.clone(), duration: None, x: 0.0, y: 0.0 })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT })
            .then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        b.c.perform_actions(mouse).await.expect("double click");
    })
    .await;
    let first = saved_number(&b).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.cases_count().await, 1, "a double click saved one case");

    // Ctrl+Enter twice.
    fill(&b, "连按测试", "13700000002", "Ctrl+Enter连按两次").await;
    b.navigating(async {
        let ctrl: char = Key::Control.into();
        let enter: char = Key::Enter.into();
        let mut k = KeyActions::new("keyboard".to_owned());
        for _ in 0..2 {
            k = k
                .then(KeyAction::Down { value: ctrl })
                .then(KeyAction::Down { value: enter })
                .then(KeyAction::Up { value: enter })
                .then(KeyAction::Up { value: ctrl });
        }
        b.c.perform_actions(k).await.expect("Ctrl+Enter twice");
    })
    .await;
    let second = saved_number(&b).await;
    assert_ne!(second, first);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(app.cases_count().await, 2, "Ctrl+Enter twice saved one case");

    // Back to the form that was sent, and save it again. (The browser may restore that page as
    // it was, from its back-forward cache: wait for the address, not for a fresh load.)
    b.c.back().await.expect("back");
    let was = format!("/?saved={first}");
    let back = format!(
        "return location.pathname + location.search === '{was}' && document.readyState === 'complete';"
    );
    assert!(b.poll_js(&back, crate::harness::WAIT).await, "back on {was}, not {}", b.path().await);
    b.find("form#intake").await;
    let restored = b.js("return document.getElementById('applicant_name').value;").await;
    if restored.as_str() != Some("连按测试") {
        // The browser did not keep what was typed: type it again, as a clerk would.
        fill(&b, "连按测试", "13700000002", "Ctrl+Enter连按两次").await;
    }
    b.click_and_wait("#register").await;
    let again = saved_number(&b).await;
    assert_eq!(again, second, "Back and save returns the case already saved");
    assert!(b.text("#registered").await.contains("未重复登记"), "{}", b.text("#registered").await);
    assert_eq!(app.cases_count().await, 2, "Back and save made no new case");
    b.screenshot("intake-back-and-save").await;
    b.close().await;
}

#[tokio::test]
async fn void_merge_and_correct_on_the_case_page_with_their_events_and_the_ledger() {
    if chromedriver_or_skip().is_none() {
        return;
    }
    let app = spawn_app().await;
    let body = json!({ "applicant_name": "周梅", "phone": "13800001234", "matter": "不动产首次登记" });
    let first = number_of(&app.register_ok("lisu", body.clone()).await);
    let dup = number_of(&app.register_ok("lisu", body).await);
    let mistake = number_of(
        &app.register_ok("lisu", json!({ "applicant_name": "测试", "phone": "13800005678" })).await,
    );
    let Some(b) = Browser::start(&app.base).await else { return };
    b.goto("/login").await;
    b.login("cuixy").await;

    // 合并: the duplicate into the case it repeats (the number is offered).
    b.goto(&format!("/cases/{dup}")).await;
    b.open_action("merge").await;
    let into = b.find("#act-merge [name=into]").await.prop("value").await.expect("value").unwrap_or_default();
    assert_eq!(into, first, "the case it repeats is offered");
    b.type_in("merge", "reason", "双击保存产生的重复登记").await;
    act(&b, "merge").await;
    assert_eq!(b.status().await, "已合并");
    assert!(b.text("#withdrawn").await.contains(&first));
    assert!(b.timeline().await.iter().any(|l| l == "合并至其他事项"));
    assert!(b.has("#no-actions").await, "nothing more to do on a merged case");
    b.goto(&format!("/cases/{first}")).await;
    assert!(b.text("#merged-from").await.contains(&dup));
    assert!(b.timeline().await.iter().any(|l| l == "合并重复登记"));

    // 作废 asks to confirm, then the number stays in the ledger marked 已作废.
    b.goto(&format!("/cases/{mistake}")).await;
    b.open_action("void").await;
    b.type_in("void", "reason", "测试数据，误登记").await;
    b.submit_action("void").await;
    assert!(b.text("#confirm-void").await.contains("确认作废"), "a second step");
    b.click_and_wait("#cancel-void").await;
    assert_eq!(b.status().await, "已受理", "cancelled: nothing done");
    b.open_action("void").await;
    b.type_in("void", "reason", "测试数据，误登记").await;
    act(&b, "void").await;
    assert_eq!(b.status().await, "已作废");
    b.screenshot("case-voided").await;
    b.goto("/ledger").await;
    let ledger = b.text("#ledger").await;
    assert!(ledger.contains(&mistake) && ledger.contains("已作废"), "{ledger}");
    assert!(ledger.contains("已合并"), "{ledger}");
    b.goto("/ledger?status=ongoing").await;
    let open = b.text("#ledger").await;
    assert!(!open.contains(&mistake) && !open.contains(&dup), "out of 在办: {open}");

    // 更正 by the window, the same day: the timeline keeps the old value.
    b.switch_to("lisu").await;
    b.goto(&format!("/cases/{first}")).await;
    b.open_action("correct").await;
    b.type_in("correct", "phone", "13900004321").await;
    b.type_in("correct", "reason", "电话号码记错一位").await;
    act(&b, "correct").await;
    assert_eq!(b.text("#phone").await, "13900004321");
    let done = b.text("#done").await;
    assert!(
        done.contains("13800001234") && done.contains("13900004321"),
        "old and new in the notice: {done}"
    );
    // A leader reads the correction masked.
    b.switch_to("zhengjp").await;
    b.goto(&format!("/cases/{first}")).await;
    let timeline = b.text("#timeline").await;
    assert!(timeline.contains("138****1234") && timeline.contains("139****4321"), "{timeline}");
    assert!(!timeline.contains("13900004321"), "never the full number: {timeline}");
    b.close().await;
}

#[tokio::test]
async fn a_handlers_return_asks_to_confirm_and_lands_on_their_queue() {
    if chromedriver_or_skip().is_none() {
        return;
    }
    let app = spawn_app().await;
    let n = number_of(&app.register_ok("lisu", json!({})).await);
    app.act_ok("lisu", &n, "dispatch", json!({ "unit": "sw", "level": "department" })).await;
    let Some(b) = Browser::start(&app.base).await else { return };
    b.goto("/login").await;
    b.login("h_sw").await;
    b.goto(&format!("/cases/{n}")).await;
    // The likeliest action is open: the first feedback while its clock runs (never 退单).
    let open =
        b.js("return Array.from(document.querySelectorAll('#actions details[open]')).map(d => d.id);").await;
    assert_eq!(open, json!(["act-feedback"]), "the first feedback opens by itself");
    b.open_action("return").await;
    b.type_in("return", "reason", "属于不动产登记中心职责").await;
    b.submit_action("return").await;
    assert!(b.has("#confirm-return").await);
    b.click_and_wait("#confirm-do-return").await;
    assert_eq!(b.path().await, format!("/?returned={n}"), "back on the queue");
    assert!(b.text("#notice").await.contains(&n), "with a notice: {}", b.body_text().await);
    assert!(!b.body_text().await.contains("无权"), "never a 无权操作 page");
    b.close().await;
}
