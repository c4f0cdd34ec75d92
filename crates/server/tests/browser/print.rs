//! The printable 登记表 (附件3, SPEC §5): the number and a QR code of the public progress page.

use serde_json::json;

use crate::harness::{Browser, chromedriver_or_skip};
use crate::helpers::{number_of, spawn_app};

#[tokio::test]
async fn print_view_has_number_and_qr() {
    if chromedriver_or_skip().is_none() {
        return;
    }
    let app = spawn_app().await;
    let case = app.register_ok("lisu", json!({ "applicant_name": "周敏", "phone": "13598765432" })).await;
    let number = number_of(&case);
    let Some(b) = Browser::start(&app.base).await else { return };
    b.goto("/login").await;
    b.login("lisu").await;
    b.goto(&format!("/cases/{number}/print")).await;
    assert_eq!(b.text("#print-number").await, number);
    let svg = b.find("#qr svg").await;
    let markup = svg.html(false).await.expect("svg markup");
    let (w, h) = {
        let r = svg.rectangle().await.expect("svg box");
        (r.2, r.3)
    };
    assert!(w >= 80.0 && h >= 80.0, "the QR is drawn at a scannable size: {w}×{h}");
    // The QR modules: many rects, or one path with many sub-paths (the `qrcode` crate's form).
    let rects = markup.matches("<rect").count();
    let paths = markup.matches("<path").count();
    let moves = markup.matches('M').count();
    assert!(
        rects + paths >= 1 && (rects > 20 || moves > 20),
        "the QR has many modules: {rects} rects, {paths} paths"
    );
    let text = b.body_text().await;
    assert!(text.contains(&format!("/p/{number}")), "the page names the public progress URL /p/{number}");
    assert!(text.contains("周敏"), "the applicant on the form");
    b.screenshot("print").await;
    b.close().await;
}
