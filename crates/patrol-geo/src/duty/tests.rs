use super::*;
use crate::fence::{Visit, visit_intervals};
use chrono::{NaiveTime, Timelike};

const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 11, 29).unwrap()
}

fn window(start: &str, end: &str) -> DutyWindow {
    let t = |s: &str| NaiveTime::parse_from_str(s, "%H:%M").unwrap();
    DutyWindow::new(t(start), t(end))
}

/// The story's post duty: 06:00–09:00 and 17:00–21:00.
fn peak_hours() -> Vec<DutyWindow> {
    vec![window("06:00", "09:00"), window("17:00", "21:00")]
}

/// Minutes after local midnight of `day()` as "HH:MM" (subtract 1440 to reach the day before).
fn hm(s: &str) -> i64 {
    let t = NaiveTime::parse_from_str(s, "%H:%M").unwrap();
    i64::from(t.hour() * 60 + t.minute())
}

/// UTC ms of `minutes` after local midnight in Shanghai (UTC+8, no DST), computed without the
/// code under test.
fn shanghai_ms(minutes: i64) -> i64 {
    day()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis()
        - 8 * 3_600_000
        + minutes * 60_000
}

fn check(visits: &[(i64, i64)], expected_minutes: &[f64]) {
    let intervals: Vec<(i64, i64)> = visits
        .iter()
        .map(|&(a, b)| (shanghai_ms(a), shanghai_ms(b)))
        .collect();
    let got: Vec<f64> = minutes_on_post(&intervals, &peak_hours(), SHANGHAI, day())
        .iter()
        .map(|w| w.minutes_on_post)
        .collect();
    assert_eq!(got, expected_minutes, "visits {visits:?}");
}

#[test]
fn minutes_on_post_table() {
    check(&[], &[0.0, 0.0]);
    // The brief's example: 05:30–07:15 holds 75 minutes of 06:00–09:00.
    check(&[(hm("05:30"), hm("07:15"))], &[75.0, 0.0]);
    check(&[(hm("06:00"), hm("09:00"))], &[180.0, 0.0]);
    check(&[(hm("09:00"), hm("17:00"))], &[0.0, 0.0]);
    // One visit spanning both windows.
    check(&[(hm("08:00"), hm("18:00"))], &[60.0, 60.0]);
    // Overlapping, nested and duplicated visits count once.
    check(
        &[(hm("06:10"), hm("06:40")), (hm("06:30"), hm("07:00"))],
        &[50.0, 0.0],
    );
    check(
        &[(hm("06:00"), hm("08:00")), (hm("06:30"), hm("07:00"))],
        &[120.0, 0.0],
    );
    check(
        &[(hm("17:00"), hm("17:30")), (hm("17:00"), hm("17:30"))],
        &[0.0, 30.0],
    );
    // Order does not matter; reversed or empty visits are ignored.
    check(
        &[
            (hm("20:00"), hm("22:00")),
            (hm("06:00"), hm("06:15")),
            (hm("07:00"), hm("06:00")),
        ],
        &[15.0, 60.0],
    );
    // A night visit from the day before reaching into the morning window.
    check(&[(hm("23:00") - 1440, hm("06:30"))], &[30.0, 0.0]);
    // Seconds are kept, not rounded.
    let intervals = [(shanghai_ms(hm("06:00")), shanghai_ms(hm("06:00")) + 90_500)];
    let w = minutes_on_post(&intervals, &peak_hours(), SHANGHAI, day());
    assert_eq!(
        (w[0].on_post_ms, w[0].minutes_on_post),
        (90_500, 90_500.0 / 60_000.0)
    );
}

#[test]
fn held_fraction_and_window_instants() {
    let w = &minutes_on_post(
        &[(shanghai_ms(hm("05:30")), shanghai_ms(hm("07:15")))],
        &peak_hours(),
        SHANGHAI,
        day(),
    )[0];
    assert_eq!(w.window, window("06:00", "09:00"));
    assert_eq!(
        (w.start_ms, w.end_ms),
        (shanghai_ms(hm("06:00")), shanghai_ms(hm("09:00")))
    );
    assert_eq!(w.held_fraction, 75.0 / 180.0);
    // 06:00 in Shanghai is 22:00 UTC the day before.
    let expected_start = NaiveDate::from_ymd_opt(2025, 11, 28)
        .unwrap()
        .and_hms_opt(22, 0, 0)
        .unwrap()
        .and_utc();
    assert_eq!(
        window_intervals(&peak_hours(), SHANGHAI, day())[0].0,
        expected_start.timestamp_millis()
    );
    // An invalid (reversed) window is an empty interval, never a negative one.
    let reversed = minutes_on_post(
        &[(0, i64::MAX)],
        &[window("09:00", "06:00")],
        SHANGHAI,
        day(),
    );
    assert_eq!(
        (reversed[0].on_post_ms, reversed[0].held_fraction),
        (0, 0.0)
    );
}

#[test]
fn daylight_saving_days() {
    let berlin = chrono_tz::Europe::Berlin;
    let utc = |d: u32, m: u32, h: u32, min: u32| {
        NaiveDate::from_ymd_opt(2025, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis()
    };
    // 2025-03-30: 02:00 → 03:00. 02:30 does not exist and moves forward by the hour.
    let spring = NaiveDate::from_ymd_opt(2025, 3, 30).unwrap();
    assert_eq!(
        window_intervals(
            &[window("02:30", "04:00"), window("01:00", "05:00")],
            berlin,
            spring
        ),
        vec![
            (utc(30, 3, 1, 30), utc(30, 3, 2, 0)),
            (utc(30, 3, 0, 0), utc(30, 3, 3, 0))
        ]
    );
    // 2025-10-26: 03:00 → 02:00. 02:30 happens twice; the earlier one is taken.
    let autumn = NaiveDate::from_ymd_opt(2025, 10, 26).unwrap();
    assert_eq!(
        window_intervals(
            &[window("02:30", "04:00"), window("01:00", "05:00")],
            berlin,
            autumn
        ),
        vec![
            (utc(26, 10, 0, 30), utc(26, 10, 3, 0)),
            (utc(26, 10, 23, 0) - 86_400_000, utc(26, 10, 4, 0))
        ]
    );
}

#[test]
fn current_window_table() {
    let check_now = |local: &str, expected: Option<DutyWindow>| {
        let got = current_window(&peak_hours(), SHANGHAI, shanghai_ms(hm(local)));
        assert_eq!(got.map(|w| w.window), expected, "at {local}");
        if let Some(w) = got {
            assert!(w.start_ms <= shanghai_ms(hm(local)) && shanghai_ms(hm(local)) < w.end_ms);
        }
    };
    check_now("05:59", None);
    check_now("06:00", Some(window("06:00", "09:00")));
    check_now("08:59", Some(window("06:00", "09:00")));
    check_now("09:00", None);
    check_now("12:00", None);
    check_now("17:00", Some(window("17:00", "21:00")));
    check_now("23:30", None);
    assert_eq!(
        current_window(&[], SHANGHAI, shanghai_ms(hm("07:00"))),
        None
    );
}

#[test]
fn minutes_so_far_in_the_current_window_from_fence_visits() {
    // Arrived 05:50, left 06:20, back at 07:00 and still there at 07:30.
    let visits = [
        Visit {
            arrive_ms: shanghai_ms(hm("05:50")),
            leave_ms: Some(shanghai_ms(hm("06:20"))),
            fixes_inside: 40,
            best_accuracy_m: Some(4.0),
        },
        Visit {
            arrive_ms: shanghai_ms(hm("07:00")),
            leave_ms: None,
            fixes_inside: 30,
            best_accuracy_m: Some(5.0),
        },
    ];
    let now = shanghai_ms(hm("07:30"));
    let so_far =
        minutes_in_current_window(&visit_intervals(&visits, now), &peak_hours(), SHANGHAI, now)
            .unwrap();
    assert_eq!(so_far.window, window("06:00", "09:00"));
    assert_eq!(so_far.minutes_on_post, 50.0);
    assert_eq!(so_far.held_fraction, 50.0 / 180.0);
    // Intervals running past now are clipped to now.
    let ahead = [(shanghai_ms(hm("07:00")), shanghai_ms(hm("08:00")))];
    assert_eq!(
        minutes_in_current_window(&ahead, &peak_hours(), SHANGHAI, now)
            .unwrap()
            .minutes_on_post,
        30.0
    );
    assert_eq!(
        minutes_in_current_window(&ahead, &peak_hours(), SHANGHAI, shanghai_ms(hm("12:00"))),
        None
    );
}

#[test]
fn merging_intervals() {
    let check_merge = |input: &[(i64, i64)], expected: &[(i64, i64)]| {
        assert_eq!(merge_intervals(input), expected, "{input:?}")
    };
    check_merge(&[], &[]);
    check_merge(&[(1, 3), (2, 5)], &[(1, 5)]);
    check_merge(&[(4, 6), (1, 4)], &[(1, 6)]);
    check_merge(&[(1, 2), (3, 4)], &[(1, 2), (3, 4)]);
    check_merge(&[(1, 10), (2, 3), (5, 6)], &[(1, 10)]);
    check_merge(&[(5, 5), (7, 6), (1, 2)], &[(1, 2)]);
}
