//! Sign-in for the command-centre page: an operator token becomes a session cookie (HttpOnly,
//! SameSite=Strict, with an expiry), so the token is typed once and never kept by the browser,
//! never put in a URL. Sign-out ends the session; revoking the session or its operator refuses
//! the very next request (checked on each, see [`crate::auth`]).

use super::ApiJson;
use crate::AppState;
use crate::auth::{self, OperatorAuth};
use crate::error::{ApiError, ApiResult};
use crate::service;
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use patrol_model::v1;
use serde::{Deserialize, Serialize};

/// How long a session lasts unless the sign-in asks for less: one long shift.
pub const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;
/// The shortest session a sign-in may ask for.
pub const MIN_SESSION_TTL_S: u32 = 5;

/// `POST /api/v1/session`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct SignIn {
    /// An operator token from `patrol-hq operator add`.
    pub token: String,
    /// A shorter session than the default 12 hours, in seconds (e.g. a shared wall screen).
    #[serde(default)]
    pub ttl_s: Option<u32>,
}

/// Who is signed in, and until when.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionInfo {
    pub operator: SessionOperator,
    /// When the session ends by itself (Unix ms); earlier if the token expires first.
    pub expires_ms: i64,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionOperator {
    pub id: String,
    pub name: String,
    pub role: crate::storage::Role,
}

fn cookie(state: &AppState, value: &str, max_age_s: i64) -> HeaderValue {
    let secure = if state.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_s}{secure}",
        auth::SESSION_COOKIE
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("hq_session=; Max-Age=0; Path=/"))
}

#[utoipa::path(post, path = "/api/v1/session", tag = "session", request_body = SignIn, responses((status = 200, description = "signed in; the session cookie is set", body = SessionInfo), (status = 400, description = "bad body", body = v1::ErrorBody), (status = 401, description = "unknown, revoked or expired operator token", body = v1::ErrorBody), (status = 403, description = "a device token", body = v1::ErrorBody)))]
pub async fn sign_in(
    State(state): State<AppState>,
    addr: auth::ClientAddr,
    ApiJson(req): ApiJson<SignIn>,
) -> ApiResult<Response> {
    let token = req.token.trim();
    let address = addr.0.map(|ip| ip.to_string());
    let shown = address.clone().unwrap_or_else(|| "unknown".into());
    let op = auth::active_operator(&state, token, &shown).await?;
    let now = state.now_ms();
    let token_hash = auth::hash_secret(token);
    let ttl_ms = match req.ttl_s {
        Some(s) if s < MIN_SESSION_TTL_S => {
            return Err(ApiError::bad(
                "bad_ttl",
                format!("ttl_s must be at least {MIN_SESSION_TTL_S} seconds"),
            ));
        }
        Some(s) => (i64::from(s) * 1000).min(SESSION_TTL_MS),
        None => SESSION_TTL_MS,
    };
    let expires_ms = op.expires_ms.map_or(now + ttl_ms, |e| e.min(now + ttl_ms));
    let secret = auth::random_secret(32);
    state
        .storage
        .create_session(
            &auth::hash_secret(&secret),
            &token_hash,
            now,
            expires_ms,
            address.as_deref(),
        )
        .await?;
    let who = auth::Operator {
        id: op.id.clone(),
        name: op.name.clone(),
        role: op.role,
        address,
    };
    service::audit(&state, &who, "signed_in", None).await?;
    let body = SessionInfo {
        operator: SessionOperator {
            id: op.id,
            name: op.name,
            role: op.role,
        },
        expires_ms,
    };
    let max_age = (expires_ms - now).div_euclid(1000).max(1);
    Ok((
        [(header::SET_COOKIE, cookie(&state, &secret, max_age))],
        Json(body),
    )
        .into_response())
}

#[utoipa::path(get, path = "/api/v1/session", tag = "session", responses((status = 200, description = "the signed-in operator", body = SessionInfo), (status = 401, description = "not signed in, or the session ended", body = v1::ErrorBody)))]
pub async fn current(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> ApiResult<Json<SessionInfo>> {
    let secret = auth::session_cookie(&headers)
        .ok_or_else(|| ApiError::Unauthenticated("not signed in".into()))?;
    let (s, op) = auth::live_session(&state, secret).await?;
    Ok(Json(SessionInfo {
        operator: SessionOperator {
            id: op.id,
            name: op.name,
            role: op.role,
        },
        expires_ms: s.expires_ms,
    }))
}

#[utoipa::path(delete, path = "/api/v1/session", tag = "session", responses((status = 204, description = "signed out; the cookie is cleared"), (status = 401, description = "not signed in", body = v1::ErrorBody), (status = 403, description = "missing X-Requested-With", body = v1::ErrorBody)))]
pub async fn sign_out(
    State(state): State<AppState>,
    op: OperatorAuth,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if let Some(secret) = auth::session_cookie(&headers) {
        state
            .storage
            .end_session(&auth::hash_secret(secret), state.now_ms())
            .await?;
        service::audit(&state, &op.0, "signed_out", None).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, cookie(&state, "", 0))],
    )
        .into_response())
}
