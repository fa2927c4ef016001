//! Reference data a city's HQ hands to every device: the patrol grid (巡区网格), posts (驻点路口)
//! with their duty windows, and patrol groups. The same types are the JSON of
//! `patrol-hq city import` and of the incremental download, so both sides read one format.

use crate::{
    CellId, GroupId, LatLon, PostId, Validation, ValidationCode, ValidationError, validate_code,
};
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

/// Fixes whose horizontal accuracy is worse than this (metres) are kept in the ledger and in
/// exports but left out of distance and geofence decisions, when the city sets no gate of its
/// own: at ±50 m a walking officer's jitter already outweighs the steps taken.
pub const DEFAULT_ACCURACY_GATE_M: f64 = 50.0;

/// A whole city's reference data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct City {
    pub name: String,
    /// IANA time zone of the city's local day, e.g. `Asia/Shanghai`.
    pub timezone: String,
    #[serde(default)]
    pub cells: Vec<GridCell>,
    #[serde(default)]
    pub posts: Vec<Post>,
    #[serde(default)]
    pub groups: Vec<PatrolGroup>,
    /// City-wide settings (campaign start, accuracy gate), written flat into the city file.
    #[serde(flatten)]
    pub settings: CitySettings,
}

/// What a city tunes for all its devices and its own figures. Every field is optional: a city
/// file without them means the defaults.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CitySettings {
    /// The day the campaign began (8月26日): HQ's totals "since day one" count from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign_start: Option<NaiveDate>,
    /// Fixes with a worse horizontal accuracy (metres) are kept but left out of distance and
    /// geofence decisions; [`DEFAULT_ACCURACY_GATE_M`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accuracy_gate_m: Option<f64>,
    /// Seconds between fixes per patrol mode ([`crate::Sampling`]); the defaults when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sampling: Option<crate::Sampling>,
}

impl CitySettings {
    pub fn is_default(&self) -> bool {
        *self == CitySettings::default()
    }

    pub fn validate(&self) -> Validation {
        if let Some(s) = &self.sampling {
            s.validate()?;
        }
        if let Some(g) = self.accuracy_gate_m
            && !(g.is_finite() && (5.0..=500.0).contains(&g))
        {
            return Err(ValidationError::range(
                "accuracy_gate_m",
                5,
                500,
                format!("{g} is outside [5, 500] metres"),
            ));
        }
        if let Some(d) = self.campaign_start
            && !(NaiveDate::from_ymd_opt(2000, 1, 1)..=NaiveDate::from_ymd_opt(2099, 12, 31))
                .contains(&Some(d))
        {
            return Err(ValidationError::range(
                "campaign_start",
                "2000-01-01",
                "2099-12-31",
                format!("{d} is outside 2000-01-01 … 2099-12-31"),
            ));
        }
        Ok(())
    }
}

/// One patrol grid cell: an id and a closed polygon ring of (lat, lon) vertices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct GridCell {
    pub id: CellId,
    #[serde(default)]
    pub name: String,
    /// Outer ring, at least 3 distinct vertices; closing the ring is optional.
    pub ring: Vec<LatLon>,
}

/// A post (checkpoint, intersection) held during its duty windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Post {
    pub id: PostId,
    pub name: String,
    pub location: LatLon,
    /// Geofence radius in metres.
    pub radius_m: f64,
    /// Local-time windows when the post must be held, e.g. 06:00–09:00 and 17:00–21:00.
    #[serde(default)]
    pub duty_windows: Vec<DutyWindow>,
}

/// A daily window in the city's local time; `end` after `start` (no windows across midnight:
/// split them in two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct DutyWindow {
    #[serde(with = "hhmm")]
    #[ts(type = "string")]
    pub start: NaiveTime,
    #[serde(with = "hhmm")]
    #[ts(type = "string")]
    pub end: NaiveTime,
}

/// A patrol group (巡逻小组).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PatrolGroup {
    pub id: GroupId,
    pub name: String,
    /// `foot`, `car`, … as planned; the officer still chooses the mode at start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<crate::PatrolMode>,
    /// Cells this group is assigned to.
    #[serde(default)]
    pub cells: Vec<CellId>,
}

mod hhmm {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.format("%H:%M").to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let s = String::deserialize(d)?;
        NaiveTime::parse_from_str(&s, "%H:%M")
            .map_err(|_| serde::de::Error::custom(format!("`{s}` is not a time of day as HH:MM")))
    }
}

impl DutyWindow {
    pub fn new(start: NaiveTime, end: NaiveTime) -> Self {
        Self { start, end }
    }

    pub fn validate(&self) -> Validation {
        if self.end <= self.start {
            return Err(ValidationError::new(
                "duty_windows",
                ValidationCode::Order,
                format!(
                    "window {}–{} ends before it starts (split windows across midnight in two)",
                    self.start.format("%H:%M"),
                    self.end.format("%H:%M")
                ),
            ));
        }
        Ok(())
    }
}

impl City {
    /// The city's IANA time zone (Asia/Shanghai if the name does not parse; `validate` refuses
    /// such a city).
    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
    }

    /// The accuracy gate for fixes of this city, in metres: its own setting, else
    /// [`DEFAULT_ACCURACY_GATE_M`].
    pub fn accuracy_gate_m(&self) -> f64 {
        self.settings
            .accuracy_gate_m
            .unwrap_or(DEFAULT_ACCURACY_GATE_M)
    }

    /// The sampling table of this city (its own, else the defaults).
    pub fn sampling(&self) -> crate::Sampling {
        self.settings.sampling.unwrap_or_default()
    }

    /// The gate for `city`, or the default when the device or HQ has no reference data.
    pub fn accuracy_gate_of(city: Option<&City>) -> f64 {
        city.map_or(DEFAULT_ACCURACY_GATE_M, City::accuracy_gate_m)
    }

    /// Check the whole city, naming the first offending item.
    pub fn validate(&self) -> Validation {
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            return Err(ValidationError::new(
                "timezone",
                ValidationCode::Timezone,
                format!(
                    "`{}` is not an IANA time zone (e.g. Asia/Shanghai)",
                    self.timezone
                ),
            )
            .with("value", &self.timezone));
        }
        if self.name.trim().is_empty() {
            return Err(ValidationError::new(
                "name",
                ValidationCode::Required,
                "must not be empty",
            ));
        }
        self.settings.validate()?;
        let mut seen = std::collections::HashSet::new();
        for (i, c) in self.cells.iter().enumerate() {
            let at = format!("cells[{i}]");
            validate_code("id", c.id.as_str()).map_err(|e| e.within(&at))?;
            if !seen.insert(("cell", c.id.0.clone())) {
                return Err(ValidationError::new(
                    format!("{at}.id"),
                    ValidationCode::Duplicate,
                    format!("`{}` appears twice", c.id),
                )
                .with("value", &c.id));
            }
            if c.ring.len() < 3 {
                return Err(ValidationError::new(
                    format!("{at}.ring"),
                    ValidationCode::TooFew,
                    "needs at least 3 vertices",
                )
                .with("min", 3));
            }
            for (j, p) in c.ring.iter().enumerate() {
                p.validate()
                    .map_err(|e| e.within(&format!("{at}.ring[{j}]")))?;
            }
        }
        for (i, p) in self.posts.iter().enumerate() {
            let at = format!("posts[{i}]");
            validate_code("id", p.id.as_str()).map_err(|e| e.within(&at))?;
            if !seen.insert(("post", p.id.0.clone())) {
                return Err(ValidationError::new(
                    format!("{at}.id"),
                    ValidationCode::Duplicate,
                    format!("`{}` appears twice", p.id),
                )
                .with("value", &p.id));
            }
            p.location
                .validate()
                .map_err(|e| e.within(&format!("{at}.location")))?;
            if !(p.radius_m.is_finite() && (5.0..=2_000.0).contains(&p.radius_m)) {
                return Err(ValidationError::range(
                    format!("{at}.radius_m"),
                    5,
                    2000,
                    format!("{} is outside [5, 2000] metres", p.radius_m),
                ));
            }
            for w in &p.duty_windows {
                w.validate().map_err(|e| e.within(&at))?;
            }
        }
        for (i, g) in self.groups.iter().enumerate() {
            let at = format!("groups[{i}]");
            validate_code("id", g.id.as_str()).map_err(|e| e.within(&at))?;
            if !seen.insert(("group", g.id.0.clone())) {
                return Err(ValidationError::new(
                    format!("{at}.id"),
                    ValidationCode::Duplicate,
                    format!("`{}` appears twice", g.id),
                )
                .with("value", &g.id));
            }
        }
        Ok(())
    }
}
