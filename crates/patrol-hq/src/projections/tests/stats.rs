use super::*;
use crate::projections::daily_stats;
use crate::storage::flags;
use ViolationType::*;
use VolunteerCategory::*;
use patrol_model::v1::{DailyStats, EntryProblem};
use patrol_model::{
    AssistanceKind, AssistanceRecord, City, IncidentKind, IncidentOutcome, IncidentReport, Post,
};
use std::collections::BTreeMap;

fn stats(window: &[StoredEntry], supplements: &[StoredEntry]) -> DailyStats {
    daily_stats(window, supplements, None, TZ, day())
}

#[test]
fn officer_and_vehicle_trips_and_volunteers() {
    let mut car = Device::new(1);
    let mut foot = Device::new(2);
    let entries = vec![
        car.push(
            at(8, 0),
            start(
                patrol(1),
                PatrolMode::Car,
                &["张警官", "李警官"],
                &[(RedVest, 3), (GridWorker, 2)],
            ),
        ),
        foot.push(
            at(9, 0),
            start(
                patrol(2),
                PatrolMode::Foot,
                &[],
                &[(RedVest, 5), (SecurityGuard, 1), (PatrolTeam, 0)],
            ),
        ),
        car.push(at(12, 0), stop(patrol(1))),
    ];
    let s = stats(&entries, &[]);
    assert_eq!(s.date, day());
    assert_eq!(s.timezone, "Asia/Shanghai");
    assert_eq!(s.patrols, 2);
    assert_eq!(s.officer_trips, 3, "two named officers + one unnamed");
    assert_eq!(s.vehicle_trips, 1);
    assert_eq!(s.volunteers_total, 11);
    let want: BTreeMap<_, _> = [(RedVest, 8), (GridWorker, 2), (SecurityGuard, 1)].into();
    assert_eq!(s.volunteers_by_category, want, "zero counts leave no key");
}

#[test]
fn vehicle_trips_by_mode() {
    let table = [
        (PatrolMode::Foot, 0),
        (PatrolMode::Car, 1),
        (PatrolMode::Motorcycle, 1),
        (PatrolMode::EBike, 1),
        (PatrolMode::Bicycle, 0),
    ];
    for (mode, want) in table {
        let mut d = Device::new(1);
        let e = [d.push(at(8, 0), start(patrol(1), mode, &["王"], &[]))];
        assert_eq!(stats(&e, &[]).vehicle_trips, want, "{mode}");
    }
}

#[test]
fn violations_withdrawals_and_corrections() {
    let mut d = Device::new(1);
    let old = d.push(
        at_on(day().pred_opt().unwrap(), 20, 0),
        violation(RedLight, 0),
    );
    let helmet1 = d.push(at(7, 0), violation(NoHelmet, 0));
    let helmet2 = d.push(at(7, 5), violation(NoHelmet, 0));
    let rig1 = d.push(at(7, 10), violation(UmbrellaRig, 3));
    let rig2 = d.push(at(7, 15), violation(UmbrellaRig, 2));
    let drunk = d.push(at(7, 20), violation(DrunkDriving, 0));
    let wrong = d.push(at(7, 25), violation(RedLight, 0));
    // In the window: withdraws an entry of yesterday, which is not in the window.
    let stray = d.supplement(at(7, 30), &old, None);
    // Tomorrow: only in the supplements list.
    let next = day().succ_opt().unwrap();
    let withdraw = d.supplement(at_on(next, 9, 0), &drunk, None);
    let correct = d.supplement(
        at_on(next, 9, 5),
        &wrong,
        Some(violation(IllegalParking, 1)),
    );

    let window = vec![helmet1, helmet2, rig1, rig2, drunk, wrong, stray];
    let s = stats(&window, &[withdraw, correct]);
    let want: BTreeMap<_, _> = [(NoHelmet, 2), (UmbrellaRig, 2), (IllegalParking, 1)].into();
    assert_eq!(s.violations_by_type, want);
    assert_eq!(s.violations_total, 5);
    assert_eq!(s.seized_items, 6, "3 + 2 rigs, 1 from the correction");

    // Without the supplements both still count as recorded.
    let s = stats(&window, &[]);
    assert_eq!(s.violations_total, 6);
    assert_eq!(s.violations_by_type.get(&RedLight), Some(&1));
}

#[test]
fn reports_count_as_cases() {
    let assist = |kind| {
        Record::Assistance(AssistanceRecord {
            patrol_id: None,
            kind,
            description: "群众求助".into(),
            people: 3,
            outcome: None,
            at: None,
        })
    };
    let incident = |kind| {
        Record::Incident(IncidentReport {
            patrol_id: None,
            kind,
            description: "电动车被盗".into(),
            value_yuan: Some(1200),
            video_reviewed: true,
            outcome: IncidentOutcome::SuspectCaught,
            at: None,
            photos: vec![],
        })
    };
    let mut d = Device::new(1);
    let e = vec![
        d.push(at(10, 0), assist(AssistanceKind::MedicalEscort)),
        d.push(at(10, 1), assist(AssistanceKind::OtherHelp)),
        d.push(at(10, 2), assist(AssistanceKind::DisputeResolved)),
        d.push(at(10, 3), assist(AssistanceKind::DisputeResolved)),
        d.push(at(10, 4), incident(IncidentKind::Theft)),
        d.push(at(10, 5), incident(IncidentKind::Other)),
        d.push(at(10, 6), arrive("P05")),
        d.push(at(10, 7), leave("P05")),
    ];
    let s = stats(&e, &[]);
    assert_eq!(
        (s.assistance_cases, s.medical_escorts, s.disputes_resolved),
        (2, 1, 2)
    );
    assert_eq!((s.thefts, s.incidents, s.post_visits), (1, 2, 1));
}

/// A day with a bit of everything, and the supplements that touch it.
fn busy_day() -> (Vec<StoredEntry>, Vec<StoredEntry>) {
    let mut a = Device::new(1);
    let mut b = Device::new(2);
    let p = patrol(1);
    let mut window = vec![
        a.push(
            at(8, 0),
            start(p, PatrolMode::Car, &["张"], &[(RedVest, 2)]),
        ),
        a.push(at(8, 1), segment(p, &north_route(at(8, 1), 10, 500.0))),
        a.push(at(8, 2), violation(UmbrellaRig, 4)),
        b.push(at(9, 0), violation(NoHelmet, 0)),
        b.push(at(9, 1), arrive("P05")),
    ];
    let w = a.supplement(at(8, 3), &window[2], Some(violation(NoHelmet, 0)));
    let x = b.supplement(at(9, 2), &window[3], None);
    window.push(w.clone());
    (window, vec![w, x])
}

#[test]
fn same_answer_for_redelivered_and_shuffled_entries() {
    let (window, supplements) = busy_day();
    let want = stats(&window, &supplements);
    assert_eq!(want.violations_by_type, [(NoHelmet, 1)].into());
    assert!(want.km_patrolled > 0.49 && want.km_patrolled < 0.51);

    let mut reversed = window.clone();
    reversed.reverse();
    let doubled: Vec<_> = window.iter().chain(window.iter()).cloned().collect();
    let interleaved: Vec<_> = window
        .iter()
        .zip(reversed.iter())
        .flat_map(|(x, y)| [y.clone(), x.clone()])
        .collect();
    let with_supplements: Vec<_> = window.iter().chain(&supplements).cloned().collect();
    let mut supplements_twice = supplements.clone();
    supplements_twice.extend(supplements.iter().rev().cloned());
    let variants: [(&str, &[StoredEntry], &[StoredEntry]); 5] = [
        ("reversed", &reversed, &supplements),
        ("doubled", &doubled, &supplements),
        ("interleaved", &interleaved, &supplements),
        (
            "supplements in the window too",
            &with_supplements,
            &supplements,
        ),
        ("supplements twice", &window, &supplements_twice),
    ];
    for (name, w, s) in variants {
        assert_eq!(stats(w, s), want, "{name}");
    }
}

#[test]
fn quarantined_entries_are_skipped_and_flags_counted() {
    let mut d = Device::new(1);
    let mut bad = d.push(at(7, 0), violation(DrunkDriving, 0));
    bad.quarantine = Some(EntryProblem::new(bad.entry.seq, "invalid_payload", "test"));
    let mut flagged = d.push(at(7, 1), violation(NoHelmet, 0));
    flagged.flags = vec![flags::SKEWED_CLOCK];
    let s = stats(&[bad, flagged], &[]);
    assert_eq!(s.violations_by_type, [(NoHelmet, 1)].into());
    assert_eq!(s.flagged_entries, 1);
}

#[test]
fn local_day_boundary_in_shanghai() {
    let next = day().succ_opt().unwrap();
    let table = [
        ("23:59 local counts today", at(23, 59), 1, 0),
        ("00:00 local is tomorrow", at_on(next, 0, 0), 0, 1),
        ("00:01 local is tomorrow", at_on(next, 0, 1), 0, 1),
        ("00:01 today", at(0, 1), 1, 0),
        (
            "16:00 UTC (00:00 +08) is tomorrow",
            at(23, 59) + 60_000,
            0,
            1,
        ),
    ];
    for (name, t, today, tomorrow) in table {
        let mut d = Device::new(1);
        let e = [d.push(t, violation(NoHelmet, 0))];
        assert_eq!(stats(&e, &[]).violations_total, today, "{name}");
        let s = daily_stats(&e, &[], None, TZ, next);
        assert_eq!(s.violations_total, tomorrow, "{name}");
    }
}

#[test]
fn km_of_a_known_route() {
    let mut d = Device::new(1);
    let p = patrol(1);
    let route = north_route(at(8, 0), 20, 1_000.0);
    // Two segments, delivered newest first, the second one twice, plus another day's segment.
    let s1 = d.push(at(8, 0), segment(p, &route[..11]));
    let s2 = d.push(at(8, 1), segment(p, &route[10..]));
    let mut d2 = Device::new(2);
    let yesterday = d2.push(
        at(0, 0) - 60_000,
        segment(patrol(2), &north_route(at(0, 0), 5, 300.0)),
    );
    let e = vec![s2.clone(), s1, s2, yesterday];
    let km = stats(&e, &[]).km_patrolled;
    assert!((km - 1.0).abs() < 0.01, "{km} km");
    // The independent estimate is itself good to a metre.
    assert!((km - 1.0).abs() < 0.002, "{km} km");
}

/// A city that knows post P05 only.
fn city_with_p05() -> City {
    City {
        name: "常德".into(),
        timezone: "Asia/Shanghai".into(),
        cells: vec![],
        posts: vec![Post {
            id: PostId("P05".into()),
            name: "洞庭大道/光荣路".into(),
            location: near_post(),
            radius_m: 30.0,
            duty_windows: vec![],
        }],
        groups: vec![],
        settings: Default::default(),
    }
}

#[test]
fn post_visits_count_visits_opened_at_known_posts() {
    let yesterday = day().pred_opt().unwrap();
    // (case, arrivals and departures of one device as (minutes after 07:00, arrive?, post),
    //  visits without a city, visits with a city that knows only P05)
    type Step = (u32, bool, &'static str);
    let table: [(&str, &[Step], u32, u32); 7] = [
        ("one visit", &[(0, true, "P05"), (30, false, "P05")], 1, 1),
        (
            "arriving again while on post is no new visit",
            &[(0, true, "P05"), (5, true, "P05"), (9, true, "P05")],
            1,
            1,
        ),
        (
            "arrive, leave, arrive: two visits",
            &[(0, true, "P05"), (10, false, "P05"), (20, true, "P05")],
            2,
            2,
        ),
        (
            "a post not in the reference data",
            &[(0, true, "P99"), (10, false, "P99")],
            1,
            0,
        ),
        (
            "two posts, one unknown",
            &[(0, true, "P05"), (1, true, "P99")],
            2,
            1,
        ),
        (
            "leaving one post does not close another",
            &[(0, true, "P05"), (5, false, "P99"), (10, true, "P05")],
            1,
            1,
        ),
        ("leaving without arriving", &[(0, false, "P05")], 0, 0),
    ];
    let city = city_with_p05();
    for (name, steps, without_city, with_city) in table {
        let mut d = Device::new(1);
        let e: Vec<StoredEntry> = steps
            .iter()
            .map(|&(m, arriving, post)| {
                let r = if arriving { arrive(post) } else { leave(post) };
                d.push(at(7, m), r)
            })
            .collect();
        assert_eq!(stats(&e, &[]).post_visits, without_city, "{name}, no city");
        let s = daily_stats(&e, &[], Some(&city), TZ, day());
        assert_eq!(s.post_visits, with_city, "{name}, with city");
    }

    // Visits are per device: two devices at one post are two visits.
    let (mut a, mut b) = (Device::new(1), Device::new(2));
    let e = [
        a.push(at(7, 0), arrive("P05")),
        b.push(at(7, 1), arrive("P05")),
    ];
    assert_eq!(stats(&e, &[]).post_visits, 2);

    // A visit opened yesterday evening and still open: arriving again this morning is a repeat.
    let mut d = Device::new(1);
    let e = [
        d.push(at_on(yesterday, 22, 0), arrive("P05")),
        d.push(at(7, 0), arrive("P05")),
    ];
    assert_eq!(stats(&e, &[]).post_visits, 0);

    // A withdrawn departure leaves the visit open.
    let mut d = Device::new(1);
    let first = d.push(at(7, 0), arrive("P05"));
    let left = d.push(at(7, 10), leave("P05"));
    let again = d.push(at(7, 20), arrive("P05"));
    let withdraw = d.supplement(at(7, 30), &left, None);
    let e = [first, left, again];
    assert_eq!(stats(&e, &[]).post_visits, 2);
    assert_eq!(stats(&e, &[withdraw]).post_visits, 1);
}

#[test]
fn km_patrolled_leaves_out_fixes_worse_than_the_gate() {
    let p = patrol(1);
    let mut route = north_route(at(8, 0), 10, 1_000.0);
    // Two ±80 m fixes thrown 1 km east: jitter, not ground covered.
    for i in [3, 7] {
        route[i].lon += 0.01;
        route[i].accuracy_m = Some(80.0);
    }
    // A ±40 m fix within the default gate counts as it is.
    route[5].accuracy_m = Some(40.0);
    let mut d = Device::new(1);
    let e = [
        d.push(at(8, 0), start(p, PatrolMode::Foot, &[], &[])),
        d.push(at(8, 1), segment(p, &route)),
    ];
    for (name, city) in [("no city", None), ("city", Some(city_with_p05()))] {
        let km = daily_stats(&e, &[], city.as_ref(), TZ, day()).km_patrolled;
        assert!((km - 1.0).abs() < 0.002, "{name}: {km} km");
    }

    // No fixes at all, or only poor ones: 0, never -0.
    let poor: Vec<PositionFix> = route
        .iter()
        .map(|f| PositionFix {
            accuracy_m: Some(80.0),
            ..*f
        })
        .collect();
    for (name, fixes) in [("only poor fixes", poor), ("no fixes", vec![])] {
        let mut d = Device::new(1);
        let mut e = vec![d.push(at(8, 0), start(p, PatrolMode::Foot, &[], &[]))];
        if !fixes.is_empty() {
            e.push(d.push(at(8, 1), segment(p, &fixes)));
        }
        let s = stats(&e, &[]);
        assert_eq!(s.km_patrolled.to_bits(), 0.0f64.to_bits(), "{name}");
        let json = serde_json::to_string(&s).unwrap();
        assert!(json.contains(r#""km_patrolled":0.0"#), "{name}: {json}");
    }
}

/// A post check-in outside a patrol is a deployment: its crew counts in officer-trips and
/// volunteers; a check-in during a patrol is that patrol's stop and adds nobody. An officer on a
/// patrol in the morning and on a post in the evening is two person-trips.
#[test]
fn post_crews_count_as_deployments() {
    use super::arrive_with;
    let mut a = Device::new(1);
    let p = patrol(1);
    let mut during = arrive_with("P05", &["周警官"], 5);
    if let Record::PostArrived(x) = &mut during {
        x.patrol_id = Some(p);
    }
    let entries = vec![
        a.push(at(8, 0), start(p, PatrolMode::Foot, &["周警官"], &[])),
        a.push(at(8, 30), during),
        a.push(at(9, 0), leave("P05")),
        a.push(at(10, 0), stop(p)),
        a.push(at(17, 0), arrive_with("P05", &["周警官", "吴警官"], 3)),
        a.push(at(21, 0), leave("P05")),
        // A check-in with no names is its one officer.
        a.push(at(21, 5), arrive_with("P05", &[], 0)),
    ];
    let s = daily_stats(&entries, &[], Some(&city_with_p05()), TZ, day());
    assert_eq!(s.officer_trips, 1 + 2 + 1);
    assert_eq!(s.volunteers_total, 3, "the patrol's stop adds none");
    assert_eq!(s.post_visits, 3);
    assert_eq!(s.vehicle_trips, 0);
}

/// A span's totals are the sum of its days, each day equal to `daily_stats` for that day, and
/// the averages divide by the days (empty days included).
#[test]
fn range_stats_are_the_sum_of_their_days() {
    use crate::projections::range_stats;
    let mut a = Device::new(1);
    let d1 = day();
    let d2 = d1.succ_opt().unwrap();
    let d3 = d2.succ_opt().unwrap();
    let entries = vec![
        a.push(at_on(d1, 9, 0), violation(ViolationType::NoHelmet, 0)),
        a.push(at_on(d1, 23, 50), arrive_with("P05", &["甲"], 0)),
        // Still open past midnight: a repeat arrival on d2 is not a new visit.
        a.push(at_on(d2, 0, 10), arrive_with("P05", &["甲"], 0)),
        a.push(at_on(d2, 6, 0), leave("P05")),
        a.push(at_on(d2, 8, 0), violation(ViolationType::UmbrellaRig, 2)),
        a.push(at_on(d2, 9, 0), violation(ViolationType::UmbrellaRig, 1)),
    ];
    let city = city_with_p05();
    let r = range_stats(&entries, &[], Some(&city), TZ, d1, d3);
    assert_eq!((r.days, r.daily.len()), (3, 3));
    for (i, d) in [d1, d2, d3].into_iter().enumerate() {
        assert_eq!(
            r.daily[i],
            daily_stats(&entries, &[], Some(&city), TZ, d),
            "{d}"
        );
    }
    assert_eq!(r.totals.violations_total, 3);
    assert_eq!(r.totals.seized_items, 3);
    assert_eq!(r.totals.post_visits, 1);
    assert_eq!(r.totals.officer_trips, 1);
    assert_eq!(r.per_day.violations_total, 1.0);
    assert_eq!(r.per_day.seized_items, 1.0);
    assert_eq!(
        r.per_day
            .violations_by_type
            .get(&ViolationType::UmbrellaRig),
        Some(&0.7)
    );
}

/// A span's day takes from the day before only what carries over midnight: a visit still open
/// (arriving again this morning is a repeat), never the evening's reports.
#[test]
fn a_day_carries_over_open_visits_and_nothing_else() {
    let yesterday = day().pred_opt().unwrap();
    let mut d = Device::new(1);
    let e = [
        d.push(at_on(yesterday, 22, 0), arrive("P05")),
        d.push(at_on(yesterday, 22, 5), violation(NoHelmet, 1)),
        d.push(at(7, 0), arrive("P05")),
        d.push(at(7, 5), violation(RedLight, 0)),
    ];
    let today = crate::projections::range_stats(&e, &[], None, TZ, day(), day());
    assert_eq!(today.daily[0].post_visits, 0, "the repeat of an open visit");
    assert_eq!(today.daily[0].violations_total, 1);
    assert_eq!(today.daily[0].seized_items, 0);
    let both = crate::projections::range_stats(&e, &[], None, TZ, yesterday, day());
    let per_day: Vec<(u32, u32)> = both
        .daily
        .iter()
        .map(|s| (s.post_visits, s.violations_total))
        .collect();
    assert_eq!(per_day, [(1, 1), (0, 1)]);
    assert_eq!(
        (both.totals.post_visits, both.totals.violations_total),
        (1, 2)
    );
}
