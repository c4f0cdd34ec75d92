//! chromedriver and one headless chromium per test: found, started on a free port, waited for,
//! and always stopped (a Drop guard ends the WebDriver session and kills chromedriver, also when
//! a test panics). At most two browsers run at once (2 cores).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{
    InputSource, KeyAction, KeyActions, MOUSE_BUTTON_LEFT, MouseActions, PointerAction,
};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// A fresh app and a browser on it signed in as `user`; `None` when browser tests are skipped.
pub async fn signed_in(user: &str) -> Option<(TestApp, Browser)> {
    chromedriver_or_skip()?;
    let app = spawn_app().await;
    let b = Browser::start(&app.base).await?;
    b.login(user).await;
    Some((app, b))
}

/// How long a page element may take to appear.
pub const WAIT: Duration = Duration::from_secs(15);

/// Browsers allowed at once (the machine has 2 cores; each chromium is several processes).
static BROWSERS: Semaphore = Semaphore::const_new(2);

/// `BANCHENG_BROWSER_TESTS=required` or `CI=true`: a missing browser fails the tests.
pub fn browsers_required() -> bool {
    let required = std::env::var("BANCHENG_BROWSER_TESTS").is_ok_and(|v| v.trim() == "required");
    let ci = std::env::var("CI").is_ok_and(|v| matches!(v.trim(), "true" | "1"));
    required || ci
}

fn executable(p: &Path) -> bool {
    p.is_file()
}

/// `BANCHENG_CHROMEDRIVER`, else /usr/bin/chromedriver, else `chromedriver` on PATH.
pub fn chromedriver_path() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("BANCHENG_CHROMEDRIVER")
        && !p.trim().is_empty()
    {
        let p = PathBuf::from(p.trim());
        return executable(&p).then_some(p);
    }
    let debian = PathBuf::from("/usr/bin/chromedriver");
    if executable(&debian) {
        return Some(debian);
    }
    std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|dir| dir.join("chromedriver"))
        .find(|p| executable(p))
}

/// chromedriver's path; `None` after printing why the browser tests are skipped, or a panic
/// when browsers are required. Tests call it first to skip before any setup.
pub fn chromedriver_or_skip() -> Option<PathBuf> {
    let path = chromedriver_path();
    if path.is_none() {
        if browsers_required() {
            panic!(
                "browser tests are required (BANCHENG_BROWSER_TESTS=required or CI=true) but chromedriver \
                 was not found: apt-get install chromium chromium-driver, or set BANCHENG_CHROMEDRIVER"
            );
        }
        println!("browser tests SKIPPED: chromedriver not found (apt-get install chromium chromium-driver)");
    }
    path
}

/// `BANCHENG_CHROMIUM`, else /usr/bin/chromium if present (else chromedriver's own default).
fn chromium_path() -> Option<String> {
    if let Ok(p) = std::env::var("BANCHENG_CHROMIUM")
        && !p.trim().is_empty()
    {
        return Some(p.trim().to_owned());
    }
    Path::new("/usr/bin/chromium").is_file().then(|| "/usr/bin/chromium".to_owned())
}

/// `<workspace>/target/screenshots`, created.
pub fn screenshot_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).expect("create target/screenshots");
    dir
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A tiny blocking HTTP/1.1 request to chromedriver (used where no runtime may be available:
/// in Drop, also while a test unwinds). Returns the body.
fn raw_http(port: u16, method: &str, path: &str) -> Option<String> {
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).ok()?;
    // chromedriver keeps the connection open despite `Connection: close`: read by Content-Length.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else { continue };
        let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .and_then(|v| v.trim().parse::<usize>().ok());
        if length.is_some_and(|len| buf.len() >= end + 4 + len) {
            break;
        }
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    text.split_once("\r\n\r\n").map(|(_, body)| body.to_owned())
}

/// A running chromedriver; killed and reaped on drop.
pub struct Driver {
    child: Child,
    pub port: u16,
}

impl Driver {
    fn start(path: &Path) -> Driver {
        let mut last = String::new();
        for _ in 0..3 {
            let port = free_port();
            let child = Command::new(path)
                .arg(format!("--port={port}"))
                .arg("--allowed-ips=127.0.0.1")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("start {}: {e}", path.display()));
            let mut d = Driver { child, port };
            let until = Instant::now() + Duration::from_secs(20);
            while Instant::now() < until {
                if let Ok(Some(status)) = d.child.try_wait() {
                    last = format!("chromedriver exited: {status}");
                    break;
                }
                if let Some(body) = raw_http(port, "GET", "/status") {
                    let v: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                    if v["value"]["ready"] == json!(true) {
                        return d;
                    }
                    last = format!("/status: {body}");
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            d.stop();
        }
        panic!("chromedriver at {} did not become ready: {last}", path.display());
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A headless chromium session at the test app `base`.
pub struct Browser {
    pub c: Client,
    pub base: String,
    session: Option<String>,
    // Dropped after the session is ended: chromedriver, then the permit.
    driver: Driver,
    _permit: SemaphorePermit<'static>,
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Normally `close` ran. On a panic, end the session (chromium quits) before chromedriver
        // is killed, so no browser outlives the test.
        if let Some(id) = self.session.take() {
            let _ = raw_http(self.driver.port, "DELETE", &format!("/session/{id}"));
        }
    }
}

impl Browser {
    /// A browser for the app at `base`; `None` (after printing why) when chromedriver is missing
    /// and browsers are not required.
    pub async fn start(base: &str) -> Option<Browser> {
        let path = chromedriver_or_skip()?;
        let permit = BROWSERS.acquire().await.expect("browser semaphore");
        let driver =
            tokio::task::spawn_blocking(move || Driver::start(&path)).await.expect("start chromedriver");
        let mut options = json!({
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1366,900", "--lang=zh-CN", "--disable-extensions", "--no-first-run",
                "--disable-background-networking", "--disable-sync", "--disable-default-apps",
            ],
            "prefs": { "intl.accept_languages": "zh-CN,zh" },
        });
        if let Some(bin) = chromium_path() {
            options["binary"] = json!(bin);
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);
        caps.insert("timeouts".into(), json!({ "script": 30_000, "pageLoad": 30_000, "implicit": 0 }));
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let url = format!("http://127.0.0.1:{}", driver.port);
        let c = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&url)
            .await
            .unwrap_or_else(|e| panic!("new WebDriver session on chromium: {e}"));
        let session = c.session_id().await.ok().flatten();
        Some(Browser { c, base: base.to_owned(), session, driver, _permit: permit })
    }

    /// Ends the session (chromium quits); chromedriver is killed when `self` drops.
    pub async fn close(mut self) {
        let c = self.c.clone();
        if c.close().await.is_ok() {
            self.session = None;
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn goto(&self, path: &str) {
        self.c.goto(&self.url(path)).await.unwrap_or_else(|e| panic!("goto {path}: {e}"));
    }

    /// The current path and query.
    pub async fn path(&self) -> String {
        let u = self.c.current_url().await.expect("current url");
        match u.query() {
            Some(q) => format!("{}?{q}", u.path()),
            None => u.path().to_owned(),
        }
    }

    /// Waits (bounded) for an element.
    pub async fn find(&self, css: &str) -> Element {
        match self.c.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => {
                let path = self.path().await;
                let body = self.body_text().await;
                panic!("no `{css}` on {path} within {WAIT:?}: {e}\npage text:\n{body}")
            }
        }
    }

    /// Whether an element is there now (no wait).
    pub async fn has(&self, css: &str) -> bool {
        self.c.find(Locator::Css(css)).await.is_ok()
    }

    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.unwrap_or_else(|e| panic!("text of {css}: {e}")).trim().to_owned()
    }

    /// The visible text of the whole page.
    pub async fn body_text(&self) -> String {
        match self.c.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    pub async fn js(&self, script: &str) -> Value {
        self.c.execute(script, vec![]).await.unwrap_or_else(|e| panic!("script {script}: {e}"))
    }

    /// Polls `check` every 50 ms until it answers true (bounded by `limit`).
    pub async fn poll_js(&self, script: &str, limit: Duration) -> bool {
        let until = Instant::now() + limit;
        loop {
            if self.c.execute(script, vec![]).await.ok() == Some(json!(true)) {
                return true;
            }
            if Instant::now() >= until {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Marks the current document, runs `f` (a click, a key press), and waits until another
    /// document has replaced it and finished loading.
    pub async fn navigating<F: std::future::Future<Output = ()>>(&self, f: F) {
        self.js("window.__bcOld = true; return true;").await;
        f.await;
        let loaded = "return !window.__bcOld && document.readyState === 'complete';";
        if !self.poll_js(loaded, WAIT).await {
            panic!("no new page within {WAIT:?} (still on {})", self.path().await);
        }
    }

    /// Clicks and waits for the page that follows.
    pub async fn click_and_wait(&self, css: &str) {
        let el = self.find(css).await;
        self.navigating(async {
            el.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
        })
        .await;
    }

    /// Writes a PNG of the viewport, scrolled to the top, to target/screenshots/NAME.png.
    pub async fn screenshot(&self, name: &str) {
        // From the top of the page (action results land on `#timeline`).
        self.c.execute("window.scrollTo(0, 0); return true;", vec![]).await.ok();
        let png = self.c.screenshot().await.unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        assert!(png.starts_with(b"\x89PNG"), "screenshot {name} is a PNG");
        let file = screenshot_dir().join(format!("{name}.png"));
        std::fs::write(&file, png).unwrap_or_else(|e| panic!("write {}: {e}", file.display()));
    }

    /// Signs in through the form and waits for the page after it.
    pub async fn login(&self, user: &str) {
        self.login_with(user, PASSWORD).await;
        let path = self.path().await;
        assert!(
            !path.starts_with("/login"),
            "{user} signed in, yet still on {path}: {}",
            self.body_text().await
        );
    }

    pub async fn login_with(&self, user: &str, password: &str) {
        if !self.path().await.starts_with("/login") {
            self.goto("/login").await;
        }
        let name = self.find("#username").await;
        name.clear().await.expect("clear username");
        name.send_keys(user).await.expect("type username");
        self.find("#password").await.send_keys(password).await.expect("type password");
        self.click_and_wait("button[type=submit]").await;
    }

    /// Signs out with the header's button (back on the sign-in page).
    pub async fn logout(&self) {
        self.click_and_wait("#logout").await;
        let path = self.path().await;
        assert!(path.starts_with("/login"), "after 退出 the sign-in page shows, not {path}");
    }

    /// Signs out (if signed in) and in as `user`.
    pub async fn switch_to(&self, user: &str) {
        if self.has("#logout").await {
            self.logout().await;
        } else {
            self.goto("/login").await;
        }
        self.login(user).await;
    }

    // -----------------------------------------------------------------------------------------
    // The case page's actions panel.

    /// The ids of the offered actions (`details#act-…`), in order.
    pub async fn actions(&self) -> Vec<String> {
        let v =
            self.js("return Array.from(document.querySelectorAll('#actions details')).map(d => d.id);").await;
        v.as_array()
            .map(|a| {
                a.iter().filter_map(|x| x.as_str()).map(|s| s.trim_start_matches("act-").to_owned()).collect()
            })
            .unwrap_or_default()
    }

    /// Opens `details#act-NAME` by clicking its summary (unless it is open already).
    pub async fn open_action(&self, name: &str) {
        let details = self.find(&format!("#act-{name}")).await;
        if details.attr("open").await.expect("open attribute").is_none() {
            self.find(&format!("#act-{name} > summary")).await.click().await.expect("click summary");
        }
        let open = format!("return document.getElementById('act-{name}').open === true;");
        assert!(self.poll_js(&open, WAIT).await, "the {name} panel opens");
    }

    /// Types into a field of an action's form (opened first).
    pub async fn type_in(&self, action: &str, field: &str, text: &str) {
        let el = self.find(&format!("#act-{action} [name={field}]")).await;
        el.clear().await.ok();
        el.send_keys(text).await.unwrap_or_else(|e| panic!("type into {action}/{field}: {e}"));
    }

    pub async fn select(&self, action: &str, field: &str, value: &str) {
        let el = self.find(&format!("#act-{action} select[name={field}]")).await;
        el.select_by_value(value).await.unwrap_or_else(|e| panic!("select {value} in {action}/{field}: {e}"));
    }

    pub async fn radio(&self, action: &str, field: &str, value: &str) {
        let css = format!("#act-{action} input[type=radio][name={field}][value='{value}']");
        self.find(&css).await.click().await.unwrap_or_else(|e| panic!("choose {css}: {e}"));
    }

    /// Submits an action's form and waits for the page that answers.
    pub async fn submit_action(&self, action: &str) {
        self.click_and_wait(&format!("#do-{action}")).await;
    }

    /// `#status` of the case page.
    pub async fn status(&self) -> String {
        self.text("#status").await
    }

    /// The labels (`.what`) of the timeline, in order.
    pub async fn timeline(&self) -> Vec<String> {
        let v = self
            .js("return Array.from(document.querySelectorAll('#timeline li .what')).map(e => e.textContent.trim());")
            .await;
        v.as_array()
            .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_owned)).collect())
            .unwrap_or_default()
    }

    /// Draws a stroke on a canvas with pointer actions (down, moves, up).
    pub async fn draw_on(&self, css: &str) {
        let canvas = self.find(css).await;
        canvas.click().await.ok();
        let mut mouse = MouseActions::new("pen".to_owned())
            .then(PointerAction::MoveToElement { element: canvas.clone(), duration: None, x: -60.0, y: 0.0 })
            .then(PointerAction::Down { button: MOUSE_BUTTON_LEFT });
        for i in 1..=12 {
            let x = -60.0 + f64::from(i) * 10.0;
            let y = if i % 2 == 0 { -12.0 } else { 12.0 };
            mouse = mouse.then(PointerAction::MoveToElement {
                element: canvas.clone(),
                duration: Some(Duration::from_millis(10)),
                x,
                y,
            });
        }
        mouse = mouse.then(PointerAction::Up { button: MOUSE_BUTTON_LEFT });
        self.c.perform_actions(mouse).await.expect("draw on the canvas");
        self.c.release_actions().await.ok();
    }

    // -----------------------------------------------------------------------------------------
    // The keyboard alone.

    /// Types `text` into whatever has focus, as key presses (no element is addressed).
    pub async fn keys(&self, text: &str) {
        let mut k = KeyActions::new("keyboard".to_owned());
        for ch in text.chars() {
            k = k.then(KeyAction::Down { value: ch }).then(KeyAction::Up { value: ch });
        }
        self.c.perform_actions(k).await.unwrap_or_else(|e| panic!("type {text:?}: {e}"));
    }

    /// One special key (Tab, Enter, arrows).
    pub async fn key(&self, key: Key) {
        let ch: char = key.into();
        self.keys(&ch.to_string()).await;
    }

    /// Ctrl + Enter.
    pub async fn ctrl_enter(&self) {
        let ctrl: char = Key::Control.into();
        let enter: char = Key::Enter.into();
        let k = KeyActions::new("keyboard".to_owned())
            .then(KeyAction::Down { value: ctrl })
            .then(KeyAction::Down { value: enter })
            .then(KeyAction::Up { value: enter })
            .then(KeyAction::Up { value: ctrl });
        self.c.perform_actions(k).await.expect("Ctrl+Enter");
    }

    /// The id of the focused element.
    pub async fn focused_id(&self) -> String {
        self.js("return document.activeElement ? document.activeElement.id : '';")
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }
}

/// Chinese text (at least one CJK ideograph).
pub fn is_chinese(s: &str) -> bool {
    s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}
