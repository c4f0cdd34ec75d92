use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::dto::MeDto;
use crate::http::client::ClientAddr;
use crate::http::error::ApiError;
use crate::http::extract::{Auth, Body};

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    pub token: String,
    pub expires_at: chrono::DateTime<chrono::Utc>,
}

/// Sign in: exchange username and password for a bearer token. Every failure answers the same
/// 401; 5 attempts on one account from one address lock it from that address for 15 minutes,
/// too many failures from one address pause the address (both 429).
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = crate::http::error::ErrorBody),
              (status = 429, description = "登录已锁定", body = crate::http::error::ErrorBody)))]
pub async fn issue_token(
    State(s): State<AppState>,
    addr: ClientAddr,
    Body(req): Body<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let grant = s.app.issue_token(&req.username, &req.password, addr.as_str()).await?;
    Ok(Json(TokenResponse { token: grant.token, expires_at: grant.expires_at }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub old: String,
    /// At least 10 characters, not the username, not a common password.
    pub new: String,
}

/// Change one's own password: every other session and token of the user ends; this token stays.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth", security(("bearer" = [])), request_body = PasswordChange,
    responses((status = 204), (status = 401, body = crate::http::error::ErrorBody),
              (status = 422, body = crate::http::error::ErrorBody), (status = 429, body = crate::http::error::ErrorBody)))]
pub async fn change_password(
    State(s): State<AppState>,
    auth: Auth,
    addr: ClientAddr,
    Body(req): Body<PasswordChange>,
) -> Result<StatusCode, ApiError> {
    s.app.change_password(auth.user.id, &req.old, &req.new, Some(&auth.token), addr.as_str()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sign out: revoke the token used for this request.
#[utoipa::path(delete, path = "/api/v1/auth/token", tag = "auth", security(("bearer" = [])),
    responses((status = 204), (status = 401, body = crate::http::error::ErrorBody)))]
pub async fn revoke_token(State(s): State<AppState>, auth: Auth) -> Result<StatusCode, ApiError> {
    s.app.revoke_token(&auth.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "auth", security(("bearer" = [])),
    responses((status = 200, body = MeDto), (status = 401, body = crate::http::error::ErrorBody)))]
pub async fn me(auth: Auth) -> Json<MeDto> {
    Json(MeDto::from(&auth.user))
}
