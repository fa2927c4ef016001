//! Reference data for devices, incrementally: what changed since the device's cursor.

use crate::AppState;
use crate::auth::DeviceAuth;
use crate::error::{ApiError, ApiResult};
use axum::Json;
use axum::extract::{Query, State};
use patrol_model::v1::{self, ReferenceChanges};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct CursorQuery {
    #[serde(default)]
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/reference", tag = "device", params(("cursor" = Option<String>, Query)), security(("device" = [])), responses((status = 200, body = v1::ReferenceChanges), (status = 404, description = "no city yet", body = v1::ErrorBody), (status = 400, description = "bad input", body = v1::ErrorBody), (status = 401, description = "no or wrong credentials", body = v1::ErrorBody), (status = 403, description = "revoked device or not its own ledger", body = v1::ErrorBody)))]
pub async fn changes(
    State(state): State<AppState>,
    _auth: DeviceAuth,
    Query(q): Query<CursorQuery>,
) -> ApiResult<Json<ReferenceChanges>> {
    let cursor = match q.cursor.as_deref() {
        None | Some("") => 0,
        Some(c) => c.parse().map_err(|_| {
            ApiError::bad("bad_cursor", format!("cursor `{c}` is not one HQ gave out"))
        })?,
    };
    let changes = state.storage.reference_since(cursor).await?;
    changes.map(Json).ok_or_else(|| {
        ApiError::NotFound("HQ has no city yet; run `patrol-hq city import FILE`".into())
    })
}
