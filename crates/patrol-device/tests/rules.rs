//! Rules the core enforces for every caller (the app and the CLI alike): post check-ins, the
//! group of a patrol, imported patrols on their own day, corrections keeping their patrol.

mod common;
use common::*;
use patrol_device::{Capture, Error, Warning, views};
use patrol_model::*;

fn evidence() -> VisitEvidence {
    VisitEvidence {
        source: "manual".into(),
        ..VisitEvidence::default()
    }
}

#[test]
fn post_check_ins_must_change_something_at_a_known_post() {
    // (case, city loaded, earlier check-ins, this one, the error kind or None for saved); a
    // step is (arriving, post).
    type Step = (bool, &'static str);
    type Case = (
        &'static str,
        bool,
        &'static [Step],
        Step,
        Option<&'static str>,
    );
    let table: [Case; 9] = [
        ("arrive at a known post", true, &[], (true, "P01"), None),
        (
            "arrive at an unknown post",
            true,
            &[],
            (true, "P99"),
            Some("unknown_post"),
        ),
        (
            "leave an unknown post",
            true,
            &[],
            (false, "P99"),
            Some("unknown_post"),
        ),
        (
            "any post without reference data",
            false,
            &[],
            (true, "P99"),
            None,
        ),
        (
            "leave a post never arrived at",
            true,
            &[],
            (false, "P01"),
            Some("not_on_post"),
        ),
        (
            "arrive twice",
            true,
            &[(true, "P01")],
            (true, "P01"),
            Some("already_on_post"),
        ),
        (
            "arrive then leave",
            true,
            &[(true, "P01")],
            (false, "P01"),
            None,
        ),
        (
            "leave twice",
            true,
            &[(true, "P01"), (false, "P01")],
            (false, "P01"),
            Some("not_on_post"),
        ),
        (
            "arrive again after leaving",
            true,
            &[(true, "P01"), (false, "P01")],
            (true, "P01"),
            None,
        ),
    ];
    for (name, with_city, before, (arriving, post), want) in table {
        let (_dir, mut s, clock) = store();
        if with_city {
            s.set_city(&city(), None).unwrap();
        }
        for &(a, p) in before {
            let r = if a {
                s.arrive_at_post(
                    PostId(p.into()),
                    Default::default(),
                    evidence(),
                    Capture::default(),
                )
            } else {
                s.leave_post(PostId(p.into()), evidence(), Capture::default())
            };
            r.unwrap_or_else(|e| panic!("{name}: setting up: {e}"));
            clock.advance_ms(60_000);
        }
        let head = s.head().unwrap();
        let got = if arriving {
            s.arrive_at_post(
                PostId(post.into()),
                Default::default(),
                evidence(),
                Capture::default(),
            )
        } else {
            s.leave_post(PostId(post.into()), evidence(), Capture::default())
        };
        match (got, want) {
            (Ok(e), None) => {
                assert_eq!(e.seq, head.0 + 1, "{name}");
                let kind = if arriving {
                    EntryKind::PostArrived
                } else {
                    EntryKind::PostLeft
                };
                assert_eq!(e.kind, kind, "{name}");
            }
            (Err(e), Some(kind)) => {
                assert_eq!(e.kind(), kind, "{name}: {e}");
                assert!(e.to_string().contains(post), "{name}: {e}");
                assert_eq!(s.head().unwrap(), head, "{name}: a refusal writes nothing");
            }
            (got, want) => panic!("{name}: got {got:?}, wanted {want:?}"),
        }
    }
}

#[test]
fn a_check_in_is_linked_to_the_running_patrol() {
    let (_dir, mut s, _) = store();
    s.set_city(&city(), None).unwrap();
    let p = start("G07");
    s.start_patrol(p.clone(), Capture::default()).unwrap();
    let e = s
        .arrive_at_post(
            PostId("P01".into()),
            Default::default(),
            evidence(),
            Capture::default(),
        )
        .unwrap();
    assert_eq!(e.record().unwrap().patrol_id(), Some(p.patrol_id));
    let bad = s
        .arrive_at_post(
            PostId("p 01!".into()),
            Default::default(),
            evidence(),
            Capture::default(),
        )
        .unwrap_err();
    assert!(matches!(bad, Error::Invalid(_)), "{bad}");
}

#[test]
fn a_group_not_in_the_reference_data_is_saved_with_a_warning() {
    let table = [
        ("known group", true, "G07", None),
        (
            "unknown group",
            true,
            "G99",
            Some(Warning::UnknownGroup("G99".into())),
        ),
        ("no reference data", false, "G99", None),
    ];
    for (name, with_city, group, want) in table {
        let (_dir, mut s, _) = store();
        if with_city {
            s.set_city(&city(), None).unwrap();
        }
        let started = s
            .start_patrol_noting(start(group), Capture::default())
            .unwrap();
        assert_eq!(started.warning, want, "{name}");
        assert_eq!(started.entry.kind, EntryKind::PatrolStarted, "{name}");
        assert!(s.open_patrol().unwrap().is_some(), "{name}: saved");
    }
    assert_eq!(Warning::UnknownGroup("G99".into()).kind(), "unknown_group");
}

#[test]
fn an_imported_patrol_keeps_the_tracks_own_times() {
    let (_dir, mut s, _) = store();
    s.set_city(&city(), None).unwrap();
    // Walked nine days before the import, from 10:00 to 11:29 local (UTC+8).
    let walked = T0 - 9 * 86_400_000 + 2 * 3_600_000;
    let fix =
        |min: i64, i: i64| PositionFix::at(walked + min * 60_000, 29.03 + i as f64 * 1e-4, 111.69);
    let first: Vec<PositionFix> = (0..700).map(|i| fix(i / 10, i)).collect();
    let mut second: Vec<PositionFix> = (0..10).map(|i| fix(80 + i, 700 + i)).collect();
    // An untimed fix at the end of a segment does not decide its time.
    second.push(PositionFix {
        time_ms: None,
        ..fix(0, 900)
    });
    let p = start("G07");
    let entries = s
        .import_patrol(p.clone(), &[first.clone(), second])
        .unwrap();
    let kinds: Vec<EntryKind> = entries.iter().map(|e| e.kind).collect();
    use EntryKind::*;
    assert_eq!(
        kinds,
        [
            PatrolStarted,
            TrackSegment,
            TrackSegment,
            TrackSegment,
            PatrolStopped
        ]
    );
    let gnss: Vec<Option<i64>> = entries.iter().map(|e| e.gnss_ms).collect();
    assert_eq!(
        gnss,
        [
            Some(walked),
            first[599].time_ms,
            first[699].time_ms,
            Some(walked + 89 * 60_000),
            Some(walked + 89 * 60_000),
        ]
    );
    assert_eq!(entries[0].cell.as_ref().map(|c| c.as_str()), Some("WL-01"));

    // The device's views put the patrol on the track's day, with its duration.
    let tz = s.timezone().unwrap();
    let standing = s
        .standing(&[EntryKind::PatrolStarted, EntryKind::PatrolStopped])
        .unwrap();
    let day = s.today().unwrap() - chrono::Days::new(9);
    for e in &standing {
        assert_eq!(
            views::local_day(e, tz),
            day,
            "{:?} at {}",
            e.entry.kind,
            e.event_ms()
        );
    }
    let duration_ms = standing[1].event_ms() - standing[0].event_ms();
    assert_eq!(duration_ms, 89 * 60_000);
    assert_eq!(
        s.day_tally(day).unwrap().entries.get(&PatrolStarted),
        Some(&1)
    );
    assert!(s.open_patrol().unwrap().is_none());

    // A track without any time falls back to the import time.
    let untimed: Vec<PositionFix> = first[..3]
        .iter()
        .map(|f| PositionFix {
            time_ms: None,
            ..*f
        })
        .collect();
    let entries = s.import_patrol(start("G07"), &[untimed]).unwrap();
    assert!(entries.iter().all(|e| e.gnss_ms.is_none()));
}

#[test]
fn a_correction_keeps_the_reports_patrol_link() {
    let (_dir, mut s, _) = store();
    let p = start("G07");
    s.start_patrol(p.clone(), Capture::default()).unwrap();
    let mut tally = violation(ViolationType::NoHelmet);
    if let Record::Violation(v) = &mut tally {
        v.patrol_id = Some(p.patrol_id);
    }
    let original = s.append(&tally, Capture::default()).unwrap();
    // The corrected body, as a form or a JSON file states it: no patrol link.
    let correction = violation(ViolationType::RedLight);
    assert_eq!(correction.patrol_id(), None);
    let sup = s
        .append(
            &Record::Supplement(Supplement {
                target_id: original.id,
                target_seq: original.seq,
                reason: "类型选错".into(),
                correction: Some(Box::new(correction)),
            }),
            Capture::default(),
        )
        .unwrap();
    let Record::Supplement(stored) = sup.record().unwrap() else {
        panic!("not a supplement");
    };
    assert_eq!(
        stored.correction.unwrap().patrol_id(),
        Some(p.patrol_id),
        "the stored correction carries the link"
    );
    let standing = s.standing(&[EntryKind::Violation]).unwrap();
    assert_eq!(standing[0].record.patrol_id(), Some(p.patrol_id));
    assert!(matches!(
        &standing[0].record,
        Record::Violation(v) if v.violation == ViolationType::RedLight
    ));
    assert!(s.verify().unwrap().is_intact());
}
