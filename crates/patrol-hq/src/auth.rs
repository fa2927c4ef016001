//! Who is calling. Devices present `Bearer d1.<device_id>.<secret>`; people present an operator
//! token. HQ stores only SHA-256 hashes of secrets and tokens and never logs them.

use crate::AppState;
use crate::error::ApiError;
use crate::storage::{DeviceRow, DeviceStatus, Role};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use patrol_model::v1;
use sha2::{Digest, Sha256};

/// SHA-256 hex of a secret, token or code.
pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compare without leaking where the first difference is.
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts.headers.get(AUTHORIZATION).ok_or_else(|| {
        ApiError::Unauthenticated(
            "missing Authorization: Bearer header (or a signed-in session)".into(),
        )
    })?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthenticated("Authorization header is not text".into()))?;
    value
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| ApiError::Unauthenticated("Authorization must be `Bearer TOKEN`".into()))
}

/// An authenticated, active device.
#[derive(Debug, Clone)]
pub struct DeviceAuth(pub DeviceRow);

impl FromRequestParts<AppState> for DeviceAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = bearer(parts)?;
        let (id, secret) = v1::parse_device_token(token).ok_or_else(|| {
            ApiError::Unauthenticated(
                "not a device token (expected d1.<device_id>.<secret>)".into(),
            )
        })?;
        let device = state.storage.device(id).await?;
        let device = device
            .filter(|d| same(&d.secret_hash, &hash_secret(secret)))
            .ok_or_else(|| {
                ApiError::Unauthenticated(
                    "unknown device or wrong secret; enrol the device again".into(),
                )
            })?;
        if device.status == DeviceStatus::Revoked {
            return Err(ApiError::forbidden(
                "device_revoked",
                format!(
                    "device {} was revoked by HQ; it can no longer sync — contact the station",
                    device.id
                ),
            ));
        }
        Ok(DeviceAuth(device))
    }
}

/// A person reading HQ data (command centre, scripts): an operator whose token is neither
/// revoked nor expired, with the address the request came from (for the audit trail).
#[derive(Debug, Clone)]
pub struct OperatorAuth(pub Operator);

/// Who is acting, as the audit trail names them.
#[derive(Debug, Clone)]
pub struct Operator {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub address: Option<String>,
}

impl Operator {
    /// The `patrol-hq` command line on the HQ machine: whoever can run it can read the database.
    pub fn console() -> Operator {
        Operator {
            id: "console".into(),
            name: "console".into(),
            role: Role::Admin,
            address: Some("local".into()),
        }
    }

    /// Refuse what only an admin may do.
    pub fn require_admin(&self) -> Result<(), ApiError> {
        match self.role {
            Role::Admin => Ok(()),
            Role::Viewer => Err(ApiError::forbidden(
                "admins_only",
                "this operator may read figures only; ask an admin",
            )),
        }
    }
}

impl FromRequestParts<AppState> for OperatorAuth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let address = client_addr(parts, state.behind_proxy).map(|ip| ip.to_string());
        let shown = address.clone().unwrap_or_else(|| "unknown".into());
        // The command-centre page signs in once and then presents its session cookie; scripts
        // present the token itself. A bearer header wins when both are there.
        if !parts.headers.contains_key(AUTHORIZATION)
            && let Some(secret) = session_cookie(&parts.headers)
        {
            return session_operator(parts, state, secret, address).await;
        }
        let token = match bearer(parts) {
            Ok(t) => t,
            Err(e) => {
                tracing::warn!(address = %shown, "operator request without a token");
                return Err(e);
            }
        };
        let op = active_operator(state, token, &shown).await?;
        Ok(OperatorAuth(Operator {
            id: op.id,
            name: op.name,
            role: op.role,
            address,
        }))
    }
}

/// The operator holding `token`, neither revoked nor expired: what a bearer request and a
/// sign-in both check. `shown` is the caller's address, for the log.
pub async fn active_operator(
    state: &AppState,
    token: &str,
    shown: &str,
) -> Result<crate::storage::OperatorRow, ApiError> {
    if token.starts_with(v1::DEVICE_TOKEN_PREFIX) {
        return Err(ApiError::forbidden(
            "operators_only",
            "devices cannot read HQ data; use an operator token",
        ));
    }
    match state.storage.operator(&hash_secret(token)).await? {
        Some(op) if op.active(state.now_ms()) => Ok(op),
        Some(op) => {
            tracing::warn!(address = %shown, operator = %op.id, "revoked or expired operator token refused");
            Err(ApiError::Unauthenticated(
                "this operator token was revoked or has expired; ask an admin for a new one".into(),
            ))
        }
        None => {
            tracing::warn!(address = %shown, "failed operator sign-in: unknown token");
            Err(ApiError::Unauthenticated("unknown operator token".into()))
        }
    }
}

/// The session whose cookie carries `secret`, and its operator, both still usable: what every
/// cookie request and `GET /api/v1/session` check.
pub async fn live_session(
    state: &AppState,
    secret: &str,
) -> Result<(crate::storage::SessionRow, crate::storage::OperatorRow), ApiError> {
    let now = state.now_ms();
    match state.storage.session(&hash_secret(secret)).await? {
        Some((session, op)) if session.live(now) && op.active(now) => Ok((session, op)),
        Some((session, op)) => {
            tracing::warn!(session = %session.id, operator = %op.id, "ended, expired or revoked session refused");
            Err(ApiError::Unauthenticated(
                "this session has ended, expired or been revoked; sign in again".into(),
            ))
        }
        None => Err(ApiError::Unauthenticated(
            "unknown session; sign in again".into(),
        )),
    }
}

/// The cookie that carries a command-centre session.
pub const SESSION_COOKIE: &str = "hq_session";

/// The header a cookie-authenticated request that changes something must carry. A page on
/// another site cannot add it without a CORS preflight HQ never grants, so a forged form or
/// link cannot act with the operator's session (SameSite=Strict already keeps the cookie off
/// cross-site requests; this holds even where a browser ignores SameSite).
pub const CSRF_HEADER: &str = "x-requested-with";

/// The session secret in the request's `Cookie` headers, when there is one.
pub fn session_cookie(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get_all(axum::http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

/// The operator behind a live session: the session neither ended nor expired, its operator
/// neither revoked nor expired, checked on every request, so revoking either refuses the very
/// next request.
async fn session_operator(
    parts: &Parts,
    state: &AppState,
    secret: &str,
    address: Option<String>,
) -> Result<OperatorAuth, ApiError> {
    let unsafe_method = !matches!(
        parts.method,
        axum::http::Method::GET | axum::http::Method::HEAD | axum::http::Method::OPTIONS
    );
    if unsafe_method && !parts.headers.contains_key(CSRF_HEADER) {
        return Err(ApiError::forbidden(
            "csrf",
            "a change made with a session cookie must carry the X-Requested-With header",
        ));
    }
    let (_, op) = live_session(state, secret).await?;
    Ok(OperatorAuth(Operator {
        id: op.id,
        name: op.name,
        role: op.role,
        address,
    }))
}

/// The address a request came from, when HQ was served with connect info ([`crate::serve`]).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<std::net::IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(parts, state.behind_proxy)))
    }
}

/// Who sent a request: the socket's peer, or behind a TLS proxy the last address in the last
/// `X-Forwarded-For` header — the one the proxy itself appended; every earlier one came from
/// the client and could be anything. Without `behind_proxy` the header is ignored, so nobody
/// picks the address they are rate-limited and audited under.
pub fn client_addr(parts: &Parts, behind_proxy: bool) -> Option<std::net::IpAddr> {
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    if !behind_proxy {
        return peer;
    }
    let forwarded = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|hop| hop.trim().parse().ok());
    // A request that reached HQ around the proxy (or a proxy not set up as documented) is
    // counted under the address it came from — but never as this machine: without the proxy's
    // header a loopback peer is the proxy itself, and loopback is exempt from the limits.
    forwarded.or(peer.filter(|p| !p.is_loopback()))
}

/// Random URL-safe secret of `bytes` random bytes.
pub fn random_secret(bytes: usize) -> String {
    use base64::Engine;
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(buf)
}

/// A one-time enrolment code a person can type: `XXXX-XXXX-XXXX`, 12 of 32 unambiguous
/// characters (60 bits; with the per-address limits, guessing one is hopeless).
pub fn enrollment_code() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    let raw: Vec<char> = (0..crate::service::CODE_LEN)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect();
    raw.chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Codes are compared case- and dash-insensitively.
pub fn normalize_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::ConnectInfo;
    use axum::http::Request;

    fn parts(forwarded: &[&str]) -> Parts {
        let mut b = Request::builder();
        for f in forwarded {
            b = b.header("x-forwarded-for", *f);
        }
        let (mut parts, ()) = b.body(()).unwrap().into_parts();
        parts.extensions.insert(ConnectInfo(
            "127.0.0.1:4000".parse::<std::net::SocketAddr>().unwrap(),
        ));
        parts
    }

    /// Only behind a proxy, and only the hop the proxy appended (the last), names the client.
    #[test]
    fn forwarded_for_counts_only_behind_a_proxy() {
        let ip = |s: &str| Some(s.parse::<std::net::IpAddr>().unwrap());
        let p = parts(&["6.6.6.6, 203.0.113.9"]);
        assert_eq!(client_addr(&p, false), ip("127.0.0.1"));
        assert_eq!(client_addr(&p, true), ip("203.0.113.9"));
        let p = parts(&["6.6.6.6", "198.51.100.4"]);
        assert_eq!(client_addr(&p, true), ip("198.51.100.4"));
        // No usable header behind a proxy: the peer is the proxy itself, never taken for this
        // machine (loopback is exempt from the enrolment limits), so the address is unknown.
        assert_eq!(client_addr(&parts(&[]), true), None);
        assert_eq!(client_addr(&parts(&["garbage"]), true), None);
    }
}
