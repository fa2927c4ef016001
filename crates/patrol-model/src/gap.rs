//! A tracking gap (轨迹中断): a stretch of a running patrol with no fixes, and why. The device
//! records it when the first fix after the silence arrives, so HQ sees a gap as a gap — the
//! route is broken there and no distance is counted across it — never as a straight line
//! across the city. Slugs are an interface: never rename one.

use crate::record::slug_enum;
use crate::{PatrolId, Validation, ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};

slug_enum!(
    /// Why no fixes arrived, as far as the device could tell: the receiver gave none (`no-fix`:
    /// indoors, a tunnel), the system paused the app or its location service, location
    /// permission was taken away, a battery saver stopped location, or the device or the app
    /// restarted mid-patrol.
    GapCause {
        NoFix = "no-fix",
        AppPaused = "app-paused",
        PermissionRevoked = "permission-revoked",
        BatterySaver = "battery-saver",
        DeviceRestarted = "device-restarted",
    }
);

/// No fixes between `from_ms` (the last fix before) and `to_ms` (the first fix after).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TrackGap {
    pub patrol_id: PatrolId,
    pub from_ms: i64,
    pub to_ms: i64,
    pub cause: GapCause,
}

impl TrackGap {
    pub fn validate(&self) -> Validation {
        if self.to_ms <= self.from_ms {
            return Err(ValidationError::new(
                "to_ms",
                ValidationCode::Order,
                "must be after from_ms (a gap has a length)",
            ));
        }
        Ok(())
    }

    /// `(from_ms, to_ms)`, as distances and routes take gaps.
    pub fn span(&self) -> (i64, i64) {
        (self.from_ms, self.to_ms)
    }
}

/// How long a running patrol may go without a fix before the silence is a gap: twice the
/// heartbeat every source keeps (a fix at least every `heartbeat_s`, standing still included).
pub fn gap_after_ms(sampling: &crate::Sampling) -> i64 {
    i64::from(sampling.heartbeat_s) * 2_000
}
