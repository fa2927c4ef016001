//! The app syncs by itself while it runs: every 30 s during a patrol, so HQ's live map has the
//! unit's position within a minute, less often otherwise, backing off while the network is
//! away. The timing is the pure [`patrol_sync::plan::next_auto_sync`]; here is only the loop.
//! The officer's "sync now" and this loop share the sync gate, so they never run at once.
//! `PATROL_AUTO_SYNC=off` turns it off (tests that watch the queue fill).

use crate::commands::sync_device;
use crate::secrets;
use crate::state::AppState;
use tauri::{AppHandle, Manager, Runtime};

/// Start the loop (once, at setup).
pub fn spawn<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut failures = 0u32;
        loop {
            let wait = {
                let state = app.state::<AppState>();
                let (patrolling, pending) = state
                    .with_store(|s| {
                        Ok::<_, patrol_device::Error>((
                            s.open_patrol()?.is_some(),
                            s.outbox_counts()?.pending,
                        ))
                    })
                    .unwrap_or((false, 0));
                let wait = patrol_sync::plan::next_auto_sync(patrolling, pending, failures);
                let at =
                    state.clock.wall_ms() + i64::try_from(wait.as_millis()).unwrap_or(i64::MAX / 2);
                state.note_sync(|t| t.next_attempt_ms = Some(at));
                wait
            };
            tokio::time::sleep(wait).await;
            let state = app.state::<AppState>();
            // Not enrolled yet: nothing to sync with; look again later.
            if !matches!(
                state.with_store(|s| secrets::enrolled(&state.keys, s)),
                Ok(true)
            ) {
                continue;
            }
            match sync_device(&app, &state, |_| {}).await {
                Ok(_) => failures = 0,
                Err(e) => {
                    failures = failures.saturating_add(1);
                    log::warn!("automatic sync failed: {}", e.message);
                }
            }
        }
    });
}
