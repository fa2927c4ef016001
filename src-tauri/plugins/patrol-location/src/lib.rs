//! Background location for a whole patrol shift — the piece Tauri's geolocation plugin cannot
//! do (MOBILE.md; tauri-apps/tauri#12946, plugins-workspace#1833). On Android a foreground
//! service of type `location`, started from the officer's visible "start patrol" action; on iOS
//! `CLLocationManager` with `allowsBackgroundLocationUpdates`. Each fix goes from the native side
//! straight into Rust through an IPC [`Channel`](tauri::ipc::Channel) — never through the web
//! view, which the OS may pause or (tauri-apps/tauri#15671) leave blank after a relaunch.
//!
//! The plugin has no commands the web view can call: only the app shell calls it, from Rust.
//! On desktop it compiles to a no-op that answers [`Started::Unavailable`], and the shell uses
//! its simulated or GPX-replay source instead.
//!
//! Status: the Rust side builds and is exercised on desktop. The Kotlin and Swift sides under
//! `android/` and `ios/` are a design skeleton that has never been compiled here (no Android
//! SDK/NDK or Xcode on this machine); see `../../mobile/README.md`.

#[cfg(desktop)]
mod desktop;
#[cfg(mobile)]
mod mobile;

use serde::{Deserialize, Serialize};
use tauri::plugin::{Builder, TauriPlugin};
use tauri::{Manager, Runtime};

#[cfg(desktop)]
pub use desktop::PatrolLocation;
#[cfg(mobile)]
pub use mobile::PatrolLocation;

/// What went wrong talking to the native side.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[cfg(mobile)]
    #[error("native location plugin: {0}")]
    Native(#[from] tauri::plugin::mobile::PluginInvokeError),
    #[error("location permission refused: {0}")]
    PermissionDenied(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How the shell wants a patrol tracked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrackingRequest {
    /// The patrol mode slug (`foot`, `car`, …); the native side picks its accuracy by it.
    pub mode: String,
    /// Wanted time between fixes (MOBILE.md: foot ~5 s, bicycle ~3 s, car ~2 s, motorcycle 1 s).
    pub interval_ms: u64,
    /// After this long without movement the native side slows to one fix a minute (heartbeat).
    pub stationary_after_ms: u64,
    /// The ongoing notification Android requires for a foreground service.
    pub notification_title: String,
    pub notification_text: String,
}

/// One fix as the native side reports it (fields as the platform gives them).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NativeFix {
    /// ms since the Unix epoch, from the platform's location timestamp.
    pub time_ms: i64,
    pub lat: f64,
    pub lon: f64,
    #[serde(default)]
    pub accuracy_m: Option<f64>,
    #[serde(default)]
    pub speed_mps: Option<f64>,
    #[serde(default)]
    pub heading_deg: Option<f64>,
    #[serde(default)]
    pub altitude_m: Option<f64>,
    /// Satellite time when the platform exposes it (Android `Location.getTime()` is GNSS time
    /// for the GPS provider).
    #[serde(default)]
    pub gnss_ms: Option<i64>,
}

/// Whether native tracking runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Started {
    /// The service (Android) or background updates (iOS) run and fixes will arrive.
    Native,
    /// No native location on this platform (desktop): use another source.
    Unavailable,
}

/// Access from any `Manager` (`app.patrol_location()`).
pub trait PatrolLocationExt<R: Runtime> {
    fn patrol_location(&self) -> &PatrolLocation<R>;
}

impl<R: Runtime, T: Manager<R>> PatrolLocationExt<R> for T {
    fn patrol_location(&self) -> &PatrolLocation<R> {
        self.state::<PatrolLocation<R>>().inner()
    }
}

/// The plugin, registered by the shell with `.plugin(tauri_plugin_patrol_location::init())`.
pub fn init<R: Runtime>() -> TauriPlugin<R> {
    Builder::new("patrol-location")
        .setup(|app, api| {
            #[cfg(mobile)]
            let location = mobile::init(app, api)?;
            #[cfg(desktop)]
            let location = desktop::init(app, api)?;
            app.manage(location);
            Ok(())
        })
        .build()
}
