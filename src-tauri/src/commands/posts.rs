//! Posts (驻点路口): minutes held in each duty window, and manual arrive/leave check-ins. The
//! minutes are the core's (`Store::post_duty`, `patrol_geo::duty`), and so are the check-in rules
//! (`Store::arrive_at_post`, `Store::leave_post`); nothing is decided or stored here.

use crate::dto::Saved;
use crate::error::CmdResult;
use crate::state::AppState;
use patrol_device::views::{self, PostDuty};
use patrol_geo::duty::{WindowMinutes, minutes_in_current_window};
use patrol_model::{EntryKind, PostCrew, PostId, VisitEvidence};
use serde::Serialize;
use tauri::{AppHandle, Runtime, State};

/// docs/app-api.md's `PostDuty`: the core's view plus the window in force now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostDutyView {
    #[serde(flatten)]
    pub duty: PostDuty,
    pub current_window: Option<CurrentWindow>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
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
                PostDutyView {
                    duty,
                    current_window: current.map(Into::into),
                }
            })
            .collect())
    })
}

fn visit<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    post_id: String,
    crew: PostCrew,
    arriving: bool,
) -> CmdResult<Saved> {
    let post_id = PostId(post_id.trim().to_owned());
    let capture = state.capture();
    let evidence = VisitEvidence {
        source: "manual".into(),
        at: capture.position,
        ..VisitEvidence::default()
    };
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
    visit(&app, &state, post_id, crew, true)
}

#[tauri::command(rename_all = "snake_case")]
pub fn post_leave<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    post_id: String,
) -> CmdResult<Saved> {
    visit(&app, &state, post_id, PostCrew::default(), false)
}
