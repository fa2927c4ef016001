//! Choosing the desktop position source (docs/app-api.md: desktop only). Phones use GNSS through
//! the patrol-location plugin and refuse this command.

use crate::error::{CmdResult, CommandError};
use crate::state::AppState;
use tauri::{AppHandle, Runtime, State};

#[tauri::command(rename_all = "snake_case")]
pub fn start_position_source<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    kind: String,
    gpx_path: Option<String>,
) -> CmdResult<()> {
    if cfg!(mobile) {
        return Err(CommandError::invalid(
            "kind",
            "simulated positions exist only on desktop; phones use GNSS",
        ));
    }
    let spec = match (kind.trim(), super::non_blank(gpx_path)) {
        ("simulated", _) => "simulated".to_owned(),
        ("gpx-replay", Some(path)) => format!("gpx-replay:{path}"),
        ("gpx-replay", None) => {
            return Err(CommandError::invalid(
                "gpx_path",
                "is required for gpx-replay",
            ));
        }
        (other, _) => {
            return Err(CommandError::invalid(
                "kind",
                format!("unknown value `{other}` (expected one of: simulated, gpx-replay)"),
            ));
        }
    };
    let (kind, source) = crate::position::parse_source(&spec, None)
        .map_err(|e| CommandError::new("io", e))?
        .expect("simulated and gpx-replay are sources");
    state.position.start(app, state.store.clone(), kind, source);
    Ok(())
}
