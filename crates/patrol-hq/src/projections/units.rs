//! Where units are now: the last known fix of each open patrol, for the command centre's map.

use super::standing;
use crate::storage::StoredEntry;
use patrol_model::{CellId, DeviceId, GroupId, PatrolId, PatrolMode, PositionFix, Record};
use serde::Serialize;
use std::collections::BTreeMap;

/// One unit on the map.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct UnitPosition {
    #[schema(value_type = String)]
    pub device_id: DeviceId,
    #[schema(value_type = String)]
    pub patrol_id: PatrolId,
    #[schema(value_type = String)]
    pub group: GroupId,
    /// `foot`, `car`, `motorcycle`, `e-bike`, `bicycle`.
    #[schema(value_type = String)]
    pub mode: PatrolMode,
    /// Who is on it (as the start, or its latest correction, names them).
    pub officers: Vec<String>,
    /// The vehicle's plate, for a patrol in a vehicle.
    #[schema(value_type = Option<String>)]
    pub vehicle_plate: Option<patrol_model::Plate>,
    /// When the patrol started (HQ's estimate).
    pub started_ms: i64,
    /// The last fix the device recorded on this patrol (the last fix of its latest segment).
    pub last_fix: PositionFix,
    /// Grid cell stamped on the segment entry that carried the fix.
    #[schema(value_type = Option<String>)]
    pub cell: Option<CellId>,
    /// Event time of that segment entry (HQ's estimate, skew-corrected).
    pub seen_ms: i64,
    /// `now_ms - seen_ms`, never negative: how stale the position is.
    pub age_ms: i64,
}

struct Open {
    patrol_id: PatrolId,
    group: GroupId,
    mode: PatrolMode,
    officers: Vec<String>,
    vehicle_plate: Option<patrol_model::Plate>,
    started_ms: i64,
    last: Option<(PositionFix, Option<CellId>, i64)>,
}

/// The open patrol of each device and its last fix, sorted by group then device.
///
/// Read per device in ledger (`seq`) order, which is capture order whatever the clocks say, as
/// the device itself does: a start opens a patrol (replacing one never stopped), its stop
/// closes it, and the latest segment of the open patrol gives the position. Supplements among
/// `entries` apply (a withdrawn stop leaves the patrol open). Open patrols with no fix yet are
/// left out. Pass each device's entries since its latest start (e.g. the last day's).
pub fn unit_positions(entries: &[StoredEntry], now_ms: i64) -> Vec<UnitPosition> {
    let mut standing = standing(entries, &[]);
    standing.sort_by_key(|e| (e.device_id(), e.seq()));
    let mut open: BTreeMap<DeviceId, Open> = BTreeMap::new();
    for e in &standing {
        let device = e.device_id();
        match &e.record {
            Record::PatrolStarted(p) => {
                open.insert(
                    device,
                    Open {
                        patrol_id: p.patrol_id,
                        group: p.group.clone(),
                        mode: p.mode,
                        officers: p.officers.clone(),
                        vehicle_plate: p.vehicle_plate.clone(),
                        started_ms: e.event_ms(),
                        last: None,
                    },
                );
            }
            Record::PatrolStopped(p)
                if open
                    .get(&device)
                    .is_some_and(|o| o.patrol_id == p.patrol_id) =>
            {
                open.remove(&device);
            }
            Record::TrackSegment(t) => {
                if let Some(o) = open.get_mut(&device).filter(|o| o.patrol_id == t.patrol_id)
                    && let Some(fix) = t.fixes.last()
                {
                    o.last = Some((*fix, e.stored.entry.cell.clone(), e.event_ms()));
                }
            }
            _ => {}
        }
    }
    let mut out: Vec<UnitPosition> = open
        .into_iter()
        .filter_map(|(device_id, o)| {
            let (last_fix, cell, seen_ms) = o.last?;
            Some(UnitPosition {
                device_id,
                patrol_id: o.patrol_id,
                group: o.group,
                mode: o.mode,
                officers: o.officers,
                vehicle_plate: o.vehicle_plate,
                started_ms: o.started_ms,
                last_fix,
                cell,
                seen_ms,
                age_ms: now_ms.saturating_sub(seen_ms).max(0),
            })
        })
        .collect();
    out.sort_by(|a, b| (&a.group, a.device_id).cmp(&(&b.group, b.device_id)));
    out
}
