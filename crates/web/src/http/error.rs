//! SPEC §6 errors: `{"error": {"code": "...", "message": "中文说明", "field": "...", "request_id": "..."}}`.
//! 409 not allowed in this status, 403 role/unit, 422 bad input naming the field. Shared by every
//! surface: the pages turn an [`ApiError`] into their error page (`ui::UiError`).
//!
//! A 500 is logged here, once, with its whole cause chain and the request id; the client gets
//! a generic message and the request id only.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bancheng_app::{AppError, error_chain};
use bancheng_domain::DomainError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::request_id;

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine code: invalid, idempotency_mismatch, forbidden, conflict, stale, not_found, unauthorized,
    /// locked, too_large, internal.
    pub code: &'static str,
    /// For people, in Chinese.
    pub message: String,
    /// For programs: the offending field on 422.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// The request's id, also in the `X-Request-Id` response header and in the server's log.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub field: Option<String>,
}

/// What the client sees of a 500.
pub const INTERNAL_MESSAGE: &str = "服务器内部错误，请稍后重试";

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

    pub fn internal() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", INTERNAL_MESSAGE)
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
            e @ AppError::IdempotencyMismatch { .. } => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                code: "idempotency_mismatch",
                message: e.to_string(),
                field: Some("Idempotency-Key".into()),
            },
            e @ (AppError::Internal(_) | AppError::Failed { .. }) => {
                log_internal(&e);
                Self::internal()
            }
        }
    }
}

/// The one log line of a 500: the request id and the error with every cause.
pub fn log_internal(e: &(dyn std::error::Error + 'static)) {
    let request_id = request_id::current().unwrap_or_default();
    tracing::error!(%request_id, error = %error_chain(e), "internal error");
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
                field: self.field,
                request_id: request_id::current(),
            },
        };
        (self.status, Json(body)).into_response()
    }
}

pub(crate) fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let request_id = request_id::current().unwrap_or_default();
    tracing::error!(%request_id, "handler panicked");
    ApiError::internal().into_response()
}

/// Every unknown address, on every surface.
pub async fn not_found() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "not_found", "没有这个地址")
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::http::request_id::{CURRENT, RequestId};

    #[derive(Debug, thiserror::Error)]
    #[error("reading the case row")]
    struct Outer(#[source] std::io::Error);

    /// A log sink for one test.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("log").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_500_is_logged_once_with_its_cause_chain_and_answered_with_the_request_id_only() {
        let log = Captured::default();
        let sink = log.clone();
        let subscriber =
            tracing_subscriber::fmt().with_writer(move || sink.clone()).with_ansi(false).finish();
        let _guard = tracing::subscriber::set_default(subscriber);

        let e = AppError::failed("loading case 2026000001", Outer(std::io::Error::other("disk I/O error")));
        let resp =
            CURRENT.scope(RequestId("rid-42".into()), async { ApiError::from(e).into_response() }).await;
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 16).await.expect("body");
        let body: serde_json::Value = serde_json::from_slice(&body).expect("json");
        assert_eq!(
            body,
            serde_json::json!({"error": {"code": "internal", "message": INTERNAL_MESSAGE, "request_id": "rid-42"}})
        );

        let text = String::from_utf8(log.0.lock().expect("log").clone()).expect("utf-8");
        let lines: Vec<&str> = text.lines().filter(|l| l.contains("internal error")).collect();
        assert_eq!(lines.len(), 1, "logged once: {text}");
        assert!(lines[0].contains("rid-42"), "{text}");
        assert!(
            lines[0].contains("loading case 2026000001: reading the case row: disk I/O error"),
            "the whole chain: {text}"
        );
    }

    #[test]
    fn outside_a_request_an_error_body_has_no_request_id() {
        let resp = ApiError::invalid("phone", "联系电话格式不正确").into_response();
        assert_eq!(resp.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}
