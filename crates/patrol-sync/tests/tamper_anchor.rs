//! The anchor outside HQ. An attacker with HQ's SQLite file rewrites a suffix of a device's chain
//! consistently — every hash, every link and the head recomputed — so HQ's own `verify_all`
//! passes (crates/patrol-hq/tests/tamper.rs pins that limit). The device still holds the
//! original ledger: its next sync finds HQ's head is not its own, reports the queue stuck naming
//! that seq, and shows HQ its own copies, so HQ's conflict list names exactly the rewritten seqs.
//!
//! Real device store, real sync engine, real HQ on 127.0.0.1:0 over real HTTP. Prints one
//! `tamper:` line for the soak script.

mod common;
use common::*;
use patrol_hq::storage::sqlite::DB_FILE;
use patrol_hq::verify::verify_all;
use patrol_model::{Hash, UnsealedEntry};
use patrol_sync::{SyncOptions, blocking};
use rusqlite::params;
use std::time::Duration;

fn fast() -> SyncOptions {
    SyncOptions {
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(5),
        timeout: Duration::from_secs(20),
        ..SyncOptions::default()
    }
}

#[test]
fn a_device_catches_a_suffix_rewritten_consistently_at_hq() {
    const N: u64 = 10;
    const K: u64 = 6;
    // HQ on SQLite in a data folder this test edits behind HQ's back.
    let hq = hq();
    let (rt, state, url) = (&hq.rt, &hq.state, hq.url());

    let mut d = Device::new();
    let code = hq.enrollment_code("巡逻终端 07");
    blocking::enroll(&mut d.store, &url, &code).unwrap();
    d.violations(N as usize);
    let report = blocking::sync_with_options(&mut d.store, fast(), |_| {}).unwrap();
    assert_eq!((report.receipt.head.seq, report.stuck), (N, None));
    let device_id = d.store.device_id();

    // The careful attacker: seqs K..N get other payloads, resealed and relinked, head moved.
    let db = rusqlite::Connection::open(hq.dir.join(DB_FILE)).unwrap();
    db.execute_batch(
        "DROP TRIGGER entries_no_update;
         DROP TRIGGER entries_no_delete;",
    )
    .unwrap();
    let mut prev = d.store.entry(K - 1).unwrap().unwrap().hash;
    for seq in K..=N {
        let e = d.store.entry(seq).unwrap().unwrap();
        let forged = UnsealedEntry {
            payload: String::from_utf8(e.payload.clone())
                .unwrap()
                .replace("no-helmet", "no-plate")
                .into_bytes(),
            prev_hash: prev,
            ..e.unsealed()
        }
        .seal()
        .unwrap();
        assert_ne!(forged.hash, e.hash, "the rewrite changes seq {seq}");
        db.execute(
            "UPDATE entries SET payload = ?1, prev_hash = ?2, hash = ?3
             WHERE device_id = ?4 AND seq = ?5",
            params![
                forged.payload,
                forged.prev_hash.0,
                forged.hash.0,
                device_id.to_string(),
                seq as i64
            ],
        )
        .unwrap();
        prev = forged.hash;
    }
    let changed = db
        .execute(
            "UPDATE devices SET head_hash = ?1 WHERE id = ?2",
            params![prev.0, device_id.to_string()],
        )
        .unwrap();
    assert_eq!(changed, 1);
    drop(db);
    let forged_head: Hash = prev;

    // HQ's own verification sees nothing wrong: the rewrite is internally consistent.
    let reports = rt.block_on(verify_all(state.storage.as_ref())).unwrap();
    assert!(reports.iter().all(|r| r.is_intact()), "{reports:?}");
    let head = rt
        .block_on(state.storage.device(device_id))
        .unwrap()
        .unwrap()
        .head;
    assert_eq!((head.seq, head.hash), (N, forged_head));

    // The device records on and syncs: its own ledger contradicts HQ's head.
    d.violations(2);
    let report = blocking::sync_with_options(&mut d.store, fast(), |_| {}).unwrap();
    let stuck = report
        .stuck
        .clone()
        .expect("the device must report the fork");
    assert!(
        stuck.contains(&format!("HQ's entry at seq {N} is not this device's")),
        "{stuck}"
    );
    assert_eq!(
        report.uploaded, 0,
        "nothing chained onto the forged history"
    );
    assert_eq!(report.pending, 2);

    // HQ now holds the device's own copies of exactly the rewritten seqs, as conflicts.
    let conflicts = rt
        .block_on(state.storage.conflicts(Some(device_id)))
        .unwrap();
    let seqs: Vec<u64> = conflicts.iter().map(|(_, c)| c.seq).collect();
    assert_eq!(seqs, (K..=N).collect::<Vec<_>>(), "{stuck}");
    for (_, c) in &conflicts {
        assert_eq!(c.device_hash, d.store.entry(c.seq).unwrap().unwrap().hash);
    }
    println!(
        "tamper: HQ suffix seqs {K}..{N} rewritten consistently -> HQ verify passes; device sync stuck at seq {N}, HQ conflicts name seqs {K}..{N}"
    );
}
