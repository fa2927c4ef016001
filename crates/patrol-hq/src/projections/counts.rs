//! Report counts: what each device's entries of each local day add to that day's figures
//! (patrols started with their crews, reports by kind, tallies by type and seized items,
//! flagged entries), kept up to date as uploads arrive so `/stats/daily` and the span figures
//! read one row per device and day instead of decoding the day's reports (a city's day is tens
//! of thousands of tallies).
//!
//! A row is derived, never evidence: [`counts_from_ledger`] rebuilds every row from the stored
//! ledger, and a row is **exactly** what [`super::daily_stats`] counts from the raw entries: both
//! go through the one [`super::stats::count_standing`], over the entries as they stand after
//! their supplements. An upload changes rows by a difference ([`roll_counts`]): its own entries
//! as they stand are added; an entry HQ already held that one of its supplements corrects or
//! withdraws is taken away as it stood before and added back as it stands now, on the day of
//! its event (a correction never moves an entry to another day). The counts are whole numbers,
//! so adding and taking away are exact, and late uploads, supplements and withdrawals leave the
//! rows equal to a recompute (`tests/counts.rs` holds them to it on both databases).

use super::stats::count_standing;
use super::{local_date, standing};
use crate::model::{DayCounts, StoredEntry};
use chrono::NaiveDate;
use chrono_tz::Tz;
use patrol_model::v1::DailyStats;
use patrol_model::{DeviceId, EntryKind};
use std::collections::BTreeMap;

type Rows = BTreeMap<(DeviceId, NaiveDate), DayCounts>;

fn row(rows: &mut Rows, device: DeviceId, day: NaiveDate, tz: Tz) -> &mut DayCounts {
    rows.entry((device, day)).or_insert_with(|| DayCounts {
        device_id: device,
        day,
        tz: tz.name().to_owned(),
        counts: DailyStats {
            date: day,
            timezone: tz.name().to_owned(),
            ..DailyStats::default()
        },
    })
}

/// Take `o` away from `s` (whole numbers; a count that reaches zero leaves its map).
fn take_away(s: &mut DailyStats, o: &DailyStats) {
    fn sub(a: &mut u32, b: u32) {
        *a = a.saturating_sub(b);
    }
    /// Take `o`'s counts away from `s`'s, dropping a key that reaches zero (a recompute never
    /// shows a zero count).
    fn sub_each<K: Ord + Clone>(
        s: &mut std::collections::BTreeMap<K, u32>,
        o: &std::collections::BTreeMap<K, u32>,
    ) {
        for (k, v) in o {
            if let Some(n) = s.get_mut(k) {
                sub(n, *v);
                if *n == 0 {
                    s.remove(k);
                }
            }
        }
    }
    sub(&mut s.patrols, o.patrols);
    sub(&mut s.officer_trips, o.officer_trips);
    sub(&mut s.vehicle_trips, o.vehicle_trips);
    sub(&mut s.volunteers_total, o.volunteers_total);
    sub_each(&mut s.volunteers_by_category, &o.volunteers_by_category);
    sub(&mut s.assistance_cases, o.assistance_cases);
    sub(&mut s.medical_escorts, o.medical_escorts);
    sub(&mut s.lost_persons, o.lost_persons);
    sub(&mut s.disputes_resolved, o.disputes_resolved);
    sub(&mut s.thefts, o.thefts);
    sub(&mut s.incidents, o.incidents);
    sub(&mut s.traffic_accidents, o.traffic_accidents);
    sub(&mut s.violations_total, o.violations_total);
    sub_each(&mut s.violations_by_type, &o.violations_by_type);
    sub(&mut s.seized_items, o.seized_items);
    sub(&mut s.flagged_entries, o.flagged_entries);
}

/// Whether an entry can add anything to the counts: all but a track segment without a flag
/// (segments are km, counted by the track rollups; a flagged one is a flagged entry). Leaving
/// the others out spares decoding a day of segments on every upload.
pub fn counted(e: &StoredEntry) -> bool {
    e.entry.kind != EntryKind::TrackSegment || !e.flags.is_empty()
}

/// Add (or, `away`, take away) what each of `entries` as it stands adds to its day.
fn apply(
    rows: &mut Rows,
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    tz: Tz,
    away: bool,
) {
    let kept: Vec<StoredEntry>;
    let entries = if entries.iter().all(counted) {
        entries
    } else {
        kept = entries.iter().filter(|e| counted(e)).cloned().collect();
        &kept
    };
    for e in standing(entries, supplements) {
        let Some(day) = local_date(e.event_ms(), tz) else {
            continue;
        };
        let mut one = DailyStats::default();
        count_standing(&mut one, &e);
        if one == DailyStats::default() {
            continue;
        }
        let r = &mut row(rows, e.device_id(), day, tz).counts;
        if away {
            take_away(r, &one);
        } else {
            r.add(&one);
        }
    }
}

/// Every row of these entries (a device's whole ledger, or several), with `supplements` (every
/// supplement of the devices concerned) applied: what a rebuild writes, and what the rows must
/// always equal. Days whose entries count nothing get no row.
pub fn counts_from_ledger(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    tz: Tz,
) -> Vec<DayCounts> {
    let mut rows = Rows::new();
    apply(&mut rows, entries, supplements, tz, false);
    rows.into_values().collect()
}

/// The rows an upload changes. `existing` holds the device's current rows of the days
/// concerned; `new` the entries the upload stores (its supplements among them); `held_targets`
/// the entries HQ already holds that those supplements name; `held_supplements` at least every
/// supplement HQ already holds naming one of `held_targets`. Rows in another zone than `tz` are carried on as they are
/// (the figures do not trust them; a rebuild puts them right).
pub fn roll_counts(
    existing: &[DayCounts],
    new: &[StoredEntry],
    held_targets: &[StoredEntry],
    held_supplements: &[StoredEntry],
    tz: Tz,
) -> Vec<DayCounts> {
    let mut rows: Rows = existing
        .iter()
        .map(|r| ((r.device_id, r.day), r.clone()))
        .collect();
    let before = rows.clone();
    // Only what can count is copied: an upload is mostly track segments.
    let mut now: Vec<StoredEntry> = new.iter().filter(|e| counted(e)).cloned().collect();
    now.extend(held_targets.iter().cloned());
    apply(&mut rows, &now, held_supplements, tz, false);
    apply(&mut rows, held_targets, held_supplements, tz, true);
    rows.into_iter()
        .filter(|(k, r)| before.get(k) != Some(r))
        .map(|(_, r)| r)
        .collect()
}

/// The days `roll_counts` may change for this upload: those of its entries that can count and
/// of the held entries its supplements name.
pub fn days_touched(new: &[StoredEntry], held_targets: &[StoredEntry], tz: Tz) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = new
        .iter()
        .filter(|e| counted(e))
        .chain(held_targets)
        .filter_map(|e| local_date(e.event_ms, tz))
        .collect();
    days.sort();
    days.dedup();
    days
}

/// Whether every row can be trusted for figures reckoned in `tz`.
pub fn all_in(rows: &[DayCounts], tz: Tz) -> bool {
    rows.iter().all(|r| r.tz == tz.name())
}

/// The rows summed per day: what [`super::stats::range_stats_given`] takes.
pub fn per_day(rows: &[DayCounts]) -> BTreeMap<NaiveDate, DailyStats> {
    let mut out: BTreeMap<NaiveDate, DailyStats> = BTreeMap::new();
    for r in rows {
        out.entry(r.day)
            .or_insert_with(|| DailyStats {
                date: r.day,
                ..DailyStats::default()
            })
            .add(&r.counts);
    }
    out
}
