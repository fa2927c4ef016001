//! Patrols: one summary per patrol session, and its route for the map and for GPX/GeoJSON export.

use super::standing;
use crate::storage::StoredEntry;
use patrol_gpx::ExportTrack;
use patrol_model::City;
use patrol_model::{
    DeviceId, GroupId, PatrolId, PatrolMode, PatrolStart, Plate, PositionFix, Record,
    VolunteerCategory,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// A route is split where no fix was taken for longer than this (10 minutes, the geofence's
/// longest trusted gap): recording was interrupted there.
pub const ROUTE_GAP_MS: i64 = 10 * 60 * 1000;

/// One patrol session, from its `patrol_started` entry.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PatrolSummary {
    #[schema(value_type = String)]
    pub patrol_id: PatrolId,
    #[schema(value_type = String)]
    pub device_id: DeviceId,
    #[schema(value_type = String)]
    pub group: GroupId,
    #[schema(value_type = String)]
    pub mode: PatrolMode,
    pub officers: Vec<String>,
    #[schema(value_type = std::collections::HashMap<String, u32>)]
    pub volunteers: BTreeMap<VolunteerCategory, u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>)]
    pub vehicle_plate: Option<Plate>,
    /// Event time of the start entry.
    pub started_ms: i64,
    /// Event time of the earliest standing stop entry; `None` while the patrol is open (as far as
    /// the entries given show).
    pub stopped_ms: Option<i64>,
    /// Fixes of the route: timed fixes of every standing track segment, duplicates once.
    pub fixes: usize,
    /// Geodesic length through those fixes in event-time order, in km (rounded to the metre,
    /// never negative nor `-0`). Fixes worse than the accuracy gate are stepped over and nothing
    /// counts across a recorded tracking gap, like the daily `km_patrolled`
    /// (`patrol_geo::track::patrolled_m_across`).
    pub km: f64,
}

/// A patrol with its route.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatrolRoute {
    #[serde(flatten)]
    pub summary: PatrolSummary,
    /// The fixes in event-time order, split where the device recorded a tracking gap or where two
    /// fixes are more than [`ROUTE_GAP_MS`] apart. Every fix is kept (simplify for display with
    /// `patrol_geo::track::simplify_for_display`, never for storage).
    pub segments: Vec<Vec<PositionFix>>,
}

/// Every patrol started among `entries`, sorted by start time (then device and patrol id).
///
/// A patrol is keyed by `(device_id, patrol_id)`: stops and track segments count only from the
/// device that started it. A withdrawn start removes the patrol (its segments count nowhere); a
/// corrected start shows the corrected mode, officers and volunteers. Segments or stops whose
/// start is not among `entries` are left out: pass the whole patrol's entries. `city` gives the
/// accuracy gate for `km` (`City::accuracy_gate_of`: the default without one).
pub fn patrols(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    city: Option<&City>,
) -> Vec<PatrolSummary> {
    collect(entries, supplements, City::accuracy_gate_of(city))
        .into_iter()
        .map(|(summary, _)| summary)
        .collect()
}

/// [`patrols`] with each patrol's route (every fix, whatever its accuracy: the route is evidence).
pub fn patrol_routes(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    city: Option<&City>,
) -> Vec<PatrolRoute> {
    collect(entries, supplements, City::accuracy_gate_of(city))
        .into_iter()
        .map(|(summary, (fixes, gaps))| PatrolRoute {
            summary,
            segments: split_at_gaps(fixes, ROUTE_GAP_MS, &gaps),
        })
        .collect()
}

/// Routes as tracks for `patrol_gpx::write_gpx` / `write_geojson`: named by group and mode,
/// described by patrol, device and officers; patrols without fixes are left out.
pub fn route_tracks(routes: &[PatrolRoute]) -> Vec<ExportTrack> {
    routes
        .iter()
        .filter(|r| r.segments.iter().any(|s| !s.is_empty()))
        .map(|r| {
            let s = &r.summary;
            let mut description = format!("patrol {} · device {}", s.patrol_id, s.device_id);
            if !s.officers.is_empty() {
                description.push_str(" · ");
                description.push_str(&s.officers.join("、"));
            }
            ExportTrack {
                name: format!("{} {}", s.group, s.mode),
                description: Some(description),
                segments: r.segments.clone(),
            }
        })
        .collect()
}

struct Acc {
    start: PatrolStart,
    started_ms: i64,
    stopped_ms: Option<i64>,
    fixes: Vec<PositionFix>,
    gaps: Vec<(i64, i64)>,
}

/// The fixes of a route in event-time order, and its recorded tracking gaps.
type Route = (Vec<PositionFix>, Vec<(i64, i64)>);

/// Summaries with their fixes in event-time order and their gaps; `km` measured through the
/// fixes within `gate_m`, across no gap.
fn collect(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    gate_m: f64,
) -> Vec<(PatrolSummary, Route)> {
    let standing = standing(entries, supplements);
    let mut acc: BTreeMap<(DeviceId, PatrolId), Acc> = BTreeMap::new();
    // Starts first, so a stop or segment ordered before its start (clock trouble) still counts.
    for e in &standing {
        if let Record::PatrolStarted(p) = &e.record {
            acc.entry((e.device_id(), p.patrol_id))
                .or_insert_with(|| Acc {
                    start: p.clone(),
                    started_ms: e.event_ms(),
                    stopped_ms: None,
                    fixes: Vec::new(),
                    gaps: Vec::new(),
                });
        }
    }
    for e in &standing {
        match &e.record {
            Record::PatrolStopped(p) => {
                if let Some(a) = acc.get_mut(&(e.device_id(), p.patrol_id)) {
                    a.stopped_ms.get_or_insert(e.event_ms());
                }
            }
            Record::TrackSegment(t) => {
                if let Some(a) = acc.get_mut(&(e.device_id(), t.patrol_id)) {
                    a.fixes.extend_from_slice(&t.fixes);
                }
            }
            Record::TrackGap(g) => {
                if let Some(a) = acc.get_mut(&(e.device_id(), g.patrol_id)) {
                    a.gaps.push(g.span());
                }
            }
            _ => {}
        }
    }
    let mut out: Vec<(PatrolSummary, Route)> = acc
        .into_iter()
        .map(|((device_id, patrol_id), a)| {
            let fixes = patrol_geo::track::event_order(&a.fixes);
            let metres = patrol_geo::track::patrolled_m_across(&fixes, gate_m, &a.gaps);
            let summary = PatrolSummary {
                patrol_id,
                device_id,
                group: a.start.group,
                mode: a.start.mode,
                officers: a.start.officers,
                volunteers: a.start.volunteers,
                vehicle_plate: a.start.vehicle_plate,
                started_ms: a.started_ms,
                stopped_ms: a.stopped_ms,
                fixes: fixes.len(),
                km: super::stats::km(metres),
            };
            (summary, (fixes, a.gaps))
        })
        .collect();
    out.sort_by_key(|(s, _)| (s.started_ms, s.device_id, s.patrol_id));
    out
}

/// Split fixes (in event-time order, all timed) where consecutive fixes are more than `gap_ms`
/// apart or a recorded gap lies between them. No fixes give no segments.
fn split_at_gaps(
    fixes: Vec<PositionFix>,
    gap_ms: i64,
    recorded: &[(i64, i64)],
) -> Vec<Vec<PositionFix>> {
    let mut segments: Vec<Vec<PositionFix>> = Vec::new();
    for f in fixes {
        match segments.last_mut() {
            Some(seg)
                if seg.last().is_some_and(|prev| {
                    f.time_ms.unwrap_or_default() - prev.time_ms.unwrap_or_default() <= gap_ms
                        && !patrol_geo::track::spans_a_gap(prev, &f, recorded)
                }) =>
            {
                seg.push(f)
            }
            _ => segments.push(vec![f]),
        }
    }
    segments
}
