//! Rendering: the page frame's data, refused forms shown again, templates to responses, and
//! errors as a page.

use std::collections::HashMap;

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use bancheng_app::AppError;

use super::extract::StaffForm;
use crate::http::error::ApiError;
use crate::http::request_id;

/// The page frame's data (templates/base.html).
#[derive(Debug, Clone)]
pub struct Nav {
    pub name: String,
    pub username: String,
    pub role: &'static str,
    pub role_code: &'static str,
    pub unit: String,
    pub csrf: String,
    pub section: &'static str,
    pub can_intake: bool,
    pub can_read_cases: bool,
    pub is_admin: bool,
    /// The header search's text (the search page shows what was searched).
    pub q: String,
}

/// A form's values and per-field messages, for pages that show a refused form again with the
/// input kept and the offending field marked.
#[derive(Debug, Clone, Default)]
pub struct FormState {
    pub values: HashMap<String, String>,
    pub errors: HashMap<String, String>,
}

impl FormState {
    pub fn with(defaults: &[(&str, &str)]) -> Self {
        let values = defaults.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        FormState { values, errors: HashMap::new() }
    }
    /// The submitted values (without `_csrf`) and the refusal's message at `field`.
    pub fn refused(form: &StaffForm, field: &str, message: &str) -> Self {
        let mut errors = HashMap::new();
        errors.insert(field.to_owned(), message.to_owned());
        FormState { values: form.values(), errors }
    }
    pub fn v(&self, name: &str) -> &str {
        self.values.get(name).map(String::as_str).unwrap_or("")
    }
    pub fn err(&self, name: &str) -> &str {
        self.errors.get(name).map(String::as_str).unwrap_or("")
    }
    pub fn bad(&self, name: &str) -> bool {
        self.errors.contains_key(name)
    }
    pub fn is(&self, name: &str, value: &str) -> bool {
        self.v(name) == value
    }
}

pub fn render<T: Template>(t: &T) -> Response {
    render_with(StatusCode::OK, t)
}

pub fn render_with<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (
            status,
            [(header::CACHE_CONTROL, "no-store"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")],
            Html(html),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template");
            (StatusCode::INTERNAL_SERVER_ERROR, "页面生成失败").into_response()
        }
    }
}

/// An error shown as a page.
#[derive(Debug)]
pub struct UiError {
    pub status: StatusCode,
    pub message: String,
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    status: u16,
    message: &'a str,
    /// Shown as 请求编号, so that a screenshot of the page leads to the log line.
    request_id: String,
}

impl UiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        UiError { status, message: message.into() }
    }
}

impl From<ApiError> for UiError {
    fn from(e: ApiError) -> Self {
        UiError { status: e.status, message: e.message }
    }
}

impl From<AppError> for UiError {
    fn from(e: AppError) -> Self {
        ApiError::from(e).into()
    }
}

impl From<bancheng_domain::DomainError> for UiError {
    fn from(e: bancheng_domain::DomainError) -> Self {
        ApiError::from(e).into()
    }
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            status: self.status.as_u16(),
            message: &self.message,
            request_id: request_id::current().unwrap_or_default(),
        };
        render_with(self.status, &page)
    }
}

pub type UiResult = Result<Response, UiError>;
