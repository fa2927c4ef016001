//! Table tests of the sync planning: one `check` per function, one line per case.

use super::*;
use patrol_model::v1::{Conflict, EntryProblem, Head, PhotoUpload, UploadResponse};
use patrol_model::{DeviceId, Hash};
use rand::SeedableRng;

fn limits(max_entries: usize, max_bytes: u64) -> BatchLimits {
    BatchLimits {
        max_entries,
        max_bytes,
    }
}

#[test]
fn batches_cover_hq_head_plus_one_through_local_head() {
    #[track_caller]
    fn check(hq: u64, local: u64, l: BatchLimits, size: u64, expected: &[(u64, u64)]) {
        let got: Vec<(u64, u64)> = batches(hq, local, l, |_| size)
            .into_iter()
            .map(|r| (*r.start(), *r.end()))
            .collect();
        assert_eq!(got, expected, "hq {hq} local {local} {l:?} size {size}");
    }
    check(0, 0, limits(10, 1000), 10, &[]);
    check(5, 5, limits(10, 1000), 10, &[]);
    check(7, 5, limits(10, 1000), 10, &[]); // HQ ahead: nothing to send
    check(0, 1, limits(10, 1000), 10, &[(1, 1)]);
    check(0, 10, limits(10, 1000), 10, &[(1, 10)]);
    check(0, 11, limits(10, 1000), 10, &[(1, 10), (11, 11)]);
    check(3, 25, limits(10, 1000), 10, &[(4, 13), (14, 23), (24, 25)]);
    check(0, 5, limits(100, 30), 10, &[(1, 3), (4, 5)]); // bytes bind first
    check(0, 3, limits(100, 5), 10, &[(1, 1), (2, 2), (3, 3)]); // one entry over the limit still goes
    check(0, 3, limits(0, 1000), 10, &[(1, 1), (2, 2), (3, 3)]); // zero means one
    check(0, 4, limits(1, 1000), 10, &[(1, 1), (2, 2), (3, 3), (4, 4)]);
}

#[test]
fn batches_follow_each_entry_size() {
    // Entry 3 is a big track segment.
    let size = |seq: u64| if seq == 3 { 950 } else { 100 };
    let got: Vec<_> = batches(0, 6, limits(100, 1000), size);
    assert_eq!(got, [1..=2, 3..=3, 4..=6]);
}

#[test]
fn wire_size_estimate_grows_with_base64() {
    #[track_caller]
    fn check(payload: u64, expected: u64) {
        assert_eq!(entry_wire_bytes(payload), expected);
    }
    check(0, 512);
    check(1, 516);
    check(3, 516);
    check(4, 520);
    check(3000, 4512);
}

#[test]
fn backoff_doubles_from_half_a_second_to_thirty() {
    #[track_caller]
    fn check(attempt: u32, ceiling_ms: u64) {
        assert_eq!(
            backoff_ceiling(attempt),
            Duration::from_millis(ceiling_ms),
            "attempt {attempt}"
        );
    }
    check(0, 500);
    check(1, 1_000);
    check(2, 2_000);
    check(5, 16_000);
    check(6, 30_000);
    check(7, 30_000);
    check(40, 30_000);
    check(u32::MAX, 30_000);
}

#[test]
fn backoff_is_full_jitter_below_the_ceiling() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    for attempt in 0..10 {
        let waits: Vec<Duration> = (0..200).map(|_| backoff(attempt, &mut rng)).collect();
        let ceiling = backoff_ceiling(attempt);
        assert!(waits.iter().all(|w| *w <= ceiling), "attempt {attempt}");
        // Spread over the whole range, not bunched at the top.
        assert!(waits.iter().any(|w| *w < ceiling / 4), "attempt {attempt}");
        assert!(
            waits.iter().any(|w| *w > ceiling * 3 / 4),
            "attempt {attempt}"
        );
    }
}

#[test]
fn statuses_are_classified() {
    #[track_caller]
    fn check(status: u16, code: Option<&str>, expected: Outcome) {
        assert_eq!(classify(status, code), expected, "{status} {code:?}");
    }
    use Outcome::*;
    check(200, None, Ok);
    check(204, None, Ok);
    check(400, Some("protocol_mismatch"), ProtocolMismatch);
    check(400, Some("bad_code"), Rejected);
    check(400, None, Rejected);
    check(401, Some("unauthorized"), Auth);
    check(403, Some("device_revoked"), Auth);
    check(403, Some("not_your_ledger"), Auth);
    check(403, Some("not_your_photo"), Rejected);
    check(403, None, Auth);
    check(404, Some("no_city"), Rejected);
    check(408, None, Transient);
    check(409, Some("offset_mismatch"), Conflict);
    check(413, None, TooLarge);
    check(422, None, Rejected);
    check(429, None, Transient);
    check(500, None, Transient);
    check(502, None, Transient);
    check(503, Some("unavailable"), Transient);
    check(302, None, Transient); // a captive portal's redirect
}

fn h(n: u8) -> Hash {
    Hash([n; 32])
}

fn head(seq: u64, n: u8) -> Head {
    Head {
        seq,
        hash: if seq == 0 { Hash::GENESIS } else { h(n) },
    }
}

#[test]
fn heads_are_compared() {
    #[track_caller]
    fn check(hq: Head, local: u64, local_hash: Option<Hash>, expected: HeadCheck) {
        assert_eq!(check_head(hq, local, local_hash), expected);
    }
    use HeadCheck::*;
    check(head(0, 0), 0, None, UpToDate);
    check(head(0, 0), 5, None, Behind { from: 1 });
    check(head(3, 3), 5, Some(h(3)), Behind { from: 4 });
    check(head(5, 5), 5, Some(h(5)), UpToDate);
    check(head(3, 3), 5, Some(h(9)), Diverged { seq: 3 });
    check(head(6, 6), 5, None, HqAhead { hq: 6, local: 5 });
    let genesis_lie = Head { seq: 0, hash: h(1) };
    check(genesis_lie, 2, None, Diverged { seq: 0 });
    assert!(Diverged { seq: 3 }.problem().unwrap().contains("seq 3"));
    assert!(
        HqAhead { hq: 6, local: 5 }
            .problem()
            .unwrap()
            .contains("1–6")
    );
    assert_eq!(UpToDate.problem(), None);
}

fn problem(seq: u64, code: &str) -> EntryProblem {
    EntryProblem::new(seq, code, format!("{code} reason"))
}

fn response(seq: u64, quarantined: &[u64], rejected: &[u64], conflicts: &[u64]) -> UploadResponse {
    UploadResponse {
        head: head(seq, seq as u8),
        accepted: 0,
        duplicates: 0,
        quarantined: quarantined
            .iter()
            .map(|s| problem(*s, "invalid_payload"))
            .collect(),
        rejected: rejected.iter().map(|s| problem(*s, "bad_link")).collect(),
        conflicts: conflicts
            .iter()
            .map(|s| Conflict {
                seq: *s,
                hq_hash: h(1),
                device_hash: h(2),
            })
            .collect(),
        skew_ms: 0,
        receipt: None,
        news: None,
    }
}

#[test]
fn upload_answers_become_outbox_updates() {
    #[track_caller]
    fn check(before: u64, resp: UploadResponse, seqs: &[(u64, &str)], refused: Option<&str>) {
        let u = upload_update(before, &resp);
        assert_eq!(u.acked_through, resp.head.seq);
        assert_eq!(u.advanced, resp.head.seq > before);
        let got: Vec<(u64, &str)> = u
            .quarantine
            .iter()
            .map(|q| (q.seq, q.code.as_str()))
            .collect();
        assert_eq!(got, seqs);
        match (refused, &u.refused) {
            (None, None) => {}
            (Some(frag), Some(r)) => assert!(r.contains(frag), "`{r}` lacks `{frag}`"),
            (want, got) => panic!("refused: want {want:?}, got {got:?}"),
        }
    }
    check(0, response(10, &[], &[], &[]), &[], None);
    check(
        0,
        response(10, &[4, 7], &[], &[]),
        &[(4, "invalid_payload"), (7, "invalid_payload")],
        None,
    );
    check(
        2,
        response(5, &[], &[6], &[]),
        &[(6, "bad_link")],
        Some("HQ refused seq 6 (bad_link)"),
    );
    check(
        4,
        response(4, &[], &[5], &[]),
        &[(5, "bad_link")],
        Some("seq 5"),
    );
    check(
        0,
        response(3, &[], &[], &[3]),
        &[(3, "conflict")],
        Some("different entry at seq 3"),
    );
    check(
        0,
        response(9, &[2], &[10], &[]),
        &[(2, "invalid_payload"), (10, "bad_link")],
        Some("seq 10"),
    );
}

#[test]
fn receipts_name_quarantined_and_conflicting_entries() {
    let receipt = Receipt {
        device_id: DeviceId::new(),
        head: head(9, 9),
        entries_held: 9,
        photos: vec![],
        photos_held: 0,
        quarantined: vec![problem(2, "unknown_kind")],
        conflicts: vec![Conflict {
            seq: 7,
            hq_hash: h(0xab),
            device_hash: h(0xcd),
        }],
        skew_ms: 0,
        hq_time_ms: 0,
    };
    let got = receipt_problems(&receipt);
    assert_eq!(got.len(), 2);
    assert_eq!((got[0].seq, got[0].code.as_str()), (2, "unknown_kind"));
    assert_eq!((got[1].seq, got[1].code.as_str()), (7, "conflict"));
    assert!(got[1].reason.contains("abababababab"), "{}", got[1].reason);
}

#[test]
fn the_queue_is_stuck_only_when_retrying_cannot_help() {
    #[track_caller]
    fn check(c: QueueCheck<'_>, expected: &str) {
        let got = match queue_state(c, STUCK_AFTER) {
            QueueState::Drained => "drained".to_owned(),
            QueueState::Moving => "moving".to_owned(),
            QueueState::Waiting { reason } => format!("waiting: {reason}"),
            QueueState::Stuck { reason } => format!("stuck: {reason}"),
        };
        assert!(
            got.starts_with(expected),
            "{c:?}: got `{got}`, want `{expected}…`"
        );
    }
    let q = |local, before, after, attempts, refused| QueueCheck {
        local_head: local,
        hq_head_before: before,
        hq_head_after: after,
        front_attempts: attempts,
        last_error: Some("HQ answered 503"),
        refused,
    };
    check(q(0, 0, 0, 0, None), "drained");
    check(q(10, 0, 10, 0, None), "drained");
    check(q(10, 10, 10, 9, None), "drained"); // old attempts do not matter once HQ has it all
    check(q(10, 0, 6, 0, None), "moving");
    check(
        q(10, 4, 4, 1, None),
        "waiting: seq 5 waits: HQ answered 503",
    );
    check(q(10, 4, 4, 2, None), "waiting");
    check(
        q(10, 4, 4, 3, None),
        "stuck: HQ has not taken seq 5 after 3 attempts: HQ answered 503",
    );
    check(
        q(10, 2, 4, 7, None),
        "stuck: HQ has not taken seq 5 after 7",
    );
    check(
        q(10, 4, 5, 0, Some("HQ refused seq 6 (bad_link)")),
        "stuck: HQ refused seq 6",
    );
    check(
        q(5, 5, 5, 0, Some("HQ holds seq 1–6")),
        "stuck: HQ holds seq 1–6",
    ); // HQ ahead
}

fn photo(n: u8) -> PhotoRef {
    PhotoRef {
        sha256: format!("{n:02x}").repeat(32),
        size: 1000 + n as u64,
        mime: "image/jpeg".into(),
    }
}

#[test]
fn only_photos_named_by_entries_and_not_at_hq_are_uploaded() {
    #[track_caller]
    fn check(referenced: &[u8], pending: &[u8], expected: &[u8]) {
        let r: Vec<PhotoRef> = referenced.iter().map(|n| photo(*n)).collect();
        let p: Vec<PhotoRef> = pending.iter().map(|n| photo(*n)).collect();
        let e: Vec<PhotoRef> = expected.iter().map(|n| photo(*n)).collect();
        assert_eq!(photos_to_upload(&r, &p), e, "{referenced:?} {pending:?}");
    }
    check(&[], &[], &[]);
    check(&[], &[1, 2], &[]); // a draft's photos stay
    check(&[1, 2], &[], &[]); // HQ holds both
    check(&[3, 1, 2], &[1, 2, 3], &[3, 1, 2]); // in the entries' order
    check(&[1, 2], &[2, 9], &[2]);
}

#[test]
fn chunks_start_where_hq_says() {
    #[track_caller]
    fn check(offset: u64, size: u64, complete: bool, chunk: u64, expected: Option<(u64, u64)>) {
        let u = PhotoUpload {
            sha256: "ab".repeat(32),
            size,
            offset,
            complete,
        };
        let got = next_chunk(&u, chunk).map(|r| (r.start, r.end));
        assert_eq!(
            got, expected,
            "offset {offset} size {size} complete {complete}"
        );
    }
    check(0, 1000, false, 256, Some((0, 256)));
    check(256, 1000, false, 256, Some((256, 512)));
    check(768, 1000, false, 256, Some((768, 1000)));
    check(999, 1000, false, 256, Some((999, 1000)));
    check(1000, 1000, false, 256, None); // all bytes there, HQ still verifying
    check(1000, 1000, true, 256, None);
    check(0, 1000, true, 256, None); // complete wins
    check(0, 10, false, 0, Some((0, 1))); // a zero chunk still moves
}

#[test]
fn a_sync_downloads_reference_data_and_orders_only_when_hq_says_they_changed() {
    use patrol_model::v1::SyncNews;
    let news = |reference: Option<&str>, inbox_head: u64, undelivered: Option<u64>| SyncNews {
        reference: reference.map(str::to_owned),
        map_pack: None,
        inbox_head,
        inbox_undelivered: undelivered,
    };
    #[track_caller]
    fn check(news: Option<&SyncNews>, cursor: Option<&str>, inbox: u64, want: (bool, bool)) {
        let w = wanted(news, cursor, inbox);
        assert_eq!((w.reference, w.inbox), want);
    }
    // An older HQ says nothing: both, every sync.
    check(None, Some("7"), 3, (true, true));
    // Nothing changed: neither.
    check(
        Some(&news(Some("7"), 3, None)),
        Some("7"),
        3,
        (false, false),
    );
    // The city changed at HQ, or the device never had it.
    check(Some(&news(Some("8"), 3, None)), Some("7"), 3, (true, false));
    check(Some(&news(Some("8"), 0, None)), None, 0, (true, false));
    // HQ has no city: nothing to ask for.
    check(Some(&news(None, 0, None)), None, 0, (false, false));
    // A new order, or one stored whose acknowledgement HQ never got.
    check(
        Some(&news(Some("7"), 4, Some(4))),
        Some("7"),
        3,
        (false, true),
    );
    check(
        Some(&news(Some("7"), 3, Some(2))),
        Some("7"),
        3,
        (false, true),
    );
}

#[test]
fn a_sync_sends_at_once_only_onto_a_known_head_with_one_batch_and_no_photo() {
    let limits = BatchLimits::default();
    let small = |_| 200;
    // HQ held seq 10 at the last clean sync; the ledger is that one, with 2 more.
    let known = head(10, 10);
    assert_eq!(
        live_batch(known, 12, Some(h(10)), false, limits, small),
        Some(11..=12)
    );
    // A photo waits: the usual way, which sends it and asks the receipt about it.
    assert_eq!(
        live_batch(known, 12, Some(h(10)), true, limits, small),
        None
    );
    // Nothing new: the usual way asks HQ's head, which says what else waits.
    assert_eq!(
        live_batch(known, 10, Some(h(10)), false, limits, small),
        None
    );
    // The local entry at the known seq is another (a restored phone): the usual way.
    assert_eq!(
        live_batch(known, 12, Some(h(9)), false, limits, small),
        None
    );
    // The ledger is shorter than HQ's head (restored from a backup): the usual way.
    assert_eq!(live_batch(known, 8, None, false, limits, small), None);
    // A backlog of more than one batch: the usual way, which pulls orders first.
    assert_eq!(
        live_batch(known, 10 + 501, Some(h(10)), false, limits, small),
        None
    );
    assert_eq!(
        live_batch(known, 12, Some(h(10)), false, limits, |_| 600 * 1024),
        None
    );
    // HQ held nothing at the last clean sync.
    assert_eq!(
        live_batch(head(0, 0), 3, None, false, limits, small),
        Some(1..=3)
    );
}

#[test]
fn only_a_clean_answer_through_the_batch_ends_a_live_sync() {
    let receipt = |seq: u64| Receipt {
        device_id: DeviceId::new(),
        head: head(seq, seq as u8),
        entries_held: seq,
        photos: vec![],
        photos_held: 0,
        quarantined: vec![],
        conflicts: vec![],
        skew_ms: 0,
        hq_time_ms: 0,
    };
    let answer = |seq, rejected: &[u64], conflicts: &[u64]| UploadResponse {
        receipt: Some(receipt(seq)),
        ..response(seq, &[], rejected, conflicts)
    };
    assert!(live_settles(&answer(12, &[], &[]), 12, Some(h(12))));
    // A quarantined entry is stored and chained: the sync still ends here.
    let quarantined = UploadResponse {
        receipt: Some(receipt(12)),
        ..response(12, &[11], &[], &[])
    };
    assert!(live_settles(&quarantined, 12, Some(h(12))));
    // No receipt (an HQ that does not send it): the usual way fetches it.
    assert!(!live_settles(&response(12, &[], &[], &[]), 12, Some(h(12))));
    // HQ's head is lower than the engine thought (a restored HQ): a gap, refused.
    assert!(!live_settles(&answer(8, &[11], &[]), 12, Some(h(8))));
    // HQ holds other entries at these seqs (a second device under this id).
    assert!(!live_settles(&answer(12, &[], &[11]), 12, Some(h(12))));
    // HQ's head is not this ledger's entry at that seq.
    assert!(!live_settles(&answer(12, &[], &[]), 12, Some(h(7))));
    // HQ stopped short of the batch's end.
    assert!(!live_settles(&answer(11, &[], &[]), 12, Some(h(11))));
}
