use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::api::dto::MeDto;
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

/// Sign in: exchange username and password for a bearer token.
#[utoipa::path(post, path = "/api/v1/auth/token", tag = "auth", request_body = TokenRequest,
    responses((status = 200, body = TokenResponse), (status = 401, body = crate::http::error::ErrorBody),
              (status = 429, description = "账号已锁定", body = crate::http::error::ErrorBody)))]
pub async fn issue_token(
    State(s): State<AppState>,
    Body(req): Body<TokenRequest>,
) -> Result<Json<TokenResponse>, ApiError> {
    let grant = s.app.issue_token(&req.username, &req.password).await?;
    Ok(Json(TokenResponse { token: grant.token, expires_at: grant.expires_at }))
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
