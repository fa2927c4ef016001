//! Row logic both storage backends share, so SQLite and PostgreSQL cannot drift apart: decoding
//! rows, the checks of an ingest plan, enrolment and photo rules, the reference version counter.

use super::{
    DeviceRow, DeviceStatus, EntryKey, ImportSummary, IngestPlan, PhotoRow, StorageError,
    StorageResult, StoredEntry,
};
use patrol_model::v1::{Conflict, EntryProblem, Head, ReferenceChanges, RemovedItem};
use patrol_model::{City, DeviceId, Entry, EntryId, Hash, PatrolId};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

fn corrupt(what: &str, value: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(format!("{what} `{value}`"))
}

pub fn schema_too_new(found: i64, known: i64) -> StorageError {
    StorageError::Corrupt(format!(
        "the database schema is version {found}, newer than this HQ knows ({known}): \
         upgrade HQ"
    ))
}

pub fn not_enrolled(device: DeviceId) -> StorageError {
    StorageError::Backend(format!("device {device} is not enrolled"))
}

/// A `u64` for a column that is `i64` in both databases.
pub fn to_i64(what: &str, v: u64) -> StorageResult<i64> {
    i64::try_from(v).map_err(|_| StorageError::Backend(format!("{what} {v} is too large to store")))
}

/// A bound of a range query: anything beyond `i64::MAX` means "no bound".
pub fn clamp_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

pub fn to_u64(what: &str, v: i64) -> StorageResult<u64> {
    u64::try_from(v).map_err(|_| corrupt(what, v))
}

pub fn hash(what: &str, bytes: &[u8]) -> StorageResult<Hash> {
    <[u8; 32]>::try_from(bytes)
        .map(Hash)
        .map_err(|_| corrupt(what, hex::encode(bytes)))
}

pub fn device_id(s: &str) -> StorageResult<DeviceId> {
    s.parse().map_err(|_| corrupt("device id", s))
}

pub fn head(seq: i64, hash_bytes: &[u8]) -> StorageResult<Head> {
    Ok(Head {
        seq: to_u64("head seq", seq)?,
        hash: hash("head hash", hash_bytes)?,
    })
}

/// An entry as both databases store it (one column per field).
#[derive(Debug, Clone)]
pub struct EntryRow {
    pub device_id: String,
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub wall_ms: i64,
    pub mono_ms: i64,
    pub gnss_ms: Option<i64>,
    pub cell: Option<String>,
    pub payload: Vec<u8>,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
    pub received_ms: i64,
    pub event_ms: i64,
    pub patrol_id: Option<String>,
    /// JSON array of flag names.
    pub flags: String,
    pub quarantine_code: Option<String>,
    pub quarantine_reason: Option<String>,
}

/// An entry about to be written, in [`EntryRow`]'s columns but its device's (the upload's,
/// which the commit writes beside each row), borrowing what the plan holds: an upload writes
/// ~1,500 of these per shift, and copying each payload and hash into a row of its own, and
/// giving every column a string of its own, was about 7% of HQ's samples at ingest.
#[derive(Debug, Clone)]
pub struct NewEntryRow<'a> {
    pub seq: i64,
    pub id: String,
    pub kind: &'static str,
    pub wall_ms: i64,
    pub mono_ms: i64,
    pub gnss_ms: Option<i64>,
    pub cell: Option<&'a str>,
    pub payload: &'a [u8],
    pub prev_hash: &'a [u8],
    pub hash: &'a [u8],
    pub received_ms: i64,
    pub event_ms: i64,
    pub patrol_id: Option<String>,
    /// JSON array of flag names (`[]`, most of the time, without writing it out).
    pub flags: std::borrow::Cow<'static, str>,
    pub quarantine_code: Option<&'a str>,
    pub quarantine_reason: Option<&'a str>,
}

impl<'a> NewEntryRow<'a> {
    pub fn of(s: &'a StoredEntry) -> StorageResult<Self> {
        let e = &s.entry;
        let flags = if s.flags.is_empty() {
            std::borrow::Cow::Borrowed("[]")
        } else {
            serde_json::to_string(&s.flags)
                .map_err(|e| StorageError::Backend(format!("flags: {e}")))?
                .into()
        };
        Ok(Self {
            seq: to_i64("seq", e.seq)?,
            id: e.id.to_string(),
            kind: e.kind.as_str(),
            wall_ms: e.wall_ms,
            mono_ms: e.mono_ms,
            gnss_ms: e.gnss_ms,
            cell: e.cell.as_ref().map(|c| c.as_str()),
            payload: &e.payload,
            prev_hash: &e.prev_hash.0,
            hash: &e.hash.0,
            received_ms: s.received_ms,
            event_ms: s.event_ms,
            patrol_id: s.patrol_id.map(|p| p.to_string()),
            flags,
            quarantine_code: s.quarantine.as_ref().map(|q| q.code.as_str()),
            quarantine_reason: s.quarantine.as_ref().map(|q| q.reason.as_str()),
        })
    }
}

impl EntryRow {
    pub fn into_stored(self) -> StorageResult<StoredEntry> {
        let seq = to_u64("entry seq", self.seq)?;
        let entry = Entry {
            device_id: device_id(&self.device_id)?,
            seq,
            id: entry_id(&self.id)?,
            kind: entry_kind(&self.kind)?,
            wall_ms: self.wall_ms,
            mono_ms: self.mono_ms,
            gnss_ms: self.gnss_ms,
            cell: self.cell.map(|c| c.as_str().into()),
            payload: self.payload,
            prev_hash: hash("prev_hash", &self.prev_hash)?,
            hash: hash("hash", &self.hash)?,
        };
        let patrol_id = patrol_id(self.patrol_id)?;
        let flags: Vec<super::Flag> =
            serde_json::from_str(&self.flags).map_err(|_| corrupt("flags", &self.flags))?;
        Ok(StoredEntry {
            entry,
            received_ms: self.received_ms,
            event_ms: self.event_ms,
            patrol_id,
            flags,
            quarantine: self.quarantine_code.map(|code| {
                EntryProblem::new(seq, code, self.quarantine_reason.unwrap_or_default())
            }),
        })
    }
}

/// An [`EntryKey`] as both databases read it (`KEY_COLUMNS`).
#[derive(Debug, Clone)]
pub struct EntryKeyRow {
    pub device_id: String,
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub cell: Option<String>,
    pub event_ms: i64,
    pub patrol_id: Option<String>,
}

/// The columns of an [`EntryKeyRow`], in its order.
pub const KEY_COLUMNS: &str = "device_id, seq, id, kind, cell, event_ms, patrol_id";

impl EntryKeyRow {
    pub fn into_key(self) -> StorageResult<EntryKey> {
        Ok(EntryKey {
            device_id: device_id(&self.device_id)?,
            seq: to_u64("entry seq", self.seq)?,
            id: entry_id(&self.id)?,
            kind: entry_kind(&self.kind)?,
            cell: self.cell.map(|c| c.as_str().into()),
            event_ms: self.event_ms,
            patrol_id: patrol_id(self.patrol_id)?,
        })
    }
}

fn entry_id(s: &str) -> StorageResult<EntryId> {
    s.parse().map_err(|_| corrupt("entry id", s))
}

fn entry_kind(s: &str) -> StorageResult<patrol_model::EntryKind> {
    s.parse().map_err(|_| corrupt("entry kind", s))
}

fn patrol_id(s: Option<String>) -> StorageResult<Option<PatrolId>> {
    s.map(|p| p.parse().map_err(|_| corrupt("patrol id", &p)))
        .transpose()
}

/// A conflict row ready to insert.
#[derive(Debug, Clone)]
pub struct ConflictRow {
    pub device_id: String,
    pub seq: i64,
    pub hq_hash: Vec<u8>,
    pub device_hash: Vec<u8>,
    pub device_entry: String,
}

/// What to write for a plan that passed [`check_plan`].
#[derive(Debug, Clone)]
pub struct IngestWrites<'a> {
    pub entries: Vec<NewEntryRow<'a>>,
    /// `(device_id, sha256)` of every photo the new, not quarantined entries name.
    pub photo_refs: Vec<(String, String)>,
    pub conflicts: Vec<ConflictRow>,
    /// The head after the commit.
    pub head: Head,
}

impl IngestWrites<'_> {
    /// The supplements among the new rows, in seq order: each gets the next place in
    /// `supplement_log`, in the same transaction.
    pub fn supplements(&self) -> impl Iterator<Item = &NewEntryRow<'_>> {
        let kind = patrol_model::EntryKind::Supplement.as_str();
        self.entries.iter().filter(move |r| r.kind == kind)
    }
}

/// The condition of the partial index `entries_kind` (migration 0011), to be added literally to
/// a query on one kind of entry so that the planner may use that index (neither SQLite nor a
/// generic PostgreSQL plan can prove it from a bound `kind = ?`). Empty for track segments,
/// which the index leaves out: theirs is the primary key.
pub fn not_a_track(kind: patrol_model::EntryKind) -> &'static str {
    if kind == patrol_model::EntryKind::TrackSegment {
        ""
    } else {
        "AND kind <> 'track_segment'"
    }
}

/// Refuse a plan made against another head ([`StorageError::HeadMoved`]) or whose new
/// entries are not this device's, contiguous from the head ([`StorageError::Corrupt`]);
/// otherwise say what to write.
pub fn check_plan(
    device: DeviceId,
    head: Head,
    plan: &IngestPlan,
) -> StorageResult<IngestWrites<'_>> {
    if head.seq != plan.expected_head {
        return Err(StorageError::HeadMoved {
            expected: plan.expected_head,
            found: head.seq,
        });
    }
    let mut new_head = head;
    let mut entries = Vec::with_capacity(plan.new.len());
    let mut photo_refs = Vec::new();
    for (i, s) in plan.new.iter().enumerate() {
        let want = plan.expected_head + 1 + i as u64;
        if s.entry.seq != want {
            return Err(StorageError::Corrupt(format!(
                "ingest plan is not contiguous: seq {} where {want} was due",
                s.entry.seq
            )));
        }
        if s.entry.device_id != device {
            return Err(StorageError::Corrupt(format!(
                "ingest plan for device {device} holds seq {} of device {}",
                s.entry.seq, s.entry.device_id
            )));
        }
        entries.push(NewEntryRow::of(s)?);
        if s.quarantine.is_none()
            && s.entry.kind.may_name_photos()
            && let Ok(record) = s.entry.record()
        {
            for p in record.photos() {
                photo_refs.push((device.to_string(), p.sha256.clone()));
            }
        }
        new_head = Head {
            seq: s.entry.seq,
            hash: s.entry.hash,
        };
    }
    let conflicts = plan
        .conflicts
        .iter()
        .map(|(c, e)| {
            Ok(ConflictRow {
                device_id: device.to_string(),
                seq: to_i64("seq", c.seq)?,
                hq_hash: c.hq_hash.0.to_vec(),
                device_hash: c.device_hash.0.to_vec(),
                device_entry: serde_json::to_string(e)
                    .map_err(|e| StorageError::Backend(format!("conflicting entry: {e}")))?,
            })
        })
        .collect::<StorageResult<Vec<_>>>()?;
    photo_refs.sort();
    photo_refs.dedup();
    Ok(IngestWrites {
        entries,
        photo_refs,
        conflicts,
        head: new_head,
    })
}

pub fn problem(
    device: &str,
    seq: i64,
    code: String,
    reason: Option<String>,
) -> StorageResult<(DeviceId, EntryProblem)> {
    Ok((
        device_id(device)?,
        EntryProblem::new(to_u64("entry seq", seq)?, code, reason.unwrap_or_default()),
    ))
}

pub fn conflict(
    device: &str,
    seq: i64,
    hq_hash: &[u8],
    device_hash: &[u8],
) -> StorageResult<(DeviceId, Conflict)> {
    Ok((
        device_id(device)?,
        Conflict {
            seq: to_u64("conflict seq", seq)?,
            hq_hash: hash("hq_hash", hq_hash)?,
            device_hash: hash("device_hash", device_hash)?,
        },
    ))
}

// --- devices ----------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct DeviceRaw {
    pub id: String,
    pub name: String,
    pub secret_hash: String,
    pub status: String,
    pub enrolled_ms: i64,
    pub revoked_ms: Option<i64>,
    pub head_seq: i64,
    pub head_hash: Vec<u8>,
    pub last_seen_ms: Option<i64>,
    pub skew_ms: i64,
}

impl DeviceRaw {
    pub fn into_row(self) -> StorageResult<DeviceRow> {
        Ok(DeviceRow {
            id: device_id(&self.id)?,
            name: self.name,
            secret_hash: self.secret_hash,
            status: DeviceStatus::parse(&self.status)?,
            enrolled_ms: self.enrolled_ms,
            revoked_ms: self.revoked_ms,
            head: head(self.head_seq, &self.head_hash)?,
            last_seen_ms: self.last_seen_ms,
            skew_ms: self.skew_ms,
        })
    }
}

/// The code's name if `(name, expires_ms, used_ms)` can be redeemed at `now_ms`.
pub fn redeemable(code: Option<(String, i64, Option<i64>)>, now_ms: i64) -> StorageResult<String> {
    match code {
        Some((name, expires_ms, None)) if now_ms < expires_ms => Ok(name),
        _ => Err(StorageError::BadEnrollmentCode),
    }
}

pub fn new_device(id: DeviceId, name: String, secret_hash: String, now_ms: i64) -> DeviceRow {
    DeviceRow {
        id,
        name,
        secret_hash,
        status: DeviceStatus::Active,
        enrolled_ms: now_ms,
        revoked_ms: None,
        head: Head {
            seq: 0,
            hash: Hash::GENESIS,
        },
        last_seen_ms: None,
        skew_ms: 0,
    }
}

// --- photos -----------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct PhotoRaw {
    pub sha256: String,
    pub size: i64,
    pub mime: String,
    pub device_id: String,
    pub received_bytes: i64,
    pub complete: bool,
}

impl PhotoRaw {
    pub fn into_row(self) -> StorageResult<PhotoRow> {
        Ok(PhotoRow {
            size: to_u64("photo size", self.size)?,
            offset: to_u64("photo offset", self.received_bytes)?,
            device_id: device_id(&self.device_id)?,
            sha256: self.sha256,
            mime: self.mime,
            complete: self.complete,
        })
    }
}

/// The new offset after appending `len` bytes at `offset`, if that is allowed.
pub fn check_append(row: &PhotoRow, offset: u64, len: usize) -> StorageResult<u64> {
    if offset != row.offset {
        return Err(StorageError::OffsetMismatch {
            given: offset,
            expected: row.offset,
        });
    }
    match offset.checked_add(len as u64) {
        Some(end) if end <= row.size => Ok(end),
        _ => Err(StorageError::PhotoTooLarge(row.sha256.clone())),
    }
}

// --- reference data ---------------------------------------------------------------------

/// The stored city header and the global version counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CityHeader {
    pub name: String,
    pub timezone: String,
    /// The city's settings as JSON (`{}` for the defaults).
    pub settings: String,
    /// Counter value when name, time zone or settings last changed.
    pub version: i64,
    pub counter: i64,
}

/// One stored grid cell, post or group (`body` is its JSON).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefItem {
    pub kind: String,
    pub id: String,
    pub body: String,
    pub version: i64,
    pub deleted: bool,
}

#[derive(Debug, Clone)]
pub struct ImportPlan {
    pub header: CityHeader,
    /// Items to upsert (added, changed, resurrected or newly tombstoned).
    pub writes: Vec<RefItem>,
    pub summary: ImportSummary,
}

fn body(kind: &str, id: &str, item: &impl Serialize) -> StorageResult<(String, String, String)> {
    let json = serde_json::to_string(item)
        .map_err(|e| StorageError::Backend(format!("{kind} `{id}` does not serialize: {e}")))?;
    Ok((kind.to_owned(), id.to_owned(), json))
}

/// Diff a new city against what is stored. Every added or changed item, every new tombstone
/// and a changed name or time zone take the next counter value; unchanged items keep
/// theirs, so importing the same city twice changes nothing. Versions are handed out in a
/// fixed order (header, then items by kind and id), so both backends agree exactly.
pub fn plan_import(
    current: Option<&CityHeader>,
    stored: Vec<RefItem>,
    city: &City,
) -> StorageResult<ImportPlan> {
    let mut counter = current.map_or(0, |h| h.counter);
    let settings = serde_json::to_string(&city.settings)
        .map_err(|e| StorageError::Backend(format!("city settings do not serialize: {e}")))?;
    let header = match current {
        Some(h) if h.name == city.name && h.timezone == city.timezone && h.settings == settings => {
            h.clone()
        }
        _ => {
            counter += 1;
            CityHeader {
                name: city.name.clone(),
                timezone: city.timezone.clone(),
                settings,
                version: counter,
                counter,
            }
        }
    };
    let mut incoming = Vec::new();
    for c in &city.cells {
        incoming.push(body("cell", c.id.as_str(), c)?);
    }
    for p in &city.posts {
        incoming.push(body("post", p.id.as_str(), p)?);
    }
    for g in &city.groups {
        incoming.push(body("group", g.id.as_str(), g)?);
    }
    incoming.sort();
    let mut seen = HashSet::new();
    for (kind, id, _) in &incoming {
        if !seen.insert((kind.as_str(), id.as_str())) {
            return Err(StorageError::Backend(format!(
                "the city lists {kind} `{id}` twice: validate it before importing"
            )));
        }
    }
    let mut stored: HashMap<(String, String), RefItem> = stored
        .into_iter()
        .map(|it| ((it.kind.clone(), it.id.clone()), it))
        .collect();
    let mut summary = ImportSummary::default();
    let mut writes = Vec::new();
    for (kind, id, json) in incoming {
        let old = stored.remove(&(kind.clone(), id.clone()));
        match old {
            Some(o) if !o.deleted && o.body == json => {
                summary.unchanged += 1;
                continue;
            }
            Some(o) if !o.deleted => summary.changed += 1,
            _ => summary.added += 1,
        }
        counter += 1;
        writes.push(RefItem {
            kind,
            id,
            body: json,
            version: counter,
            deleted: false,
        });
    }
    let mut gone: Vec<RefItem> = stored.into_values().filter(|it| !it.deleted).collect();
    gone.sort_by(|a, b| (&a.kind, &a.id).cmp(&(&b.kind, &b.id)));
    for mut it in gone {
        counter += 1;
        summary.removed += 1;
        it.version = counter;
        it.deleted = true;
        writes.push(it);
    }
    summary.cursor = to_u64("reference counter", counter)?;
    Ok(ImportPlan {
        header: CityHeader { counter, ..header },
        writes,
        summary,
    })
}

/// Items newer than this version answer `reference_since(cursor)`. A cursor from the future
/// (HQ's database was replaced) cannot be trusted: the device gets everything again.
pub fn effective_cursor(cursor: u64, counter: i64) -> i64 {
    match i64::try_from(cursor) {
        Ok(c) if c <= counter => c,
        _ => 0,
    }
}

/// The header's city holding the live `items` (sorted by id), and the tombstones.
fn sort_into(
    header: &CityHeader,
    mut items: Vec<RefItem>,
) -> StorageResult<(City, Vec<RemovedItem>)> {
    items.sort_by(|a, b| (&a.kind, &a.id).cmp(&(&b.kind, &b.id)));
    let mut city = City {
        name: header.name.clone(),
        timezone: header.timezone.clone(),
        cells: vec![],
        posts: vec![],
        groups: vec![],
        settings: serde_json::from_str(&header.settings)
            .map_err(|e| StorageError::Corrupt(format!("city settings: {e}")))?,
    };
    let mut removed = Vec::new();
    for it in items {
        if it.deleted {
            removed.push(RemovedItem {
                kind: it.kind,
                id: it.id,
            });
            continue;
        }
        let bad =
            |e: serde_json::Error| StorageError::Corrupt(format!("{} `{}`: {e}", it.kind, it.id));
        match it.kind.as_str() {
            "cell" => city
                .cells
                .push(serde_json::from_str(&it.body).map_err(bad)?),
            "post" => city
                .posts
                .push(serde_json::from_str(&it.body).map_err(bad)?),
            "group" => city
                .groups
                .push(serde_json::from_str(&it.body).map_err(bad)?),
            other => return Err(corrupt("reference kind", other)),
        }
    }
    Ok((city, removed))
}

/// The city from its stored header and live items (items sorted by id).
pub fn city(header: &CityHeader, items: Vec<RefItem>) -> StorageResult<City> {
    Ok(sort_into(header, items)?.0)
}

/// An incremental download: `items` are those newer than the cursor, tombstones included.
pub fn changes(header: &CityHeader, items: Vec<RefItem>) -> StorageResult<ReferenceChanges> {
    let (city, removed) = sort_into(header, items)?;
    Ok(ReferenceChanges {
        settings: Some(city.settings),
        cursor: header.counter.to_string(),
        name: city.name,
        timezone: city.timezone,
        cells: city.cells,
        posts: city.posts,
        groups: city.groups,
        removed,
        map_pack: None,
    })
}

// --- operators ----------------------------------------------------------------------------

/// An operator row as both databases store it.
#[derive(Debug, Clone)]
pub struct OperatorRaw {
    pub token_hash: String,
    pub name: String,
    pub role: String,
    pub created_ms: i64,
    pub expires_ms: Option<i64>,
    pub revoked_ms: Option<i64>,
}

impl OperatorRaw {
    pub fn into_row(self) -> StorageResult<super::OperatorRow> {
        Ok(super::OperatorRow {
            id: self
                .token_hash
                .chars()
                .take(super::OperatorRow::ID_LEN)
                .collect(),
            role: super::Role::parse(&self.role).ok_or_else(|| corrupt("role", &self.role))?,
            name: self.name,
            created_ms: self.created_ms,
            expires_ms: self.expires_ms,
            revoked_ms: self.revoked_ms,
        })
    }
}

/// Check an operator id prefix before it is used in a `LIKE`: hex only, long enough to mean one.
pub fn operator_prefix(id_prefix: &str) -> StorageResult<String> {
    let p = id_prefix.trim().to_ascii_lowercase();
    if p.len() < 6 || p.len() > 64 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StorageError::Backend(format!(
            "`{}` is not an operator id (6 to 12 hex digits, as `operator list` shows)",
            id_prefix.chars().take(70).collect::<String>()
        )));
    }
    Ok(p)
}

/// A report-count row as both databases return it.
pub struct CountsRaw {
    pub device_id: String,
    pub day: String,
    pub tz: String,
    pub counts: String,
}

impl CountsRaw {
    pub fn into_row(self) -> StorageResult<super::DayCounts> {
        Ok(super::DayCounts {
            device_id: self
                .device_id
                .parse()
                .map_err(|_| corrupt("counts device", &self.device_id))?,
            day: self
                .day
                .parse()
                .map_err(|_| corrupt("counts day", &self.day))?,
            tz: self.tz,
            counts: serde_json::from_str(&self.counts)
                .map_err(|_| corrupt("counts figures", &self.counts))?,
        })
    }
}

/// A report-count row's figures as stored (JSON).
pub fn counts_json(r: &super::DayCounts) -> String {
    serde_json::to_string(&r.counts).unwrap_or_else(|_| "{}".into())
}

/// A track rollup row as both databases return it.
pub struct RollupRaw {
    pub device_id: String,
    pub patrol_id: String,
    pub day: String,
    pub tz: String,
    pub gate_m: f64,
    pub metres: f64,
    pub last_t: Option<i64>,
    pub last_lat: Option<f64>,
    pub last_lon: Option<f64>,
    pub dirty: bool,
    pub fixes: i64,
    pub first_lat: Option<f64>,
    pub first_lon: Option<f64>,
    pub any_lat: Option<f64>,
    pub any_lon: Option<f64>,
    pub presence: String,
    pub grid_key: String,
}

impl RollupRaw {
    pub fn into_row(self) -> StorageResult<super::TrackRollup> {
        Ok(super::TrackRollup {
            device_id: self
                .device_id
                .parse()
                .map_err(|_| corrupt("rollup device", &self.device_id))?,
            patrol_id: self
                .patrol_id
                .parse()
                .map_err(|_| corrupt("rollup patrol", &self.patrol_id))?,
            day: self
                .day
                .parse()
                .map_err(|_| corrupt("rollup day", &self.day))?,
            tz: self.tz,
            gate_m: self.gate_m,
            metres: self.metres,
            last_t: self.last_t,
            last_gated: self
                .last_lat
                .zip(self.last_lon)
                .map(|(lat, lon)| patrol_model::LatLon { lat, lon }),
            dirty: self.dirty,
            fixes: u64::try_from(self.fixes).map_err(|_| corrupt("rollup fixes", self.fixes))?,
            first_gated: self
                .first_lat
                .zip(self.first_lon)
                .map(|(lat, lon)| patrol_model::LatLon { lat, lon }),
            last_any: self
                .any_lat
                .zip(self.any_lon)
                .map(|(lat, lon)| patrol_model::LatLon { lat, lon }),
            presence: serde_json::from_str(&self.presence)
                .map_err(|_| corrupt("rollup presence", &self.presence))?,
            grid_key: self.grid_key,
        })
    }
}

/// A session row as both databases return it.
pub struct SessionRaw {
    pub session_hash: String,
    pub operator_hash: String,
    pub created_ms: i64,
    pub expires_ms: i64,
    pub ended_ms: Option<i64>,
    pub address: Option<String>,
}

impl SessionRaw {
    pub fn into_row(self) -> super::SessionRow {
        let take = |h: &str, n: usize| h.chars().take(n).collect::<String>();
        super::SessionRow {
            id: format!(
                "{}{}",
                super::SessionRow::ID_PREFIX,
                take(&self.session_hash, super::SessionRow::ID_LEN)
            ),
            operator_id: take(&self.operator_hash, super::OperatorRow::ID_LEN),
            created_ms: self.created_ms,
            expires_ms: self.expires_ms,
            ended_ms: self.ended_ms,
            address: self.address,
        }
    }
}

/// The hash prefix a session id (`s-` and hex digits, or a whole hash) names.
pub fn session_prefix(id: &str) -> StorageResult<String> {
    let p = id.trim();
    let p = p
        .strip_prefix(super::SessionRow::ID_PREFIX)
        .unwrap_or(p)
        .to_ascii_lowercase();
    if p.len() < 6 || p.len() > 64 || !p.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(StorageError::Backend(format!(
            "`{}` is not a session id (s- and 6 to 12 hex digits, as `operator list` shows)",
            id.chars().take(70).collect::<String>()
        )));
    }
    Ok(p)
}

/// One session among the rows a prefix matched, or why not.
pub fn one_session(id: &str, mut rows: Vec<SessionRaw>) -> StorageResult<Option<SessionRaw>> {
    match rows.len() {
        0 => Ok(None),
        1 => Ok(rows.pop()),
        n => Err(StorageError::Backend(format!(
            "{n} sessions have ids starting with `{id}`; give more digits"
        ))),
    }
}

/// One operator among the rows a prefix matched, or why not.
pub fn one_operator(
    id_prefix: &str,
    mut rows: Vec<OperatorRaw>,
) -> StorageResult<Option<OperatorRaw>> {
    match rows.len() {
        0 => Ok(None),
        1 => Ok(rows.pop()),
        n => Err(StorageError::Backend(format!(
            "{n} operators have ids starting with `{id_prefix}`; give more digits"
        ))),
    }
}

/// An audit row as both databases return it.
pub fn audit_record(
    at_ms: i64,
    operator: String,
    role: &str,
    address: Option<String>,
    action: String,
    target: Option<String>,
) -> StorageResult<super::AuditRecord> {
    Ok(super::AuditRecord {
        at_ms,
        operator,
        role: super::Role::parse(role).ok_or_else(|| corrupt("role", role))?,
        address,
        action,
        target,
    })
}

// --- dispatch -----------------------------------------------------------------------------------

pub const DISPATCH_COLUMNS: &str = "dispatch_id, kind, tier, lat, lon, radius_m, address, note, \
     source_device, source_seq, call_ms, created_ms, created_by, closed_ms, closed_reason";

/// A `dispatches` row as both databases return it.
pub struct DispatchRaw {
    pub id: String,
    pub kind: String,
    pub tier: i64,
    pub lat: f64,
    pub lon: f64,
    pub radius_m: f64,
    pub address: Option<String>,
    pub note: Option<String>,
    pub source_device: Option<String>,
    pub source_seq: Option<i64>,
    pub call_ms: i64,
    pub created_ms: i64,
    pub created_by: String,
    pub closed_ms: Option<i64>,
    pub closed_reason: Option<String>,
}

impl DispatchRaw {
    pub fn into_row(self) -> StorageResult<crate::model::DispatchRow> {
        let source = match (self.source_device, self.source_seq) {
            (Some(d), Some(s)) => Some((
                d.parse()
                    .map_err(|_| corrupt("dispatch source device", &d))?,
                u64::try_from(s).map_err(|_| corrupt("dispatch source seq", s))?,
            )),
            _ => None,
        };
        Ok(crate::model::DispatchRow {
            id: self
                .id
                .parse()
                .map_err(|_| corrupt("dispatch id", &self.id))?,
            kind: self
                .kind
                .parse()
                .map_err(|_| corrupt("dispatch kind", &self.kind))?,
            tier: u8::try_from(self.tier)
                .ok()
                .and_then(|t| patrol_model::Tier::try_from(t).ok())
                .ok_or_else(|| corrupt("dispatch tier", self.tier))?,
            target: patrol_model::LatLon {
                lat: self.lat,
                lon: self.lon,
            },
            radius_m: self.radius_m,
            address: self.address,
            note: self.note,
            source,
            call_ms: self.call_ms,
            created_ms: self.created_ms,
            created_by: self.created_by,
            closed_ms: self.closed_ms,
            closed_reason: self.closed_reason,
        })
    }
}

/// The values of a `dispatches` row, in [`DISPATCH_COLUMNS`] order, as both databases take them.
pub struct DispatchValues {
    pub id: String,
    pub kind: &'static str,
    pub tier: i64,
    pub source_device: Option<String>,
    pub source_seq: Option<i64>,
}

impl DispatchValues {
    pub fn of(d: &crate::model::DispatchRow) -> StorageResult<Self> {
        Ok(Self {
            id: d.id.to_string(),
            kind: d.kind.slug(),
            tier: i64::from(d.tier.minutes()),
            source_device: d.source.map(|(dev, _)| dev.to_string()),
            source_seq: d.source.map(|(_, s)| to_i64("source seq", s)).transpose()?,
        })
    }
}

pub const INBOX_COLUMNS: &str =
    "device_id, seq, dispatch_id, message, reason, created_ms, last_sent_ms, resends, delivered_ms";

/// A `dispatch_inbox` row as both databases return it.
pub struct InboxRaw {
    pub device_id: String,
    pub seq: i64,
    pub dispatch_id: String,
    pub message: String,
    pub reason: Option<String>,
    pub created_ms: i64,
    pub last_sent_ms: i64,
    pub resends: i64,
    pub delivered_ms: Option<i64>,
}

impl InboxRaw {
    pub fn into_row(self) -> StorageResult<crate::model::InboxRow> {
        let withdrawn = match self.message.as_str() {
            "order" => None,
            "withdrawn" => Some(self.reason.unwrap_or_default()),
            other => return Err(corrupt("inbox message", other)),
        };
        Ok(crate::model::InboxRow {
            device_id: self
                .device_id
                .parse()
                .map_err(|_| corrupt("inbox device", &self.device_id))?,
            seq: u64::try_from(self.seq).map_err(|_| corrupt("inbox seq", self.seq))?,
            dispatch_id: self
                .dispatch_id
                .parse()
                .map_err(|_| corrupt("inbox dispatch", &self.dispatch_id))?,
            withdrawn,
            created_ms: self.created_ms,
            last_sent_ms: self.last_sent_ms,
            resends: u32::try_from(self.resends).unwrap_or(u32::MAX),
            delivered_ms: self.delivered_ms,
        })
    }
}

/// The seq of the order standing for a dispatch, given the device's messages about it (any
/// order): its latest message, when that is an order. Sending a unit twice is one send, so no
/// second order is written while one stands.
pub fn standing_order(existing: &[crate::model::InboxRow]) -> Option<u64> {
    existing
        .iter()
        .max_by_key(|r| r.seq)
        .filter(|r| r.withdrawn.is_none())
        .map(|r| r.seq)
}
