//! Identifier newtypes. Signatures say `EntryId`, `DeviceId`, `PatrolId` rather than `Uuid` or
//! `String`, so an entry id can never be passed where a patrol id is expected.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A new time-ordered (UUIDv7) id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = crate::ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self).map_err(|_| {
                    crate::ValidationError::new(
                        stringify!($name),
                        crate::ValidationCode::Uuid,
                        format!("`{s}` is not a uuid (expected e.g. 0193a1b2-…)"),
                    )
                })
            }
        }
    };
}

uuid_id!(
    /// One device (phone, tablet, kiosk); owns exactly one ledger.
    DeviceId
);
uuid_id!(
    /// One ledger entry, unique across all devices.
    EntryId
);
uuid_id!(
    /// One patrol session, from start to stop.
    PatrolId
);
uuid_id!(
    /// One dispatch (派警): a call HQ sends one or more units to.
    DispatchId
);

macro_rules! code_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

code_id!(
    /// A patrol grid cell (巡区网格), e.g. `WL-03-07`; assigned by HQ's reference data.
    CellId
);
code_id!(
    /// A post (驻点路口, checkpoint), e.g. `P05`.
    PostId
);
code_id!(
    /// A patrol group (巡逻小组), e.g. `G07`.
    GroupId
);

/// Check a reference code (group, post, cell): 1–32 characters, letters, digits, `-` and `_`.
pub fn validate_code(field: &str, code: &str) -> crate::Validation {
    let ok = !code.is_empty()
        && code.chars().count() <= 32
        && code
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(crate::ValidationError::new(
            field,
            crate::ValidationCode::Code,
            format!("`{code}` is not a valid code (1–32 letters, digits, `-` or `_`)"),
        )
        .with("value", code.chars().take(40).collect::<String>()))
    }
}
