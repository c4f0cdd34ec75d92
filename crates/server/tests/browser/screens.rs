//! The pages at 1366×768 (a county office's screen) and 390×844 (a phone): screenshots of the
//! window's home, the intake, a case page after an action and the ledger; nothing scrolls
//! sideways on the phone; the ledger's status, due day and working days left are in view at
//! 1366 px; a long unbroken text wraps; dates do not wrap in the deadline table.

use serde_json::json;

use crate::harness::{Browser, chromedriver_or_skip};
use crate::helpers::{number_of, spawn_app};
use crate::workflow::act;

/// Sets the viewport and checks it took.
async fn viewport(b: &Browser, w: u32, h: u32) {
    b.c.set_window_size(w, h).await.expect("window size");
    let inner = b.js("return [window.innerWidth, window.innerHeight];").await;
    let iw = inner[0].as_u64().unwrap_or(0) as u32;
    assert!(iw <= w && iw + 20 >= w, "viewport {w}×{h}: inner {inner}");
}

/// No horizontal scroll on the page (a wide table scrolls inside its own box).
async fn assert_no_sideways_scroll(b: &Browser, what: &str) {
    let dims = b.js("return [document.documentElement.scrollWidth, window.innerWidth];").await;
    let (scroll, inner) = (dims[0].as_u64().unwrap_or(0), dims[1].as_u64().unwrap_or(0));
    assert!(scroll <= inner, "{what}: the page is {scroll} px wide in a {inner} px window");
}

#[tokio::test]
async fn the_pages_at_1366_and_on_a_phone() {
    if chromedriver_or_skip().is_none() {
        return;
    }
    let app = spawn_app().await;
    // A day's work: cases at several stages, one with a long unbroken text.
    let long = "A".repeat(400);
    for i in 0..6 {
        let c = app
            .register_ok(
                "lisu",
                json!({ "applicant_name": format!("办理对象{i}"), "phone": format!("1370000{:04}", i) }),
            )
            .await;
        if i % 2 == 0 {
            app.act_ok("lisu", &number_of(&c), "dispatch", json!({ "unit": "sw", "level": "department" }))
                .await;
        }
    }
    let mut wide = number_of(
        &app.register_ok(
            "lisu",
            json!({ "applicant_name": "长文本", "description": format!("企业反映：{long}") }),
        )
        .await,
    );
    let Some(b) = Browser::start(&app.base).await else { return };
    b.goto("/login").await;
    b.login("lisu").await;

    for (w, h, tag) in [(1366, 768, "1366"), (390, 844, "390")] {
        viewport(&b, w, h).await;
        b.goto("/").await;
        assert!(b.has("#window-open").await, "the window's home lists its unit's open cases");
        b.screenshot(&format!("{tag}-window-home")).await;
        if w == 390 {
            assert_no_sideways_scroll(&b, "window home").await;
            let menu = b.find("#menu").await.is_displayed().await.expect("displayed");
            assert!(!menu, "the header folds into a menu on a phone");
            b.find("label.menu-button").await.click().await.expect("open the menu");
            assert!(b.find("#menu").await.is_displayed().await.expect("displayed"), "the menu opens");
            b.screenshot("390-menu-open").await;
        }
        b.goto("/intake").await;
        b.screenshot(&format!("{tag}-intake")).await;
        if w == 390 {
            assert_no_sideways_scroll(&b, "intake").await;
        }
        // A case page after an action: the notice, the new status and the new event in view.
        b.goto(&format!("/cases/{wide}")).await;
        b.open_action("dispatch").await;
        b.select("dispatch", "unit", "ga").await;
        act(&b, "dispatch").await;
        let in_view = b
            .js("var r = document.getElementById('done').getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight;")
            .await;
        assert_eq!(in_view, json!(true), "the notice is in view after the action");
        assert!(b.text("#done").await.contains("办理中"), "with the new status");
        b.screenshot(&format!("{tag}-case-after-action")).await;
        assert_no_sideways_scroll(&b, "a case with a long unbroken text").await;
        let wraps = b
            .js("return Array.from(document.querySelectorAll('#deadlines td.nowrap')).every(td => getComputedStyle(td).whiteSpace === 'nowrap');")
            .await;
        assert_eq!(wraps, json!(true), "dates do not wrap in the deadline table");
        // Back to a state the next round can act on.
        app.act_ok("cuixy", &wide, "void", json!({ "reason": "截图测试" })).await;
        let fresh = number_of(
            &app.register_ok(
                "lisu",
                json!({ "applicant_name": "长文本", "description": format!("企业反映：{long}") }),
            )
            .await,
        );
        b.goto("/ledger").await;
        b.screenshot(&format!("{tag}-ledger")).await;
        if w == 1366 {
            let visible = b
                .js("return ['status','due','left'].map(k => { var th = document.querySelector(\"#ledger th[data-col='\" + k + \"']\"); \
                     if (!th) return false; var r = th.getBoundingClientRect(); return r.right <= window.innerWidth; });")
                .await;
            assert_eq!(visible, json!([true, true, true]), "状态, 办理期限, 剩余工作日 in view at 1366 px");
            let headers = b.text("#ledger thead").await;
            assert!(
                !headers.contains("身份证号"),
                "the default columns leave the rest to the picker: {headers}"
            );
            assert_no_sideways_scroll(&b, "ledger at 1366").await;
        } else {
            assert_no_sideways_scroll(&b, "ledger on a phone").await;
        }
        wide = fresh;
    }
    b.close().await;
}
