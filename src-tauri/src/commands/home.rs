//! Read-only screens: home, reference data, history. Each reads the store once and converts;
//! the figures are the core's derived views, never stored by the shell.

use crate::dto::{HistoryItem, Home, OpenPatrol, SyncMarks};
use crate::error::{CmdResult, CommandError};
use crate::state::{AppState, ledger_problem};
use patrol_model::{City, EntryKind};
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

/// Every entry as it stands (corrections applied, withdrawals marked), newest first.
#[tauri::command(rename_all = "snake_case")]
pub async fn history(
    state: State<'_, AppState>,
    limit: Option<usize>,
) -> CmdResult<Vec<HistoryItem>> {
    let limit = limit.unwrap_or(DEFAULT_HISTORY);
    state.with_store(|s| -> CmdResult<_> {
        let marks = SyncMarks::of(s)?;
        let mut items: Vec<HistoryItem> = s
            .history()?
            .iter()
            .map(|e| HistoryItem::standing(e, &marks))
            .collect();
        for e in s.entries_of(&[EntryKind::Supplement])? {
            items.push(HistoryItem::supplement(&e, &marks).map_err(CommandError::from)?);
        }
        items.sort_by_key(|i| std::cmp::Reverse(i.seq));
        items.truncate(limit);
        Ok(items)
    })
}
