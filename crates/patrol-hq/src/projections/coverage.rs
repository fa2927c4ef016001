//! The "1-3-5 minute" response circles (1、3、5分钟处置圈): for every grid cell, the best
//! estimated arrival time of an available unit, in 1 / 3 / 5 / over-5 minute bands.
//!
//! **An estimate, and labelled as one.** There is no road graph yet: the estimate is the
//! straight-line (geodesic) distance from the unit's last fix to the cell's centre, times a
//! detour factor for streets that do not run straight, divided by a typical urban speed for the
//! unit's mode, plus a turn-out time to get moving. A unit counts as available while its last
//! fix is fresher than [`CoverageModel::max_fix_age_s`]: an older position says too little about
//! where the unit is now. The parameters travel with every answer so the page can say what the
//! colours mean. Defaults ([`CoverageModel::default`]):
//!
//! - detour factor 1.4: street distance over straight-line distance in dense Chinese city
//!   centres is typically 1.2–1.5; 1.4 errs on the slow side;
//! - speeds (km/h, averages including junctions and lights, not top speeds): foot 5,
//!   bicycle 12, e-bike 18, motorcycle 25, car 25 (the motorcycle squads (铁骑) are no faster
//!   than cars on average, only at peak hours, which this model does not know);
//! - turn-out 30 s (stop what one is doing, turn round, or get back in the car);
//! - available: a fix less than 5 minutes old.

use super::UnitPosition;
use patrol_model::{CellId, DeviceId, GridCell, LatLon, PatrolMode};
use serde::Serialize;

/// The model's parameters, as the page shows them.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CoverageModel {
    pub detour_factor: f64,
    /// Average speed per patrol mode (`foot`, `car`, …), km/h.
    #[schema(value_type = std::collections::HashMap<String, f64>)]
    pub speeds_kmh: std::collections::BTreeMap<String, f64>,
    pub turnout_s: f64,
    /// Units whose last fix is older are not counted as available.
    pub max_fix_age_s: f64,
    /// Upper bounds of the bands, seconds: 1, 3 and 5 minutes.
    pub bands_s: [u32; 3],
}

impl Default for CoverageModel {
    fn default() -> Self {
        let speeds = PatrolMode::ALL
            .iter()
            .map(|m| {
                let v = match m {
                    PatrolMode::Foot => 5.0,
                    PatrolMode::Bicycle => 12.0,
                    PatrolMode::EBike => 18.0,
                    PatrolMode::Motorcycle | PatrolMode::Car => 25.0,
                };
                (m.slug().to_owned(), v)
            })
            .collect();
        CoverageModel {
            detour_factor: 1.4,
            speeds_kmh: speeds,
            turnout_s: 30.0,
            max_fix_age_s: 300.0,
            bands_s: [60, 180, 300],
        }
    }
}

impl CoverageModel {
    fn speed_mps(&self, mode: PatrolMode) -> f64 {
        self.speeds_kmh.get(mode.slug()).copied().unwrap_or(5.0) / 3.6
    }

    /// Estimated seconds for a unit in `mode` at `from` to reach `to`.
    pub fn eta_s(&self, mode: PatrolMode, from: LatLon, to: LatLon) -> f64 {
        self.turnout_s
            + patrol_geo::distance_m(from, to) * self.detour_factor / self.speed_mps(mode)
    }

    /// The band of an estimate: `1`, `3`, `5` or `over5`.
    pub fn band(&self, eta_s: f64) -> &'static str {
        let [a, b, c] = self.bands_s.map(f64::from);
        if eta_s <= a {
            "1"
        } else if eta_s <= b {
            "3"
        } else if eta_s <= c {
            "5"
        } else {
            "over5"
        }
    }
}

/// The bands a cell can be in (the schema of [`CellCoverage::band`]).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub enum Band {
    #[serde(rename = "1")]
    Within1,
    #[serde(rename = "3")]
    Within3,
    #[serde(rename = "5")]
    Within5,
    #[serde(rename = "over5")]
    Over5,
    /// No unit available.
    #[serde(rename = "none")]
    None,
}

/// One cell's best estimate.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CellCoverage {
    #[schema(value_type = String)]
    pub cell_id: CellId,
    pub name: String,
    /// Where arrival is estimated to (the mean of the ring's vertices).
    pub center: LatLon,
    /// Seconds, rounded; `None` when no unit is available.
    pub eta_s: Option<u32>,
    /// `1`, `3`, `5`, `over5`, or `none` (no unit available).
    #[schema(value_type = Band)]
    pub band: String,
    /// The unit with the best estimate.
    #[schema(value_type = Option<String>)]
    pub unit: Option<DeviceId>,
}

/// The whole layer.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    pub generated_ms: i64,
    pub model: CoverageModel,
    /// Units counted as available.
    pub available_units: u32,
    pub cells: Vec<CellCoverage>,
    /// Cells no available unit reaches within 5 minutes (`over5` and `none`), slowest first.
    #[schema(value_type = Vec<String>)]
    pub outside: Vec<CellId>,
}

/// The centre used for a cell: the mean of its distinct vertices.
pub fn cell_center(cell: &GridCell) -> LatLon {
    let ring: &[LatLon] = match (cell.ring.first(), cell.ring.last()) {
        (Some(a), Some(b)) if cell.ring.len() > 1 && a == b => &cell.ring[..cell.ring.len() - 1],
        _ => &cell.ring,
    };
    let n = ring.len().max(1) as f64;
    LatLon {
        lat: ring.iter().map(|p| p.lat).sum::<f64>() / n,
        lon: ring.iter().map(|p| p.lon).sum::<f64>() / n,
    }
}

/// Coverage of `cells` by `units` under `model`, at `now_ms`.
pub fn coverage(
    cells: &[GridCell],
    units: &[UnitPosition],
    model: &CoverageModel,
    now_ms: i64,
) -> Coverage {
    let max_age_ms = (model.max_fix_age_s * 1000.0) as i64;
    let available: Vec<&UnitPosition> = units.iter().filter(|u| u.age_ms <= max_age_ms).collect();
    let mut out: Vec<CellCoverage> = cells
        .iter()
        .map(|cell| {
            let center = cell_center(cell);
            let best = available
                .iter()
                .map(|u| {
                    let from = LatLon {
                        lat: u.last_fix.lat,
                        lon: u.last_fix.lon,
                    };
                    (model.eta_s(u.mode, from, center), u.device_id)
                })
                .min_by(|a, b| a.0.total_cmp(&b.0));
            CellCoverage {
                cell_id: cell.id.clone(),
                name: cell.name.clone(),
                center,
                eta_s: best.map(|(eta, _)| eta.round().clamp(0.0, f64::from(u32::MAX)) as u32),
                band: best.map_or("none", |(eta, _)| model.band(eta)).to_owned(),
                unit: best.map(|(_, d)| d),
            }
        })
        .collect();
    out.sort_by(|a, b| a.cell_id.cmp(&b.cell_id));
    let mut outside: Vec<&CellCoverage> = out
        .iter()
        .filter(|c| c.band == "over5" || c.band == "none")
        .collect();
    outside.sort_by_key(|c| std::cmp::Reverse(c.eta_s.unwrap_or(u32::MAX)));
    Coverage {
        generated_ms: now_ms,
        model: model.clone(),
        available_units: u32::try_from(available.len()).unwrap_or(u32::MAX),
        outside: outside.iter().map(|c| c.cell_id.clone()).collect(),
        cells: out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use patrol_model::{GroupId, PatrolId, PositionFix};

    /// A square cell of about 1 km centred on (lat, lon).
    fn cell(id: &str, lat: f64, lon: f64) -> GridCell {
        let d = 0.0045;
        GridCell {
            id: CellId::from(id),
            name: id.into(),
            ring: vec![
                LatLon {
                    lat: lat - d,
                    lon: lon - d,
                },
                LatLon {
                    lat: lat - d,
                    lon: lon + d,
                },
                LatLon {
                    lat: lat + d,
                    lon: lon + d,
                },
                LatLon {
                    lat: lat + d,
                    lon: lon - d,
                },
                LatLon {
                    lat: lat - d,
                    lon: lon - d,
                },
            ],
        }
    }

    fn unit(n: u128, mode: PatrolMode, lat: f64, lon: f64, age_s: i64) -> UnitPosition {
        UnitPosition {
            device_id: DeviceId(uuid::Uuid::from_u128(n)),
            patrol_id: PatrolId(uuid::Uuid::from_u128(n)),
            group: GroupId(format!("G{n}")),
            mode,
            officers: vec![],
            vehicle_plate: None,
            started_ms: 0,
            last_fix: PositionFix::at(0, lat, lon),
            cell: None,
            seen_ms: 0,
            age_ms: age_s * 1000,
        }
    }

    #[test]
    fn the_estimate_is_turnout_plus_detoured_distance_over_speed() {
        let m = CoverageModel::default();
        let a = LatLon {
            lat: 29.03,
            lon: 111.69,
        };
        // 0.009° of latitude is about 1 km: a car at 25 km/h needs 1.4 × 1000 / 6.94 ≈ 201 s.
        let b = LatLon {
            lat: 29.039,
            lon: 111.69,
        };
        let d = patrol_geo::distance_m(a, b);
        let eta = m.eta_s(PatrolMode::Car, a, b);
        assert!((eta - (30.0 + d * 1.4 / (25.0 / 3.6))).abs() < 1e-9);
        assert!((225.0..240.0).contains(&eta), "{eta}");
        assert!(
            m.eta_s(PatrolMode::Foot, a, b) > 5.0 * eta - 200.0,
            "on foot is 5× slower"
        );
        assert_eq!(m.band(60.0), "1");
        assert_eq!(m.band(60.5), "3");
        assert_eq!(m.band(300.0), "5");
        assert_eq!(m.band(301.0), "over5");
    }

    #[test]
    fn each_cell_takes_its_best_available_unit_and_stale_units_do_not_count() {
        let cells = [
            cell("A1", 29.03, 111.69),
            cell("A2", 29.03, 111.70),
            cell("Z9", 29.20, 111.90),
        ];
        let units = [
            // In A1, on foot: 30 s turn-out only.
            unit(1, PatrolMode::Foot, 29.03, 111.69, 10),
            // A car in A2, but its fix is 10 minutes old: not available.
            unit(2, PatrolMode::Car, 29.03, 111.70, 600),
            // A car 1 km east of A2, fresh.
            unit(3, PatrolMode::Car, 29.03, 111.71, 30),
        ];
        let c = coverage(&cells, &units, &CoverageModel::default(), 99);
        assert_eq!(c.available_units, 2);
        assert_eq!(c.generated_ms, 99);
        let by = |id: &str| c.cells.iter().find(|x| x.cell_id.as_str() == id).unwrap();
        assert_eq!(by("A1").eta_s, Some(30));
        assert_eq!(by("A1").band, "1");
        assert_eq!(by("A1").unit, Some(DeviceId(uuid::Uuid::from_u128(1))));
        // A2 is ~970 m from both the walker (about 17 minutes) and the car (30 s + 196 s): the
        // car wins, in the 5-minute band.
        assert_eq!(by("A2").unit, Some(DeviceId(uuid::Uuid::from_u128(3))));
        assert_eq!(by("A2").band, "5");
        assert!((220..=230).contains(&by("A2").eta_s.unwrap()));
        // Z9 is ~25 km away: outside the circles.
        assert_eq!(by("Z9").band, "over5");
        assert_eq!(c.outside, vec![CellId::from("Z9")]);
    }

    #[test]
    fn with_no_unit_every_cell_is_none_and_outside() {
        let cells = [cell("B1", 29.0, 111.6), cell("B2", 29.1, 111.6)];
        let c = coverage(&cells, &[], &CoverageModel::default(), 0);
        assert!(
            c.cells
                .iter()
                .all(|x| x.band == "none" && x.eta_s.is_none())
        );
        assert_eq!(c.outside.len(), 2);
    }

    #[test]
    fn the_centre_ignores_the_closing_vertex() {
        let c = cell_center(&cell("C", 29.0, 111.0));
        assert!((c.lat - 29.0).abs() < 1e-12 && (c.lon - 111.0).abs() < 1e-12);
    }
}
