//! Hostile bytes against the two decoders HQ runs on every upload: the binary track codec and the
//! v1 wire JSON (`UploadRequest`, `Entry`). Stable Rust, no cargo-fuzz: a seeded `rand` loop, so a
//! failure reproduces from its case number. `PATROL_FUZZ_CASES` raises the case count (the soak
//! script runs 200,000); the default keeps `cargo test` to a few seconds.
//!
//! The promise is "never panics": errors are the right answer for garbage, and whatever does
//! decode must survive the next steps HQ takes with it (re-encode, hash, record, validate).

use patrol_model::v1::UploadRequest;
use patrol_model::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::panic::{AssertUnwindSafe, catch_unwind};

fn cases(default: usize) -> usize {
    std::env::var("PATROL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One random change of the kinds real damage does: a flipped bit, an overwritten byte, a cut,
/// an inserted run, a deleted run, a duplicated run.
fn mutate(rng: &mut StdRng, bytes: &mut Vec<u8>) {
    let n = rng.random_range(1..=4);
    for _ in 0..n {
        let len = bytes.len();
        match rng.random_range(0..6) {
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                bytes[i] ^= 1 << rng.random_range(0..8);
            }
            1 if len > 0 => {
                let i = rng.random_range(0..len);
                // Boundary values are where length prefixes and varints break.
                bytes[i] = *[0x00, 0x7f, 0x80, 0xff, rng.random()]
                    .get(rng.random_range(0..5))
                    .unwrap();
            }
            2 => bytes.truncate(rng.random_range(0..=len)),
            3 => {
                let at = rng.random_range(0..=len);
                let run: Vec<u8> = (0..rng.random_range(1..16)).map(|_| rng.random()).collect();
                bytes.splice(at..at, run);
            }
            4 if len > 0 => {
                let a = rng.random_range(0..len);
                let b = rng.random_range(a..=len.min(a + 16));
                bytes.drain(a..b);
            }
            _ if len > 0 => {
                let a = rng.random_range(0..len);
                let b = rng.random_range(a..=len.min(a + 16));
                let run = bytes[a..b].to_vec();
                let at = rng.random_range(0..=len);
                bytes.splice(at..at, run);
            }
            _ => bytes.push(rng.random()),
        }
    }
}

/// A valid segment with every optional field in play, so mutations reach every branch.
fn segment(rng: &mut StdRng) -> TrackSegment {
    let mut t = 1_764_400_000_000i64;
    let fixes = (0..rng.random_range(1..40)).map(|_| {
        t += rng.random_range(0..5000);
        let mut f = PositionFix::at(
            t,
            rng.random_range(-90.0..90.0),
            rng.random_range(-180.0..180.0),
        );
        if rng.random_bool(0.1) {
            f.time_ms = None;
        }
        f.accuracy_m = rng.random_bool(0.7).then(|| rng.random_range(0.0..200.0));
        f.speed_mps = rng.random_bool(0.5).then(|| rng.random_range(0.0..60.0));
        f.heading_deg = rng.random_bool(0.5).then(|| rng.random_range(0.0..360.0));
        f.altitude_m = rng
            .random_bool(0.5)
            .then(|| rng.random_range(-100.0..5000.0));
        f.gnss_ms = rng
            .random_bool(0.3)
            .then(|| t + rng.random_range(-2000..2000));
        f
    });
    TrackSegment::new(PatrolId::new(), fixes.collect::<Vec<_>>())
}

/// A short chain of real entries (a patrol start, a violation, a track segment) as the device
/// would upload them.
fn chain(rng: &mut StdRng) -> Vec<Entry> {
    let device = DeviceId::new();
    let patrol = PatrolId::new();
    let records = [
        Record::PatrolStarted(PatrolStart {
            patrol_id: patrol,
            mode: PatrolMode::Foot,
            group: "G07".into(),
            officers: vec!["张警官".into()],
            volunteers: Default::default(),
            vehicle_plate: None,
        }),
        Record::TrackSegment(segment(rng)),
    ];
    let mut prev = Hash::GENESIS;
    records
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let e = UnsealedEntry {
                device_id: device,
                seq: i as u64 + 1,
                id: EntryId::new(),
                kind: r.kind(),
                wall_ms: 1_764_400_000_000 + i as i64,
                mono_ms: 1000 + i as i64,
                gnss_ms: rng.random_bool(0.5).then_some(1_764_400_000_000),
                cell: Some("WL-03-07".into()),
                payload: r.encode_payload(),
                prev_hash: prev,
            }
            .seal()
            .unwrap();
            prev = e.hash;
            e
        })
        .collect()
}

/// Everything HQ does with an entry after it decoded; none of it may panic.
fn use_entry(e: &Entry) {
    if let Ok(h) = e.compute_hash() {
        let _ = h == e.hash;
    }
    let _ = e.verify_link(e.seq, e.prev_hash);
    if let Ok(r) = e.record() {
        let _ = r.validate();
        let _ = r.encode_payload();
    }
}

/// Runs `cases` inputs through `check`, counting panics instead of stopping at the first, and
/// prints the one summary line the soak script collects.
fn run(name: &str, cases: usize, seed: u64, mut check: impl FnMut(&mut StdRng)) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut panics = Vec::new();
    // The default hook would print a backtrace per panicking case; the count is what matters.
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for case in 0..cases {
        let mut case_rng = StdRng::seed_from_u64(rng.random());
        if catch_unwind(AssertUnwindSafe(|| check(&mut case_rng))).is_err() {
            panics.push(case);
        }
    }
    std::panic::set_hook(hook);
    println!("fuzz {name}: {cases} cases, {} panics", panics.len());
    assert!(
        panics.is_empty(),
        "{name}: panicked on cases {:?} (seed {seed:#x})",
        &panics[..panics.len().min(20)]
    );
}

#[test]
fn track_codec_never_panics_on_random_or_damaged_bytes() {
    run("track codec", cases(20_000), 0x7ac0, |rng| {
        let bytes = if rng.random_bool(0.2) {
            // Pure noise, but with the right version byte half the time so it gets past it.
            let mut b: Vec<u8> = (0..rng.random_range(0..200))
                .map(|_| rng.random())
                .collect();
            if rng.random_bool(0.5) && !b.is_empty() {
                b[0] = 1;
            }
            b
        } else {
            let mut b = segment(rng).encode();
            mutate(rng, &mut b);
            b
        };
        if let Ok(seg) = TrackSegment::decode(&bytes) {
            let _ = seg.validate();
            // What decodes re-encodes, and a segment that passes validation round-trips.
            let again = TrackSegment::decode(&seg.encode()).expect("re-encoded bytes decode");
            if seg.validate().is_ok() {
                assert_eq!(again.fixes.len(), seg.fixes.len());
            }
        }
    });
}

#[test]
fn valid_track_segments_round_trip_exactly() {
    // The control for the test above: undamaged encodings decode to what was encoded.
    let mut rng = StdRng::seed_from_u64(0x70);
    for _ in 0..cases(20_000) / 10 {
        let seg = segment(&mut rng);
        assert_eq!(TrackSegment::decode(&seg.encode()).unwrap(), seg);
    }
}

#[test]
fn wire_json_never_panics_on_damaged_uploads() {
    run("wire json", cases(20_000), 0x3050, |rng| {
        let entries = chain(rng);
        let mut bytes = if rng.random_bool(0.5) {
            serde_json::to_vec(&UploadRequest {
                device_now_ms: 1_764_400_000_000,
                entries: entries.clone(),
            })
            .unwrap()
        } else {
            serde_json::to_vec(&entries[rng.random_range(0..entries.len())]).unwrap()
        };
        mutate(rng, &mut bytes);
        if let Ok(req) = serde_json::from_slice::<UploadRequest>(&bytes) {
            req.entries.iter().for_each(use_entry);
        }
        if let Ok(e) = serde_json::from_slice::<Entry>(&bytes) {
            use_entry(&e);
        }
    });
}

#[test]
fn entries_with_hostile_field_values_hash_or_refuse_without_panic() {
    // JSON mutation rarely reaches extreme numbers and huge strings; set them directly.
    run("entry fields", cases(20_000) / 4, 0xe47e, |rng| {
        let mut e = chain(rng).pop().unwrap();
        let extreme = [i64::MIN, i64::MAX, 0, -1, 1];
        match rng.random_range(0..6) {
            0 => e.wall_ms = extreme[rng.random_range(0..5)],
            1 => e.mono_ms = extreme[rng.random_range(0..5)],
            2 => e.gnss_ms = Some(extreme[rng.random_range(0..5)]),
            3 => e.seq = [0, 1, u64::MAX][rng.random_range(0..3)],
            4 => e.cell = Some(CellId("x".repeat(rng.random_range(0..70_000)))),
            _ => mutate(rng, &mut e.payload),
        }
        use_entry(&e);
        if let Ok(bytes) = serde_json::to_vec(&e) {
            let back: Entry = serde_json::from_slice(&bytes).expect("own JSON reads back");
            use_entry(&back);
        }
    });
}
