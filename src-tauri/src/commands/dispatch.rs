//! Dispatches from HQ (派警): the list the full-screen card and History read, one step of the
//! officer at a time, and the arrival the position suggests. The rules are the core's
//! (`Store::record_dispatch_step`, `Store::scene_suggestion`); nothing is decided here.

use super::{non_blank, slug};
use crate::error::CmdResult;
use crate::state::AppState;
use patrol_device::{DispatchCard, SceneSuggestion};
use patrol_model::{DispatchId, DispatchOutcome, DispatchStepKind};
use tauri::{AppHandle, Runtime, State};

/// Every dispatch on this device, newest first (docs/app-api.md's `Dispatch`).
#[tauri::command(rename_all = "snake_case")]
pub fn dispatches(state: State<'_, AppState>) -> CmdResult<Vec<DispatchCard>> {
    state.with_store(|s| s.dispatches())
}

/// Record the officer's step (`accepted`, `en-route`, `on-scene`, `cleared` with an outcome,
/// `declined` with a reason) where the officer is now; the card as it stands after.
#[tauri::command(rename_all = "snake_case")]
pub fn dispatch_step<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    id: String,
    step: String,
    outcome: Option<String>,
    reason: Option<String>,
    suggested: Option<bool>,
) -> CmdResult<DispatchCard> {
    let id: DispatchId = id
        .parse()
        .map_err(|e: patrol_model::ValidationError| e.at("id"))?;
    let step: DispatchStepKind = slug("step", &step)?;
    let outcome: Option<DispatchOutcome> = non_blank(outcome)
        .map(|o| slug("outcome", &o))
        .transpose()?;
    let capture = state.capture();
    state.commit(&app, |s| {
        s.record_dispatch_step(
            id,
            step,
            outcome,
            non_blank(reason),
            suggested.unwrap_or(false),
            capture,
        )?;
        s.dispatch(id)
    })
}

/// "You seem to be on scene" for an active dispatch, from the running patrol's fixes.
#[tauri::command(rename_all = "snake_case")]
pub fn scene_suggestion(state: State<'_, AppState>) -> CmdResult<Option<SceneSuggestion>> {
    state.with_store(|s| s.scene_suggestion())
}
