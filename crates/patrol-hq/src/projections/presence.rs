//! Patrol presence per grid cell for one local day, split into day and night hours — the
//! campaign's "白天见警察，晚上见警灯" (police seen by day, police lights by night): which cells
//! saw a patrol in daylight, which after dark, and which saw none.
//!
//! Presence is unit-minutes, read from the track rollups of the day ([`super::rollup`]): each
//! interval of at most [`super::ROUTE_GAP_MS`] between two consecutive fixes of a patrol-day
//! is credited to the cell of the first fix, at its local hour, so two units in a cell for ten
//! minutes make twenty and a gap is never presence. A patrol-day belongs to the day of its
//! segments' entries. The day hours are 06:00–18:00 local time ([`DAY_HOURS`]); the rest is
//! night.

use crate::model::TrackRollup;
use patrol_model::{CellId, GridCell};
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

fn minutes(ms: i64) -> f64 {
    (ms as f64 / 6_000.0).round() / 10.0
}

/// Presence on `date` from that day's rollup rows (trusted ones, or rows rebuilt from the
/// ledger for the patrol-days that are not).
pub fn presence(rows: &[TrackRollup], cells: &[GridCell], date: chrono::NaiveDate) -> Presence {
    let mut ms: BTreeMap<&str, [i64; 2]> = cells.iter().map(|c| (c.id.as_str(), [0, 0])).collect();
    let mut outside = 0;
    for r in rows.iter().filter(|r| r.day == date) {
        for (cell, [d, n]) in &r.presence {
            match ms.get_mut(cell.as_str()) {
                Some(slot) => {
                    slot[0] += d;
                    slot[1] += n;
                }
                None => outside += d + n,
            }
        }
    }
    Presence {
        date,
        day_hours: DAY_HOURS,
        cells: cells
            .iter()
            .map(|c| {
                let [d, n] = ms.get(c.id.as_str()).copied().unwrap_or_default();
                CellPresence {
                    cell_id: c.id.clone(),
                    name: c.name.clone(),
                    day_minutes: minutes(d),
                    night_minutes: minutes(n),
                }
            })
            .collect(),
        outside_grid_minutes: minutes(outside),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::projections::rollup::{RollContext, rollups_from_ledger};
    use crate::projections::tests::{Device, at, day, patrol, segment};
    use patrol_model::{LatLon, PositionFix};

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

    fn city_of(cells: &[GridCell]) -> patrol_model::City {
        patrol_model::City {
            name: "常德".into(),
            timezone: "Asia/Shanghai".into(),
            cells: cells.to_vec(),
            posts: vec![],
            groups: vec![],
            settings: Default::default(),
        }
    }

    #[test]
    fn minutes_go_to_the_cell_of_each_fix_split_by_day_and_night_and_gaps_count_nowhere() {
        let cells = vec![
            square("A", 29.0, 111.0),
            square("B", 29.0, 111.01),
            square("C", 29.1, 111.0),
        ];
        let ctx = RollContext::of(Some(&city_of(&cells)));
        let mut d = Device::new(7);
        let p = patrol(7);
        let entries = vec![
            // 10:00–10:05 in A, 10:05–10:08 in B (day).
            d.push(
                at(10, 0),
                segment(
                    p,
                    &[
                        PositionFix::at(at(10, 0), 29.001, 111.001),
                        PositionFix::at(at(10, 5), 29.001, 111.011),
                        PositionFix::at(at(10, 8), 29.001, 111.012),
                    ],
                ),
            ),
            // 21:00–21:06 in A (night), then 40 minutes without a fix: a gap, not presence; the
            // last stretch is outside every cell.
            d.push(
                at(21, 0),
                segment(
                    p,
                    &[
                        PositionFix::at(at(21, 0), 29.002, 111.002),
                        PositionFix::at(at(21, 6), 28.0, 110.0),
                        PositionFix::at(at(21, 46), 28.0, 110.0),
                        PositionFix::at(at(21, 50), 28.0, 110.0),
                    ],
                ),
            ),
        ];
        let rows = rollups_from_ledger(&entries, &[], &ctx);
        let p = presence(&rows, &cells, day());
        let by = |id: &str| {
            p.cells
                .iter()
                .find(|c| c.cell_id.as_str() == id)
                .unwrap()
                .clone()
        };
        assert_eq!((by("A").day_minutes, by("A").night_minutes), (5.0, 6.0));
        assert_eq!((by("B").day_minutes, by("B").night_minutes), (3.0, 0.0));
        assert_eq!(
            (by("C").day_minutes, by("C").night_minutes),
            (0.0, 0.0),
            "no patrol, listed at zero"
        );
        assert_eq!(by("A").name, "A 区");
        assert_eq!(p.outside_grid_minutes, 4.0);
        assert_eq!(p.day_hours, [6, 18]);
    }

    /// A silence shorter than the route-gap threshold is presence, unless the phone recorded a
    /// tracking gap in it: then nobody was seen there, whatever the clock says.
    #[test]
    fn a_recorded_gap_is_no_presence_even_when_short() {
        let cells = vec![square("A", 29.0, 111.0)];
        let ctx = RollContext::of(Some(&city_of(&cells)));
        let p = patrol(7);
        let fixes = [
            PositionFix::at(at(10, 0), 29.001, 111.001),
            PositionFix::at(at(10, 2), 29.001, 111.001),
            // Three minutes without a fix, well under the threshold.
            PositionFix::at(at(10, 5), 29.001, 111.002),
            PositionFix::at(at(10, 6), 29.001, 111.002),
        ];
        let mut plain = Device::new(7);
        let without = vec![plain.push(at(10, 0), segment(p, &fixes))];
        let rows = rollups_from_ledger(&without, &[], &ctx);
        assert_eq!(presence(&rows, &cells, day()).cells[0].day_minutes, 6.0);

        let mut d = Device::new(8);
        let with = vec![
            d.push(at(10, 0), segment(p, &fixes)),
            d.push(
                at(10, 5),
                patrol_model::Record::TrackGap(patrol_model::TrackGap {
                    patrol_id: p,
                    from_ms: at(10, 2) + 30_000,
                    to_ms: at(10, 4) + 30_000,
                    cause: patrol_model::GapCause::AppPaused,
                }),
            ),
        ];
        let rows = rollups_from_ledger(&with, &[], &ctx);
        let cell = &presence(&rows, &cells, day()).cells[0];
        assert_eq!(cell.day_minutes, 3.0, "10:00–10:02 and 10:05–10:06 only");
    }
}
