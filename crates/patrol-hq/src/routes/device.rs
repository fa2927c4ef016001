//! What devices call: hello, enrolment, head, upload, receipt.

use super::ApiJson;
use super::json::ApiQuery;
use crate::auth::{ClientAddr, DeviceAuth};
use crate::error::{ApiError, ApiResult};
use crate::{AppState, service};
use axum::Json;
use axum::extract::{Path, State};
use patrol_model::DeviceId;
use patrol_model::v1::{
    self, EnrollRequest, EnrollResponse, Receipt, UploadRequest, UploadResponse,
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

#[utoipa::path(get, path = "/api/v1/devices/{device_id}/head", tag = "device", params(("device_id" = String, Path)), security(("device" = [])), responses((status = 200, description = "HQ's head for the device, and what else a sync needs to fetch (`news`)", body = v1::HeadAnswer), (status = 400, description = "bad input", body = v1::ErrorBody), (status = 401, description = "no or wrong credentials", body = v1::ErrorBody), (status = 403, description = "revoked device or not its own ledger", body = v1::ErrorBody)))]
pub async fn head(
    State(state): State<AppState>,
    auth: DeviceAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<v1::HeadAnswer>> {
    let id = own(&auth, &id)?;
    Ok(Json(service::head(&state, id).await?))
}

#[utoipa::path(post, path = "/api/v1/devices/{device_id}/entries", tag = "device", params(("device_id" = String, Path), UploadQuery), request_body = v1::UploadRequest, security(("device" = [])), responses((status = 200, body = v1::UploadResponse), (status = 400, description = "bad input", body = v1::ErrorBody), (status = 401, description = "no or wrong credentials", body = v1::ErrorBody), (status = 403, description = "revoked device or not its own ledger", body = v1::ErrorBody), (status = 413, description = "batch too large", body = v1::ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    auth: DeviceAuth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<UploadQuery>,
    ApiJson(req): ApiJson<UploadRequest>,
) -> ApiResult<Json<UploadResponse>> {
    let id = own(&auth, &id)?;
    let mut resp = service::upload(&state, id, &req).await?;
    if q.receipt {
        // Asked by a sync with no photo waiting: none to name, the held ones counted.
        resp.receipt = Some(service::receipt(&state, id, Some(&[] as &[String])).await?);
    }
    if q.news {
        resp.news = Some(service::news(&state, id).await?);
    }
    Ok(Json(resp))
}

/// `?receipt=true`: answer with the device's receipt too (see [`v1::UploadResponse::receipt`]);
/// `?news=true`: and with what the head's answer would say besides the head.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UploadQuery {
    /// `true`: the answer carries the device's receipt as of this commit, listing no photo
    /// (`photos_held` counts them), so the last batch of a sync needs no receipt request.
    #[serde(default)]
    receipt: bool,
    /// `true`: the answer carries `news` as `GET …/head` would (reference data, dispatch
    /// inbox, map pack), so a sync that knows HQ's head needs no head request.
    #[serde(default)]
    news: bool,
}

/// `?photos=SHA,SHA`: ask only about these photos (see [`v1::Receipt::photos`]).
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReceiptQuery {
    /// Comma-separated SHA-256s (lowercase hex) of the photos to report on, at most 100; empty
    /// for none. Without it, every photo HQ holds from the device is listed.
    photos: Option<String>,
}

impl ReceiptQuery {
    /// The photos asked about, checked: `None` when the request names none.
    fn asked(&self) -> ApiResult<Option<Vec<String>>> {
        let Some(list) = &self.photos else {
            return Ok(None);
        };
        let asked: Vec<String> = list
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if asked.len() > v1::RECEIPT_PHOTOS_MAX {
            return Err(ApiError::bad(
                "bad_photos",
                format!(
                    "photos names {} photos; ask about at most {}",
                    asked.len(),
                    v1::RECEIPT_PHOTOS_MAX
                ),
            ));
        }
        if let Some(bad) = asked.iter().find(|p| {
            p.len() != 64
                || !p
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        }) {
            return Err(ApiError::bad(
                "bad_photos",
                format!("photos: {bad:?} is not a SHA-256 in lowercase hex"),
            ));
        }
        Ok(Some(asked))
    }
}

#[utoipa::path(get, path = "/api/v1/devices/{device_id}/receipt", tag = "device", params(("device_id" = String, Path), ReceiptQuery), security(("device" = [])), responses((status = 200, body = v1::Receipt), (status = 400, description = "bad input", body = v1::ErrorBody), (status = 401, description = "no or wrong credentials", body = v1::ErrorBody), (status = 403, description = "revoked device or not its own ledger", body = v1::ErrorBody)))]
pub async fn receipt(
    State(state): State<AppState>,
    auth: DeviceAuth,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<ReceiptQuery>,
) -> ApiResult<Json<Receipt>> {
    let id = own(&auth, &id)?;
    let asked = q.asked()?;
    service::receipt(&state, id, asked.as_deref())
        .await
        .map(Json)
}
