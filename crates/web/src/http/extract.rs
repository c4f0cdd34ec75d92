//! Extractors and header helpers shared by the surfaces: the bearer token (or the pages'
//! session cookie) → the signed-in user, JSON bodies whose errors name the field, cookies, and
//! the host and scheme the client used.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use bancheng_app::User;
use bancheng_domain::Actor;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::http::error::ApiError;

/// The staff pages' session cookie: an API token (set by the sign-in page).
pub const SESSION_COOKIE: &str = "bc_session";

/// The signed-in staff member (`Authorization: Bearer TOKEN`, or the pages' session cookie on GET).
pub struct Auth {
    pub actor: Actor,
    pub user: User,
    pub token: String,
}

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // The staff pages' session cookie also works for reads (the ledger's Excel button). Writes
        // need the bearer header, so a cookie alone can never change anything through the API.
        if parts.headers.get(axum::http::header::AUTHORIZATION).is_none()
            && matches!(parts.method, axum::http::Method::GET | axum::http::Method::HEAD)
            && let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE)
        {
            let (actor, user) = state.app.authenticate(&token).await?;
            return Ok(Auth { actor, user, token });
        }
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| ApiError::unauthorized("请先登录（缺少 Authorization: Bearer 令牌）"))?;
        let token = header
            .strip_prefix("Bearer ")
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| ApiError::unauthorized("Authorization 应为 Bearer 令牌"))?;
        let (actor, user) = state.app.authenticate(token).await?;
        Ok(Auth { actor, user, token: token.to_owned() })
    }
}

/// A JSON body. An empty body reads as `{}`; a malformed one is a 422 naming the field.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "请求内容过大")
            } else {
                ApiError::invalid("body", "无法读取请求内容")
            }
        })?;
        parse_json(&bytes).map(Body)
    }
}

pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let bytes: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"{}" } else { bytes };
    serde_json::from_slice(bytes).map_err(|e| {
        let text = e.to_string();
        // serde names the field in backticks: "missing field `reply`", "unknown field `x`".
        let field = text.split('`').nth(1).filter(|f| !f.contains(' ')).unwrap_or("body").to_owned();
        let message = if text.starts_with("missing field") {
            format!("缺少必填项：{field}")
        } else if text.starts_with("unknown field") {
            format!("不认识的字段：{field}")
        } else if e.is_syntax() || e.is_eof() {
            "请求内容不是有效的JSON".to_owned()
        } else {
            format!("字段格式不正确：{text}")
        };
        ApiError::invalid(field, message)
    })
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

/// A file sent as `multipart/form-data`: the first field `file`, and the `_csrf` field the
/// staff pages' forms carry (empty from the API).
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
    pub csrf: String,
}

/// Reads an upload: 413 when it is over the body limit, 422 naming `file` when it is unreadable
/// or has no file.
pub async fn upload(mut form: axum::extract::Multipart) -> Result<Upload, ApiError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", "文件过大")
        } else {
            ApiError::invalid("file", "无法读取上传的文件")
        }
    };
    let (mut csrf, mut file) = (String::new(), None);
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("_csrf") => csrf = field.text().await.map_err(unreadable)?,
            Some("file") if file.is_none() => {
                let name = field.file_name().unwrap_or("附件").to_owned();
                file = Some((name, field.bytes().await.map_err(unreadable)?.to_vec()));
            }
            _ => {}
        }
    }
    let (name, bytes) = file.ok_or_else(|| ApiError::invalid("file", "请选择要上传的文件"))?;
    Ok(Upload { name, bytes, csrf })
}
