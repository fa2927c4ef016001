//! HQ's storage, behind one trait so the embedded SQLite file and PostgreSQL are interchangeable.
//! Storage keeps rows; it decides nothing. Which entries are new, duplicate, conflicting or
//! quarantined is decided by the pure [`crate::ingest`] planner, and storage commits the plan
//! atomically — refusing it if the device's head moved meanwhile (another upload won the race).

mod pg_relay;
pub mod postgres;
mod shared;
pub mod sqlite;

use async_trait::async_trait;
use patrol_model::v1::{Conflict, EntryProblem, Head, ReferenceChanges};
use patrol_model::{City, DeviceId, DispatchId, EntryKind, Hash, PatrolId};
use serde::Serialize;

pub type StorageResult<T> = Result<T, StorageError>;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The device's head is no longer what the plan was made against; plan again.
    #[error("device head moved (expected seq {expected}, found {found})")]
    HeadMoved { expected: u64, found: u64 },
    #[error("enrolment code is not valid (unknown, already used or expired)")]
    BadEnrollmentCode,
    #[error("device {0} is already enrolled")]
    DeviceExists(DeviceId),
    /// Revoked between authentication and commit: nothing was stored.
    #[error("device {0} was revoked")]
    Revoked(DeviceId),
    #[error("upload offset {given} does not match HQ's offset {expected}")]
    OffsetMismatch { given: u64, expected: u64 },
    #[error("photo {0} was not announced")]
    UnknownPhoto(String),
    #[error("photo {0} is larger than announced")]
    PhotoTooLarge(String),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    /// The disk (or the size cap HQ was given) is full: nothing of the request was stored, and
    /// retrying after space returns succeeds.
    #[error("no room left in HQ's database: {0}")]
    Full(String),
    #[error("database error: {0}")]
    Backend(String),
}

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => StorageError::Full(e.to_string()),
            _ => StorageError::Backend(e.to_string()),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeviceStatus {
    Active,
    Revoked,
}

impl DeviceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeviceStatus::Active => "active",
            DeviceStatus::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> StorageResult<Self> {
        match s {
            "active" => Ok(DeviceStatus::Active),
            "revoked" => Ok(DeviceStatus::Revoked),
            other => Err(StorageError::Corrupt(format!("device status `{other}`"))),
        }
    }
}

/// An enrolled device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DeviceRow {
    #[schema(value_type = String)]
    pub id: DeviceId,
    pub name: String,
    /// SHA-256 (hex) of the device secret; never the secret itself.
    #[serde(skip)]
    pub secret_hash: String,
    pub status: DeviceStatus,
    pub enrolled_ms: i64,
    pub revoked_ms: Option<i64>,
    pub head: Head,
    pub last_seen_ms: Option<i64>,
    /// Latest estimate of the device clock's offset (device − HQ), ms.
    pub skew_ms: i64,
}

/// A one-time enrolment code waiting to be redeemed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PendingEnrollment {
    pub name: String,
    pub created_ms: i64,
    pub expires_ms: i64,
}

pub use crate::model::{
    AuditRecord, DayCounts, DispatchRow, EntryKey, Flag, InboxRow, IngestPlan, OperatorRow, Role,
    SessionRow, StoredEntry, TrackRollup, flags,
};

/// [`Storage::sync_news`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SyncNewsRow {
    pub reference: Option<u64>,
    pub inbox_head: u64,
    pub inbox_undelivered: Option<u64>,
}

/// A photo, or one device's upload of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhotoRow {
    pub sha256: String,
    pub size: u64,
    pub mime: String,
    pub device_id: DeviceId,
    pub offset: u64,
    pub complete: bool,
}

/// What a city import changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub added: u32,
    pub changed: u32,
    pub removed: u32,
    pub unchanged: u32,
    /// The reference cursor after the import.
    pub cursor: u64,
}

#[async_trait]
pub trait Storage: Send + Sync + std::fmt::Debug {
    /// Create or upgrade the schema.
    async fn migrate(&self) -> StorageResult<()>;

    /// Several HQ processes serve from this store (PostgreSQL): carry `events` between them,
    /// so a page or a waiting inbox served by one hears what another published. Returns once
    /// this process hears the others. Nothing to do for a store only one process serves.
    async fn share_events(&self, _events: &crate::events::Events) -> StorageResult<()> {
        Ok(())
    }

    /// Tell the HQ processes serving from this store what a command-line run changed (their
    /// pages refetch, a unit's waiting inbox wakes). Nothing to do for a store only one
    /// process serves.
    async fn tell_other_processes(&self, _events: Vec<crate::events::Shared>) -> StorageResult<()> {
        Ok(())
    }

    // --- identity ---------------------------------------------------------------------------
    async fn create_enrollment(
        &self,
        code_hash: &str,
        name: &str,
        now_ms: i64,
        expires_ms: i64,
    ) -> StorageResult<()>;
    /// Redeem a code (once, before it expires): the device becomes active with this secret hash.
    async fn redeem_enrollment(
        &self,
        code_hash: &str,
        device_id: DeviceId,
        secret_hash: &str,
        now_ms: i64,
    ) -> StorageResult<DeviceRow>;
    async fn pending_enrollments(&self, now_ms: i64) -> StorageResult<Vec<PendingEnrollment>>;
    /// Make an unredeemed code unusable at once. Returns false when no such pending code.
    async fn cancel_enrollment(&self, code_hash: &str, now_ms: i64) -> StorageResult<bool>;
    async fn device(&self, id: DeviceId) -> StorageResult<Option<DeviceRow>>;
    async fn devices(&self) -> StorageResult<Vec<DeviceRow>>;
    /// Returns false when no such device.
    async fn revoke_device(&self, id: DeviceId, now_ms: i64) -> StorageResult<bool>;
    /// An admin operator without expiry (what `patrol-hq operator add NAME` made before roles).
    async fn add_operator(&self, name: &str, token_hash: &str, now_ms: i64) -> StorageResult<()> {
        self.add_operator_with(name, token_hash, Role::Admin, None, now_ms)
            .await
    }
    async fn add_operator_with(
        &self,
        name: &str,
        token_hash: &str,
        role: Role,
        expires_ms: Option<i64>,
        now_ms: i64,
    ) -> StorageResult<()>;
    /// The operator holding a token (revoked and expired ones too: the caller decides).
    async fn operator(&self, token_hash: &str) -> StorageResult<Option<OperatorRow>>;
    async fn operators(&self) -> StorageResult<Vec<OperatorRow>>;
    /// Revoke the operator whose id starts with `id_prefix` (at least 6 characters, matching
    /// exactly one). Returns the operator as revoked, or `None` when none matches.
    async fn revoke_operator(
        &self,
        id_prefix: &str,
        now_ms: i64,
    ) -> StorageResult<Option<OperatorRow>>;
    /// Keep a new browser session: only `session_hash` (SHA-256 of the cookie's secret) is
    /// stored, for the operator holding `operator_token_hash`.
    async fn create_session(
        &self,
        session_hash: &str,
        operator_token_hash: &str,
        created_ms: i64,
        expires_ms: i64,
        address: Option<&str>,
    ) -> StorageResult<()>;
    /// The session with this hash and its operator (ended and expired ones too: the caller
    /// decides).
    async fn session(&self, session_hash: &str)
    -> StorageResult<Option<(SessionRow, OperatorRow)>>;
    /// End the one session whose hash starts with `hash_prefix` (a whole hash on sign-out, the
    /// 6+ hex digits of an id on revocation). Returns it as ended, or `None` when none matches;
    /// an error when the prefix is ambiguous or not hex.
    async fn end_session(
        &self,
        hash_prefix: &str,
        now_ms: i64,
    ) -> StorageResult<Option<SessionRow>>;
    /// Sessions neither ended nor expired at `now_ms`, oldest first.
    async fn sessions(&self, now_ms: i64) -> StorageResult<Vec<SessionRow>>;
    /// The device's track rollups of these patrols (every day).
    async fn device_rollups(
        &self,
        device: DeviceId,
        patrols: &[PatrolId],
    ) -> StorageResult<Vec<TrackRollup>>;
    /// Every track rollup of these patrols (every device and day).
    async fn patrol_rollups(&self, patrols: &[PatrolId]) -> StorageResult<Vec<TrackRollup>>;
    /// Every track rollup of the local days `from..=to`.
    async fn day_rollups(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StorageResult<Vec<TrackRollup>>;
    /// Whether the rollups cover the whole ledger (false after upgrading a ledger stored before
    /// rollups existed, until [`crate::service::rebuild_rollups`] ran).
    async fn rollups_built(&self) -> StorageResult<bool>;
    /// Replace every rollup of `device` with `rows` (a rebuild).
    async fn replace_rollups(&self, device: DeviceId, rows: &[TrackRollup]) -> StorageResult<()>;
    async fn set_rollups_built(&self, built: bool) -> StorageResult<()>;
    /// The device's report counts of these local days.
    async fn device_counts(
        &self,
        device: DeviceId,
        days: &[chrono::NaiveDate],
    ) -> StorageResult<Vec<DayCounts>>;
    /// Every device's report counts of the local days `from..=to`, by day then device.
    async fn day_counts(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StorageResult<Vec<DayCounts>>;
    /// Whether the report counts cover the whole ledger (false after upgrading a ledger stored
    /// before they existed, until [`crate::service::rebuild_counts`] ran).
    async fn counts_built(&self) -> StorageResult<bool>;
    /// Replace every report-count row of `device` with `rows` (a rebuild).
    async fn replace_counts(&self, device: DeviceId, rows: &[DayCounts]) -> StorageResult<()>;
    async fn set_counts_built(&self, built: bool) -> StorageResult<()>;
    async fn append_audit(&self, record: &AuditRecord) -> StorageResult<()>;
    /// The newest `limit` records, newest first.
    async fn audit(&self, limit: u32) -> StorageResult<Vec<AuditRecord>>;
    /// The operator's name for a token hash.
    async fn operator_by_token(&self, token_hash: &str) -> StorageResult<Option<String>>;

    // --- ledger -----------------------------------------------------------------------------
    /// Hashes HQ holds for `seqs` of a device (missing seqs are absent from the answer).
    async fn hashes(
        &self,
        device: DeviceId,
        from_seq: u64,
        to_seq: u64,
    ) -> StorageResult<Vec<(u64, Hash)>>;
    /// Commit a plan: insert `new` (unique per device and seq) and `conflicts`, move the head to
    /// the last new entry, record skew and last-seen — all or nothing. Fails with
    /// [`StorageError::HeadMoved`] when the head is not `plan.expected_head`.
    async fn commit_ingest(&self, device: DeviceId, plan: IngestPlan) -> StorageResult<Head>;
    /// A device's stored entries with `from_seq <= seq`, in seq order, at most `limit`.
    async fn entries(
        &self,
        device: DeviceId,
        from_seq: u64,
        limit: u32,
    ) -> StorageResult<Vec<StoredEntry>>;
    /// All devices' entries with `from_ms <= event_ms < to_ms`, optionally of some kinds only,
    /// ordered by device then seq.
    async fn entries_between(
        &self,
        from_ms: i64,
        to_ms: i64,
        kinds: Option<&[EntryKind]>,
    ) -> StorageResult<Vec<StoredEntry>>;
    /// The keys of every unquarantined entry of `kinds` with `from_ms <= event_ms < to_ms`,
    /// without payloads, in no particular order: a day's reports to filter, count and order.
    async fn entry_keys_between(
        &self,
        from_ms: i64,
        to_ms: i64,
        kinds: &[EntryKind],
    ) -> StorageResult<Vec<EntryKey>>;
    /// The stored entries at these (device, seq), ordered by device then seq; keys not stored
    /// are left out.
    async fn entries_at(&self, keys: &[(DeviceId, u64)]) -> StorageResult<Vec<StoredEntry>>;
    /// Every entry of these patrols (all devices), ordered by device then seq.
    async fn patrol_entries(&self, patrols: &[PatrolId]) -> StorageResult<Vec<StoredEntry>>;
    /// For each of `devices`, its latest entry in ledger order (of `kind`, or of any kind) with
    /// `from_ms <= event_ms < to_ms`: where a unit is and when a device last spoke, without
    /// reading a day of track segments.
    async fn latest_entries(
        &self,
        devices: &[DeviceId],
        kind: Option<EntryKind>,
        from_ms: i64,
        to_ms: i64,
    ) -> StorageResult<Vec<StoredEntry>>;
    /// Every supplement entry, ordered by device then seq. They grow with the campaign's
    /// history: the command centre's answers take only those naming the entries they read from
    /// [`crate::service::supplements_of`], which holds them in memory and reads only new ones.
    async fn supplements(&self) -> StorageResult<Vec<StoredEntry>>;
    /// The supplements stored after the `after`th (`0`: all), each with its place in the order
    /// they arrived (migration 0014's `supplement_log`), in that order. The places held are
    /// always `1..=n` without a hole: a reader never sees one before those under it.
    async fn supplements_since(&self, after: u64) -> StorageResult<Vec<(u64, StoredEntry)>>;
    async fn quarantined(
        &self,
        device: Option<DeviceId>,
    ) -> StorageResult<Vec<(DeviceId, EntryProblem)>>;
    async fn conflicts(&self, device: Option<DeviceId>)
    -> StorageResult<Vec<(DeviceId, Conflict)>>;

    // --- photos -----------------------------------------------------------------------------
    // A photo is uploaded by each device that names it, into an upload of its own keyed by
    // (device, sha256); the first complete upload whose bytes hash to the name becomes the photo,
    // shared by every device that names it. No device can block another's upload.
    /// A complete photo (`complete` is always true), if HQ holds it.
    async fn photo(&self, sha256: &str) -> StorageResult<Option<PhotoRow>>;
    /// This device's upload of a photo, while it is in progress.
    async fn photo_upload(&self, device: DeviceId, sha256: &str)
    -> StorageResult<Option<PhotoRow>>;
    /// Announce a photo: the complete photo when HQ holds it already, else this device's upload
    /// (created at offset 0 if new; an existing one is returned as it is).
    async fn begin_photo(
        &self,
        sha256: &str,
        size: u64,
        mime: &str,
        device: DeviceId,
        now_ms: i64,
    ) -> StorageResult<PhotoRow>;
    /// Append bytes to this device's upload at `offset`, which must equal the stored offset.
    async fn append_photo(
        &self,
        device: DeviceId,
        sha256: &str,
        offset: u64,
        bytes: &[u8],
    ) -> StorageResult<PhotoRow>;
    /// The bytes of a complete photo.
    async fn photo_bytes(&self, sha256: &str) -> StorageResult<Vec<u8>>;
    /// The bytes of this device's upload received so far.
    async fn upload_bytes(&self, device: DeviceId, sha256: &str) -> StorageResult<Vec<u8>>;
    /// After the caller verified the SHA-256: the upload becomes the photo (unless another
    /// device's completed first: then the upload is simply dropped). When the bytes did not
    /// match, the upload goes back to offset 0 so the device sends them again.
    async fn finish_photo(
        &self,
        device: DeviceId,
        sha256: &str,
        verified: bool,
    ) -> StorageResult<PhotoRow>;
    /// How many complete photos this device's stored entries name (whoever uploaded them), and
    /// their SHA-256 in the order they were first announced: all of them, or those of `asked`
    /// only. A receipt every 30 s of a patrol asks about a few, so its cost does not grow with
    /// every photo the device ever took.
    async fn photos_held(
        &self,
        device: DeviceId,
        asked: Option<&[String]>,
    ) -> StorageResult<(u64, Vec<String>)>;
    /// Whether one of this device's stored (not quarantined) entries names the photo.
    async fn photo_referenced(&self, device: DeviceId, sha256: &str) -> StorageResult<bool>;
    /// Bytes announced by this device's uploads still in progress (for its quota).
    async fn uploads_pending_bytes(&self, device: DeviceId) -> StorageResult<u64>;

    // --- reference data ---------------------------------------------------------------------
    /// Replace the city: changed items get a new version, missing ones a tombstone.
    async fn import_city(&self, city: &City, now_ms: i64) -> StorageResult<ImportSummary>;
    async fn city(&self) -> StorageResult<Option<City>>;
    /// The reference data's counter (`None` before the first import): every change to the
    /// city (an item, its name, zone or settings) takes a new value, so while it is the same
    /// the city is too. One row read, for answers that keep the city in memory.
    async fn reference_counter(&self) -> StorageResult<Option<u64>>;
    /// What changed after `cursor` (0 = everything).
    async fn reference_since(&self, cursor: u64) -> StorageResult<Option<ReferenceChanges>>;

    // --- dispatch -------------------------------------------------------------------------------
    /// Keep a new dispatch (its id must be new).
    async fn create_dispatch(&self, dispatch: &DispatchRow) -> StorageResult<()>;
    /// These dispatches (unknown ids are left out), in no particular order.
    async fn dispatches_by_id(&self, ids: &[DispatchId]) -> StorageResult<Vec<DispatchRow>>;
    /// Dispatches whose call came in `from_ms <= call_ms < to_ms`, plus every one still open
    /// (not closed) that came in earlier, oldest first.
    async fn dispatches(&self, from_ms: i64, to_ms: i64) -> StorageResult<Vec<DispatchRow>>;
    /// Close a dispatch (nothing more will be sent for it); `false` when unknown or closed.
    async fn close_dispatch(
        &self,
        id: DispatchId,
        reason: &str,
        now_ms: i64,
    ) -> StorageResult<bool>;
    /// Append a message to the device's inbox with the next seq and return it, atomically. An
    /// order for a dispatch whose order already stands for this device is not written again:
    /// the standing order's seq is returned.
    async fn push_inbox(
        &self,
        device: DeviceId,
        dispatch: DispatchId,
        withdrawn: Option<&str>,
        now_ms: i64,
    ) -> StorageResult<u64>;
    /// The device's messages with `seq > after`, oldest first, at most `limit`.
    async fn inbox(&self, device: DeviceId, after: u64, limit: u32)
    -> StorageResult<Vec<InboxRow>>;
    /// The newest seq in the device's inbox (0 when empty).
    async fn inbox_head(&self, device: DeviceId) -> StorageResult<u64>;
    /// What a device's sync may need besides its ledger, in one read: the reference data's
    /// counter (`None` without a city), the inbox's newest seq and its oldest undelivered one.
    async fn sync_news(&self, device: DeviceId) -> StorageResult<SyncNewsRow>;
    /// The device has stored every message through `through`: mark those not yet delivered
    /// as delivered now, and return them.
    async fn ack_inbox(
        &self,
        device: DeviceId,
        through: u64,
        now_ms: i64,
    ) -> StorageResult<Vec<InboxRow>>;
    /// Every message about these dispatches (all devices), ordered by device then seq.
    async fn inbox_of(&self, dispatches: &[DispatchId]) -> StorageResult<Vec<InboxRow>>;
    /// Messages not delivered, last sent at or before `due_ms` and sent again fewer than
    /// `max_resends` times: mark them sent again now (one more resend) and return them.
    async fn resend_due(
        &self,
        due_ms: i64,
        now_ms: i64,
        max_resends: u32,
    ) -> StorageResult<Vec<InboxRow>>;
}
