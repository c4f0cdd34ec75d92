//! The administration pages of the staff web UI (SPEC §2 `admin`) over real HTTP: signed in
//! with the session cookie of `POST /login`, forms carrying the page's `_csrf` value.

use reqwest::StatusCode;
use reqwest::header::{HeaderMap, LOCATION, SET_COOKIE};
use serde_json::json;

use crate::helpers::*;

/// A browser-like client that does not follow redirects (the 303s are what is checked).
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(60))
        .build()
        .expect("client")
}

fn form_encode(fields: &[(&str, &str)]) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                b' ' => "+".to_owned(),
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    fields.iter().map(|(k, v)| format!("{}={}", enc(k), enc(v))).collect::<Vec<_>>().join("&")
}

/// The `_csrf` value of the first form of a page.
fn csrf_of(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let start = html.find(marker).unwrap_or_else(|| panic!("no _csrf field in page:\n{html}")) + marker.len();
    let len = html[start..].find('"').expect("end of _csrf value");
    html[start..start + len].to_owned()
}

struct Session<'a> {
    t: &'a TestApp,
    http: reqwest::Client,
    cookie: String,
}

/// Whether the pages send this session to change its password first.
async fn resp_location_is_password(s: &Session<'_>) -> bool {
    let resp = s.http.get(s.t.url("/")).header("cookie", &s.cookie).send().await.expect("GET /");
    resp.headers().get(LOCATION).is_some_and(|l| l == "/account/password")
}

impl<'a> Session<'a> {
    /// `POST /login` as a form; the 303 carries the session cookie.
    async fn login(t: &'a TestApp, username: &str, password: &str) -> Session<'a> {
        let http = browser();
        let resp = http
            .post(t.url("/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_encode(&[("username", username), ("password", password), ("next", "/")]))
            .send()
            .await
            .expect("POST /login");
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "sign-in of {username}");
        let set = resp
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("bc_session="))
            .expect("session cookie")
            .to_owned();
        let cookie = set.split(';').next().expect("cookie pair").to_owned();
        let session = Session { t, http, cookie };
        // The first admin password is changed before anything else.
        if resp_location_is_password(&session).await {
            let html = session.page("/account/password").await;
            let csrf = csrf_of(&html);
            let new = format!("{password}-changed");
            let (status, headers, body) = session
                .post(
                    "/account/password",
                    &[("_csrf", &csrf), ("old", password), ("new", &new), ("again", &new)],
                    &[],
                )
                .await;
            assert_eq!(status, StatusCode::SEE_OTHER, "changing the first password: {body}");
            assert_eq!(headers[LOCATION], "/?password=changed");
        }
        session
    }

    async fn get(&self, path: &str) -> (StatusCode, String) {
        let resp =
            self.http.get(self.t.url(path)).header("cookie", &self.cookie).send().await.expect("GET page");
        (resp.status(), resp.text().await.expect("page body"))
    }

    /// GET that must answer 200; returns the HTML.
    async fn page(&self, path: &str) -> String {
        let (status, html) = self.get(path).await;
        assert_eq!(status, StatusCode::OK, "GET {path}:\n{html}");
        html
    }

    async fn post(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        extra: &[(&str, &str)],
    ) -> (StatusCode, HeaderMap, String) {
        let mut req = self
            .http
            .post(self.t.url(path))
            .header("cookie", &self.cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_encode(fields));
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("POST form");
        let (status, headers) = (resp.status(), resp.headers().clone());
        (status, headers, resp.text().await.expect("body"))
    }
}

fn location(h: &HeaderMap) -> &str {
    h.get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("")
}

fn new_user_form<'a>(csrf: &'a str, username: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", csrf),
        ("username", username),
        ("display_name", "新窗口人员"),
        ("role", "window"),
        ("unit", "bbcs"),
        ("password", PASSWORD),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_2_admin_creates_a_user_through_the_page_and_the_user_then_gets_an_api_token() {
    let t = spawn_app().await;
    let admin = Session::login(&t, "admin", &t.admin_password).await;
    let html = admin.page("/admin/users").await;
    assert!(html.contains("用户管理") && html.contains("lisu"), "{html}");
    let csrf = csrf_of(&html);

    let (status, headers, body) = admin.post("/admin/users", &new_user_form(&csrf, "xinck"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(location(&headers), "/admin/users?done=created");
    let html = admin.page("/admin/users?done=created").await;
    assert!(html.contains("id=\"done\"") && html.contains("id=\"user-xinck\""), "{html}");
    let token = login(&t.client, &t.base, "xinck", PASSWORD).await;
    let (status, me) = t.get(&token, "/api/v1/me").await;
    assert_eq!(status, StatusCode::OK, "{me}");

    // The same username again: the page again, 422, the message in Chinese.
    let (status, _, html) = admin.post("/admin/users", &new_user_form(&csrf, "xinck"), &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"error\"") && html.contains("用户名已存在"), "{html}");
    assert!(html.contains("value=\"xinck\""), "the form keeps what was typed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_2_a_window_user_is_refused_every_admin_page_and_form_with_403() {
    let t = spawn_app().await;
    let window = Session::login(&t, "lisu", PASSWORD).await;
    for path in ["/admin/users", "/admin/units", "/admin/calendar", "/admin/policy"] {
        let (status, html) = window.get(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "GET {path}");
        assert!(html.contains("只有系统管理员"), "{html}");
    }
    let csrf = csrf_of(&window.page("/account/password").await);
    let (status, _, html) = window.post("/admin/users", &new_user_form(&csrf, "sneaky"), &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    assert!(t.app.store().user_by_name("sneaky").await.is_err(), "nothing was created");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_form_without_the_csrf_value_or_from_another_site_is_refused_with_403() {
    let t = spawn_app().await;
    let admin = Session::login(&t, "admin", &t.admin_password).await;
    let csrf = csrf_of(&admin.page("/admin/users").await);

    let mut no_csrf = new_user_form(&csrf, "nocsrf");
    no_csrf.retain(|(k, _)| *k != "_csrf");
    let (status, _, _) = admin.post("/admin/users", &no_csrf, &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(t.app.store().user_by_name("nocsrf").await.is_err());

    let (status, _, _) = admin
        .post("/admin/users", &new_user_form(&csrf, "crosssite"), &[("sec-fetch-site", "cross-site")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(t.app.store().user_by_name("crosssite").await.is_err());

    let lisu = t.app.store().user_by_name("lisu").await.expect("lisu").id;
    let (status, _, _) = admin.post(&format!("/admin/users/{lisu}/disable"), &[("_csrf", "0000")], &[]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(!t.app.store().user_by_id(lisu).await.expect("lisu").disabled);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_resets_a_password_disables_a_user_and_edits_the_policy_through_the_pages() {
    let t = spawn_app().await;
    let admin = Session::login(&t, "admin", &t.admin_password).await;
    let csrf = csrf_of(&admin.page("/admin/users").await);
    let lisu = t.app.store().user_by_name("lisu").await.expect("lisu").id;

    // 重置密码: the new password is shown once and works at once.
    let (status, _, html) = admin.post(&format!("/admin/users/{lisu}/reset"), &[("_csrf", &csrf)], &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let marker = "id=\"new-password\"";
    let at = html.find(marker).expect("new password shown") + marker.len();
    let shown = &html[at..];
    let start = shown.find('>').expect(">") + 1;
    let password = shown[start..start + shown[start..].find('<').expect("<")].trim().to_owned();
    assert_eq!(password.chars().count(), 12, "{password}");
    login(&t.client, &t.base, "lisu", &password).await;

    // 停用: the user can no longer sign in.
    let (status, headers, _) =
        admin.post(&format!("/admin/users/{lisu}/disable"), &[("_csrf", &csrf)], &[]).await;
    assert_eq!((status, location(&headers)), (StatusCode::SEE_OTHER, "/admin/users?done=disabled"));
    let (status, _) =
        t.post("", "/api/v1/auth/token", json!({"username": "lisu", "password": password})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // 期限规则: a bad value is refused inline (422), a good one saved as version 2.
    let html = admin.page("/admin/policy").await;
    assert!(html.contains("初步反馈") && html.contains("第四条"), "{html}");
    let mut fields: Vec<(&str, &str)> = vec![
        ("_csrf", &csrf),
        ("window_result", "0"),
        ("first_feedback", "3"),
        ("department_result", "5"),
        ("joint_result", "0"),
        ("county_reply", "10"),
        ("negative_reply", "3"),
        ("notice_after_overdue", "5"),
        ("problem_reopens", "3"),
        ("problem_units", "3"),
        ("due_soon", "1"),
        ("max_extension", "20"),
    ];
    let (status, _, html) = admin.post("/admin/policy", &fields, &[]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(html.contains("id=\"error\"") && html.contains("期限应为1至60个工作日"), "{html}");
    fields[4] = ("joint_result", "9");
    let (status, headers, _) = admin.post("/admin/policy", &fields, &[]).await;
    assert_eq!((status, location(&headers)), (StatusCode::SEE_OTHER, "/admin/policy?done=policy"));
    assert_eq!(t.app.policy(CENTER).joint_result, 9);
    let html = admin.page("/admin/policy?done=policy").await;
    assert!(html.contains("特殊情况 一事一议办结 7→9"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spec_4_3_a_calendar_import_through_the_page_lists_the_open_deadlines_it_moved() {
    // Tue 2026-12-29: the department clocks reach into 2027, which has no schedule yet.
    let t = spawn_app_on(&Backend::Sqlite, shanghai(2026, 12, 29, 10, 0)).await;
    let number = number_of(&t.register_ok("lisu", json!({})).await);
    t.act_ok("lisu", &number, "dispatch", json!({"unit": "sw", "level": "department"})).await;

    let admin = Session::login(&t, "admin", &t.admin_password).await;
    let html = admin.page("/admin/calendar?year=2027").await;
    assert!(html.contains("id=\"not-covered\""), "{html}");
    let csrf = csrf_of(&html);
    let file = r#"{"source": "测试用2027年安排", "years": {"2027": {
        "holidays": [{"date": "2027-01-01", "name": "元旦"}], "workdays": []}}}"#;
    let (status, _, html) =
        admin.post("/admin/calendar", &[("_csrf", &csrf), ("json", file), ("source", "测试")], &[]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("已导入2027年"), "{html}");
    assert!(html.contains(&format!("<a href=\"/cases/{number}\">{number}</a>")), "{html}");
    assert!(html.contains("2027-01-01") && html.contains("2027-01-04"), "first feedback moved: {html}");
    assert!(html.contains("2027-01-05") && html.contains("2027-01-06"), "result moved: {html}");

    let (status, _, html) = admin
        .post("/admin/calendar", &[("_csrf", &csrf), ("json", "{\"years\": 1}"), ("source", "")], &[])
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"error\"") && html.contains("格式不正确"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_cookie_is_httponly_strict_ends_on_sign_out_and_after_12_hours_and_locks_after_5_failures() {
    let t = spawn_app().await;
    let http = browser();
    let form = |pw: &str| form_encode(&[("username", "lisu"), ("password", pw), ("next", "/ledger")]);
    let post = |body: String| {
        http.post(t.url("/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let resp = post(form(PASSWORD)).await.expect("login");
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(resp.headers()), "/ledger", "back to the page asked for");
    let set = resp.headers().get(SET_COOKIE).and_then(|v| v.to_str().ok()).expect("cookie").to_owned();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(set.contains(attr), "{attr} in {set}");
    }
    assert!(!set.contains("Secure"), "plain http: no Secure flag");

    // Sign-out revokes the session: the same cookie now leads to the sign-in page.
    let s = Session::login(&t, "lisu", PASSWORD).await;
    let csrf = csrf_of(&s.page("/").await);
    let (status, headers, _) = s.post("/logout", &[("_csrf", &csrf)], &[]).await;
    assert_eq!((status, location(&headers)), (StatusCode::SEE_OTHER, "/login"));
    let resp = s.http.get(t.url("/ledger")).header("cookie", &s.cookie).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert!(location(resp.headers()).starts_with("/login?next=/ledger&expired=1"), "{:?}", resp.headers());

    // Sessions expire after 12 hours.
    let s = Session::login(&t, "lisu", PASSWORD).await;
    s.page("/").await;
    t.clock.advance(chrono::TimeDelta::hours(12) + chrono::TimeDelta::seconds(1));
    let (status, _) = s.get("/").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "expired session");
    let html = s.page("/login?next=/&expired=1").await;
    assert!(html.contains("登录已失效"), "{html}");

    // Behind a TLS proxy the cookie is Secure.
    let resp = http
        .post(t.url("/login"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-forwarded-proto", "https")
        .body(form(PASSWORD))
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get(SET_COOKIE).and_then(|v| v.to_str().ok()).unwrap().contains("; Secure"));

    // Five wrong passwords lock the account, with a clear message on the page.
    for _ in 0..4 {
        let resp = post(form("wrong-password")).await.unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        assert!(resp.text().await.unwrap().contains("用户名或密码错误"));
    }
    let resp = post(form("wrong-password")).await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    let html = resp.text().await.unwrap();
    assert!(html.contains("账号已锁定"), "{html}");
    let resp = post(form(PASSWORD)).await.unwrap();
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS, "locked even with the right password");
}

/// A PNG upload as the case page's form sends it (multipart, `_csrf` when given, then `file`).
async fn upload_from_page(s: &Session<'_>, number: &str, csrf: Option<&str>) -> (StatusCode, String) {
    let boundary = "----bancheng-page-boundary";
    let mut body = Vec::new();
    if let Some(csrf) = csrf {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{csrf}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.png\"\r\nContent-Type: image/png\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR");
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let resp = s
        .http
        .post(s.t.url(&format!("/cases/{number}/attachments")))
        .header("cookie", &s.cookie)
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .expect("POST upload");
    let status = resp.status();
    let to = resp.headers().get(LOCATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    (status, to)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_from_the_case_page_needs_the_pages_csrf_value() {
    let t = spawn_app().await;
    let n = number_of(&t.register_ok("lisu", json!({})).await);
    let s = Session::login(&t, "lisu", PASSWORD).await;
    assert_eq!(upload_from_page(&s, &n, None).await.0, StatusCode::FORBIDDEN, "no _csrf field");
    assert_eq!(upload_from_page(&s, &n, Some("forged")).await.0, StatusCode::FORBIDDEN);
    assert!(t.case(&n).await["attachments"].as_array().unwrap().is_empty(), "nothing stored");
    let csrf = csrf_of(&s.page(&format!("/cases/{n}")).await);
    let (status, to) = upload_from_page(&s, &n, Some(&csrf)).await;
    assert_eq!((status, to.as_str()), (StatusCode::SEE_OTHER, format!("/cases/{n}?done=attach").as_str()));
    assert_eq!(t.case(&n).await["attachments"][0]["mime"], "image/png");
}
