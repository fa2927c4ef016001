//! What devices call: hello, enrolment, head, upload, receipt.

use super::ApiJson;
use crate::auth::{DeviceAuth, hash_secret, normalize_code, random_secret};
use crate::error::{ApiError, ApiResult};
use crate::storage::StorageError;
use crate::{AppState, ingest};
use axum::Json;
use axum::extract::{Path, State};
use patrol_model::DeviceId;
use patrol_model::v1::{
    self, EnrollRequest, EnrollResponse, Head, Receipt, UploadRequest, UploadResponse,
};
use std::collections::HashMap;

/// Most entries accepted in one upload.
pub const MAX_BATCH: usize = 2000;

#[utoipa::path(get, path = "/api/v1/hello", tag = "device", responses((status = 200, body = v1::Hello)))]
pub async fn hello(State(state): State<AppState>) -> ApiResult<Json<v1::Hello>> {
    let city = state.storage.city().await?.map(|c| c.name);
    Ok(Json(v1::Hello {
        protocol: v1::PROTOCOL,
        server: "patrol-hq".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        city,
    }))
}

#[utoipa::path(post, path = "/api/v1/enroll", tag = "device", request_body = v1::EnrollRequest, responses((status = 200, body = v1::EnrollResponse), (status = 400, description = "bad or used code", body = v1::ErrorBody), (status = 409, description = "device already enrolled", body = v1::ErrorBody)))]
pub async fn enroll(
    State(state): State<AppState>,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> ApiResult<Json<EnrollResponse>> {
    let code = normalize_code(&req.code);
    if code.len() != 8 {
        return Err(ApiError::bad(
            "bad_code",
            "an enrolment code has 8 letters and digits, e.g. K7QM-3XPA",
        ));
    }
    let secret = random_secret(32);
    let device = state
        .storage
        .redeem_enrollment(
            &hash_secret(&code),
            req.device_id,
            &hash_secret(&secret),
            state.now_ms(),
        )
        .await?;
    tracing::info!(device = %device.id, name = %device.name, "device enrolled");
    let city = state.storage.city().await?.map(|c| c.name);
    Ok(Json(EnrollResponse {
        device_id: device.id,
        device_name: device.name,
        secret,
        city,
    }))
}

/// A device may touch only its own ledger.
fn own(auth: &DeviceAuth, path_id: &str) -> ApiResult<DeviceId> {
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
    if req.entries.len() > MAX_BATCH {
        return Err(ApiError::bad(
            "batch_too_large",
            format!("at most {MAX_BATCH} entries per upload"),
        ));
    }
    if let Some(e) = req.entries.iter().find(|e| e.device_id != id) {
        return Err(ApiError::forbidden(
            "not_your_ledger",
            format!(
                "seq {} belongs to device {}; a device uploads only its own entries",
                e.seq, e.device_id
            ),
        ));
    }
    if let Some(e) = req.entries.iter().find(|e| e.seq == 0) {
        return Err(ApiError::bad(
            "bad_seq",
            format!("entry {} has seq 0; seqs start at 1", e.id),
        ));
    }
    // Plan against the current head; if another upload of this device committed meanwhile,
    // plan again (it cannot loop forever: each retry sees a higher head).
    for _ in 0..5 {
        let device = state
            .storage
            .device(id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("device {id}")))?;
        let head = device.head;
        let below: Vec<u64> = req
            .entries
            .iter()
            .map(|e| e.seq)
            .filter(|s| *s <= head.seq)
            .collect();
        let held: HashMap<u64, _> = match (below.iter().min(), below.iter().max()) {
            (Some(&lo), Some(&hi)) => state
                .storage
                .hashes(id, lo, hi)
                .await?
                .into_iter()
                .collect(),
            _ => HashMap::new(),
        };
        let now = state.now_ms();
        let planned = ingest::plan(head, &held, &req.entries, now, req.device_now_ms);
        let accepted = planned.plan.new.len() as u32;
        match state.storage.commit_ingest(id, planned.plan).await {
            Ok(head) => {
                if !planned.conflicts.is_empty() {
                    tracing::warn!(device = %id, conflicts = planned.conflicts.len(), "conflicting entries kept aside");
                }
                return Ok(Json(UploadResponse {
                    head,
                    accepted,
                    duplicates: planned.duplicates,
                    quarantined: planned.quarantined,
                    rejected: planned.rejected,
                    conflicts: planned.conflicts,
                    skew_ms: req.device_now_ms - now,
                }));
            }
            Err(StorageError::HeadMoved { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Internal(format!(
        "device {id}: head kept moving during upload"
    )))
}

#[utoipa::path(get, path = "/api/v1/devices/{device_id}/receipt", tag = "device", params(("device_id" = String, Path)), security(("device" = [])), responses((status = 200, body = v1::Receipt), (status = 400, description = "bad input", body = v1::ErrorBody), (status = 401, description = "no or wrong credentials", body = v1::ErrorBody), (status = 403, description = "revoked device or not its own ledger", body = v1::ErrorBody)))]
pub async fn receipt(
    State(state): State<AppState>,
    auth: DeviceAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<Receipt>> {
    let id = own(&auth, &id)?;
    receipt_for(&state, id).await.map(Json)
}

pub(crate) async fn receipt_for(state: &AppState, id: DeviceId) -> ApiResult<Receipt> {
    let device = state
        .storage
        .device(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("device {id}")))?;
    let photos = state
        .storage
        .photos_of(id)
        .await?
        .into_iter()
        .filter(|p| p.complete)
        .map(|p| p.sha256)
        .collect();
    let quarantined = state
        .storage
        .quarantined(Some(id))
        .await?
        .into_iter()
        .map(|(_, q)| q)
        .collect();
    let conflicts = state
        .storage
        .conflicts(Some(id))
        .await?
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    Ok(Receipt {
        device_id: id,
        head: device.head,
        entries_held: device.head.seq,
        photos,
        quarantined,
        conflicts,
        skew_ms: device.skew_ms,
        hq_time_ms: state.now_ms(),
    })
}
