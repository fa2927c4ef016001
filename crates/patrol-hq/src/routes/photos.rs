//! Resumable photo upload: announce (`POST /api/v1/photos`), then send bytes from the offset HQ
//! reports (`PATCH /api/v1/photos/{sha256}` with `upload-offset`). When the last byte arrives HQ
//! checks the SHA-256: a match completes the photo, a mismatch discards the bytes so the device
//! sends them again.

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
        .map_err(|e| ApiError::bad("bad_photo", format!("invalid photo {e}")))?;
    let row = state
        .storage
        .begin_photo(
            &offer.sha256,
            offer.size,
            &offer.mime,
            auth.0.id,
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
    let row = state
        .storage
        .photo(&sha)
        .await?
        .ok_or_else(|| StorageError::UnknownPhoto(sha.clone()))?;
    if row.complete {
        return Ok(Json(view(&row)));
    }
    if row.device_id != auth.0.id {
        return Err(ApiError::forbidden(
            "not_your_photo",
            "this photo upload was started by another device",
        ));
    }
    let row = match state.storage.append_photo(&sha, offset, &body).await {
        Ok(row) => row,
        Err(StorageError::OffsetMismatch { .. }) => {
            let current = state
                .storage
                .photo(&sha)
                .await?
                .ok_or_else(|| StorageError::UnknownPhoto(sha.clone()))?;
            return Err(ApiError::ConflictWith(
                serde_json::to_value(view(&current)).expect("serializes"),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    if row.offset < row.size {
        return Ok(Json(view(&row)));
    }
    let bytes = state.storage.photo_bytes(&sha).await?;
    let verified = hex::encode(Sha256::digest(&bytes)) == sha;
    let row = state.storage.finish_photo(&sha, verified).await?;
    if !verified {
        tracing::warn!(photo = %sha, "photo bytes did not match their sha256; discarded");
    }
    Ok(Json(view(&row)))
}
