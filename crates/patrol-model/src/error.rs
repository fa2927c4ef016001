//! Validation errors. Every rejection names the field that is wrong and why, so a CLI line, an
//! HTTP 400 body and a form hint can all say the same precise thing.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// What rule a value broke: a stable code, the same from the core through the app shell and HQ's
/// API to the screens, which translate it (`validation.<code>`) with the error's `params`. The
/// English `reason` stays for the CLI, logs and the "technical details" fold. Adding a code is
/// fine; renaming one breaks every screen that translates it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ValidationCode {
    /// Missing or empty.
    Required,
    /// Text longer than `max` characters.
    TooLong,
    /// More than `max` items.
    TooMany,
    /// Fewer than `min` items.
    TooFew,
    /// A number outside `min`–`max`.
    Range,
    /// A number below `min` (no upper bound).
    AtLeast,
    /// Not a finite number (NaN or infinite).
    NotFinite,
    /// A time that cannot be true (before 2000 or after 2099).
    Time,
    /// Not one of the values `allowed`.
    Enum,
    /// Not in the expected form (a JSON type mismatch, a malformed time of day…).
    Format,
    /// Not a code: 1–32 letters, digits, `-` or `_`.
    Code,
    /// Not a UUID.
    Uuid,
    /// Not 64 lower-case hex characters.
    Hash,
    /// A plate that does not start with a province abbreviation.
    PlateProvince,
    /// A plate whose second character is not the issuing-office letter.
    PlateOffice,
    /// A plate with the wrong number of characters (`n`).
    PlateLength,
    /// A plate in no accepted format.
    PlateFormat,
    /// A photo that is not JPEG, PNG, WebP or HEIC.
    PhotoType,
    /// Not an http(s) address.
    Url,
    /// Not an IANA time zone.
    Timezone,
    /// A `value` that appears twice where it must be unique.
    Duplicate,
    /// An end before its start.
    Order,
    /// A value given where it does not belong (e.g. an outcome on anything but clearing).
    NotAllowed,
    /// Clashes with what is already stored (e.g. enrolled with another HQ).
    Conflict,
}

impl ValidationCode {
    /// Every code, for tables that must cover them all (translations, the shared case table).
    pub const ALL: &'static [ValidationCode] = &[
        ValidationCode::Required,
        ValidationCode::TooLong,
        ValidationCode::TooMany,
        ValidationCode::TooFew,
        ValidationCode::Range,
        ValidationCode::AtLeast,
        ValidationCode::NotFinite,
        ValidationCode::Time,
        ValidationCode::Enum,
        ValidationCode::Format,
        ValidationCode::Code,
        ValidationCode::Uuid,
        ValidationCode::Hash,
        ValidationCode::PlateProvince,
        ValidationCode::PlateOffice,
        ValidationCode::PlateLength,
        ValidationCode::PlateFormat,
        ValidationCode::PhotoType,
        ValidationCode::Url,
        ValidationCode::Timezone,
        ValidationCode::Duplicate,
        ValidationCode::Order,
        ValidationCode::NotAllowed,
        ValidationCode::Conflict,
    ];

    /// The snake_case spelling used on the wire and in translation keys.
    pub fn as_str(self) -> &'static str {
        match self {
            ValidationCode::Required => "required",
            ValidationCode::TooLong => "too_long",
            ValidationCode::TooMany => "too_many",
            ValidationCode::TooFew => "too_few",
            ValidationCode::Range => "range",
            ValidationCode::AtLeast => "at_least",
            ValidationCode::NotFinite => "not_finite",
            ValidationCode::Time => "time",
            ValidationCode::Enum => "enum",
            ValidationCode::Format => "format",
            ValidationCode::Code => "code",
            ValidationCode::Uuid => "uuid",
            ValidationCode::Hash => "hash",
            ValidationCode::PlateProvince => "plate_province",
            ValidationCode::PlateOffice => "plate_office",
            ValidationCode::PlateLength => "plate_length",
            ValidationCode::PlateFormat => "plate_format",
            ValidationCode::PhotoType => "photo_type",
            ValidationCode::Url => "url",
            ValidationCode::Timezone => "timezone",
            ValidationCode::Duplicate => "duplicate",
            ValidationCode::Order => "order",
            ValidationCode::NotAllowed => "not_allowed",
            ValidationCode::Conflict => "conflict",
        }
    }
}

impl fmt::Display for ValidationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A value that failed validation: which field, which rule, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationError {
    /// Dotted path of the offending field, e.g. `vehicles[1].plate`.
    pub field: String,
    /// The rule broken, for screens to translate.
    pub code: ValidationCode,
    /// What the translation needs (`max`, `min`, `value`, `allowed`, `n`), as text.
    pub params: BTreeMap<String, String>,
    /// What is wrong, in lower-case English, saying what would be accepted.
    pub reason: String,
}

impl ValidationError {
    pub fn new(field: impl Into<String>, code: ValidationCode, reason: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            params: BTreeMap::new(),
            reason: reason.into(),
        }
    }

    /// Add a parameter the translation fills in (`{max}` in "不能超过 {max} 个字").
    pub fn with(mut self, key: &str, value: impl ToString) -> Self {
        self.params.insert(key.to_owned(), value.to_string());
        self
    }

    /// `field` is missing or empty.
    pub fn required(field: impl Into<String>) -> Self {
        Self::new(field, ValidationCode::Required, "is required")
    }

    /// `field` is text longer than `max` characters.
    pub fn too_long(field: impl Into<String>, max: usize) -> Self {
        Self::new(
            field,
            ValidationCode::TooLong,
            format!("is longer than {max} characters"),
        )
        .with("max", max)
    }

    /// `field` is a number outside `min`–`max`; `reason` says it with its unit.
    pub fn range(
        field: impl Into<String>,
        min: impl ToString,
        max: impl ToString,
        reason: impl Into<String>,
    ) -> Self {
        Self::new(field, ValidationCode::Range, reason)
            .with("min", min)
            .with("max", max)
    }

    /// `field` holds more than `max` items; `reason` says what.
    pub fn too_many(field: impl Into<String>, max: usize, reason: impl Into<String>) -> Self {
        Self::new(field, ValidationCode::TooMany, reason).with("max", max)
    }

    /// The same rule, reported at another field (the shell names the argument it parsed).
    pub fn at(mut self, field: impl Into<String>) -> Self {
        self.field = field.into();
        self
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
