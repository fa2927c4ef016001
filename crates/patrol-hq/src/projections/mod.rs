//! Projections: what the stored ledger means for the command centre — daily statistics in the
//! seed's terms ([`daily_stats`]), patrols and their routes ([`patrols`], [`patrol_routes`]),
//! the reports table ([`reports_csv`]), post compliance ([`post_compliance`]) and where units
//! are now ([`unit_positions`]). They are derived from stored entries every time and never
//! stored, so a figure can never disagree with the evidence.
//!
//! Rules every projection follows:
//!
//! - **Pure**: no I/O, no clock (callers pass `now_ms`), deterministic.
//! - **Idempotent**: an entry is identified by `(device_id, seq)`; re-delivered copies count once
//!   and the order of the input never matters (should two *different* entries claim the same
//!   `(device_id, seq)`, which storage prevents, the one with the smaller hash is read).
//! - **Quarantined** entries (`quarantine.is_some()`) are skipped, and so is any entry whose
//!   payload does not decode.
//! - **Supplements** are applied per device with [`patrol_model::apply_supplements`]:
//!   a correction replaces the record (the entry keeps its seq, times, cell and flags), a
//!   withdrawal hides it. Callers pass the entries of the window they ask about plus *every*
//!   supplement of the devices concerned (from any time: a correction may arrive days later); a
//!   supplement whose target is not among the entries does nothing.
//! - **Time** is [`StoredEntry::event_ms`] (GNSS time, else the wall clock corrected by the
//!   device's skew): it decides an entry's local day and the event-time order, ties broken by
//!   `(device_id, seq)`. Fix times inside track segments are the fixes' own.

mod bulletin;
pub mod counts;
mod coverage;
pub mod dispatch;
mod patrols;
mod posts;
mod presence;
mod replay;
mod reports;
pub mod rollup;
mod stats;
mod units;

#[cfg(test)]
mod tests;

pub use bulletin::{Lang, bulletin};
pub use coverage::{Band, CellCoverage, Coverage, CoverageModel, cell_center, coverage};
pub use patrols::{PatrolRoute, PatrolSummary, ROUTE_GAP_MS, patrol_routes, patrols, route_tracks};
pub use posts::{
    DutyWindowSchema, GRACE_MS, PostCompliance, WindowCompliance, WindowMinutesSchema,
    WindowStatus, post_compliance,
};
pub use presence::{CellPresence, DAY_HOURS, Presence, presence};
pub use replay::{PatrolTrack, STOP_MIN_MS, STOP_RADIUS_M, Stop, track};
pub use reports::{
    REPORT_COLUMNS, REPORT_KINDS, ReportFilter, ReportHistory, ReportItem, ReportKey, report_items,
    report_page, report_page_keys, reports_csv,
};
pub use stats::{
    CARRIED_OVER, PatrolMetres, daily_stats, daily_stats_given, daily_stats_with, range_stats,
    range_stats_given, range_stats_with,
};
pub use units::{UnitPosition, unit_positions};

use crate::storage::StoredEntry;
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use patrol_model::{DeviceId, Effective, Entry, EntryKind, Record, apply_supplements};
use std::collections::BTreeMap;

/// One entry as it stands after supplements (withdrawn entries never become one).
#[derive(Debug, Clone)]
pub(crate) struct Standing<'a> {
    pub stored: &'a StoredEntry,
    /// The record after the latest correction.
    pub record: Record,
    /// A supplement corrected it.
    pub corrected: bool,
    /// Seqs of the supplements that corrected it, oldest first.
    pub corrected_by: Vec<u64>,
}

impl Standing<'_> {
    pub fn event_ms(&self) -> i64 {
        self.stored.event_ms
    }

    pub fn device_id(&self) -> DeviceId {
        self.stored.entry.device_id
    }

    pub fn seq(&self) -> u64 {
        self.stored.entry.seq
    }
}

type Key = (DeviceId, u64);

fn key(s: &StoredEntry) -> Key {
    (s.entry.device_id, s.entry.seq)
}

/// Keep one copy per `(device_id, seq)`, the same whatever the input order.
fn keep<'a>(map: &mut BTreeMap<Key, &'a StoredEntry>, s: &'a StoredEntry) {
    map.entry(key(s))
        .and_modify(|cur| {
            if s.entry.hash < cur.entry.hash {
                *cur = s;
            }
        })
        .or_insert(s);
}

/// The entries of `entries` that still stand, with `supplements` (and any supplements among
/// `entries`) applied, in event-time order. See the module docs for the rules.
pub(crate) fn standing<'a>(
    entries: &'a [StoredEntry],
    supplements: &'a [StoredEntry],
) -> Vec<Standing<'a>> {
    let mut own: BTreeMap<Key, &StoredEntry> = BTreeMap::new();
    for s in entries.iter().filter(|s| s.quarantine.is_none()) {
        keep(&mut own, s);
    }
    let mut extra: BTreeMap<Key, &StoredEntry> = BTreeMap::new();
    for s in supplements.iter().filter(|s| {
        s.quarantine.is_none()
            && s.entry.kind == EntryKind::Supplement
            && !own.contains_key(&key(s))
    }) {
        keep(&mut extra, s);
    }

    let mut by_device: BTreeMap<DeviceId, Vec<Entry>> = BTreeMap::new();
    for (k, s) in own.iter().chain(extra.iter()) {
        by_device.entry(k.0).or_default().push(s.entry.clone());
    }

    let mut out = Vec::with_capacity(own.len());
    for (device, ledger) in by_device {
        for eff in effective(&ledger) {
            if eff.withdrawn_by.is_some() {
                continue;
            }
            // Supplements are never returned, so every effective entry is one of `own`.
            let Some(&stored) = own.get(&(device, eff.entry.seq)) else {
                continue;
            };
            out.push(Standing {
                stored,
                corrected: !eff.corrected_by.is_empty(),
                corrected_by: eff.corrected_by,
                record: eff.record,
            });
        }
    }
    out.sort_by_key(|s| (s.event_ms(), s.device_id(), s.seq()));
    out
}

/// `apply_supplements`, leaving out entries whose payload does not decode instead of failing.
fn effective(ledger: &[Entry]) -> Vec<Effective> {
    apply_supplements(ledger).unwrap_or_else(|_| {
        let readable: Vec<Entry> = ledger
            .iter()
            .filter(|e| e.record().is_ok())
            .cloned()
            .collect();
        apply_supplements(&readable).unwrap_or_default()
    })
}

/// The local date of an instant in `tz`.
pub(crate) fn local_date(ms: i64, tz: Tz) -> Option<NaiveDate> {
    tz.timestamp_millis_opt(ms).single().map(|t| t.date_naive())
}
