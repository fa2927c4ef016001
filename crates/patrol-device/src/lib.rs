//! The device core: everything the officer's app and the `patrol` CLI do, without any UI or
//! Tauri. It owns the local [`Store`] (the append-only ledger in SQLite, drafts, photos,
//! reference data) and the derived [`views`]. It never talks to the network itself.

mod error;
mod key;
pub mod store;
pub mod views;
mod warning;

pub use error::{Error, Result};
pub use key::{FileKeySource, KeySource, STORE_KEY_LEN, StoreKey};
pub use patrol_model::{Clock, ManualClock, SystemClock};
pub use store::suggest::{
    PostStanding, PostSuggestion, SUGGEST_WINDOW_MS, SuggestedAction, post_standing, suggest,
};
pub use store::{
    Capture, ChainCheck, DispatchCard, Draft, EncryptStep, Enrollment, FixOutcome, FlushPolicy,
    OpenReport, OutboxCounts, Quarantined, Recent, SavedReceipt, SceneSuggestion, Started, Store,
    VerifyReport,
};
pub use warning::Warning;
