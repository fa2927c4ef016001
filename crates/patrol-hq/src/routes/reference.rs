//! Reference data for devices, incrementally: what changed since the device's cursor, and the
//! city's map pack in resumable byte ranges.

use super::json::ApiQuery;
use crate::AppState;
use crate::auth::DeviceAuth;
use crate::error::{ApiError, ApiResult};
use crate::map::{ByteRange, parse_range};
use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
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
    ApiQuery(q): ApiQuery<CursorQuery>,
) -> ApiResult<Json<ReferenceChanges>> {
    let cursor = match q.cursor.as_deref() {
        None | Some("") => 0,
        Some(c) => c.parse().map_err(|_| {
            ApiError::bad("bad_cursor", format!("cursor `{c}` is not one HQ gave out"))
        })?,
    };
    let mut changes = state
        .storage
        .reference_since(cursor)
        .await?
        .ok_or_else(|| {
            ApiError::NotFound("HQ has no city yet; run `patrol-hq city import FILE`".into())
        })?;
    changes.map_pack = state.map_pack.as_ref().map(|p| p.reference.clone());
    Ok(Json(changes))
}

/// The most one answer carries: a device asks chunk by chunk anyway, and a phone on a slow
/// network keeps what each chunk brought.
const MAX_CHUNK: u64 = 4 << 20;

/// `GET /api/v1/reference/map-pack`: the map pack announced in the reference data, in byte
/// ranges (`Range: bytes=a-b`, resumable; `If-Range` with the ETag) or whole.
#[utoipa::path(get, path = "/api/v1/reference/map-pack", tag = "device", params(("Range" = Option<String>, Header, description = "`bytes=a-b` or `bytes=a-`; answers at most 4 MiB per request (a shorter 206 says which bytes)"), ("If-Range" = Option<String>, Header, description = "the ETag (the pack's SHA-256, quoted); another pack is sent whole")), security(("device" = [])), responses((status = 200, description = "the whole file (no or a stale range)", content_type = "application/vnd.sqlite3"), (status = 206, description = "the bytes asked for, `Content-Range: bytes a-b/total`"), (status = 416, description = "the range starts past the end", body = v1::ErrorBody), (status = 404, description = "HQ serves no map pack", body = v1::ErrorBody), (status = 401, description = "no or wrong credentials", body = v1::ErrorBody), (status = 403, description = "revoked device", body = v1::ErrorBody)))]
pub async fn map_pack(
    State(state): State<AppState>,
    _auth: DeviceAuth,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let pack = state
        .map_pack
        .clone()
        .ok_or_else(|| ApiError::NotFound("HQ serves no map pack".into()))?;
    let len = pack.reference.bytes;
    let etag = format!("\"{}\"", pack.reference.sha256);
    let same_pack = headers
        .get(header::IF_RANGE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.trim() == etag);
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| same_pack)
        .and_then(|v| parse_range(v, len));
    let (status, start, end) = match range {
        Some(ByteRange::Unsatisfiable) => {
            return Ok((
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, format!("bytes */{len}"))],
                Json(v1::ErrorBody {
                    code: "bad_range".into(),
                    message: format!("the map pack has {len} bytes"),
                    invalid: None,
                }),
            )
                .into_response());
        }
        Some(ByteRange::Part(a, b)) => (StatusCode::PARTIAL_CONTENT, a, b.min(a + MAX_CHUNK - 1)),
        None if len == 0 => (StatusCode::OK, 0, 0),
        None => (StatusCode::OK, 0, len - 1),
    };
    let count = if len == 0 { 0 } else { end - start + 1 };
    // Read in steps off the runtime, so a whole 300 MB pack never sits in memory at once.
    const STEP: u64 = 256 * 1024;
    let body = futures_util::stream::unfold(start, move |at| {
        let pack = pack.clone();
        async move {
            if at >= start + count {
                return None;
            }
            let n = STEP.min(start + count - at) as usize;
            let read = tokio::task::spawn_blocking(move || pack.read_at(at, n))
                .await
                .map_err(std::io::Error::other)
                .and_then(|r| r);
            match read {
                Ok(bytes) if bytes.is_empty() => None,
                Ok(bytes) => {
                    let next = at + bytes.len() as u64;
                    Some((
                        Ok::<_, std::io::Error>(axum::body::Bytes::from(bytes)),
                        next,
                    ))
                }
                Err(e) => Some((Err(e), u64::MAX)),
            }
        }
    })
    // Layers may poll once more after the end (the compression layer does); a fused stream
    // keeps answering "done".
    .fuse();
    let mut resp = Response::new(Body::from_stream(body));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/vnd.sqlite3"),
    );
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-transform"),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if status == StatusCode::PARTIAL_CONTENT
        && let Ok(v) = HeaderValue::from_str(&format!("bytes {start}-{end}/{len}"))
    {
        h.insert(header::CONTENT_RANGE, v);
    }
    Ok(resp)
}
