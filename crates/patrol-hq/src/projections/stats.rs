//! Daily statistics in the seed's terms (警力人次, 警车台次, 群防力量, 救助, 纠纷, violations by type).

use super::{Standing, local_date, standing};
use crate::storage::StoredEntry;
use chrono::NaiveDate;
use chrono_tz::Tz;
use patrol_model::v1::DailyStats;
use patrol_model::{
    AssistanceKind, City, DeviceId, EntryKind, IncidentKind, PatrolId, PatrolMode, PositionFix,
    PostId, Record,
};
use std::collections::{BTreeMap, BTreeSet};

/// Metres as kilometres rounded to the metre, never negative and never `-0.0` (an empty sum of
/// f64 is `-0.0`, which JSON prints as `-0.0`).
pub(crate) fn km(metres: f64) -> f64 {
    (metres.max(0.0).round() / 1000.0) + 0.0
}

/// Whether a patrol in this mode counts as a vehicle trip (警车台次): car, motorcycle and
/// e-bike. Foot and bicycle patrols do not.
pub(crate) fn is_vehicle(mode: PatrolMode) -> bool {
    matches!(
        mode,
        PatrolMode::Car | PatrolMode::Motorcycle | PatrolMode::EBike
    )
}

/// The figures of local day `date` in `tz`.
///
/// `window` holds the entries whose `event_ms` may fall on that day (a margin either side is
/// fine: every entry is kept only when the local date of its `event_ms` is `date`), and
/// `supplements` at least those naming one of them. Withdrawn entries count nowhere; a
/// corrected entry counts as corrected, on the day of the original entry. The definitions:
///
/// - `patrols`: `patrol_started` entries of the day — a patrol counts on the day it started.
/// - `officer_trips` (警力人次): person-trips, one per officer per deployment. A deployment is a
///   patrol started that day (its officers, at least 1: a patrol with no names is its one
///   officer) or a post visit opened that day outside a patrol (its crew's officers, at least 1).
///   A check-in made during a patrol is a stop of that patrol and adds nobody. So an officer on a
///   patrol in the morning and alone on a post at the evening peak is two person-trips, and a
///   traffic officer holding a post in both peak windows is two.
/// - `vehicle_trips` (警车台次): patrols started that day in a car, on a motorcycle or an e-bike.
/// - `volunteers_*`: summed from those deployments (patrol starts, post visits outside a patrol),
///   by category.
/// - Reports count records (cases), not people: `assistance_cases` (救助) is assistance other
///   than disputes plus lost persons; `medical_escorts`, `lost_persons`, `disputes_resolved`
///   (纠纷) are their own kinds; `thefts` are incidents of kind theft and `incidents` all
///   incidents; `traffic_accidents` accident reports.
/// - `violations_by_type` counts tallies by type, `violations_total` all tallies and
///   `seized_items` their seized items.
/// - `km_patrolled`: the track segments of the day (by each segment entry's event time),
///   grouped per patrol, measured with `patrol_geo::track::patrolled_m`: the fixes in event-time
///   order (untimed fixes left out, duplicates once), fixes worse than the city's accuracy gate
///   (`City::accuracy_gate_of`, 50 m without a city) stepped over, geodesically; kilometres
///   rounded to the metre, never negative (nor `-0`). A patrol across midnight adds to each day
///   the segments recorded that day (the stretch between the last fix before midnight and the
///   first after is counted on neither).
/// - `post_visits`: visits opened that day — a `post_arrived` entry counts when that device had
///   no visit to that post open (an arrival while its visit is open is a repeat, not a visit; a
///   `post_left` closes it), following each device's arrivals and departures in event-time order
///   through the whole window. With a `city`, only arrivals at posts of its reference data count.
/// - `flagged_entries`: standing entries of the day (supplements aside) carrying a clock flag.
///
/// `city` decides which posts count and the accuracy gate; without one every post counts and the
/// default gate applies. `timezone` is the IANA name of `tz`.
pub fn daily_stats(
    window: &[StoredEntry],
    supplements: &[StoredEntry],
    city: Option<&City>,
    tz: Tz,
    date: NaiveDate,
) -> DailyStats {
    daily_stats_with(window, supplements, city, tz, date, None)
}

/// Each patrol's metres on one day, when the caller already has them (from the track rollups,
/// [`super::rollup`]): then `window` need not hold the day's track segments at all.
pub type PatrolMetres = BTreeMap<PatrolId, f64>;

/// [`daily_stats`], with each patrol's metres given (`Some`) instead of summed from the
/// window's track segments. The figures are the same when `metres` holds exactly what the
/// segments give (the rollups do, bit for bit).
pub fn daily_stats_with(
    window: &[StoredEntry],
    supplements: &[StoredEntry],
    city: Option<&City>,
    tz: Tz,
    date: NaiveDate,
    metres: Option<&PatrolMetres>,
) -> DailyStats {
    daily_stats_given(window, supplements, city, tz, date, metres, None)
}

/// [`daily_stats_with`], with the day's report counts given too (`Some`, the sum of the
/// devices' [`super::counts`] rows): then `window` need only hold the post arrivals and
/// departures (and, without `metres`, the track segments and gaps); every other figure comes
/// from `counts`. The figures are the same when `counts` holds exactly what the day's entries
/// give (the rows do, a test holds them to it).
pub fn daily_stats_given(
    window: &[StoredEntry],
    supplements: &[StoredEntry],
    city: Option<&City>,
    tz: Tz,
    date: NaiveDate,
    metres: Option<&PatrolMetres>,
    counts: Option<&DailyStats>,
) -> DailyStats {
    let mut s = DailyStats {
        date,
        timezone: tz.name().to_owned(),
        ..DailyStats::default()
    };
    let mut tracks: BTreeMap<PatrolId, Vec<PositionFix>> = BTreeMap::new();
    let mut gaps: BTreeMap<PatrolId, Vec<(i64, i64)>> = BTreeMap::new();
    // Visits open per device, followed through the whole window (a visit opened late the day
    // before is still open this morning).
    let mut on_post: BTreeSet<(DeviceId, PostId)> = BTreeSet::new();
    for e in &standing(window, supplements) {
        let today = local_date(e.event_ms(), tz) == Some(date);
        match &e.record {
            Record::PostArrived(a) => {
                let known = city.is_none_or(|c| c.posts.iter().any(|p| p.id == a.post_id));
                if on_post.insert((e.device_id(), a.post_id.clone())) && known && today {
                    s.post_visits += 1;
                    // Outside a patrol a check-in is a deployment of its own: its crew counts.
                    if a.patrol_id.is_none() {
                        s.officer_trips += a.crew.officer_count();
                        for (&category, &n) in a.crew.volunteers.iter().filter(|(_, n)| **n > 0) {
                            *s.volunteers_by_category.entry(category).or_default() += n;
                            s.volunteers_total += n;
                        }
                    }
                }
            }
            Record::PostLeft(l) => {
                on_post.remove(&(e.device_id(), l.post_id.clone()));
            }
            // Of any day in the window: a gap recorded just after midnight still splits the
            // last stretch of the evening from the morning's.
            Record::TrackGap(g) => gaps.entry(g.patrol_id).or_default().push(g.span()),
            _ => {}
        }
        if !today {
            continue;
        }
        match &e.record {
            Record::TrackSegment(t) if metres.is_none() => {
                tracks
                    .entry(t.patrol_id)
                    .or_default()
                    .extend_from_slice(&t.fixes);
            }
            _ => {}
        }
        if counts.is_none() {
            count_standing(&mut s, e);
        }
    }
    if let Some(given) = counts {
        s.add(given);
    }
    let gate_m = City::accuracy_gate_of(city);
    // Summed in patrol order either way, so the given metres add up exactly as the segments'.
    let total: f64 = match metres {
        Some(given) => given.values().sum(),
        None => tracks
            .iter()
            .map(|(patrol, fixes)| {
                let gaps = gaps.get(patrol).map_or(&[][..], Vec::as_slice);
                patrol_geo::track::patrolled_m_across(fixes, gate_m, gaps)
            })
            .sum(),
    };
    s.km_patrolled = km(total);
    s
}

/// What one standing entry adds to its day's figures, post visits, km and dispatch aside:
/// patrols started (with their officers, vehicles and volunteers), reports by kind, tallies by
/// type and seized items, and a flagged entry. The same for the raw figures and the report-count
/// rows ([`super::counts`]), which is what keeps them equal.
pub(crate) fn count_standing(s: &mut DailyStats, e: &Standing<'_>) {
    if !e.stored.flags.is_empty() {
        s.flagged_entries += 1;
    }
    match &e.record {
        Record::PatrolStarted(p) => {
            s.patrols += 1;
            s.officer_trips += u32::try_from(p.officers.len()).unwrap_or(u32::MAX).max(1);
            if is_vehicle(p.mode) {
                s.vehicle_trips += 1;
            }
            for (&category, &n) in p.volunteers.iter().filter(|(_, n)| **n > 0) {
                *s.volunteers_by_category.entry(category).or_default() += n;
                s.volunteers_total += n;
            }
        }
        Record::Violation(v) => {
            s.violations_total += 1;
            *s.violations_by_type.entry(v.violation).or_default() += 1;
            s.seized_items += v.seized_items;
        }
        Record::LostPerson(_) => {
            s.lost_persons += 1;
            s.assistance_cases += 1;
        }
        Record::TrafficAccident(_) => s.traffic_accidents += 1,
        Record::Assistance(a) => match a.kind {
            AssistanceKind::DisputeResolved => s.disputes_resolved += 1,
            AssistanceKind::MedicalEscort => {
                s.medical_escorts += 1;
                s.assistance_cases += 1;
            }
            AssistanceKind::OtherHelp => s.assistance_cases += 1,
        },
        Record::Incident(i) => {
            s.incidents += 1;
            if i.kind == IncidentKind::Theft {
                s.thefts += 1;
            }
        }
        // Post visits follow arrivals across days (counted with the window); track segments
        // are km (the track rollups, or the window's segments).
        Record::PostArrived(_)
        | Record::TrackSegment(_)
        | Record::PatrolStopped(_)
        | Record::PostLeft(_)
        | Record::TrackGap(_)
        | Record::Supplement(_) => {}
        // Dispatch figures come from HQ's dispatch board (`service::dispatch`).
        Record::DispatchStep(_) => {}
    }
}

/// The figures of every local day from `from` to `to` (both included), their totals and per-day
/// averages. `entries` holds the span's entries (a day's margin before `from` lets a visit open
/// across midnight be followed, as [`daily_stats`] does), `supplements` at least those naming
/// one of them. Each day is computed from its own entries and those of the day before, so
/// the cost is linear in the entries, not in days × entries; every day's figures equal
/// [`daily_stats`] for that day (a test holds them to it).
pub fn range_stats(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    city: Option<&City>,
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
) -> patrol_model::v1::RangeStats {
    range_stats_with(entries, supplements, city, tz, from, to, None)
}

/// What a day's figures take from the day before: visits open across midnight are followed
/// from their arrival, and a tracking gap recorded just after midnight splits the evening's last
/// stretch. Nothing else of the day before counts.
pub const CARRIED_OVER: &[EntryKind] = &[
    EntryKind::PostArrived,
    EntryKind::PostLeft,
    EntryKind::TrackGap,
];

/// [`range_stats`] with each day's patrol metres given (see [`daily_stats_with`]); a day
/// missing from `metres` counts no km.
pub fn range_stats_with(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    city: Option<&City>,
    tz: Tz,
    from: NaiveDate,
    to: NaiveDate,
    metres: Option<&BTreeMap<NaiveDate, PatrolMetres>>,
) -> patrol_model::v1::RangeStats {
    range_stats_given(entries, supplements, city, tz, (from, to), metres, None)
}

/// [`range_stats_with`] with each day's report counts given too (see [`daily_stats_given`]);
/// a day missing from `counts` counts no reports.
pub fn range_stats_given(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    city: Option<&City>,
    tz: Tz,
    (from, to): (NaiveDate, NaiveDate),
    metres: Option<&BTreeMap<NaiveDate, PatrolMetres>>,
    counts: Option<&BTreeMap<NaiveDate, DailyStats>>,
) -> patrol_model::v1::RangeStats {
    let no_counts = DailyStats::default();
    let none = PatrolMetres::new();
    let mut by_day: BTreeMap<NaiveDate, Vec<StoredEntry>> = BTreeMap::new();
    for e in entries {
        if let Some(d) = local_date(e.event_ms, tz) {
            by_day.entry(d).or_default().push(e.clone());
        }
    }
    let mut daily = Vec::new();
    let mut totals = DailyStats {
        date: from,
        timezone: tz.name().to_owned(),
        ..DailyStats::default()
    };
    let mut day = from;
    while day <= to {
        let mut window: Vec<StoredEntry> = Vec::new();
        if let Some(prev) = day.pred_opt().and_then(|p| by_day.get(&p)) {
            let carried = prev.iter().filter(|e| CARRIED_OVER.contains(&e.entry.kind));
            window.extend(carried.cloned());
        }
        if let Some(today) = by_day.get(&day) {
            window.extend(today.iter().cloned());
        }
        let given = metres.map(|m| m.get(&day).unwrap_or(&none));
        let counted = counts.map(|c| c.get(&day).unwrap_or(&no_counts));
        let s = daily_stats_given(&window, supplements, city, tz, day, given, counted);
        totals.add(&s);
        daily.push(s);
        match day.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    let days = u32::try_from(daily.len()).unwrap_or(u32::MAX);
    patrol_model::v1::RangeStats {
        from,
        to,
        days,
        timezone: tz.name().to_owned(),
        per_day: patrol_model::v1::DailyAverages::of(&totals, days),
        totals,
        daily,
    }
}
