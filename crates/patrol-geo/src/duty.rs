//! Duty windows: how much of each window a post was held, e.g. 06:00–09:00 and 17:00–21:00 in
//! the city's local time (逢车必查 at peak hours). Windows are wall-clock times in the city's
//! IANA zone and become UTC instants per local day; visits (from [`crate::fence`]) are merged
//! first so overlapping visits, duplicates and replays are never counted twice.
//!
//! All times are ms since the Unix epoch (UTC); intervals are half-open `[start, end)`. Local
//! times that a daylight-saving change makes ambiguous take the earlier instant, and local times
//! it skips are moved forward by the length of the jump (the "compatible" rule of RFC 9557 /
//! JavaScript Temporal). Zones without DST, such as `Asia/Shanghai`, never hit either case.
//! A window that does not end after it starts is an empty interval (validate with
//! `DutyWindow::validate`). Nothing here reads the clock: callers pass `now_ms`.

use chrono::{MappedLocalTime, NaiveDate, NaiveDateTime, Offset, TimeDelta, TimeZone};
use chrono_tz::Tz;
use patrol_model::DutyWindow;
use serde::{Deserialize, Serialize};

const MS_PER_MINUTE: f64 = 60_000.0;

/// A duty window on one local day, as UTC instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowInterval {
    pub window: DutyWindow,
    pub start_ms: i64,
    pub end_ms: i64,
}

/// How much of one duty window the post was held.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct WindowMinutes {
    pub window: DutyWindow,
    pub start_ms: i64,
    pub end_ms: i64,
    /// Time on post within the window, exact, in ms.
    pub on_post_ms: i64,
    /// The same in minutes (fractional), for display.
    pub minutes_on_post: f64,
    /// `on_post_ms` over the window's length, in [0, 1]; 0 for an empty window.
    pub held_fraction: f64,
}

/// The UTC instant (ms) of a local wall-clock time in `tz` (see the module docs for DST).
pub fn local_to_utc_ms(tz: Tz, local: NaiveDateTime) -> i64 {
    match tz.from_local_datetime(&local) {
        MappedLocalTime::Single(t) | MappedLocalTime::Ambiguous(t, _) => t.timestamp_millis(),
        MappedLocalTime::None => {
            // Skipped by a jump forward: read the wall time with the offset in force before it.
            let before = tz
                .offset_from_utc_datetime(&(local - TimeDelta::days(1)))
                .fix();
            (local - TimeDelta::seconds(before.local_minus_utc().into()))
                .and_utc()
                .timestamp_millis()
        }
    }
}

/// Each window on local `day` in `tz`, in input order, as UTC instants.
pub fn day_windows(windows: &[DutyWindow], tz: Tz, day: NaiveDate) -> Vec<WindowInterval> {
    windows
        .iter()
        .map(|&window| {
            let start_ms = local_to_utc_ms(tz, day.and_time(window.start));
            let end_ms = local_to_utc_ms(tz, day.and_time(window.end)).max(start_ms);
            WindowInterval {
                window,
                start_ms,
                end_ms,
            }
        })
        .collect()
}

/// Each window on local `day` in `tz`, in input order, as `(start_ms, end_ms)` in UTC.
pub fn window_intervals(windows: &[DutyWindow], tz: Tz, day: NaiveDate) -> Vec<(i64, i64)> {
    day_windows(windows, tz, day)
        .into_iter()
        .map(|w| (w.start_ms, w.end_ms))
        .collect()
}

/// Time on post in each window on local `day`, in input order. `visits` are
/// `(arrive_ms, leave_ms)` in any order (for open visits see [`crate::fence::visit_intervals`]);
/// they are merged first, so overlaps count once. Overlapping *windows* are each counted in full.
pub fn minutes_on_post(
    visits: &[(i64, i64)],
    windows: &[DutyWindow],
    tz: Tz,
    day: NaiveDate,
) -> Vec<WindowMinutes> {
    let merged = merge_intervals(visits);
    day_windows(windows, tz, day)
        .into_iter()
        .map(|w| held(&merged, w, w.end_ms))
        .collect()
}

/// The window in force at `now_ms` (start inclusive, end exclusive), first in input order if
/// several are; `None` between windows.
pub fn current_window(windows: &[DutyWindow], tz: Tz, now_ms: i64) -> Option<WindowInterval> {
    let today = tz.timestamp_millis_opt(now_ms).single()?.date_naive();
    // Neighbouring days too: a DST jump can move a window's instants across local midnight.
    [today.pred_opt(), Some(today), today.succ_opt()]
        .into_iter()
        .flatten()
        .flat_map(|day| day_windows(windows, tz, day))
        .find(|w| w.start_ms <= now_ms && now_ms < w.end_ms)
}

/// "Minutes on post in the current window" for the device UI: time on post from the window's
/// start up to `now_ms` (visits are clipped to now; pass open visits through
/// [`crate::fence::visit_intervals`] with `now_ms`). `held_fraction` is over the whole window,
/// so it grows towards the final figure as the window runs. `None` between windows.
pub fn minutes_in_current_window(
    visits: &[(i64, i64)],
    windows: &[DutyWindow],
    tz: Tz,
    now_ms: i64,
) -> Option<WindowMinutes> {
    let window = current_window(windows, tz, now_ms)?;
    Some(held(&merge_intervals(visits), window, now_ms))
}

/// Sort intervals and merge those that overlap or touch; empty or reversed intervals are dropped.
pub fn merge_intervals(intervals: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut sorted: Vec<(i64, i64)> = intervals.iter().copied().filter(|(a, b)| a < b).collect();
    sorted.sort_unstable();
    let mut merged: Vec<(i64, i64)> = Vec::with_capacity(sorted.len());
    for (start, end) in sorted {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// Time within `window` (up to `until_ms`) covered by `merged` (sorted, disjoint) intervals.
fn held(merged: &[(i64, i64)], window: WindowInterval, until_ms: i64) -> WindowMinutes {
    let end = window.end_ms.min(until_ms);
    let on_post_ms: i64 = merged
        .iter()
        .map(|&(a, b)| (b.min(end) - a.max(window.start_ms)).max(0))
        .sum();
    let length_ms = window.end_ms - window.start_ms;
    WindowMinutes {
        window: window.window,
        start_ms: window.start_ms,
        end_ms: window.end_ms,
        on_post_ms,
        minutes_on_post: on_post_ms as f64 / MS_PER_MINUTE,
        held_fraction: if length_ms > 0 {
            on_post_ms as f64 / length_ms as f64
        } else {
            0.0
        },
    }
}

#[cfg(test)]
mod tests;
