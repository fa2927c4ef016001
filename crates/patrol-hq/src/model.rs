//! HQ's domain types: an entry as HQ stores it, why it is flagged, and what one upload will
//! commit. Storage keeps these rows and decides nothing; [`crate::ingest`] decides, purely;
//! [`crate::service`] runs the use cases around both.

use patrol_model::v1::{Conflict, EntryProblem};
use patrol_model::{CellId, DeviceId, Entry, EntryId, EntryKind, PatrolId};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Why an entry is flagged. Flags are kept with the entry and shown; they never drop it and
/// never keep it out of a figure. Stored as their snake_case names (a JSON array per entry).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Flag {
    /// The device's wall time is ahead of HQ's receipt time by more than the tolerance.
    Future,
    /// Wall time and GNSS time disagree by more than the tolerance.
    GnssMismatch,
    /// The device clock was off by more than the tolerance when this arrived.
    SkewedClock,
    /// A time the entry or the upload carried lies outside 2000–2099 (a clock reset to 1970, a
    /// unit mistake, a forgery): it was not believed, and the event time comes from the next
    /// best source (GNSS, the corrected wall clock, or at worst HQ's receipt time).
    ImplausibleTime,
    /// A patrol started with a group the city's reference data does not know (a typo, or a
    /// group since removed): kept and counted, flagged for the command centre to look at.
    UnknownGroup,
}

impl Flag {
    pub const ALL: &'static [Flag] = &[
        Flag::Future,
        Flag::GnssMismatch,
        Flag::SkewedClock,
        Flag::ImplausibleTime,
        Flag::UnknownGroup,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Flag::Future => "future",
            Flag::GnssMismatch => "gnss_mismatch",
            Flag::SkewedClock => "skewed_clock",
            Flag::ImplausibleTime => "implausible_time",
            Flag::UnknownGroup => "unknown_group",
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The flag names as constants, for callers that spell them (`flags::FUTURE`).
pub mod flags {
    use super::Flag;
    pub const FUTURE: Flag = Flag::Future;
    pub const GNSS_MISMATCH: Flag = Flag::GnssMismatch;
    pub const SKEWED_CLOCK: Flag = Flag::SkewedClock;
    pub const IMPLAUSIBLE_TIME: Flag = Flag::ImplausibleTime;
    pub const UNKNOWN_GROUP: Flag = Flag::UnknownGroup;
}

/// An entry as HQ stores it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredEntry {
    pub entry: Entry,
    /// HQ's clock when the entry arrived.
    pub received_ms: i64,
    /// Best estimate of when it happened: GNSS time, else wall time corrected by the skew.
    pub event_ms: i64,
    pub patrol_id: Option<PatrolId>,
    /// Clock flags, see [`Flag`].
    pub flags: Vec<Flag>,
    /// Set when the entry is chained but kept out of projections.
    pub quarantine: Option<EntryProblem>,
}

/// A stored entry without its payload, hashes and clocks: what the reports list needs to
/// filter, count and order a day's tens of thousands of reports before it reads the few it
/// shows ([`crate::storage::Storage::entry_keys_between`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryKey {
    pub device_id: DeviceId,
    pub seq: u64,
    pub id: EntryId,
    pub kind: EntryKind,
    pub cell: Option<CellId>,
    pub event_ms: i64,
    /// As stored: the patrol of the record as uploaded (a correction may name another).
    pub patrol_id: Option<PatrolId>,
}

/// What the planner decided for one upload, to be committed atomically.
#[derive(Debug, Clone)]
pub struct IngestPlan {
    /// The head the plan was made against; storage refuses the plan if it moved.
    pub expected_head: u64,
    /// Entries to store, contiguous from `expected_head + 1`.
    pub new: Vec<StoredEntry>,
    /// Conflicts to keep aside (with the device's bytes, whose hash HQ recomputed).
    pub conflicts: Vec<(Conflict, Entry)>,
    /// Storage keeps at most this many conflicts per device, whatever the plan holds.
    pub max_conflicts: u32,
    pub skew_ms: i64,
    pub seen_ms: i64,
    /// Track rollups this upload creates or changes, written in the same transaction as the
    /// entries (see [`crate::projections::rollup`]).
    pub rollups: Vec<TrackRollup>,
    /// More track rollups, still to be rolled from `new`: storage runs the job as part of the
    /// commit (SQLite on the rayon pool, out of its writer's turn) and writes its rows with
    /// `rollups`.
    pub roll: Option<crate::projections::rollup::RollJob>,
    /// Report counts this upload creates or changes, written in the same transaction as the
    /// entries (see [`crate::projections::counts`]).
    pub counts: Vec<DayCounts>,
}

/// What one device's entries of one local day add to that day's figures: patrols started and
/// their crews, reports by kind, violations by type, flagged entries (everything of
/// `/stats/daily` but post visits, which follow arrivals across days, the km, from the track
/// rollups, and dispatch). Kept beside the ledger so a day's figures need not read its reports
/// again; derived and rebuildable, and exactly what the figures count from the raw entries (see
/// [`crate::projections::counts`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DayCounts {
    pub device_id: patrol_model::DeviceId,
    /// The local day of the entries' event time, in `tz`.
    pub day: chrono::NaiveDate,
    /// The IANA zone the day was reckoned in; a row of another zone than the city's is not
    /// trusted (the figures then read the raw entries).
    pub tz: String,
    /// The figures these entries give, in `/stats/daily`'s shape (`date` is `day`; post visits,
    /// km and dispatch stay zero).
    pub counts: patrol_model::v1::DailyStats,
}

/// The distance of one patrol on one local day so far, kept beside the ledger so a day's
/// figures need not decode every track segment again. Derived and rebuildable: it is exactly
/// what the daily figures compute from the raw segments (see [`crate::projections::rollup`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackRollup {
    pub device_id: patrol_model::DeviceId,
    pub patrol_id: patrol_model::PatrolId,
    /// The local day of the segments' entries (their event time), in `tz`.
    pub day: chrono::NaiveDate,
    /// The IANA zone and the accuracy gate the row was computed with; a row whose zone or gate
    /// is not the city's current one is recomputed from the ledger instead of trusted.
    pub tz: String,
    pub gate_m: f64,
    /// Metres through the gated fixes in event-time order, summed fix after fix exactly as
    /// `patrol_geo::track::patrolled_m` sums them.
    pub metres: f64,
    /// Time of the latest timed fix so far: a segment must start after it to extend the row.
    pub last_t: Option<i64>,
    /// The latest fix that passed the gate: the next distance starts there.
    pub last_gated: Option<patrol_model::LatLon>,
    /// Cannot be extended (a segment out of time order, a correction or withdrawal of a
    /// segment, another zone, gate or grid): the figures recompute this patrol-day from the
    /// ledger.
    pub dirty: bool,
    /// Timed fixes so far (each segment's in event order, duplicates once).
    pub fixes: u64,
    /// The first fix that passed the gate: a patrol's km across midnight joins its days here.
    pub first_gated: Option<patrol_model::LatLon>,
    /// The latest fix whatever its accuracy: the next presence interval starts there.
    pub last_any: Option<patrol_model::LatLon>,
    /// Presence in ms per grid cell (`""`: outside every cell), `[by day, by night]`: each
    /// interval between two consecutive fixes of at most `ROUTE_GAP_MS`, credited to the cell
    /// of the first at its local hour.
    pub presence: std::collections::BTreeMap<String, [i64; 2]>,
    /// The grid `presence` was counted on ([`crate::projections::rollup::grid_key`]).
    pub grid_key: String,
}

impl Default for IngestPlan {
    fn default() -> Self {
        Self {
            expected_head: 0,
            new: Vec::new(),
            conflicts: Vec::new(),
            max_conflicts: crate::ingest::MAX_CONFLICTS_PER_DEVICE,
            skew_ms: 0,
            seen_ms: 0,
            rollups: Vec::new(),
            roll: None,
            counts: Vec::new(),
        }
    }
}

/// What an operator may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads figures, maps, reports and exports.
    Viewer,
    /// Also mints enrolment codes, revokes devices and operators, replaces the city and reads
    /// the audit trail.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "viewer" => Some(Role::Viewer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A person (or script) with an operator token. The token itself is never stored: `id` is the
/// first 12 hex digits of its hash, enough to name it in `operator list|revoke`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OperatorRow {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub created_ms: i64,
    pub expires_ms: Option<i64>,
    pub revoked_ms: Option<i64>,
}

impl OperatorRow {
    /// Letters of the token hash that name an operator.
    pub const ID_LEN: usize = 12;

    /// Usable at `now_ms`: neither revoked nor expired.
    pub fn active(&self, now_ms: i64) -> bool {
        self.revoked_ms.is_none() && self.expires_ms.is_none_or(|e| now_ms < e)
    }
}

/// A signed-in browser session of the command-centre page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionRow {
    /// `s-` and the first [`SessionRow::ID_LEN`] hex digits of the session's hash, as
    /// `patrol-hq operator list` shows it and `operator revoke` takes it.
    pub id: String,
    /// The operator it belongs to ([`OperatorRow::id`]).
    pub operator_id: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    /// Signed out or revoked.
    pub ended_ms: Option<i64>,
    /// Where the sign-in came from, when known.
    pub address: Option<String>,
}

impl SessionRow {
    /// Hex digits of the session hash that name a session.
    pub const ID_LEN: usize = 12;
    /// What starts a session id, so `operator revoke` tells it from an operator id.
    pub const ID_PREFIX: &'static str = "s-";

    /// Usable at `now_ms` (its operator's own state is checked apart).
    pub fn live(&self, now_ms: i64) -> bool {
        self.ended_ms.is_none() && now_ms < self.expires_ms
    }
}

/// One line of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    pub at_ms: i64,
    /// The operator's name (`console` for the `patrol-hq` command line on the HQ machine).
    pub operator: String,
    pub role: Role,
    /// Where the request came from, when known.
    pub address: Option<String>,
    /// What was done: `enrollment_code_created`, `device_revoked`, `operator_revoked`,
    /// `city_imported`, `export_routes`, `export_reports`, `read_ledger`, `read_photo`,
    /// `read_patrols`, `read_audit`, …
    pub action: String,
    /// What it was done to (a device id, a file name, a day), when there is one.
    pub target: Option<String>,
}

/// A dispatch as HQ keeps it: the operator's order (who was sent is in [`InboxRow`]s, what the
/// officers did is in their ledgers).
#[derive(Debug, Clone, PartialEq)]
pub struct DispatchRow {
    pub id: patrol_model::DispatchId,
    pub kind: patrol_model::DispatchKind,
    pub tier: patrol_model::Tier,
    pub target: patrol_model::LatLon,
    pub radius_m: f64,
    pub address: Option<String>,
    pub note: Option<String>,
    /// The report at HQ it was made from: `(device, seq)`.
    pub source: Option<(patrol_model::DeviceId, u64)>,
    /// When the call came in (HQ's clock, or the report's time).
    pub call_ms: i64,
    pub created_ms: i64,
    /// The operator who created it (their name).
    pub created_by: String,
    pub closed_ms: Option<i64>,
    pub closed_reason: Option<String>,
}

/// One message in one device's inbox.
#[derive(Debug, Clone, PartialEq)]
pub struct InboxRow {
    pub device_id: patrol_model::DeviceId,
    pub seq: u64,
    pub dispatch_id: patrol_model::DispatchId,
    /// `None` for an order; the reason for a withdrawal.
    pub withdrawn: Option<String>,
    pub created_ms: i64,
    pub last_sent_ms: i64,
    pub resends: u32,
    pub delivered_ms: Option<i64>,
}
