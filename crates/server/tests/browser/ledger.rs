//! The 跟踪台账 page (附件4) filtered in the browser, and its Excel export downloaded with the
//! browser's own session: the same cases in the same order.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::TimeDelta;
use reqwest::header::COOKIE;
use serde_json::json;

use crate::harness::{Browser, chromedriver_or_skip};
use crate::helpers::{number_of, spawn_app};

/// The numbers of the rows shown in `table#ledger`, in order.
async fn shown_numbers(b: &Browser) -> Vec<String> {
    b.find("table#ledger").await;
    let v = b
        .js("return Array.from(document.querySelectorAll('table#ledger tbody tr td[data-col=number]')) \
             .map(td => td.textContent.trim());")
        .await;
    v.as_array().expect("numbers").iter().filter_map(|x| x.as_str().map(str::to_owned)).collect()
}

/// The 事项编号 column of the workbook's first sheet (header row found by its text).
fn xlsx_numbers(bytes: Vec<u8>) -> Vec<String> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("a valid xlsx");
    let range = book.worksheet_range_at(0).expect("a sheet").expect("the sheet reads");
    let text = |c: &Data| match c {
        Data::String(s) => s.trim().to_owned(),
        Data::Empty => String::new(),
        other => other.to_string(),
    };
    let mut rows = range.rows();
    let (col, _) = rows
        .by_ref()
        .find_map(|r| r.iter().position(|c| text(c) == "事项编号").map(|i| (i, ())))
        .expect("a header row with 事项编号");
    rows.map(|r| r.get(col).map(text).unwrap_or_default()).filter(|s| !s.is_empty()).collect()
}

#[tokio::test]
async fn ledger_filters_and_excel_export_match() {
    if chromedriver_or_skip().is_none() {
        return;
    }
    let app = spawn_app().await;
    let mut sw = Vec::new();
    for i in 0..12 {
        app.clock.advance(TimeDelta::minutes(5));
        let case = app
            .register_ok(
                "lisu",
                json!({
                    "applicant_name": format!("台账{i}"),
                    "phone": format!("1390000{:04}", i),
                    "description": format!("第{i}件：多次跑路未办成"),
                }),
            )
            .await;
        let number = number_of(&case);
        match i % 3 {
            0 | 1 => {
                app.act_ok("lisu", &number, "dispatch", json!({ "unit": "sw", "level": "department" })).await;
                sw.push(number);
            }
            _ => {
                app.act_ok("lisu", &number, "dispatch", json!({ "unit": "ga", "level": "department" })).await;
            }
        }
    }
    let Some(b) = Browser::start(&app.base).await else { return };
    b.goto("/login").await;
    b.login("cuixy").await;
    b.goto("/ledger").await;
    let all = shown_numbers(&b).await;
    assert_eq!(all.len(), 12, "the office's ledger shows every case: {all:?}");

    // Filter by unit with the page's own form (#filters). A form that does not offer 税务 is a
    // page bug: noted, the rest is checked through the address, and the test fails at the end.
    let mut page_bugs = Vec::new();
    b.find("form#filters select[name=unit]").await;
    if b.has("form#filters select[name=unit] option[value=sw]").await {
        b.find("form#filters select[name=unit]").await.select_by_value("sw").await.expect("choose 税务");
        b.click_and_wait("form#filters [type=submit]").await;
    } else {
        let offered = b
            .js("return Array.from(document.querySelectorAll('#filters select[name=unit] option')).map(o => o.value);")
            .await;
        page_bugs.push(format!(
            "/ledger: the 责任单位 filter (select[name=unit]) does not offer sw (公民个人事项服务区（税务）), only {offered}"
        ));
        b.goto("/ledger?unit=sw").await;
    }
    assert!(b.path().await.contains("unit=sw"), "the filter is in the address: {}", b.path().await);
    let shown = shown_numbers(&b).await;
    let mut want = sw.clone();
    want.sort();
    let mut got = shown.clone();
    got.sort();
    assert_eq!(got, want, "the ledger filtered by 税务 shows exactly its cases");
    b.screenshot("ledger-sw").await;

    let href = b.find("#export-xlsx").await.attr("href").await.expect("href").unwrap_or_default();
    let href = href.replace("&amp;", "&");
    assert!(href.starts_with("/api/v1/ledger.xlsx?"), "export link: {href}");
    assert!(href.contains("unit=sw"), "the export carries the page's filters: {href}");

    // Download as the browser would: with its session cookie (HttpOnly, so through WebDriver).
    let cookie = b.c.get_named_cookie("bc_session").await.expect("the bc_session cookie");
    let resp = reqwest::Client::new()
        .get(b.url(&href))
        .header(COOKIE, format!("bc_session={}", cookie.value()))
        .send()
        .await
        .expect("GET the export");
    assert_eq!(resp.status(), reqwest::StatusCode::OK, "the export link works with the browser's session");
    let bytes = resp.bytes().await.expect("xlsx").to_vec();
    assert_eq!(xlsx_numbers(bytes), shown, "the workbook lists the page's cases in the page's order");
    b.close().await;
    assert!(page_bugs.is_empty(), "{}", page_bugs.join("\n"));
}
