//! Open311 (GeoReport v2) for the county's other intake channels (hotline, online portal):
//! service list, request submission and status, each mapped onto the same `App` use cases as
//! the JSON API, with its own keys and rate limits. Not implemented yet: the router is empty.

use axum::Router;

use crate::AppState;

/// The Open311 routes and middleware (none yet).
pub fn routes() -> Router<AppState> {
    Router::new()
}
