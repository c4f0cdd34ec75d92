//! A day at the window (issue 8) over real HTTP: idempotent registration (also across a restart),
//! 作废, 合并 and 更正, the four clock outcomes in the case JSON, attachments checked by content,
//! the header search within what a user may read, and the security defects found on the way —
//! each test fails on the code before the fix.

use reqwest::StatusCode;
use reqwest::header::{LOCATION, SET_COOKIE};
use serde_json::{Value, json};

use crate::helpers::*;

/// POST /api/v1/cases as `user` with an `Idempotency-Key`.
async fn register_keyed(t: &TestApp, base: &str, user: &str, key: &str, body: Value) -> (StatusCode, Value) {
    let token = t.token(user).await;
    let resp = t
        .client
        .post(format!("{base}/api/v1/cases"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&reg_body(body))
        .send()
        .await
        .expect("POST /api/v1/cases");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec7_a_repeated_idempotency_key_answers_200_with_the_first_case_even_after_a_restart() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let (status, first) = register_keyed(&t, &t.base, "lisu", "form-1", json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        let (status, again) = register_keyed(&t, &t.base, "lisu", "form-1", json!({})).await;
        assert_eq!(status, StatusCode::OK, "a repeat answers 200 [{}]: {again}", backend.name());
        assert_eq!(again["number"], first["number"]);
        // The same key with another body is refused, naming the header.
        let (status, err) =
            register_keyed(&t, &t.base, "lisu", "form-1", json!({"applicant_name": "李四"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
        assert_error_shape(&err, "idempotency_mismatch");
        assert_eq!(err["error"]["field"], "Idempotency-Key");
        // Another server on the same database (or this one after a restart) honours the key.
        let second = bancheng_app::App::open(&t.db.url, t.clock.clone()).await.expect("second server");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let other = format!("http://{}", listener.local_addr().expect("addr"));
        let router = bancheng_web::router(second);
        let server = tokio::spawn(async move {
            axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
                .await
                .ok();
        });
        let (status, there) = register_keyed(&t, &other, "lisu", "form-1", json!({})).await;
        assert_eq!((status, &there["number"]), (StatusCode::OK, &first["number"]), "[{}]", backend.name());
        server.abort();
        assert_eq!(t.cases_count().await, 1, "one case in all [{}]", backend.name());
        // A malformed key is a 422 naming the header.
        let (status, err) = register_keyed(&t, &t.base, "lisu", "a key with spaces", json!({})).await;
        assert_invalid(status, &err, "Idempotency-Key");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec7_ten_parallel_requests_with_one_key_register_one_case() {
    let t = spawn_app().await;
    let mut set = tokio::task::JoinSet::new();
    let token = t.token("lisu").await;
    for _ in 0..10 {
        let (client, url, token) = (t.client.clone(), t.url("/api/v1/cases"), token.clone());
        set.spawn(async move {
            let resp = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "double-click")
                .json(&reg_body(json!({})))
                .send()
                .await
                .expect("POST");
            let status = resp.status();
            (status, resp.json::<Value>().await.expect("json")["number"].clone())
        });
    }
    let mut created = 0;
    let mut numbers = std::collections::BTreeSet::new();
    while let Some(r) = set.join_next().await {
        let (status, number) = r.expect("join");
        created += usize::from(status == StatusCode::CREATED);
        assert!(status == StatusCode::CREATED || status == StatusCode::OK, "{status}");
        numbers.insert(number.to_string());
    }
    assert_eq!((created, numbers.len()), (1, 1));
    assert_eq!(t.cases_count().await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec7_void_merge_and_correct_through_the_api_and_their_marks_in_the_list() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let first = number_of(&t.register_ok("lisu", json!({})).await);
        let dup = number_of(&t.register_ok("lisu", json!({})).await);
        let typo = number_of(
            &t.register_ok("lisu", json!({"applicant_name": "王伍", "phone": "13900001111"})).await,
        );
        // 作废: the office only, with a reason; status voided; out of 在办, in the ledger.
        t.act_refused("lisu", &typo, "void", json!({"reason": "误登记"}), StatusCode::FORBIDDEN, "forbidden")
            .await;
        let voided = t.act_ok("cuixy", &typo, "void", json!({"reason": "误登记"})).await;
        assert_eq!(voided["status"], "voided");
        assert!(voided["deadlines"].as_array().unwrap().iter().all(|d| d["outcome"] == "superseded"));
        let open = t.get_ok("cuixy", "/api/v1/cases?status=ongoing").await;
        assert!(!open["items"].as_array().unwrap().iter().any(|c| c["number"] == typo.as_str()));
        let all = t.get_ok("cuixy", "/api/v1/cases").await;
        let row =
            all["items"].as_array().unwrap().iter().find(|c| c["number"] == typo.as_str()).expect("listed");
        assert_eq!(row["status"], "voided");
        assert!(row["remarks"].to_string().contains("已作废"), "{row}");
        t.act_refused("cuixy", &typo, "contact", json!({"note": "x"}), StatusCode::CONFLICT, "conflict")
            .await;
        // 合并.
        let merged = t
            .act_ok("cuixy", &dup, "merge", json!({"into": first, "reason": "双击保存产生的重复登记"}))
            .await;
        assert_eq!(
            (merged["status"].as_str(), merged["merged_into"].as_str()),
            (Some("merged"), Some(first.as_str()))
        );
        assert_eq!(t.case(&first).await["merged_from"], json!([dup]));
        t.act_refused(
            "cuixy",
            &first,
            "merge",
            json!({"into": first, "reason": "x"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        )
        .await;
        // 更正: the window on its own registration of the day; the old value in the log.
        let fixed =
            t.act_ok("lisu", &first, "correct", json!({"phone": "13811119999", "reason": "电话记错"})).await;
        assert_eq!(fixed["phone"], "13811119999");
        let events = t.events(&first).await;
        let corrected = events.iter().find(|e| e["kind"] == "corrected").expect("corrected event");
        assert_eq!(corrected["payload"]["changes"][0]["from"], "13812345678");
        let (status, err) = {
            let tk = t.token("lisu").await;
            t.act(&tk, &first, "correct", json!({"phone": "123", "reason": "x"})).await
        };
        assert_invalid(status, &err, "phone");
        let (status, err) = {
            let tk = t.token("lisu").await;
            t.act(&tk, &first, "correct", json!({"nickname": "x", "reason": "x"})).await
        };
        assert_invalid(status, &err, "nickname");
        // The next day the window may not; the office may.
        t.set_time(default_start() + chrono::TimeDelta::days(1));
        t.act_refused(
            "lisu",
            &first,
            "correct",
            json!({"matter": "x", "reason": "y"}),
            StatusCode::FORBIDDEN,
            "forbidden",
        )
        .await;
        t.act_ok("cuixy", &first, "correct", json!({"matter": "营业执照注销", "reason": "事项名称"})).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec7_clocks_closed_by_escalation_and_return_read_superseded_in_the_case_json() {
    let t = spawn_app().await;
    let n = number_of(&t.register_ok("lisu", json!({})).await);
    t.act_ok("lisu", &n, "dispatch", json!({"unit": "sw", "level": "department"})).await;
    t.act_ok("h_sw", &n, "return", json!({"reason": "非本单位职责"})).await;
    t.act_ok("cuixy", &n, "dispatch", json!({"unit": "ga", "level": "department"})).await;
    let case = t
        .act_ok(
            "cuixy",
            &n,
            "escalate",
            json!({"level": "joint", "reason": "需一事一议", "co_units": ["bdc", "sb"]}),
        )
        .await;
    assert_eq!(case["co_units"], json!(["bdc", "sb"]), "the joint review's co-units");
    let clocks = case["deadlines"].as_array().unwrap();
    let closed: Vec<&Value> = clocks.iter().filter(|d| !d["met"].is_null()).collect();
    assert_eq!(closed.len(), 5, "{clocks:?}");
    for d in closed {
        assert_eq!(d["outcome"], "superseded", "{d}");
        assert_eq!(d["met"], false, "{d}");
    }
    let by: Vec<&str> = clocks.iter().filter_map(|d| d["superseded_by"].as_str()).collect();
    assert_eq!(by, ["dispatch", "return", "return", "escalation", "escalation"]);
    let units: Vec<&str> = clocks.iter().filter_map(|d| d["unit"].as_str()).collect();
    assert_eq!(units, ["sw", "sw", "ga", "ga", "ga"], "each clock names its unit");
    let events = t.events(&n).await;
    assert!(!events.iter().any(|e| e["kind"] == "deadline_closed"), "no clock was closed as met or missed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cases_go_only_to_units_that_handle_cases_and_dates_are_bounded() {
    let t = spawn_app().await;
    let n = number_of(&t.register_ok("lisu", json!({})).await);
    let tk = t.token("cuixy").await;
    for unit in ["ywg", "nxzx", "bbcs", "dcg", "xyhb"] {
        let (status, err) = t.act(&tk, &n, "dispatch", json!({"unit": unit, "level": "department"})).await;
        assert_invalid(status, &err, "unit");
    }
    t.act_ok("cuixy", &n, "dispatch", json!({"unit": "sw", "level": "department"})).await;
    t.act_ok("cuixy", &n, "escalate", json!({"level": "county", "reason": "难点", "unit": "xyhb"})).await;
    let (status, err) = t.act(&tk, &n, "supervise", json!({"note": "尽快", "due": "262142-01-01"})).await;
    assert_invalid(status, &err, "due");
    let (status, err) = t.act(&tk, &n, "supervise", json!({"note": "尽快", "due": "2028-03-02"})).await;
    assert_invalid(status, &err, "due");
    for q in ["from=262142-01-01", "to=0099-01-01"] {
        let (status, err) = t.get(&tk, &format!("/api/v1/cases?{q}")).await;
        let field = q.split('=').next().unwrap();
        assert_invalid(status, &err, field);
    }
    // The units carry the attribute, as the admin set it.
    let units = t.get_ok("cuixy", "/api/v1/units").await;
    let handles: Vec<&str> = units
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["handles_cases"] == true)
        .filter_map(|u| u["code"].as_str())
        .collect();
    assert_eq!(handles, ["sw", "ga", "cl", "msb", "sb", "ssdj", "tzxm", "fg", "zhck", "bdc"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_handler_sees_only_the_related_case_numbers_they_may_read() {
    let t = spawn_app().await;
    let earlier = number_of(&t.register_ok("lisu", json!({})).await);
    t.act_ok("lisu", &earlier, "dispatch", json!({"unit": "ga", "level": "department"})).await;
    let later = number_of(&t.register_ok("lisu", json!({})).await);
    t.act_ok("lisu", &later, "dispatch", json!({"unit": "sw", "level": "department"})).await;
    assert_eq!(t.case(&later).await["repeat_of"], json!([earlier]), "the office sees the link");
    let seen = t.get_ok("h_sw", &format!("/api/v1/cases/{later}")).await;
    assert_eq!(seen["repeat_of"], json!([]), "another unit's case number is not shown to h_sw");
    let tk = t.token("h_sw").await;
    let (status, _) = t.get(&tk, &format!("/api/v1/cases/{earlier}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_finds_only_what_the_user_may_read() {
    let t = spawn_app().await;
    let ours =
        number_of(&t.register_ok("lisu", json!({"applicant_name": "王芳", "phone": "13811112222"})).await);
    t.act_ok("lisu", &ours, "dispatch", json!({"unit": "sw", "level": "department"})).await;
    let theirs =
        number_of(&t.register_ok("lisu", json!({"applicant_name": "赵六", "phone": "13933334444"})).await);
    let found = |v: &Value| {
        v.as_array().unwrap().iter().map(|c| c["number"].as_str().unwrap().to_owned()).collect::<Vec<_>>()
    };
    for q in ["2222", "13811112222", "王芳", ours.as_str()] {
        assert_eq!(
            found(&t.get_ok("h_sw", &format!("/api/v1/search?q={}", urlencode(q))).await),
            std::slice::from_ref(&ours),
            "{q}"
        );
    }
    for q in ["4444", "13933334444", "赵六", theirs.as_str(), "营业执照"] {
        let got = found(&t.get_ok("h_sw", &format!("/api/v1/search?q={}", urlencode(q))).await);
        assert!(!got.contains(&theirs), "{q}: {got:?}");
    }
    assert_eq!(found(&t.get_ok("cuixy", "/api/v1/search?q=4444").await), [theirs]);
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// POST a file as multipart `file` to the case's attachments.
async fn upload(
    t: &TestApp,
    user: &str,
    number: &str,
    name: &str,
    bytes: Vec<u8>,
    mime: &str,
) -> (StatusCode, Value) {
    let token = t.token(user).await;
    let boundary = "----bancheng-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(&bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let resp = t
        .client
        .post(t.url(&format!("/api/v1/cases/{number}/attachments")))
        .bearer_auth(token)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = resp.status();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attachment_that_is_not_an_image_or_pdf_is_refused_whatever_its_name() {
    for backend in backends() {
        let t = spawn_app_on(&backend, default_start()).await;
        let n = number_of(&t.register_ok("lisu", json!({})).await);
        for (name, bytes, mime) in [
            (
                "photo.jpg",
                b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec(),
                "image/jpeg",
            ),
            ("scan.pdf", b"<html><script>alert(1)</script>".to_vec(), "application/pdf"),
            ("id.png", b"MZ\x90\x00\x03\x00\x00\x00".to_vec(), "image/png"),
        ] {
            let (status, err) = upload(&t, "lisu", &n, name, bytes, mime).await;
            assert_invalid(status, &err, "file");
        }
        let png = [b"\x89PNG\r\n\x1a\n".to_vec(), vec![7; 100]].concat();
        let (status, case) =
            upload(&t, "lisu", &n, "营业执照.png", png.clone(), "application/octet-stream").await;
        assert_eq!(status, StatusCode::CREATED, "[{}] {case}", backend.name());
        assert_eq!(case["attachments"][0]["mime"], "image/png", "the type comes from the content");
        let token = t.token("cuixy").await;
        let resp = t
            .client
            .get(t.url(&format!("/api/v1/cases/{n}/attachments/1")))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["content-type"], "image/png");
        assert_eq!(resp.headers()["x-content-type-options"], "nosniff");
        assert!(resp.headers()["content-security-policy"].to_str().unwrap().contains("sandbox"));
        assert_eq!(resp.bytes().await.unwrap().to_vec(), png);
        let tk = t.token("h_ga").await;
        let resp = t
            .client
            .get(t.url(&format!("/api/v1/cases/{n}/attachments/1")))
            .bearer_auth(tk)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::FORBIDDEN, "only who may read the case");
        assert!(t.events(&n).await.iter().any(|e| e["kind"] == "attachment_added"), "an event");
    }
}

/// A form POST without following redirects: (status, Location).
async fn post_form(
    base: &str,
    path: &str,
    body: &str,
    xff: Option<&str>,
) -> (StatusCode, Option<String>, String) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let mut req = client
        .post(format!("{base}{path}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body.to_owned());
    if let Some(x) = xff {
        req = req.header("x-forwarded-for", x);
    }
    let resp = req.send().await.expect("POST");
    let status = resp.status();
    let location = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let _ = resp.headers().get(SET_COOKIE);
    (status, location, resp.text().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_never_redirects_to_another_site() {
    let t = spawn_app().await;
    for next in [
        "/%09/other-host",
        "%2F%2Fother-host",
        "/%5Cother-host",
        "https%3A%2F%2Fother-host",
        "/%0A/other-host",
    ] {
        let body = format!("username=lisu&password={PASSWORD}&next={next}");
        let (status, location, _) = post_form(&t.base, "/login", &body, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(location.as_deref(), Some("/"), "next={next} goes home, not elsewhere");
    }
    let (_, location, _) = post_form(
        &t.base,
        "/login",
        &format!("username=lisu&password={PASSWORD}&next=%2Fledger%3Fq%3D1"),
        None,
    )
    .await;
    assert_eq!(location.as_deref(), Some("/ledger?q=1"), "a local path is kept");
    // The page itself never carries the bad value into its form.
    let page = t.client.get(t.url("/login?next=/%09/other-host")).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("name=\"next\" value=\"/\""), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_parallel_burst_over_http_gets_at_most_five_password_checks_and_unknown_users_answer_alike() {
    let t = spawn_app().await;
    let before = t.app.password_checks();
    let mut set = tokio::task::JoinSet::new();
    // Wrong passwords only: a correct one inside the burst is rightly accepted when it happens
    // to be among the first five checked, and its success then resets the count, so where it
    // lands would decide the assertions below. After the burst the correct one is refused.
    for _ in 0..40 {
        let (client, url) = (t.client.clone(), t.url("/api/v1/auth/token"));
        set.spawn(async move {
            client
                .post(url)
                .json(&json!({"username": "lisu", "password": "wrong-password-1"}))
                .send()
                .await
                .expect("POST")
                .status()
        });
    }
    let mut statuses = Vec::new();
    while let Some(r) = set.join_next().await {
        statuses.push(r.expect("join"));
    }
    let checked = t.app.password_checks() - before;
    assert!(checked <= 5, "{checked} checked: {statuses:?}");
    let (status, _) =
        t.post("", "/api/v1/auth/token", json!({"username": "lisu", "password": PASSWORD})).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "locked from this address after the burst");
    // An unknown name and a known one with a wrong password: the same status and message.
    let (s1, b1) =
        t.post("", "/api/v1/auth/token", json!({"username": "nobody", "password": "x-wrong-password"})).await;
    let (s2, b2) =
        t.post("", "/api/v1/auth/token", json!({"username": "cuixy", "password": "x-wrong-password"})).await;
    assert_eq!((s1, &b1["error"]["message"]), (s2, &b2["error"]["message"]));
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn behind_a_trusted_proxy_the_lock_is_per_forwarded_address_and_otherwise_the_header_is_ignored() {
    let t = spawn_app().await;
    let login = |user: &str, pw: &str| format!("username={user}&password={pw}&next=%2F");
    // Not trusted (the default): X-Forwarded-For is ignored, every attempt is from 127.0.0.1.
    for _ in 0..5 {
        post_form(&t.base, "/login", &login("lisu", "wrong-password-1"), Some("10.9.9.1")).await;
    }
    let (status, _, _) = post_form(&t.base, "/login", &login("lisu", PASSWORD), Some("10.9.9.2")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "a forged header does not escape the lock");
    // Trusted: the proxy's address is the client's.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let config = bancheng_web::WebConfig { trust_proxy: true, ..Default::default() };
    let router = bancheng_web::router_with(t.app.clone(), config);
    let server = tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
            .await
            .ok();
    });
    for _ in 0..5 {
        post_form(&base, "/login", &login("cuixy", "wrong-password-1"), Some("6.6.6.6, 10.9.9.1")).await;
    }
    let (status, _, _) = post_form(&base, "/login", &login("cuixy", PASSWORD), Some("10.9.9.1")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "locked for the address the proxy saw");
    let (status, location, _) = post_form(&base, "/login", &login("cuixy", PASSWORD), Some("10.9.9.2")).await;
    assert_eq!(
        (status, location.as_deref()),
        (StatusCode::SEE_OTHER, Some("/")),
        "a colleague elsewhere signs in"
    );
    server.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_ones_password_ends_the_other_sessions_and_new_passwords_follow_the_policy() {
    let t = spawn_app().await;
    let mine = t.token("lisu").await;
    let other = login(&t.client, &t.base, "lisu", PASSWORD).await;
    for (new, why) in [("short-1", "length"), ("lisu", "the username"), ("1234567890", "common")] {
        let (status, err) = t.post(&mine, "/api/v1/me/password", json!({"old": PASSWORD, "new": new})).await;
        assert_invalid(status, &err, "new");
        let _ = why;
    }
    let (status, _) =
        t.post(&mine, "/api/v1/me/password", json!({"old": PASSWORD, "new": "a-long-new-phrase-7"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = t.get(&mine, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK, "the session that changed it goes on");
    let (status, _) = t.get(&other, "/api/v1/me").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the other session ended at once");
}
