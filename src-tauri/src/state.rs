//! What the shell keeps while it runs: the device [`Store`] behind a mutex (shared with the
//! position source and the sync engine, which takes it only between network calls), the
//! [`SyncEngine`], and the position hub. Also where the data folder comes from: Tauri's
//! `app_data_dir`, or `PATROL_APP_DATA` for tests and demos; and its keys ([`Keystore`]): the
//! store is encrypted at rest.

use crate::error::{CmdResult, CommandError, ShellError};
use crate::events;
use crate::position::PositionHub;
use crate::secrets::{self, Keystore};
use patrol_device::{Capture, Clock, Store, SystemClock};
use patrol_model::LatLon;
use patrol_sync::SyncEngine;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tauri::{AppHandle, Runtime};

/// A fix older than this is not used to stamp where a record was captured.
const FRESH_FIX_MS: i64 = 120_000;

/// The app's state, managed by Tauri (`State<'_, AppState>` in commands).
#[derive(Debug)]
pub struct AppState {
    pub store: Arc<Mutex<Store>>,
    pub engine: SyncEngine,
    /// One sync at a time; a second `sync_now` waits for the first.
    pub sync_gate: tokio::sync::Mutex<()>,
    pub position: Arc<PositionHub>,
    pub clock: Arc<dyn Clock>,
    /// Where the store key and the device secret are kept.
    pub keys: Keystore,
    /// When syncs were tried and how the last one ended, for the sync screen.
    pub sync_times: std::sync::Mutex<SyncTimes>,
    /// The city's map pack, opened on first use.
    pub map: crate::commands::MapCache,
}

/// The sync attempts of this run of the app (not stored: after a restart the next attempt
/// comes within seconds anyway).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct SyncTimes {
    /// When the last sync started (device clock, ms).
    pub last_attempt_ms: Option<i64>,
    /// When a sync last ended with HQ's receipt.
    pub last_ok_ms: Option<i64>,
    /// How the last attempt failed (`network`, `not_enrolled`, …), `None` when it went through.
    pub last_error_kind: Option<String>,
    pub last_error: Option<String>,
    /// When the app will try by itself next, if it will.
    pub next_attempt_ms: Option<i64>,
}

impl AppState {
    /// Open (or create) the encrypted store in `dir`, its key in the OS keystore or in
    /// `key_file` (`PATROL_KEY_FILE`; see [`Keystore::for_data_dir`]). A plaintext store from an
    /// older version is encrypted on the way, and a device secret in its settings moved to the
    /// OS keystore.
    pub fn open(dir: &Path, key_file: Option<&Path>) -> Result<AppState, ShellError> {
        let keys = Keystore::for_data_dir(dir, key_file)?;
        Self::open_with_clock(dir, Arc::new(SystemClock::new()), keys)
    }

    /// Open with a given clock (tests pass a `ManualClock`) and keystore.
    pub fn open_with_clock(
        dir: &Path,
        clock: Arc<dyn Clock>,
        keys: Keystore,
    ) -> Result<AppState, ShellError> {
        let store = Store::open_with_source(dir, clock.clone(), &keys).map_err(|source| {
            ShellError::Store {
                dir: dir.to_path_buf(),
                source,
            }
        })?;
        if let Some(broken) = ledger_problem(&store) {
            log::warn!("{broken}");
        }
        if let Err(e) = secrets::secure_device_secret(&keys, &store) {
            log::warn!("the device secret stays in the store: {e}");
        }
        let engine = SyncEngine::new().map_err(|e| ShellError::Sync(e.to_string()))?;
        Ok(AppState {
            store: Arc::new(Mutex::new(store)),
            engine,
            sync_gate: tokio::sync::Mutex::new(()),
            position: Arc::new(PositionHub::default()),
            clock,
            keys,
            sync_times: Default::default(),
            map: crate::commands::MapCache::new(dir),
        })
    }

    /// Run one core call on the store. A poisoned lock is taken over: the store's own
    /// transactions keep the data consistent, so a panic elsewhere must not lock the officer out.
    pub fn with_store<T, E: Into<CommandError>>(
        &self,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> CmdResult<T> {
        let mut store = self
            .store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut store).map_err(Into::into)
    }

    /// Like [`AppState::with_store`] for a call that commits: announces `ledger-changed` after.
    pub fn commit<R: Runtime, T, E: Into<CommandError>>(
        &self,
        app: &AppHandle<R>,
        f: impl FnOnce(&mut Store) -> Result<T, E>,
    ) -> CmdResult<T> {
        let (out, changed) = self.with_store(|s| -> CmdResult<_> {
            let out = f(s).map_err(Into::into)?;
            Ok((out, events::ledger_changed_of(s)?))
        })?;
        events::emit_ledger_changed(app, changed);
        Ok(out)
    }

    /// Change the sync times (a poisoned lock is taken over: they are only for display).
    pub fn note_sync(&self, f: impl FnOnce(&mut SyncTimes)) {
        let mut t = self
            .sync_times
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut t);
    }

    pub fn sync_times(&self) -> SyncTimes {
        self.sync_times
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Where a record is being captured: the latest fix, when it is fresh.
    pub fn capture(&self) -> Capture {
        let Some(fix) = self.position.last_fix() else {
            return Capture::default();
        };
        let fresh = fix
            .time_ms
            .is_some_and(|t| self.clock.wall_ms() - t <= FRESH_FIX_MS);
        if !fresh {
            return Capture::default();
        }
        Capture {
            gnss_ms: fix.gnss_ms,
            position: Some(LatLon {
                lat: fix.lat,
                lon: fix.lon,
            }),
        }
    }
}

/// What the check after an unclean shutdown found, said in one line (`None` when intact).
pub fn ledger_problem(store: &Store) -> Option<String> {
    let check = store.open_report().check.as_ref()?;
    if check.integrity != "ok" {
        return Some(format!("database integrity check: {}", check.integrity));
    }
    check
        .broken
        .as_ref()
        .map(|b| format!("the ledger is broken at {b}; it will not be synced"))
}

/// The data folder when `PATROL_APP_DATA` is not set: Tauri's `app_data_dir`.
pub fn data_dir<R: Runtime>(app: &AppHandle<R>) -> Result<PathBuf, ShellError> {
    use tauri::Manager;
    app.path()
        .app_data_dir()
        .map_err(|e| ShellError::DataDir(e.to_string()))
}
