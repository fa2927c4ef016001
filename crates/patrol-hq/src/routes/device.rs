//! What devices call: hello, enrolment, head, upload, receipt.

use super::ApiJson;
use crate::auth::{ClientAddr, DeviceAuth};
use crate::error::{ApiError, ApiResult};
use crate::{AppState, service};
use axum::Json;
use axum::extract::{Path, State};
use patrol_model::DeviceId;
use patrol_model::v1::{
    self, EnrollRequest, EnrollResponse, Head, Receipt, UploadRequest, UploadResponse,
};

#[utoipa::path(get, path = "/api/v1/hello", tag = "device", responses((status = 200, body = v1::Hello)))]
pub async fn hello(State(state): State<AppState>) -> ApiResult<Json<v1::Hello>> {
    let city = state.storage.city().await?.map(|c| c.name);
    Ok(Json(v1::Hello {
        protocol: v1::PROTOCOL,
        server: "patrol-hq".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        city,
        request_encodings: vec![v1::ZSTD.into(), v1::GZIP.into()],
    }))
}

#[utoipa::path(post, path = "/api/v1/enroll", tag = "device", request_body = v1::EnrollRequest, responses((status = 200, body = v1::EnrollResponse), (status = 400, description = "bad or used code", body = v1::ErrorBody), (status = 409, description = "device already enrolled", body = v1::ErrorBody), (status = 429, description = "too many attempts: wait a minute", body = v1::ErrorBody)))]
pub async fn enroll(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> ApiResult<Json<EnrollResponse>> {
    service::enroll(&state, addr, &req).await.map(Json)
}

/// A device may touch only its own ledger.
pub(crate) fn own(auth: &DeviceAuth, path_id: &str) -> ApiResult<DeviceId> {
    let id: DeviceId = path_id
        .parse()
        .map_err(|_| ApiError::bad("bad_device_id", format!("`{path_id}` is not a device id")))?;
    if id != auth.0.id {
        return Err(ApiError::forbidden(
            "not_your_ledger",
            format!(
                "device {} may not read or write the ledger of device {id}",
                auth.0.id
            ),
        ));
    }
    Ok(id)
}

#[utoipa::path(get, path = "/api/v1/devices/{device_id}/head", tag = "device", params(("device_id" = String, Path)), security(("device" = [])), responses((status = 200, body = v1::Head), (status = 400, description = "bad input", body = v1::ErrorBody), (status = 401, description = "no or wrong credentials", body = v1::ErrorBody), (status = 403, description = "revoked device or not its own ledger", body = v1::ErrorBody)))]
pub async fn head(
    State(state): State<AppState>,
    auth: DeviceAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Head>> {
    let id = own(&auth, &id)?;
    let device = state
        .storage
        .device(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("device {id}")))?;
    Ok(Json(device.head))
}

#[utoipa::path(post, path = "/api/v1/devices/{device_id}/entries", tag = "device", params(("device_id" = String, Path)), request_body = v1::UploadRequest, security(("device" = [])), responses((status = 200, body = v1::UploadResponse), (status = 400, description = "bad input", body = v1::ErrorBody), (status = 401, description = "no or wrong credentials", body = v1::ErrorBody), (status = 403, description = "revoked device or not its own ledger", body = v1::ErrorBody), (status = 413, description = "batch too large", body = v1::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    auth: DeviceAuth,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UploadRequest>,
) -> ApiResult<Json<UploadResponse>> {
    let id = own(&auth, &id)?;
    service::upload(&state, id, &req).await.map(Json)
}

#[utoipa::path(get, path = "/api/v1/devices/{device_id}/receipt", tag = "device", params(("device_id" = String, Path)), security(("device" = [])), responses((status = 200, body = v1::Receipt), (status = 400, description = "bad input", body = v1::ErrorBody), (status = 401, description = "no or wrong credentials", body = v1::ErrorBody), (status = 403, description = "revoked device or not its own ledger", body = v1::ErrorBody)))]
pub async fn receipt(
    State(state): State<AppState>,
    auth: DeviceAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Receipt>> {
    let id = own(&auth, &id)?;
    service::receipt(&state, id).await.map(Json)
}
