//! Events Rust sends the web view (docs/app-api.md, "Events"): `ledger-changed` after every
//! commit and every sync, `position` for each fix the position source delivers, `dispatch-new`
//! when HQ's orders reach the device (a sync or the live inbox). Emitting never
//! fails a command: the entry is already committed, and a closed window simply misses the event.

use patrol_device::Store;
use patrol_model::PositionFix;
use serde::Serialize;
use tauri::{AppHandle, Emitter, Runtime};

pub const LEDGER_CHANGED: &str = "ledger-changed";
pub const POSITION: &str = "position";
pub const DISPATCH_NEW: &str = "dispatch-new";

/// Payload of `dispatch-new`: orders that just reached this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct DispatchNew {
    pub ids: Vec<String>,
}

/// Payload of `ledger-changed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct LedgerChanged {
    pub head: u64,
    pub unsynced: u64,
    pub open_patrol: bool,
}

/// The figures of `ledger-changed` as the store has them now.
pub fn ledger_changed_of(store: &Store) -> patrol_device::Result<LedgerChanged> {
    Ok(LedgerChanged {
        head: store.head()?.0,
        unsynced: store.outbox_counts()?.pending,
        open_patrol: store.open_patrol()?.is_some(),
    })
}

pub fn emit_ledger_changed<R: Runtime>(app: &AppHandle<R>, changed: LedgerChanged) {
    if let Err(e) = app.emit(LEDGER_CHANGED, changed) {
        log::warn!("cannot emit {LEDGER_CHANGED}: {e}");
    }
}

pub fn emit_position<R: Runtime>(app: &AppHandle<R>, fix: &PositionFix) {
    if let Err(e) = app.emit(POSITION, fix) {
        log::warn!("cannot emit {POSITION}: {e}");
    }
}

pub fn emit_dispatch_new<R: Runtime>(app: &AppHandle<R>, ids: &[patrol_model::DispatchId]) {
    let payload = DispatchNew {
        ids: ids.iter().map(ToString::to_string).collect(),
    };
    if let Err(e) = app.emit(DISPATCH_NEW, payload) {
        log::warn!("cannot emit {DISPATCH_NEW}: {e}");
    }
}
