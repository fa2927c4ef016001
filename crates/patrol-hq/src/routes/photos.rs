//! Resumable photo upload: announce (`POST /api/v1/photos`), then send bytes from the offset HQ
//! reports (`PATCH /api/v1/photos/{sha256}` with `upload-offset`). When the last byte arrives HQ
//! checks the SHA-256: a match completes the photo, a mismatch discards the bytes so the device
//! sends them again.
//!
//! Each device uploads into its own upload, keyed by (device, sha256), and only photos that its
//! stored entries name, within a quota of bytes in flight; the first complete, verified upload
//! becomes the photo. So no device can squat another's photo by announcing it first.

use super::ApiJson;
use crate::AppState;
use crate::auth::DeviceAuth;
use crate::error::{ApiError, ApiResult};
use crate::storage::{PhotoRow, StorageError};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use patrol_model::PhotoRef;
use patrol_model::v1::{self, PhotoOffer, PhotoUpload, UPLOAD_OFFSET_HEADER};
use sha2::{Digest, Sha256};

/// Bytes of photos one device may have uploading at once (announced, not yet complete).
/// Complete photos do not count: they are evidence its entries name, verified by hash.
pub const PHOTO_UPLOAD_QUOTA_BYTES: u64 = 512 * 1024 * 1024;

fn view(row: &PhotoRow) -> PhotoUpload {
    PhotoUpload {
        sha256: row.sha256.clone(),
        size: row.size,
        offset: row.offset,
        complete: row.complete,
    }
}

#[utoipa::path(post, path = "/api/v1/photos", tag = "device", request_body = v1::PhotoOffer, security(("device" = [])), responses((status = 200, body = v1::PhotoUpload), (status = 400, description = "bad input", body = v1::ErrorBody), (status = 401, description = "no or wrong credentials", body = v1::ErrorBody), (status = 403, description = "revoked device or not its own ledger", body = v1::ErrorBody)))]
pub async fn offer(
    State(state): State<AppState>,
    auth: DeviceAuth,
    ApiJson(offer): ApiJson<PhotoOffer>,
) -> ApiResult<Json<PhotoUpload>> {
    let photo = PhotoRef {
        sha256: offer.sha256.clone(),
        size: offer.size,
        mime: offer.mime.clone(),
    };
    photo
        .validate()
        .map_err(|e| ApiError::invalid("bad_photo", e.within("photo")))?;
    let device = auth.0.id;
    // Only photos this device's stored entries name: HQ is no drop box.
    if !state
        .storage
        .photo_referenced(device, &offer.sha256)
        .await?
    {
        return Err(ApiError::bad(
            "photo_not_referenced",
            format!(
                "no entry of this device that HQ holds names photo {}; upload the entries first",
                offer.sha256
            ),
        ));
    }
    let fresh = state.storage.photo(&offer.sha256).await?.is_none()
        && state
            .storage
            .photo_upload(device, &offer.sha256)
            .await?
            .is_none();
    if fresh {
        let pending = state.storage.uploads_pending_bytes(device).await?;
        if pending.saturating_add(offer.size) > PHOTO_UPLOAD_QUOTA_BYTES {
            return Err(ApiError::bad(
                "photo_quota",
                format!(
                    "this device has {pending} bytes of photos still uploading; finish those \
                     first (at most {PHOTO_UPLOAD_QUOTA_BYTES} bytes at once)"
                ),
            ));
        }
    }
    let row = state
        .storage
        .begin_photo(
            &offer.sha256,
            offer.size,
            &offer.mime,
            device,
            state.now_ms(),
        )
        .await?;
    if row.size != offer.size {
        return Err(ApiError::bad(
            "bad_photo",
            format!("photo {} was announced with size {}", row.sha256, row.size),
        ));
    }
    Ok(Json(view(&row)))
}

#[utoipa::path(patch, path = "/api/v1/photos/{sha256}", tag = "device", params(("sha256" = String, Path), ("upload-offset" = u64, Header)), request_body(content = Vec<u8>, content_type = "application/offset+octet-stream"), security(("device" = [])), responses((status = 200, body = v1::PhotoUpload), (status = 409, description = "wrong offset: resume from the body", body = v1::PhotoUpload), (status = 400, description = "bad input", body = v1::ErrorBody), (status = 401, description = "no or wrong credentials", body = v1::ErrorBody), (status = 403, description = "revoked device or not its own ledger", body = v1::ErrorBody)))]
pub async fn append(
    State(state): State<AppState>,
    auth: DeviceAuth,
    Path(sha): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<PhotoUpload>> {
    let offset: u64 = headers
        .get(UPLOAD_OFFSET_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| {
            ApiError::bad(
                "bad_offset",
                format!("header `{UPLOAD_OFFSET_HEADER}: N` is required"),
            )
        })?;
    let device = auth.0.id;
    // Complete already (this device's upload or another's): nothing more to send.
    if let Some(done) = state.storage.photo(&sha).await? {
        return Ok(Json(view(&done)));
    }
    let row = match state
        .storage
        .append_photo(device, &sha, offset, &body)
        .await
    {
        Ok(row) => row,
        Err(StorageError::OffsetMismatch { .. }) => {
            let current = match state.storage.photo(&sha).await? {
                Some(done) => done,
                None => state
                    .storage
                    .photo_upload(device, &sha)
                    .await?
                    .ok_or_else(|| StorageError::UnknownPhoto(sha.clone()))?,
            };
            return Err(ApiError::ConflictWith(
                serde_json::to_value(view(&current)).expect("serializes"),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if row.offset < row.size {
        return Ok(Json(view(&row)));
    }
    let bytes = state.storage.upload_bytes(device, &sha).await?;
    let verified = hex::encode(Sha256::digest(&bytes)) == sha;
    let row = state.storage.finish_photo(device, &sha, verified).await?;
    if !verified {
        tracing::warn!(photo = %sha, "photo bytes did not match their sha256; discarded");
    }
    Ok(Json(view(&row)))
}
