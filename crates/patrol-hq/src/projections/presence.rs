//! Patrol presence per grid cell for one local day, split into day and night hours — the
//! campaign's "白天见警察，晚上见警灯" (police seen by day, police lights by night): which cells
//! saw a patrol in daylight, which after dark, and which saw none.
//!
//! Presence is unit-minutes: the time between two consecutive fixes of a patrol's route is
//! credited to the cell of the first fix, so two units in a cell for ten minutes make twenty.
//! Routes are already split at gaps longer than [`super::ROUTE_GAP_MS`] (a gap is a gap, never
//! presence), and only time inside the asked day counts. The day hours default to 06:00–18:00
//! local time ([`DAY_HOURS`]); everything else is night.

use super::PatrolRoute;
use chrono::{TimeZone, Timelike};
use chrono_tz::Tz;
use patrol_geo::GridIndex;
use patrol_model::{CellId, GridCell, LatLon};
use serde::Serialize;
use std::collections::BTreeMap;

/// `[first, end)` local hours counted as day.
pub const DAY_HOURS: [u32; 2] = [6, 18];

/// One cell's presence.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CellPresence {
    #[schema(value_type = String)]
    pub cell_id: CellId,
    pub name: String,
    /// Unit-minutes within the day hours.
    pub day_minutes: f64,
    /// Unit-minutes outside them.
    pub night_minutes: f64,
}

/// A day's presence for every cell of the grid (cells with none included, at zero).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Presence {
    #[schema(value_type = String)]
    pub date: chrono::NaiveDate,
    pub day_hours: [u32; 2],
    pub cells: Vec<CellPresence>,
    /// Unit-minutes on routes outside every cell.
    pub outside_grid_minutes: f64,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Presence on `date` (local in `tz`, spanning `[start_ms, end_ms)`) from `routes`.
pub fn presence(
    routes: &[PatrolRoute],
    cells: &[GridCell],
    tz: Tz,
    date: chrono::NaiveDate,
    start_ms: i64,
    end_ms: i64,
) -> Presence {
    let grid = GridIndex::new(cells);
    let mut acc: BTreeMap<CellId, (f64, f64)> =
        cells.iter().map(|c| (c.id.clone(), (0.0, 0.0))).collect();
    let mut outside = 0.0;
    for seg in routes.iter().flat_map(|r| &r.segments) {
        for pair in seg.windows(2) {
            let (Some(t0), Some(t1)) = (pair[0].time_ms, pair[1].time_ms) else {
                continue;
            };
            let (a, b) = (t0.max(start_ms), t1.min(end_ms));
            if b <= a {
                continue;
            }
            let minutes = (b - a) as f64 / 60_000.0;
            let hour = tz.timestamp_millis_opt(a).single().map_or(0, |t| t.hour());
            let day = (DAY_HOURS[0]..DAY_HOURS[1]).contains(&hour);
            let at = LatLon {
                lat: pair[0].lat,
                lon: pair[0].lon,
            };
            match grid.cell_at(at).and_then(|id| acc.get_mut(id)) {
                Some(slot) if day => slot.0 += minutes,
                Some(slot) => slot.1 += minutes,
                None => outside += minutes,
            }
        }
    }
    let names: BTreeMap<&CellId, &str> = cells.iter().map(|c| (&c.id, c.name.as_str())).collect();
    Presence {
        date,
        day_hours: DAY_HOURS,
        cells: acc
            .into_iter()
            .map(|(id, (d, n))| CellPresence {
                name: names.get(&id).copied().unwrap_or_default().to_owned(),
                cell_id: id,
                day_minutes: round1(d),
                night_minutes: round1(n),
            })
            .collect(),
        outside_grid_minutes: round1(outside),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projections::PatrolSummary;
    use patrol_model::{DeviceId, GroupId, PatrolId, PatrolMode, PositionFix};

    fn square(id: &str, lat: f64, lon: f64) -> GridCell {
        let d = 0.005;
        GridCell {
            id: CellId::from(id),
            name: format!("{id} 区"),
            ring: vec![
                LatLon { lat, lon },
                LatLon { lat, lon: lon + d },
                LatLon {
                    lat: lat + d,
                    lon: lon + d,
                },
                LatLon { lat: lat + d, lon },
            ],
        }
    }

    fn route(segments: Vec<Vec<PositionFix>>) -> PatrolRoute {
        PatrolRoute {
            summary: PatrolSummary {
                patrol_id: PatrolId(uuid::Uuid::from_u128(1)),
                device_id: DeviceId(uuid::Uuid::from_u128(1)),
                group: GroupId("G1".into()),
                mode: PatrolMode::Foot,
                officers: vec![],
                volunteers: BTreeMap::new(),
                vehicle_plate: None,
                started_ms: 0,
                stopped_ms: None,
                fixes: 0,
                km: 0.0,
            },
            segments,
        }
    }

    #[test]
    fn minutes_go_to_the_cell_of_each_fix_split_by_day_and_night() {
        let tz = chrono_tz::Asia::Shanghai;
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let start = patrol_geo::duty::local_to_utc_ms(tz, date.and_hms_opt(0, 0, 0).unwrap());
        let at = |h: u32, m: u32| {
            patrol_geo::duty::local_to_utc_ms(tz, date.and_hms_opt(h, m, 0).unwrap())
        };
        let cells = [
            square("A", 29.0, 111.0),
            square("B", 29.0, 111.01),
            square("C", 29.1, 111.0),
        ];
        let routes = [
            route(vec![vec![
                // 10:00–10:20 in A, 10:20–10:30 in B (day).
                PositionFix::at(at(10, 0), 29.001, 111.001),
                PositionFix::at(at(10, 20), 29.001, 111.011),
                PositionFix::at(at(10, 30), 29.001, 111.012),
            ]]),
            route(vec![
                // 21:00–21:15 in A (night).
                vec![
                    PositionFix::at(at(21, 0), 29.002, 111.002),
                    PositionFix::at(at(21, 15), 29.002, 111.002),
                ],
                // 23:50 until 00:20 the next day: only the 10 minutes inside the day count; the
                // fix is outside every cell.
                vec![
                    PositionFix::at(at(23, 50), 28.0, 110.0),
                    PositionFix::at(at(23, 50) + 30 * 60_000, 28.0, 110.0),
                ],
            ]),
        ];
        let p = presence(&routes, &cells, tz, date, start, start + 24 * 3600 * 1000);
        let by = |id: &str| {
            p.cells
                .iter()
                .find(|c| c.cell_id.as_str() == id)
                .unwrap()
                .clone()
        };
        assert_eq!((by("A").day_minutes, by("A").night_minutes), (20.0, 15.0));
        assert_eq!((by("B").day_minutes, by("B").night_minutes), (10.0, 0.0));
        assert_eq!(
            (by("C").day_minutes, by("C").night_minutes),
            (0.0, 0.0),
            "no patrol, listed at zero"
        );
        assert_eq!(by("A").name, "A 区");
        assert_eq!(p.outside_grid_minutes, 10.0);
        assert_eq!(p.day_hours, [6, 18]);
    }
}
