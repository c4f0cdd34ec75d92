//! The JSON API v1 (SPEC §6) under `/api/v1`, and its OpenAPI document. Bearer tokens; errors
//! are `http::error::ApiError`.

pub mod actions;
pub mod auth;
pub mod cases;
pub mod dto;
pub mod ledger;
pub mod openapi;
pub mod units;

use axum::Router;
use axum::routing::{get, post};
use tower_http::limit::RequestBodyLimitLayer;

use crate::AppState;

/// The API's routes and middleware: JSON bodies up to `body_limit`, uploads up to `upload_limit`.
pub fn routes(body_limit: usize, upload_limit: usize) -> Router<AppState> {
    let uploads = Router::new()
        .route("/api/v1/cases/{number}/attachments", post(cases::attach))
        .layer(RequestBodyLimitLayer::new(upload_limit));
    Router::new()
        .route("/api/openapi.json", get(openapi::serve))
        .route("/api/v1/auth/token", post(auth::issue_token).delete(auth::revoke_token))
        .route("/api/v1/me", get(auth::me))
        .route("/api/v1/me/password", post(auth::change_password))
        .route("/api/v1/search", get(cases::search))
        .route("/api/v1/cases/{number}/attachments/{seq}", get(cases::attachment))
        .route("/api/v1/units", get(units::list))
        .route("/api/v1/cases", post(cases::create).get(cases::list))
        .route("/api/v1/cases/{number}", get(cases::get))
        .route("/api/v1/cases/{number}/events", get(cases::events))
        .route("/api/v1/cases/{number}/{action}", post(actions::act))
        .route("/api/v1/ledger.xlsx", get(ledger::xlsx))
        // The largest legitimate body is a drawn signature (≤ 200 KB as a data URL).
        .layer(RequestBodyLimitLayer::new(body_limit))
        .merge(uploads)
}
