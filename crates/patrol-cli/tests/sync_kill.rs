//! The device process killed in the middle of `patrol sync`, many times, at random moments,
//! against the real HQ on 127.0.0.1. Whatever the kill interrupted, the next sync converges: HQ
//! holds every entry exactly once and its chain verifies.
//!
//! `PATROL_SOAK_SYNC_KILLS` sets the number of kills (default 15; `scripts/soak` runs 200). The
//! test ends with one `soak:` line that the soak script puts in its table.

use patrol_testkit::BlockingHq;
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Kills in the short form that `cargo test` runs.
const KILLS: usize = 15;

fn kills() -> usize {
    std::env::var("PATROL_SOAK_SYNC_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(KILLS)
}

fn patrol(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_patrol"))
        .arg("--data")
        .arg(dir)
        .args(args)
        .env("PATROL_KEY_FILE", dir.join("store.key"))
        .output()
        .unwrap()
}

#[test]
fn killing_the_device_mid_sync_never_loses_or_duplicates() {
    let hq = BlockingHq::start();
    let code = hq.enrollment_code("kill test");
    let device = tempfile::tempdir().unwrap();
    let out = patrol(
        device.path(),
        &["enroll", "--hq", &hq.url(), "--code", &code],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut rng = StdRng::seed_from_u64(11);
    let mut killed_mid_sync = 0;
    let kills = kills();
    for round in 0..kills {
        // Some new evidence each round, then a sync that dies at a random moment.
        for _ in 0..rng.random_range(20..60) {
            let out = patrol(
                device.path(),
                &["report", "violation", "--type", "no-helmet"],
            );
            assert!(out.status.success());
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_patrol"))
            .arg("--data")
            .arg(device.path())
            .arg("sync")
            .env("PATROL_KEY_FILE", device.path().join("store.key"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_millis(rng.random_range(5..120));
        while Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        if child.try_wait().unwrap().is_none() {
            killed_mid_sync += 1;
        }
        child.kill().ok(); // SIGKILL
        child.wait().unwrap();
        let verify = patrol(device.path(), &["verify"]);
        assert!(
            verify.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&verify.stderr)
        );
    }
    assert!(killed_mid_sync > 0, "no kill landed during a sync");

    let out = patrol(device.path(), &["sync"]);
    assert!(
        out.status.success(),
        "final sync: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status: serde_json::Value =
        serde_json::from_slice(&patrol(device.path(), &["status", "--json"]).stdout).unwrap();
    let head = status["head"]["seq"].as_u64().unwrap();
    assert_eq!(status["unsynced"], 0, "{status}");
    let device_id: patrol_model::DeviceId = status["device_id"].as_str().unwrap().parse().unwrap();
    let stored = hq
        .rt
        .block_on(hq.storage.entries(device_id, 1, 100_000))
        .unwrap();
    let distinct = stored
        .iter()
        .map(|s| s.entry.seq)
        .collect::<std::collections::HashSet<_>>();
    let duplicates = stored.len() - distinct.len();
    assert_eq!(
        (stored.len() as u64, duplicates),
        (head, 0),
        "every entry exactly once"
    );
    let reports = hq
        .rt
        .block_on(patrol_hq::verify::verify_all(hq.storage.as_ref()))
        .unwrap();
    assert!(reports.iter().all(|r| r.is_intact()), "{reports:?}");
    println!(
        "soak: sync kills {kills} ({killed_mid_sync} mid-sync), entries {head}/{head} at HQ, duplicates {duplicates}, chain ok"
    );
}
