//! Crash test: a child process appends entries as fast as it can and is killed with SIGKILL at a
//! random moment, many times. After every kill the store must open, `verify` must pass, and every
//! entry whose commit had returned (the child prints it only after `append` returned) must be
//! present with the same hash.
//!
//! The child is this same test binary, re-run with `CRASH_WRITER_DIR` set; without that variable
//! `crash_writer` returns at once (it is the child's entry point, not a test of its own).
//!
//! `PATROL_SOAK_KILLS` sets the number of kills (default 40; `scripts/soak` runs 1000). The test
//! ends with one `soak:` line that the soak script puts in its table.

mod common;
use patrol_device::{Capture, Store, SystemClock};
use patrol_model::*;
use rand::{Rng, SeedableRng, rngs::StdRng};
use std::collections::HashSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Kills in the short form that `cargo test` runs.
const KILLS: usize = 40;

fn kills() -> usize {
    std::env::var("PATROL_SOAK_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(KILLS)
}

/// Every promised seq present with the promised hash.
fn check_promised(store: &Store, round: usize, promised: &[(u64, String)]) {
    for (seq, hash) in promised {
        let e = store
            .entry(*seq)
            .unwrap()
            .unwrap_or_else(|| panic!("round {round}: seq {seq} lost"));
        assert_eq!(&e.hash.to_hex(), hash, "round {round}: seq {seq} altered");
    }
}

#[test]
fn crash_writer() {
    let Ok(dir) = std::env::var("CRASH_WRITER_DIR") else {
        return;
    };
    let mut store = Store::open(&dir, Arc::new(SystemClock::new())).unwrap();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if store.open_patrol().unwrap().is_none() {
        store
            .start_patrol(common::start("G07"), Capture::default())
            .unwrap();
    }
    let mut i = 0u64;
    loop {
        i += 1;
        let entries = if i.is_multiple_of(3) {
            let fix = PositionFix::at(
                common::T0 + i as i64 * 1000,
                29.03,
                111.69 + (i % 1000) as f64 * 1e-5,
            );
            store.record_fix(fix).unwrap().sealed.into_iter().collect()
        } else {
            vec![
                store
                    .append(
                        &common::violation(ViolationType::NoHelmet),
                        Capture::default(),
                    )
                    .unwrap(),
            ]
        };
        for e in entries {
            // Printed only after the commit returned: this line is the promise under test.
            writeln!(out, "committed {} {}", e.seq, e.hash).unwrap();
            out.flush().unwrap();
        }
    }
}

#[test]
fn sigkill_at_random_moments_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut promised: Vec<(u64, String)> = Vec::new();
    let kills = kills();
    for round in 0..kills {
        let checked = promised.len();
        let mut child = Command::new(&exe)
            .args(["--exact", "crash_writer", "--nocapture", "--test-threads=1"])
            .env("CRASH_WRITER_DIR", dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<_>>()
        });
        let wait = Duration::from_millis(rng.random_range(20..400));
        let t = Instant::now();
        while t.elapsed() < wait {
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        for line in reader.join().unwrap() {
            if let Some(rest) = line.strip_prefix("committed ") {
                let (seq, hash) = rest.split_once(' ').unwrap();
                promised.push((seq.parse().unwrap(), hash.to_owned()));
            }
        }

        let store = Store::open(dir.path(), Arc::new(SystemClock::new())).unwrap();
        let report = store.verify().unwrap();
        assert!(report.is_intact(), "round {round}: {report:?}");
        // This round's promises, and a sample of the older ones: checking every old promise
        // after every kill grows quadratically over a 1000-kill soak. `verify` above already
        // re-hashes the whole chain, and every promise is checked once more at the end.
        check_promised(&store, round, &promised[checked..]);
        for _ in 0..checked.min(50) {
            let i = rng.random_range(0..checked);
            check_promised(&store, round, &promised[i..=i]);
        }
    }
    assert!(
        promised.len() > kills,
        "the writer committed only {} entries",
        promised.len()
    );
    let store = Store::open(dir.path(), Arc::new(SystemClock::new())).unwrap();
    check_promised(&store, kills, &promised);
    // A seq promised twice would mean a commit that returned was later replaced.
    let distinct = promised.iter().map(|(s, _)| *s).collect::<HashSet<_>>();
    let duplicates = promised.len() - distinct.len();
    assert_eq!(duplicates, 0, "seqs promised more than once");
    let report = store.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    println!(
        "soak: device kills {kills}, promised entries {n}/{n} held, duplicates {duplicates}, chain ok",
        n = promised.len()
    );
}
