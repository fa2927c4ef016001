//! Validation errors. Every rejection names the field that is wrong and why, so a CLI line, an
//! HTTP 400 body and a form hint can all say the same precise thing.

use std::fmt;

/// A value that failed validation: which field, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    /// Dotted path of the offending field, e.g. `vehicles[1].plate`.
    pub field: String,
    /// What is wrong, in lower case, saying what would be accepted.
    pub reason: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Prefix the field path, used when a nested value is validated inside a parent.
    pub fn within(mut self, parent: &str) -> Self {
        self.field = if self.field.starts_with('[') {
            format!("{parent}{}", self.field)
        } else {
            format!("{parent}.{}", self.field)
        };
        self
    }
}

impl fmt::Display for ValidationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.reason)
    }
}

pub type Validation = Result<(), ValidationError>;

/// An entry that has no canonical encoding: a variable part longer than its length prefix
/// can say. Refused, never truncated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("{field} is {len} bytes long, more than the {max} its length prefix can hold")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
}

/// Errors decoding stored or received bytes (payloads, track segments, hashes).
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("unknown entry kind `{0}`")]
    UnknownKind(String),
    #[error("payload of a `{kind}` entry is not valid: {source}")]
    Json {
        kind: &'static str,
        source: serde_json::Error,
    },
    #[error("track segment encoding is not valid: {0}")]
    Track(String),
    #[error("hash must be 64 hex characters: {0}")]
    Hash(String),
}
