//! The public pages, for applicants without an account. What comes here: the progress page
//! `/p/{number}` that the QR code on the 登记表 opens (SPEC §5), with its own middleware (rate
//! limits per client, no session, nothing personal beyond what the applicant may see).
//! Not implemented yet: the router is empty.

use axum::Router;

use crate::AppState;

/// The public pages' routes and middleware (none yet).
pub fn routes() -> Router<AppState> {
    Router::new()
}
