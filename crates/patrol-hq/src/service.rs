//! HQ's use cases, between HTTP and storage: each HTTP handler is one call into here, and the
//! `patrol-hq` command line calls the same functions. A use case reads what the pure planners
//! need from storage, lets them decide, and commits what they decided.

use crate::auth::{enrollment_code, hash_secret, normalize_code, random_secret};
use crate::error::{ApiError, ApiResult};
use crate::events::HqEvent;
use crate::limits::Refused;
use crate::storage::StorageError;
use crate::{AppState, ingest};
use patrol_model::DeviceId;
use patrol_model::v1::{EnrollRequest, EnrollResponse, UploadRequest, UploadResponse};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::IpAddr;

/// Letters and digits of an enrolment code (`XXXX-XXXX-XXXX`, 60 bits). Codes of 8 issued by
/// earlier versions are still redeemed until they expire.
pub const CODE_LEN: usize = 12;
const OLD_CODE_LEN: usize = 8;

/// Enrolment codes that may wait unredeemed at once: a station prints a few a day; thousands
/// would mean a script run wild, and each one is a door.
pub const MAX_PENDING_CODES: usize = 500;

/// Refuse text that would mislead a person reading a log or a list: control characters (a
/// newline forges a log line) and bidirectional overrides (U+202E turns `gpj.exe` around).
pub fn check_label(field: &str, value: &str, max_chars: usize) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() || value.chars().count() > max_chars {
        return Err(ApiError::bad(
            "bad_name",
            format!("{field}: 1–{max_chars} characters"),
        ));
    }
    let bidi = |c: char| matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if let Some(c) = value.chars().find(|c| c.is_control() || bidi(*c)) {
        return Err(ApiError::bad(
            "bad_name",
            format!(
                "{field}: control or text-direction character U+{:04X} is not allowed",
                u32::from(c)
            ),
        ));
    }
    Ok(value.to_owned())
}

/// Redeem a one-time code: the device gets its secret (shown once; HQ keeps its hash). Each
/// attempt counts against the address's and HQ's per-minute limits; a failure is logged with
/// the address, never with the code.
pub async fn enroll(
    state: &AppState,
    addr: Option<IpAddr>,
    req: &EnrollRequest,
) -> ApiResult<EnrollResponse> {
    let shown = addr.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
    if let Err(why) = state.enrol_limiter.attempt(addr, state.now_ms()) {
        tracing::warn!(address = %shown, limit = ?why, "enrolment attempts over the limit");
        return Err(ApiError::TooMany(match why {
            Refused::Address => "too many enrolment attempts from this address; wait a minute",
            Refused::Overall => "too many enrolment attempts at HQ right now; wait a minute",
        }));
    }
    let code = normalize_code(&req.code);
    if code.len() != CODE_LEN && code.len() != OLD_CODE_LEN {
        tracing::warn!(address = %shown, "enrolment with a malformed code");
        return Err(ApiError::bad(
            "bad_code",
            "an enrolment code has 12 letters and digits, e.g. K7QM-3XPA-9RTW",
        ));
    }
    let secret = random_secret(32);
    let redeemed = state
        .storage
        .redeem_enrollment(
            &hash_secret(&code),
            req.device_id,
            &hash_secret(&secret),
            state.now_ms(),
        )
        .await;
    let device = match redeemed {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(address = %shown, device = %req.device_id, error = %e, "enrolment refused");
            return Err(e.into());
        }
    };
    tracing::info!(device = %device.id, name = %device.name, "device enrolled");
    state.events.publish(HqEvent::Devices);
    let city = state.storage.city().await?.map(|c| c.name);
    Ok(EnrollResponse {
        device_id: device.id,
        device_name: device.name,
        secret,
        city,
    })
}

/// Most entries accepted in one upload.
pub const MAX_BATCH: usize = 2000;

/// How often an upload is planned again when another upload of the same device committed
/// between planning and committing. Each retry sees a higher head, so this is never reached in
/// practice; past it HQ answers 503 so the device backs off and tries again.
const REPLANS: usize = 5;

/// Store one batch of a device's ledger exactly once: plan it against HQ's head (the pure
/// [`ingest::plan`]), commit the plan atomically, and plan again if the head moved meanwhile.
pub async fn upload(
    state: &AppState,
    id: DeviceId,
    req: &UploadRequest,
) -> ApiResult<UploadResponse> {
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
    // The groups a patrol start may name (read once per upload; the city changes rarely).
    let city = state.storage.city().await?;
    for _ in 0..REPLANS {
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
        let (held, conflicts_held): (HashMap<u64, _>, u32) =
            match (below.iter().min(), below.iter().max()) {
                (Some(&lo), Some(&hi)) => (
                    state
                        .storage
                        .hashes(id, lo, hi)
                        .await?
                        .into_iter()
                        .collect(),
                    u32::try_from(state.storage.conflicts(Some(id)).await?.len())
                        .unwrap_or(u32::MAX),
                ),
                _ => (HashMap::new(), 0),
            };
        let now = state.now_ms();
        let planned = ingest::plan(
            head,
            &held,
            &req.entries,
            now,
            req.device_now_ms,
            conflicts_held,
        );
        let mut planned = planned;
        if let Some(city) = &city {
            ingest::flag_unknown_groups(&mut planned.plan, city);
        }
        let accepted = u32::try_from(planned.plan.new.len()).unwrap_or(u32::MAX);
        let skew_ms = planned.plan.skew_ms;
        let kept = planned.plan.conflicts.len();
        match state.storage.commit_ingest(id, planned.plan).await {
            Ok(head) => {
                if accepted > 0 {
                    state.events.publish(HqEvent::Upload {
                        device_id: id.to_string(),
                        head_seq: head.seq,
                        entries: accepted,
                    });
                }
                if !planned.conflicts.is_empty() {
                    tracing::warn!(
                        device = %id,
                        conflicts = planned.conflicts.len(),
                        kept,
                        "conflicting entries kept aside"
                    );
                }
                return Ok(UploadResponse {
                    head,
                    accepted,
                    duplicates: planned.duplicates,
                    quarantined: planned.quarantined,
                    rejected: planned.rejected,
                    conflicts: planned.conflicts,
                    skew_ms,
                });
            }
            Err(StorageError::HeadMoved { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Busy(format!(
        "device {id}: other uploads of this device keep committing; retry shortly"
    )))
}

/// Keep one line of the audit trail. An action that cannot be recorded is not done: the caller
/// fails with the storage error, so nothing happens unaccounted for.
pub async fn audit(
    state: &AppState,
    who: &crate::auth::Operator,
    action: &str,
    target: Option<String>,
) -> ApiResult<()> {
    state
        .storage
        .append_audit(&crate::storage::AuditRecord {
            at_ms: state.now_ms(),
            operator: format!("{} ({})", who.name, who.id),
            role: who.role,
            address: who.address.clone(),
            action: action.to_owned(),
            target,
        })
        .await?;
    Ok(())
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrollmentCode {
    pub code: String,
    pub name: String,
    pub expires_ms: i64,
    /// The code as a QR code (SVG) for the station screen, as `patrol-hq device add --qr`
    /// writes it as PNG: only the code is in it, never HQ's address or a secret. Filled in by
    /// the HTTP endpoint; empty (and left out) elsewhere.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub qr_svg: String,
}

/// `code` as an SVG QR code.
pub fn qr_svg(code: &str) -> String {
    qrcode::QrCode::new(code.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(240, 240)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

/// How long a new enrolment code stays valid.
pub const ENROLLMENT_VALID_MS: i64 = 24 * 3600 * 1000;

/// A one-time enrolment code, shown once (HQ keeps only its hash).
/// Create a one-time enrolment code (the HTTP endpoint and `patrol-hq device add` both call it).
pub async fn new_enrollment(state: &AppState, name: &str) -> ApiResult<EnrollmentCode> {
    let name = check_label("device name", name, 64)?;
    let now = state.now_ms();
    let pending = state.storage.pending_enrollments(now).await?.len();
    if pending >= MAX_PENDING_CODES {
        return Err(ApiError::bad(
            "too_many_codes",
            format!(
                "{pending} enrolment codes are waiting unredeemed; cancel unused ones \
                 (`patrol-hq device cancel-code`) or let them expire"
            ),
        ));
    }
    let code = enrollment_code();
    let expires_ms = now + ENROLLMENT_VALID_MS;
    state
        .storage
        .create_enrollment(&hash_secret(&normalize_code(&code)), &name, now, expires_ms)
        .await?;
    Ok(EnrollmentCode {
        code,
        name,
        expires_ms,
        qr_svg: String::new(),
    })
}
