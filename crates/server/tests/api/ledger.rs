//! The 跟踪台账 export (SPEC §5, §6): `GET /api/v1/ledger.xlsx` holds exactly the rows of the
//! filtered case list, in its order, masked, as text cells under the 附件4 headers.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use bancheng_app::{CaseQuery, CaseSummary, LEDGER_COLUMNS, ledger_cells};
use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
use chrono::TimeDelta;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

/// GET as `user`; (status, headers, body bytes).
async fn download(t: &TestApp, user: &str, path: &str) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let token = t.token(user).await;
    let resp = t.client.get(t.url(path)).bearer_auth(token).send().await.expect("GET");
    let status = resp.status();
    let headers = resp.headers().clone();
    (status, headers, resp.bytes().await.expect("body").to_vec())
}

/// The workbook's only sheet as rows of cell texts, asserting every non-empty cell is text.
fn sheet_rows(bytes: Vec<u8>) -> Vec<Vec<String>> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).expect("a valid xlsx");
    let names = book.sheet_names();
    assert_eq!(names, ["台账"], "one sheet named 台账");
    let range = book.worksheet_range("台账").expect("sheet");
    range
        .rows()
        .map(|row| {
            let mut cells: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Data::String(s) => s.clone(),
                    Data::Empty => String::new(),
                    other => panic!("every cell is text, got {other:?}"),
                })
                .collect();
            cells.resize(LEDGER_COLUMNS.len(), String::new());
            cells
        })
        .collect()
}

/// The rows of `GET /api/v1/cases?{query}&per_page=200` as `user`.
async fn list(t: &TestApp, user: &str, query: &str) -> Vec<CaseSummary> {
    let body = t.get_ok(user, &format!("/api/v1/cases?per_page=200&{query}")).await;
    serde_json::from_value(body["items"].clone()).expect("items are CaseSummary rows")
}

fn unit_names(t: &TestApp) -> HashMap<String, String> {
    t.app.units().into_iter().map(|u| (u.code, u.name)).collect()
}

const CATEGORIES: [&str; 3] = ["many_trips", "not_accepted", "not_approved"];

/// 30 cases: a third dispatched to 市场监管 (sw), a third to 公安 (ga), the rest at the window;
/// some with feedback, one resolved, repeat trips among the phones.
async fn thirty_cases(t: &TestApp) -> Vec<String> {
    let mut numbers = Vec::new();
    for i in 0..30 {
        t.clock.advance(TimeDelta::minutes(7));
        let case = t
            .register_ok(
                "lisu",
                json!({
                    "applicant_name": format!("办理人{i}"),
                    "phone": format!("1391234{:04}", i % 25),
                    "id_number": if i % 4 == 0 { json!("11010519491231002X") } else { Value::Null },
                    "description": format!("第{i}件：营业执照变更登记多次跑路仍未办成"),
                    "matter": if i % 5 == 0 { Value::Null } else { json!(format!("事项{i}")) },
                    "category": CATEGORIES[i % 3],
                }),
            )
            .await;
        let number = number_of(&case);
        match i % 3 {
            0 => {
                let level = if i % 2 == 0 { "department" } else { "joint" };
                t.act_ok("lisu", &number, "dispatch", json!({"unit": "sw", "level": level})).await;
                if i % 6 == 0 {
                    t.act_ok("h_sw", &number, "feedback", json!({"text": format!("已联系，第{i}件核实中")}))
                        .await;
                }
                if i == 9 {
                    t.act_ok(
                        "h_sw",
                        &number,
                        "resolve",
                        json!({"outcome": "done", "reply": "已办结变更登记"}),
                    )
                    .await;
                }
            }
            1 => {
                t.act_ok("lisu", &number, "dispatch", json!({"unit": "ga", "level": "department"})).await;
            }
            _ => {}
        }
        numbers.push(number);
    }
    numbers
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_5_ledger_xlsx_holds_the_filtered_list_rows_in_order_masked_as_text_under_the_headers() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        thirty_cases(&t).await;
        let names = unit_names(&t);
        let name = |code: &str| names.get(code).cloned().unwrap_or_else(|| code.to_owned());
        // The test staff's names are their usernames.
        let person = |username: &str| username.to_owned();
        for query in ["unit=sw&sort=number", "level=department&sort=due", "", "q=营业执照&sort=received_asc"]
        {
            let (status, headers, bytes) =
                download(&t, "cuixy", &format!("/api/v1/ledger.xlsx?{query}")).await;
            assert_eq!(status, StatusCode::OK, "{query} [{}]", backend.name());
            assert_eq!(
                headers["content-type"],
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            );
            assert_eq!(
                headers["content-disposition"],
                "attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''%E5%8F%B0%E8%B4%A6.xlsx"
            );
            assert_eq!(headers["content-length"], bytes.len().to_string().as_str());
            let rows = sheet_rows(bytes);
            let header: Vec<&str> = LEDGER_COLUMNS.iter().map(|c| c.header).collect();
            assert_eq!(rows[0], header, "the first row is the 附件4 headers");
            let items = list(&t, "cuixy", query).await;
            assert!(!items.is_empty(), "{query}");
            let want: Vec<Vec<String>> =
                items.iter().enumerate().map(|(i, s)| ledger_cells(i, s, &name, &person)).collect();
            assert_eq!(rows[1..], want[..], "{query} [{}]", backend.name());
            for (i, (row, item)) in rows[1..].iter().zip(&items).enumerate() {
                assert_eq!(row[0], (i + 1).to_string());
                assert_eq!(row[1], item.number);
                let phone = &row[4];
                assert!(
                    phone.len() == 11 && phone.starts_with("139") && &phone[3..7] == "****",
                    "masked like 139****0001: {phone}"
                );
                if !row[5].is_empty() {
                    assert_eq!(row[5], "110105********002X");
                }
                // No full phone or ID number anywhere in the sheet.
                for cell in row {
                    let digits = cell.chars().filter(char::is_ascii_digit).count();
                    assert!(!(cell.starts_with("139") && digits >= 11), "unmasked phone {cell}");
                    assert!(!cell.contains("19491231"), "unmasked ID {cell}");
                }
            }
            let col = |key: &str| bancheng_app::ledger_column(key).expect("a ledger column");
            if query.starts_with("unit=sw") {
                assert_eq!(items.len(), 10);
                assert!(rows[1..].iter().all(|r| r[col("unit")] == name("sw")), "责任单位 is 市场监管");
                let mut sorted: Vec<&String> = items.iter().map(|s| &s.number).collect();
                sorted.sort();
                assert_eq!(items.iter().map(|s| &s.number).collect::<Vec<_>>(), sorted, "sort=number");
                // Case 9 was resolved with a reply; cases 0, 6, … have feedback.
                let resolved = rows.iter().find(|r| r[1] == items[3].number).expect("case 9");
                assert_eq!(resolved[col("status")], "已办结");
                assert_eq!(resolved[col("progress")], "已办结变更登记");
                assert_eq!(resolved[col("outcome")], "已办成");
                assert_eq!(
                    resolved[col("received_by")],
                    "lisu",
                    "受理人员 by name (the test staff's name is the username)"
                );
                assert_eq!(resolved[col("handled_by")], "h_sw", "经办人: who signed the reply");
                assert!(!resolved[col("replied_at")].is_empty(), "办结日期");
                assert!(
                    rows[1][col("progress")].starts_with("已联系"),
                    "feedback is the progress: {:?}",
                    rows[1]
                );
            }
            if query.is_empty() {
                assert_eq!(rows.len(), 31);
                // Phones repeat every 25 cases: the later case is a repeat trip.
                assert!(rows[1..].iter().any(|r| r[col("remarks")].contains("重复来访2次")), "{rows:?}");
            }
        }
        // A date range names the file.
        let (status, headers, _) =
            download(&t, "zhengjp", "/api/v1/ledger.xlsx?from=2026-03-01&to=2026-03-31").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            headers["content-disposition"],
            "attachment; filename=\"ledger_2026-03-01_2026-03-31.xlsx\"; \
             filename*=UTF-8''%E5%8F%B0%E8%B4%A6_2026-03-01%E8%87%B32026-03-31.xlsx"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_2_a_handler_exports_only_the_cases_of_their_unit() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let numbers = thirty_cases(&t).await;
        let ga: HashSet<&String> = numbers.iter().skip(1).step_by(3).collect();
        let (status, _, bytes) = download(&t, "h_ga", "/api/v1/ledger.xlsx").await;
        assert_eq!(status, StatusCode::OK, "[{}]", backend.name());
        let rows = sheet_rows(bytes);
        let got: HashSet<&String> = rows[1..].iter().map(|r| &r[1]).collect();
        assert_eq!(got, ga, "h_ga sees exactly the cases dispatched to ga [{}]", backend.name());
        let listed: Vec<String> = list(&t, "h_ga", "").await.into_iter().map(|s| s.number).collect();
        assert_eq!(rows[1..].iter().map(|r| r[1].clone()).collect::<Vec<_>>(), listed);
        // Asking for another unit's cases gives the headers only.
        let (status, _, bytes) = download(&t, "h_ga", "/api/v1/ledger.xlsx?unit=sw").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(sheet_rows(bytes).len(), 1);
        // The window staff and the office see all 30.
        let (_, _, bytes) = download(&t, "lisu", "/api/v1/ledger.xlsx").await;
        assert_eq!(sheet_rows(bytes).len(), 31);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_6_ledger_filters_are_checked_and_the_row_limit_is_a_422_on_to() {
    let t = spawn_app().await;
    for _ in 0..6 {
        t.register_ok("lisu", json!({})).await;
    }
    let token = t.token("cuixy").await;
    for (query, field) in [
        ("sort=bogus", "sort"),
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2026-03-05&to=2026-03-01", "from"),
        ("level=top", "level"),
        ("status=open", "status"),
        ("overdue=maybe", "overdue"),
        ("category=x", "category"),
    ] {
        let (status, body) = t.get(&token, &format!("/api/v1/ledger.xlsx?{query}")).await;
        assert_invalid(status, &body, field);
        // The list refuses the same values the same way.
        let (status, body) = t.get(&token, &format!("/api/v1/cases?{query}")).await;
        assert_invalid(status, &body, field);
    }
    let (status, body) = t.get("", "/api/v1/ledger.xlsx").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let admin = t.token("admin").await;
    let (status, body) = t.get(&admin, "/api/v1/ledger.xlsx").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    // More rows than allowed: refused before any row is sent.
    let (actor, _) = t.app.authenticate(&token).await.expect("actor");
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let err = t.app.ledger_export(&actor, &CaseQuery::default(), 5, tx).await.expect_err("6 > 5");
    assert!(err.to_string().contains("导出条数超过5条"), "{err}");
    assert!(rx.recv().await.is_none(), "no row was sent");
    let (tx, mut rx) = tokio::sync::mpsc::channel(8);
    let sent = t.app.ledger_export(&actor, &CaseQuery::default(), 6, tx).await.expect("6 rows");
    assert_eq!(sent, 6);
    let mut n = 0;
    while rx.recv().await.is_some() {
        n += 1;
    }
    assert_eq!(n, 6);
}
