//! The domain model of the patrol companion, shared by the device and HQ: what an officer
//! records ([`Record`]), how it is validated, how it becomes a hash-chained ledger [`Entry`], and
//! the compact track codec. It depends on neither SQLite nor HTTP: storage and transport live in
//! the crates that use it.

pub mod bundle;
mod city;
mod clock;
pub mod dispatch;
mod effective;
mod entry;
mod error;
pub mod fix;
mod gap;
pub mod gps;
mod ids;
mod plate;
mod record;
pub mod report;
mod sampling;
mod track;
pub mod v1;

pub use city::{
    City, CitySettings, DEFAULT_ACCURACY_GATE_M, DutyWindow, GridCell, PatrolGroup, Post,
};
pub use clock::{Clock, ManualClock, SystemClock};
pub use dispatch::{
    DispatchKind, DispatchOrder, DispatchOutcome, DispatchState, DispatchStep, DispatchStepKind,
    InboxItem, InboxMessage, StepTimes, Tier,
};
pub use effective::{Effective, apply_supplements, standing, with_supplements};
pub use entry::{ChainError, ChainVerifier, Entry, EntryKind, Hash, UnsealedEntry};
pub use error::{DecodeError, EncodeError, Validation, ValidationCode, ValidationError};
pub use fix::{LatLon, PositionFix};
pub use gap::{GapCause, TrackGap, gap_after_ms};
pub use gps::{GpsHealth, GpsInput, GpsLevel, GpsSource, TrackingState};
pub use ids::{CellId, DeviceId, DispatchId, EntryId, GroupId, PatrolId, PostId, validate_code};
pub use plate::Plate;
pub use record::*;
pub use sampling::{STILL_RADIUS_M, Sampling, Stillness};
pub use track::{MAX_FIXES_PER_SEGMENT, TrackSegment};
