//! The staff web UI (issue 3): server-rendered pages in Simplified Chinese. Every handler calls
//! the same `App` functions as the JSON API; no rule lives here.
//!
//! Sign-in sets an HttpOnly, SameSite=Strict cookie holding an API token (the same tokens, expiry,
//! lockout and revocation as `POST /api/v1/auth/token`). Every form POST is checked twice for
//! CSRF (see `csrf`).
//!
//! One module per page group (`home`, `intake`, `case`, `ledger`, `session`, `admin/…`); the
//! extractors (`extract`), rendering and the error page (`render`) and display helpers (`view`)
//! are shared by them.

mod admin;
mod case;
mod csrf;
mod extract;
mod home;
mod intake;
mod ledger;
mod render;
mod search;
mod session;
mod view;

use axum::Router;
use axum::middleware;
use axum::routing::{get, post};
use tower_http::limit::RequestBodyLimitLayer;

use crate::AppState;

/// The staff pages' routes and middleware: forms up to `body_limit`, uploads up to `upload_limit`.
pub fn routes(body_limit: usize, upload_limit: usize) -> Router<AppState> {
    let uploads = Router::new()
        .route("/cases/{number}/attachments", post(case::attach))
        .layer(RequestBodyLimitLayer::new(upload_limit));
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(session::login_page).post(session::login))
        .route("/logout", post(session::logout))
        .route("/account/password", get(session::password_page).post(session::change_password))
        .route("/intake", get(intake::page).post(intake::submit))
        .route("/ui/check", get(intake::check))
        .route("/cases/{number}", get(case::page))
        .route("/cases/{number}/print", get(case::print))
        .route("/cases/{number}/qr.svg", get(case::qr))
        .route("/cases/{number}/act/{action}", post(case::act))
        .route("/cases/{number}/attachments/{seq}", get(case::attachment))
        .route("/bulk/{action}", post(home::bulk))
        .route("/search", get(search::search))
        .route("/ledger", get(ledger::page))
        .route("/ledger/print", get(ledger::print))
        .route("/ledger/columns", post(ledger::save_columns))
        .route("/ledger/filters", post(ledger::save_filter))
        .merge(admin::routes())
        // The largest legitimate form is the confirmation with a drawn signature (≤ 200 KB).
        .layer(RequestBodyLimitLayer::new(body_limit))
        .merge(uploads)
        .layer(middleware::from_fn(csrf::same_origin_posts))
}
