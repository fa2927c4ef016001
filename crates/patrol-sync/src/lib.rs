//! Device-side sync with HQ (protocol [`patrol_model::v1`]). [`plan`] decides, purely, what to
//! send and what HQ's answers mean; [`SyncEngine`] does the HTTP (reqwest) and the store updates
//! around those decisions and ends every sync with a [`SyncReport`] — HQ's receipt, what is
//! pending, what is quarantined, and a stuck queue said plainly. It never edits a ledger entry
//! and never drops one: whatever fails stays queued for the next sync.

pub mod blocking;
pub mod bundle;
mod client;
mod engine;
mod error;
mod inbox;
pub mod map_pack;
mod photos;
pub mod plan;
mod queue;
mod report;
mod settle;
mod upload;

pub use client::{UploadEncoding, normalize_hq_url};
pub use engine::{Credentials, InboxPull, StoreAccess, SyncEngine, SyncOptions};
pub use error::{Error, Result};
pub use queue::{KindWaiting, SyncQueue, sync_queue};
pub use report::{Progress, SyncReport, last_receipt, receipt_summary};
