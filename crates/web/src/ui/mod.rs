//! The staff web UI (issue 3): server-rendered pages in Simplified Chinese. Every handler calls
//! the same `App` functions as the JSON API; no rule lives here. Assets are embedded.
//!
//! Sign-in sets an HttpOnly, SameSite=Strict cookie holding an API token (the same tokens, expiry,
//! lockout and revocation as `POST /api/v1/auth/token`). Every form POST is checked twice for
//! CSRF: the browser's `Sec-Fetch-Site`/`Origin` must be this site, and the form must carry the
//! `_csrf` value derived from the session (see `csrf_token`).

mod admin;
mod assets;
mod case;
mod home;
mod intake;
mod ledger;
mod session;

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use bancheng_app::AppError;
use bancheng_domain::{Actor, Role};
use bancheng_store::model::UserRow;
use chrono::{DateTime, FixedOffset, Utc};
use sha2::{Digest, Sha256};

use crate::{ApiError, AppState};

pub(crate) use session::SESSION_COOKIE;

/// The routes of the staff pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/account/password", get(session::password_page).post(session::change_password))
        .route("/assets/{file}", get(assets::serve))
        .route("/intake", get(intake::page).post(intake::submit))
        .route("/ui/check", get(intake::check))
        .route("/cases/{number}", get(case::page))
        .route("/cases/{number}/print", get(case::print))
        .route("/cases/{number}/qr.svg", get(case::qr))
        .route("/cases/{number}/act/{action}", post(case::act))
        .route("/ledger", get(ledger::page))
        .route("/ledger/print", get(ledger::print))
        .merge(admin::routes())
        .layer(middleware::from_fn(same_origin_posts))
}

// ---------------------------------------------------------------------------------------------
// The signed-in staff member.

/// From the session cookie; pages redirect to the sign-in page without one.
pub struct Staff {
    pub actor: Actor,
    pub user: UserRow,
    pub token: String,
}

impl Staff {
    pub fn csrf(&self) -> String {
        csrf_token(&self.token)
    }

    /// The frame every page shares: who is signed in and what they may open.
    pub fn nav(&self, section: &'static str) -> Nav {
        let role = self.actor.role;
        Nav {
            name: if self.user.display_name.is_empty() {
                self.user.username.clone()
            } else {
                self.user.display_name.clone()
            },
            username: self.user.username.clone(),
            role: role.label(),
            role_code: role.code(),
            unit: self.actor.unit.clone(),
            csrf: self.csrf(),
            section,
            can_intake: matches!(role, Role::Window | Role::Office),
            can_read_cases: !matches!(role, Role::Admin | Role::Public | Role::System),
            is_admin: role == Role::Admin,
        }
    }
}

/// The session's CSRF value: derived from the session secret, so it needs no storage and dies
/// with the session.
pub fn csrf_token(session: &str) -> String {
    let d = Sha256::digest(format!("bancheng-csrf\0{session}").as_bytes());
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty())
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = |expired: bool| {
            let next = parts.uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
            let next = if next.starts_with('/') && !next.starts_with("//") { next } else { "/" };
            let flag = if expired { "&expired=1" } else { "" };
            Redirect::to(&format!("/login?next={}{flag}", url_encode(next))).into_response()
        };
        let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login(false));
        };
        match state.app.authenticate(&token).await {
            Ok((actor, user)) => Ok(Staff { actor, user, token }),
            // Expired (12 h), revoked, or the account was disabled.
            Err(AppError::Unauthorized(_)) => Err(to_login(true)),
            Err(e) => Err(UiError::from(e).into_response()),
        }
    }
}

/// A form POST from a signed-in user, CSRF-checked. Fields keep their order and repeats.
pub struct StaffForm {
    pub staff: Staff,
    pub fields: Vec<(String, String)>,
}

impl StaffForm {
    pub fn get(&self, name: &str) -> &str {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn opt(&self, name: &str) -> Option<String> {
        Some(self.get(name).trim().to_owned()).filter(|s| !s.is_empty())
    }

    pub fn values(&self) -> HashMap<String, String> {
        self.fields.iter().filter(|(k, _)| k != "_csrf").cloned().collect()
    }
}

impl FromRequest<AppState> for StaffForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let staff = Staff::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let axum::Form(fields) = axum::Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map_err(|_| UiError::new(StatusCode::BAD_REQUEST, "表单内容无法读取").into_response())?;
        let sent = fields.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str());
        if sent != Some(staff.csrf().as_str()) {
            return Err(UiError::new(
                StatusCode::FORBIDDEN,
                "页面已过期或来源不明（CSRF校验失败），请刷新页面后重试",
            )
            .into_response());
        }
        Ok(StaffForm { staff, fields })
    }
}

/// First CSRF layer: a state-changing request must come from this site's own pages.
async fn same_origin_posts(req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        let h = req.headers();
        let site = h.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        let cross = match site {
            Some(s) => !matches!(s, "same-origin" | "none"),
            None => match (h.get(header::ORIGIN).and_then(|v| v.to_str().ok()), host(h)) {
                (Some(origin), Some(host)) => {
                    origin.split_once("://").map(|(_, rest)| rest) != Some(host.as_str())
                }
                _ => false,
            },
        };
        if cross {
            tracing::warn!(?site, "cross-site form post refused");
            return UiError::new(StatusCode::FORBIDDEN, "拒绝来自其他网站的提交").into_response();
        }
    }
    next.run(req).await
}

pub fn host(h: &HeaderMap) -> Option<String> {
    h.get(header::HOST).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// `https` behind a TLS-terminating proxy that says so, else `http`.
pub fn scheme(h: &HeaderMap) -> &'static str {
    match h.get("x-forwarded-proto").and_then(|v| v.to_str().ok()) {
        Some("https") => "https",
        _ => "http",
    }
}

pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Rendering.

/// The page frame's data (templates/base.html).
#[derive(Debug, Clone)]
pub struct Nav {
    pub name: String,
    pub username: String,
    pub role: &'static str,
    pub role_code: &'static str,
    pub unit: String,
    pub csrf: String,
    pub section: &'static str,
    pub can_intake: bool,
    pub can_read_cases: bool,
    pub is_admin: bool,
}

/// A form's values and per-field messages, for pages that show a refused form again with the
/// input kept and the offending field marked.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub errors: HashMap<String, String>,
}

impl FormState {
    pub fn with(defaults: &[(&str, &str)]) -> Self {
        let values = defaults.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        FormState { values, errors: HashMap::new() }
    }
    /// The submitted values (without `_csrf`) and the refusal's message at `field`.
    pub fn refused(form: &StaffForm, field: &str, message: &str) -> Self {
        let mut errors = HashMap::new();
        errors.insert(field.to_owned(), message.to_owned());
        FormState { values: form.values(), errors }
    }
    pub fn v(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }
    pub fn err(&self, name: &str) -> &str {
        self.errors.get(name).map(String::as_str).unwrap_or("")
    }
    pub fn bad(&self, name: &str) -> bool {
        self.errors.contains_key(name)
    }
    pub fn is(&self, name: &str, value: &str) -> bool {
        self.v(name) == value
    }
}

pub fn render<T: Template>(t: &T) -> Response {
    render_with(StatusCode::OK, t)
}

pub fn render_with<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (
            status,
            [(header::CACHE_CONTROL, "no-store"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
            Html(html),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面生成失败").into_response()
        }
    }
}

/// An error shown as a page.
#[derive(Debug)]
pub struct UiError {
    pub status: StatusCode,
    pub message: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
}

impl UiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        UiError { status, message: message.into() }
    }
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        UiError { status: e.status, message: e.message }
    }
}

impl From<AppError> for UiError {
    fn from(e: AppError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<bancheng_domain::DomainError> for UiError {
    fn from(e: bancheng_domain::DomainError) -> Self {
        ApiError::from(e).into()
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        render_with(self.status, &ErrorPage { status: self.status.as_u16(), message: &self.message })
    }
}

pub type UiResult = Result<Response, UiError>;

// ---------------------------------------------------------------------------------------------
// Display helpers shared by the templates.

fn shanghai() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8")
}

/// `2026-11-27 09:05` in Asia/Shanghai.
pub fn local_time(t: &DateTime<Utc>) -> String {
    t.with_timezone(&shanghai()).format("%Y-%m-%d %H:%M").to_string()
}

/// Unit names by code, read once per page (unit codes are unique across centers).
pub struct UnitNames(HashMap<String, String>);

impl UnitNames {
    pub fn of(state: &AppState) -> Self {
        UnitNames(state.app.units().into_iter().map(|u| (u.code, u.name)).collect())
    }

    /// A unit's name (the code itself if unknown).
    pub fn name(&self, code: &str) -> String {
        self.0.get(code).cloned().unwrap_or_else(|| code.to_owned())
    }
}

/// Units a case can be dispatched to or filtered by: every unit of the center but the center
/// itself, as (code, name) in tree order.
pub fn responsible_units(state: &AppState, center: &str) -> Vec<(String, String)> {
    state
        .app
        .units()
        .into_iter()
        .filter(|u| u.center == center && u.kind != "center")
        .map(|u| (u.code, u.name))
        .collect()
}

/// "剩3个工作日" / "今日到期" / "超期2个工作日".
pub fn days_text(left: i64) -> String {
    match left {
        0 => "今日到期".to_owned(),
        n if n > 0 => format!("剩{n}个工作日"),
        n => format!("超期{}个工作日", -n),
    }
}
