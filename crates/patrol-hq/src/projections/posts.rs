//! Post compliance: how each post (驻点路口) was held in each duty window of a day — on time,
//! late, left early or missed, for how long, and by whom. The guard-tour questions: was every
//! post held, on time, for how long?

use super::standing;
use crate::storage::StoredEntry;
use chrono::NaiveDate;
use patrol_geo::duty::{WindowMinutes, day_windows, minutes_on_post};
use patrol_model::{City, DeviceId, PostId, Record, VolunteerCategory};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// An arrival this much after a window's start is late; a last departure this much before its
/// end is leaving early. Five minutes absorbs a red light on the way and GNSS jitter.
pub const GRACE_MS: i64 = 5 * 60 * 1000;

/// How one duty window went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WindowStatus {
    /// The window has not begun.
    Upcoming,
    /// The window is running (figures so far).
    InProgress,
    /// Held from within the grace of its start to within the grace of its end.
    OnTime,
    Late,
    LeftEarly,
    LateAndLeftEarly,
    /// Nobody was on post during the window.
    Missed,
}

/// One duty window of one post on one day.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WindowCompliance {
    /// The window and the time on post in it (as the device's own post-duty view says).
    #[serde(flatten)]
    #[schema(value_type = WindowMinutesSchema)]
    pub minutes: WindowMinutes,
    pub status: WindowStatus,
    /// The first moment anyone was on post in the window (an arrival before it counts from its
    /// start).
    pub first_arrival_ms: Option<i64>,
    /// The last moment anyone was on post in the window.
    pub last_on_post_ms: Option<i64>,
    /// Officers who held it (names from the check-ins' crews), sorted.
    pub officers: Vec<String>,
    /// Volunteers with them, by category, summed over the visits.
    #[schema(value_type = std::collections::HashMap<String, u32>)]
    pub volunteers: BTreeMap<VolunteerCategory, u32>,
    /// Devices whose visits cover some of the window, sorted.
    #[schema(value_type = Vec<String>)]
    pub devices: Vec<DeviceId>,
}

impl std::ops::Deref for WindowCompliance {
    type Target = WindowMinutes;
    fn deref(&self) -> &WindowMinutes {
        &self.minutes
    }
}

/// One post's duty on one local day.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PostCompliance {
    #[schema(value_type = String)]
    pub post_id: PostId,
    pub name: String,
    /// The local day.
    #[schema(value_type = String)]
    pub date: NaiveDate,
    /// Each duty window of the day, in the city's order.
    pub windows: Vec<WindowCompliance>,
    /// Devices whose visits cover some time of those windows, sorted.
    #[schema(value_type = Vec<String>)]
    pub devices: Vec<DeviceId>,
}

/// The schema of `patrol_geo::WindowMinutes` (patrol-geo knows nothing of OpenAPI).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct WindowMinutesSchema {
    window: DutyWindowSchema,
    start_ms: i64,
    end_ms: i64,
    /// Time on post within the window, exact, in ms.
    on_post_ms: i64,
    /// The same in minutes (fractional), for display.
    minutes_on_post: f64,
    /// `on_post_ms` over the window's length, in [0, 1].
    held_fraction: f64,
}

/// A duty window as the city file and the API write it: local `HH:MM` times.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct DutyWindowSchema {
    /// `HH:MM`, local.
    start: String,
    /// `HH:MM`, local, after `start`.
    end: String,
}

/// One interval on post.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stay {
    device: DeviceId,
    arrive_ms: i64,
    leave_ms: i64,
    officers: Vec<String>,
    volunteers: BTreeMap<VolunteerCategory, u32>,
}

/// Every post of `city`, in the city's order, with how each duty window of local `date` (in the
/// city's time zone) was held, as HQ knows at `now_ms`.
///
/// Visits come from standing `post_arrived`/`post_left` entries, paired per `(device, post)` in
/// event-time order as the device's own view does: an arrival opens a visit (a second arrival
/// while open changes nothing), a departure closes it (a departure with none open is ignored).
/// A visit still open is counted up to the device's latest evidence among `entries` — its last
/// entry of any kind, or the last fix inside a track segment, whichever is later — and never
/// beyond `now_ms`: a phone that went silent on post is not believed to hold it for ever. Pass
/// the day's check-ins and check-outs (with a margin before it, so a visit opened earlier is
/// followed), at least each of their devices' latest entry and latest track segment (HQ passes
/// just those, not a city's day of segments), and at least the supplements naming one of them.
/// Visits of all devices are merged,
/// so a post held by two officers at once counts once.
pub fn post_compliance(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    city: &City,
    date: NaiveDate,
    now_ms: i64,
) -> Vec<PostCompliance> {
    let tz = city.tz();
    let stays = stays(entries, supplements, now_ms);
    city.posts
        .iter()
        .map(|post| {
            let stays = stays.get(&post.id).map(Vec::as_slice).unwrap_or(&[]);
            let intervals: Vec<(i64, i64)> =
                stays.iter().map(|s| (s.arrive_ms, s.leave_ms)).collect();
            let minutes = minutes_on_post(&intervals, &post.duty_windows, tz, date);
            let windows: Vec<WindowCompliance> = day_windows(&post.duty_windows, tz, date)
                .into_iter()
                .zip(minutes)
                .map(|(w, minutes)| window(w.start_ms, w.end_ms, minutes, stays, now_ms))
                .collect();
            let devices: BTreeSet<DeviceId> = windows
                .iter()
                .flat_map(|w| w.devices.iter().copied())
                .collect();
            PostCompliance {
                post_id: post.id.clone(),
                name: post.name.clone(),
                date,
                windows,
                devices: devices.into_iter().collect(),
            }
        })
        .collect()
}

/// How one window went, from the stays at its post.
fn window(
    start_ms: i64,
    end_ms: i64,
    minutes: WindowMinutes,
    stays: &[Stay],
    now_ms: i64,
) -> WindowCompliance {
    let inside: Vec<&Stay> = stays
        .iter()
        .filter(|s| s.arrive_ms.max(start_ms) < s.leave_ms.min(end_ms))
        .collect();
    let first = inside.iter().map(|s| s.arrive_ms.max(start_ms)).min();
    let last = inside.iter().map(|s| s.leave_ms.min(end_ms)).max();
    let status = if now_ms < start_ms {
        WindowStatus::Upcoming
    } else if now_ms < end_ms {
        WindowStatus::InProgress
    } else {
        match (first, last) {
            (Some(f), Some(l)) => {
                let late = f > start_ms.saturating_add(GRACE_MS);
                let early = l < end_ms.saturating_sub(GRACE_MS);
                match (late, early) {
                    (false, false) => WindowStatus::OnTime,
                    (true, false) => WindowStatus::Late,
                    (false, true) => WindowStatus::LeftEarly,
                    (true, true) => WindowStatus::LateAndLeftEarly,
                }
            }
            _ => WindowStatus::Missed,
        }
    };
    let mut officers: BTreeSet<String> = BTreeSet::new();
    let mut volunteers: BTreeMap<VolunteerCategory, u32> = BTreeMap::new();
    let mut devices: BTreeSet<DeviceId> = BTreeSet::new();
    for s in &inside {
        officers.extend(s.officers.iter().cloned());
        for (c, n) in &s.volunteers {
            *volunteers.entry(*c).or_default() += n;
        }
        devices.insert(s.device);
    }
    WindowCompliance {
        minutes,
        status,
        first_arrival_ms: first,
        last_on_post_ms: last,
        officers: officers.into_iter().collect(),
        volunteers,
        devices: devices.into_iter().collect(),
    }
}

/// A visit not yet closed: since when, and its crew.
type OpenVisit = (i64, Vec<String>, BTreeMap<VolunteerCategory, u32>);

/// Visits per post, from arrive/leave pairs per `(device, post)`.
fn stays(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    now_ms: i64,
) -> BTreeMap<PostId, Vec<Stay>> {
    // The latest evidence of each device: its last entry (a withdrawn one too: the device was
    // alive when it wrote it), or the last fix a segment carries.
    let mut last_seen: BTreeMap<DeviceId, i64> = BTreeMap::new();
    for s in entries.iter().filter(|s| s.quarantine.is_none()) {
        let mut t = s.event_ms;
        if s.entry.kind == patrol_model::EntryKind::TrackSegment
            && let Ok(Record::TrackSegment(seg)) = s.entry.record()
            && let Some(fix) = seg.fixes.iter().filter_map(|f| f.time_ms).max()
        {
            t = t.max(fix);
        }
        let seen = last_seen.entry(s.entry.device_id).or_insert(t);
        *seen = (*seen).max(t);
    }
    let mut open: BTreeMap<(DeviceId, PostId), OpenVisit> = BTreeMap::new();
    let mut out: BTreeMap<PostId, Vec<Stay>> = BTreeMap::new();
    for e in standing(entries, supplements) {
        match &e.record {
            Record::PostArrived(a) => {
                open.entry((e.device_id(), a.post_id.clone()))
                    .or_insert_with(|| {
                        (
                            e.event_ms(),
                            a.crew.officers.clone(),
                            a.crew.volunteers.clone(),
                        )
                    });
            }
            Record::PostLeft(l) => {
                if let Some((arrive_ms, officers, volunteers)) =
                    open.remove(&(e.device_id(), l.post_id.clone()))
                {
                    out.entry(l.post_id.clone()).or_default().push(Stay {
                        device: e.device_id(),
                        arrive_ms,
                        leave_ms: e.event_ms(),
                        officers,
                        volunteers,
                    });
                }
            }
            _ => {}
        }
    }
    for ((device, post), (arrive_ms, officers, volunteers)) in open {
        let until = last_seen
            .get(&device)
            .copied()
            .unwrap_or(arrive_ms)
            .min(now_ms);
        out.entry(post).or_default().push(Stay {
            device,
            arrive_ms,
            leave_ms: until.max(arrive_ms),
            officers,
            volunteers,
        });
    }
    out
}
