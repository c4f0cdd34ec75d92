//! bancheng-web: the HTTP adapter. Handlers extract and validate the request shape, call one
//! `bancheng_app::App` function, and render JSON or a page. No rule lives here.
//!
//! One module per surface, each with its own router and middleware: `api` (JSON v1 and the
//! OpenAPI document), `ui` (the staff pages), `assets`, and room for `public` and `open311`.
//! They share `http` (errors, extractors, request ids, the action parser, the list query) and
//! never import each other.

mod api;
mod assets;
mod http;
mod open311;
mod public;
mod ui;

pub use api::openapi::openapi;
pub use http::error::ApiError;

use axum::Router;
use axum::middleware;
use axum::routing::get;
use bancheng_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::trace::TraceLayer;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
}

/// The largest request body a surface accepts: a drawn signature is ≤ 200 KB as a data URL.
pub(crate) const BODY_LIMIT: usize = 1024 * 1024;

/// The whole HTTP interface (SPEC §6). Used by `serve` and by the tests alike.
///
/// Around every surface, outermost first: the request id (`X-Request-Id` on every response),
/// the `request` span, and the panic guard (a JSON 500).
pub fn router(app: App) -> Router {
    let state = AppState { app };
    Router::new()
        .merge(api::routes())
        .merge(ui::routes())
        .merge(assets::routes())
        .merge(public::routes())
        .merge(open311::routes())
        .route("/healthz", get(|| async { "ok" }))
        .fallback(http::error::not_found)
        .layer(CatchPanicLayer::custom(http::error::panic_response))
        // 500s are logged where they are made, once, with their cause chain: not here again.
        .layer(TraceLayer::new_for_http().make_span_with(http::request_id::RequestSpan).on_failure(()))
        .layer(middleware::from_fn(http::request_id::middleware))
        .with_state(state)
}
