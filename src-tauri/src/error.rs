//! The one error every command rejects with, serialized as `{kind, message, field, code, params}`
//! exactly as docs/app-api.md says. `kind` comes from the core's stable codes
//! (`patrol_device::Error::kind`, `patrol_sync::Error::kind`); `field`, `code` and `params` from
//! the core's `ValidationError`, so the UI translates the rule instead of parsing English; the
//! shell never invents a message the core already says better.

use patrol_model::{ValidationCode, ValidationError};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Why the app shell could not start or start a position source: typed, so callers and tests
/// match the case instead of the wording, and each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    /// The device store did not open (a wrong key, a damaged file, a full disk…).
    #[error("cannot open the device store in {}: {source}", dir.display())]
    Store {
        dir: PathBuf,
        #[source]
        source: patrol_device::Error,
    },
    #[error("cannot find the app data folder: {0}")]
    DataDir(String),
    /// Where the store key lives could not be settled.
    #[error("cannot prepare the key store: {0}")]
    Keys(String),
    #[error("cannot start the sync engine: {0}")]
    Sync(String),
    /// A GPX file to replay that cannot be read or holds no points.
    #[error("{}: {reason}", path.display())]
    Replay { path: PathBuf, reason: String },
    /// `PATROL_POSITION_SOURCE` names no source.
    #[error("PATROL_POSITION_SOURCE `{0}`: expected simulated, none or gpx-replay:PATH")]
    SourceSpec(String),
}

impl ShellError {
    /// The wrong key, as `patrol_device` says it: the store was not touched.
    pub fn is_wrong_key(&self) -> bool {
        matches!(self, ShellError::Store { source, .. } if source.kind() == "wrong_key")
    }
}

/// What the web view receives when a command fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct CommandError {
    /// Stable code the UI branches on (`invalid`, `no_open_patrol`, `network`, …).
    pub kind: String,
    /// For people (and logs): lower case, says what to do.
    pub message: String,
    /// For `invalid`: the dotted path of the field at fault, e.g. `vehicles[1].plate`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub field: Option<String>,
    /// For `invalid`: the rule broken (`required`, `too_long`, `plate_province`, …), which the UI
    /// translates as `validation.<code>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub code: Option<ValidationCode>,
    /// What the translation fills in (`max`, `min`, `value`, `allowed`, `n`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    #[ts(optional = nullable)]
    pub params: BTreeMap<String, String>,
}

pub type CmdResult<T> = Result<T, CommandError>;

impl CommandError {
    pub fn new(kind: &str, message: impl Into<String>) -> Self {
        Self {
            kind: kind.to_owned(),
            message: message.into(),
            field: None,
            code: None,
            params: BTreeMap::new(),
        }
    }

    /// An `invalid` error naming `field` and the rule; the message reads `field: reason` like
    /// the core's.
    pub fn invalid(
        field: impl Into<String>,
        code: ValidationCode,
        reason: impl std::fmt::Display,
    ) -> Self {
        ValidationError::new(field, code, reason.to_string()).into()
    }

    pub fn not_found(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: Some(field.to_owned()),
            ..Self::new("not_found", message)
        }
    }
}

impl std::fmt::Display for CommandError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for CommandError {}

impl From<ValidationError> for CommandError {
    fn from(e: ValidationError) -> Self {
        Self {
            kind: "invalid".into(),
            message: e.to_string(),
            field: Some(e.field),
            code: Some(e.code),
            params: e.params,
        }
    }
}

impl From<patrol_device::Error> for CommandError {
    fn from(e: patrol_device::Error) -> Self {
        match e {
            patrol_device::Error::Invalid(v) => v.into(),
            // The post check-in refusals keep the contract's codes (docs/app-api.md) and name the
            // field the UI highlights.
            patrol_device::Error::UnknownPost(_) => Self::not_found("post_id", e.to_string()),
            patrol_device::Error::AlreadyOnPost(ref p) => {
                let post = p.to_string();
                ValidationError::new("post_id", ValidationCode::Conflict, e.to_string())
                    .with("value", post)
                    .into()
            }
            patrol_device::Error::NotOnPost(ref p) => {
                let post = p.to_string();
                ValidationError::new("post_id", ValidationCode::NotAllowed, e.to_string())
                    .with("value", post)
                    .into()
            }
            e => Self::new(e.kind(), e.to_string()),
        }
    }
}

impl From<patrol_sync::Error> for CommandError {
    fn from(e: patrol_sync::Error) -> Self {
        match e {
            // The device core's own errors keep their codes (`storage`, `invalid`, …).
            patrol_sync::Error::Store(inner) => inner.into(),
            patrol_sync::Error::InvalidUrl(_) => Self {
                message: format!("hq_url: {e}"),
                ..ValidationError::new("hq_url", ValidationCode::Url, e.to_string()).into()
            },
            e => Self::new(e.kind(), e.to_string()),
        }
    }
}

impl From<patrol_model::DecodeError> for CommandError {
    fn from(e: patrol_model::DecodeError) -> Self {
        patrol_device::Error::from(e).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(e: impl Into<CommandError>, expected: serde_json::Value) {
        assert_eq!(serde_json::to_value(e.into()).unwrap(), expected);
    }

    #[test]
    fn errors_serialize_as_the_contract_says() {
        check(
            patrol_device::Error::Invalid("ABC".parse::<patrol_model::Plate>().unwrap_err()),
            serde_json::json!({
                "kind": "invalid",
                "message": "plate: `ABC` must start with a province abbreviation such as 湘 or 京",
                "field": "plate",
                "code": "plate_province",
                "params": {"value": "ABC"},
            }),
        );
        check(
            patrol_device::Error::NoOpenPatrol,
            serde_json::json!({"kind": "no_open_patrol", "message": "no patrol is running; start one first"}),
        );
        check(
            patrol_sync::Error::NotEnrolled,
            serde_json::json!({"kind": "not_enrolled", "message": patrol_sync::Error::NotEnrolled.to_string()}),
        );
        check(
            patrol_sync::Error::Network("timed out".into()),
            serde_json::json!({"kind": "network", "message": "cannot reach HQ: timed out"}),
        );
        let url = CommandError::from(patrol_sync::Error::InvalidUrl("ftp://x".into()));
        assert_eq!(
            (url.kind.as_str(), url.field.as_deref()),
            ("invalid", Some("hq_url"))
        );
        let store = CommandError::from(patrol_sync::Error::Store(
            patrol_device::Error::NoSuchEntry(9),
        ));
        assert_eq!(store.kind, "no_such_entry");
    }

    #[test]
    fn post_refusals_keep_the_contracts_codes() {
        let post = patrol_model::PostId("P05".into());
        check(
            patrol_device::Error::UnknownPost(post.clone()),
            serde_json::json!({"kind": "not_found", "message": "post P05 is not in the reference data", "field": "post_id"}),
        );
        check(
            patrol_device::Error::AlreadyOnPost(post.clone()),
            serde_json::json!({"kind": "invalid", "message": "post_id: already on post P05; leave it first", "field": "post_id", "code": "conflict", "params": {"value": "P05"}}),
        );
        check(
            patrol_device::Error::NotOnPost(post),
            serde_json::json!({"kind": "invalid", "message": "post_id: not on post P05; arrive there first", "field": "post_id", "code": "not_allowed", "params": {"value": "P05"}}),
        );
    }
}
