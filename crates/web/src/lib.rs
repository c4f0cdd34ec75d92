//! bancheng-web: the HTTP adapter. Handlers extract and validate the request shape, call one
//! `bancheng_app::App` function, and render JSON. No rule lives here.

mod api;
mod error;
mod extract;
mod openapi;
mod ui;

pub use error::ApiError;
pub use openapi::openapi;

use axum::Router;
use axum::routing::{get, post};
use bancheng_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub limits: Limits,
}

/// Request limits (`bancheng.toml` `[limits]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body. The largest legitimate one is a drawn signature (≤ 200 KB as a
    /// data URL).
    pub body_bytes: usize,
    /// Rows per `ledger.xlsx` (422 above it).
    pub export_max_rows: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { body_bytes: 1024 * 1024, export_max_rows: api::ledger::MAX_ROWS }
    }
}

/// The whole HTTP interface (SPEC §6) with the default [`Limits`]. Used by the tests.
pub fn router(app: App) -> Router {
    router_with(app, Limits::default())
}

/// The whole HTTP interface (SPEC §6). Used by `serve`.
pub fn router_with(app: App, limits: Limits) -> Router {
    let state = AppState { app, limits };
    Router::new()
        .merge(ui::routes())
        .route("/healthz", get(|| async { "ok" }))
        .route("/api/openapi.json", get(openapi::serve))
        .route("/api/v1/auth/token", post(api::auth::issue_token).delete(api::auth::revoke_token))
        .route("/api/v1/me", get(api::auth::me))
        .route("/api/v1/units", get(api::units::list))
        .route("/api/v1/cases", post(api::cases::create).get(api::cases::list))
        .route("/api/v1/cases/{number}", get(api::cases::get))
        .route("/api/v1/cases/{number}/events", get(api::cases::events))
        .route("/api/v1/cases/{number}/{action}", post(api::actions::act))
        .route("/api/v1/ledger.xlsx", get(api::ledger::xlsx))
        .fallback(api::not_found)
        .layer(RequestBodyLimitLayer::new(limits.body_bytes))
        .layer(CatchPanicLayer::custom(error::panic_response))
        .with_state(state)
}
