//! The running patrol: start, stop, and the live map. Starting is the visible action from which
//! a phone may start background tracking (Android 12+ allows a location foreground service only
//! from one), so the native tracker is started here and stopped with the patrol.

use super::{non_blank, slug};
use crate::dto::{DISPLAY_TOLERANCE_M, LivePatrol, OpenPatrol, Saved};
use crate::error::{CmdResult, CommandError};
use crate::position;
use crate::state::AppState;
use patrol_model::{
    GroupId, PatrolId, PatrolStart, Plate, Record, ValidationCode, ValidationError,
    VolunteerCategory,
};
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
    // The core's rules first (they name the field a form must fix), then the app's own: a
    // patrol has someone on it. The core accepts crews without names (ledgers from before
    // this rule, imports); the officer's app does not start one.
    Record::PatrolStarted(start.clone()).validate()?;
    if start.officers.is_empty() {
        return Err(ValidationError::new(
            "officers",
            ValidationCode::Required,
            "name at least one officer",
        )
        .into());
    }
    let capture = state.capture();
    let mode = start.mode;
    // A group missing from the reference data is saved with a warning, never refused.
    let started = state.commit(&app, |s| s.start_patrol_noting(start, capture))?;
    position::native_start(&app, &state, mode);
    Ok(started.into())
}

/// The crew of the last patrol started on this device, for "same as last time" (`None` on a
/// new device). The officer still taps start: nothing is saved here.
#[tauri::command(rename_all = "snake_case")]
pub fn last_shift(state: State<'_, AppState>) -> CmdResult<Option<LastShift>> {
    state.with_store(|s| {
        Ok::<_, patrol_device::Error>(s.last_shift()?.map(|p| LastShift {
            group: p.group,
            mode: p.mode,
            officers: p.officers,
            volunteers: p.volunteers,
            vehicle_plate: p.vehicle_plate,
        }))
    })
}

/// docs/app-api.md's `LastShift`: `start_patrol`'s arguments as last given.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
pub struct LastShift {
    pub group: GroupId,
    pub mode: patrol_model::PatrolMode,
    pub officers: Vec<String>,
    pub volunteers: BTreeMap<VolunteerCategory, u32>,
    pub vehicle_plate: Option<Plate>,
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
