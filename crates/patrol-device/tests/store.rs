//! The device store against real SQLite files in a temp dir.

mod common;
use common::*;
use patrol_device::{Capture, Error, FlushPolicy};
use patrol_model::Clock as _;
use patrol_model::*;

#[test]
fn entries_chain_without_gaps_and_survive_reopen() {
    let (dir, mut s, clock) = store();
    for t in [
        ViolationType::NoHelmet,
        ViolationType::RedLight,
        ViolationType::UmbrellaRig,
    ] {
        s.append(&violation(t), Capture::default()).unwrap();
        clock.advance_ms(1000);
    }
    let (head, hash) = s.head().unwrap();
    assert_eq!(head, 3);
    drop(s);
    let s = reopen(&dir, &clock);
    assert!(!s.open_report().unclean_shutdown);
    assert_eq!(s.head().unwrap(), (3, hash));
    let all = s.entries(1, 100).unwrap();
    assert_eq!(all.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(all[1].prev_hash, all[0].hash);
    assert!(s.verify().unwrap().is_intact());
    assert_eq!(s.outbox_counts().unwrap().pending, 3);
}

#[test]
fn invalid_records_write_nothing() {
    let (_dir, mut s, _) = store();
    let bad = Record::LostPerson(LostPersonReport {
        patrol_id: None,
        description: "  ".into(),
        identifying_code: None,
        found_at: None,
        found_place: None,
        handed_to: None,
        handed_over_at: None,
        outcome: LostPersonOutcome::ReunitedWithFamily,
        photos: vec![],
    });
    let err = s
        .append_all(
            &[violation(ViolationType::NoHelmet), bad],
            Capture::default(),
        )
        .unwrap_err();
    assert!(
        matches!(&err, Error::Invalid(v) if v.field == "description"),
        "{err}"
    );
    assert_eq!(s.head().unwrap().0, 0, "a rejected batch writes nothing");
}

#[test]
fn the_ledger_refuses_updates_and_deletes() {
    let (dir, mut s, _) = store();
    s.append(&violation(ViolationType::NoHelmet), Capture::default())
        .unwrap();
    drop(s);
    let conn = rusqlite::Connection::open(dir.path().join("device.sqlite")).unwrap();
    let upd = conn
        .execute("UPDATE ledger SET kind = 'x' WHERE seq = 1", [])
        .unwrap_err();
    assert!(upd.to_string().contains("append-only"), "{upd}");
    let del = conn
        .execute("DELETE FROM ledger WHERE seq = 1", [])
        .unwrap_err();
    assert!(del.to_string().contains("append-only"), "{del}");
}

#[test]
fn tampering_with_one_payload_byte_names_that_seq() {
    let (dir, mut s, clock) = store();
    for _ in 0..5 {
        s.append(
            &violation(ViolationType::IllegalParking),
            Capture::default(),
        )
        .unwrap();
    }
    drop(s);
    {
        // An attacker with the file: drop the guard and flip one byte of seq 3's payload.
        let conn = rusqlite::Connection::open(dir.path().join("device.sqlite")).unwrap();
        conn.execute_batch("DROP TRIGGER ledger_no_update").unwrap();
        let mut payload: Vec<u8> = conn
            .query_row("SELECT payload FROM ledger WHERE seq = 3", [], |r| r.get(0))
            .unwrap();
        payload[12] ^= 0x01;
        conn.execute("UPDATE ledger SET payload = ?1 WHERE seq = 3", [payload])
            .unwrap();
    }
    let s = reopen(&dir, &clock);
    let report = s.verify().unwrap();
    assert_eq!(
        report.broken.as_ref().map(ChainError::seq),
        Some(3),
        "{report:?}"
    );
    assert!(matches!(
        s.ensure_intact(),
        Err(Error::ChainBroken(ChainError::BadHash { seq: 3 }))
    ));
}

/// What a sync checks between whole checks: the entries after a seq, chained onto a hash given
/// from outside (HQ's head). Damage below that seq is the whole check's to find; damage after it,
/// or a hash that is not the entry's, is found here.
#[test]
fn the_check_after_a_seq_reads_only_what_follows_and_chains_onto_the_given_hash() {
    let (dir, mut s, clock) = store();
    let entries: Vec<Entry> = (0..5)
        .map(|_| {
            s.append(
                &violation(ViolationType::IllegalParking),
                Capture::default(),
            )
            .unwrap()
        })
        .collect();
    let check = s.verify_after(2, entries[1].hash).unwrap();
    assert_eq!((check.after_seq, check.entries), (2, 3));
    assert_eq!(check.head, (5, entries[4].hash));
    assert_eq!(check.broken, None);
    // Nothing after the head: nothing read, the head is the anchor.
    let check = s.verify_after(5, entries[4].hash).unwrap();
    assert_eq!(
        (check.entries, check.head, check.broken),
        (0, (5, entries[4].hash), None)
    );
    // An anchor that is not seq 2's hash: seq 3 does not chain onto it.
    let check = s.verify_after(2, entries[0].hash).unwrap();
    assert_eq!(
        check.broken.as_ref().map(ChainError::seq),
        Some(3),
        "{check:?}"
    );
    assert_eq!(s.verify_after(0, Hash::GENESIS).unwrap().entries, 5);

    drop(s);
    let damage = |seq: i64| {
        let conn = rusqlite::Connection::open(dir.path().join("device.sqlite")).unwrap();
        conn.execute_batch("DROP TRIGGER IF EXISTS ledger_no_update")
            .unwrap();
        conn.execute(
            "UPDATE ledger SET wall_ms = wall_ms + 1 WHERE seq = ?1",
            [seq],
        )
        .unwrap();
    };
    damage(1);
    let s = reopen(&dir, &clock);
    assert_eq!(s.verify_after(2, entries[1].hash).unwrap().broken, None);
    assert_eq!(
        s.verify().unwrap().broken.as_ref().map(ChainError::seq),
        Some(1)
    );
    drop(s);
    damage(4);
    let s = reopen(&dir, &clock);
    let check = s.verify_after(2, entries[1].hash).unwrap();
    assert_eq!(
        check.broken.as_ref().map(ChainError::seq),
        Some(4),
        "{check:?}"
    );
    assert_eq!(check.head, (3, entries[2].hash), "the last intact entry");
}

/// The whole check is due a period after the last one found the ledger intact (a new store
/// counts as checked when made), at once when the clock reads earlier than that check, and not
/// renewed by a check that found damage.
#[test]
fn the_whole_check_falls_due_by_the_clock() {
    let day = std::time::Duration::from_secs(24 * 3600);
    let (dir, mut s, clock) = store();
    assert!(!s.full_check_due(day).unwrap(), "a new store is checked");
    clock.advance_ms(24 * 3_600_000 - 1);
    assert!(!s.full_check_due(day).unwrap());
    clock.advance_ms(1);
    assert!(s.full_check_due(day).unwrap());
    s.append(&violation(ViolationType::RedLight), Capture::default())
        .unwrap();
    assert!(s.verify().unwrap().is_intact());
    assert!(!s.full_check_due(day).unwrap());
    clock.set_wall_ms(clock.wall_ms() - 1);
    assert!(s.full_check_due(day).unwrap(), "a clock put back");
    assert!(s.verify().unwrap().is_intact());
    assert!(!s.full_check_due(day).unwrap());

    drop(s);
    let conn = rusqlite::Connection::open(dir.path().join("device.sqlite")).unwrap();
    conn.execute_batch(
        "DROP TRIGGER ledger_no_update;
         UPDATE ledger SET wall_ms = wall_ms + 1 WHERE seq = 1;",
    )
    .unwrap();
    drop(conn);
    let s = reopen(&dir, &clock);
    clock.advance_ms(24 * 3_600_000);
    assert!(!s.verify().unwrap().is_intact());
    assert!(
        s.full_check_due(day).unwrap(),
        "still due: the ledger was not intact"
    );
}

#[test]
fn an_unclean_shutdown_is_detected_and_checked() {
    let (dir, mut s, clock) = store();
    s.append(&violation(ViolationType::Jaywalking), Capture::default())
        .unwrap();
    std::mem::forget(s); // no Drop: like a kill or a dead battery
    let s = reopen(&dir, &clock);
    assert!(s.open_report().unclean_shutdown);
    let check = s
        .open_report()
        .check
        .clone()
        .expect("checked after unclean shutdown");
    assert!(check.is_intact());
    assert_eq!(check.entries, 1);
}

#[test]
fn supplements_correct_and_withdraw_without_editing() {
    let (_dir, mut s, _) = store();
    let a = s
        .append(&violation(ViolationType::NoHelmet), Capture::default())
        .unwrap();
    let b = s
        .append(&violation(ViolationType::NoHelmet), Capture::default())
        .unwrap();
    let fix = |target: &Entry, correction: Option<Record>| {
        Record::Supplement(Supplement {
            target_id: target.id,
            target_seq: target.seq,
            reason: "录入错误".into(),
            correction: correction.map(Box::new),
        })
    };
    s.append(
        &fix(&a, Some(violation(ViolationType::RedLight))),
        Capture::default(),
    )
    .unwrap();
    s.append(&fix(&b, None), Capture::default()).unwrap();
    let today = s.today().unwrap();
    let tally = s.day_tally(today).unwrap();
    assert_eq!(tally.violations.get(&ViolationType::RedLight), Some(&1));
    assert_eq!(tally.violations.get(&ViolationType::NoHelmet), None);
    // The originals are untouched.
    assert_eq!(s.entry(1).unwrap().unwrap(), a);

    // Wrong kind, missing target, supplement of a supplement, mismatched id: refused.
    let lost = Record::LostPerson(LostPersonReport {
        patrol_id: None,
        description: "老人".into(),
        identifying_code: None,
        found_at: None,
        found_place: None,
        handed_to: None,
        handed_over_at: None,
        outcome: LostPersonOutcome::Ongoing,
        photos: vec![],
    });
    assert!(matches!(
        s.append(&fix(&a, Some(lost)), Capture::default()),
        Err(Error::BadSupplement { .. })
    ));
    let mut ghost = a.clone();
    ghost.seq = 99;
    assert!(matches!(
        s.append(&fix(&ghost, None), Capture::default()),
        Err(Error::NoSuchEntry(99))
    ));
    let sup = s.entry(3).unwrap().unwrap();
    assert!(matches!(
        s.append(&fix(&sup, None), Capture::default()),
        Err(Error::BadSupplement { .. })
    ));
    let mut wrong_id = a.clone();
    wrong_id.id = EntryId::new();
    assert!(matches!(
        s.append(&fix(&wrong_id, None), Capture::default()),
        Err(Error::BadSupplement { .. })
    ));
    assert_eq!(s.head().unwrap().0, 4);
}

#[test]
fn fixes_are_buffered_durably_and_sealed_into_segments() {
    let (dir, mut s, clock) = store();
    s.set_flush_policy(FlushPolicy {
        max_fixes: 5,
        max_span_ms: 60_000,
    });
    assert!(matches!(
        s.record_fix(PositionFix::at(T0, 29.03, 111.69)),
        Err(Error::NoOpenPatrol)
    ));
    let p = s.start_patrol(start("G07"), Capture::default()).unwrap();
    assert!(matches!(
        s.start_patrol(start("G08"), Capture::default()),
        Err(Error::PatrolAlreadyOpen(_))
    ));
    let mut sealed = 0;
    for i in 0..12 {
        let out = s
            .record_fix(PositionFix::at(
                T0 + i * 1000,
                29.03 + i as f64 * 1e-5,
                111.69,
            ))
            .unwrap();
        sealed += out.sealed.is_some() as usize;
    }
    assert_eq!(sealed, 2);
    // A crash now: the two buffered fixes are still there after reopening.
    std::mem::forget(s);
    let mut s = reopen(&dir, &clock);
    let open = s.open_patrol().unwrap().unwrap();
    assert_eq!(s.buffered_fixes(open.patrol_id).unwrap().len(), 2);
    let stopped = s.stop_patrol(None, Capture::default()).unwrap();
    assert_eq!(
        stopped.iter().map(|e| e.kind).collect::<Vec<_>>(),
        [EntryKind::TrackSegment, EntryKind::PatrolStopped]
    );
    let fixes: usize = s
        .entries_of(&[EntryKind::TrackSegment])
        .unwrap()
        .iter()
        .map(|e| match e.record().unwrap() {
            Record::TrackSegment(t) => t.fixes.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(fixes, 12, "every fix sealed exactly once");
    assert!(s.open_patrol().unwrap().is_none());
    assert_eq!(p.seq, 1);
    // Invalid fix: nothing buffered.
    s.start_patrol(start("G07"), Capture::default()).unwrap();
    assert!(matches!(
        s.record_fix(PositionFix::at(T0, f64::NAN, 111.0)),
        Err(Error::Invalid(_))
    ));
}

/// A patrol's fixes and gaps are read from its start on, not from the whole ledger: the answer
/// is the one the whole ledger gives (the oracle here), for the running patrol, for an earlier
/// one, with a withdrawn segment, with a supplement of an earlier patrol's report made during
/// this one, and for segments no start names (then everything is read).
#[test]
fn a_patrols_fixes_are_read_from_its_start_and_equal_the_whole_ledgers() {
    let (_dir, mut s, clock) = store();
    s.set_flush_policy(FlushPolicy {
        max_fixes: 4,
        max_span_ms: 60_000,
    });
    let mut t = T0;
    let mut walk = |s: &mut patrol_device::Store, n: usize| {
        for _ in 0..n {
            t += 1000;
            clock.set_wall_ms(t);
            s.record_fix(PositionFix::at(t, 29.03 + (t - T0) as f64 * 1e-8, 111.69))
                .unwrap();
        }
    };
    // Segments that no start names, appended as a tool could.
    let stray = PatrolId::new();
    s.append(
        &Record::TrackSegment(TrackSegment::new(
            stray,
            vec![PositionFix::at(T0 - 5000, 29.0, 111.6)],
        )),
        Capture::default(),
    )
    .unwrap();
    let a = s.start_patrol(start("G07"), Capture::default()).unwrap();
    walk(&mut s, 10);
    let report = s
        .append(&violation(ViolationType::NoHelmet), Capture::default())
        .unwrap();
    s.stop_patrol(None, Capture::default()).unwrap();
    let b = s.start_patrol(start("G07"), Capture::default()).unwrap();
    walk(&mut s, 9);
    // During patrol B: patrol A's report corrected, one of B's segments withdrawn.
    s.append(
        &supplement(&report, Some(violation(ViolationType::RedLight))),
        Capture::default(),
    )
    .unwrap();
    let b_segment = s
        .entries_of_after(&[EntryKind::TrackSegment], b.seq)
        .unwrap()
        .remove(0);
    s.append(&supplement(&b_segment, None), Capture::default())
        .unwrap();
    walk(&mut s, 2);

    let oracle = |s: &patrol_device::Store, patrol: PatrolId| -> Vec<PositionFix> {
        let mut fixes: Vec<PositionFix> = s
            .standing(&[EntryKind::TrackSegment])
            .unwrap()
            .into_iter()
            .filter_map(|e| match e.record {
                Record::TrackSegment(t) if t.patrol_id == patrol => Some(t.fixes),
                _ => None,
            })
            .flatten()
            .collect();
        fixes.extend(s.buffered_fixes(patrol).unwrap());
        fixes
    };
    let id = |e: &Entry| match e.record().unwrap() {
        Record::PatrolStarted(p) => p.patrol_id,
        _ => unreachable!(),
    };
    let (a, b) = (id(&a), id(&b));
    let b_fixes = s.patrol_fixes(b).unwrap();
    assert_eq!(b_fixes, oracle(&s, b));
    assert_eq!(
        b_fixes.len(),
        11 - 4,
        "B's first segment withdrawn, its buffer included"
    );
    assert_eq!(s.patrol_fixes(a).unwrap(), oracle(&s, a));
    assert_eq!(s.patrol_fixes(a).unwrap().len(), 10);
    assert_eq!(s.patrol_fixes(stray).unwrap().len(), 1);
    assert_eq!(s.live_patrol().unwrap().unwrap().0.fixes, 7);
}

/// The officer's list reads only its newest entries, and for every length, with and without
/// track segments, it equals the list made from the whole ledger (the oracle): the entries as
/// they stand, the supplements as entries of their own. Corrections of entries older than the
/// list, withdrawals inside it and a correction of a correction's target all appear as before.
#[test]
fn the_newest_entries_equal_the_whole_ledgers_newest_for_every_length() {
    let (_dir, mut s, clock) = store();
    s.set_flush_policy(FlushPolicy {
        max_fixes: 3,
        max_span_ms: 60_000,
    });
    let mut t = T0;
    let old = s
        .append(&violation(ViolationType::NoHelmet), Capture::default())
        .unwrap();
    s.start_patrol(start("G07"), Capture::default()).unwrap();
    for i in 0..20 {
        t += 1000;
        clock.set_wall_ms(t);
        s.record_fix(PositionFix::at(t, 29.03 + i as f64 * 1e-5, 111.69))
            .unwrap();
        if i % 6 == 0 {
            s.append(&violation(ViolationType::RedLight), Capture::default())
                .unwrap();
        }
    }
    let late = s
        .append(
            &violation(ViolationType::IllegalParking),
            Capture::default(),
        )
        .unwrap();
    s.append(
        &supplement(&old, Some(violation(ViolationType::UmbrellaRig))),
        Capture::default(),
    )
    .unwrap();
    s.append(&supplement(&late, None), Capture::default())
        .unwrap();
    s.stop_patrol(None, Capture::default()).unwrap();

    // An item as the list shows it: seq, the record as it stands (none for a supplement), the
    // correcting seqs and the withdrawing seq.
    type Item = (u64, Option<Record>, Vec<u64>, Option<u64>);
    let oracle = |limit: usize, tracks: bool| -> Vec<Item> {
        let mut all: Vec<Item> = s
            .history()
            .unwrap()
            .into_iter()
            .map(|e| (e.entry.seq, Some(e.record), e.corrected_by, e.withdrawn_by))
            .collect();
        for e in s.entries_of(&[EntryKind::Supplement]).unwrap() {
            all.push((e.seq, None, vec![], None));
        }
        all.retain(|(seq, ..)| {
            tracks || s.entry(*seq).unwrap().unwrap().kind != EntryKind::TrackSegment
        });
        all.sort_by_key(|r| std::cmp::Reverse(r.0));
        all.truncate(limit);
        all
    };
    let head = s.head().unwrap().0 as usize;
    for tracks in [true, false] {
        for limit in 0..=head + 1 {
            let got: Vec<_> = s
                .recent(limit, tracks)
                .unwrap()
                .into_iter()
                .map(|r| match r {
                    patrol_device::Recent::Entry(e) => {
                        (e.entry.seq, Some(e.record), e.corrected_by, e.withdrawn_by)
                    }
                    patrol_device::Recent::Supplement(e) => (e.seq, None, vec![], None),
                })
                .collect();
            assert_eq!(got, oracle(limit, tracks), "limit {limit}, tracks {tracks}");
        }
    }
    let reports = s.recent(300, false).unwrap();
    assert!(
        reports.iter().any(|r| r.seq() == old.seq),
        "the first report is still listed behind the patrol's route"
    );
}

/// A day's tally reads only the entries around that day, and equals the tally over the whole
/// ledger for each of four days: with a correction and a withdrawal made days later, an entry
/// whose GNSS time is the day before its wall clock, and a patrol start.
#[test]
fn a_days_tally_equals_the_whole_ledgers_for_every_day() {
    let (_dir, mut s, clock) = store();
    let day = 86_400_000;
    let mut kept = Vec::new();
    for d in 0..3 {
        clock.set_wall_ms(T0 + d * day);
        for t in [ViolationType::NoHelmet, ViolationType::RedLight] {
            kept.push(s.append(&violation(t), Capture::default()).unwrap());
        }
    }
    s.start_patrol(start("G07"), Capture::default()).unwrap();
    s.append(
        &violation(ViolationType::IllegalParking),
        Capture {
            gnss_ms: Some(T0 + 2 * day - day / 2),
            position: None,
        },
    )
    .unwrap();
    s.append(
        &supplement(&kept[0], Some(violation(ViolationType::UmbrellaRig))),
        Capture::default(),
    )
    .unwrap();
    s.append(&supplement(&kept[3], None), Capture::default())
        .unwrap();
    let tz = s.timezone().unwrap();
    let kinds = [
        EntryKind::PatrolStarted,
        EntryKind::Violation,
        EntryKind::LostPerson,
        EntryKind::TrafficAccident,
        EntryKind::Assistance,
        EntryKind::Incident,
        EntryKind::PostArrived,
    ];
    let whole = s.standing(&kinds).unwrap();
    let first = s.today().unwrap() - chrono::Days::new(3);
    let mut seen = 0;
    for d in 0..5 {
        let date = first + chrono::Days::new(d);
        let tally = s.day_tally(date).unwrap();
        assert_eq!(
            tally,
            patrol_device::views::day_tally(&whole, tz, date),
            "{date}"
        );
        seen += tally.entries.values().sum::<u32>();
    }
    assert_eq!(
        seen,
        6 - 1 + 1 + 1,
        "six, one withdrawn, the late one and the start"
    );
}

#[test]
fn drafts_survive_restart_and_finalize_atomically() {
    let (dir, s, clock) = store();
    let body =
        serde_json::json!({"description": "穿灰色外套的老人", "identifying_code": "WB-0931"});
    s.save_draft("lost-1", "lost_person", &body).unwrap();
    drop(s);
    let mut s = reopen(&dir, &clock);
    assert_eq!(s.drafts().unwrap().len(), 1);
    assert_eq!(s.draft("lost-1").unwrap().unwrap().body, body);
    let record = Record::LostPerson(LostPersonReport {
        patrol_id: None,
        description: "穿灰色外套的老人".into(),
        identifying_code: Some("WB-0931".into()),
        found_at: Some(LatLon {
            lat: 29.03,
            lon: 111.69,
        }),
        found_place: Some("光荣路口".into()),
        handed_to: Some("家属".into()),
        handed_over_at: None,
        outcome: LostPersonOutcome::ReunitedWithFamily,
        photos: vec![],
    });
    let e = s
        .finalize_draft("lost-1", &record, Capture::default())
        .unwrap();
    assert_eq!(e.seq, 1);
    assert!(s.drafts().unwrap().is_empty());
    assert_eq!(e.record().unwrap(), record);
}

#[test]
fn photos_are_files_named_by_sha256() {
    let (_dir, s, _) = store();
    let jpeg = [&[0xFF, 0xD8, 0xFF, 0xE0][..], &[7u8; 100]].concat();
    let p = s.add_photo(&jpeg).unwrap();
    assert_eq!(p.mime, "image/jpeg");
    assert_eq!(p.size, 104);
    assert_eq!(s.add_photo(&jpeg).unwrap(), p, "idempotent");
    assert_eq!(s.read_photo(&p.sha256).unwrap(), jpeg);
    assert!(s.photo_path(&p.sha256).ends_with(&p.sha256));
    assert!(matches!(
        s.add_photo(b"not an image"),
        Err(Error::Invalid(_))
    ));
}

#[test]
fn entries_are_stamped_with_their_grid_cell() {
    let (_dir, mut s, _) = store();
    s.set_city(&city(), None).unwrap();
    let at = |lat, lon| Capture {
        gnss_ms: None,
        position: Some(LatLon { lat, lon }),
    };
    let a = s
        .append(&violation(ViolationType::RedLight), at(29.02, 111.65))
        .unwrap();
    let b = s
        .append(&violation(ViolationType::RedLight), at(29.02, 111.75))
        .unwrap();
    let c = s
        .append(&violation(ViolationType::RedLight), at(28.0, 111.75))
        .unwrap();
    assert_eq!(a.cell.as_ref().map(CellId::as_str), Some("WL-01"));
    assert_eq!(b.cell.as_ref().map(CellId::as_str), Some("WL-02"));
    assert_eq!(c.cell, None);
}

#[test]
fn minutes_on_post_count_within_duty_windows() {
    let (_dir, mut s, clock) = store();
    s.set_city(&city(), None).unwrap();
    let post = |arrive: bool| {
        let evidence = VisitEvidence {
            source: "manual".into(),
            ..Default::default()
        };
        if arrive {
            Record::PostArrived(PostArrival {
                crew: Default::default(),
                post_id: "P01".into(),
                patrol_id: None,
                evidence,
            })
        } else {
            Record::PostLeft(PostDeparture {
                post_id: "P01".into(),
                patrol_id: None,
                evidence,
            })
        }
    };
    // 08:00 arrive, 08:45 leave (local): 45 minutes inside 06:00–09:00.
    s.append(&post(true), Capture::default()).unwrap();
    clock.advance_ms(45 * 60_000);
    s.append(&post(false), Capture::default()).unwrap();
    let duty = s.post_duty(s.today().unwrap()).unwrap();
    assert_eq!(duty.len(), 1);
    assert!(!duty[0].on_post);
    assert!(
        (duty[0].windows[0].minutes_on_post - 45.0).abs() < 1e-9,
        "{duty:?}"
    );
    assert_eq!(duty[0].windows[1].minutes_on_post, 0.0);
}

/// The data folder and the files holding evidence and the device secret are the owner's only.
#[cfg(unix)]
#[test]
fn data_folder_and_files_are_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let (dir, s, _clock) = store();
    let png = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
    let photo = s.add_photo(&png).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(dir.path()), 0o700);
    assert_eq!(mode(&dir.path().join("photos")), 0o700);
    assert_eq!(mode(&dir.path().join("device.sqlite")), 0o600);
    assert_eq!(mode(&dir.path().join("photos").join(&photo.sha256)), 0o600);
}

#[test]
fn a_silence_in_the_fixes_is_recorded_as_a_gap_with_its_cause_and_counts_no_distance() {
    let (dir, mut s, clock) = store();
    let patrol = start("G07");
    let patrol_id = patrol.patrol_id;
    s.start_patrol(patrol, Capture::default()).unwrap();
    let t0 = clock.wall_ms();
    let fix = |t_s: i64, north_m: f64| PositionFix {
        accuracy_m: Some(5.0),
        ..PositionFix::at(t0 + t_s * 1000, 29.03 + north_m / 111_320.0, 111.69)
    };
    // A minute walking 100 m north, fixes every 5 s.
    for i in 0..=12 {
        let out = s.record_fix(fix(i * 5, i as f64 * 100.0 / 12.0)).unwrap();
        assert!(out.gap.is_none());
    }
    // The system pauses location; ten minutes later a fix 3 km further north.
    clock.advance_ms(60_000);
    s.note_interruption(GapCause::AppPaused).unwrap();
    let out = s.record_fix(fix(660, 3_100.0)).unwrap();
    let gap = out.gap.expect("the silence is a gap");
    match gap.record().unwrap() {
        Record::TrackGap(g) => {
            assert_eq!((g.from_ms, g.to_ms), (t0 + 60_000, t0 + 660_000));
            assert_eq!(g.cause, GapCause::AppPaused);
            assert_eq!(g.patrol_id, patrol_id);
        }
        other => panic!("{other:?}"),
    }
    s.record_fix(fix(665, 3_110.0)).unwrap();
    // About 110 m walked; the 3 km jump is not counted.
    let d = s.patrol_distance_m(patrol_id).unwrap();
    assert!((d - 110.0).abs() < 2.0, "{d}");
    let live = s.live_patrol().unwrap().unwrap().0;
    assert_eq!(live.distance_m, (d * 10.0).round() / 10.0);

    // Killed mid-patrol: the next silence is the restart's.
    let last = t0 + 665_000;
    std::mem::forget(s); // no clean shutdown
    clock.set_wall_ms(last + 60_000); // the phone is back a minute later
    let mut s = reopen(&dir, &clock);
    assert!(s.open_report().unclean_shutdown);
    let out = s
        .record_fix(PositionFix {
            accuracy_m: Some(5.0),
            ..PositionFix::at(last + 900_000, 29.06, 111.69)
        })
        .unwrap();
    match out.gap.expect("a gap").record().unwrap() {
        Record::TrackGap(g) => assert_eq!(g.cause, GapCause::DeviceRestarted),
        other => panic!("{other:?}"),
    }
    // A short pause is no gap, and a note from while fixes kept coming explains no later gap.
    clock.set_wall_ms(last + 900_000);
    s.note_interruption(GapCause::BatterySaver).unwrap();
    let at = |t: i64| PositionFix {
        accuracy_m: Some(5.0),
        ..PositionFix::at(last + t, 29.06, 111.69)
    };
    for t in (960_000..=1_260_000).step_by(60_000) {
        assert!(s.record_fix(at(t)).unwrap().gap.is_none());
    }
    match s
        .record_fix(at(1_900_000))
        .unwrap()
        .gap
        .expect("a gap")
        .record()
        .unwrap()
    {
        Record::TrackGap(g) => assert_eq!(g.cause, GapCause::NoFix),
        other => panic!("{other:?}"),
    }
    assert!(s.verify().unwrap().is_intact());
}

#[test]
fn the_last_shift_is_the_last_patrol_started_as_corrected() {
    let (_dir, mut s, clock) = store();
    assert_eq!(
        s.last_shift().unwrap(),
        None,
        "nothing to repeat on a new phone"
    );
    let first = start("G07");
    s.start_patrol(first.clone(), Capture::default()).unwrap();
    s.stop_patrol(None, Capture::default()).unwrap();
    clock.advance_ms(3_600_000);
    let mut second = start("G08");
    second.mode = PatrolMode::Motorcycle;
    second.vehicle_plate = Some("湘J12345".parse().unwrap());
    let entry = s.start_patrol(second.clone(), Capture::default()).unwrap();
    assert_eq!(s.last_shift().unwrap(), Some(second.clone()));
    // Corrected afterwards (the officer put the wrong name): the correction is what repeats.
    let mut fixed = second.clone();
    fixed.officers = vec!["王警官".into()];
    s.append(
        &Record::Supplement(Supplement {
            target_id: entry.id,
            target_seq: entry.seq,
            reason: "民警姓名录错".into(),
            correction: Some(Box::new(Record::PatrolStarted(fixed.clone()))),
        }),
        Capture::default(),
    )
    .unwrap();
    assert_eq!(s.last_shift().unwrap(), Some(fixed));
    // Withdrawn: the one before it is the last shift.
    s.append(
        &Record::Supplement(Supplement {
            target_id: entry.id,
            target_seq: entry.seq,
            reason: "误开始".into(),
            correction: None,
        }),
        Capture::default(),
    )
    .unwrap();
    assert_eq!(s.last_shift().unwrap(), Some(first));
}

/// Issue 12: the post list starts with the post the officer is on, then their group's posts,
/// then the nearest; off patrol it keeps the city's order.
#[test]
fn posts_come_on_post_first_then_assigned_then_nearest() {
    let (_dir, mut s, clock) = store();
    let mut c = city();
    let post = |id: &str, lat: f64, lon: f64| {
        serde_json::from_value::<Post>(serde_json::json!({
            "id": id, "name": id, "location": {"lat": lat, "lon": lon}, "radius_m": 50
        }))
        .unwrap()
    };
    // P01 is in WL-01 (the city's own); P02 far in WL-01; P03 in WL-02, G07's cell; P04 near.
    c.posts.push(post("P02", 29.001, 111.601));
    c.posts.push(post("P03", 29.04, 111.79));
    c.posts.push(post("P04", 29.031, 111.691));
    c.groups[0].cells = vec!["WL-02".into()];
    s.set_city(&c, None).unwrap();
    let ids = |s: &patrol_device::Store| -> Vec<String> {
        let d = s.post_duty(s.today().unwrap()).unwrap();
        d.iter().map(|p| p.post_id.0.clone()).collect()
    };
    assert_eq!(
        ids(&s),
        ["P01", "P02", "P03", "P04"],
        "off patrol: the city's order"
    );

    s.start_patrol(start("G07"), Capture::default()).unwrap();
    s.record_fix(PositionFix::at(T0 + 1_000, 29.0312, 111.6912))
        .unwrap();
    assert_eq!(
        ids(&s),
        ["P03", "P04", "P01", "P02"],
        "assigned, then nearest"
    );
    let d = s.post_duty(s.today().unwrap()).unwrap();
    assert!(d[0].assigned && !d[1].assigned);
    assert!(d[1].distance_m.unwrap() < d[2].distance_m.unwrap());

    let manual = VisitEvidence {
        source: "manual".into(),
        ..Default::default()
    };
    s.arrive_at_post("P02".into(), Default::default(), manual, Capture::default())
        .unwrap();
    assert_eq!(ids(&s)[0], "P02", "the post the officer is on comes first");

    // An old fix says nothing about where the officer is now.
    clock.advance_ms(11 * 60_000);
    let d = s.post_duty(s.today().unwrap()).unwrap();
    assert!(d.iter().all(|p| p.distance_m.is_none()), "{d:?}");
}
