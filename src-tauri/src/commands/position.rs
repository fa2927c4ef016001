//! Choosing the desktop position source (docs/app-api.md: desktop only). Phones use GNSS through
//! the patrol-location plugin and refuse this command.
//!
//! The web view names a GPX replay by file name only, and only files in the store's `replays/`
//! folder are read: the web view must never make Rust read an arbitrary file (a compromised page
//! would otherwise read the device secret's neighbours). `PATROL_POSITION_SOURCE`, set by whoever
//! starts the process, may still name any path.

use crate::error::{CmdResult, CommandError};
use crate::state::AppState;
use patrol_model::ValidationCode;
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
            ValidationCode::NotAllowed,
            "simulated positions exist only on desktop; phones use GNSS",
        ));
    }
    let spec = match (kind.trim(), super::non_blank(gpx_path)) {
        ("simulated", _) => "simulated".to_owned(),
        ("gpx-replay", Some(name)) => {
            let dir = state.with_store(|s| Ok::<_, CommandError>(s.dir().join(REPLAYS)))?;
            format!("gpx-replay:{}", replay_file(&dir, &name)?.display())
        }
        ("gpx-replay", None) => {
            return Err(CommandError::invalid(
                "gpx_path",
                ValidationCode::Required,
                "is required for gpx-replay",
            ));
        }
        (other, _) => {
            return Err(CommandError::invalid(
                "kind",
                ValidationCode::Enum,
                format!("unknown value `{other}` (expected one of: simulated, gpx-replay)"),
            ));
        }
    };
    let (kind, source) = crate::position::parse_source(&spec, None)
        .map_err(|e| CommandError::new("io", e.to_string()))?
        .expect("simulated and gpx-replay are sources");
    state.position.start(app, state.store.clone(), kind, source);
    Ok(())
}

/// The folder, inside the store's data folder, whose GPX files the web view may replay.
pub const REPLAYS: &str = "replays";

/// `name` as a file of `dir`: a plain `*.gpx` file name (no folders, no `..`), that exists there.
pub fn replay_file(dir: &std::path::Path, name: &str) -> CmdResult<std::path::PathBuf> {
    let plain = !name.is_empty()
        && name.len() <= 128
        && name.ends_with(".gpx")
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !plain {
        return Err(CommandError::invalid(
            "gpx_path",
            ValidationCode::Format,
            format!(
                "`{}` is not a file name of the replays folder (letters, digits, - _ . and .gpx)",
                name.chars().take(80).collect::<String>()
            ),
        ));
    }
    let path = dir.join(name);
    if !path.is_file() {
        return Err(CommandError::invalid(
            "gpx_path",
            ValidationCode::Format,
            format!("no file {name} in {}", dir.display()),
        ));
    }
    Ok(path)
}
