//! SPEC §6 errors: `{"error": {"code": "...", "message": "中文说明", "field": "..."}}`.
//! 409 not allowed in this status, 403 role/unit, 422 bad input naming the field.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bancheng_app::AppError;
use bancheng_domain::DomainError;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code: invalid, forbidden, conflict, stale, not_found, unauthorized, locked, too_large, internal.
    pub code: &'static str,
    /// For people, in Chinese.
    pub message: String,
    /// For programs: the offending field on 422.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), field: None }
    }

    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ApiError {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid",
            message: message.into(),
            field: Some(field.into()),
        }
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::Invalid { field, message } => ApiError::invalid(field, message),
            DomainError::Forbidden { message } => Self::new(StatusCode::FORBIDDEN, "forbidden", message),
            DomainError::Conflict { message } => Self::new(StatusCode::CONFLICT, "conflict", message),
            DomainError::NotFound { message } => Self::new(StatusCode::NOT_FOUND, "not_found", message),
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Domain(d) => d.into(),
            AppError::Unauthorized(m) => Self::unauthorized(m),
            AppError::Locked(m) => Self::new(StatusCode::TOO_MANY_REQUESTS, "locked", m),
            e @ AppError::StaleCase => Self::new(StatusCode::CONFLICT, "stale", e.to_string()),
            AppError::Internal(detail) => {
                // The cause goes to the log, never to the client.
                tracing::error!(%detail, "internal error");
                Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "服务器内部错误，请稍后重试")
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body =
            ErrorBody { error: ErrorDetail { code: self.code, message: self.message, field: self.field } };
        (self.status, Json(body)).into_response()
    }
}

pub(crate) fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("handler panicked");
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "服务器内部错误，请稍后重试").into_response()
}
