//! Rules the core enforces for every caller (the app and the CLI alike): post check-ins, the
//! group of a patrol, imported patrols on their own day, corrections keeping their patrol.

mod common;
use common::*;
use patrol_device::Capture;
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
