//! How healthy the position is, for the officer's screens (always visible on Home and the live
//! patrol): the tracking state, the accuracy and the age of the last fix, and a level — amber
//! after 30 s without a fix, red after 2 minutes. Pure: the shell says where fixes come from and
//! when the last one arrived; this decides what to show.

use serde::Serialize;

/// Amber after this long without a fix.
pub const GPS_AMBER_AFTER_MS: i64 = 30_000;
/// Red after this long.
pub const GPS_RED_AFTER_MS: i64 = 120_000;
/// Fixes worse than this are shown as poor (and the level is at least amber).
pub const GPS_POOR_ACCURACY_M: f64 = crate::fix::POOR_ACCURACY_M;

/// Where fixes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ts_rs::TS)]
pub enum GpsSource {
    /// No source runs (desktop with `PATROL_POSITION_SOURCE=none`, or not started yet).
    None,
    /// The phone's GNSS through the location plugin.
    Gnss,
    /// A simulated route or a GPX replay (desktop, demos): never the officer's real position.
    Simulated,
    /// The operating system refused location access.
    PermissionMissing,
    /// The system stopped delivering fixes in the background (battery saver, app paused).
    PausedBySystem,
}

/// What the screens say about tracking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum TrackingState {
    /// A patrol runs and fixes arrive.
    Recording,
    /// No patrol: fixes arrive, ready to record.
    Ready,
    /// A source runs but no fix has arrived yet.
    WaitingForFix,
    Simulated,
    PermissionMissing,
    PausedBySystem,
    NoSource,
}

/// How worried the officer should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum GpsLevel {
    Ok,
    Amber,
    Red,
}

/// What Home and the live patrol show.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ts_rs::TS)]
pub struct GpsHealth {
    pub state: TrackingState,
    pub level: GpsLevel,
    /// The last fix's accuracy radius, metres, when it reported one.
    pub accuracy_m: Option<f64>,
    /// Since the last fix arrived (or, before any, since the source started), ms.
    pub fix_age_ms: Option<i64>,
    /// The last fix is worse than [`GPS_POOR_ACCURACY_M`].
    pub poor_accuracy: bool,
}

/// The inputs, as the shell knows them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GpsInput {
    pub source: GpsSource,
    pub patrolling: bool,
    /// When the last fix arrived (device clock), if one did since the source started.
    pub last_fix_at_ms: Option<i64>,
    pub last_accuracy_m: Option<f64>,
    /// When the source started, if one runs.
    pub source_since_ms: Option<i64>,
    pub now_ms: i64,
}

fn by_age(age_ms: i64) -> GpsLevel {
    if age_ms > GPS_RED_AFTER_MS {
        GpsLevel::Red
    } else if age_ms > GPS_AMBER_AFTER_MS {
        GpsLevel::Amber
    } else {
        GpsLevel::Ok
    }
}

impl GpsHealth {
    pub fn assess(i: GpsInput) -> GpsHealth {
        let since = i.last_fix_at_ms.or(i.source_since_ms);
        let age = since.map(|t| i.now_ms.saturating_sub(t).max(0));
        let poor = i
            .last_accuracy_m
            .is_some_and(|a| !a.is_finite() || a > GPS_POOR_ACCURACY_M);
        // Nothing can be recorded: red on patrol, amber off patrol (the next start would
        // record nothing).
        let blocked = if i.patrolling {
            GpsLevel::Red
        } else {
            GpsLevel::Amber
        };
        let (state, level) = match i.source {
            GpsSource::None => (TrackingState::NoSource, blocked),
            GpsSource::PermissionMissing => (TrackingState::PermissionMissing, blocked),
            GpsSource::PausedBySystem => (TrackingState::PausedBySystem, blocked),
            GpsSource::Simulated => (
                TrackingState::Simulated,
                age.map_or(GpsLevel::Amber, by_age),
            ),
            GpsSource::Gnss if i.last_fix_at_ms.is_none() => (
                TrackingState::WaitingForFix,
                age.map_or(GpsLevel::Amber, by_age).max(GpsLevel::Amber),
            ),
            GpsSource::Gnss => (
                if i.patrolling {
                    TrackingState::Recording
                } else {
                    TrackingState::Ready
                },
                age.map_or(GpsLevel::Amber, by_age),
            ),
        };
        let level = if poor {
            level.max(GpsLevel::Amber)
        } else {
            level
        };
        GpsHealth {
            state,
            level,
            accuracy_m: i.last_accuracy_m.filter(|a| a.is_finite()),
            fix_age_ms: age,
            poor_accuracy: poor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(
        source: GpsSource,
        patrolling: bool,
        age_s: Option<i64>,
        acc: Option<f64>,
    ) -> GpsInput {
        GpsInput {
            source,
            patrolling,
            last_fix_at_ms: age_s.map(|a| 1_000_000 - a * 1000),
            last_accuracy_m: acc,
            source_since_ms: Some(1_000_000 - 600_000),
            now_ms: 1_000_000,
        }
    }

    #[test]
    fn amber_after_30_s_without_a_fix_red_after_2_minutes() {
        let h = |age| GpsHealth::assess(input(GpsSource::Gnss, true, Some(age), Some(5.0)));
        assert_eq!(
            (h(3).state, h(3).level),
            (TrackingState::Recording, GpsLevel::Ok)
        );
        assert_eq!(h(30).level, GpsLevel::Ok);
        assert_eq!(h(31).level, GpsLevel::Amber);
        assert_eq!(h(120).level, GpsLevel::Amber);
        assert_eq!(h(121).level, GpsLevel::Red);
        assert_eq!(h(3).fix_age_ms, Some(3000));
        assert_eq!(h(3).accuracy_m, Some(5.0));
        let idle = GpsHealth::assess(input(GpsSource::Gnss, false, Some(3), Some(5.0)));
        assert_eq!(idle.state, TrackingState::Ready);
    }

    #[test]
    fn poor_accuracy_no_fix_and_no_source_are_said() {
        let poor = GpsHealth::assess(input(GpsSource::Gnss, true, Some(2), Some(80.0)));
        assert!(poor.poor_accuracy);
        assert_eq!(poor.level, GpsLevel::Amber);
        // Waiting since the source started ten minutes ago: red.
        let waiting = GpsHealth::assess(input(GpsSource::Gnss, true, None, None));
        assert_eq!(
            (waiting.state, waiting.level),
            (TrackingState::WaitingForFix, GpsLevel::Red)
        );
        assert_eq!(waiting.fix_age_ms, Some(600_000));
        for (source, state) in [
            (GpsSource::None, TrackingState::NoSource),
            (
                GpsSource::PermissionMissing,
                TrackingState::PermissionMissing,
            ),
            (GpsSource::PausedBySystem, TrackingState::PausedBySystem),
        ] {
            let on = GpsHealth::assess(input(source, true, None, None));
            let off = GpsHealth::assess(input(source, false, None, None));
            assert_eq!((on.state, on.level), (state, GpsLevel::Red));
            assert_eq!(off.level, GpsLevel::Amber);
        }
        let sim = GpsHealth::assess(input(GpsSource::Simulated, true, Some(1), None));
        assert_eq!(
            (sim.state, sim.level),
            (TrackingState::Simulated, GpsLevel::Ok)
        );
        assert_eq!(
            serde_json::to_value(sim).unwrap()["state"],
            serde_json::json!("simulated")
        );
    }
}
