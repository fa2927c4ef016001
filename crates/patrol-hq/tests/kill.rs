//! HQ killed mid-ingest, for real: the `patrol-hq` binary is SIGKILLed at random moments while
//! a device uploads, then started again on the same data, on SQLite and on PostgreSQL (whose
//! server is also crashed and restarted mid-ingest); and HQ's database filling up. After each
//! run: every entry HQ ever confirmed is held, HQ holds the whole chain exactly once (seqs 1..N,
//! the device's own hash at N) and `patrol-hq verify` passes.
//!
//! Short by default; `PATROL_SOAK_HQ_KILLS` sets the kills per backend for the long form
//! (`scripts/soak`). Each test prints one `soak:` line.

mod pg;

use patrol_testkit::chain::tallies as chain;
use patrol_testkit::process::{HqProcess, enrol, head, request, upload};

fn hq(store: &[&str]) -> HqProcess {
    HqProcess::new(env!("CARGO_BIN_EXE_patrol-hq"), store)
}
use patrol_model::DeviceId;
use patrol_model::v1;
use rand::Rng;
use std::time::Duration;

fn kills() -> usize {
    std::env::var("PATROL_SOAK_HQ_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
}

/// Kill HQ `kills` times at random moments of an upload, then let it finish; check the result.
/// `between` runs after each kill (e.g. crash PostgreSQL too).
fn killed_mid_ingest(label: &str, store: &[&str], kills: usize, between: &dyn Fn(usize)) {
    let mut hq = hq(store);
    let now = chrono::Utc::now().timestamp_millis();
    let device = DeviceId::new();
    let entries = chain(device, 150 + 40 * kills as u64, now);
    hq.start();
    let token = enrol(&hq, device);
    let mut rng = rand::rng();
    let mut confirmed = 0;
    for k in 0..kills {
        let addr = hq.addr;
        let child = hq.child.take().unwrap();
        let delay = Duration::from_millis(rng.random_range(0..60));
        let killer = std::thread::spawn(move || {
            std::thread::sleep(delay);
            let mut c = child;
            let _ = c.kill();
            let _ = c.wait();
        });
        confirmed = confirmed.max(upload(&hq, &token, &entries, 10));
        killer.join().unwrap();
        // Every entry HQ ever confirmed survives the kill.
        between(k);
        hq.start();
        let head = head(addr, device, &token).unwrap();
        assert!(
            head.seq >= confirmed,
            "{label}: HQ confirmed {confirmed} but holds {}",
            head.seq
        );
    }
    upload(&hq, &token, &entries, 50);
    let head = head(hq.addr, device, &token).unwrap();
    let n = entries.len() as u64;
    assert_eq!(
        (head.seq, head.hash),
        (n, entries[n as usize - 1].hash),
        "{label}"
    );
    hq.kill();
    let verify = hq.cli(&["verify"]);
    assert!(verify.starts_with("ok "), "{label}: {verify}");
    println!(
        "soak: HQ killed mid-ingest ({label}) {kills} times, entries {n} sent, {n} held once, \
         confirmed before a kill never lost, duplicates 0, chain ok"
    );
}

#[test]
fn hq_killed_mid_ingest_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().display().to_string();
    killed_mid_ingest("sqlite", &["--data", &data], kills(), &|_| {});
}

#[tokio::test(flavor = "multi_thread")]
async fn hq_and_postgres_killed_mid_ingest() {
    let db = pg::TestDb::create().await;
    let url = db.url.clone();
    let kills = kills();
    let crashed = std::sync::atomic::AtomicUsize::new(0);
    tokio::task::block_in_place(|| {
        killed_mid_ingest("postgres", &["--db", &url], kills, &|k| {
            // Every other kill crashes PostgreSQL too (a server we own).
            if k % 2 == 1 && db.crash_restart() {
                crashed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
    });
    println!(
        "soak: PostgreSQL crashed and restarted mid-ingest {} times",
        crashed.load(std::sync::atomic::Ordering::Relaxed)
    );
}

/// HQ's database fills up (a size cap behaves as a full disk): uploads are refused with 507 and
/// a clear code, nothing is half-stored, and the rest goes in when space returns.
#[test]
fn a_full_database_refuses_cleanly_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().display().to_string();
    let mut hq = hq(&["--data", &data]);
    hq.start();
    let device = DeviceId::new();
    let token = enrol(&hq, device);
    let entries = chain(device, 3000, chrono::Utc::now().timestamp_millis());
    hq.kill();
    // Room for the schema and a few hundred entries, not for 3,000.
    hq.args.extend(["--max-db-mb".to_owned(), "1".to_owned()]);
    hq.start();
    let mut full = None;
    let mut from = 0;
    while from < entries.len() {
        let body = serde_json::to_string(&v1::UploadRequest {
            device_now_ms: entries[0].wall_ms,
            entries: entries[from..(from + 100).min(entries.len())].to_vec(),
        })
        .unwrap();
        let (status, answer) = request(
            hq.addr,
            "POST",
            &format!("/api/v1/devices/{device}/entries"),
            Some(&token),
            Some(&body),
        )
        .unwrap();
        if status == 507 {
            full = Some(answer);
            break;
        }
        assert_eq!(status, 200, "{answer}");
        from = serde_json::from_str::<v1::UploadResponse>(&answer)
            .unwrap()
            .head
            .seq as usize;
    }
    let full = full.expect("the cap was reached");
    assert!(full.contains("storage_full"), "{full}");
    // Nothing half-stored: the chain HQ holds verifies and ends where its head says.
    hq.kill();
    let verify = hq.cli(&["verify"]);
    assert!(verify.starts_with("ok "), "{verify}");
    let held = from;
    // Space returns: the rest goes in.
    hq.args.truncate(2);
    hq.start();
    upload(&hq, &token, &entries, 200);
    assert_eq!(head(hq.addr, device, &token).unwrap().seq, 3000);
    println!(
        "soak: database full after {held} of 3000 entries: 507 storage_full, nothing half-stored, all 3000 held once space returned"
    );
}
