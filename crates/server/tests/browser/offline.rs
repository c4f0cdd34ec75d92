//! The center's network may have no Internet: no page, style or script may load anything from
//! another host (no CDN, no web font, no analytics). Signs in as every role over plain HTTP,
//! crawls the same-origin links from every start page, and scans every text body for URLs of
//! other hosts. Needs no browser: always runs.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use serde_json::json;

use crate::helpers::{PASSWORD, STAFF, number_of, spawn_app};

/// Where a page could pull something from: attribute values and CSS/JS loaders.
const LOADERS: &[&str] =
    &["src=", "href=", "action=", "srcset=", "poster=", "data=", "url(", "@import", "fetch(", "import("];

/// Every reference in `body` to a host other than `own` (`http://127.0.0.1:PORT`), as
/// excerpts. Allowed: XML namespace names (`xmlns="http://www.w3.org/2000/svg"`, `xmlns:x=…`)
/// and URLs of the server's own origin.
pub fn foreign_references(body: &str, own: &str) -> Vec<String> {
    let lower = body.to_ascii_lowercase();
    let own = own.to_ascii_lowercase();
    let excerpt = |at: usize| {
        let start = lower[..at].char_indices().rev().nth(40).map_or(0, |(i, _)| i);
        let end = lower[at..].char_indices().nth(80).map_or(lower.len(), |(i, _)| at + i);
        body[start..end].replace('\n', " ")
    };
    let mut found = Vec::new();
    // 1. Any absolute http(s) URL anywhere in the text: markup, CSS, scripts, JSON.
    for scheme in ["http://", "https://"] {
        for (at, _) in lower.match_indices(scheme) {
            let rest = &lower[at..];
            let own_origin = rest.starts_with(&own)
                && rest[own.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| matches!(c, '/' | '"' | '\'' | '<' | ' ' | '?'));
            if own_origin || is_xmlns_value(&lower[..at]) {
                continue;
            }
            found.push(excerpt(at));
        }
    }
    // 2. Protocol-relative (`//cdn…`) and other-scheme loads after a loader.
    for loader in LOADERS {
        for (at, _) in lower.match_indices(loader) {
            let value = lower[at + loader.len()..]
                .trim_start_matches(|c: char| c.is_whitespace() || "\"'(`".contains(c));
            if value.starts_with("//")
                || value.starts_with("\\\\")
                || value.starts_with("ftp:")
                || value.starts_with("ws:")
                || value.starts_with("wss:")
            {
                found.push(excerpt(at));
            }
        }
    }
    found
}

/// Whether the text before a URL ends in `xmlns="` or `xmlns:prefix="` (an XML namespace name,
/// an identifier that is never fetched).
fn is_xmlns_value(before: &str) -> bool {
    let Some(before) = before.strip_suffix('"').or_else(|| before.strip_suffix('\'')) else { return false };
    let Some(before) = before.trim_end().strip_suffix('=') else { return false };
    let name: String = before
        .trim_end()
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '-' | '_'))
        .collect();
    let name: String = name.chars().rev().collect();
    name == "xmlns" || name.starts_with("xmlns:")
}

#[test]
fn the_detector_catches_cdns_and_allows_namespaces() {
    let own = "http://127.0.0.1:4000";
    let ok = r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink='http://www.w3.org/1999/xlink'></svg>
        <a href="/cases/1">1</a> 进度查询：http://127.0.0.1:4000/p/2026030201 <img src="/cases/1/qr.svg">"#;
    assert_eq!(foreign_references(ok, own), Vec::<String>::new());
    for bad in [
        r#"<script src="https://cdn.example.com/x.js"></script>"#,
        r#"<link rel="stylesheet" href="//fonts.example.com/css">"#,
        r#"body { background: url( '//img.example.com/a.png') }"#,
        r#"@import "https://fonts.example.com/css";"#,
        r#"fetch("http://127.0.0.1:4001/api")"#,
        r#"<form action="http://evil.example/">"#,
        r#"import('//esm.example.com/m.js')"#,
        r#"<a href="http://127.0.0.1:40001/">other port</a>"#,
        r#"<a data-x="1" title="xmlns" href="https://example.com">x</a>"#,
    ] {
        assert!(!foreign_references(bad, own).is_empty(), "not caught: {bad}");
    }
}

/// Same-origin paths in `body`: `href="/…"`, `src="/…"`, `url(/…)` (forms' `action` is not
/// followed).
fn local_links(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    for marker in ["href=\"", "href='", "src=\"", "src='", "url(", "url(\"", "url('"] {
        for (at, _) in body.match_indices(marker) {
            let rest = &body[at + marker.len()..];
            let end = rest.find(['"', '\'', ')', ' ', '>', '#']).unwrap_or(rest.len());
            let link = rest[..end].replace("&amp;", "&");
            if link.starts_with('/') && !link.starts_with("//") {
                out.push(link);
            }
        }
    }
    out
}

fn textual(content_type: &str) -> bool {
    let ct = content_type.to_ascii_lowercase();
    ct.is_empty()
        || ct.starts_with("text/")
        || ct.contains("json")
        || ct.contains("javascript")
        || ct.contains("svg")
        || ct.contains("xml") && !ct.contains("officedocument")
}

/// Signs in through the form; the session cookie's `name=value`.
async fn sign_in(client: &reqwest::Client, base: &str, user: &str, password: &str) -> String {
    let resp = client
        .post(format!("{base}/login"))
        .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("username={user}&password={password}&next=%2F"))
        .send()
        .await
        .expect("POST /login");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "sign-in of {user} redirects");
    let cookie = resp
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("bc_session="))
        .unwrap_or_else(|| panic!("sign-in of {user} sets bc_session"));
    cookie.split(';').next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn no_page_references_an_external_host() {
    let app = spawn_app().await;
    let own = app.base.clone();
    let case = app.register_ok("lisu", json!({ "applicant_name": "孙丽", "phone": "13811112222" })).await;
    let number = number_of(&case);
    app.act_ok("lisu", &number, "dispatch", json!({ "unit": "sw", "level": "department" })).await;
    app.act_ok("h_sw", &number, "feedback", json!({ "text": "已受理，正在核实" })).await;

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
        .build()
        .expect("client");
    let starts: Vec<String> = [
        "/",
        "/intake",
        "/ledger",
        "/admin/users",
        "/admin/units",
        "/admin/calendar",
        "/admin/policy",
        "/account/password",
        "/search?q=%E5%AD%99%E4%B8%BD",
        "/assets/app.css",
        "/assets/app.js",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain([format!("/cases/{number}"), format!("/cases/{number}/print"), format!("/cases/{number}/qr.svg")])
    .collect();

    let mut users: Vec<(String, Option<String>)> = vec![("(signed out)".into(), None)];
    for (user, _, _) in STAFF {
        users.push(((*user).to_owned(), Some(sign_in(&client, &own, user, PASSWORD).await)));
    }
    // The first admin password is changed first (the API still issues tokens for it).
    let admin = app.token("admin").await;
    let new = "admin-own-pass-2026";
    let (status, body) =
        app.post(&admin, "/api/v1/me/password", json!({ "old": app.admin_password, "new": new })).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    users.push(("admin".into(), Some(sign_in(&client, &own, "admin", new).await)));

    const PER_USER: usize = 24;
    let mut fetched = 0usize;
    let mut problems = Vec::new();
    let mut seen_ok = HashSet::new();
    for (user, cookie) in &users {
        let mut queue: VecDeque<String> = starts.iter().cloned().collect();
        if cookie.is_none() {
            queue.push_front("/login".into());
        }
        let mut visited = HashSet::new();
        while let Some(path) = queue.pop_front() {
            if visited.len() >= PER_USER || !visited.insert(path.clone()) {
                continue;
            }
            let mut req = client.get(format!("{own}{path}"));
            if let Some(c) = cookie {
                req = req.header(COOKIE, c);
            }
            let resp = req.send().await.unwrap_or_else(|e| panic!("GET {path} as {user}: {e}"));
            fetched += 1;
            let status = resp.status();
            let location = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
            let ct = resp.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
            if let Some(loc) = location {
                if loc.starts_with('/') && !loc.starts_with("//") {
                    queue.push_back(loc);
                } else if !loc.starts_with(&own) {
                    problems.push(format!("{path} as {user}: redirect to another host: {loc}"));
                }
            }
            if !textual(&ct) {
                continue;
            }
            let body = resp.text().await.unwrap_or_default();
            if status.is_success() {
                seen_ok.insert(path.split('?').next().unwrap_or("").to_owned());
            }
            for r in foreign_references(&body, &own) {
                problems.push(format!("{path} as {user} ({status}): …{r}…"));
            }
            for link in local_links(&body) {
                let skip = link.starts_with("/logout") || link.contains("/act/");
                if !skip && !visited.contains(&link) {
                    queue.push_back(link);
                }
            }
        }
    }
    println!(
        "external-host check: {fetched} responses from {} users, {} distinct pages answered 200",
        users.len(),
        seen_ok.len()
    );
    for must in [
        "/",
        "/login",
        "/assets/app.css",
        "/assets/app.js",
        "/intake",
        "/ledger",
        "/account/password",
        "/search",
        "/admin/users",
        "/admin/units",
        "/admin/calendar",
        "/admin/policy",
        &format!("/cases/{number}"),
        &format!("/cases/{number}/print"),
    ] {
        assert!(seen_ok.contains(must), "{must} was fetched with 200 (crawled: {seen_ok:?})");
    }
    assert!(problems.is_empty(), "references to other hosts:\n{}", problems.join("\n"));
}
