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

/// The text of page `page` (1-based) of a PDF, by poppler's `pdftotext`.
fn pdf_page_text(pdf: &std::path::Path, page: u32) -> String {
    let out = std::process::Command::new("pdftotext")
        .args(["-f", &page.to_string(), "-l", &page.to_string(), "-layout"])
        .arg(pdf)
        .arg("-")
        .output()
        .unwrap_or_else(|e| panic!("pdftotext (apt-get install poppler-utils): {e}"));
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn pdf_pages(pdf: &std::path::Path) -> u32 {
    let out = std::process::Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo (poppler-utils)");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    text.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or_else(|| panic!("no page count in {text}"))
}

/// An enterprise case with a long description and several replies, printed to PDF by the browser:
/// it runs onto a second page, with the case number on each; the enterprise and its credit code
/// are on the form; every reply to the applicant is there; the QR points at the center's public
/// address, not at the host the clerk's browser used.
#[tokio::test]
async fn a_long_enterprise_case_prints_on_two_pages_with_the_number_on_each() {
    if chromedriver_or_skip().is_none() {
        return;
    }
    let app = spawn_app().await;
    let long: String = (1..=24)
        .map(|i| format!("第{i}次：企业到商事登记区办理股权变更，因章程修正案格式不符被退回，补正后又要求提供新的证明材料。"))
        .collect();
    let case = app
        .register_ok(
            "lisu",
            json!({
                "applicant_name": "王建军",
                "phone": "13912340000",
                "applicant_type": "enterprise",
                "enterprise_name": "南阳市宛西制药股份有限公司",
                "credit_code": "91350100M000100Y43",
                "description": long,
                "matter": "股权变更登记",
            }),
        )
        .await;
    let number = number_of(&case);
    app.act_ok("lisu", &number, "dispatch", json!({ "unit": "ssdj", "level": "department" })).await;
    app.act_ok("cuixy", &number, "feedback", json!({ "text": "已与商事登记区核实，材料清单有误，正在更正" }))
        .await;
    app.act_ok("cuixy", &number, "resolve", json!({ "outcome": "done", "reply": "已当场办结股权变更登记" }))
        .await;
    app.act_ok("cuixy", &number, "reverify", json!({ "unit": "ssdj", "note": "办理对象反映营业执照未换发" }))
        .await;
    app.act_ok("cuixy", &number, "resolve", json!({ "outcome": "done", "reply": "已换发营业执照并致歉" }))
        .await;
    // The center's public address (a setting of the center).
    let admin = app.app.units().into_iter().find(|u| u.code == "nxzx").expect("center");
    app.app
        .store()
        .update_unit(&bancheng_store::UnitRow {
            code: admin.code,
            center: admin.center,
            name: admin.name,
            parent_code: admin.parent_code,
            kind: admin.kind,
            handles_cases: false,
            phone: None,
            public_url: Some("https://bbcs.nxzx.example".into()),
        })
        .await
        .expect("set the public address");
    app.app.reload().await.expect("reload");

    let Some(b) = Browser::start(&app.base).await else { return };
    b.goto("/login").await;
    b.login("lisu").await;
    b.goto(&format!("/cases/{number}/print")).await;
    let text = b.body_text().await;
    for want in [
        "南阳市宛西制药股份有限公司",
        "91350100M000100Y43",
        "已当场办结股权变更登记",
        "已换发营业执照并致歉",
        "初步反馈",
    ] {
        assert!(text.contains(want), "the form has {want}");
    }
    assert!(
        text.contains(&format!("https://bbcs.nxzx.example/p/{number}")),
        "the QR's address is the center's"
    );
    assert!(!b.has("#no-public-url").await);
    let pdf =
        b.c.print(fantoccini::wd::PrintConfiguration::builder().build().expect("print configuration"))
            .await
            .expect("print to PDF");
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let path = crate::harness::screenshot_dir().join("print-long-enterprise.pdf");
    std::fs::write(&path, &pdf).expect("write the PDF");
    let pages = pdf_pages(&path);
    assert_eq!(pages, 2, "a long case continues on page 2");
    for page in 1..=pages {
        let t = pdf_page_text(&path, page);
        assert!(t.contains(&number), "page {page} carries the number {number}:\n{t}");
    }
    b.close().await;
}
