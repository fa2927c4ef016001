//! A simulated officer for desktop demos: walks (or rides) a loop of real streets in Wuling,
//! Changde — 人民路 and 朗州路 between 皂果路 and 紫缘路, past posts P09, P10, P16 and P15 of the
//! demo city — at the speed of the running patrol's mode. Pure: the next fix is a function of
//! the distance covered so far, so it is table-tested without a clock.

use super::{FixSource, cadence};
use patrol_model::{PatrolMode, PositionFix};
use std::time::Duration;

/// The loop, as (lat, lon) corners; the last joins the first.
const LOOP: &[(f64, f64)] = &[
    (29.0240, 111.6880), // 人民路/皂果路 (P09)
    (29.0240, 111.7040), // 人民路/紫缘路 (P10)
    (29.0410, 111.7040), // 朗州路/紫缘路 (P16)
    (29.0410, 111.6880), // 朗州路/皂果路 (P15)
];

/// Metres per degree of latitude; of longitude it is this times cos(lat). Good to well under
/// 1 % across a city, which is all a simulation needs.
const M_PER_DEG: f64 = 111_320.0;

/// Typical speed in m/s of each mode on city streets.
pub fn speed_mps(mode: Option<PatrolMode>) -> f64 {
    match mode {
        None => 0.0,
        Some(PatrolMode::Foot) => 1.4,
        Some(PatrolMode::Bicycle) => 4.0,
        Some(PatrolMode::EBike) => 5.5,
        Some(PatrolMode::Car | PatrolMode::Motorcycle) => 8.0,
    }
}

/// Where the simulated officer is after `distance_m` along the loop, and the heading there.
pub fn point_at(distance_m: f64) -> (f64, f64, f64) {
    type Leg = ((f64, f64), (f64, f64), f64);
    let legs: Vec<Leg> = (0..LOOP.len())
        .map(|i| {
            let (a, b) = (LOOP[i], LOOP[(i + 1) % LOOP.len()]);
            (a, b, leg_length(a, b))
        })
        .collect();
    let total: f64 = legs.iter().map(|l| l.2).sum();
    let mut d = distance_m.rem_euclid(total);
    for (a, b, len) in legs {
        if d <= len {
            let t = d / len;
            let lat = a.0 + (b.0 - a.0) * t;
            let lon = a.1 + (b.1 - a.1) * t;
            return (lat, lon, heading(a, b));
        }
        d -= len;
    }
    (LOOP[0].0, LOOP[0].1, 90.0)
}

fn leg_length(a: (f64, f64), b: (f64, f64)) -> f64 {
    let dy = (b.0 - a.0) * M_PER_DEG;
    let dx = (b.1 - a.1) * M_PER_DEG * a.0.to_radians().cos();
    dx.hypot(dy)
}

fn heading(a: (f64, f64), b: (f64, f64)) -> f64 {
    let dy = b.0 - a.0;
    let dx = (b.1 - a.1) * a.0.to_radians().cos();
    dx.atan2(dy).to_degrees().rem_euclid(360.0)
}

/// The simulated source: standing still while no patrol runs, moving at the mode's speed
/// while one does.
#[derive(Debug, Default)]
pub struct Simulated {
    distance_m: f64,
    ticks: u64,
    /// Fixed cadence (`PATROL_FIX_INTERVAL_MS`), else the mode's.
    pub interval: Option<Duration>,
}

impl Simulated {
    /// Starting at 人民路/皂果路; `interval` fixes the cadence (else the mode's).
    pub fn new(interval: Option<Duration>) -> Self {
        Simulated {
            interval,
            ..Default::default()
        }
    }
}

impl FixSource for Simulated {
    fn next_fix(
        &mut self,
        now_ms: i64,
        mode: Option<PatrolMode>,
    ) -> Option<(PositionFix, Duration)> {
        let wait = self.interval.unwrap_or_else(|| cadence(mode));
        let speed = speed_mps(mode);
        let (lat, lon, heading) = point_at(self.distance_m);
        // A receiver's accuracy wanders a little; a deterministic wobble keeps tests exact.
        let accuracy = 4.0 + (self.ticks % 5) as f64;
        let fix = PositionFix {
            time_ms: Some(now_ms),
            lat,
            lon,
            accuracy_m: Some(accuracy),
            speed_mps: Some(speed),
            heading_deg: (speed > 0.0).then_some(heading),
            altitude_m: None,
            gnss_ms: None,
        }
        .quantized();
        self.distance_m += speed * wait.as_secs_f64();
        self.ticks += 1;
        Some((fix, wait))
    }

    fn paced_by_table(&self) -> bool {
        self.interval.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(distance_m: f64, expected: (f64, f64, f64)) {
        let (lat, lon, h) = point_at(distance_m);
        assert!(
            (lat - expected.0).abs() < 1e-6 && (lon - expected.1).abs() < 1e-6,
            "{distance_m} m: got ({lat}, {lon}), expected ({}, {})",
            expected.0,
            expected.1
        );
        assert!((h - expected.2).abs() < 0.5, "{distance_m} m: heading {h}");
    }

    #[test]
    fn the_loop_runs_round_the_block() {
        let east = leg_length(LOOP[0], LOOP[1]);
        let north = leg_length(LOOP[1], LOOP[2]);
        assert!((1_500.0..1_600.0).contains(&east), "{east}");
        assert!((1_850.0..1_950.0).contains(&north), "{north}");
        let west = leg_length(LOOP[2], LOOP[3]);
        let south = leg_length(LOOP[3], LOOP[0]);
        check(0.0, (29.024, 111.688, 90.0));
        check(east / 2.0, (29.024, 111.696, 90.0));
        check(east + north / 2.0, (29.0325, 111.704, 0.0));
        check(east + north + west / 2.0, (29.041, 111.696, 270.0));
        check(east + north + west + south / 2.0, (29.0325, 111.688, 180.0));
        check(east + north + west + south, (29.024, 111.688, 90.0));
    }

    #[test]
    fn it_stands_still_without_a_patrol_and_moves_at_the_mode_speed() {
        let t0 = 1_800_000_000_000; // 2027-01-15
        let mut s = Simulated::default();
        let (a, wait) = s.next_fix(t0, None).unwrap();
        assert_eq!(wait, Duration::from_secs(5));
        let (b, _) = s.next_fix(t0 + 5_000, None).unwrap();
        assert_eq!((a.lat, a.lon), (b.lat, b.lon));
        let (_, wait) = s.next_fix(t0 + 10_000, Some(PatrolMode::Car)).unwrap();
        assert_eq!(wait, Duration::from_secs(2));
        let (c, _) = s.next_fix(t0 + 12_000, Some(PatrolMode::Car)).unwrap();
        let moved = patrol_geo::distance_m(
            patrol_model::LatLon {
                lat: b.lat,
                lon: b.lon,
            },
            patrol_model::LatLon {
                lat: c.lat,
                lon: c.lon,
            },
        );
        assert!(
            (15.0..17.0).contains(&moved),
            "moved {moved} m in 2 s by car"
        );
        assert_eq!(c.validate(), Ok(()));
        assert_eq!(c.time_ms, Some(t0 + 12_000));
    }
}
