//! Test support: a fresh database per test (SQLite always, PostgreSQL when
//! `BANCHENG_TEST_DATABASE_URL` is set), the real router served on 127.0.0.1:0, seeded staff,
//! typed HTTP helpers, and runners for the real `bancheng` binary.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use bancheng_app::{App, ManualClock};
use bancheng_domain::Role;
use chrono::{DateTime, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct-horse-1";
pub const CENTER: &str = "nxzx";

/// The staff every test app gets: (username, role, unit).
pub const STAFF: &[(&str, Role, &str)] = &[
    ("lisu", Role::Window, "bbcs"),
    ("cuixy", Role::Office, "ywg"),
    ("ywg2", Role::Office, "ywg"),
    ("h_sw", Role::Handler, "sw"),
    ("lead_sw", Role::UnitLead, "sw"),
    ("h_ga", Role::Handler, "ga"),
    ("h_sb", Role::Handler, "sb"),
    ("h_bdc", Role::Handler, "bdc"),
    ("wangsy", Role::Inspector, "dcg"),
    ("zhengjp", Role::Leader, "nxzx"),
];

// The browser tests include this file too and use only some of these.
#[allow(unused_imports)]
pub use bancheng_testkit::db::{Backend, FreshDb, backends};
#[allow(unused_imports)]
pub use bancheng_testkit::time::{date, default_start, shanghai};

/// The application behind a real HTTP listener.
pub struct TestApp {
    pub backend: Backend,
    pub base: String,
    pub app: App,
    pub clock: Arc<ManualClock>,
    pub client: reqwest::Client,
    pub admin_password: String,
    tokens: Mutex<HashMap<String, String>>,
    server: tokio::task::JoinHandle<()>,
    /// Last field: dropped after everything that uses it.
    pub db: FreshDb,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// A fresh SQLite app at the default start instant.
#[allow(dead_code)]
pub async fn spawn_app() -> TestApp {
    spawn_app_on(&Backend::Sqlite, default_start()).await
}

/// A fresh app on `backend` whose clock reads `at`.
pub async fn spawn_app_on(backend: &Backend, at: DateTime<Utc>) -> TestApp {
    let db = FreshDb::create(backend).await;
    let clock = Arc::new(ManualClock::new(at));
    let app = App::open(&db.url, clock.clone()).await.expect("App::open");
    let admin_password = app.bootstrap().await.expect("bootstrap").expect("an empty database gets an admin");
    // Argon2 hashing runs on blocking threads: add the users concurrently.
    let mut set = tokio::task::JoinSet::new();
    for (name, role, unit) in STAFF {
        let app = app.clone();
        set.spawn(async move { app.add_user(name, name, *role, unit, PASSWORD).await.map(|_| ()) });
    }
    while let Some(r) = set.join_next().await {
        r.expect("join").expect("add_user");
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("local addr");
    let router = bancheng_web::router(app.clone());
    let server = tokio::spawn(async move {
        let service = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
        axum::serve(listener, service).await.expect("serve");
    });
    TestApp {
        backend: backend.clone(),
        base: format!("http://{addr}"),
        app,
        clock,
        client: client(),
        admin_password,
        tokens: Mutex::new(HashMap::new()),
        server,
        db,
    }
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(Duration::from_secs(60)).build().expect("client")
}

async fn into_parts(resp: reqwest::Response) -> (StatusCode, Value) {
    let status = resp.status();
    let text = resp.text().await.expect("response body");
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

/// Signs in over HTTP at `base` and returns the bearer token.
pub async fn login(client: &reqwest::Client, base: &str, username: &str, password: &str) -> String {
    let resp = client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .expect("POST /api/v1/auth/token");
    let (status, body) = into_parts(resp).await;
    assert_eq!(status, StatusCode::OK, "sign-in of {username}: {body}");
    body["token"].as_str().expect("token").to_owned()
}

/// A registration body with the required fields; `overrides` replaces or adds fields.
pub fn reg_body(overrides: Value) -> Value {
    let mut body = json!({
        "applicant_name": "张三",
        "phone": "13812345678",
        "description": "营业执照变更登记多次跑路仍未办成",
        "channel": "window",
        "matter": "营业执照变更登记",
        "category": "many_trips",
    });
    if let (Some(b), Some(o)) = (body.as_object_mut(), overrides.as_object()) {
        for (k, v) in o {
            if v.is_null() {
                b.remove(k);
            } else {
                b.insert(k.clone(), v.clone());
            }
        }
    }
    body
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Moves the clock. Tokens live 12 hours, so the cached ones are dropped: users sign in
    /// again at the new time, as they would.
    pub fn set_time(&self, at: DateTime<Utc>) {
        self.clock.set(at);
        self.tokens.lock().expect("tokens").clear();
    }

    pub fn advance(&self, by: chrono::TimeDelta) {
        self.clock.advance(by);
        self.tokens.lock().expect("tokens").clear();
    }

    /// The bearer token of a seeded user (signed in once, then cached).
    pub async fn token(&self, user: &str) -> String {
        if let Some(t) = self.tokens.lock().expect("tokens").get(user) {
            return t.clone();
        }
        let password = if user == "admin" { self.admin_password.clone() } else { PASSWORD.to_owned() };
        let t = login(&self.client, &self.base, user, &password).await;
        self.tokens.lock().expect("tokens").insert(user.to_owned(), t.clone());
        t
    }

    /// POSTs `body` as JSON with `Authorization: Bearer token` (none when `token` is empty).
    pub async fn post(&self, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
        let mut req = self.client.post(self.url(path)).json(&body);
        if !token.is_empty() {
            req = req.bearer_auth(token);
        }
        into_parts(req.send().await.expect("POST")).await
    }

    /// POSTs a raw body (for malformed JSON).
    #[allow(dead_code)]
    pub async fn post_raw(&self, token: &str, path: &str, body: &str) -> (StatusCode, Value) {
        let mut req =
            self.client.post(self.url(path)).header("content-type", "application/json").body(body.to_owned());
        if !token.is_empty() {
            req = req.bearer_auth(token);
        }
        into_parts(req.send().await.expect("POST")).await
    }

    pub async fn get(&self, token: &str, path: &str) -> (StatusCode, Value) {
        let mut req = self.client.get(self.url(path));
        if !token.is_empty() {
            req = req.bearer_auth(token);
        }
        into_parts(req.send().await.expect("GET")).await
    }

    /// As `user`: GET that must answer 200.
    pub async fn get_ok(&self, user: &str, path: &str) -> Value {
        let t = self.token(user).await;
        let (status, body) = self.get(&t, path).await;
        assert_eq!(status, StatusCode::OK, "GET {path} as {user} [{}]: {body}", self.backend.name());
        body
    }

    /// `POST /api/v1/cases` with a token; returns status and body.
    pub async fn register(&self, token: &str, body: Value) -> (StatusCode, Value) {
        self.post(token, "/api/v1/cases", body).await
    }

    /// Registers as `user` and returns the new case (asserting 201).
    pub async fn register_ok(&self, user: &str, overrides: Value) -> Value {
        let t = self.token(user).await;
        let (status, body) = self.register(&t, reg_body(overrides)).await;
        assert_eq!(status, StatusCode::CREATED, "register as {user} [{}]: {body}", self.backend.name());
        body
    }

    /// `POST /api/v1/cases/{number}/{action}` with a token.
    pub async fn act(&self, token: &str, number: &str, action: &str, body: Value) -> (StatusCode, Value) {
        self.post(token, &format!("/api/v1/cases/{number}/{action}"), body).await
    }

    /// An action as `user` that must succeed; returns the case after it.
    pub async fn act_ok(&self, user: &str, number: &str, action: &str, body: Value) -> Value {
        let t = self.token(user).await;
        let (status, case) = self.act(&t, number, action, body).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{action} on {number} as {user} [{}]: {case}",
            self.backend.name()
        );
        case
    }

    /// An action as `user` that must be refused with `status` and error `code`; checks that the
    /// refusal left the case's log untouched. Returns the error body.
    pub async fn act_refused(
        &self,
        user: &str,
        number: &str,
        action: &str,
        body: Value,
        status: StatusCode,
        code: &str,
    ) -> Value {
        let before = self.events(number).await.len();
        let t = self.token(user).await;
        let (got, err) = self.act(&t, number, action, body).await;
        assert_eq!(got, status, "{action} on {number} as {user} [{}]: {err}", self.backend.name());
        assert_error_shape(&err, code);
        let after = self.events(number).await.len();
        assert_eq!(before, after, "a refused {action} must append no event [{}]", self.backend.name());
        err
    }

    /// The case as the office sees it.
    pub async fn case(&self, number: &str) -> Value {
        self.get_ok("cuixy", &format!("/api/v1/cases/{number}")).await
    }

    /// How many cases the center has (every status).
    pub async fn cases_count(&self) -> i64 {
        self.get_ok("cuixy", "/api/v1/cases?per_page=1").await["total"].as_i64().expect("total")
    }

    /// The case's events as the office sees them.
    pub async fn events(&self, number: &str) -> Vec<Value> {
        let v = self.get_ok("cuixy", &format!("/api/v1/cases/{number}/events")).await;
        v.as_array().expect("events array").clone()
    }
}

/// SPEC §6 error shape: `{"error": {"code", "message" (Chinese), "field"?}}`.
pub fn assert_error_shape(body: &Value, code: &str) {
    let err = body.get("error").unwrap_or_else(|| panic!("no `error` object in {body}"));
    assert_eq!(err["code"], code, "error code in {body}");
    let message = err["message"].as_str().unwrap_or_else(|| panic!("no message in {body}"));
    assert!(
        message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "the message is for people, in Chinese: {message}"
    );
    if let Some(f) = err.get("field") {
        assert!(f.is_string(), "field is a string when present: {body}");
    }
}

/// A 422 naming `field`.
pub fn assert_invalid(status: StatusCode, body: &Value, field: &str) {
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "expected 422 naming {field}: {body}");
    assert_error_shape(body, "invalid");
    assert_eq!(body["error"]["field"], field, "422 names the field: {body}");
}

/// The deadline of `kind` due on `due` in a case JSON.
pub fn deadline<'a>(case: &'a Value, kind: &str, due: &str) -> &'a Value {
    case["deadlines"]
        .as_array()
        .expect("deadlines array")
        .iter()
        .find(|d| d["kind"] == kind && d["due"] == due)
        .unwrap_or_else(|| panic!("no {kind} deadline due {due} in {}", case["deadlines"]))
}

/// The open deadlines (`met` null) of a case, as (kind, due).
pub fn open_deadlines(case: &Value) -> Vec<(String, String)> {
    case["deadlines"]
        .as_array()
        .expect("deadlines array")
        .iter()
        .filter(|d| d["met"].is_null())
        .map(|d| (d["kind"].as_str().unwrap_or("").to_owned(), d["due"].as_str().unwrap_or("").to_owned()))
        .collect()
}

pub fn kinds(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| e["kind"].as_str().unwrap_or("").to_owned()).collect()
}

pub fn number_of(case: &Value) -> String {
    case["number"].as_str().expect("number").to_owned()
}

// ---------------------------------------------------------------------------------------------
// The real binary.

pub const BIN: &str = env!("CARGO_BIN_EXE_bancheng");

/// What a finished `bancheng` process left.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    #[track_caller]
    pub fn ok(self) -> Run {
        assert!(
            self.status.success(),
            "bancheng failed ({:?}):\nstdout: {}\nstderr: {}",
            self.code(),
            self.stdout,
            self.stderr
        );
        self
    }
}

fn base_command(cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("BANCHENG_DATABASE_URL")
        .env_remove("BANCHENG_ADDR")
        .env_remove("BANCHENG_TICK_SECONDS")
        .env_remove("BANCHENG_CONFIG")
        .env("RUST_LOG", "warn");
    cmd
}

/// Runs `bancheng ARGS` in `cwd` with `stdin` fed in, and waits (bounded) for it to finish.
pub fn run_cli(cwd: &Path, args: &[&str], stdin: &str) -> Run {
    run_cli_timeout(cwd, args, stdin, Duration::from_secs(300))
}

pub fn run_cli_timeout(cwd: &Path, args: &[&str], stdin: &str, limit: Duration) -> Run {
    let mut child = base_command(cwd, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bancheng");
    let mut input = child.stdin.take().expect("stdin");
    let data = stdin.to_owned();
    // Writers and readers on their own threads: large batches must not deadlock on pipes.
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(data.as_bytes());
    });
    let mut out = child.stdout.take().expect("stdout");
    let mut err = child.stderr.take().expect("stderr");
    let out_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err_t = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("bancheng {args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = writer.join();
    Run { status, stdout: out_t.join().unwrap_or_default(), stderr: err_t.join().unwrap_or_default() }
}

/// `sqlite://DIR/NAME` for a file in `dir`.
pub fn sqlite_url(dir: &Path, name: &str) -> String {
    format!("sqlite://{}", dir.join(name).display())
}

/// A running `bancheng serve`; killed (SIGKILL) on drop.
pub struct Server {
    pub child: Child,
    pub base: String,
    /// Every stdout line seen so far.
    pub lines: Arc<Mutex<Vec<String>>>,
}

impl Server {
    /// Starts `bancheng serve --addr 127.0.0.1:0 --database URL` in `cwd` and waits (bounded)
    /// for `bancheng 已启动：http://ADDR/`.
    pub fn start(cwd: &Path, url: &str, extra: &[&str]) -> Server {
        let mut args = vec!["serve", "--addr", "127.0.0.1:0", "--database", url];
        args.extend_from_slice(extra);
        let mut child = base_command(cwd, &args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("spawn bancheng serve");
        let stdout = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = mpsc::channel::<String>();
        let seen = lines.clone();
        // Keeps draining stdout for the life of the process.
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                seen.lock().expect("lines").push(line.clone());
                let _ = tx.send(line);
            }
        });
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(rest) = line.split("bancheng 已启动：").nth(1) {
                        let base = rest.trim().trim_end_matches('/').to_owned();
                        assert!(base.starts_with("http://127.0.0.1:"), "address line: {line}");
                        return Server { child, base, lines };
                    }
                }
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!(
                        "serve did not print its address within 60 s; stdout: {:?}",
                        lines.lock().expect("lines")
                    );
                }
            }
        }
    }

    /// Waits (bounded) for a stdout line containing `needle` and returns it.
    pub fn wait_line(&self, needle: &str, limit: Duration) -> Option<String> {
        let until = Instant::now() + limit;
        loop {
            if let Some(l) = self.lines.lock().expect("lines").iter().find(|l| l.contains(needle)) {
                return Some(l.clone());
            }
            if Instant::now() >= until {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// SIGKILL (std's `Child::kill` on Unix) and reap.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}
