//! `cargo bench -p patrol-e2e`: prints figures, asserts nothing (machines are shared).
//!
//! A 12-hour shift at 1 Hz (43,200 fixes in 30-fix track segments) plus 50 reports, recorded on a
//! real device store, synced to the real HQ (embedded SQLite) over loopback HTTP. Printed next to
//! it: a raw rusqlite batch insert of the same rows on the same machine in the same run, and the
//! bytes on the wire per fix.

use patrol_device::{Capture, Store, SystemClock};
use patrol_e2e::Hq;
use patrol_model::*;
use patrol_sync::SyncEngine;
use std::sync::{Arc, Mutex};
use std::time::Instant;

const FIXES: usize = 43_200;
const PER_SEGMENT: usize = 30;

fn shift(t0: i64) -> Vec<PositionFix> {
    let (mut lat, mut lon, mut heading) = (29.03_f64, 111.69_f64, 45.0_f64);
    (0..FIXES)
        .map(|i| {
            heading = (heading + ((i * 7919) % 11) as f64 - 5.0).rem_euclid(360.0);
            let speed = 1.2 + ((i * 104_729) % 40) as f64 / 10.0;
            lat += speed * heading.to_radians().cos() / 111_000.0;
            lon += speed * heading.to_radians().sin() / 97_000.0;
            PositionFix {
                time_ms: Some(t0 + i as i64 * 1000),
                lat,
                lon,
                accuracy_m: Some(3.0 + (i % 9) as f64 * 0.7),
                speed_mps: Some(speed),
                heading_deg: Some(heading),
                altitude_m: Some(35.0),
                gnss_ms: Some(t0 + i as i64 * 1000),
            }
        })
        .collect()
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let hq = Hq::start().await;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Arc::new(SystemClock::new())).unwrap();
        let store = Mutex::new(store);
        let engine = SyncEngine::new().unwrap();
        engine.enroll(&store, &hq.url(), &hq.enrollment_code("bench").await).await.unwrap();

        // Record the shift: segments exactly as the recorder seals them, plus 50 reports.
        let t0 = chrono::Utc::now().timestamp_millis() - 12 * 3600 * 1000;
        let patrol_id = PatrolId::new();
        let mut records = vec![Record::PatrolStarted(PatrolStart {
            patrol_id,
            mode: PatrolMode::Motorcycle,
            group: "G07".into(),
            officers: vec!["张伟".into()],
            volunteers: Default::default(),
            vehicle_plate: None,
        })];
        let fixes = shift(t0);
        for (i, chunk) in fixes.chunks(PER_SEGMENT).enumerate() {
            records.push(Record::TrackSegment(TrackSegment::new(patrol_id, chunk.to_vec())));
            if i % 29 == 0 && i / 29 < 50 {
                records.push(Record::Violation(ViolationTally {
                    patrol_id: Some(patrol_id),
                    violation: ViolationType::ALL[i % 8],
                    plate: Some("湘J12345".parse().unwrap()),
                    vehicle: Some(VehicleKind::Car),
                    seized_items: 0,
                    photos: vec![],
                    at: Some(LatLon { lat: chunk[0].lat, lon: chunk[0].lon }),
                    note: None,
                }));
            }
        }
        records.push(Record::PatrolStopped(PatrolStop { patrol_id, note: None }));
        let entries = store.lock().unwrap().append_all(&records, Capture::default()).unwrap();
        let reports = records.iter().filter(|r| matches!(r, Record::Violation(_))).count();

        // Bytes on the wire: the JSON of every entry as uploaded.
        let wire: usize = entries.iter().map(|e| serde_json::to_vec(e).unwrap().len()).sum();

        let t = Instant::now();
        let report = engine.sync(&store, |_| {}).await.unwrap();
        let secs = t.elapsed().as_secs_f64();
        assert!(report.is_clean(), "{report}");
        println!("12-hour shift at 1 Hz: {FIXES} fixes in {} segments + {reports} reports = {} entries", FIXES / PER_SEGMENT, entries.len());
        println!("  sync to HQ over loopback (embedded SQLite): {secs:.2} s  →  {:.0} fixes/s ingested", FIXES as f64 / secs);
        println!("  bytes on the wire per fix (JSON, base64 payloads): {:.1}", wire as f64 / FIXES as f64);

        // The same rows into a bare rusqlite table, one transaction, same durability.
        let raw_dir = tempfile::tempdir().unwrap();
        let conn = rusqlite::Connection::open(raw_dir.path().join("raw.sqlite")).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.pragma_update(None, "synchronous", "FULL").unwrap();
        conn.execute_batch(
            "CREATE TABLE entries (device_id TEXT, seq INTEGER, id TEXT, kind TEXT, wall_ms INTEGER,
             mono_ms INTEGER, gnss_ms INTEGER, cell TEXT, payload BLOB, prev_hash BLOB, hash BLOB,
             PRIMARY KEY (device_id, seq))",
        )
        .unwrap();
        let t = Instant::now();
        let tx = conn.unchecked_transaction().unwrap();
        {
            let mut stmt = tx.prepare("INSERT INTO entries VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)").unwrap();
            for e in &entries {
                stmt.execute(rusqlite::params![
                    e.device_id.to_string(),
                    e.seq as i64,
                    e.id.to_string(),
                    e.kind.as_str(),
                    e.wall_ms,
                    e.mono_ms,
                    e.gnss_ms,
                    e.cell.as_ref().map(|c| c.as_str()),
                    e.payload,
                    &e.prev_hash.0[..],
                    &e.hash.0[..],
                ])
                .unwrap();
            }
        }
        tx.commit().unwrap();
        let raw = t.elapsed().as_secs_f64();
        println!("  raw rusqlite batch insert of the same rows: {raw:.3} s  →  {:.0} fixes/s", FIXES as f64 / raw);
        println!("  (HQ also verifies every hash and link, decodes and validates every record, and answers over HTTP)");
    });
}
