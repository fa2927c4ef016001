//! Derived views for the officer's screens — the running patrol, today's tallies, minutes on
//! post — computed from ledger entries every time. They are never stored: the ledger is the only
//! source of truth, so a view can never disagree with the evidence.

use crate::Result;
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use patrol_model::{
    City, Effective, Entry, EntryKind, GroupId, PatrolId, PatrolMode, PostId, Record, ViolationType,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// The running patrol.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct OpenPatrol {
    pub patrol_id: PatrolId,
    pub started_seq: u64,
    pub started_wall_ms: i64,
    pub mode: PatrolMode,
    pub group: GroupId,
}

/// The running patrol as its live screen shows it: the same figures in the app and on the
/// `patrol status` line, computed once here.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct LivePatrol {
    pub patrol_id: PatrolId,
    pub group: GroupId,
    pub mode: PatrolMode,
    /// The device's wall clock at the start entry.
    pub started_ms: i64,
    /// Distance so far through the city's accuracy gate, metres to 0.1 (HQ's `km` agrees).
    pub distance_m: f64,
    /// Fixes so far, sealed and buffered.
    pub fixes: usize,
    /// Of those, still in the buffer (sealed into a segment at the next flush or at stop).
    pub buffered: usize,
    /// The grid cell of the latest fix, from the cached reference grid.
    pub cell: Option<patrol_model::CellId>,
    pub last_fix: Option<patrol_model::PositionFix>,
}

/// The last started patrol that has not been stopped.
pub fn open_patrol(entries: &[Entry]) -> Result<Option<OpenPatrol>> {
    let mut open: Option<OpenPatrol> = None;
    for e in entries {
        match e.record()? {
            Record::PatrolStarted(s) => {
                open = Some(OpenPatrol {
                    patrol_id: s.patrol_id,
                    started_seq: e.seq,
                    started_wall_ms: e.wall_ms,
                    mode: s.mode,
                    group: s.group,
                })
            }
            Record::PatrolStopped(s)
                if open.as_ref().is_some_and(|o| o.patrol_id == s.patrol_id) =>
            {
                open = None
            }
            _ => {}
        }
    }
    Ok(open)
}

/// Counts for one local day.
#[derive(Debug, Clone, Default, PartialEq, Serialize, ts_rs::TS)]
pub struct DayTally {
    pub date: NaiveDate,
    /// Violations by type slug.
    pub violations: BTreeMap<ViolationType, u32>,
    pub seized_items: u32,
    /// Standing entries by kind (reports, visits, patrols).
    pub entries: BTreeMap<EntryKind, u32>,
}

/// The local day (in `tz`) an entry belongs to, by its event time.
pub fn local_day(e: &Effective, tz: Tz) -> NaiveDate {
    tz.timestamp_millis_opt(e.event_ms())
        .single()
        .map_or(NaiveDate::MIN, |t| t.date_naive())
}

/// Tallies of one local day from standing entries (withdrawn ones excluded, corrections applied).
pub fn day_tally(standing: &[Effective], tz: Tz, date: NaiveDate) -> DayTally {
    let mut t = DayTally {
        date,
        ..DayTally::default()
    };
    for e in standing
        .iter()
        .filter(|e| e.withdrawn_by.is_none() && local_day(e, tz) == date)
    {
        *t.entries.entry(e.entry.kind).or_default() += 1;
        if let Record::Violation(v) = &e.record {
            *t.violations.entry(v.violation).or_default() += 1;
            t.seized_items += v.seized_items;
        }
    }
    t
}

/// Time on one post during its duty windows of a day.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct PostDuty {
    pub post_id: PostId,
    pub name: String,
    /// Arrived and not yet left.
    pub on_post: bool,
    pub windows: Vec<patrol_geo::duty::WindowMinutes>,
    /// In a cell assigned to the running patrol's group.
    pub assigned: bool,
    /// Metres from the officer's last fix (of the running patrol, at most 10 minutes old).
    pub distance_m: Option<f64>,
}

/// Where the officer stands and what their group is assigned, to order the posts.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostContext {
    pub here: Option<patrol_model::LatLon>,
    /// Cells of the running patrol's group.
    pub assigned_cells: Vec<patrol_model::CellId>,
}

/// Visits from arrive/leave entries, paired per post in event-time order; a visit still open is
/// counted up to `now_ms`.
pub fn post_visits(standing: &[Effective], now_ms: i64) -> BTreeMap<PostId, Vec<(i64, i64)>> {
    let mut events: Vec<(&Effective, &Record)> = standing
        .iter()
        .filter(|e| e.withdrawn_by.is_none())
        .map(|e| (e, &e.record))
        .filter(|(_, r)| matches!(r, Record::PostArrived(_) | Record::PostLeft(_)))
        .collect();
    events.sort_by_key(|(e, _)| (e.event_ms(), e.entry.seq));
    let mut open: BTreeMap<PostId, i64> = BTreeMap::new();
    let mut visits: BTreeMap<PostId, Vec<(i64, i64)>> = BTreeMap::new();
    for (e, r) in events {
        match r {
            Record::PostArrived(a) => {
                open.entry(a.post_id.clone()).or_insert(e.event_ms());
            }
            Record::PostLeft(l) => {
                if let Some(start) = open.remove(&l.post_id) {
                    visits
                        .entry(l.post_id.clone())
                        .or_default()
                        .push((start, e.event_ms()));
                }
            }
            _ => {}
        }
    }
    for (post, start) in open {
        visits
            .entry(post)
            .or_default()
            .push((start, now_ms.max(start)));
    }
    visits
}

/// Minutes on each post with duty windows, for one local day, in the order an officer looks
/// for them: the post they are on, then their group's posts, then the nearest, then the city's
/// order.
pub fn post_duty(
    standing: &[Effective],
    city: &City,
    date: NaiveDate,
    now_ms: i64,
    ctx: &PostContext,
) -> Vec<PostDuty> {
    let visits = post_visits(standing, now_ms);
    let open_posts = open_post_ids(standing);
    let tz = city.tz();
    let grid =
        (!ctx.assigned_cells.is_empty()).then(|| patrol_geo::grid::GridIndex::new(&city.cells));
    let mut out: Vec<PostDuty> = city
        .posts
        .iter()
        .map(|p| {
            let v = visits.get(&p.id).map(Vec::as_slice).unwrap_or(&[]);
            PostDuty {
                post_id: p.id.clone(),
                name: p.name.clone(),
                on_post: open_posts.contains(&p.id),
                windows: patrol_geo::duty::minutes_on_post(v, &p.duty_windows, tz, date),
                assigned: grid
                    .as_ref()
                    .and_then(|g| g.cell_at(p.location))
                    .is_some_and(|c| ctx.assigned_cells.contains(c)),
                distance_m: ctx
                    .here
                    .map(|h| (patrol_geo::distance_m(h, p.location) * 10.0).round() / 10.0),
            }
        })
        .collect();
    // Stable: equal posts keep the city's order.
    out.sort_by(|a, b| {
        b.on_post
            .cmp(&a.on_post)
            .then(b.assigned.cmp(&a.assigned))
            .then(
                a.distance_m
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.distance_m.unwrap_or(f64::INFINITY)),
            )
    });
    out
}

/// Posts arrived at and not yet left.
pub fn open_post_ids(standing: &[Effective]) -> Vec<PostId> {
    let mut v: Vec<&Effective> = standing
        .iter()
        .filter(|e| e.withdrawn_by.is_none())
        .collect();
    v.sort_by_key(|e| (e.event_ms(), e.entry.seq));
    let mut open: Vec<PostId> = Vec::new();
    for e in v {
        match &e.record {
            Record::PostArrived(a) if !open.contains(&a.post_id) => open.push(a.post_id.clone()),
            Record::PostLeft(l) => open.retain(|p| p != &l.post_id),
            _ => {}
        }
    }
    open
}
