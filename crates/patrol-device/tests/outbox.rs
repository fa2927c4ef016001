//! The outbox, photo upload marks, receipt and enrolment, against real SQLite in a temp dir.

mod common;
use common::*;
use patrol_device::{Capture, Enrollment, Error, Quarantined};
use patrol_model::ViolationType;

fn with_entries(
    n: usize,
) -> (
    tempfile::TempDir,
    patrol_device::Store,
    patrol_device::ManualClock,
) {
    let (dir, mut s, clock) = store();
    for _ in 0..n {
        s.append(&violation(ViolationType::NoHelmet), Capture::default())
            .unwrap();
        clock.advance_ms(1000);
    }
    (dir, s, clock)
}

fn q(seq: u64, code: &str, reason: &str) -> Quarantined {
    Quarantined {
        seq,
        code: code.into(),
        reason: reason.into(),
        invalid: None,
    }
}

fn counts(s: &patrol_device::Store) -> (u64, u64, u64) {
    let c = s.outbox_counts().unwrap();
    (c.pending, c.acked, c.quarantined)
}

#[test]
fn acking_through_a_seq_leaves_later_and_quarantined_entries_alone() {
    let (_dir, s, _) = with_entries(5);
    s.quarantine(2, "invalid_payload", "note: too long")
        .unwrap();
    assert_eq!(s.mark_acked_through(3).unwrap(), 2, "seqs 1 and 3");
    assert_eq!(counts(&s), (2, 2, 1));
    assert_eq!(s.mark_acked_through(3).unwrap(), 0, "idempotent");
    assert_eq!(
        s.quarantined().unwrap(),
        [q(2, "invalid_payload", "note: too long")],
        "the reason keeps its own colons"
    );
    assert!(matches!(
        s.quarantine(99, "x", "y"),
        Err(Error::NoSuchEntry(99))
    ));
}

#[test]
fn an_upload_answer_is_recorded_in_one_step() {
    let (_dir, s, _) = with_entries(4);
    s.record_upload(
        3,
        &[
            q(3, "unknown_kind", "HQ does not know it"),
            q(42, "gap", "ignored"),
        ],
    )
    .unwrap();
    assert_eq!(counts(&s), (1, 2, 1));
    assert_eq!(s.quarantined().unwrap()[0].seq, 3);
}

#[test]
fn a_receipt_settles_the_outbox_to_what_hq_holds() {
    let (_dir, s, _) = with_entries(6);
    // Seq 5 was refused (bad link) and marked locally; HQ holds 1–4 and quarantined seq 2.
    s.record_upload(4, &[q(5, "bad_link", "refused")]).unwrap();
    s.settle_outbox(4, &[q(2, "invalid_payload", "bad plate")])
        .unwrap();
    assert_eq!(counts(&s), (1, 3, 2));
    let seqs: Vec<u64> = s.quarantined().unwrap().iter().map(|x| x.seq).collect();
    assert_eq!(seqs, [2, 5], "the refused entry above the head stays shown");

    // HQ was restored from an older backup: it holds only 1–2 now.
    s.mark_acked_through(6).unwrap();
    s.settle_outbox(2, &[q(2, "invalid_payload", "bad plate")])
        .unwrap();
    assert_eq!(counts(&s), (3, 1, 2), "3, 4 and 6 are pending again");

    // Later HQ took everything, seq 5 included, and no longer flags seq 2.
    s.settle_outbox(6, &[]).unwrap();
    assert_eq!(counts(&s), (0, 6, 0));
    assert!(s.quarantined().unwrap().is_empty());
}

#[test]
fn attempts_are_counted_per_pending_entry_and_survive_reopen() {
    let (dir, s, clock) = with_entries(2);
    assert_eq!(s.attempts(1).unwrap(), 0);
    assert_eq!(s.bump_attempts(1, "HQ answered 503").unwrap(), 1);
    assert_eq!(s.bump_attempts(1, "HQ answered 503").unwrap(), 2);
    assert_eq!(s.attempts(2).unwrap(), 0);
    assert_eq!(s.attempts(77).unwrap(), 0);
    drop(s);
    let s = reopen(&dir, &clock);
    assert_eq!(s.attempts(1).unwrap(), 2);
    s.mark_acked_through(1).unwrap();
    assert_eq!(
        s.bump_attempts(1, "late").unwrap(),
        2,
        "an acknowledged entry is no longer counted"
    );
}

#[test]
fn payload_sizes_follow_the_ledger() {
    let (_dir, s, _) = with_entries(3);
    let sizes = s.payload_sizes(2, 10).unwrap();
    assert_eq!(sizes.len(), 2);
    assert_eq!(sizes[0], s.entry(2).unwrap().unwrap().payload.len() as u64);
    assert!(s.payload_sizes(4, 10).unwrap().is_empty());
}

#[test]
fn photos_wait_until_hq_holds_them() {
    let (_dir, s, clock) = store();
    let jpeg = |n: u8| {
        let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
        b.extend(std::iter::repeat_n(n, 100));
        b
    };
    let a = s.add_photo(&jpeg(1)).unwrap();
    clock.advance_ms(10);
    let b = s.add_photo(&jpeg(2)).unwrap();
    assert_eq!(s.pending_photos().unwrap(), [a.clone(), b.clone()]);
    s.mark_photo_uploaded(&a.sha256).unwrap();
    s.mark_photo_uploaded(&a.sha256).unwrap();
    assert_eq!(s.pending_photos().unwrap(), [b]);
    assert!(matches!(
        s.mark_photo_uploaded(&"0".repeat(64)),
        Err(Error::NoSuchPhoto(_))
    ));
    // Adding the same bytes again does not make it pending again.
    s.add_photo(&jpeg(1)).unwrap();
    assert_eq!(s.pending_photos().unwrap().len(), 1);
}

#[test]
fn receipt_and_enrolment_are_kept() {
    let (dir, s, clock) = store();
    assert_eq!(s.last_receipt().unwrap(), None);
    assert_eq!(s.enrollment().unwrap(), None);
    assert_eq!(s.device_secret().unwrap(), None);
    s.save_receipt(r#"{"head":{"seq":3}}"#).unwrap();
    s.save_enrollment("https://hq.example", "巡逻终端 07", "s3cret")
        .unwrap();
    drop(s);
    clock.advance_ms(5000);
    let s = reopen(&dir, &clock);
    let r = s.last_receipt().unwrap().unwrap();
    assert_eq!(r.json, r#"{"head":{"seq":3}}"#);
    assert_eq!(r.saved_ms, T0);
    assert_eq!(
        s.enrollment().unwrap(),
        Some(Enrollment {
            hq_url: "https://hq.example".into(),
            device_name: "巡逻终端 07".into()
        })
    );
    assert_eq!(s.hq_url().unwrap().as_deref(), Some("https://hq.example"));
    assert_eq!(s.device_secret().unwrap().as_deref(), Some("s3cret"));
}

#[test]
fn the_rule_hq_named_is_kept_with_the_quarantined_entry() {
    let (_dir, s, _) = with_entries(3);
    let invalid: patrol_model::v1::Invalid = serde_json::from_value(serde_json::json!({
        "field": "at.lat", "code": "range", "params": {"min": "-90", "max": "90"}
    }))
    .unwrap();
    let named = Quarantined {
        invalid: Some(invalid),
        ..q(
            2,
            "invalid_payload",
            "invalid at.lat: 95 is outside [-90, 90]",
        )
    };
    s.record_upload(3, std::slice::from_ref(&named)).unwrap();
    assert_eq!(s.quarantined().unwrap(), std::slice::from_ref(&named));
    // A receipt saying the same again changes nothing.
    s.settle_outbox(3, std::slice::from_ref(&named)).unwrap();
    assert_eq!(s.quarantined().unwrap(), [named]);
}

#[test]
fn the_queue_says_what_waits_by_kind_and_where_it_is_stuck() {
    let (_dir, mut s, clock) = with_entries(3);
    clock.advance_ms(60_000);
    s.start_patrol(start("G07"), Capture::default()).unwrap();
    assert_eq!(
        s.pending_by_kind().unwrap(),
        [
            (
                patrol_model::EntryKind::PatrolStarted,
                1,
                common::T0 + 63_000
            ),
            (patrol_model::EntryKind::Violation, 3, common::T0),
        ]
    );
    assert_eq!(s.front_of_queue().unwrap(), Some((1, 0, None)));
    s.bump_attempts(1, "network: timed out").unwrap();
    s.bump_attempts(1, "network: refused").unwrap();
    assert_eq!(
        s.front_of_queue().unwrap(),
        Some((1, 2, Some("network: refused".into())))
    );
    s.mark_acked_through(4).unwrap();
    assert!(s.pending_by_kind().unwrap().is_empty());
    assert_eq!(s.front_of_queue().unwrap(), None);
}
