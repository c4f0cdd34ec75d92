//! `POST /api/v1/cases/{number}/{action}` (SPEC §6). The bodies and their parser are shared
//! with the case page: [`crate::http::action`].

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};

use crate::AppState;
use crate::api::dto::CaseDto;
use crate::http::action::parse_command;
use crate::http::error::ApiError;
use crate::http::extract::Auth;

/// Every case action; documented one path per action in the OpenAPI document.
pub async fn act(
    State(s): State<AppState>,
    auth: Auth,
    Path((number, action)): Path<(String, String)>,
    body: Bytes,
) -> Result<Json<CaseDto>, ApiError> {
    let cmd = parse_command(&action, &body)?;
    let view = s.app.act(&auth.actor, &number, &cmd).await?;
    Ok(Json(CaseDto::from(&view)))
}
