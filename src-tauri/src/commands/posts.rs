//! Posts (驻点路口): minutes held in each duty window, and manual arrive/leave check-ins. The
//! minutes are the core's (`Store::post_duty`, `patrol_geo::duty`); nothing is stored here.

use crate::dto::Saved;
use crate::error::{CmdResult, CommandError};
use crate::state::AppState;
use patrol_device::Store;
use patrol_device::views::{self, PostDuty};
use patrol_geo::duty::{WindowMinutes, minutes_in_current_window};
use patrol_model::{EntryKind, PostArrival, PostDeparture, PostId, Record, VisitEvidence};
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

/// The post must be in the reference data (when there is any), and the check-in must change
/// something: arriving where the officer already is, or leaving where they are not, is refused.
fn check_post(store: &Store, post_id: &PostId, arriving: bool) -> CmdResult<()> {
    if let Some(city) = store.city()?
        && !city.posts.iter().any(|p| &p.id == post_id)
    {
        return Err(CommandError::not_found(
            "post_id",
            format!("post {post_id} is not in the reference data"),
        ));
    }
    let standing = store.standing(&[EntryKind::PostArrived, EntryKind::PostLeft])?;
    let on_post = views::open_post_ids(&standing).contains(post_id);
    match (arriving, on_post) {
        (true, true) => Err(CommandError::invalid(
            "post_id",
            format!("already on post {post_id}; leave it first"),
        )),
        (false, false) => Err(CommandError::invalid(
            "post_id",
            format!("not on post {post_id}"),
        )),
        _ => Ok(()),
    }
}

fn visit<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
    post_id: String,
    arriving: bool,
) -> CmdResult<Saved> {
    let post_id = PostId(post_id.trim().to_owned());
    let capture = state.capture();
    let evidence = VisitEvidence {
        source: "manual".into(),
        at: capture.position,
        ..VisitEvidence::default()
    };
    let entry = state.commit(app, |s| -> CmdResult<_> {
        patrol_model::validate_code("post_id", post_id.as_str())?;
        check_post(s, &post_id, arriving)?;
        let patrol_id = s.open_patrol()?.map(|p| p.patrol_id);
        let record = if arriving {
            Record::PostArrived(PostArrival {
                post_id,
                patrol_id,
                evidence,
            })
        } else {
            Record::PostLeft(PostDeparture {
                post_id,
                patrol_id,
                evidence,
            })
        };
        Ok(s.append(&record, capture)?)
    })?;
    Ok(entry.into())
}

#[tauri::command(rename_all = "snake_case")]
pub fn post_arrive<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    post_id: String,
) -> CmdResult<Saved> {
    visit(&app, &state, post_id, true)
}

#[tauri::command(rename_all = "snake_case")]
pub fn post_leave<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    post_id: String,
) -> CmdResult<Saved> {
    visit(&app, &state, post_id, false)
}
