//! Desktop: no native location. Every call succeeds and reports [`Started::Unavailable`], so the
//! shell's code path is the same on all platforms and the desktop uses a simulated source.

use crate::{NativeFix, Result, Started, TrackingRequest};
use serde::de::DeserializeOwned;
use tauri::plugin::PluginApi;
use tauri::{AppHandle, Runtime};

pub fn init<R: Runtime, C: DeserializeOwned>(
    app: &AppHandle<R>,
    _api: PluginApi<R, C>,
) -> Result<PatrolLocation<R>> {
    Ok(PatrolLocation(app.clone()))
}

/// Native background location (none on desktop).
#[derive(Debug)]
pub struct PatrolLocation<R: Runtime>(#[allow(dead_code)] AppHandle<R>);

impl<R: Runtime> PatrolLocation<R> {
    pub fn start(
        &self,
        _request: TrackingRequest,
        _on_fix: impl Fn(NativeFix) + Send + Sync + 'static,
    ) -> Result<Started> {
        Ok(Started::Unavailable)
    }

    pub fn stop(&self) -> Result<()> {
        Ok(())
    }
}
