use axum::Json;
use axum::extract::State;

use crate::AppState;
use crate::api::dto::UnitDto;
use crate::http::error::ApiError;
use crate::http::extract::Auth;

/// The units of the signed-in user's center (the tree, parents first).
#[utoipa::path(get, path = "/api/v1/units", tag = "units", security(("bearer" = [])),
    responses((status = 200, body = Vec<UnitDto>), (status = 401, body = crate::http::error::ErrorBody)))]
pub async fn list(State(s): State<AppState>, auth: Auth) -> Result<Json<Vec<UnitDto>>, ApiError> {
    let units =
        s.app.units().into_iter().filter(|u| u.center == auth.actor.center).map(UnitDto::from).collect();
    Ok(Json(units))
}
