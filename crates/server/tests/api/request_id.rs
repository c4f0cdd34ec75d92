//! Request ids (issue 7): `X-Request-Id` on every response (API, pages, assets, 404s, errors),
//! the same id in every JSON error body and on the error page, a safe incoming id kept, and a
//! 500 that tells the client nothing but the id.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;

const HEADER: &str = "x-request-id";

fn header_id(resp: &reqwest::Response) -> String {
    let id = resp
        .headers()
        .get(HEADER)
        .unwrap_or_else(|| panic!("no X-Request-Id on {} {}", resp.status(), resp.url()))
        .to_str()
        .expect("ASCII id")
        .to_owned();
    assert!(!id.is_empty() && id.len() <= 64, "{id}");
    id
}

/// Status, header id and JSON body.
async fn send(req: reqwest::RequestBuilder) -> (StatusCode, String, Value) {
    let resp = req.send().await.expect("request");
    let id = header_id(&resp);
    let status = resp.status();
    let body = resp.json::<Value>().await.unwrap_or(Value::Null);
    (status, id, body)
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_json_errors_repeat_it() {
    let t = spawn_app().await;
    let token = t.token("lisu").await;

    // 200s: the API, a page, an asset, the health check; each its own id.
    let (status, ok_id, _) = send(t.client.get(t.url("/api/v1/me")).bearer_auth(&token)).await;
    assert_eq!(status, StatusCode::OK);
    let mut ids = vec![ok_id];
    for path in ["/healthz", "/assets/app.css", "/login"] {
        let resp = t.client.get(t.url(path)).send().await.expect("GET");
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        ids.push(header_id(&resp));
    }
    let distinct: std::collections::BTreeSet<_> = ids.iter().collect();
    assert_eq!(distinct.len(), ids.len(), "one id per request: {ids:?}");

    // 404: an unknown address.
    let (status, id, body) = send(t.client.get(t.url("/no/such/page"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error_shape(&body, "not_found");
    assert_eq!(body["error"]["request_id"], id.as_str(), "{body}");

    // 422: the field is still named, the id added next to it.
    let (status, id, body) = send(
        t.client.post(t.url("/api/v1/cases")).bearer_auth(&token).json(&reg_body(json!({"phone": "123"}))),
    )
    .await;
    assert_invalid(status, &body, "phone");
    assert_eq!(body["error"]["request_id"], id.as_str(), "{body}");

    // 401 without a token.
    let (status, id, body) = send(t.client.get(t.url("/api/v1/cases"))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["request_id"], id.as_str(), "{body}");
}

#[tokio::test]
async fn a_safe_incoming_request_id_is_kept_and_an_unsafe_one_replaced() {
    let t = spawn_app().await;
    let (_, id, body) = send(t.client.get(t.url("/nope")).header(HEADER, "edge-7f3a:01")).await;
    assert_eq!(id, "edge-7f3a:01");
    assert_eq!(body["error"]["request_id"], "edge-7f3a:01");
    for bad in ["<script>alert(1)</script>", "has space", &"x".repeat(65)] {
        let (_, id, body) = send(t.client.get(t.url("/nope")).header(HEADER, bad)).await;
        assert_ne!(id, bad);
        assert_eq!(body["error"]["request_id"], id.as_str());
    }
}

#[tokio::test]
async fn the_error_page_shows_the_request_id() {
    let t = spawn_app().await;
    let token = t.token("lisu").await;
    let resp = t
        .client
        .get(t.url("/cases/no-such-case"))
        .header("cookie", format!("bc_session={token}"))
        .send()
        .await
        .expect("GET case page");
    assert!(resp.status().is_client_error(), "{}", resp.status());
    let id = header_id(&resp);
    let html = resp.text().await.expect("page");
    assert!(html.contains("请求编号"), "{html}");
    assert!(html.contains(&format!("<code>{id}</code>")), "the page shows the header's id {id}:\n{html}");
}

#[tokio::test]
async fn a_store_failure_is_a_500_with_the_request_id_and_no_detail() {
    let t = spawn_app().await;
    // Signed in (the token stays cached), then the database goes away under the server.
    let token = t.token("cuixy").await;
    let (status, _, _) = send(t.client.get(t.url("/api/v1/me")).bearer_auth(&token)).await;
    assert_eq!(status, StatusCode::OK);
    t.app.store().close().await;

    let (status, id, body) = send(t.client.get(t.url("/api/v1/cases")).bearer_auth(&token)).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_error_shape(&body, "internal");
    assert_eq!(body["error"]["request_id"], id.as_str(), "{body}");
    let text = body.to_string();
    assert!(!text.contains("pool") && !text.contains("store"), "no cause for the client: {text}");

    // The page says the same, with the id to quote.
    let resp = t
        .client
        .get(t.url("/ledger"))
        .header("cookie", format!("bc_session={token}"))
        .send()
        .await
        .expect("GET ledger");
    assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let id = header_id(&resp);
    let html = resp.text().await.expect("page");
    assert!(html.contains(&format!("<code>{id}</code>")), "{html}");
}
