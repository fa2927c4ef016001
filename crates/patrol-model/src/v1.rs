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

/// Every error body: a stable `code` to branch on and a message for people; a refused value
/// also says which field and which rule, for the page to translate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub code: String,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<Invalid>,
}

impl ErrorBody {
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            invalid: None,
        }
    }
}

/// The value a request was refused for: the same field path, rule code and parameters the app
/// gets from the core (`crate::ValidationError`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invalid {
    /// Dotted path of the field, e.g. `target.lat` or `address`.
    pub field: String,
    pub code: crate::ValidationCode,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub params: std::collections::BTreeMap<String, String>,
}

impl From<&crate::ValidationError> for Invalid {
    fn from(e: &crate::ValidationError) -> Self {
        Self {
            field: e.field.clone(),
            code: e.code,
            params: e.params.clone(),
        }
    }
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
    /// `Content-Encoding`s HQ accepts on request bodies, best first (`zstd`, `gzip`); a device
    /// sends uploads compressed only in one its HQ lists, so an older HQ still gets what it
    /// reads (gzip, or plain JSON).
    #[serde(default)]
    pub request_encodings: Vec<String>,
}

/// A request body encoding every HQ of this version accepts.
pub const GZIP: &str = "gzip";
/// The request body encoding HQ prefers since protocol 1's `request_encodings` listed it:
/// smaller than gzip on a shift's JSON and several times faster to make on the phone.
pub const ZSTD: &str = "zstd";

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Head {
    pub seq: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub hash: Hash,
}

/// `GET /api/v1/devices/{device_id}/head`: HQ's head for the device and, from an HQ that says,
/// what else a sync needs to fetch. A patrol syncs every 30 s, and reference data and dispatch
/// orders change far less often: a device that already holds what `news` names skips those
/// requests, and still sees every change at its next sync.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HeadAnswer {
    #[serde(flatten)]
    pub head: Head,
    /// Absent from an HQ older than this field: then the device asks for everything.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub news: Option<SyncNews>,
}

/// What HQ holds for a device besides its ledger, as of the head's answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncNews {
    /// The reference data's cursor now, as `GET /api/v1/reference` would answer it; absent
    /// while HQ has no city. A device holding this cursor has nothing to download.
    #[serde(default)]
    pub reference: Option<String>,
    /// The map pack HQ offers, if any, so a device without it resumes the download.
    #[serde(default)]
    pub map_pack: Option<MapPackRef>,
    /// The newest seq in the device's dispatch inbox (0 when empty).
    pub inbox_head: u64,
    /// The oldest message HQ has not seen the device store (its acknowledgement may have been
    /// lost); absent when every one is delivered.
    #[serde(default)]
    pub inbox_undelivered: Option<u64>,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntryProblem {
    pub seq: u64,
    /// Stable code: `bad_hash`, `bad_link`, `gap`, `invalid_payload`, `unknown_kind`, `wrong_device`.
    pub code: String,
    pub reason: String,
    /// For `invalid_payload` and `invalid_cell`: the field and the rule it broke, so the
    /// officer reads why in their own language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invalid: Option<Invalid>,
}

impl EntryProblem {
    pub fn new(seq: u64, code: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            seq,
            code: code.into(),
            reason: reason.into(),
            invalid: None,
        }
    }
}

/// The same `(device, seq)` arrived with different bytes: HQ keeps its copy and sets this aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conflict {
    pub seq: u64,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub hq_hash: Hash,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub device_hash: Hash,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// The device's receipt as of this upload's commit, when asked for (`?receipt=true`): the
    /// last batch of a sync with no photo to send asks, and needs no receipt request after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt: Option<Receipt>,
    /// What the head's answer says besides the head ([`HeadAnswer::news`]), as of this upload's
    /// commit, when asked for (`?news=true`): a patrol's sync every 30 s that knows HQ's head
    /// from its last sync sends its entries straight away and learns here whether reference
    /// data or orders wait, one request instead of two.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub news: Option<SyncNews>,
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
    /// The city's map pack HQ offers (sent whole with every download; absent when HQ has none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub map_pack: Option<MapPackRef>,
}

/// The city's map pack as HQ offers it: one MBTiles file of raster tiles, downloaded from
/// `GET /api/v1/reference/map-pack` in byte ranges (resumable) and checked against `sha256`
/// before the device uses it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MapPackRef {
    /// SHA-256 of the whole file, lowercase hex; also the download's `ETag`.
    pub sha256: String,
    /// The file's size.
    pub bytes: u64,
    pub name: String,
    /// `png`, `jpg` or `webp`.
    pub format: String,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// `[west, south, east, north]` in degrees, when the pack says.
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<f64>>))]
    pub bounds: Option<[f64; 4]>,
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

impl Receipt {
    /// How many photos HQ holds from the device: `photos_held`, or the length of the whole list
    /// from an HQ that does not count them.
    pub fn photo_count(&self) -> u64 {
        self.photos_held.max(self.photos.len() as u64)
    }
}

/// The most photos one receipt request may ask about (`?photos=`).
pub const RECEIPT_PHOTOS_MAX: usize = 100;

/// `GET /api/v1/devices/{device_id}/receipt`: what HQ holds of this device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Receipt {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Uuid))]
    pub device_id: DeviceId,
    pub head: Head,
    /// HQ holds every seq from 1 to `head.seq` (0 = nothing yet).
    pub entries_held: u64,
    /// SHA-256 of every complete photo HQ holds from this device; when the request names photos
    /// (`?photos=SHA,SHA`, at most [`RECEIPT_PHOTOS_MAX`]), of those among them only. A device
    /// asks about the photos it has not seen HQ confirm, so its receipt every 30 s of a patrol
    /// does not grow with every photo it ever took.
    pub photos: Vec<String>,
    /// How many complete photos HQ holds from this device, whatever `photos` lists (0 from an
    /// HQ that predates it: then `photos` is the whole list).
    #[serde(default)]
    pub photos_held: u64,
    #[serde(default)]
    pub quarantined: Vec<EntryProblem>,
    #[serde(default)]
    pub conflicts: Vec<Conflict>,
    pub skew_ms: i64,
    /// HQ's clock when it wrote this receipt.
    pub hq_time_ms: i64,
}

/// `GET /api/v1/stats/daily?date=YYYY-MM-DD`: one local day of the city, in the seed's terms.
/// Each figure's Chinese name is the one the campaign's own reports use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyStats {
    /// 日期: the city's local day.
    pub date: NaiveDate,
    /// 时区: the IANA zone of the city's day.
    pub timezone: String,
    /// 巡逻次数: patrols started that day.
    pub patrols: u32,
    /// 出动警力（人次）: officers on each patrol started that day and on each post check-in made
    /// outside a patrol, summed; a deployment with no names is its one officer. An officer on a
    /// patrol and later on a post is two person-trips.
    pub officer_trips: u32,
    /// 出动警车（台次）: patrols in a vehicle (car, motorcycle, e-bike).
    pub vehicle_trips: u32,
    /// 发动群防力量（名）: volunteers who joined patrols and posts, all categories.
    pub volunteers_total: u32,
    /// 群防力量分类: 186巡防队员 patrol-team, 红袖章/红马甲 red-vest, 社区街道干部
    /// community-cadre, 网格员 grid-worker, 小区物业 property-staff, 保安 security-guard.
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::HashMap<String, u32>))]
    pub volunteers_by_category: BTreeMap<VolunteerCategory, u32>,
    /// 群众救助（起）: assistance other than disputes (medical escorts, other help) plus lost
    /// persons.
    pub assistance_cases: u32,
    /// 开辟绿色通道（起）: medical escorts.
    pub medical_escorts: u32,
    /// 走失人员（起）: lost persons found.
    pub lost_persons: u32,
    /// 化解纠纷（起）: disputes resolved on the spot.
    pub disputes_resolved: u32,
    /// 盗窃（起）: thefts.
    pub thefts: u32,
    /// 警情（起）: all incidents, thefts included.
    pub incidents: u32,
    /// 交通事故（起）: accident reports.
    pub traffic_accidents: u32,
    /// 查处交通违法（起）: violation tallies, all types.
    pub violations_total: u32,
    /// 分类查处: 酒驾醉驾 drunk-driving, 不戴头盔 no-helmet, 违规载人 illegal-passenger,
    /// 非法加装伞具 umbrella-rig, 闯红灯 red-light, 违停 illegal-parking, 行人闯红灯
    /// jaywalking, 其他 other-traffic.
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::HashMap<String, u32>))]
    pub violations_by_type: BTreeMap<ViolationType, u32>,
    /// 收缴（件）: items seized (umbrella rigs and the like).
    pub seized_items: u32,
    /// 巡逻里程（公里）: km patrolled, through the city's accuracy gate.
    pub km_patrolled: f64,
    /// 驻点到岗（次）: post visits opened at posts the city knows.
    pub post_visits: u32,
    /// 存疑（条）: entries of that day carrying a flag — a clock problem or a group the city does
    /// not know (kept and counted, only flagged).
    pub flagged_entries: u32,
    /// 派警 "1-3-5分钟": the dispatches whose call came in that day, per tier (1, 3 and 5
    /// minutes, always all three, in that order).
    #[serde(default)]
    pub dispatch: Vec<DispatchTierStats>,
}

/// One tier's dispatches of a day (or span): how fast the right unit was sent, accepted and on
/// scene. Times are from HQ's clock (call, send) and the officers' step entries (accept, on
/// scene: GNSS time, else the skew-corrected device clock).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DispatchTierStats {
    /// 1, 3 or 5: minutes from call to on scene.
    pub tier: u8,
    /// 派警（起）: dispatches whose call came in.
    pub dispatches: u32,
    /// Sent to at least one unit.
    pub sent: u32,
    /// A unit accepted (or went on without the tap).
    pub accepted: u32,
    /// 到场（起）: a unit was on scene.
    pub on_scene: u32,
    /// Dispatches that can be judged: on scene, or whose target time has passed.
    pub judged: u32,
    /// 按时到场（起）: on scene within the tier's minutes of the call.
    pub within_target: u32,
    /// `within_target / judged`, 0–1; `None` when none can be judged.
    pub within_target_share: Option<f64>,
    /// 90th percentile, seconds: call to the first send.
    pub call_to_send_p90_s: Option<f64>,
    /// 90th percentile, seconds: first send to a unit accepting.
    pub send_to_accept_p90_s: Option<f64>,
    /// 90th percentile, seconds: first send to a unit on scene.
    pub send_to_on_scene_p90_s: Option<f64>,
    /// 90th percentile, seconds: call to a unit on scene.
    pub call_to_on_scene_p90_s: Option<f64>,
}

impl DailyStats {
    /// Add another day's figures into these (the date and zone stay).
    pub fn add(&mut self, o: &DailyStats) {
        self.patrols += o.patrols;
        self.officer_trips += o.officer_trips;
        self.vehicle_trips += o.vehicle_trips;
        self.volunteers_total += o.volunteers_total;
        for (k, v) in &o.volunteers_by_category {
            *self.volunteers_by_category.entry(*k).or_default() += v;
        }
        self.assistance_cases += o.assistance_cases;
        self.medical_escorts += o.medical_escorts;
        self.lost_persons += o.lost_persons;
        self.disputes_resolved += o.disputes_resolved;
        self.thefts += o.thefts;
        self.incidents += o.incidents;
        self.traffic_accidents += o.traffic_accidents;
        self.violations_total += o.violations_total;
        for (k, v) in &o.violations_by_type {
            *self.violations_by_type.entry(*k).or_default() += v;
        }
        self.seized_items += o.seized_items;
        // Kilometres stay rounded to the metre, like each day's.
        self.km_patrolled = ((self.km_patrolled + o.km_patrolled) * 1000.0).round() / 1000.0 + 0.0;
        self.post_visits += o.post_visits;
        self.flagged_entries += o.flagged_entries;
        // Counts add up; percentiles do not, so a span's totals carry none (each day has its own).
        for t in &o.dispatch {
            match self.dispatch.iter_mut().find(|m| m.tier == t.tier) {
                Some(m) => {
                    m.dispatches += t.dispatches;
                    m.sent += t.sent;
                    m.accepted += t.accepted;
                    m.on_scene += t.on_scene;
                    m.judged += t.judged;
                    m.within_target += t.within_target;
                    m.within_target_share =
                        (m.judged > 0).then(|| f64::from(m.within_target) / f64::from(m.judged));
                    m.call_to_send_p90_s = None;
                    m.send_to_accept_p90_s = None;
                    m.send_to_on_scene_p90_s = None;
                    m.call_to_on_scene_p90_s = None;
                }
                None => self.dispatch.push(DispatchTierStats {
                    call_to_send_p90_s: None,
                    send_to_accept_p90_s: None,
                    send_to_on_scene_p90_s: None,
                    call_to_on_scene_p90_s: None,
                    ..t.clone()
                }),
            }
        }
    }
}

/// 日均: a span's totals divided by its days, rounded to 0.1 (km to the metre).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DailyAverages {
    pub patrols: f64,
    /// 日均出动警力（人次）
    pub officer_trips: f64,
    /// 日均出动警车（台次）
    pub vehicle_trips: f64,
    /// 日均发动群防力量（名）
    pub volunteers_total: f64,
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::HashMap<String, f64>))]
    pub volunteers_by_category: BTreeMap<VolunteerCategory, f64>,
    pub assistance_cases: f64,
    pub disputes_resolved: f64,
    pub traffic_accidents: f64,
    pub violations_total: f64,
    #[cfg_attr(feature = "openapi", schema(value_type = std::collections::HashMap<String, f64>))]
    pub violations_by_type: BTreeMap<ViolationType, f64>,
    pub seized_items: f64,
    pub km_patrolled: f64,
    pub post_visits: f64,
}

impl DailyAverages {
    pub fn of(totals: &DailyStats, days: u32) -> DailyAverages {
        let d = f64::from(days.max(1));
        let avg = |n: u32| (f64::from(n) / d * 10.0).round() / 10.0;
        DailyAverages {
            patrols: avg(totals.patrols),
            officer_trips: avg(totals.officer_trips),
            vehicle_trips: avg(totals.vehicle_trips),
            volunteers_total: avg(totals.volunteers_total),
            volunteers_by_category: totals
                .volunteers_by_category
                .iter()
                .map(|(k, v)| (*k, avg(*v)))
                .collect(),
            assistance_cases: avg(totals.assistance_cases),
            disputes_resolved: avg(totals.disputes_resolved),
            traffic_accidents: avg(totals.traffic_accidents),
            violations_total: avg(totals.violations_total),
            violations_by_type: totals
                .violations_by_type
                .iter()
                .map(|(k, v)| (*k, avg(*v)))
                .collect(),
            seized_items: avg(totals.seized_items),
            km_patrolled: (totals.km_patrolled / d * 1000.0).round() / 1000.0 + 0.0,
            post_visits: avg(totals.post_visits),
        }
    }
}

/// `GET /api/v1/stats/range?from=&to=` and `GET /api/v1/stats/campaign`: a span of the city's
/// local days, both ends included — its totals ("8月26日以来累计…"), its per-day averages
/// ("平均每天…") and each day's own figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RangeStats {
    /// 起始日期
    pub from: NaiveDate,
    /// 截止日期 (included)
    pub to: NaiveDate,
    /// 天数
    pub days: u32,
    pub timezone: String,
    /// 累计: the sums over the span (its `date` is `from`).
    pub totals: DailyStats,
    /// 日均: the totals over `days`.
    pub per_day: DailyAverages,
    /// Each day, oldest first.
    pub daily: Vec<DailyStats>,
}
