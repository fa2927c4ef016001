//! Enrolment and sync with HQ. The engine holds the store only between network calls, so the
//! officer keeps recording while a sync waits on the network; `ledger-changed` follows every
//! sync, since acknowledgements and reference data change what the screens show.

use crate::dto::{Receipt, SyncProgress};
use crate::error::CmdResult;
use crate::events;
use crate::secrets;
use crate::state::AppState;
use patrol_model::ValidationError;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::{AppHandle, Runtime, State};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Enrolled {
    pub device_name: String,
    pub city: Option<String>,
}

/// Redeem a one-time code from the station, then sync once so the city's reference data (groups,
/// posts, grid) is on the device before the first patrol. A failure of that first sync does not
/// undo the enrolment: the next sync tries again.
pub async fn enroll_device<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    hq_url: &str,
    code: &str,
) -> CmdResult<Enrolled> {
    let code = code.trim();
    if code.is_empty() {
        return Err(ValidationError::required("code").into());
    }
    if hq_url.trim().is_empty() {
        return Err(ValidationError::required("hq_url").into());
    }
    let resp = {
        let _gate = state.sync_gate.lock().await;
        let resp = state.engine.enroll(&*state.store, hq_url, code).await?;
        // Enrolment wrote the secret into the store; it belongs in the OS keystore.
        if let Err(e) = state.with_store(|s| secrets::secure_device_secret(&state.keys, s)) {
            log::warn!("the device secret stays in the store: {}", e.message);
        }
        if let Err(e) = sync_once(state, |_| {}).await {
            log::warn!("enrolled, but the first sync failed: {e}");
        }
        resp
    };
    announce(app, state);
    Ok(Enrolled {
        device_name: resp.device_name,
        city: resp.city,
    })
}

#[tauri::command(rename_all = "snake_case")]
pub async fn enroll<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    hq_url: String,
    code: String,
) -> CmdResult<Enrolled> {
    enroll_device(&app, &state, &hq_url, &code).await
}

async fn sync_once(
    state: &AppState,
    mut progress: impl FnMut(SyncProgress) + Send,
) -> CmdResult<patrol_sync::SyncReport> {
    let creds = state.with_store(|s| secrets::credentials(&state.keys, s))?;
    let report = state
        .engine
        .sync_with(&*state.store, &creds, |p| {
            if let Some(p) = SyncProgress::of(&p) {
                progress(p);
            }
        })
        .await?;
    Ok(report)
}

fn announce<R: Runtime>(app: &AppHandle<R>, state: &AppState) {
    match state.with_store(|s| events::ledger_changed_of(s)) {
        Ok(changed) => events::emit_ledger_changed(app, changed),
        Err(e) => log::warn!("{e}"),
    }
}

/// One whole sync, reporting progress on `on_progress`; ends with HQ's receipt.
pub async fn sync_device<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    progress: impl FnMut(SyncProgress) + Send,
) -> CmdResult<Receipt> {
    let result = {
        let _gate = state.sync_gate.lock().await;
        state.note_sync(|t| t.last_attempt_ms = Some(state.clock.wall_ms()));
        sync_once(state, progress).await
    };
    let now = state.clock.wall_ms();
    state.note_sync(|t| match &result {
        Ok(_) => {
            t.last_ok_ms = Some(now);
            t.last_error_kind = None;
            t.last_error = None;
        }
        Err(e) => {
            t.last_error_kind = Some(e.kind.clone());
            t.last_error = Some(e.message.clone());
        }
    });
    if let Ok(report) = &result
        && !report.new_dispatches.is_empty()
    {
        events::emit_dispatch_new(app, &report.new_dispatches);
    }
    // Even a failed sync may have delivered some entries.
    announce(app, state);
    Ok(Receipt::from(&result?))
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sync_now<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    on_progress: Channel<SyncProgress>,
) -> CmdResult<Receipt> {
    let send = |p: SyncProgress| {
        // A closed window stops listening; the sync goes on.
        let _ = on_progress.send(p);
    };
    let receipt = sync_device(&app, &state, send).await?;
    let _ = on_progress.send(SyncProgress {
        phase: "done",
        sent: receipt.entries_held,
        total: receipt.entries_held + receipt.pending,
    });
    Ok(receipt)
}

/// What waits to reach HQ (entries by kind, photos and their bytes, the front of the queue)
/// and when syncs were tried: the sync screen's list. Answers offline.
#[tauri::command(rename_all = "snake_case")]
pub fn sync_queue(state: State<'_, AppState>) -> CmdResult<SyncQueueView> {
    let queue = state.with_store(|s| patrol_sync::sync_queue(s))?;
    Ok(SyncQueueView {
        queue,
        times: state.sync_times(),
    })
}

/// Station sync without a network: write a signed bundle of everything HQ does not yet hold
/// (`exports/` in the app's data folder) for `patrol-hq import bundle FILE`. Written whole or
/// not at all; nothing on the device changes, the next sync settles the queue. Answers offline.
#[tauri::command(rename_all = "snake_case")]
pub fn export_bundle(state: State<'_, AppState>) -> CmdResult<BundleExported> {
    state.with_store(|s| {
        let creds = secrets::credentials(&state.keys, s)?;
        let p = patrol_sync::bundle::pending(s)?;
        let dir = s.dir().join("exports");
        std::fs::create_dir_all(&dir)
            .map_err(|e| patrol_sync::Error::Bundle(patrol_model::bundle::BundleError::Io(e)))?;
        let short: String = s.device_id().to_string().chars().take(8).collect();
        let file = dir.join(format!("patrol-{short}-{}-{}.bundle", p.from_seq, p.to_seq));
        let m = patrol_sync::bundle::export_to_file(s, &creds.secret, &file)?;
        let bytes = std::fs::metadata(&file).map(|f| f.len()).unwrap_or(0);
        Ok::<_, patrol_sync::Error>(BundleExported {
            path: file.display().to_string(),
            entries: m.entry_count(),
            from_seq: m.from_seq,
            to_seq: m.to_seq,
            photos: m.photos.len() as u64,
            bytes,
            hq_url: m.hq_url,
        })
    })
}

/// What `export_bundle` wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct BundleExported {
    /// Where the file is, to copy to the station's computer.
    pub path: String,
    pub entries: u64,
    pub from_seq: u64,
    pub to_seq: u64,
    pub photos: u64,
    pub bytes: u64,
    /// The HQ the bundle is for (the one this device is enrolled with).
    pub hq_url: String,
}

/// docs/app-api.md's `SyncQueue`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct SyncQueueView {
    #[serde(flatten)]
    pub queue: patrol_sync::SyncQueue,
    #[serde(flatten)]
    pub times: crate::state::SyncTimes,
}

/// The receipt of the last sync, with the outbox as it is now.
#[tauri::command(rename_all = "snake_case")]
pub fn sync_status(state: State<'_, AppState>) -> CmdResult<Option<Receipt>> {
    state.with_store(|s| Receipt::last(s))
}
