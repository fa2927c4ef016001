//! The sync crate's one error type. Each variant has a stable [`Error::kind`] so the CLI and
//! the app's UI can branch on it; messages are lower case and say what to do next. A failed
//! sync never loses anything: entries stay queued in the outbox.

use patrol_model::ChainError;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Network trouble, timeouts or HQ overloaded (5xx), still failing after the retries.
    #[error("cannot reach HQ: {0}")]
    Network(String),
    /// HQ understood the request and refused it (4xx).
    #[error("HQ refused: {message} ({code})")]
    Rejected {
        status: u16,
        code: String,
        message: String,
    },
    /// Credentials missing, wrong or revoked.
    #[error(
        "HQ did not accept this device's credentials: {0}; enrol the device again at the station"
    )]
    Auth(String),
    #[error(
        "this device is not enrolled with HQ; get a code at the station and run `patrol enroll --hq URL --code CODE`"
    )]
    NotEnrolled,
    #[error("protocol mismatch: this device speaks v{device}, HQ {}; {hint}",
        .hq.map_or_else(|| "another version".to_owned(), |v| format!("speaks v{v}")))]
    ProtocolMismatch {
        device: u32,
        hq: Option<u32>,
        hint: String,
    },
    #[error("{0}")]
    Store(patrol_device::Error),
    /// The local ledger does not verify: it is never sent, and never repaired automatically.
    #[error("the ledger is broken at {0}; nothing was sent; report this device to HQ")]
    ChainBroken(ChainError),
    /// An HQ address the device will not use; the text says why and what would be accepted.
    #[error("{0}")]
    InvalidUrl(String),
    /// The credentials name another HQ than the one that issued the secret. Nothing was sent:
    /// the secret only ever goes to the HQ it was issued by.
    #[error(
        "the device secret was issued by HQ at {enrolled}, not {requested}; nothing was sent; \
         enrol again with a code from that HQ to sync with it"
    )]
    WrongHq { enrolled: String, requested: String },
    /// A station bundle could not be written.
    #[error("{0}")]
    Bundle(#[from] patrol_model::bundle::BundleError),
}

impl Error {
    /// Stable machine-readable code.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Network(_) => "network",
            Error::Rejected { .. } => "rejected",
            Error::Auth(_) => "auth",
            Error::NotEnrolled => "not_enrolled",
            Error::ProtocolMismatch { .. } => "protocol_mismatch",
            Error::Store(_) => "store",
            Error::ChainBroken(_) => "chain_broken",
            Error::InvalidUrl(_) => "invalid_url",
            Error::WrongHq { .. } => "wrong_hq",
            Error::Bundle(_) => "bundle",
        }
    }

    /// Worth trying again later as it is.
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Network(_))
    }

    /// A mismatch found from the versions both sides announced.
    pub(crate) fn mismatch(hq: u32) -> Self {
        Error::ProtocolMismatch {
            device: patrol_model::v1::PROTOCOL,
            hq: Some(hq),
            hint: mismatch_hint(hq).into(),
        }
    }
}

impl From<patrol_device::Error> for Error {
    fn from(e: patrol_device::Error) -> Self {
        match e {
            patrol_device::Error::ChainBroken(c) => Error::ChainBroken(c),
            e => Error::Store(e),
        }
    }
}

/// Which side to update when HQ speaks protocol `hq`.
pub(crate) fn mismatch_hint(hq: u32) -> &'static str {
    if hq > patrol_model::v1::PROTOCOL {
        "update the app on this device"
    } else {
        "HQ must be updated"
    }
}
