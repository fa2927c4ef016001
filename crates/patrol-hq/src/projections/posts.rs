//! Post compliance: how much of each duty window every post (驻点路口) was held on a day.

use super::standing;
use crate::storage::StoredEntry;
use chrono::NaiveDate;
use patrol_geo::duty::{WindowMinutes, day_windows, minutes_on_post};
use patrol_model::{City, DeviceId, PostId, Record};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// One post's duty on one local day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostCompliance {
    pub post_id: PostId,
    pub name: String,
    /// Each duty window of the day, in the city's order, with the time the post was held.
    pub windows: Vec<WindowMinutes>,
    /// Devices whose visits cover some time of those windows, sorted.
    pub devices: Vec<DeviceId>,
}

/// One interval on post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stay {
    device: DeviceId,
    arrive_ms: i64,
    leave_ms: i64,
}

/// Every post of `city`, in the city's order, with the minutes it was held in each duty window
/// of local `date` (in the city's time zone).
///
/// Visits come from standing `post_arrived`/`post_left` entries, paired per `(device, post)` in
/// event-time order as the device's own view does: an arrival opens a visit (a second arrival
/// while open changes nothing), a departure closes it (a departure with none open is ignored).
/// A visit still open is counted up to the device's latest event time among `entries` — the
/// last moment HQ knows of — and never beyond. Visits of all devices are merged, so a post held
/// by two officers at once counts once. Pass the day's entries (a margin either side is fine)
/// and every supplement of the devices concerned.
pub fn post_compliance(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    city: &City,
    date: NaiveDate,
) -> Vec<PostCompliance> {
    let tz = city.tz();
    let stays = stays(entries, supplements);
    city.posts
        .iter()
        .map(|post| {
            let stays = stays.get(&post.id).map(Vec::as_slice).unwrap_or(&[]);
            let intervals: Vec<(i64, i64)> =
                stays.iter().map(|s| (s.arrive_ms, s.leave_ms)).collect();
            let day = day_windows(&post.duty_windows, tz, date);
            let devices: BTreeSet<DeviceId> = stays
                .iter()
                .filter(|s| {
                    day.iter()
                        .any(|w| s.arrive_ms.max(w.start_ms) < s.leave_ms.min(w.end_ms))
                })
                .map(|s| s.device)
                .collect();
            PostCompliance {
                post_id: post.id.clone(),
                name: post.name.clone(),
                windows: minutes_on_post(&intervals, &post.duty_windows, tz, date),
                devices: devices.into_iter().collect(),
            }
        })
        .collect()
}

/// Visits per post, from arrive/leave pairs per `(device, post)`.
fn stays(entries: &[StoredEntry], supplements: &[StoredEntry]) -> BTreeMap<PostId, Vec<Stay>> {
    // The last moment HQ knows of each device, from every readable entry it was given.
    let mut last_seen: BTreeMap<DeviceId, i64> = BTreeMap::new();
    for s in entries.iter().filter(|s| s.quarantine.is_none()) {
        let t = last_seen.entry(s.entry.device_id).or_insert(s.event_ms);
        *t = (*t).max(s.event_ms);
    }
    let mut open: BTreeMap<(DeviceId, PostId), i64> = BTreeMap::new();
    let mut out: BTreeMap<PostId, Vec<Stay>> = BTreeMap::new();
    for e in standing(entries, supplements) {
        match &e.record {
            Record::PostArrived(a) => {
                open.entry((e.device_id(), a.post_id.clone()))
                    .or_insert(e.event_ms());
            }
            Record::PostLeft(l) => {
                if let Some(arrive_ms) = open.remove(&(e.device_id(), l.post_id.clone())) {
                    out.entry(l.post_id.clone()).or_default().push(Stay {
                        device: e.device_id(),
                        arrive_ms,
                        leave_ms: e.event_ms(),
                    });
                }
            }
            _ => {}
        }
    }
    for ((device, post), arrive_ms) in open {
        let until = last_seen.get(&device).copied().unwrap_or(arrive_ms);
        out.entry(post).or_default().push(Stay {
            device,
            arrive_ms,
            leave_ms: until.max(arrive_ms),
        });
    }
    out
}
