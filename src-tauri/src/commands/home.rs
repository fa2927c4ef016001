//! Read-only screens: home, reference data, history. Each reads the store once and converts;
//! the figures are the core's derived views, never stored by the shell.

use crate::dto::{HistoryItem, Home, OpenPatrol, SyncMarks};
use crate::error::{CmdResult, CommandError};
use crate::state::{AppState, ledger_problem};
use patrol_device::Recent;
use patrol_model::City;
use tauri::State;

/// Newest entries `history` returns without a `limit`.
const DEFAULT_HISTORY: usize = 200;

#[tauri::command(rename_all = "snake_case")]
pub fn home(state: State<'_, AppState>) -> CmdResult<Home> {
    let position_source = state.position.kind().as_str();
    state.with_store(|s| -> CmdResult<Home> {
        let counts = s.outbox_counts()?;
        let enrollment = s.enrollment()?;
        let open_patrol = OpenPatrol::of(s)?.map(|(p, _)| p);
        let gps = state
            .position
            .health(open_patrol.is_some(), s.clock().wall_ms());
        Ok(Home {
            device_id: s.device_id(),
            enrolled: crate::secrets::enrolled(&state.keys, s)?,
            hq_url: s.hq_url()?,
            device_name: enrollment.map(|e| e.device_name).filter(|n| !n.is_empty()),
            open_patrol,
            unsynced: counts.pending,
            quarantined: counts.quarantined,
            today: s.day_tally(s.today()?)?,
            drafts: s.drafts()?.len(),
            last_sync_ms: s.last_receipt()?.map(|r| r.saved_ms),
            city_loaded: s.city()?.is_some(),
            position_source,
            ledger_problem: ledger_problem(s),
            gps,
        })
    })
}

/// The city as last received from HQ (`Reference`, plus its grid `cells` for the map).
#[tauri::command(rename_all = "snake_case")]
pub fn reference(state: State<'_, AppState>) -> CmdResult<Option<City>> {
    state.with_store(|s| s.city())
}

/// The newest entries as they stand (corrections applied, withdrawals marked), supplements as
/// entries of their own, newest first; `tracks: false` leaves track segments out, so `limit`
/// counts what the officer reads. Only those entries are read ([`patrol_device::Store::recent`]).
#[tauri::command(rename_all = "snake_case")]
pub async fn history(
    state: State<'_, AppState>,
    limit: Option<usize>,
    tracks: Option<bool>,
) -> CmdResult<Vec<HistoryItem>> {
    let limit = limit.unwrap_or(DEFAULT_HISTORY);
    state.with_store(|s| -> CmdResult<_> {
        let marks = SyncMarks::of(s)?;
        s.recent(limit, tracks.unwrap_or(true))?
            .iter()
            .map(|r| match r {
                Recent::Entry(e) => Ok(HistoryItem::standing(e, &marks)),
                Recent::Supplement(e) => {
                    HistoryItem::supplement(e, &marks).map_err(CommandError::from)
                }
            })
            .collect()
    })
}
