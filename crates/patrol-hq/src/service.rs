//! HQ's use cases, between HTTP and storage: each HTTP handler is one call into here, and the
//! `patrol-hq` command line calls the same functions. A use case reads what the pure planners
//! need from storage, lets them decide, and commits what they decided.

pub mod bundle;
pub mod dispatch;

use crate::auth::{enrollment_code, hash_secret, normalize_code, random_secret};
use crate::error::{ApiError, ApiResult};
use crate::events::HqEvent;
use crate::limits::Refused;
use crate::model::StoredEntry;
use crate::storage::StorageError;
use crate::{AppState, ingest, projections};
use patrol_model::DeviceId;
use patrol_model::v1::{
    self, EnrollRequest, EnrollResponse, Receipt, UploadRequest, UploadResponse,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::net::IpAddr;

/// Letters and digits of an enrolment code (`XXXX-XXXX-XXXX`, 60 bits). Codes of 8 issued by
/// earlier versions are still redeemed until they expire.
pub const CODE_LEN: usize = 12;
const OLD_CODE_LEN: usize = 8;

/// Enrolment codes that may wait unredeemed at once: a station prints a few a day; thousands
/// would mean a script run wild, and each one is a door.
pub const MAX_PENDING_CODES: usize = 500;

/// Refuse text that would mislead a person reading a log or a list: control characters (a
/// newline forges a log line) and bidirectional overrides (U+202E turns `gpj.exe` around).
pub fn check_label(field: &str, value: &str, max_chars: usize) -> ApiResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(ApiError::invalid(
            "bad_name",
            patrol_model::ValidationError::required(field),
        ));
    }
    if value.chars().count() > max_chars {
        return Err(ApiError::invalid(
            "bad_name",
            patrol_model::ValidationError::too_long(field, max_chars),
        ));
    }
    let bidi = |c: char| matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    if let Some(c) = value.chars().find(|c| c.is_control() || bidi(*c)) {
        let code = format!("U+{:04X}", u32::from(c));
        return Err(ApiError::invalid(
            "bad_name",
            patrol_model::ValidationError::new(
                field,
                patrol_model::ValidationCode::Format,
                format!("control or text-direction character {code} is not allowed"),
            )
            .with("value", code),
        ));
    }
    Ok(value.to_owned())
}

/// Redeem a one-time code: the device gets its secret (shown once; HQ keeps its hash). Each
/// attempt counts against the address's and HQ's per-minute limits; a failure is logged with
/// the address, never with the code.
pub async fn enroll(
    state: &AppState,
    addr: Option<IpAddr>,
    req: &EnrollRequest,
) -> ApiResult<EnrollResponse> {
    let shown = addr.map_or_else(|| "unknown".to_owned(), |a| a.to_string());
    if let Err(why) = state.enrol_limiter.attempt(addr, state.now_ms()) {
        tracing::warn!(address = %shown, limit = ?why, "enrolment attempts over the limit");
        return Err(ApiError::TooMany(match why {
            Refused::Address => "too many enrolment attempts from this address; wait a minute",
            Refused::Overall => "too many enrolment attempts at HQ right now; wait a minute",
        }));
    }
    let code = normalize_code(&req.code);
    if code.len() != CODE_LEN && code.len() != OLD_CODE_LEN {
        tracing::warn!(address = %shown, "enrolment with a malformed code");
        return Err(ApiError::bad(
            "bad_code",
            "an enrolment code has 12 letters and digits, e.g. K7QM-3XPA-9RTW",
        ));
    }
    let secret = random_secret(32);
    let redeemed = state
        .storage
        .redeem_enrollment(
            &hash_secret(&code),
            req.device_id,
            &hash_secret(&secret),
            state.now_ms(),
        )
        .await;
    let device = match redeemed {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(address = %shown, device = %req.device_id, error = %e, "enrolment refused");
            return Err(e.into());
        }
    };
    tracing::info!(device = %device.id, name = %device.name, "device enrolled");
    state.events.publish(HqEvent::Devices);
    let city = state.storage.city().await?.map(|c| c.name);
    Ok(EnrollResponse {
        device_id: device.id,
        device_name: device.name,
        secret,
        city,
    })
}

/// Most entries accepted in one upload.
pub const MAX_BATCH: usize = 2000;

/// How often an upload is planned again when another upload of the same device committed
/// between planning and committing. Each retry sees a higher head, so this is never reached in
/// practice; past it HQ answers 503 so the device backs off and tries again.
const REPLANS: usize = 5;

/// Store one batch of a device's ledger exactly once: plan it against HQ's head (the pure
/// [`ingest::plan`]), commit the plan atomically, and plan again if the head moved meanwhile.
pub async fn upload(
    state: &AppState,
    id: DeviceId,
    req: &UploadRequest,
) -> ApiResult<UploadResponse> {
    if req.entries.len() > MAX_BATCH {
        return Err(ApiError::bad(
            "batch_too_large",
            format!("at most {MAX_BATCH} entries per upload"),
        ));
    }
    if let Some(e) = req.entries.iter().find(|e| e.device_id != id) {
        return Err(ApiError::forbidden(
            "not_your_ledger",
            format!(
                "seq {} belongs to device {}; a device uploads only its own entries",
                e.seq, e.device_id
            ),
        ));
    }
    if let Some(e) = req.entries.iter().find(|e| e.seq == 0) {
        return Err(ApiError::bad(
            "bad_seq",
            format!("entry {} has seq 0; seqs start at 1", e.id),
        ));
    }
    // Wait for an upload slot (a queue, not a refusal: the device's request just takes longer).
    let _slot = state
        .uploads
        .acquire()
        .await
        .map_err(|_| ApiError::Busy("HQ is shutting down".into()))?;
    // The groups a patrol start may name, and the grid and zone the rollups are rolled on
    // (held in memory while the city is unchanged).
    let held_city = city(state).await?;
    let city = held_city.as_ref().map(|h| &*h.city);
    for _ in 0..REPLANS {
        let device = state
            .storage
            .device(id)
            .await?
            .ok_or_else(|| ApiError::NotFound(format!("device {id}")))?;
        let head = device.head;
        let below: Vec<u64> = req
            .entries
            .iter()
            .map(|e| e.seq)
            .filter(|s| *s <= head.seq)
            .collect();
        let (held, conflicts_held): (HashMap<u64, _>, u32) =
            match (below.iter().min(), below.iter().max()) {
                (Some(&lo), Some(&hi)) => (
                    state
                        .storage
                        .hashes(id, lo, hi)
                        .await?
                        .into_iter()
                        .collect(),
                    u32::try_from(state.storage.conflicts(Some(id)).await?.len())
                        .unwrap_or(u32::MAX),
                ),
                _ => (HashMap::new(), 0),
            };
        let now = state.now_ms();
        let planned = ingest::plan(
            head,
            &held,
            &req.entries,
            now,
            req.device_now_ms,
            conflicts_held,
        );
        let mut planned = planned;
        if let Some(city) = city {
            ingest::flag_unknown_groups(&mut planned.plan, city);
        }
        planned.plan.roll = plan_rollups(
            state,
            id,
            held_city.as_ref(),
            &planned.plan.new,
            std::mem::take(&mut planned.decoded),
        )
        .await?;
        planned.plan.counts = plan_counts(state, id, city, &planned.plan.new).await?;
        let accepted = u32::try_from(planned.plan.new.len()).unwrap_or(u32::MAX);
        let skew_ms = planned.plan.skew_ms;
        let kept = planned.plan.conflicts.len();
        match state.storage.commit_ingest(id, planned.plan).await {
            Ok(head) => {
                if accepted > 0 {
                    state.events.publish(HqEvent::Upload {
                        device_id: id.to_string(),
                        head_seq: head.seq,
                        entries: accepted,
                    });
                }
                if !planned.conflicts.is_empty() {
                    tracing::warn!(
                        device = %id,
                        conflicts = planned.conflicts.len(),
                        kept,
                        "conflicting entries kept aside"
                    );
                }
                return Ok(UploadResponse {
                    head,
                    accepted,
                    duplicates: planned.duplicates,
                    quarantined: planned.quarantined,
                    rejected: planned.rejected,
                    conflicts: planned.conflicts,
                    skew_ms,
                    receipt: None,
                    news: None,
                });
            }
            Err(StorageError::HeadMoved { .. }) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Busy(format!(
        "device {id}: other uploads of this device keep committing; retry shortly"
    )))
}

/// The city HQ holds in memory, with what the track rollups are rolled on (its grid's index
/// and fingerprint, its zone and gate): read again only when the reference counter moved, so an
/// upload reads one row where it read and decoded every cell, post and group (0.3–1 ms for the
/// demo city, more than the rest of a one-segment upload's planning).
#[derive(Debug, Default)]
pub struct CityCache(std::sync::Mutex<Option<HeldCity>>);

/// The city as stored at `counter`.
#[derive(Debug, Clone)]
pub struct HeldCity {
    pub counter: u64,
    pub city: std::sync::Arc<patrol_model::City>,
    pub roll: std::sync::Arc<projections::rollup::RollContext>,
}

/// The city as stored (`None` before the first import), from memory while the reference
/// counter is the one it was read at. Exact, not a cache that may be stale: every change to
/// the city takes a new counter value, and the counter is read before the city, so a city is
/// never held under a counter newer than itself (several HQ processes over one database each
/// see the others' imports at their next look).
pub async fn city(state: &AppState) -> ApiResult<Option<HeldCity>> {
    let Some(counter) = state.storage.reference_counter().await? else {
        return Ok(None);
    };
    let lock = || {
        state
            .city
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Some(held) = lock().as_ref().filter(|h| h.counter == counter) {
        return Ok(Some(held.clone()));
    }
    let Some(city) = state.storage.city().await? else {
        return Ok(None);
    };
    let held = HeldCity {
        counter,
        roll: std::sync::Arc::new(projections::rollup::RollContext::of(Some(&city))),
        city: std::sync::Arc::new(city),
    };
    *lock() = Some(held.clone());
    Ok(Some(held))
}

/// The supplements HQ holds, in memory: each with the seq of the entry it names (decoded once,
/// when it is first read), in the order they arrived, indexed by the entry they name.
#[derive(Debug, Default)]
pub struct SupplementCache(tokio::sync::Mutex<HeldSupplements>);

#[derive(Debug, Default)]
struct HeldSupplements {
    /// The `supplement_log` place of the last one read.
    through: u64,
    list: Vec<StoredEntry>,
    /// Places in `list` by the entry each names: (device, target seq). A supplement whose
    /// payload does not decode names nothing (the ledger's rules ignore it too).
    by_target: HashMap<(DeviceId, u64), Vec<usize>>,
}

impl HeldSupplements {
    /// Read the supplements stored since the last look: one indexed query that finds nothing,
    /// most of the time. Exact, not a cache that may be stale: supplements are never changed
    /// or removed, and their places in `supplement_log` commit in order (several HQ processes
    /// over one database each top up their own from it).
    async fn top_up(&mut self, state: &AppState) -> ApiResult<()> {
        for (n, e) in state.storage.supplements_since(self.through).await? {
            if let Ok(patrol_model::Record::Supplement(sup)) = e.entry.record() {
                self.by_target
                    .entry((e.entry.device_id, sup.target_seq))
                    .or_default()
                    .push(self.list.len());
            }
            self.list.push(e);
            self.through = n;
        }
        Ok(())
    }
}

/// Every supplement HQ holds, ordered by device then seq: what
/// [`crate::storage::Storage::supplements`] reads (the tests hold one to the other).
pub async fn supplements(state: &AppState) -> ApiResult<Vec<StoredEntry>> {
    let mut held = state.supplements.0.lock().await;
    held.top_up(state).await?;
    let mut all = held.list.clone();
    all.sort_by_key(|e| (e.entry.device_id, e.entry.seq));
    Ok(all)
}

/// The supplements that name one of `entries`, ordered by device then seq: all an answer
/// derived from `entries` needs. A supplement acts only on the entry it names (never on another
/// supplement), so one naming an entry the answer did not read changes nothing in it; and a
/// correction may name a report of any day, so without this every answer would read and
/// decode every supplement ever stored, a number that grows with the campaign's history.
pub async fn supplements_of(
    state: &AppState,
    entries: &[StoredEntry],
) -> ApiResult<Vec<StoredEntry>> {
    supplements_naming(
        state,
        entries.iter().map(|e| (e.entry.device_id, e.entry.seq)),
    )
    .await
}

/// [`supplements_of`] the entries at `keys` (device, seq).
pub async fn supplements_naming(
    state: &AppState,
    keys: impl IntoIterator<Item = (DeviceId, u64)>,
) -> ApiResult<Vec<StoredEntry>> {
    let mut held = state.supplements.0.lock().await;
    held.top_up(state).await?;
    let mut places: Vec<usize> = keys
        .into_iter()
        .filter_map(|k| held.by_target.get(&k))
        .flatten()
        .copied()
        .collect();
    places.sort_unstable();
    places.dedup();
    let mut found: Vec<StoredEntry> = places.into_iter().map(|i| held.list[i].clone()).collect();
    found.sort_by_key(|e| (e.entry.device_id, e.entry.seq));
    Ok(found)
}

/// HQ's head for a device, with what else its sync needs to fetch: the reference data's cursor,
/// the map pack offered, and where the device's dispatch inbox stands. The first call of a
/// sync, so a device that holds all of it skips the reference and inbox requests.
pub async fn head(state: &AppState, id: DeviceId) -> ApiResult<v1::HeadAnswer> {
    let device = state
        .storage
        .device(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("device {id}")))?;
    Ok(v1::HeadAnswer {
        head: device.head,
        news: Some(news(state, id).await?),
    })
}

/// What a device's sync needs to fetch besides its upload: where the reference data and its
/// dispatch inbox stand, and the map pack HQ offers.
pub async fn news(state: &AppState, id: DeviceId) -> ApiResult<v1::SyncNews> {
    let news = state.storage.sync_news(id).await?;
    Ok(v1::SyncNews {
        reference: news.reference.map(|c| c.to_string()),
        map_pack: state.map_pack.as_ref().map(|p| p.reference.clone()),
        inbox_head: news.inbox_head,
        inbox_undelivered: news.inbox_undelivered,
    })
}

/// What HQ holds of a device's ledger: its head, its photos (all, or those of `asked` it holds),
/// and every entry it keeps aside (quarantined with the rule it broke, or in conflict). The end
/// of every sync and import.
pub async fn receipt(
    state: &AppState,
    id: DeviceId,
    asked: Option<&[String]>,
) -> ApiResult<Receipt> {
    let device = state
        .storage
        .device(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("device {id}")))?;
    let (photos_held, photos) = state.storage.photos_held(id, asked).await?;
    let mut quarantined: Vec<_> = state
        .storage
        .quarantined(Some(id))
        .await?
        .into_iter()
        .map(|(_, q)| q)
        .collect();
    // The rule each refused payload broke, from its stored bytes: the officer's screen says
    // why in their language. Quarantined entries are few; each is one read.
    for q in quarantined
        .iter_mut()
        .filter(|q| q.code.starts_with("invalid_"))
    {
        let stored = state.storage.entries(id, q.seq, 1).await?;
        q.invalid = stored
            .iter()
            .find(|s| s.entry.seq == q.seq)
            .and_then(|s| crate::ingest::invalid_of(&s.entry));
    }
    let conflicts = state
        .storage
        .conflicts(Some(id))
        .await?
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    Ok(Receipt {
        device_id: id,
        head: device.head,
        entries_held: device.head.seq,
        photos,
        photos_held,
        quarantined,
        conflicts,
        skew_ms: device.skew_ms,
        hq_time_ms: state.now_ms(),
    })
}

/// Keep one line of the audit trail. An action that cannot be recorded is not done: the caller
/// fails with the storage error, so nothing happens unaccounted for.
pub async fn audit(
    state: &AppState,
    who: &crate::auth::Operator,
    action: &str,
    target: Option<String>,
) -> ApiResult<()> {
    state
        .storage
        .append_audit(&crate::storage::AuditRecord {
            at_ms: state.now_ms(),
            operator: format!("{} ({})", who.name, who.id),
            role: who.role,
            address: who.address.clone(),
            action: action.to_owned(),
            target,
        })
        .await?;
    Ok(())
}

#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EnrollmentCode {
    pub code: String,
    pub name: String,
    pub expires_ms: i64,
    /// The code as a QR code (SVG) for the station screen, as `patrol-hq device add --qr`
    /// writes it as PNG: only the code is in it, never HQ's address or a secret. Filled in by
    /// the HTTP endpoint; empty (and left out) elsewhere.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub qr_svg: String,
}

/// `code` as an SVG QR code.
pub fn qr_svg(code: &str) -> String {
    qrcode::QrCode::new(code.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(240, 240)
                .quiet_zone(true)
                .build()
        })
        .unwrap_or_default()
}

/// How long a new enrolment code stays valid.
pub const ENROLLMENT_VALID_MS: i64 = 24 * 3600 * 1000;

/// A one-time enrolment code, shown once (HQ keeps only its hash).
/// Create a one-time enrolment code (the HTTP endpoint and `patrol-hq device add` both call it).
pub async fn new_enrollment(state: &AppState, name: &str) -> ApiResult<EnrollmentCode> {
    let name = check_label("name", name, 64)?;
    let now = state.now_ms();
    let pending = state.storage.pending_enrollments(now).await?.len();
    if pending >= MAX_PENDING_CODES {
        return Err(ApiError::bad(
            "too_many_codes",
            format!(
                "{pending} enrolment codes are waiting unredeemed; cancel unused ones \
                 (`patrol-hq device cancel-code`) or let them expire"
            ),
        ));
    }
    let code = enrollment_code();
    let expires_ms = now + ENROLLMENT_VALID_MS;
    state
        .storage
        .create_enrollment(&hash_secret(&normalize_code(&code)), &name, now, expires_ms)
        .await?;
    Ok(EnrollmentCode {
        code,
        name,
        expires_ms,
        qr_svg: String::new(),
    })
}

/// What the track rollups an upload changes are rolled from (see [`projections::rollup`]): the
/// device's rows of the patrols its new segments belong to, to be extended in order or marked
/// dirty when storage runs the job inside the commit (`None`: the upload changes none). Read
/// under the same head the plan was made against: if another upload of the device commits
/// first, the plan (and these rows with it) is made again.
async fn plan_rollups(
    state: &AppState,
    device: DeviceId,
    city: Option<&HeldCity>,
    new: &[crate::storage::StoredEntry],
    decoded: Vec<Option<patrol_model::Record>>,
) -> ApiResult<Option<projections::rollup::RollJob>> {
    use patrol_model::{EntryKind, Record};
    use projections::rollup::{RollContext, RollJob, Target};
    let mut patrols = Vec::new();
    let mut targets = HashMap::new();
    let held_below = new.first().map_or(0, |e| e.entry.seq);
    for e in new.iter().filter(|e| e.quarantine.is_none()) {
        match e.entry.kind {
            EntryKind::TrackSegment | EntryKind::TrackGap => patrols.extend(e.patrol_id),
            EntryKind::Supplement => {
                // A supplement of an entry HQ already holds: what was it?
                if let Ok(Record::Supplement(sup)) = e.entry.record()
                    && sup.target_seq < held_below
                    && let Some(t) = state
                        .storage
                        .entries(device, sup.target_seq, 1)
                        .await?
                        .into_iter()
                        .find(|t| t.entry.seq == sup.target_seq)
                {
                    patrols.extend(t.patrol_id);
                    targets.insert(
                        sup.target_seq,
                        Target {
                            kind: t.entry.kind,
                            event_ms: t.event_ms,
                            patrol_id: t.patrol_id,
                        },
                    );
                }
            }
            _ => {}
        }
    }
    if patrols.is_empty() {
        return Ok(None);
    }
    patrols.sort();
    patrols.dedup();
    let existing = state.storage.device_rollups(device, &patrols).await?;
    Ok(Some(RollJob {
        existing,
        decoded,
        targets,
        ctx: city.map_or_else(
            || std::sync::Arc::new(RollContext::of(None)),
            |c| std::sync::Arc::clone(&c.roll),
        ),
    }))
}

/// The report-count rows an upload changes (see [`projections::counts`]): the device's rows of
/// the days its entries fall on, plus the days of the held entries its supplements correct or
/// withdraw. Read under the same head the plan was made against, like the track rollups.
async fn plan_counts(
    state: &AppState,
    device: DeviceId,
    city: Option<&patrol_model::City>,
    new: &[crate::storage::StoredEntry],
) -> ApiResult<Vec<crate::model::DayCounts>> {
    use patrol_model::{EntryKind, Record};
    use projections::counts::{days_touched, roll_counts};
    let tz = city.map_or(chrono_tz::Asia::Shanghai, patrol_model::City::tz);
    let held_below = new.first().map_or(0, |e| e.entry.seq);
    let mut held_targets: Vec<crate::storage::StoredEntry> = Vec::new();
    for e in new
        .iter()
        .filter(|e| e.quarantine.is_none() && e.entry.kind == EntryKind::Supplement)
    {
        if let Ok(Record::Supplement(sup)) = e.entry.record()
            && sup.target_seq < held_below
            && !held_targets.iter().any(|t| t.entry.seq == sup.target_seq)
            && let Some(t) = state
                .storage
                .entries(device, sup.target_seq, 1)
                .await?
                .into_iter()
                .find(|t| t.entry.seq == sup.target_seq)
        {
            held_targets.push(t);
        }
    }
    // Held supplements only ever name held entries: without a held target they change nothing.
    let held_supplements: Vec<crate::storage::StoredEntry> = if held_targets.is_empty() {
        Vec::new()
    } else {
        supplements_of(state, &held_targets).await?
    };
    let days = days_touched(new, &held_targets, tz);
    if days.is_empty() {
        return Ok(Vec::new());
    }
    let existing = state.storage.device_counts(device, &days).await?;
    Ok(roll_counts(
        &existing,
        new,
        &held_targets,
        &held_supplements,
        tz,
    ))
}

/// Each day's report counts of `from..=to` summed over the devices, from the report-count rows
/// (see [`projections::counts`]); `None` while the rows do not cover the ledger, or when one
/// was reckoned in another zone (the figures then count the raw reports).
pub async fn day_report_counts(
    state: &AppState,
    tz: chrono_tz::Tz,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> ApiResult<Option<std::collections::BTreeMap<chrono::NaiveDate, patrol_model::v1::DailyStats>>>
{
    use projections::counts::{all_in, per_day};
    if !state.storage.counts_built().await? {
        return Ok(None);
    }
    let rows = state.storage.day_counts(from, to).await?;
    Ok(all_in(&rows, tz).then(|| per_day(&rows)))
}

/// Build the report-count rows of the whole ledger, device by device, when they do not cover it
/// (a ledger stored before they existed). Run before serving, like [`rebuild_rollups`]. Returns
/// how many rows were written.
pub async fn rebuild_counts(state: &AppState) -> ApiResult<usize> {
    if state.storage.counts_built().await? {
        return Ok(0);
    }
    let city = state.storage.city().await?;
    let tz = city
        .as_ref()
        .map_or(chrono_tz::Asia::Shanghai, patrol_model::City::tz);
    let mut written = 0;
    for d in state.storage.devices().await? {
        let entries = device_ledger(state, d.id, projections::counts::counted).await?;
        let supplements = supplements_of(state, &entries).await?;
        let rows = projections::counts::counts_from_ledger(&entries, &supplements, tz);
        written += rows.len();
        state.storage.replace_counts(d.id, &rows).await?;
    }
    state.storage.set_counts_built(true).await?;
    Ok(written)
}

/// Each patrol's metres on each day of `from..=to`, from the track rollups; the patrol-days a
/// rollup cannot vouch for (dirty, another zone or gate, two devices on one patrol) are
/// recomputed from the ledger. `None` while the rollups do not cover the ledger yet (the
/// figures then read the raw segments, as before rollups existed).
pub async fn day_metres(
    state: &AppState,
    city: Option<&patrol_model::City>,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
) -> ApiResult<Option<std::collections::BTreeMap<chrono::NaiveDate, projections::PatrolMetres>>> {
    use projections::rollup::{RollContext, finished_metres, patrol_metres_of_day, trusted};
    use std::collections::BTreeMap;
    if !state.storage.rollups_built().await? {
        return Ok(None);
    }
    let ctx = RollContext::of(city);
    let (tz, gate_m) = (ctx.tz, ctx.gate_m);
    let mut rows: BTreeMap<
        (chrono::NaiveDate, patrol_model::PatrolId),
        Vec<crate::model::TrackRollup>,
    > = BTreeMap::new();
    for r in state.storage.day_rollups(from, to).await? {
        rows.entry((r.day, r.patrol_id)).or_default().push(r);
    }
    let mut out: BTreeMap<chrono::NaiveDate, projections::PatrolMetres> = BTreeMap::new();
    let mut recompute: Vec<(chrono::NaiveDate, patrol_model::PatrolId)> = Vec::new();
    for ((day, patrol), rs) in rows {
        match rs.as_slice() {
            [one] if trusted(one, &ctx) => {
                out.entry(day)
                    .or_default()
                    .insert(patrol, finished_metres(one));
            }
            _ => recompute.push((day, patrol)),
        }
    }
    if !recompute.is_empty() {
        let mut ids: Vec<patrol_model::PatrolId> = recompute.iter().map(|(_, p)| *p).collect();
        ids.sort();
        ids.dedup();
        let entries = state.storage.patrol_entries(&ids).await?;
        let supplements = supplements_of(state, &entries).await?;
        // Once per day, not once per patrol: each pass derives every patrol of the day.
        let mut by_day: BTreeMap<chrono::NaiveDate, projections::PatrolMetres> = BTreeMap::new();
        for (day, patrol) in recompute {
            let m = by_day
                .entry(day)
                .or_insert_with(|| patrol_metres_of_day(&entries, &supplements, tz, day, gate_m));
            if let Some(v) = m.get(&patrol) {
                out.entry(day).or_default().insert(patrol, *v);
            }
        }
    }
    Ok(Some(out))
}

/// Build the track rollups of the whole ledger, device by device, when they do not cover it
/// (a ledger stored before rollups existed). Run before serving: uploads must not commit while
/// a device's rows are replaced. Returns how many rows were written.
pub async fn rebuild_rollups(state: &AppState) -> ApiResult<usize> {
    if state.storage.rollups_built().await? {
        return Ok(0);
    }
    let city = state.storage.city().await?;
    let ctx = projections::rollup::RollContext::of(city.as_ref());
    let mut written = 0;
    for d in state.storage.devices().await? {
        // The segments, and the recorded gaps: no distance or presence counts across one.
        let entries = device_ledger(state, d.id, |e| {
            matches!(
                e.entry.kind,
                patrol_model::EntryKind::TrackSegment
                    | patrol_model::EntryKind::TrackGap
                    | patrol_model::EntryKind::Supplement
            )
        })
        .await?;
        let supplements = supplements_of(state, &entries).await?;
        let rows = projections::rollup::rollups_from_ledger(&entries, &supplements, &ctx);
        written += rows.len();
        state.storage.replace_rollups(d.id, &rows).await?;
    }
    state.storage.set_rollups_built(true).await?;
    Ok(written)
}

/// A device's whole stored ledger, read page by page, keeping the entries `keep` wants (the
/// rebuilds of the derived rows read every device's ledger once).
async fn device_ledger(
    state: &AppState,
    device: DeviceId,
    keep: impl Fn(&crate::storage::StoredEntry) -> bool,
) -> ApiResult<Vec<crate::storage::StoredEntry>> {
    let mut entries = Vec::new();
    let mut from = 1;
    loop {
        let page = state.storage.entries(device, from, 5000).await?;
        let Some(last) = page.last().map(|e| e.entry.seq) else {
            break;
        };
        entries.extend(page.into_iter().filter(&keep));
        from = last + 1;
    }
    Ok(entries)
}

/// Every kind but track segments: what the figures read when the rollups give the km, and all
/// a reports list or export needs (segments are routes, not reports).
pub const NOT_TRACKS: &[patrol_model::EntryKind] = &[
    patrol_model::EntryKind::PatrolStarted,
    patrol_model::EntryKind::PatrolStopped,
    patrol_model::EntryKind::Violation,
    patrol_model::EntryKind::LostPerson,
    patrol_model::EntryKind::TrafficAccident,
    patrol_model::EntryKind::Assistance,
    patrol_model::EntryKind::Incident,
    patrol_model::EntryKind::PostArrived,
    patrol_model::EntryKind::PostLeft,
    patrol_model::EntryKind::Supplement,
    patrol_model::EntryKind::DispatchStep,
    patrol_model::EntryKind::TrackGap,
];

/// The local days `from..=to` (UTC `start..end`), each day's figures with totals: the entries
/// of the span and the day before (a visit open across midnight is followed), the km from the
/// track rollups when they cover the ledger, else from the raw segments. The answer is the same
/// either way (`tests/command_centre.rs` holds them to it).
pub async fn span_figures(
    state: &AppState,
    city: Option<&patrol_model::City>,
    tz: chrono_tz::Tz,
    (from, to): (chrono::NaiveDate, chrono::NaiveDate),
    (start, end): (i64, i64),
) -> ApiResult<patrol_model::v1::RangeStats> {
    const DAY_MS: i64 = 24 * 3600 * 1000;
    let metres = day_metres(state, city, from, to).await?;
    let counts = day_report_counts(state, tz, from, to).await?;
    let entries = match (&metres, &counts) {
        // The km from the track rollups and the reports from their counts: what is left to read
        // is the post visits (and gaps), of the span and of the day before (a visit open across
        // midnight is followed from its arrival).
        (Some(_), Some(_)) => {
            state
                .storage
                .entries_between(
                    start.saturating_sub(DAY_MS),
                    end,
                    Some(projections::CARRIED_OVER),
                )
                .await?
        }
        // The day before the span only for what carries over midnight (visits, gaps): its
        // reports would be read and decoded for nothing, and they are most of its entries.
        (Some(_), None) => {
            let mut before = state
                .storage
                .entries_between(
                    start.saturating_sub(DAY_MS),
                    start,
                    Some(projections::CARRIED_OVER),
                )
                .await?;
            before.extend(
                state
                    .storage
                    .entries_between(start, end, Some(NOT_TRACKS))
                    .await?,
            );
            before
        }
        (None, _) => {
            state
                .storage
                .entries_between(start.saturating_sub(DAY_MS), end, None)
                .await?
        }
    };
    let supplements = supplements_of(state, &entries).await?;
    let mut range = projections::range_stats_given(
        &entries,
        &supplements,
        city,
        tz,
        (from, to),
        metres.as_ref(),
        counts.as_ref(),
    );
    // The dispatch figures of each day, and their totals (counts only: percentiles do not add).
    let midnight = |d: chrono::NaiveDate| {
        patrol_geo::duty::local_to_utc_ms(tz, d.and_time(chrono::NaiveTime::MIN))
    };
    let days: Vec<(i64, i64)> = range
        .daily
        .iter()
        .map(|d| (midnight(d.date), d.date.succ_opt().map_or(end, midnight)))
        .collect();
    let figures = dispatch::day_figures(state, &days).await?;
    range.totals.dispatch.clear();
    for (day, f) in range.daily.iter_mut().zip(figures) {
        day.dispatch = f;
        range.totals.add(&patrol_model::v1::DailyStats {
            dispatch: day.dispatch.clone(),
            ..Default::default()
        });
    }
    if range.days == 1
        && let Some(day) = range.daily.first()
    {
        range.totals.dispatch.clone_from(&day.dispatch);
    }
    Ok(range)
}

/// The rollup rows among `rows` that can be trusted as they are, with the others rebuilt from
/// the ledger (dirty ones, another zone, gate or grid): what the presence heatmap and the
/// patrols list read.
async fn trusted_rows(
    state: &AppState,
    ctx: &projections::rollup::RollContext,
    rows: Vec<crate::model::TrackRollup>,
) -> ApiResult<Vec<crate::model::TrackRollup>> {
    let (mut good, bad): (Vec<_>, Vec<_>) = rows
        .into_iter()
        .partition(|r| projections::rollup::trusted(r, ctx));
    if !bad.is_empty() {
        let mut ids: Vec<patrol_model::PatrolId> = bad.iter().map(|r| r.patrol_id).collect();
        ids.sort();
        ids.dedup();
        let entries = state.storage.patrol_entries(&ids).await?;
        let supplements = supplements_of(state, &entries).await?;
        let keys: std::collections::HashSet<_> = bad
            .iter()
            .map(|r| (r.device_id, r.patrol_id, r.day))
            .collect();
        good.extend(
            projections::rollup::rollups_from_ledger(&entries, &supplements, ctx)
                .into_iter()
                .filter(|r| keys.contains(&(r.device_id, r.patrol_id, r.day))),
        );
    }
    Ok(good)
}

/// Presence on `day` from the track rollups (`None` while they do not cover the ledger).
pub async fn day_presence(
    state: &AppState,
    city: &patrol_model::City,
    day: chrono::NaiveDate,
) -> ApiResult<Option<projections::Presence>> {
    if !state.storage.rollups_built().await? {
        return Ok(None);
    }
    let ctx = projections::rollup::RollContext::of(Some(city));
    let rows = state.storage.day_rollups(day, day).await?;
    let rows = trusted_rows(state, &ctx, rows).await?;
    Ok(Some(projections::presence(&rows, &city.cells, day)))
}

/// The patrols started in `start..end` with their timed fixes and km from the track rollups
/// (`None` while they do not cover the ledger): starts and stops are read, never segments.
pub async fn span_patrols(
    state: &AppState,
    city: Option<&patrol_model::City>,
    (start, end): (i64, i64),
) -> ApiResult<Option<Vec<projections::PatrolSummary>>> {
    use patrol_model::EntryKind;
    if !state.storage.rollups_built().await? {
        return Ok(None);
    }
    let ctx = projections::rollup::RollContext::of(city);
    let starts = state
        .storage
        .entries_between(start, end, Some(&[EntryKind::PatrolStarted]))
        .await?;
    let mut ids: Vec<patrol_model::PatrolId> = starts.iter().filter_map(|s| s.patrol_id).collect();
    ids.sort();
    ids.dedup();
    // Stops come after their starts, up to now.
    let stops = state
        .storage
        .entries_between(
            start,
            state.now_ms().max(end) + 3600 * 1000,
            Some(&[EntryKind::PatrolStopped]),
        )
        .await?;
    let mut entries = starts;
    entries.extend(
        stops
            .into_iter()
            .filter(|e| e.patrol_id.is_some_and(|p| ids.binary_search(&p).is_ok())),
    );
    let rows = state.storage.patrol_rollups(&ids).await?;
    let rows = trusted_rows(state, &ctx, rows).await?;
    let totals = projections::rollup::patrol_totals(&rows);
    let supplements = supplements_of(state, &entries).await?;
    let mut out = projections::patrols(&entries, &supplements, city);
    for p in &mut out {
        if let Some((fixes, km)) = totals.get(&p.patrol_id) {
            p.fixes = usize::try_from(*fixes).unwrap_or(usize::MAX);
            p.km = *km;
        }
    }
    Ok(Some(out))
}

/// How far back the live map looks for a patrol's start. A unit is on the map while its patrol
/// runs, so the start must be in the window however recent its last fix: a night sortie started
/// yesterday evening and never stopped is still out today (with its `age_ms`), not gone at the
/// hour 24 hours after it set off.
const LIVE_WINDOW_MS: i64 = 2 * 24 * 3600 * 1000;

/// Where each unit on patrol is now: what the map, coverage and dispatch read.
pub async fn live_units(state: &AppState) -> ApiResult<Vec<projections::UnitPosition>> {
    let now = state.now_ms();
    let (from, to) = (now - LIVE_WINDOW_MS, now + 3600 * 1000);
    // Starts and stops say which patrols run; each device's latest segment says where it is
    // (a running patrol's newest segment is its device's newest), so a city's day of track
    // segments is never read for the map.
    let mut recent = state
        .storage
        .entries_between(
            from,
            to,
            Some(&[
                patrol_model::EntryKind::PatrolStarted,
                patrol_model::EntryKind::PatrolStopped,
            ]),
        )
        .await?;
    let mut devices: Vec<patrol_model::DeviceId> =
        recent.iter().map(|e| e.entry.device_id).collect();
    devices.sort();
    devices.dedup();
    recent.extend(
        state
            .storage
            .latest_entries(
                &devices,
                Some(patrol_model::EntryKind::TrackSegment),
                from,
                to,
            )
            .await?,
    );
    Ok(projections::unit_positions(&recent, now))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Storage;
    use crate::storage::sqlite::SqliteStorage;
    use std::sync::Arc;

    /// The city held in memory is the stored one after every import: held (not read again)
    /// while nothing changed, read again as soon as the counter moved, with the rollups'
    /// context made from the new city.
    #[tokio::test]
    async fn the_held_city_follows_every_import() {
        let storage = Arc::new(SqliteStorage::open_in_memory().unwrap());
        let state = AppState::new(storage.clone());
        assert!(city(&state).await.unwrap().is_none());
        let mut c = patrol_model::City {
            name: "常德".into(),
            timezone: "Asia/Shanghai".into(),
            cells: vec![],
            posts: vec![],
            groups: vec![],
            settings: Default::default(),
        };
        storage.import_city(&c, 1).await.unwrap();
        let first = city(&state).await.unwrap().unwrap();
        assert_eq!(*first.city, c);
        assert_eq!(first.roll.gate_m, patrol_model::DEFAULT_ACCURACY_GATE_M);
        // The same city again: same counter, so the very same copy.
        storage.import_city(&c, 2).await.unwrap();
        let again = city(&state).await.unwrap().unwrap();
        assert!(Arc::ptr_eq(&first.city, &again.city));
        // A new gate: a new counter, the new city and a context on its gate.
        c.settings.accuracy_gate_m = Some(30.0);
        storage.import_city(&c, 3).await.unwrap();
        let changed = city(&state).await.unwrap().unwrap();
        assert!(changed.counter > first.counter);
        assert_eq!(*changed.city, c);
        assert_eq!(changed.roll.gate_m, 30.0);
    }
}
