//! The device core's one error type. Each variant has a stable [`Error::kind`] code so the CLI,
//! the app's UI and logs can branch on it; messages are lower case and say what to do.

use patrol_model::{
    ChainError, DecodeError, DispatchId, EncodeError, EntryId, PatrolId, PostId, ValidationError,
};
use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid {0}")]
    Invalid(#[from] ValidationError),
    #[error("a patrol is already running ({0}); stop it first")]
    PatrolAlreadyOpen(PatrolId),
    #[error("no patrol is running; start one first")]
    NoOpenPatrol,
    #[error("no entry with seq {0} in this ledger")]
    NoSuchEntry(u64),
    #[error("cannot supplement seq {seq}: {reason}")]
    BadSupplement { seq: u64, reason: String },
    #[error("the ledger is broken at {0}; it will not be synced or repaired automatically")]
    ChainBroken(ChainError),
    #[error("stored data could not be decoded: {0}")]
    Decode(#[from] DecodeError),
    #[error("the entry cannot be encoded: {0}")]
    Encode(#[from] EncodeError),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "database schema version {found} is newer than this app knows ({known}); update the app"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("no photo with sha256 {0} in the store")]
    NoSuchPhoto(String),
    #[error("entry {0} is not known")]
    NoSuchEntryId(EntryId),
    #[error("post {0} is not in the reference data")]
    UnknownPost(PostId),
    #[error("already on post {0}; leave it first")]
    AlreadyOnPost(PostId),
    #[error("not on post {0}; arrive there first")]
    NotOnPost(PostId),
    #[error("dispatch {0} has not reached this device")]
    UnknownDispatch(DispatchId),
    #[error("dispatch {0} was withdrawn by HQ; do not go")]
    DispatchWithdrawn(DispatchId),
    #[error("dispatch {id}: {step} is already recorded")]
    DispatchStepDone { id: DispatchId, step: String },
    #[error("dispatch {0} is cleared; nothing more can be recorded on it")]
    DispatchCleared(DispatchId),
    #[error(
        "the store's key does not open it; the key file or keystore entry must be the one it was made with"
    )]
    WrongKey,
    #[error(
        "the store is encrypted but its key is missing; restore the key file or keystore entry it was made with (a new key would never open it)"
    )]
    KeyMissing,
    /// The key file or keystore entry (`place`) could not be read or written.
    #[error("{place}: {reason}")]
    KeyStore { place: String, reason: String },
}

impl Error {
    /// Stable machine-readable code.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Invalid(_) => "invalid",
            Error::PatrolAlreadyOpen(_) => "patrol_already_open",
            Error::NoOpenPatrol => "no_open_patrol",
            Error::NoSuchEntry(_) | Error::NoSuchEntryId(_) => "no_such_entry",
            Error::BadSupplement { .. } => "bad_supplement",
            Error::ChainBroken(_) => "chain_broken",
            Error::Decode(_) => "decode",
            Error::Encode(_) => "encode",
            Error::Sqlite(_) => "storage",
            Error::Io { .. } => "io",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::NoSuchPhoto(_) => "no_such_photo",
            Error::UnknownPost(_) => "unknown_post",
            Error::AlreadyOnPost(_) => "already_on_post",
            Error::NotOnPost(_) => "not_on_post",
            Error::UnknownDispatch(_) => "unknown_dispatch",
            Error::DispatchWithdrawn(_) => "dispatch_withdrawn",
            Error::DispatchStepDone { .. } => "dispatch_step_done",
            Error::DispatchCleared(_) => "dispatch_cleared",
            Error::WrongKey => "wrong_key",
            Error::KeyMissing => "key_missing",
            Error::KeyStore { .. } => "key_store",
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
