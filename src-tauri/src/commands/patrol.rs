//! The running patrol: start, stop, and the live map. Starting is the visible action from which
//! a phone may start background tracking (Android 12+ allows a location foreground service only
//! from one), so the native tracker is started here and stopped with the patrol.

use super::{non_blank, slug};
use crate::dto::{DISPLAY_TOLERANCE_M, LivePatrol, OpenPatrol, Saved};
use crate::error::{CmdResult, CommandError};
use crate::position;
use crate::state::AppState;
use patrol_model::{GroupId, PatrolId, PatrolStart, Plate, VolunteerCategory};
use std::collections::BTreeMap;
use tauri::{AppHandle, Runtime, State};

#[tauri::command(rename_all = "snake_case")]
pub fn start_patrol<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    mode: String,
    group: String,
    officers: Option<Vec<String>>,
    volunteers: Option<BTreeMap<String, u32>>,
    vehicle_plate: Option<String>,
) -> CmdResult<Saved> {
    let mut counted = BTreeMap::new();
    for (category, n) in volunteers.unwrap_or_default() {
        let category: VolunteerCategory = slug("volunteers", &category)?;
        *counted.entry(category).or_default() += n;
    }
    let start = PatrolStart {
        patrol_id: PatrolId::new(),
        mode: slug("mode", &mode)?,
        group: GroupId(group.trim().to_owned()),
        officers: officers
            .unwrap_or_default()
            .into_iter()
            .map(|o| o.trim().to_owned())
            .collect(),
        volunteers: counted,
        vehicle_plate: non_blank(vehicle_plate)
            .map(|p| p.parse::<Plate>())
            .transpose()
            .map_err(|e| CommandError::from(e.at("vehicle_plate")))?,
    };
    let capture = state.capture();
    let mode = start.mode;
    // A group missing from the reference data is saved with a warning, never refused.
    let started = state.commit(&app, |s| s.start_patrol_noting(start, capture))?;
    position::native_start(&app, &state, mode);
    Ok(started.into())
}

/// Seal the buffered fixes and stop, atomically; returns the sealed segment (if any) and the stop.
#[tauri::command(rename_all = "snake_case")]
pub fn stop_patrol<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
) -> CmdResult<Vec<Saved>> {
    let capture = state.capture();
    let entries = state.commit(&app, |s| s.stop_patrol(None, capture))?;
    position::native_stop(&app, &state);
    Ok(entries.iter().map(Saved::from).collect())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn live_patrol(state: State<'_, AppState>) -> CmdResult<Option<LivePatrol>> {
    state.with_store(|s| -> CmdResult<_> {
        let gps = state.position.health(true, s.clock().wall_ms());
        Ok(OpenPatrol::of(s)?.map(|(patrol, fixes)| LivePatrol {
            gps,
            patrol,
            route: patrol_geo::track::simplify_for_display(&fixes, DISPLAY_TOLERANCE_M)
                .into_iter()
                .map(|p| [p.lat, p.lon])
                .collect(),
        }))
    })
}
