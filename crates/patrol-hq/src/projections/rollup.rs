//! Track rollups: each patrol's distance per local day, kept up to date as uploads arrive, so a
//! day's `km_patrolled` reads one row per patrol instead of decoding every track segment (a
//! city's day is over a million segments).
//!
//! A rollup is derived, never evidence: [`rollups_from_ledger`] rebuilds it from the stored
//! ledger, and it is **exactly** what [`super::daily_stats`] computes from the raw segments, not
//! an approximation: `patrolled_m` sums the distances between consecutive gated fixes in event
//! order, one after the other; [`roll`] adds the very same distances in the very same order as
//! each segment arrives, so the floating-point sums are bit for bit equal. When a segment cannot
//! simply be appended (its fixes start before the row's latest fix, a supplement corrects or
//! withdraws a segment, the city's zone or gate changed) the row is marked `dirty` and the
//! figures recompute that one patrol-day from the ledger ([`patrol_metres_of_day`]).

use super::standing;
use crate::model::{StoredEntry, TrackRollup};
use chrono::NaiveDate;
use chrono_tz::Tz;
use patrol_geo::track::{event_order, within_gate};
use patrol_model::{DeviceId, EntryKind, LatLon, PatrolId, PositionFix, Record};
use std::collections::{BTreeMap, HashMap};

/// What [`roll`] needs to know about an entry a supplement in the upload targets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    pub kind: EntryKind,
    pub event_ms: i64,
    pub patrol_id: Option<PatrolId>,
}

fn here(f: &PositionFix) -> LatLon {
    LatLon {
        lat: f.lat,
        lon: f.lon,
    }
}

/// Add the gated fixes of one segment (already in event order, all after `row.last_t`).
fn extend(row: &mut TrackRollup, fixes: &[PositionFix]) {
    for f in fixes {
        if within_gate(f, row.gate_m) {
            if let Some(prev) = row.last_gated {
                row.metres += patrol_geo::distance_m(prev, here(f));
            }
            row.last_gated = Some(here(f));
        }
        row.last_t = f.time_ms.or(row.last_t);
    }
}

fn touch(changed: &mut Vec<(PatrolId, NaiveDate)>, key: (PatrolId, NaiveDate)) {
    if !changed.contains(&key) {
        changed.push(key);
    }
}

fn local_day(ms: i64, tz: Tz) -> Option<NaiveDate> {
    super::local_date(ms, tz)
}

/// The rows an upload changes. `existing` holds the device's current rows for the patrols the
/// upload touches; `new` the entries it stores, in seq order; `targets` what each supplement's
/// target is (by seq; targets inside the upload are found in `new`). `tz` and `gate_m` are the
/// city's now.
pub fn roll(
    existing: &[TrackRollup],
    new: &[StoredEntry],
    targets: &HashMap<u64, Target>,
    tz: Tz,
    gate_m: f64,
) -> Vec<TrackRollup> {
    let mut rows: BTreeMap<(PatrolId, NaiveDate), TrackRollup> = existing
        .iter()
        .map(|r| ((r.patrol_id, r.day), r.clone()))
        .collect();
    let mut changed: Vec<(PatrolId, NaiveDate)> = Vec::new();
    let in_batch: HashMap<u64, Target> = new
        .iter()
        .map(|e| {
            (
                e.entry.seq,
                Target {
                    kind: e.entry.kind,
                    event_ms: e.event_ms,
                    patrol_id: e.patrol_id,
                },
            )
        })
        .collect();
    let tz_name = tz.name();
    let fresh = |device_id, patrol_id, day| TrackRollup {
        device_id,
        patrol_id,
        day,
        tz: tz_name.to_owned(),
        gate_m,
        metres: 0.0,
        last_t: None,
        last_gated: None,
        dirty: false,
    };
    for e in new.iter().filter(|e| e.quarantine.is_none()) {
        let device = e.entry.device_id;
        match e.entry.record() {
            Ok(Record::TrackSegment(t)) => {
                let Some(day) = local_day(e.event_ms, tz) else {
                    continue;
                };
                let fixes = event_order(&t.fixes);
                if fixes.is_empty() {
                    continue;
                }
                let key = (t.patrol_id, day);
                touch(&mut changed, key);
                let row = rows
                    .entry(key)
                    .or_insert_with(|| fresh(device, t.patrol_id, day));
                let in_order = row.last_t.is_none_or(|lt| fixes[0].time_ms > Some(lt));
                if row.dirty || row.tz != tz_name || row.gate_m != gate_m || !in_order {
                    row.dirty = true;
                    row.last_t = fixes.last().and_then(|f| f.time_ms).max(row.last_t);
                } else {
                    extend(row, &fixes);
                }
            }
            Ok(Record::Supplement(s)) => {
                let target = in_batch
                    .get(&s.target_seq)
                    .or_else(|| targets.get(&s.target_seq));
                let corrects_a_segment = s
                    .correction
                    .as_deref()
                    .is_some_and(|r| r.kind() == EntryKind::TrackSegment);
                if let Some(t) = target.filter(|t| t.kind == EntryKind::TrackSegment)
                    && let (Some(patrol), Some(day)) = (t.patrol_id, local_day(t.event_ms, tz))
                {
                    touch(&mut changed, (patrol, day));
                    rows.entry((patrol, day))
                        .or_insert_with(|| fresh(device, patrol, day))
                        .dirty = true;
                } else if corrects_a_segment
                    && let Some(Record::TrackSegment(c)) = s.correction.as_deref()
                    && let Some(day) = target.and_then(|t| local_day(t.event_ms, tz))
                {
                    touch(&mut changed, (c.patrol_id, day));
                    rows.entry((c.patrol_id, day))
                        .or_insert_with(|| fresh(device, c.patrol_id, day))
                        .dirty = true;
                }
            }
            _ => {}
        }
    }
    changed
        .into_iter()
        .filter_map(|k| rows.remove(&k))
        .collect()
}

/// Every rollup row the ledger implies, as [`roll`] would have built them upload by upload from
/// the start: for each device, patrol and local day with track segments, the distance through
/// the gated fixes in event order (what `daily_stats` computes). `supplements` applies (a
/// withdrawn segment counts nowhere, a corrected one counts as corrected); rows are never dirty.
pub fn rollups_from_ledger(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    tz: Tz,
    gate_m: f64,
) -> Vec<TrackRollup> {
    let mut fixes: BTreeMap<(DeviceId, PatrolId, NaiveDate), Vec<PositionFix>> = BTreeMap::new();
    for e in standing(entries, supplements) {
        if let Record::TrackSegment(t) = &e.record
            && let Some(day) = local_day(e.event_ms(), tz)
        {
            fixes
                .entry((e.device_id(), t.patrol_id, day))
                .or_default()
                .extend_from_slice(&t.fixes);
        }
    }
    fixes
        .into_iter()
        .filter_map(|((device_id, patrol_id, day), fixes)| {
            let ordered = event_order(&fixes);
            if ordered.is_empty() {
                return None;
            }
            let mut row = TrackRollup {
                device_id,
                patrol_id,
                day,
                tz: tz.name().to_owned(),
                gate_m,
                metres: 0.0,
                last_t: None,
                last_gated: None,
                dirty: false,
            };
            extend(&mut row, &ordered);
            Some(row)
        })
        .collect()
}

/// Each patrol's metres on `day` from the raw ledger (`entries` holds the patrols' entries),
/// exactly as `daily_stats` computes them: for the patrol-days whose rollup cannot be trusted.
pub fn patrol_metres_of_day(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    tz: Tz,
    day: NaiveDate,
    gate_m: f64,
) -> BTreeMap<PatrolId, f64> {
    let mut tracks: BTreeMap<PatrolId, Vec<PositionFix>> = BTreeMap::new();
    for e in standing(entries, supplements) {
        if let Record::TrackSegment(t) = &e.record
            && local_day(e.event_ms(), tz) == Some(day)
        {
            tracks
                .entry(t.patrol_id)
                .or_default()
                .extend_from_slice(&t.fixes);
        }
    }
    tracks
        .into_iter()
        .map(|(p, fixes)| (p, patrol_geo::track::patrolled_m(&fixes, gate_m)))
        .collect()
}

/// A trusted row's metres, finished as `patrolled_m` finishes its sum (never negative, never
/// `-0`).
pub fn finished_metres(row: &TrackRollup) -> f64 {
    row.metres.max(0.0) + 0.0
}

/// Whether a row can stand for its patrol-day under the city's zone and gate now.
pub fn trusted(row: &TrackRollup, tz: Tz, gate_m: f64) -> bool {
    !row.dirty && row.tz == tz.name() && row.gate_m == gate_m
}
