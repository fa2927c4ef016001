//! Routes: how long a patrol's track is, the event-time order every projection reads fixes in,
//! and a simplified polyline for drawing the route on a map.
//!
//! Storage keeps every fix (the ledger is evidence); this module never decides what is stored.
//! [`simplify_for_display`] is for drawing only, and its output must never be written back.
//! Likewise the accuracy gate ([`within_gate`], [`patrolled_m`]) only decides which fixes a
//! distance is measured through: a fix worse than the gate stays in the ledger and in exports.

use crate::plane::LocalPlane;
use geo::{LineString, SimplifyIdx};
use patrol_model::{LatLon, PositionFix};
use std::cmp::Ordering;

/// Geodesic length in metres of the route through `fixes` **in the order given**.
///
/// The order is the caller's: a track segment decoded from the ledger is already in capture
/// order. For fixes of unknown order (merged segments, a late upload, an imported file) use
/// [`length_m_by_time`]. Fewer than two fixes have length 0.
pub fn length_m(fixes: &[PositionFix]) -> f64 {
    fixes
        .windows(2)
        .map(|w| crate::distance_m(lat_lon(&w[0]), lat_lon(&w[1])))
        .sum()
}

/// Geodesic length in metres of the route through `fixes` in event-time order (see
/// [`event_order`]): fixes without a time are left out and exact duplicates count once, so the
/// answer does not depend on the order fixes arrived in.
pub fn length_m_by_time(fixes: &[PositionFix]) -> f64 {
    length_m(&event_order(fixes))
}

/// Whether a fix is accurate enough to count in a distance (and in a geofence decision): its
/// reported horizontal accuracy is at most `gate_m` metres. A fix that reports no accuracy (a
/// GPX import, a manual fix) passes, since nothing says it is poor; a non-finite accuracy does
/// not.
pub fn within_gate(fix: &PositionFix, gate_m: f64) -> bool {
    match fix.accuracy_m {
        None => true,
        Some(a) => a.is_finite() && a <= gate_m,
    }
}

/// The distance a patrol covered, in metres: the geodesic length through the fixes in event-time
/// order (see [`event_order`]) that pass the accuracy gate ([`within_gate`]). A ±80 m fix in a
/// walk is jitter, not ground covered, so it is stepped over: the route runs straight from the
/// fix before it to the fix after. This is the one rule for a patrol's distance, on the device
/// and at HQ; `gate_m` comes from the city (`patrol_model::City::accuracy_gate_of`). Never
/// negative, never `-0.0`.
pub fn patrolled_m(fixes: &[PositionFix], gate_m: f64) -> f64 {
    patrolled_m_across(fixes, gate_m, &[])
}

/// [`patrolled_m`] with the patrol's recorded tracking gaps (`(from_ms, to_ms)`, see
/// `patrol_model::TrackGap`): no distance is counted from a fix to the next when a gap lies
/// between them, so a phone that lost its fix in one street and found it again across the city
/// adds nothing for the stretch nobody saw. Without gaps it is exactly [`patrolled_m`] (the same
/// distances, added in the same order).
pub fn patrolled_m_across(fixes: &[PositionFix], gate_m: f64, gaps: &[(i64, i64)]) -> f64 {
    let kept: Vec<PositionFix> = event_order(fixes)
        .into_iter()
        .filter(|f| within_gate(f, gate_m))
        .collect();
    let total: f64 = kept
        .windows(2)
        .filter(|w| !spans_a_gap(&w[0], &w[1], gaps))
        .map(|w| crate::distance_m(lat_lon(&w[0]), lat_lon(&w[1])))
        .sum();
    // `+ 0.0` turns an empty sum's -0.0 into 0.0, which would print as `-0` in JSON.
    total.max(0.0) + 0.0
}

/// Whether a recorded gap lies between two consecutive fixes (both timed, `a` first).
pub fn spans_a_gap(a: &PositionFix, b: &PositionFix, gaps: &[(i64, i64)]) -> bool {
    match (a.time_ms, b.time_ms) {
        (Some(ta), Some(tb)) => gap_between(ta, tb, gaps),
        _ => false,
    }
}

/// Whether a recorded gap lies within `[ta, tb]`: the interval between two fixes that
/// distances and presence must not count.
pub fn gap_between(ta: i64, tb: i64, gaps: &[(i64, i64)]) -> bool {
    gaps.iter()
        .any(|&(from, to)| ta <= from && to <= tb && from < to)
}

/// The fixes in event-time order, as every projection reads them: fixes without `time_ms` are
/// dropped, the rest sorted by time and exact duplicates (every field equal) kept once.
///
/// Fixes that share a time but differ are all kept, ordered by their remaining fields, so that
/// any permutation of the same fixes gives the very same sequence. This is what makes a
/// replayed or late upload give the same visits and lengths as the original.
pub fn event_order(fixes: &[PositionFix]) -> Vec<PositionFix> {
    // Sized for every fix up front: a filtered iterator cannot say how many it yields, and
    // growing the vector fix by fix cost HQ four allocations and copies per segment at ingest.
    let mut ordered: Vec<PositionFix> = Vec::with_capacity(fixes.len());
    ordered.extend(fixes.iter().filter(|f| f.time_ms.is_some()).copied());
    // A recorder's segment is already in strictly increasing time: nothing to sort or merge.
    if ordered.windows(2).all(|w| w[0].time_ms < w[1].time_ms) {
        return ordered;
    }
    ordered.sort_by(compare_fixes);
    ordered.dedup_by(|a, b| compare_fixes(a, b).is_eq());
    ordered
}

/// A total order over fixes: time first, then every other field (IEEE total order for floats).
fn compare_fixes(a: &PositionFix, b: &PositionFix) -> Ordering {
    fn opt(a: Option<f64>, b: Option<f64>) -> Ordering {
        match (a, b) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            _ => a.is_some().cmp(&b.is_some()),
        }
    }
    // Lazily: most pairs differ in time, and the rest is never looked at.
    a.time_ms
        .cmp(&b.time_ms)
        .then_with(|| a.lat.total_cmp(&b.lat))
        .then_with(|| a.lon.total_cmp(&b.lon))
        .then_with(|| opt(a.accuracy_m, b.accuracy_m))
        .then_with(|| opt(a.speed_mps, b.speed_mps))
        .then_with(|| opt(a.heading_deg, b.heading_deg))
        .then_with(|| opt(a.altitude_m, b.altitude_m))
        .then_with(|| a.gnss_ms.cmp(&b.gnss_ms))
}

/// A lighter polyline of the route for drawing on a map, **display only**: the ledger keeps
/// every fix and nothing simplified is ever stored or measured.
///
/// Ramer–Douglas–Peucker over the fixes in the order given: a fix is dropped when it lies within
/// `tolerance_m` metres of the simplified line. The tolerance is applied in metres on a local
/// flat projection around the route (equirectangular at the route's mean latitude; well under
/// 1 % scale error across a city). The first and last fixes are always kept, and the points
/// returned are the original coordinates of the kept fixes, never moved. A tolerance that is not
/// a positive finite number returns every fix.
pub fn simplify_for_display(fixes: &[PositionFix], tolerance_m: f64) -> Vec<LatLon> {
    let points: Vec<LatLon> = fixes.iter().map(lat_lon).collect();
    if points.len() < 3 || !tolerance_m.is_finite() || tolerance_m <= 0.0 {
        return points;
    }
    let mean_lat = points.iter().map(|p| p.lat).sum::<f64>() / points.len() as f64;
    let plane = LocalPlane::new(points[0], mean_lat);
    let line: LineString<f64> = points.iter().map(|&p| plane.project(p)).collect();
    line.simplify_idx(tolerance_m)
        .into_iter()
        .map(|i| points[i])
        .collect()
}

fn lat_lon(f: &PositionFix) -> LatLon {
    LatLon {
        lat: f.lat,
        lon: f.lon,
    }
}

#[cfg(test)]
mod tests;
