//! Position fixes. A fix is stored at a stated precision — 1e-7 degree for latitude/longitude,
//! 1 ms for times, 0.1 m for accuracy and altitude, 0.01 m/s for speed, 0.1 degree for heading —
//! and [`PositionFix::quantized`] rounds to exactly that, so what the track codec stores decodes
//! back bit for bit. Validation rejects NaN, infinities and absurd values naming the field.

use crate::{Validation, ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};

/// Fixed-point scales of the stored precision (value × scale is an integer).
pub mod scale {
    pub const DEGREE: f64 = 1e7;
    pub const METRE: f64 = 10.0;
    pub const SPEED: f64 = 100.0;
    pub const HEADING: f64 = 10.0;
}

/// Fixes worse than this are kept but flagged as poor (MOBILE.md: ~20–25 m).
pub const POOR_ACCURACY_M: f64 = 25.0;

/// One position from GNSS (or a replayed GPX file).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PositionFix {
    /// When the fix was taken, ms since the Unix epoch; `None` for imported points without time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_ms: Option<i64>,
    pub lat: f64,
    pub lon: f64,
    /// Horizontal accuracy radius in metres (68 %), when the receiver reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub speed_mps: Option<f64>,
    /// Course over ground, degrees clockwise from north, [0, 360).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub heading_deg: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude_m: Option<f64>,
    /// Satellite time of the fix when the receiver gave one (ms since epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gnss_ms: Option<i64>,
}

fn q(v: f64, s: f64) -> f64 {
    (v * s).round() / s
}

impl PositionFix {
    /// A fix with only a position and a time.
    pub fn at(time_ms: i64, lat: f64, lon: f64) -> Self {
        Self {
            time_ms: Some(time_ms),
            lat,
            lon,
            accuracy_m: None,
            speed_mps: None,
            heading_deg: None,
            altitude_m: None,
            gnss_ms: None,
        }
    }

    /// Round every field to the stored precision (see the module docs).
    pub fn quantized(self) -> Self {
        Self {
            time_ms: self.time_ms,
            lat: q(self.lat, scale::DEGREE),
            lon: q(self.lon, scale::DEGREE),
            accuracy_m: self.accuracy_m.map(|v| q(v, scale::METRE)),
            speed_mps: self.speed_mps.map(|v| q(v, scale::SPEED)),
            // 359.96° rounds to 360.0, which is north again.
            heading_deg: self.heading_deg.map(|v| q(v, scale::HEADING) % 360.0),
            altitude_m: self.altitude_m.map(|v| q(v, scale::METRE)),
            gnss_ms: self.gnss_ms,
        }
    }

    pub fn is_poor(&self) -> bool {
        self.accuracy_m.is_some_and(|a| a > POOR_ACCURACY_M)
    }

    pub fn validate(&self) -> Validation {
        validate_lat_lon(self.lat, self.lon)?;
        check_range("accuracy_m", self.accuracy_m, 0.0, 100_000.0)?;
        // 150 m/s is 540 km/h: nothing an officer rides goes faster.
        check_range("speed_mps", self.speed_mps, 0.0, 150.0)?;
        check_range("altitude_m", self.altitude_m, -500.0, 9_000.0)?;
        if let Some(h) = self.heading_deg
            && (!h.is_finite() || !(0.0..360.0).contains(&h))
        {
            return Err(ValidationError::range(
                "heading_deg",
                0,
                360,
                format!("{h} is outside [0, 360)"),
            ));
        }
        check_time("time_ms", self.time_ms)?;
        check_time("gnss_ms", self.gnss_ms)?;
        Ok(())
    }
}

/// Latitude in [-90, 90], longitude in [-180, 180], both finite.
pub fn validate_lat_lon(lat: f64, lon: f64) -> Validation {
    check_range("lat", Some(lat), -90.0, 90.0)?;
    check_range("lon", Some(lon), -180.0, 180.0)
}

fn check_range(field: &str, v: Option<f64>, lo: f64, hi: f64) -> Validation {
    match v {
        Some(x) if x.is_nan() => Err(ValidationError::new(
            field,
            ValidationCode::NotFinite,
            "is not a number (NaN)",
        )),
        Some(x) if !x.is_finite() => Err(ValidationError::new(
            field,
            ValidationCode::NotFinite,
            "is infinite",
        )),
        Some(x) if x < lo || x > hi => Err(ValidationError::range(
            field,
            lo,
            hi,
            format!("{x} is outside [{lo}, {hi}]"),
        )),
        _ => Ok(()),
    }
}

/// The times anyone believes, ms since the Unix epoch: 2000-01-01 up to 2100-01-01. Anything
/// else is a broken clock (a phone that lost its battery boots in 1970) or a unit mistake
/// (seconds instead of milliseconds).
pub const PLAUSIBLE_TIME_MS: std::ops::Range<i64> = 946_684_800_000..4_102_444_800_000;

/// Whether `ms` lies in [`PLAUSIBLE_TIME_MS`].
pub fn plausible_time(ms: i64) -> bool {
    PLAUSIBLE_TIME_MS.contains(&ms)
}

/// Times between 2000-01-01 and 2100-01-01 ([`PLAUSIBLE_TIME_MS`]).
pub fn check_time(field: &str, t: Option<i64>) -> Validation {
    match t {
        Some(ms) if !plausible_time(ms) => Err(ValidationError::new(
            field,
            ValidationCode::Time,
            format!("{ms} is not a plausible time in ms since 1970 (expected years 2000–2099)"),
        )),
        _ => Ok(()),
    }
}

/// A point with no time, for report locations.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

impl LatLon {
    pub fn validate(&self) -> Validation {
        validate_lat_lon(self.lat, self.lon)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(fix: PositionFix, expected_field: Option<&str>) {
        match (fix.validate(), expected_field) {
            (Ok(()), None) => {}
            (Err(e), Some(f)) => assert_eq!(e.field, f, "{e}"),
            (got, want) => panic!("{fix:?}: got {got:?}, wanted error on {want:?}"),
        }
    }

    #[test]
    fn validation_table() {
        let t = 1_764_400_000_000;
        let ok = PositionFix::at(t, 29.03, 111.69);
        check(ok, None);
        check(
            PositionFix {
                lat: f64::NAN,
                ..ok
            },
            Some("lat"),
        );
        check(PositionFix { lat: 90.01, ..ok }, Some("lat"));
        check(PositionFix { lat: -91.0, ..ok }, Some("lat"));
        check(PositionFix { lon: 180.5, ..ok }, Some("lon"));
        check(
            PositionFix {
                lon: f64::INFINITY,
                ..ok
            },
            Some("lon"),
        );
        check(
            PositionFix {
                accuracy_m: Some(-1.0),
                ..ok
            },
            Some("accuracy_m"),
        );
        check(
            PositionFix {
                accuracy_m: Some(f64::NAN),
                ..ok
            },
            Some("accuracy_m"),
        );
        check(
            PositionFix {
                speed_mps: Some(400.0),
                ..ok
            },
            Some("speed_mps"),
        );
        check(
            PositionFix {
                heading_deg: Some(360.0),
                ..ok
            },
            Some("heading_deg"),
        );
        check(
            PositionFix {
                altitude_m: Some(20_000.0),
                ..ok
            },
            Some("altitude_m"),
        );
        check(
            PositionFix {
                time_ms: Some(1_764_400_000),
                ..ok
            },
            Some("time_ms"),
        );
        check(
            PositionFix {
                gnss_ms: Some(-5),
                ..ok
            },
            Some("gnss_ms"),
        );
        check(
            PositionFix {
                time_ms: None,
                ..ok
            },
            None,
        );
        check(
            PositionFix {
                lat: -90.0,
                lon: -180.0,
                ..ok
            },
            None,
        );
    }

    #[test]
    fn quantization_is_idempotent() {
        let f = PositionFix {
            accuracy_m: Some(4.56),
            speed_mps: Some(1.234),
            heading_deg: Some(359.96),
            altitude_m: Some(-3.45),
            ..PositionFix::at(1_764_400_000_000, 29.031_234_567_8, 111.691_234_567_8)
        }
        .quantized();
        assert_eq!(f, f.quantized());
        assert_eq!(f.lat, 29.031_234_6);
        assert_eq!(f.heading_deg, Some(0.0));
    }
}
