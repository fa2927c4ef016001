//! Where units are now: the last known fix of each open patrol, for the command centre's map.

use super::standing;
use crate::storage::StoredEntry;
use patrol_model::{CellId, DeviceId, GroupId, PatrolId, PatrolMode, PositionFix, Record};
use serde::Serialize;
use std::collections::BTreeMap;

/// One unit on the map.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitPosition {
    pub device_id: DeviceId,
    pub patrol_id: PatrolId,
    pub group: GroupId,
    pub mode: PatrolMode,
    /// The last fix the device recorded on this patrol (the last fix of its latest segment).
    pub last_fix: PositionFix,
    /// Grid cell stamped on the segment entry that carried the fix.
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
