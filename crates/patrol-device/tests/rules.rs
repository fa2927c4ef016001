//! Rules the core enforces for every caller (the app and the CLI alike): post check-ins, the
//! group of a patrol, imported patrols on their own day, corrections keeping their patrol.

mod common;
use common::*;
use patrol_device::{Capture, views};
use patrol_model::*;

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
