//! Importing a station bundle (`patrol-hq import bundle FILE`): a device that could not reach HQ
//! brought its ledger on a cable. The bundle is checked whole before anything is written — the
//! device enrolled here and not revoked, every entry's hash, the chain inside the bundle, the
//! photos' hashes and the signature made with the device secret — then its entries go through
//! the upload use case batch by batch, exactly as a sync would send them: idempotent (importing
//! twice changes nothing), the same quarantine and conflict rules, the same receipt.

use super::{MAX_BATCH, receipt, upload};
use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::storage::DeviceStatus;
use patrol_model::bundle::{Bundle, Manifest};
use patrol_model::v1::{Receipt, UploadRequest};

/// What an import did, and HQ's receipt after it (what the device would get from a sync).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Imported {
    pub manifest: Manifest,
    pub accepted: u32,
    pub duplicates: u32,
    pub quarantined: u32,
    pub conflicts: u32,
    /// Photos stored now; photos HQ held already; photos no entry HQ holds names (not kept).
    pub photos_stored: u32,
    pub photos_held: u32,
    pub photos_unreferenced: Vec<String>,
    pub receipt: Receipt,
}

pub async fn import(state: &AppState, bundle: Bundle) -> ApiResult<Imported> {
    let m = &bundle.manifest;
    let id = m.device_id;
    let device = state.storage.device(id).await?.ok_or_else(|| {
        ApiError::NotFound(format!(
            "device {id} is not enrolled at this HQ (the bundle is for HQ at {})",
            m.hq_url
        ))
    })?;
    if device.status == DeviceStatus::Revoked {
        return Err(ApiError::forbidden(
            "revoked",
            format!(
                "device {id} ({}) was revoked; its bundles are refused like its uploads",
                device.name
            ),
        ));
    }
    let key = hex::decode(&device.secret_hash).map_err(|_| {
        ApiError::bad(
            "bad_bundle",
            format!("device {id} has no usable secret at HQ"),
        )
    })?;
    bundle
        .check(&key)
        .map_err(|e| ApiError::bad("bad_bundle", e.to_string()))?;

    // No live clock to compare with: the device's last known offset stands in for it, so a
    // wrong clock is corrected as the last sync found it and a right one is left alone.
    let device_now_ms = state.now_ms().saturating_add(device.skew_ms);
    let (mut accepted, mut duplicates, mut quarantined, mut conflicts) = (0, 0, 0, 0);
    for batch in bundle.entries.chunks(MAX_BATCH) {
        let r = upload(
            state,
            id,
            &UploadRequest {
                device_now_ms,
                entries: batch.to_vec(),
            },
        )
        .await?;
        accepted += r.accepted;
        duplicates += r.duplicates;
        quarantined += r.quarantined.len() as u32;
        conflicts += r.conflicts.len() as u32;
        if let Some(first) = r.rejected.first() {
            // The upload refused the batch (a gap after HQ's head, say): what it said, and
            // what was already stored stays stored.
            return Err(ApiError::bad(
                "bundle_rejected",
                format!(
                    "entry seq {} was refused ({}): {}; {accepted} entries were stored before it",
                    first.seq, first.code, first.reason
                ),
            ));
        }
    }

    let (mut photos_stored, mut photos_held, mut photos_unreferenced) = (0, 0, Vec::new());
    for (photo, bytes) in &bundle.photos {
        if state.storage.photo(&photo.sha256).await?.is_some() {
            photos_held += 1;
            continue;
        }
        // As for an upload: HQ keeps only photos that entries it holds name.
        if !state.storage.photo_referenced(id, &photo.sha256).await? {
            photos_unreferenced.push(photo.sha256.clone());
            continue;
        }
        let row = state
            .storage
            .begin_photo(&photo.sha256, photo.size, &photo.mime, id, state.now_ms())
            .await?;
        if !row.complete {
            let from = usize::try_from(row.offset)
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            state
                .storage
                .append_photo(id, &photo.sha256, row.offset, &bytes[from..])
                .await?;
            // `check` verified the bytes against their SHA-256 name.
            state.storage.finish_photo(id, &photo.sha256, true).await?;
        }
        photos_stored += 1;
    }
    tracing::info!(
        device = %id,
        accepted,
        duplicates,
        quarantined,
        conflicts,
        photos_stored,
        "station bundle imported"
    );
    Ok(Imported {
        manifest: bundle.manifest.clone(),
        accepted,
        duplicates,
        quarantined,
        conflicts,
        photos_stored,
        photos_held,
        photos_unreferenced,
        receipt: receipt(state, id, None).await?,
    })
}
