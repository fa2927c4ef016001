//! The device ↔ HQ protocol, version 1. Both sides use these types; fields may be added as
//! optional (`#[serde(default)]`), anything else is a new version module. Old app builds stay in
//! the field for months, so a v1 server must keep answering v1 clients.
//!
//! Authentication: devices send `Authorization: Bearer d1.<device_id>.<secret>` (the secret is
//! issued once at enrolment); people send `Authorization: Bearer <operator token>`. Every request
//! carries the protocol version in the `x-patrol-protocol` header; a mismatch is a 400
//! `protocol_mismatch` with a message saying which side to update.

use crate::{
    City, CitySettings, DeviceId, Entry, GridCell, Hash, PatrolGroup, Post, ViolationType,
    VolunteerCategory,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const PROTOCOL: u32 = 1;
pub const PROTOCOL_HEADER: &str = "x-patrol-protocol";
/// Prefix of a device bearer token: `d1.<device_id>.<secret>`.
pub const DEVICE_TOKEN_PREFIX: &str = "d1.";

pub fn device_token(device_id: DeviceId, secret: &str) -> String {
    format!("{DEVICE_TOKEN_PREFIX}{device_id}.{secret}")
}

/// Split a device token into id and secret.
pub fn parse_device_token(token: &str) -> Option<(DeviceId, &str)> {
    let rest = token.strip_prefix(DEVICE_TOKEN_PREFIX)?;
    let (id, secret) = rest.split_once('.')?;
    Some((id.parse().ok()?, secret))
}

/// Every error body: a stable `code` to branch on and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
}

/// `GET /api/v1/hello`: who is there and which protocol it speaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Hello {
    pub protocol: u32,
    pub server: String,
    pub version: String,
    #[serde(default)]
    pub city: Option<String>,
}

/// `POST /api/v1/enroll`: redeem a one-time code shown at the station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollRequest {
    pub code: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub device_id: DeviceId,
    #[serde(default)]
    pub app_version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EnrollResponse {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub device_id: DeviceId,
    pub device_name: String,
    /// The per-device secret. Shown once; HQ keeps only its hash.
    pub secret: String,
    #[serde(default)]
    pub city: Option<String>,
}

/// HQ's high-water mark for one device: the highest contiguous seq it holds and its hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Head {
    pub seq: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub hash: Hash,
}

/// `POST /api/v1/devices/{device_id}/entries`: a batch of entries in seq order, starting at or
/// below HQ's `head.seq + 1` (re-sent entries are no-ops).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadRequest {
    /// The device's wall clock when it sent this batch, for HQ's skew estimate.
    pub device_now_ms: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub entries: Vec<Entry>,
}

/// One entry HQ did not take into the chain as a normal entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntryProblem {
    pub seq: u64,
    /// Stable code: `bad_hash`, `bad_link`, `gap`, `invalid_payload`, `unknown_kind`, `wrong_device`.
    pub code: String,
    pub reason: String,
}

/// The same `(device, seq)` arrived with different bytes: HQ keeps its copy and sets this aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conflict {
    pub seq: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub hq_hash: Hash,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub device_hash: Hash,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UploadResponse {
    /// HQ's new high-water mark.
    pub head: Head,
    /// Entries newly stored (including quarantined ones: they hold their seq in the chain).
    pub accepted: u32,
    /// Entries HQ already held with the same hash.
    pub duplicates: u32,
    /// Stored and chained, but kept out of HQ's figures (payload invalid or of an unknown kind).
    #[serde(default)]
    pub quarantined: Vec<EntryProblem>,
    /// Refused: they cannot be chained (bad hash, bad link, gap). The upload stops at the first.
    #[serde(default)]
    pub rejected: Vec<EntryProblem>,
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    /// HQ's estimate of the device clock's offset (device − HQ), ms.
    pub skew_ms: i64,
}

/// `POST /api/v1/photos`: announce a photo before sending its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoOffer {
    pub sha256: String,
    pub size: u64,
    pub mime: String,
}

/// Where a photo upload stands. Resume by sending bytes from `offset`
/// (`PATCH /api/v1/photos/{sha256}` with header `upload-offset`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhotoUpload {
    pub sha256: String,
    pub size: u64,
    pub offset: u64,
    /// All bytes arrived and their SHA-256 matched.
    pub complete: bool,
}

pub const UPLOAD_OFFSET_HEADER: &str = "upload-offset";

/// A removed reference item in an incremental download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RemovedItem {
    /// `cell`, `post` or `group`.
    pub kind: String,
    pub id: String,
}

/// `GET /api/v1/reference?cursor=C`: what changed since the cursor (everything when absent).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReferenceChanges {
    /// Pass back as `cursor` next time.
    pub cursor: String,
    pub name: String,
    pub timezone: String,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub cells: Vec<GridCell>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub posts: Vec<Post>,
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub groups: Vec<PatrolGroup>,
    #[serde(default)]
    pub removed: Vec<RemovedItem>,
    /// The city's settings as they are now (sent whole with every download; absent from an
    /// HQ older than the settings, which means the defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<CitySettings>,
}

impl ReferenceChanges {
    /// Apply these changes to a device's copy of the city (or build it from nothing).
    pub fn apply_to(&self, city: Option<City>) -> City {
        let mut city = city.unwrap_or_else(|| City {
            name: self.name.clone(),
            timezone: self.timezone.clone(),
            cells: vec![],
            posts: vec![],
            groups: vec![],
            settings: CitySettings::default(),
        });
        city.name = self.name.clone();
        city.timezone = self.timezone.clone();
        city.settings = self.settings.clone().unwrap_or_default();
        fn merge<T: Clone>(
            list: &mut Vec<T>,
            new: &[T],
            id: impl Fn(&T) -> String,
            removed: &[String],
        ) {
            list.retain(|x| !removed.contains(&id(x)) && !new.iter().any(|n| id(n) == id(x)));
            list.extend(new.iter().cloned());
            list.sort_by_key(|x| id(x));
        }
        let gone = |kind: &str| -> Vec<String> {
            self.removed
                .iter()
                .filter(|r| r.kind == kind)
                .map(|r| r.id.clone())
                .collect()
        };
        merge(
            &mut city.cells,
            &self.cells,
            |c| c.id.0.clone(),
            &gone("cell"),
        );
        merge(
            &mut city.posts,
            &self.posts,
            |p| p.id.0.clone(),
            &gone("post"),
        );
        merge(
            &mut city.groups,
            &self.groups,
            |g| g.id.0.clone(),
            &gone("group"),
        );
        city
    }
}

/// `GET /api/v1/devices/{device_id}/receipt`: what HQ holds of this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub device_id: DeviceId,
    pub head: Head,
    /// HQ holds every seq from 1 to `head.seq` (0 = nothing yet).
    pub entries_held: u64,
    /// SHA-256 of every complete photo HQ holds from this device.
    pub photos: Vec<String>,
    #[serde(default)]
    pub quarantined: Vec<EntryProblem>,
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    pub skew_ms: i64,
    /// HQ's clock when it wrote this receipt.
    pub hq_time_ms: i64,
}

/// `GET /api/v1/stats/daily?date=YYYY-MM-DD`: one local day of the city, in the seed's terms.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyStats {
    pub date: NaiveDate,
    pub timezone: String,
    /// Patrols started that day.
    pub patrols: u32,
    /// 警力人次: officers on each patrol, summed (a patrol with no names counts its one officer).
    pub officer_trips: u32,
    /// 警车台次: patrols in a vehicle (car, motorcycle, e-bike).
    pub vehicle_trips: u32,
    pub volunteers_total: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub volunteers_by_category: BTreeMap<VolunteerCategory, u32>,
    /// 救助: assistance other than disputes (medical escorts, other help) plus lost persons.
    pub assistance_cases: u32,
    pub medical_escorts: u32,
    pub lost_persons: u32,
    /// 纠纷: disputes resolved on the spot.
    pub disputes_resolved: u32,
    pub thefts: u32,
    pub incidents: u32,
    pub traffic_accidents: u32,
    pub violations_total: u32,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub violations_by_type: BTreeMap<ViolationType, u32>,
    pub seized_items: u32,
    pub km_patrolled: f64,
    pub post_visits: u32,
    /// Entries of that day flagged for clock problems (kept and counted, only flagged).
    pub flagged_entries: u32,
}
