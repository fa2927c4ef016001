//! Someone with write access to HQ's SQLite file edits the evidence behind HQ's back: the
//! append-only triggers are dropped first, as an attacker with the file would. `verify_all` must
//! name the seq for every edit that breaks the chain (an altered byte, a deleted entry, two
//! swapped seqs). A suffix rewritten consistently — hashes, links and the head recomputed — is
//! the limit of any self-contained hash chain: HQ's own verify cannot see it, and this test pins
//! that honestly. The anchor outside HQ is the device's ledger:
//! `crates/patrol-sync/tests/tamper_anchor.rs` shows the device catching exactly that rewrite.
//!
//! Each case prints one `tamper:` line; the soak script collects them.

use patrol_hq::storage::sqlite::{DB_FILE, SqliteStorage};
use patrol_hq::storage::{IngestPlan, Storage, StoredEntry};
use patrol_hq::verify::verify_all;
use patrol_model::{DeviceId, Entry, EntryId, EntryKind, Hash, UnsealedEntry};
use rusqlite::{Connection, params};
use std::path::Path;

const NOW: i64 = 1_764_400_000_000;
const N: u64 = 10;

/// An enrolled device holding a verified chain of `N` violation entries at HQ.
async fn hq_with_chain(dir: &Path) -> (SqliteStorage, DeviceId, Vec<Entry>) {
    let s = SqliteStorage::open(dir).unwrap();
    let d = DeviceId::new();
    s.create_enrollment("code-hash", "phone", NOW, NOW + 600_000)
        .await
        .unwrap();
    s.redeem_enrollment("code-hash", d, "secret-hash", NOW)
        .await
        .unwrap();
    let mut prev = Hash::GENESIS;
    let entries: Vec<Entry> = (1..=N)
        .map(|seq| {
            let e = UnsealedEntry {
                device_id: d,
                seq,
                id: EntryId::new(),
                kind: EntryKind::Violation,
                wall_ms: NOW + seq as i64 * 1000,
                mono_ms: 5_000 + seq as i64 * 1000,
                gnss_ms: None,
                cell: None,
                payload: format!(r#"{{"type":"no-helmet","count":{seq}}}"#).into_bytes(),
                prev_hash: prev,
            }
            .seal()
            .unwrap();
            prev = e.hash;
            e
        })
        .collect();
    let new = entries
        .iter()
        .map(|e| StoredEntry {
            entry: e.clone(),
            received_ms: NOW + 60_000,
            event_ms: e.wall_ms,
            patrol_id: None,
            flags: vec![],
            quarantine: None,
        })
        .collect();
    let plan = IngestPlan {
        expected_head: 0,
        new,
        seen_ms: NOW,
        ..IngestPlan::default()
    };
    s.commit_ingest(d, plan).await.unwrap();
    let reports = verify_all(&s).await.unwrap();
    assert!(reports[0].is_intact(), "before tampering: {reports:?}");
    (s, d, entries)
}

/// HQ's file opened the way an attacker would: directly, with the append-only triggers gone.
fn attacker(dir: &Path) -> Connection {
    let c = Connection::open(dir.join(DB_FILE)).unwrap();
    c.execute_batch(
        "DROP TRIGGER entries_no_update;
         DROP TRIGGER entries_no_delete;",
    )
    .unwrap();
    c
}

/// Reopens HQ on the tampered file (as after a restart) and returns the one device's problem.
async fn verify_after(dir: &Path) -> Option<String> {
    let s = SqliteStorage::open(dir).unwrap();
    let reports = verify_all(&s).await.unwrap();
    assert_eq!(reports.len(), 1);
    reports[0].problem.clone()
}

#[tokio::test]
async fn an_altered_payload_byte_is_named_by_its_seq() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _, _) = hq_with_chain(dir.path()).await;
    drop(s);
    let c = attacker(dir.path());
    // `count":7` becomes `count":8`: one byte, still valid JSON, a believable lie.
    let payload: Vec<u8> = c
        .query_row("SELECT payload FROM entries WHERE seq = 7", [], |r| {
            r.get(0)
        })
        .unwrap();
    let mut forged = payload.clone();
    let at = forged.iter().rposition(|b| *b == b'7').unwrap();
    forged[at] = b'8';
    c.execute(
        "UPDATE entries SET payload = ?1 WHERE seq = 7",
        params![forged],
    )
    .unwrap();
    drop(c);
    let problem = verify_after(dir.path()).await.expect("tampering unnoticed");
    assert!(problem.starts_with("seq 7:"), "{problem}");
    println!("tamper: payload byte altered at seq 7 -> detected: {problem}");
}

#[tokio::test]
async fn a_deleted_entry_is_named_by_its_seq() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _, _) = hq_with_chain(dir.path()).await;
    drop(s);
    let c = attacker(dir.path());
    c.execute("DELETE FROM entries WHERE seq = 5", []).unwrap();
    drop(c);
    let problem = verify_after(dir.path()).await.expect("tampering unnoticed");
    assert!(problem.contains("expected seq 5"), "{problem}");
    println!("tamper: entry at seq 5 deleted -> detected: {problem}");
}

#[tokio::test]
async fn the_last_entry_deleted_is_named_by_the_head() {
    // Deleting the tail leaves a chain that links perfectly; only the head row gives it away.
    let dir = tempfile::tempdir().unwrap();
    let (s, _, _) = hq_with_chain(dir.path()).await;
    drop(s);
    let c = attacker(dir.path());
    c.execute("DELETE FROM entries WHERE seq = ?1", params![N as i64])
        .unwrap();
    drop(c);
    let problem = verify_after(dir.path()).await.expect("tampering unnoticed");
    assert!(problem.contains(&format!("seq {N}")), "{problem}");
    println!("tamper: last entry (seq {N}) deleted -> detected: {problem}");
}

#[tokio::test]
async fn two_swapped_seqs_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let (s, _, _) = hq_with_chain(dir.path()).await;
    drop(s);
    let c = attacker(dir.path());
    // Through a free seq, since (device_id, seq) is the primary key.
    c.execute_batch(
        "UPDATE entries SET seq = 1000 WHERE seq = 3;
         UPDATE entries SET seq = 3 WHERE seq = 4;
         UPDATE entries SET seq = 4 WHERE seq = 1000;",
    )
    .unwrap();
    drop(c);
    let problem = verify_after(dir.path()).await.expect("tampering unnoticed");
    assert!(problem.starts_with("seq 3:"), "{problem}");
    println!("tamper: seqs 3 and 4 swapped -> detected: {problem}");
}

#[tokio::test]
async fn a_consistently_rewritten_suffix_passes_hqs_own_verify() {
    // The careful attacker: rewrite seqs K..N, recomputing every hash and link and the device's
    // head. Nothing inside HQ's file contradicts the rewrite, so `verify_all` passes. This is the
    // documented limit; the device's ledger is the anchor that catches it (tamper_anchor.rs).
    const K: u64 = 6;
    let dir = tempfile::tempdir().unwrap();
    let (s, d, entries) = hq_with_chain(dir.path()).await;
    drop(s);
    let c = attacker(dir.path());
    let mut prev = entries[K as usize - 2].hash;
    for e in &entries[K as usize - 1..] {
        let forged = UnsealedEntry {
            payload: br#"{"type":"no-helmet","count":0}"#.to_vec(),
            prev_hash: prev,
            ..e.unsealed()
        }
        .seal()
        .unwrap();
        c.execute(
            "UPDATE entries SET payload = ?1, prev_hash = ?2, hash = ?3 WHERE seq = ?4",
            params![
                forged.payload,
                forged.prev_hash.0,
                forged.hash.0,
                e.seq as i64
            ],
        )
        .unwrap();
        prev = forged.hash;
    }
    c.execute(
        "UPDATE devices SET head_hash = ?1 WHERE id = ?2",
        params![prev.0, d.to_string()],
    )
    .unwrap();
    drop(c);

    assert_eq!(verify_after(dir.path()).await, None);
    let s = SqliteStorage::open(dir.path()).unwrap();
    let head = s.device(d).await.unwrap().unwrap().head;
    assert_eq!((head.seq, head.hash), (N, prev), "the rewrite took hold");
    assert_ne!(head.hash, entries[N as usize - 1].hash);
    println!(
        "tamper: suffix seqs {K}..{N} rewritten consistently -> HQ verify passes (limit; the device ledger anchors it)"
    );
}
