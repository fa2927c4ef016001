//! Dispatch over HTTP: the operator's board, ranking, sending, reassigning and closing
//! (`/api/v1/dispatches…`), and each unit's inbox (`/api/v1/devices/{id}/inbox`). Each handler
//! is one call into [`crate::service::dispatch`]. Viewers read the board and the ranking; only
//! admins send units anywhere (403 `admins_only`).

use super::ApiJson;
use super::device::own;
use super::json::ApiQuery;
use super::operator::{DateQuery, span};
use crate::AppState;
use crate::auth::{DeviceAuth, OperatorAuth};
use crate::error::{ApiError, ApiResult};
use crate::projections::dispatch::{DispatchView, Recommendation};
use crate::service::dispatch::{self as svc, Board, NewDispatch};
use axum::Json;
use axum::extract::{Path, State};
use patrol_model::dispatch::{InboxAck, InboxPage};
use patrol_model::v1;
use patrol_model::{DeviceId, DispatchId, LatLon};
use serde::Deserialize;

fn dispatch_id(s: &str) -> ApiResult<DispatchId> {
    s.parse()
        .map_err(|_| ApiError::bad("bad_dispatch_id", format!("`{s}` is not a dispatch id")))
}

#[utoipa::path(get, path = "/api/v1/dispatches", tag = "dispatch", params(("date" = Option<String>, Query, description = "YYYY-MM-DD, local day of the city (default today)")), security(("operator" = [])), responses((status = 200, description = "the day's calls, the ones still open, and the day's 1-3-5 figures", body = Board), (status = 400, description = "bad day", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn board(
    State(state): State<AppState>,
    _op: OperatorAuth,
    ApiQuery(q): ApiQuery<DateQuery>,
) -> ApiResult<Json<Board>> {
    let (_, tz, from, to, start, end) = span(&state, &q).await?;
    if from != to {
        return Err(ApiError::bad(
            "bad_date",
            "the board shows one day: give `date`",
        ));
    }
    Ok(Json(svc::board(&state, from, tz, (start, end)).await?))
}

#[utoipa::path(post, path = "/api/v1/dispatches", tag = "dispatch", request_body = NewDispatch, security(("operator" = [])), responses((status = 200, body = DispatchView), (status = 400, description = "bad dispatch", body = v1::ErrorBody), (status = 404, description = "unknown report or unit", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices and viewers may not dispatch", body = v1::ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    op: OperatorAuth,
    ApiJson(req): ApiJson<NewDispatch>,
) -> ApiResult<Json<DispatchView>> {
    op.0.require_admin()?;
    Ok(Json(svc::create(&state, &op.0, req).await?))
}

#[utoipa::path(get, path = "/api/v1/dispatches/{id}", tag = "dispatch", params(("id" = String, Path)), security(("operator" = [])), responses((status = 200, body = DispatchView), (status = 404, description = "unknown dispatch", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn one(
    State(state): State<AppState>,
    _op: OperatorAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<DispatchView>> {
    Ok(Json(svc::view(&state, dispatch_id(&id)?).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PointQuery {
    lat: f64,
    lon: f64,
}

#[utoipa::path(get, path = "/api/v1/dispatches/recommend", tag = "dispatch", params(PointQuery), security(("operator" = [])), responses((status = 200, description = "units on patrol, best first: free and fresh by estimated arrival, then busy, then stale", body = Vec<Recommendation>), (status = 400, description = "bad point", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices may not read HQ data", body = v1::ErrorBody)))]
pub async fn recommend(
    State(state): State<AppState>,
    _op: OperatorAuth,
    ApiQuery(q): ApiQuery<PointQuery>,
) -> ApiResult<Json<Vec<Recommendation>>> {
    let target = LatLon {
        lat: q.lat,
        lon: q.lon,
    };
    Ok(Json(svc::recommend(&state, target).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SendUnits {
    #[schema(value_type = Vec<String>)]
    pub units: Vec<DeviceId>,
}

#[utoipa::path(post, path = "/api/v1/dispatches/{id}/send", tag = "dispatch", params(("id" = String, Path)), request_body = SendUnits, security(("operator" = [])), responses((status = 200, body = DispatchView), (status = 400, description = "closed dispatch, no units or a revoked one", body = v1::ErrorBody), (status = 404, description = "unknown dispatch or unit", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices and viewers may not dispatch", body = v1::ErrorBody)))]
pub async fn send(
    State(state): State<AppState>,
    op: OperatorAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SendUnits>,
) -> ApiResult<Json<DispatchView>> {
    op.0.require_admin()?;
    Ok(Json(
        svc::send(&state, &op.0, dispatch_id(&id)?, &req.units).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Reassign {
    /// The unit it is taken from.
    #[schema(value_type = String)]
    pub from: DeviceId,
    /// The units it goes to instead (may be empty).
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub to: Vec<DeviceId>,
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/dispatches/{id}/reassign", tag = "dispatch", params(("id" = String, Path)), request_body = Reassign, security(("operator" = [])), responses((status = 200, body = DispatchView), (status = 400, description = "closed dispatch, or not with that unit", body = v1::ErrorBody), (status = 404, description = "unknown dispatch or unit", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices and viewers may not dispatch", body = v1::ErrorBody)))]
pub async fn reassign(
    State(state): State<AppState>,
    op: OperatorAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Reassign>,
) -> ApiResult<Json<DispatchView>> {
    op.0.require_admin()?;
    let id = dispatch_id(&id)?;
    Ok(Json(
        svc::reassign(&state, &op.0, id, req.from, &req.to, &req.reason).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct Close {
    pub reason: String,
}

#[utoipa::path(post, path = "/api/v1/dispatches/{id}/close", tag = "dispatch", params(("id" = String, Path)), request_body = Close, security(("operator" = [])), responses((status = 200, body = DispatchView), (status = 400, description = "already closed, or no reason", body = v1::ErrorBody), (status = 404, description = "unknown dispatch", body = v1::ErrorBody), (status = 401, description = "no or unknown operator token", body = v1::ErrorBody), (status = 403, description = "devices and viewers may not dispatch", body = v1::ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    op: OperatorAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<Close>,
) -> ApiResult<Json<DispatchView>> {
    op.0.require_admin()?;
    Ok(Json(
        svc::close(&state, &op.0, dispatch_id(&id)?, &req.reason).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InboxQuery {
    /// The last seq the device has stored (0 for everything).
    #[serde(default)]
    after: u64,
    /// Seconds to wait for a message when there is none (long-poll), at most 30.
    #[serde(default)]
    wait: u64,
}

#[utoipa::path(get, path = "/api/v1/devices/{device_id}/inbox", tag = "device", params(("device_id" = String, Path), InboxQuery), security(("device" = [])), responses((status = 200, description = "messages after `after`, oldest first (an order, or its withdrawal)", body = Object), (status = 400, description = "bad input", body = v1::ErrorBody), (status = 401, description = "no or wrong credentials", body = v1::ErrorBody), (status = 403, description = "revoked device or not its own inbox", body = v1::ErrorBody)))]
pub async fn inbox(
    State(state): State<AppState>,
    auth: DeviceAuth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<InboxQuery>,
) -> ApiResult<Json<InboxPage>> {
    let id = own(&auth, &id)?;
    Ok(Json(svc::inbox(&state, id, q.after, q.wait).await?))
}

#[utoipa::path(post, path = "/api/v1/devices/{device_id}/inbox/ack", tag = "device", params(("device_id" = String, Path)), request_body = Object, security(("device" = [])), responses((status = 200, description = "the inbox head", body = Object), (status = 400, description = "beyond the inbox", body = v1::ErrorBody), (status = 401, description = "no or wrong credentials", body = v1::ErrorBody), (status = 403, description = "revoked device or not its own inbox", body = v1::ErrorBody)))]
pub async fn ack(
    State(state): State<AppState>,
    auth: DeviceAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<InboxAck>,
) -> ApiResult<Json<InboxAck>> {
    let id = own(&auth, &id)?;
    let head = svc::ack(&state, id, req.through).await?;
    Ok(Json(InboxAck { through: head }))
}
