use super::*;
use crate::projections::{
    REPORT_COLUMNS, patrol_routes, patrols, post_compliance, reports_csv, route_tracks,
    unit_positions,
};
use ViolationType::*;
use chrono::NaiveTime;
use patrol_model::{City, DutyWindow, LostPersonOutcome, LostPersonReport, Post};

#[test]
fn patrol_summaries_and_routes() {
    let mut a = Device::new(1);
    let mut b = Device::new(2);
    let (p1, p2) = (patrol(1), patrol(2));
    let first = north_route(at(8, 0), 10, 500.0);
    // 20 minutes without fixes, then 500 m more.
    let second = north_route(at(8, 20), 10, 500.0);
    let entries = vec![
        b.push(at(9, 0), start(p2, PatrolMode::Foot, &[], &[])),
        a.push(at(8, 0), start(p1, PatrolMode::Car, &["张警官"], &[])),
        a.push(at(8, 1), segment(p1, &first)),
        a.push(at(8, 21), segment(p1, &second)),
        // Another device cannot add to or stop a patrol it did not start.
        b.push(at(9, 1), segment(p1, &north_route(at(9, 1), 3, 900.0))),
        b.push(at(9, 2), stop(p1)),
        a.push(at(10, 0), stop(p1)),
    ];
    let s = patrols(&entries, &[], None);
    assert_eq!(s.len(), 2);
    assert_eq!((s[0].patrol_id, s[0].mode), (p1, PatrolMode::Car));
    assert_eq!(
        (s[0].started_ms, s[0].stopped_ms),
        (at(8, 0), Some(at(10, 0)))
    );
    assert_eq!(s[0].fixes, 22);
    // 2 × 500 m of route, plus the straight line across the gap: the second run starts back at
    // the origin, 500 m south of where the first ended.
    assert!((s[0].km - 1.5).abs() < 0.015, "{} km", s[0].km);
    assert_eq!((s[1].patrol_id, s[1].stopped_ms, s[1].fixes), (p2, None, 0));

    let routes = patrol_routes(&entries, &[], None);
    assert_eq!(routes[0].summary, s[0]);
    assert_eq!(
        routes[0].segments.iter().map(Vec::len).collect::<Vec<_>>(),
        [11, 11],
        "split at the 20-minute gap"
    );
    let tracks = route_tracks(&routes);
    assert_eq!(tracks.len(), 1, "the patrol without fixes has no track");
    assert_eq!(tracks[0].name, "G07 car");
    assert!(patrol_gpx::write_gpx(&tracks).contains("张警官"));

    // A withdrawn start removes the patrol.
    let w = b.supplement(at(11, 0), &entries[0], None);
    assert_eq!(patrols(&entries, &[w], None).len(), 1);
}

#[test]
fn patrol_km_is_never_negative_zero() {
    let mut a = Device::new(1);
    let p = patrol(1);
    let one_fix = vec![PositionFix::at(at(8, 1), 29.03, 111.69)];
    let poor: Vec<_> = north_route(at(8, 1), 5, 500.0)
        .into_iter()
        .map(|f| PositionFix {
            accuracy_m: Some(80.0),
            ..f
        })
        .collect();
    let cases: [(&str, Vec<PositionFix>); 3] = [
        ("no fixes", vec![]),
        ("one fix", one_fix),
        ("only fixes worse than the gate", poor),
    ];
    for (name, fixes) in cases {
        let mut entries = vec![a.push(at(8, 0), start(p, PatrolMode::Foot, &[], &[]))];
        if !fixes.is_empty() {
            entries.push(a.push(at(8, 2), segment(p, &fixes)));
        }
        entries.push(a.push(at(9, 0), stop(p)));
        let s = patrols(&entries, &[], None);
        assert!(
            s[0].km == 0.0 && s[0].km.is_sign_positive(),
            "{name}: {}",
            s[0].km
        );
        let json = serde_json::to_string(&s[0]).unwrap();
        assert!(json.contains(r#""km":0.0"#), "{name}: {json}");
        assert_eq!(
            patrol_routes(&entries, &[], Some(&city()))[0]
                .summary
                .km
                .to_bits(),
            0.0f64.to_bits(),
            "{name}"
        );
    }
}

#[test]
fn patrol_km_leaves_out_fixes_worse_than_the_gate_but_the_route_keeps_them() {
    let mut a = Device::new(1);
    let p = patrol(1);
    let mut fixes = north_route(at(8, 1), 10, 1_000.0);
    // A ±80 m fix thrown 1 km east mid-route.
    fixes[5].lon += 0.01;
    fixes[5].accuracy_m = Some(80.0);
    let entries = vec![
        a.push(at(8, 0), start(p, PatrolMode::Foot, &[], &[])),
        a.push(at(8, 2), segment(p, &fixes)),
    ];
    let routes = patrol_routes(&entries, &[], Some(&city()));
    assert!(
        (routes[0].summary.km - 1.0).abs() < 0.002,
        "{} km",
        routes[0].summary.km
    );
    assert_eq!(
        routes[0].summary.fixes, 11,
        "the poor fix is still part of the route"
    );
    assert_eq!(routes[0].segments.concat().len(), 11);
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::Reader::from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The page endpoint's projection is the full list filtered, newest first, cut into pages:
/// every kind the list shows, a correction that moves a report into another kind's filter, a
/// withdrawal, ties at one millisecond across devices, groups and cells.
#[test]
fn a_reports_page_is_the_full_list_filtered_newest_first() {
    use crate::projections::{ReportFilter, report_items, report_page, report_page_keys};
    let (mut a, mut b) = (Device::new(1), Device::new(2));
    let (pa, pb) = (patrol(1), patrol(2));
    let mut entries = vec![
        a.push(at(8, 0), start(pa, PatrolMode::Foot, &[], &[])),
        b.push(at(8, 0), start(pb, PatrolMode::Car, &[], &[])),
    ];
    for i in 0..6u32 {
        // The same minute on both devices: ties broken by device, then seq.
        entries.push(a.push(
            at(8, 10 + i),
            violation(ViolationType::ALL[i as usize % 8], i),
        ));
        entries.push(b.push(at(8, 10 + i), violation(RedLight, 0)));
    }
    entries.push(a.push(at(9, 0), arrive("P05")));
    let mut on_b = b.push(at(9, 5), violation(NoHelmet, 1));
    on_b.entry.cell = Some("WL-01-01".into());
    entries.push(on_b);
    // A report on b's patrol that a correction moves onto a's (so into G01's filter).
    let on_pb = |ty, n| match violation(ty, n) {
        Record::Violation(v) => Record::Violation(ViolationTally {
            patrol_id: Some(pb),
            ..v
        }),
        _ => unreachable!(),
    };
    entries.push(b.push(at(9, 10), on_pb(IllegalParking, 0)));
    let moved = match on_pb(IllegalParking, 1) {
        Record::Violation(v) => Record::Violation(ViolationTally {
            patrol_id: Some(pa),
            ..v
        }),
        _ => unreachable!(),
    };
    // A report HQ quarantined: never listed.
    let mut held = a.push(at(9, 20), violation(NoHelmet, 0));
    held.quarantine = Some(patrol_model::v1::EntryProblem::new(
        held.entry.seq,
        "bad_record",
        "test",
    ));
    entries.push(held);
    let fix = a.supplement(at(10, 0), &entries[2], Some(violation(UmbrellaRig, 2)));
    let gone = b.supplement(at(10, 1), &entries[3], None);
    let to_pa = b.supplement(at(10, 2), &entries[16], Some(moved));
    // Ignored: a correction of another kind, and a withdrawal naming another entry's id.
    let other_kind = a.supplement(at(10, 3), &entries[4], Some(arrive("P01")));
    let mut wrong_id = a.supplement(at(10, 4), &entries[6], None);
    if let Ok(Record::Supplement(mut s)) = wrong_id.entry.record() {
        s.target_id = entries[4].entry.id;
        wrong_id = a.push(at(10, 4), Record::Supplement(s));
    }
    let supplements = [fix, gone, to_pa, other_kind, wrong_id];
    let groups: std::collections::HashMap<PatrolId, String> =
        [(pa, "G01".to_owned()), (pb, "G02".to_owned())].into();
    let all = report_items(&entries, &supplements, TZ, &groups);
    assert_eq!(
        all.len(),
        14,
        "14 reports (one withdrawn, one quarantined), one check-in"
    );
    // What `entry_keys_between` reads: the window's unquarantined entries, without payloads.
    let keys: Vec<crate::storage::EntryKey> = entries
        .iter()
        .filter(|s| s.quarantine.is_none())
        .map(|s| crate::storage::EntryKey {
            device_id: s.entry.device_id,
            seq: s.entry.seq,
            id: s.entry.id,
            kind: s.entry.kind,
            cell: s.entry.cell.clone(),
            event_ms: s.event_ms,
            patrol_id: s.patrol_id,
        })
        .collect();
    let newest_first = |mut v: Vec<crate::projections::ReportItem>| {
        v.reverse();
        v
    };
    for filter in [
        ReportFilter::default(),
        ReportFilter {
            kind: Some("violation"),
            ..Default::default()
        },
        ReportFilter {
            kind: Some("post_arrived"),
            ..Default::default()
        },
        ReportFilter {
            group: Some("G02"),
            ..Default::default()
        },
        ReportFilter {
            group: Some("G99"),
            ..Default::default()
        },
        ReportFilter {
            group: Some("G01"),
            ..Default::default()
        },
        ReportFilter {
            cell: Some("WL-01-01"),
            ..Default::default()
        },
        ReportFilter {
            kind: Some("violation"),
            group: Some("G01"),
            cell: Some("WL-03-07"),
        },
    ] {
        let expected = newest_first(
            all.iter()
                .filter(|r| {
                    filter.kind.is_none_or(|k| r.kind == k)
                        && filter.group.is_none_or(|g| r.group.as_deref() == Some(g))
                        && filter.cell.is_none_or(|c| r.cell.as_deref() == Some(c))
                })
                .cloned()
                .collect(),
        );
        for limit in [1, 2, 5, 100] {
            let (mut paged, mut before) = (Vec::new(), None);
            loop {
                let (total, items, more) =
                    report_page(&entries, &supplements, TZ, &groups, filter, before, limit);
                assert_eq!(total, expected.len(), "{filter:?}");
                // The same page by keys, then only the page's entries read whole.
                let (by_keys, page, more_by_keys) =
                    report_page_keys(&keys, &supplements, &groups, filter, before, limit);
                let rows: Vec<StoredEntry> = entries
                    .iter()
                    .filter(|s| page.contains(&(s.entry.device_id, s.entry.seq)))
                    .cloned()
                    .collect();
                let (_, from_keys, _) =
                    report_page(&rows, &supplements, TZ, &groups, filter, None, limit);
                assert_eq!(
                    (by_keys, &from_keys, more_by_keys),
                    (total, &items, more),
                    "{filter:?}, limit {limit}, before {before:?}"
                );
                assert!(items.len() <= limit);
                before = items
                    .last()
                    .map(|r| (r.event_ms, r.device_id.parse().unwrap(), r.seq));
                paged.extend(items);
                if !more {
                    break;
                }
            }
            assert_eq!(paged, expected, "{filter:?}, pages of {limit}");
        }
    }
}

#[test]
fn reports_csv_rows() {
    let mut d = Device::new(1);
    let p = patrol(1);
    let mut helmet = match violation(NoHelmet, 0) {
        Record::Violation(v) => v,
        _ => unreachable!(),
    };
    helmet.plate = Some("湘J12345".parse().unwrap());
    helmet.note = Some("=HYPERLINK(\"x\")".into());
    let lost = Record::LostPerson(LostPersonReport {
        patrol_id: Some(p),
        description: "走失老人，佩戴手环".into(),
        identifying_code: Some("SH-0042".into()),
        found_at: None,
        found_place: Some("洞庭大道".into()),
        handed_to: None,
        handed_over_at: None,
        outcome: LostPersonOutcome::ReunitedWithFamily,
        photos: vec![],
    });
    let entries = vec![
        d.push(at(8, 0), start(p, PatrolMode::Foot, &[], &[])),
        d.push(at(8, 5), Record::Violation(helmet)),
        d.push(at(8, 10), lost),
        d.push(at(8, 15), violation(RedLight, 0)),
        d.push(at(8, 20), violation(DrunkDriving, 0)),
        d.push(at(8, 30), arrive("P05")),
    ];
    let fix = d.supplement(at(9, 0), &entries[3], Some(violation(UmbrellaRig, 2)));
    let gone = d.supplement(at(9, 1), &entries[4], None);
    let text = reports_csv(&entries, &[fix, gone], TZ);

    assert_eq!(text.lines().next().unwrap(), REPORT_COLUMNS.join(","));
    let rows = csv_rows(&text);
    let col = |name: &str| REPORT_COLUMNS.iter().position(|c| *c == name).unwrap();
    let kinds: Vec<&str> = rows.iter().map(|r| r[col("kind")].as_str()).collect();
    assert_eq!(
        kinds,
        ["violation", "lost_person", "violation", "post_arrived"]
    );

    let helmet = &rows[0];
    assert_eq!(helmet[col("local_time")], "2025-06-10T08:05:00+08:00");
    assert_eq!(helmet[col("type")], "no-helmet");
    assert_eq!(helmet[col("plate")], "湘J12345");
    assert_eq!(
        helmet[col("summary")],
        "'=HYPERLINK(\"x\")",
        "formula defused"
    );
    assert_eq!(helmet[col("cell")], "WL-03-07");

    let lost = &rows[1];
    assert_eq!(
        lost[col("summary")],
        "走失老人，佩戴手环 / SH-0042 / 洞庭大道"
    );
    assert_eq!(lost[col("outcome")], "reunited-with-family");
    assert_eq!(lost[col("patrol_id")], p.to_string());

    let corrected = &rows[2];
    assert_eq!(corrected[col("type")], "umbrella-rig");
    assert_eq!(corrected[col("seized_items")], "2");
    assert_eq!(corrected[col("corrected")], "true");
    assert_eq!(corrected[col("seq")], "4");
    assert_eq!(rows[0][col("corrected")], "false");

    assert_eq!(rows[3][col("post_id")], "P05");
    assert_eq!(rows[3][col("summary")], "geofence");
}

fn city() -> City {
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let post = |id: &str, name: &str, windows: Vec<DutyWindow>| Post {
        id: PostId(id.into()),
        name: name.into(),
        location: near_post(),
        radius_m: 30.0,
        duty_windows: windows,
    };
    City {
        name: "常德".into(),
        timezone: "Asia/Shanghai".into(),
        cells: vec![],
        posts: vec![
            post(
                "P05",
                "洞庭大道/光荣路",
                vec![DutyWindow::new(hm(6, 0), hm(9, 0))],
            ),
            post("P06", "无值守", vec![]),
            post("P07", "德山路口", vec![DutyWindow::new(hm(6, 0), hm(9, 0))]),
        ],
        groups: vec![],
        settings: Default::default(),
    }
}

#[test]
fn post_compliance_minutes_in_the_morning_window() {
    let (mut a, mut b, mut c, mut e) = (
        Device::new(1),
        Device::new(2),
        Device::new(3),
        Device::new(4),
    );
    let entries = vec![
        // A 06:30–08:00 and B 07:30–08:30 overlap: held 06:30–08:30, 120 minutes.
        a.push(at(6, 30), arrive("P05")),
        a.push(at(8, 0), leave("P05")),
        b.push(at(7, 30), arrive("P05")),
        b.push(at(8, 30), leave("P05")),
        // C outside the window: no minutes, not listed.
        c.push(at(10, 0), arrive("P05")),
        c.push(at(10, 30), leave("P05")),
        // E arrives at P07 and has not left: counted to its last entry, 08:55.
        e.push(at(8, 40), arrive("P07")),
        // A departure with no arrival is ignored.
        e.push(at(8, 50), leave("P06")),
        e.push(at(8, 55), violation(NoHelmet, 0)),
    ];
    let table: [(&str, &[StoredEntry]); 2] = [
        ("given", &entries),
        ("twice", &[&entries[..], &entries[..]].concat()),
    ];
    for (name, given) in table {
        let got = post_compliance(given, &[], &city(), day(), i64::MAX);
        assert_eq!(got.len(), 3, "{name}");
        let p05 = &got[0];
        assert_eq!(p05.windows.len(), 1);
        assert_eq!(p05.windows[0].start_ms, at(6, 0));
        assert_eq!(p05.windows[0].on_post_ms, 120 * 60_000, "{name}");
        assert!((p05.windows[0].held_fraction - 120.0 / 180.0).abs() < 1e-9);
        assert_eq!(p05.devices, [a.id, b.id], "{name}");
        assert!(got[1].windows.is_empty() && got[1].devices.is_empty());
        assert_eq!(got[2].windows[0].minutes_on_post, 15.0, "{name}");
        assert_eq!(got[2].devices, [e.id]);
    }

    // Withdrawing A's departure leaves A open until its last entry (08:00): still 120 minutes.
    let w = a.supplement(at(12, 0), &entries[1], None);
    let got = post_compliance(&entries, &[w], &city(), day(), i64::MAX);
    assert_eq!(got[0].windows[0].on_post_ms, 120 * 60_000);
}

#[test]
fn unit_positions_of_open_patrols() {
    let (mut a, mut b, mut c) = (Device::new(1), Device::new(2), Device::new(3));
    let route = north_route(at(8, 0), 20, 1_000.0);
    let entries = vec![
        a.push(at(8, 0), start(patrol(1), PatrolMode::Car, &[], &[])),
        a.push(at(8, 0), segment(patrol(1), &route[..10])),
        a.push(at(8, 1), segment(patrol(1), &route[10..])),
        b.push(at(8, 0), start(patrol(2), PatrolMode::Foot, &[], &[])),
        b.push(at(8, 1), segment(patrol(2), &route[..5])),
        b.push(at(8, 2), stop(patrol(2))),
        c.push(at(8, 0), start(patrol(3), PatrolMode::EBike, &[], &[])),
        c.push(at(8, 1), segment(patrol(3), &route[..3])),
        c.push(at(8, 2), stop(patrol(3))),
    ];
    let mut given = entries.clone();
    // C's stop was a mistake: C is still out.
    given.push(c.supplement(at(8, 3), &entries[8], None));
    given.reverse();
    let units = unit_positions(&given, at(8, 6));
    let ids: Vec<_> = units.iter().map(|u| (u.device_id, u.patrol_id)).collect();
    assert_eq!(ids, [(a.id, patrol(1)), (c.id, patrol(3))]);
    assert_eq!(units[0].last_fix, route[20].quantized());
    assert_eq!(units[0].mode, PatrolMode::Car);
    assert_eq!((units[0].seen_ms, units[0].age_ms), (at(8, 1), 5 * 60_000));
    assert_eq!(units[0].cell.as_ref().map(|c| c.as_str()), Some("WL-03-07"));
    assert_eq!(units[1].last_fix, route[2].quantized());
}

/// Each window of a day says how it went: on time, late, left early, both, missed — or not yet
/// decided while it runs — with the first arrival, the crew, and an open visit counted up to the
/// device's last fix, never past now.
#[test]
fn post_compliance_says_how_each_window_went() {
    use crate::projections::WindowStatus::*;
    let hm = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
    let mut c = city();
    c.posts[0].duty_windows = vec![
        DutyWindow::new(hm(6, 0), hm(9, 0)),
        DutyWindow::new(hm(17, 0), hm(21, 0)),
    ];
    c.posts[2].duty_windows = vec![DutyWindow::new(hm(6, 0), hm(9, 0))];
    let (mut a, mut b) = (Device::new(1), Device::new(2));
    let p = patrol(9);
    let entries = vec![
        // P05 morning: on time (06:03) to the end; evening: late (17:20), left early (20:30).
        a.push(at(6, 3), arrive_with("P05", &["李警官", "王警官"], 2)),
        a.push(at(9, 0), leave("P05")),
        a.push(at(17, 20), arrive_with("P05", &["李警官"], 0)),
        a.push(at(20, 30), leave("P05")),
        // P07: B arrives at 06:00 and never leaves; its last fix is at 07:00, so it held the
        // post until then — not until "now".
        b.push(at(6, 0), arrive_with("P07", &["赵警官"], 0)),
        b.push(at(6, 1), start(p, PatrolMode::Foot, &[], &[])),
        b.push(
            at(7, 0),
            segment(p, &[PositionFix::at(at(7, 0), 29.03, 111.69)]),
        ),
    ];
    let statuses = |now: i64| -> Vec<Vec<crate::projections::WindowStatus>> {
        post_compliance(&entries, &[], &c, day(), now)
            .iter()
            .map(|p| p.windows.iter().map(|w| w.status).collect())
            .collect()
    };
    assert_eq!(
        statuses(at(23, 0)),
        [vec![OnTime, LateAndLeftEarly], vec![], vec![LeftEarly]]
    );
    assert_eq!(
        statuses(at(18, 0)),
        [vec![OnTime, InProgress], vec![], vec![LeftEarly]]
    );
    assert_eq!(
        statuses(at(5, 0)),
        [vec![Upcoming, Upcoming], vec![], vec![Upcoming]]
    );
    let got = post_compliance(&entries, &[], &c, day(), at(23, 0));
    let morning = &got[0].windows[0];
    assert_eq!(morning.first_arrival_ms, Some(at(6, 3)));
    assert_eq!(morning.officers, ["李警官", "王警官"]);
    assert_eq!(
        morning.volunteers.get(&VolunteerCategory::RedVest),
        Some(&2)
    );
    let p07 = &got[2].windows[0];
    assert_eq!(p07.last_on_post_ms, Some(at(7, 0)), "up to the last fix");
    assert_eq!(p07.on_post_ms, 60 * 60_000);
    // Nobody at all: missed.
    let none = post_compliance(&[], &[], &c, day(), at(23, 0));
    assert_eq!(none[0].windows[0].status, Missed);
    assert_eq!(none[0].windows[0].first_arrival_ms, None);
}
