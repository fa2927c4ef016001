//! Drafts: forms begun but not finished. Not evidence — editable, deletable, kept apart from the
//! ledger — so saving one commits nothing and emits no `ledger-changed`.

use crate::error::CmdResult;
use crate::state::AppState;
use patrol_device::Draft;
use tauri::State;

#[tauri::command(rename_all = "snake_case")]
pub fn save_draft(
    state: State<'_, AppState>,
    id: String,
    kind: String,
    body: serde_json::Value,
) -> CmdResult<Draft> {
    state.with_store(|s| s.save_draft(id.trim(), kind.trim(), &body))
}

/// Every draft, most recently edited first.
#[tauri::command(rename_all = "snake_case")]
pub fn drafts(state: State<'_, AppState>) -> CmdResult<Vec<Draft>> {
    state.with_store(|s| s.drafts())
}

/// `true` when a draft was deleted.
#[tauri::command(rename_all = "snake_case")]
pub fn discard_draft(state: State<'_, AppState>, id: String) -> CmdResult<bool> {
    state.with_store(|s| s.discard_draft(id.trim()))
}
