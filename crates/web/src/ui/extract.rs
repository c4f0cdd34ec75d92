//! The signed-in staff member of a page (the session cookie), and CSRF-checked form posts.

use std::collections::HashMap;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};
use bancheng_app::{AppError, User};
use bancheng_domain::{Actor, Role};

use super::csrf::csrf_token;
use super::render::{Nav, UiError};
use super::view::url_encode;
use crate::AppState;
use crate::http::extract::{SESSION_COOKIE, cookie_value};

/// From the session cookie; pages redirect to the sign-in page without one.
pub struct Staff {
    pub actor: Actor,
    pub user: User,
    pub token: String,
}

impl Staff {
    pub fn csrf(&self) -> String {
        csrf_token(&self.token)
    }

    /// The frame every page shares: who is signed in and what they may open.
    pub fn nav(&self, section: &'static str) -> Nav {
        let role = self.actor.role;
        Nav {
            name: self.user.name().to_owned(),
            username: self.user.username.clone(),
            role: role.label(),
            role_code: role.code(),
            unit: self.actor.unit.clone(),
            csrf: self.csrf(),
            section,
            can_intake: bancheng_domain::case::may_register(role),
            can_read_cases: bancheng_domain::case::may_read_cases(role),
            is_admin: role == Role::Admin,
            q: String::new(),
        }
    }
}

impl FromRequestParts<AppState> for Staff {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = |expired: bool| {
            let next = super::session::safe_next(parts.uri.path_and_query().map(|p| p.as_str()));
            let flag = if expired { "&expired=1" } else { "" };
            Redirect::to(&format!("/login?next={}{flag}", url_encode(&next))).into_response()
        };
        let Some(token) = cookie_value(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login(false));
        };
        match state.app.authenticate(&token).await {
            // A password an admin set is changed before anything else (signing out aside).
            Ok((_, user))
                if user.must_change_password
                    && !matches!(parts.uri.path(), "/account/password" | "/logout") =>
            {
                Err(Redirect::to("/account/password").into_response())
            }
            Ok((actor, user)) => Ok(Staff { actor, user, token }),
            // Expired (12 h), revoked, or the account was disabled.
            Err(AppError::Unauthorized(_)) => Err(to_login(true)),
            Err(e) => Err(UiError::from(e).into_response()),
        }
    }
}

/// A form POST from a signed-in user, CSRF-checked. Fields keep their order and repeats.
pub struct StaffForm {
    pub staff: Staff,
    pub fields: Vec<(String, String)>,
}

impl StaffForm {
    pub fn get(&self, name: &str) -> &str {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or("")
    }

    pub fn opt(&self, name: &str) -> Option<String> {
        Some(self.get(name).trim().to_owned()).filter(|s| !s.is_empty())
    }

    pub fn values(&self) -> HashMap<String, String> {
        self.fields.iter().filter(|(k, _)| k != "_csrf").cloned().collect()
    }
}

impl FromRequest<AppState> for StaffForm {
    type Rejection = Response;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = req.into_parts();
        let staff = Staff::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let axum::Form(fields) = axum::Form::<Vec<(String, String)>>::from_request(req, state)
            .await
            .map_err(|_| UiError::new(StatusCode::BAD_REQUEST, "表单内容无法读取").into_response())?;
        let sent = fields.iter().find(|(k, _)| k == "_csrf").map(|(_, v)| v.as_str());
        if sent != Some(staff.csrf().as_str()) {
            return Err(UiError::new(
                StatusCode::FORBIDDEN,
                "页面已过期或来源不明（CSRF校验失败），请刷新页面后重试",
            )
            .into_response());
        }
        Ok(StaffForm { staff, fields })
    }
}
