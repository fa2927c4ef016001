//! Android and iOS: hands the request to the native plugin (`android/`, `ios/`) with a channel
//! the native side sends every fix through, straight into Rust.
//!
//! NOT COMPILED HERE: no Android NDK or Xcode on the build machine (see mobile/README.md).

use crate::{Error, NativeFix, Result, Started, TrackingRequest};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tauri::ipc::{Channel, InvokeResponseBody};
use tauri::plugin::{PluginApi, PluginHandle};
use tauri::{AppHandle, Runtime};

#[cfg(target_os = "android")]
const PLUGIN_IDENTIFIER: &str = "cn.changde.patrol.location";

#[cfg(target_os = "ios")]
tauri::ios_plugin_binding!(init_plugin_patrol_location);

pub fn init<R: Runtime, C: DeserializeOwned>(
    _app: &AppHandle<R>,
    api: PluginApi<R, C>,
) -> Result<PatrolLocation<R>> {
    #[cfg(target_os = "android")]
    let handle = api.register_android_plugin(PLUGIN_IDENTIFIER, "PatrolLocationPlugin")?;
    #[cfg(target_os = "ios")]
    let handle = api.register_ios_plugin(init_plugin_patrol_location)?;
    Ok(PatrolLocation(handle))
}

/// Native background location.
#[derive(Debug)]
pub struct PatrolLocation<R: Runtime>(PluginHandle<R>);

#[derive(Serialize)]
struct StartArgs {
    request: TrackingRequest,
    channel: Channel<NativeFix>,
}

#[derive(serde::Deserialize)]
struct StartAnswer {
    /// `granted`, `foreground-only` or `denied`.
    permission: String,
}

impl<R: Runtime> PatrolLocation<R> {
    /// Start tracking (must be called from a visible user action: Android 12+ refuses to start a
    /// location foreground service from the background).
    pub fn start(
        &self,
        request: TrackingRequest,
        on_fix: impl Fn(NativeFix) + Send + Sync + 'static,
    ) -> Result<Started> {
        let channel = Channel::new(move |body: InvokeResponseBody| {
            match body.deserialize::<NativeFix>() {
                Ok(fix) => on_fix(fix),
                Err(e) => log::warn!("patrol-location: unreadable fix from the native side: {e}"),
            }
            Ok(())
        });
        let answer: StartAnswer = self
            .0
            .run_mobile_plugin("startTracking", StartArgs { request, channel })?;
        match answer.permission.as_str() {
            "denied" => Err(Error::PermissionDenied(
                "the officer refused location access".into(),
            )),
            _ => Ok(Started::Native),
        }
    }

    pub fn stop(&self) -> Result<()> {
        self.0.run_mobile_plugin::<()>("stopTracking", ())?;
        Ok(())
    }
}
