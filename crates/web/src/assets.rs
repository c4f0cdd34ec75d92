//! Embedded static files (`/assets/…`) for every surface that renders HTML: no CDN, nothing
//! fetched at run time. Revalidated by ETag.

use std::sync::LazyLock;

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::AppState;

pub fn routes() -> Router<AppState> {
    Router::new().route("/assets/{file}", get(serve))
}

struct Asset {
    name: &'static str,
    mime: &'static str,
    body: &'static [u8],
}

const ASSETS: &[Asset] = &[
    Asset { name: "app.css", mime: "text/css; charset=utf-8", body: include_bytes!("../assets/app.css") },
    Asset {
        name: "app.js",
        mime: "text/javascript; charset=utf-8",
        body: include_bytes!("../assets/app.js"),
    },
    Asset { name: "favicon.svg", mime: "image/svg+xml", body: include_bytes!("../assets/favicon.svg") },
];

static ETAGS: LazyLock<Vec<String>> = LazyLock::new(|| {
    ASSETS
        .iter()
        .map(|a| {
            let d = Sha256::digest(a.body);
            format!("\"{}\"", d.iter().take(8).map(|b| format!("{b:02x}")).collect::<String>())
        })
        .collect()
});

pub async fn serve(Path(file): Path<String>, headers: HeaderMap) -> Response {
    let Some(i) = ASSETS.iter().position(|a| a.name == file) else {
        return (StatusCode::NOT_FOUND, "not found").into_response();
    };
    let etag = ETAGS[i].as_str();
    let cache = [(header::CACHE_CONTROL, "no-cache"), (header::ETAG, etag)];
    if headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()) == Some(etag) {
        return (StatusCode::NOT_MODIFIED, cache).into_response();
    }
    (cache, [(header::CONTENT_TYPE, ASSETS[i].mime)], ASSETS[i].body).into_response()
}
