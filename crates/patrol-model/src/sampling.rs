//! How often a device takes a fix, per patrol mode: one table, in the city's reference data so
//! HQ can tune it (`sampling` in the city file), with the defaults below when a city sets none.
//!
//! The battery reasoning (MOBILE.md): GNSS costs power per fix, and the screen is off for most
//! of a shift. A walking officer moves ~7 m in 5 s — finer than the accuracy a phone gives — so
//! foot patrols sample every 5 s; bicycles and e-bikes every 3 s and cars every 2 s keep a fix
//! per ~10–20 m of street; a motorcycle squad weaving through traffic needs 1 s. An officer on a
//! post, or standing still for three minutes, only has to prove they are there: one fix a minute,
//! and a heartbeat at least every minute lets the device record a gap as a gap. Every fix is kept;
//! only display thins them.

use crate::{PatrolMode, PositionFix, Validation, ValidationError};
use serde::{Deserialize, Serialize};

/// Seconds between fixes, per situation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sampling {
    pub foot_s: u32,
    pub bicycle_s: u32,
    pub e_bike_s: u32,
    pub car_s: u32,
    pub motorcycle_s: u32,
    /// Holding a post.
    pub on_post_s: u32,
    /// No patrol running (the position only shows on screen).
    pub idle_s: u32,
    /// After this long without moving, sample at `stationary_s`.
    pub stationary_after_s: u32,
    pub stationary_s: u32,
    /// A fix (or a recorded gap) at least this often, whatever happens.
    pub heartbeat_s: u32,
}

impl Default for Sampling {
    fn default() -> Self {
        Self {
            foot_s: 5,
            bicycle_s: 3,
            e_bike_s: 3,
            car_s: 2,
            motorcycle_s: 1,
            on_post_s: 60,
            idle_s: 5,
            stationary_after_s: 180,
            stationary_s: 60,
            heartbeat_s: 60,
        }
    }
}

impl Sampling {
    /// Milliseconds between fixes for a patrol in `mode` (`None`: no patrol running).
    pub fn interval_ms(&self, mode: Option<PatrolMode>) -> u64 {
        u64::from(self.interval_s(mode)) * 1000
    }

    fn interval_s(&self, mode: Option<PatrolMode>) -> u32 {
        match mode {
            None => self.idle_s,
            Some(PatrolMode::Foot) => self.foot_s,
            Some(PatrolMode::Bicycle) => self.bicycle_s,
            Some(PatrolMode::EBike) => self.e_bike_s,
            Some(PatrolMode::Car) => self.car_s,
            Some(PatrolMode::Motorcycle) => self.motorcycle_s,
        }
    }

    /// Milliseconds to wait before the next fix: no patrol → `idle_s`; holding a post →
    /// `on_post_s`; still for `stationary_after_s` → `stationary_s`; else the mode's. Never
    /// longer than the heartbeat, so a silence past it is a gap, not a pause.
    pub fn wait_ms(&self, mode: Option<PatrolMode>, on_post: bool, still_ms: u64) -> u64 {
        let still = still_ms >= u64::from(self.stationary_after_s) * 1000;
        let s = match mode {
            Some(_) if on_post => self.on_post_s,
            Some(_) if still => self.stationary_s,
            mode => self.interval_s(mode),
        };
        u64::from(s.min(self.heartbeat_s)) * 1000
    }

    pub fn validate(&self) -> Validation {
        for (field, v) in [
            ("foot_s", self.foot_s),
            ("bicycle_s", self.bicycle_s),
            ("e_bike_s", self.e_bike_s),
            ("car_s", self.car_s),
            ("motorcycle_s", self.motorcycle_s),
            ("on_post_s", self.on_post_s),
            ("idle_s", self.idle_s),
            ("stationary_s", self.stationary_s),
            ("heartbeat_s", self.heartbeat_s),
        ] {
            if !(1..=600).contains(&v) {
                return Err(ValidationError::range(
                    format!("sampling.{field}"),
                    1,
                    600,
                    format!("{v} s is outside 1–600 s"),
                ));
            }
        }
        if !(30..=3600).contains(&self.stationary_after_s) {
            return Err(ValidationError::range(
                "sampling.stationary_after_s",
                30,
                3600,
                format!("{} s is outside 30–3600 s", self.stationary_after_s),
            ));
        }
        Ok(())
    }
}

/// Within this many metres of where it stopped (or its fix's accuracy, when worse: a phone
/// standing still reports fixes scattered by its error) a device counts as not moving.
pub const STILL_RADIUS_M: f64 = 15.0;

/// How long the device has stayed in one spot, from the fixes as they come: the input to
/// [`Sampling::wait_ms`]. Pure; the position loop feeds it every fix.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Stillness {
    /// Where and when the device last stopped moving.
    anchor: Option<(f64, f64, i64)>,
}

impl Stillness {
    /// Take `fix` (at `fix.time_ms`, else `now_ms`) and say how long the device has been still.
    pub fn observe(&mut self, fix: &PositionFix, now_ms: i64) -> u64 {
        let t = fix.time_ms.unwrap_or(now_ms);
        let radius = fix.accuracy_m.unwrap_or(0.0).max(STILL_RADIUS_M);
        match self.anchor {
            Some((lat, lon, since)) if metres(lat, lon, fix.lat, fix.lon) <= radius => {
                u64::try_from(t.saturating_sub(since)).unwrap_or(0)
            }
            _ => {
                self.anchor = Some((fix.lat, fix.lon, t));
                0
            }
        }
    }
}

/// Distance on a local flat approximation: exact enough within a stop's few tens of metres.
fn metres(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    const M_PER_DEG: f64 = 111_195.0;
    let dy = (lat2 - lat1) * M_PER_DEG;
    let dx = (lon2 - lon1) * M_PER_DEG * ((lat1 + lat2) / 2.0).to_radians().cos();
    dx.hypot(dy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_by_mode() {
        let s = Sampling::default();
        for (mode, ms) in [
            (None, 5_000),
            (Some(PatrolMode::Foot), 5_000),
            (Some(PatrolMode::Bicycle), 3_000),
            (Some(PatrolMode::EBike), 3_000),
            (Some(PatrolMode::Car), 2_000),
            (Some(PatrolMode::Motorcycle), 1_000),
        ] {
            assert_eq!(s.interval_ms(mode), ms, "{mode:?}");
        }
        assert!(s.validate().is_ok());
        let bad = Sampling { car_s: 0, ..s };
        assert_eq!(bad.validate().unwrap_err().field, "sampling.car_s");
    }

    #[test]
    fn waits_by_situation_and_never_past_the_heartbeat() {
        let s = Sampling::default();
        let car = Some(PatrolMode::Car);
        assert_eq!(s.wait_ms(None, false, 0), 5_000, "no patrol: idle");
        assert_eq!(s.wait_ms(car, false, 0), 2_000, "moving: the mode's");
        assert_eq!(
            s.wait_ms(car, false, 179_999),
            2_000,
            "not yet still long enough"
        );
        assert_eq!(
            s.wait_ms(car, false, 180_000),
            60_000,
            "still for 3 minutes"
        );
        assert_eq!(
            s.wait_ms(Some(PatrolMode::Foot), true, 0),
            60_000,
            "holding a post"
        );
        let tight = Sampling {
            heartbeat_s: 30,
            ..s
        };
        assert_eq!(
            tight.wait_ms(car, false, 600_000),
            30_000,
            "capped by the heartbeat"
        );
        assert_eq!(tight.wait_ms(car, true, 0), 30_000);
        let slow_car = Sampling { car_s: 90, ..s };
        assert_eq!(
            slow_car.wait_ms(car, false, 0),
            60_000,
            "a mode's table entry too"
        );
    }

    fn fix(t: i64, lat: f64, lon: f64, accuracy: f64) -> PositionFix {
        PositionFix {
            accuracy_m: Some(accuracy),
            ..PositionFix::at(t, lat, lon)
        }
    }

    #[test]
    fn stillness_counts_from_the_stop_and_resets_on_moving() {
        let mut still = Stillness::default();
        assert_eq!(still.observe(&fix(0, 29.03, 111.69, 5.0), 0), 0);
        // 10 m away, 60 s later: still.
        assert_eq!(
            still.observe(&fix(60_000, 29.03009, 111.69, 5.0), 0),
            60_000
        );
        // A poor fix 40 m off with 50 m accuracy is noise, not movement.
        assert_eq!(
            still.observe(&fix(120_000, 29.03036, 111.69, 50.0), 0),
            120_000
        );
        // A good fix 40 m off: moving again, the count starts over there.
        assert_eq!(still.observe(&fix(130_000, 29.03036, 111.69, 4.0), 0), 0);
        assert_eq!(
            still.observe(&fix(190_000, 29.03036, 111.69, 4.0), 0),
            60_000
        );
        // No fix time: the caller's clock.
        let untimed = PositionFix {
            time_ms: None,
            ..fix(0, 29.03036, 111.69, 4.0)
        };
        assert_eq!(still.observe(&untimed, 250_000), 120_000);
    }
}
