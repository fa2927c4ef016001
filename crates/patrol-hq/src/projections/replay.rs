//! One patrol's route for replay on the command-centre page: every timed fix as
//! `[t_ms, lat, lon]`, split where the route has gaps, the stops along it (where the unit stayed
//! within [`STOP_RADIUS_M`] for at least [`STOP_MIN_MS`]) and the totals.

use super::{PatrolRoute, PatrolSummary};
use patrol_model::{LatLon, PositionFix};
use serde::Serialize;

/// A stop: the unit stayed within this many metres of where it stopped…
pub const STOP_RADIUS_M: f64 = 30.0;
/// …for at least this long.
pub const STOP_MIN_MS: i64 = 2 * 60 * 1000;

/// Where and how long a unit stood still.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Stop {
    pub from_ms: i64,
    pub to_ms: i64,
    pub lat: f64,
    pub lon: f64,
}

/// `GET /api/v1/patrols/{patrol_id}/track`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PatrolTrack {
    pub summary: PatrolSummary,
    /// Every timed fix, `[t_ms, lat, lon]`, in event-time order.
    #[schema(value_type = Vec<(i64, f64, f64)>)]
    pub points: Vec<(i64, f64, f64)>,
    /// The same fixes split at gaps (draw each as its own line: a gap is never a straight line).
    #[schema(value_type = Vec<Vec<(i64, f64, f64)>>)]
    pub segments: Vec<Vec<(i64, f64, f64)>>,
    pub stops: Vec<Stop>,
    /// Kilometres patrolled (through the city's accuracy gate, as the daily figures count them).
    pub distance_km: f64,
    /// Seconds on the route outside stops and gaps.
    pub moving_s: i64,
}

fn here(f: &PositionFix) -> LatLon {
    LatLon {
        lat: f.lat,
        lon: f.lon,
    }
}

/// Stops along one gap-free run of timed fixes.
pub fn stops(fixes: &[PositionFix]) -> Vec<Stop> {
    let timed: Vec<(i64, &PositionFix)> = fixes
        .iter()
        .filter_map(|f| f.time_ms.map(|t| (t, f)))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < timed.len() {
        let anchor = here(timed[i].1);
        let mut j = i;
        while j + 1 < timed.len()
            && patrol_geo::distance_m(anchor, here(timed[j + 1].1)) <= STOP_RADIUS_M
        {
            j += 1;
        }
        if timed[j].0 - timed[i].0 >= STOP_MIN_MS {
            out.push(Stop {
                from_ms: timed[i].0,
                to_ms: timed[j].0,
                lat: anchor.lat,
                lon: anchor.lon,
            });
            i = j + 1;
        } else {
            i += 1;
        }
    }
    out
}

/// The replay of `route`.
pub fn track(route: &PatrolRoute) -> PatrolTrack {
    let segments: Vec<Vec<(i64, f64, f64)>> = route
        .segments
        .iter()
        .map(|s| {
            s.iter()
                .filter_map(|f| f.time_ms.map(|t| (t, f.lat, f.lon)))
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .collect();
    let stops: Vec<Stop> = route.segments.iter().flat_map(|s| stops(s)).collect();
    let on_route: i64 = segments
        .iter()
        .map(|s| s.last().map_or(0, |l| l.0) - s.first().map_or(0, |f| f.0))
        .sum();
    let stopped: i64 = stops.iter().map(|s| s.to_ms - s.from_ms).sum();
    PatrolTrack {
        summary: route.summary.clone(),
        points: segments.iter().flatten().copied().collect(),
        distance_km: route.summary.km,
        moving_s: (on_route - stopped).max(0) / 1000,
        stops,
        segments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_pause_is_a_stop_and_a_short_one_is_not() {
        let m = 60_000;
        // Walking north ~11 m a minute apart would not count: these steps are ~111 m.
        let mut fixes = vec![
            PositionFix::at(0, 29.000, 111.0),
            PositionFix::at(m, 29.001, 111.0),
        ];
        // Standing at 29.001 for 3 minutes (small jitter).
        fixes.push(PositionFix::at(2 * m, 29.00101, 111.0));
        fixes.push(PositionFix::at(3 * m, 29.00099, 111.0));
        fixes.push(PositionFix::at(4 * m, 29.001, 111.00001));
        // Moving on, then a 1-minute pause (not a stop).
        fixes.push(PositionFix::at(5 * m, 29.002, 111.0));
        fixes.push(PositionFix::at(6 * m, 29.002, 111.0));
        fixes.push(PositionFix::at(7 * m, 29.003, 111.0));
        let s = stops(&fixes);
        assert_eq!(s.len(), 1, "{s:?}");
        assert_eq!((s[0].from_ms, s[0].to_ms), (m, 4 * m));
    }

    #[test]
    fn moving_time_leaves_out_stops_and_gaps() {
        let m = 60_000;
        let route = PatrolRoute {
            summary: PatrolSummary {
                patrol_id: patrol_model::PatrolId(uuid::Uuid::from_u128(1)),
                device_id: patrol_model::DeviceId(uuid::Uuid::from_u128(1)),
                group: patrol_model::GroupId("G1".into()),
                mode: patrol_model::PatrolMode::Foot,
                officers: vec![],
                volunteers: Default::default(),
                vehicle_plate: None,
                started_ms: 0,
                stopped_ms: None,
                fixes: 6,
                km: 0.3,
            },
            segments: vec![
                vec![
                    PositionFix::at(0, 29.000, 111.0),
                    PositionFix::at(m, 29.001, 111.0),
                    PositionFix::at(4 * m, 29.001, 111.0),
                ],
                // After a gap (the route was split there).
                vec![
                    PositionFix::at(30 * m, 29.01, 111.0),
                    PositionFix::at(32 * m, 29.012, 111.0),
                ],
            ],
        };
        let t = track(&route);
        assert_eq!(t.points.len(), 5);
        assert_eq!(t.segments.len(), 2);
        assert_eq!(t.stops.len(), 1);
        // 4 + 2 minutes on the route, 3 of them stopped.
        assert_eq!(t.moving_s, 3 * 60);
        assert_eq!(t.distance_km, 0.3);
    }
}
