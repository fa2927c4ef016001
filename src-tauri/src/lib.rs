//! The officer's app: a thin Tauri v2 shell around the device core. It owns the wiring — the
//! store and sync engine as managed state, the commands of docs/app-api.md (each one call into
//! the core), the events, the position sources and the mobile entry point — and must never hold
//! a business rule or a SQL string: those live in `patrol-device`, `patrol-sync` and
//! `patrol-geo`. The device secret stays in Rust ([`secrets`]).
//!
//! Environment (tests, demos): `PATROL_APP_DATA` (data folder), `PATROL_HQ_URL` +
//! `PATROL_ENROLL_CODE` (enrol at startup when not enrolled), `PATROL_POSITION_SOURCE`
//! (`simulated` | `none` | `gpx-replay:PATH`, desktop), `PATROL_FIX_INTERVAL_MS`,
//! `PATROL_KEY_FILE` (the store key in that file instead of the OS keystore) and
//! `PATROL_AUTO_SYNC=off` (no automatic sync).

pub mod auto_sync;
pub mod commands;
pub mod dto;
pub mod error;
pub mod events;
pub mod live_inbox;
pub mod position;
pub mod secrets;
pub mod state;

use state::AppState;
#[cfg(mobile)]
use tauri::RunEvent;
use tauri::{AppHandle, Manager, Runtime};

/// The label of the one window (capabilities/default.json grants to it).
pub const MAIN_WINDOW: &str = "main";

/// How the app starts; [`Options::from_env`] for the real app, tests build their own.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Data folder (`PATROL_APP_DATA`); `None`: Tauri's `app_data_dir`.
    pub data_dir: Option<std::path::PathBuf>,
    /// Enrol at startup with (HQ URL, one-time code) when not enrolled yet.
    pub auto_enroll: Option<(String, String)>,
    /// Start the desktop position source from `PATROL_POSITION_SOURCE` (default simulated).
    pub position_from_env: bool,
    /// The store key in this file (`PATROL_KEY_FILE`); `None`: the OS keystore, or a key file
    /// beside the data folder where there is none ([`secrets::Keystore::for_data_dir`]).
    pub key_file: Option<std::path::PathBuf>,
    /// Sync by itself ([`auto_sync`]); off with `PATROL_AUTO_SYNC=off`.
    pub auto_sync: bool,
}

impl Options {
    pub fn from_env() -> Options {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Options {
            data_dir: std::env::var_os("PATROL_APP_DATA")
                .filter(|d| !d.is_empty())
                .map(Into::into),
            auto_enroll: var("PATROL_HQ_URL").zip(var("PATROL_ENROLL_CODE")),
            position_from_env: cfg!(desktop),
            key_file: std::env::var_os("PATROL_KEY_FILE")
                .filter(|f| !f.is_empty())
                .map(Into::into),
            auto_sync: var("PATROL_AUTO_SYNC").is_none_or(|v| v != "off"),
        }
    }
}

/// Every command of docs/app-api.md, in the order of [`commands::names::ALL`].
fn invoke_handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        commands::home,
        commands::reference,
        commands::enroll,
        commands::start_patrol,
        commands::last_shift,
        commands::stop_patrol,
        commands::live_patrol,
        commands::record_violation,
        commands::add_violation_details,
        commands::submit_report,
        commands::add_photo,
        commands::save_draft,
        commands::drafts,
        commands::discard_draft,
        commands::post_duty,
        commands::post_arrive,
        commands::post_leave,
        commands::post_suggestion,
        commands::history,
        commands::supplement,
        commands::sync_now,
        commands::sync_status,
        commands::sync_queue,
        commands::export_bundle,
        commands::map_pack,
        commands::map_tile,
        commands::get_settings,
        commands::set_settings,
        commands::start_position_source,
        commands::dispatches,
        commands::dispatch_step,
        commands::scene_suggestion,
    ]
}

/// Plugins, commands and state on any runtime (the mock runtime in tests). With a data folder
/// in `options` the store opens here, so the state exists before the app runs (the mock
/// runtime never runs the setup hook); otherwise it opens in setup, in Tauri's app-data folder.
pub fn configure<R: Runtime>(
    builder: tauri::Builder<R>,
    options: Options,
) -> Result<tauri::Builder<R>, error::ShellError> {
    let builder = match &options.data_dir {
        Some(dir) => builder.manage(AppState::open(dir, options.key_file.as_deref())?),
        None => builder,
    };
    // Phones: the haptics plugin, which the UI calls after every save (capabilities/mobile.json).
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_haptics::init());
    // Phones: the camera reads the enrolment code's QR code (capabilities/mobile.json).
    #[cfg(mobile)]
    let builder = builder.plugin(tauri_plugin_barcode_scanner::init());
    Ok(builder
        .plugin(tauri_plugin_patrol_location::init())
        .invoke_handler(invoke_handler())
        .setup(move |app| {
            let handle = app.handle().clone();
            if app.try_state::<AppState>().is_none() {
                let dir = state::data_dir(&handle)?;
                app.manage(AppState::open(&dir, options.key_file.as_deref())?);
            }
            if options.position_from_env {
                start_position_from_env(&handle);
            }
            if options.auto_sync {
                auto_sync::spawn(handle.clone());
                live_inbox::spawn(handle.clone());
            }
            if let Some((hq_url, code)) = options.auto_enroll.clone() {
                auto_enroll(handle, hq_url, code);
            }
            Ok(())
        }))
}

fn start_position_from_env<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    match position::source_from_env() {
        Ok(Some((kind, source))) => {
            state
                .position
                .start(app.clone(), state.store.clone(), kind, source)
        }
        Ok(None) => {}
        Err(e) => log::warn!("{e}"),
    }
}

/// Demos and the end-to-end test enrol without typing: `PATROL_HQ_URL` + `PATROL_ENROLL_CODE`.
fn auto_enroll<R: Runtime>(app: AppHandle<R>, hq_url: String, code: String) {
    tauri::async_runtime::spawn(async move {
        let state = app.state::<AppState>();
        match state.with_store(|s| secrets::enrolled(&state.keys, s)) {
            Ok(false) => {}
            Ok(true) => return,
            Err(e) => return log::warn!("{e}"),
        }
        match commands::enroll_device(&app, &state, &hq_url, &code).await {
            Ok(e) => log::info!("enrolled as {} with {hq_url}", e.device_name),
            Err(e) => log::warn!("auto-enrol with {hq_url} failed: {e}"),
        }
    });
}

/// Rebuild the main window if the OS resumed the app without one. On Android, swiping the app
/// away while the location service runs can relaunch it with a blank or missing web view while
/// Rust keeps running (tauri-apps/tauri#15671); the window is rebuilt from the configuration,
/// and the UI reloads everything from the commands (no state lives only in the web view).
/// Desktop never needs it (the app ends with its window) but compiles it, so it stays checked.
#[cfg_attr(desktop, allow(dead_code))]
fn ensure_main_window<R: Runtime>(app: &AppHandle<R>) {
    if app.get_webview_window(MAIN_WINDOW).is_some() {
        return;
    }
    let Some(config) = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN_WINDOW)
        .cloned()
    else {
        return;
    };
    if let Err(e) = tauri::WebviewWindowBuilder::from_config(app, &config).and_then(|b| b.build()) {
        log::warn!("cannot rebuild the main window: {e}");
    }
}

#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    // Logs go where each platform keeps them: stdout and a file in the app's log folder on
    // desktops, logcat on Android, the unified log on iOS (where stderr is invisible). Only the
    // real app installs it: the logger is process-wide, and tests build many apps.
    let logging = tauri_plugin_log::Builder::new()
        .level(log::LevelFilter::Info)
        .max_file_size(2 * 1024 * 1024)
        .rotation_strategy(tauri_plugin_log::RotationStrategy::KeepOne)
        .build();
    let builder = match configure(
        tauri::Builder::default().plugin(logging),
        Options::from_env(),
    ) {
        Ok(b) => b,
        Err(e) => {
            // Before the app (and its logger) exists: straight to stderr.
            eprintln!("patrol-app: {e}");
            std::process::exit(1);
        }
    };
    builder
        .build(tauri::generate_context!())
        .expect("error while building the patrol app")
        .run(|_app, _event| {
            #[cfg(mobile)]
            if let RunEvent::Resumed = _event {
                ensure_main_window(_app);
            }
        });
}
