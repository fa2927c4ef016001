//! Warnings: something the officer should hear about a record that was saved anyway. An officer
//! in the street must never be blocked by reference data that is late or incomplete, so these
//! never refuse a save; each has a stable [`Warning::kind`] code like [`crate::Error`].

use patrol_model::GroupId;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Warning {
    #[error("group {0} is not in the reference data; saved anyway (check the group with HQ)")]
    UnknownGroup(GroupId),
}

impl Warning {
    /// Stable machine-readable code.
    pub fn kind(&self) -> &'static str {
        match self {
            Warning::UnknownGroup(_) => "unknown_group",
        }
    }
}
