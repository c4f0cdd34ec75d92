pub mod actions;
pub mod auth;
pub mod cases;
pub mod dto;
pub mod ledger;
pub mod units;

use axum::http::StatusCode;

use crate::ApiError;

pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "没有这个地址")
}
