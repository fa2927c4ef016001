//! The live channel for dispatches while the app is open: a long-poll on the unit's inbox at
//! HQ, answered the moment an order is sent, so it reaches the officer within seconds rather
//! than at the next sync. New messages raise `dispatch-new` (naming the new orders; a
//! withdrawal names none); the screen shows the full-screen card. It never takes the sync gate (storing an inbox message twice is a no-op) and never
//! writes the ledger. Away from the network it waits longer between tries.

use crate::events;
use crate::secrets;
use crate::state::AppState;
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime};

/// How long HQ may hold one request (the engine caps it below its silence limit).
const HOLD: Duration = Duration::from_secs(25);

/// Start the loop (once, at setup).
pub fn spawn<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut failures = 0u32;
        loop {
            let state = app.state::<AppState>();
            let creds = match state.with_store(|s| {
                if secrets::enrolled(&state.keys, s)? {
                    secrets::credentials(&state.keys, s).map(Some)
                } else {
                    Ok(None)
                }
            }) {
                Ok(Some(c)) => c,
                // Not enrolled yet (or the keystore is away): look again later.
                _ => {
                    tokio::time::sleep(Duration::from_secs(10)).await;
                    continue;
                }
            };
            match state.engine.pull_inbox(&*state.store, &creds, HOLD).await {
                Ok(pulled) => {
                    failures = 0;
                    // New orders, and withdrawals too: the screen refreshes either way, and
                    // alerts the officer for the orders it names.
                    if pulled.messages > 0 {
                        events::emit_dispatch_new(&app, &pulled.new_orders);
                    }
                }
                Err(e) => {
                    failures = failures.saturating_add(1);
                    log::info!("dispatch inbox not reached: {e}");
                    let wait = patrol_sync::plan::next_auto_sync(false, 0, failures)
                        .min(Duration::from_secs(60));
                    tokio::time::sleep(wait).await;
                }
            }
        }
    });
}
