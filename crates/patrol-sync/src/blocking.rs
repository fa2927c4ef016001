//! A blocking facade for the `patrol` CLI and scripts: each call runs the async engine on a
//! small current-thread runtime of its own. The app calls the async [`SyncEngine`] instead.

use crate::{Error, Progress, Result, SyncEngine, SyncOptions, SyncReport};
use patrol_device::Store;
use patrol_model::v1::EnrollResponse;
use std::sync::Mutex;

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::Network(format!("cannot start the network runtime: {e}")))
}

/// Enrol this device with HQ using a one-time code; see [`SyncEngine::enroll`].
pub fn enroll(store: &mut Store, hq_url: &str, code: &str) -> Result<EnrollResponse> {
    let engine = SyncEngine::new()?;
    let store = Mutex::new(store);
    runtime()?.block_on(engine.enroll(&store, hq_url, code))
}

/// One whole sync with the enrolment kept in the store; see [`SyncEngine::sync`].
pub fn sync(store: &mut Store, progress: impl FnMut(Progress)) -> Result<SyncReport> {
    sync_with_options(store, SyncOptions::default(), progress)
}

pub fn sync_with_options(
    store: &mut Store,
    options: SyncOptions,
    progress: impl FnMut(Progress),
) -> Result<SyncReport> {
    let engine = SyncEngine::with_options(options)?;
    let store = Mutex::new(store);
    runtime()?.block_on(engine.sync(&store, progress))
}
