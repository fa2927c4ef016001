//! `cargo bench -p patrol-device`: prints figures, asserts nothing (machines are shared).
//!
//! - appending fixes one by one through the durable buffer (each a committed transaction, as on
//!   the phone at 1 Hz), and appending pre-built 30-fix track segments;
//! - bytes per fix of the track codec against plain JSON and gzip'd JSON of the same fixes;
//! - a report commit; and on a month of history, the chain checks before a sync and the
//!   views the app reads while a patrol runs.

use flate2::Compression;
use flate2::write::GzEncoder;
use patrol_device::{Capture, ManualClock, Store};
use patrol_model::*;
use patrol_testkit::shift::{self, Noise};
use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

const T0: i64 = 1_764_374_400_000;

/// A plausible 1 Hz walk/drive: small steps, slowly varying speed and heading, GNSS times.
fn shift(n: usize) -> Vec<PositionFix> {
    let (mut lat, mut lon, mut heading) = (29.03_f64, 111.69_f64, 45.0_f64);
    (0..n)
        .map(|i| {
            heading = (heading + ((i * 7919) % 11) as f64 - 5.0).rem_euclid(360.0);
            let speed = 1.2 + ((i * 104_729) % 40) as f64 / 10.0;
            lat += speed * heading.to_radians().cos() / 111_000.0;
            lon += speed * heading.to_radians().sin() / 97_000.0;
            PositionFix {
                time_ms: Some(T0 + i as i64 * 1000),
                lat,
                lon,
                accuracy_m: Some(3.0 + (i % 9) as f64 * 0.7),
                speed_mps: Some(speed),
                heading_deg: Some(heading),
                altitude_m: Some(35.0 + (i % 13) as f64 * 0.1),
                gnss_ms: Some(T0 + i as i64 * 1000 - 18),
            }
            .quantized()
        })
        .collect()
}

/// p50 / p99 / max of timings in ms.
fn spread(ms: &mut [f64]) -> String {
    ms.sort_by(f64::total_cmp);
    let at = |q: f64| ms[((ms.len() - 1) as f64 * q).round() as usize];
    format!(
        "p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        at(0.5),
        at(0.99),
        at(1.0)
    )
}

fn main() {
    // cargo bench passes `--bench`; ignore arguments.
    let fixes = shift(43_200);

    // 1. Bytes per fix.
    let patrol = PatrolId::new();
    let codec: usize = fixes
        .chunks(30)
        .map(|c| TrackSegment::new(patrol, c.to_vec()).encode().len())
        .sum();
    let json = serde_json::to_vec(&fixes).unwrap();
    let mut gz = GzEncoder::new(Vec::new(), Compression::default());
    gz.write_all(&json).unwrap();
    let gz = gz.finish().unwrap();
    let per = |b: usize| b as f64 / fixes.len() as f64;
    println!("bytes per fix ({} fixes, 1 Hz, all fields):", fixes.len());
    println!("  track codec (30-fix segments) {:>7.2}", per(codec));
    println!("  plain JSON                    {:>7.2}", per(json.len()));
    println!("  gzip'd JSON                   {:>7.2}", per(gz.len()));

    // 2. Appending pre-built segments (what a flush does), each its own committed transaction.
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let mut store = Store::open(dir.path(), Arc::new(clock.clone())).unwrap();
    let segments: Vec<Record> = fixes
        .chunks(30)
        .take(400)
        .map(|c| Record::TrackSegment(TrackSegment::new(patrol, c.to_vec())))
        .collect();
    let t = Instant::now();
    for s in &segments {
        store.append(s, Capture::default()).unwrap();
    }
    let secs = t.elapsed().as_secs_f64();
    println!("append 30-fix segments (synchronous=FULL, one commit each):");
    println!(
        "  {:.0} segments/s = {:.0} fixes/s ({} segments in {:.2} s)",
        segments.len() as f64 / secs,
        segments.len() as f64 * 30.0 / secs,
        segments.len(),
        secs
    );

    // 3. Fixes one by one through the durable buffer (flush every 30 s / 60 fixes).
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Arc::new(clock.clone())).unwrap();
    store
        .start_patrol(
            PatrolStart {
                patrol_id: PatrolId::new(),
                mode: PatrolMode::Foot,
                group: "G07".into(),
                officers: vec![],
                volunteers: Default::default(),
                vehicle_plate: None,
            },
            Capture::default(),
        )
        .unwrap();
    let n = 2_000;
    let mut each = Vec::with_capacity(n);
    let t = Instant::now();
    for f in &fixes[..n] {
        let one = Instant::now();
        store.record_fix(*f).unwrap();
        each.push(one.elapsed().as_secs_f64() * 1e3);
    }
    let secs = t.elapsed().as_secs_f64();
    println!("record_fix one at a time (durable buffer, sealing every 30 s):");
    println!(
        "  {:.0} fixes/s ({n} fixes in {secs:.2} s; the phone needs 1/s); {}",
        n as f64 / secs,
        spread(&mut each)
    );

    // A report as the officer saves it: validated, hashed, committed with its outbox row.
    let mut each = Vec::with_capacity(500);
    for i in 0..500 {
        let r = Record::LostPerson(LostPersonReport {
            description: format!("走失老人，穿蓝色外套，第{i}起"),
            ..serde_json::from_value(serde_json::json!({
                "description": "", "outcome": "handed-to-station"
            }))
            .unwrap()
        });
        let one = Instant::now();
        store.append(&r, Capture::default()).unwrap();
        each.push(one.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "a report commit (lost person, synchronous=FULL): {}",
        spread(&mut each)
    );

    let verify = Instant::now();
    let report = store.verify().unwrap();
    println!(
        "verify chain: {} entries in {:.1} ms",
        report.entries,
        verify.elapsed().as_secs_f64() * 1e3
    );

    // 5. A phone that has kept a month of shifts: 29 days of 12-hour 1 Hz patrols (each with
    // 50 reports), all held by HQ, and today's patrol running for 6 hours, one new 30-s segment
    // waiting (the app syncs every 30 s during a patrol).
    let day_ms = 86_400_000_i64;
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let mut store = Store::open(dir.path(), Arc::new(clock.clone())).unwrap();
    store.set_city(&patrol_testkit::city::demo(), None).unwrap();
    for day in 0..29_i64 {
        let fixes = shift::fixes(T0 + day * day_ms, shift::TWELVE_HOURS, Noise::Phone);
        store
            .append_all(&shift::records(&fixes), Capture::default())
            .unwrap();
    }
    let today = shift::fixes(T0 + 29 * day_ms, shift::TWELVE_HOURS / 2, Noise::Phone);
    let mut running = shift::records(&today);
    let last = running.pop();
    assert!(matches!(last, Some(Record::PatrolStopped(_))));
    let new_segment = running.pop().unwrap();
    store.append_all(&running, Capture::default()).unwrap();
    let (held, held_hash) = store.head().unwrap();
    store.append(&new_segment, Capture::default()).unwrap();
    clock.set_wall_ms(T0 + 29 * day_ms + shift::TWELVE_HOURS as i64 / 2 * 1000);
    let median = |f: &mut dyn FnMut() -> u64| {
        let mut ms = Vec::new();
        let mut n = 0;
        for _ in 0..3 {
            let t = Instant::now();
            n = f();
            ms.push(t.elapsed().as_secs_f64() * 1e3);
        }
        ms.sort_by(f64::total_cmp);
        (ms[1], n)
    };
    let (whole, entries) = median(&mut || store.verify().unwrap().entries);
    let (sent, sent_entries) = median(&mut || store.verify_after(held, held_hash).unwrap().entries);
    println!(
        "a month on the phone: 29 days of 12-hour shifts held by HQ + today's 6 hours ({entries} entries), 1 new segment waiting:"
    );
    println!(
        "  the check before a sync, the whole ledger (every sync did this; now once a day): {whole:.1} ms"
    );
    println!(
        "  the check before a sync, what it sends chained onto HQ's head: {sent:.2} ms ({sent_entries} entry)"
    );
    let (live, fixes) = median(&mut || store.live_patrol().unwrap().unwrap().0.fixes as u64);
    println!("  the running patrol's live view (Home; {fixes} fixes): {live:.1} ms");
    let date = store.today().unwrap();
    let (tally, _) = median(&mut || {
        store
            .day_tally(date)
            .unwrap()
            .violations
            .values()
            .sum::<u32>() as u64
    });
    println!("  today's tally (Home): {tally:.1} ms");
    let (duty, _) = median(&mut || store.post_duty(date).unwrap().len() as u64);
    println!("  the posts' minutes on duty today (Posts): {duty:.1} ms");
    let (counts, _) = median(&mut || store.outbox_counts().unwrap().pending);
    println!("  the outbox's counts (Home, and the auto-sync loop every 30 s): {counts:.1} ms");
    let (open, _) = median(&mut || u64::from(store.open_patrol().unwrap().is_some()));
    println!("  the running patrol (every fix, every screen): {open:.2} ms");
    let (suggest, _) = median(&mut || u64::from(store.post_suggestion().unwrap().is_some()));
    println!("  the post suggestion (every few seconds while the app is open): {suggest:.1} ms");
    // The History screen: its 300 newest, as the whole ledger gives them (what the app did until
    // this round) and as read from the oldest of them on, track segments left out.
    let (whole, _) = median(&mut || {
        let mut n = store.history().unwrap().len();
        n += store.entries_of(&[EntryKind::Supplement]).unwrap().len();
        n.min(300) as u64
    });
    let (newest, listed) = median(&mut || store.recent(300, false).unwrap().len() as u64);
    println!(
        "  the History screen's 300 newest: from the whole ledger {whole:.1} ms; read from the oldest of them on, without track segments {newest:.1} ms ({listed} listed)"
    );
    // The patrol goes on: fixes at 1 Hz from where today's 6 hours stopped.
    let mut each = Vec::with_capacity(600);
    let mut t = clock.wall_ms();
    let at = *today.last().unwrap();
    for i in 0..600 {
        t += 1000;
        clock.set_wall_ms(t);
        let fix = PositionFix {
            time_ms: Some(t),
            gnss_ms: Some(t - 18),
            lat: at.lat + i as f64 * 1e-6,
            ..at
        };
        let one = Instant::now();
        store.record_fix(fix).unwrap();
        each.push(one.elapsed().as_secs_f64() * 1e3);
    }
    println!(
        "  record_fix, 10 minutes more of the patrol: {}",
        spread(&mut each)
    );
}
