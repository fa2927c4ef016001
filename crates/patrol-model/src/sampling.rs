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

use crate::{PatrolMode, Validation, ValidationError};
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
        let s = match mode {
            None => self.idle_s,
            Some(PatrolMode::Foot) => self.foot_s,
            Some(PatrolMode::Bicycle) => self.bicycle_s,
            Some(PatrolMode::EBike) => self.e_bike_s,
            Some(PatrolMode::Car) => self.car_s,
            Some(PatrolMode::Motorcycle) => self.motorcycle_s,
        };
        u64::from(s) * 1000
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
}
