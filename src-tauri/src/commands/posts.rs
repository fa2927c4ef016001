//! Posts (驻点路口): minutes held in each duty window, the geofence's suggestion, and arrive/leave
//! check-ins (manual, or confirming a suggestion with its evidence). The minutes are the core's
//! (`Store::post_duty`, `patrol_geo::duty`), and so are the suggestion (`Store::post_suggestion`)
//! and the check-in rules (`Store::arrive_at_post`, `Store::leave_post`); nothing is decided or
//! stored here.

use crate::dto::Saved;
use crate::error::{CmdResult, CommandError};
use crate::state::AppState;
use patrol_device::PostSuggestion;
use patrol_device::views::{self, PostDuty};
use patrol_geo::duty::{WindowMinutes, minutes_in_current_window};
use patrol_model::{EntryKind, PostCrew, PostId, ValidationCode, VisitEvidence};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

/// docs/app-api.md's `PostDuty`: the core's view plus the window in force now.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PostDutyView {
    #[serde(flatten)]
    pub duty: PostDuty,
    pub current_window: Option<CurrentWindow>,
    /// How this device's open visit was checked in (`manual`, `geofence`); `null` off post.
    pub arrival_source: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, ts_rs::TS)]
pub struct CurrentWindow {
    pub start_ms: i64,
    pub end_ms: i64,
    pub minutes_on_post: f64,
}

impl From<WindowMinutes> for CurrentWindow {
    fn from(w: WindowMinutes) -> Self {
        CurrentWindow {
            start_ms: w.start_ms,
            end_ms: w.end_ms,
            minutes_on_post: w.minutes_on_post,
        }
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn post_duty(state: State<'_, AppState>) -> CmdResult<Vec<PostDutyView>> {
    state.with_store(|s| -> CmdResult<_> {
        let Some(city) = s.city()? else {
            return Ok(Vec::new());
        };
        let now = s.clock().wall_ms();
        let standing = s.post_standing()?;
        let visits = views::post_visits(
            &s.standing(&[EntryKind::PostArrived, EntryKind::PostLeft])?,
            now,
        );
        Ok(s.post_duty(s.today()?)?
            .into_iter()
            .map(|duty| {
                let windows = city
                    .posts
                    .iter()
                    .find(|p| p.id == duty.post_id)
                    .map(|p| p.duty_windows.as_slice())
                    .unwrap_or_default();
                let held = visits
                    .get(&duty.post_id)
                    .map(Vec::as_slice)
                    .unwrap_or_default();
                let current = minutes_in_current_window(held, windows, city.tz(), now);
                let arrival_source = standing
                    .get(&duty.post_id)
                    .filter(|s| s.on_post)
                    .and_then(|s| s.source.clone());
                PostDutyView {
                    duty,
                    current_window: current.map(Into::into),
                    arrival_source,
                }
            })
            .collect())
    })
}

/// What the geofence suggests now (`Store::post_suggestion`): an arrival or a departure to
/// confirm, or `null` — always `null` without a running patrol, since fixes are recorded only
/// while one runs.
#[tauri::command(rename_all = "snake_case")]
pub async fn post_suggestion(state: State<'_, AppState>) -> CmdResult<Option<PostSuggestion>> {
    state.with_store(|s| -> CmdResult<_> { Ok(s.post_suggestion()?) })
}

/// The evidence to record: a confirmed suggestion's (source `geofence`, as `post_suggestion`
/// returned it), else a manual check-in at the device's position.
fn evidence_of(
    given: Option<VisitEvidence>,
    at: Option<patrol_model::LatLon>,
) -> CmdResult<VisitEvidence> {
    let Some(mut e) = given else {
        return Ok(VisitEvidence {
            source: "manual".into(),
            at,
            ..VisitEvidence::default()
        });
    };
    if e.source != "geofence" {
        return Err(CommandError::invalid(
            "evidence.source",
            ValidationCode::Enum,
            format!(
                "`{}` is not `geofence` (leave evidence out for a manual check-in)",
                e.source
            ),
        ));
    }
    if e.best_accuracy_m
        .is_some_and(|a| !(a.is_finite() && a >= 0.0))
    {
        return Err(CommandError::invalid(
            "evidence.best_accuracy_m",
            ValidationCode::AtLeast,
            "must be a finite number of metres, not negative",
        ));
    }
    if e.at.is_none() {
        e.at = at;
    }
    Ok(e)
}

fn visit<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    post_id: String,
    crew: PostCrew,
    evidence: Option<VisitEvidence>,
    arriving: bool,
) -> CmdResult<Saved> {
    let post_id = PostId(post_id.trim().to_owned());
    let capture = state.capture();
    let evidence = evidence_of(evidence, capture.position)?;
    // The core refuses an unknown post and a check-in that changes nothing (as the CLI does).
    let entry = state.commit(app, |s| {
        if arriving {
            s.arrive_at_post(post_id, crew, evidence, capture)
        } else {
            s.leave_post(post_id, evidence, capture)
        }
    })?;
    Ok(entry.into())
}

#[tauri::command(rename_all = "snake_case")]
pub fn post_arrive<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    post_id: String,
    officers: Option<Vec<String>>,
    volunteers: Option<std::collections::BTreeMap<String, u32>>,
    evidence: Option<VisitEvidence>,
) -> CmdResult<Saved> {
    let mut crew = PostCrew {
        officers: officers
            .unwrap_or_default()
            .into_iter()
            .map(|o| o.trim().to_owned())
            .filter(|o| !o.is_empty())
            .collect(),
        ..PostCrew::default()
    };
    for (category, n) in volunteers.unwrap_or_default() {
        let category: patrol_model::VolunteerCategory = super::slug("volunteers", &category)?;
        *crew.volunteers.entry(category).or_default() += n;
    }
    visit(&app, &state, post_id, crew, evidence, true)
}

#[tauri::command(rename_all = "snake_case")]
pub fn post_leave<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    post_id: String,
    evidence: Option<VisitEvidence>,
) -> CmdResult<Saved> {
    visit(&app, &state, post_id, PostCrew::default(), evidence, false)
}
