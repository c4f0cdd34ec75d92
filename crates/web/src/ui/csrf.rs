//! CSRF, checked twice for every form POST: the browser's `Sec-Fetch-Site`/`Origin` must be this
//! site ([`same_origin_posts`], the pages' middleware), and the form must carry the `_csrf` value
//! derived from the session ([`csrf_token`], checked by `StaffForm`).

use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use super::render::UiError;
use crate::http::extract::host;

/// The session's CSRF value: derived from the session secret, so it needs no storage and dies
/// with the session.
pub fn csrf_token(session: &str) -> String {
    let d = Sha256::digest(format!("bancheng-csrf\0{session}").as_bytes());
    d.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// First CSRF layer: a state-changing request must come from this site's own pages.
pub async fn same_origin_posts(req: Request, next: Next) -> Response {
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
