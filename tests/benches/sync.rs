//! `cargo bench -p patrol-e2e`: prints figures, asserts nothing (machines are shared).
//!
//! A 12-hour shift at 1 Hz (43,200 fixes in 30-fix track segments) plus 50 reports, recorded on a
//! real device store, synced to the real HQ (embedded SQLite) over loopback HTTP through a
//! counting proxy. Printed next to it: the same shift synced with gzip'd and plain JSON bodies, a raw
//! rusqlite batch insert of the same rows on the same machine in the same run, and the bytes on
//! the wire per fix (every header and body, both ways).

use patrol_device::{Capture, Store, SystemClock};
use patrol_model::*;
use patrol_sync::SyncEngine;
use patrol_sync::UploadEncoding::{self, Gzip, Plain, Zstd};
use patrol_testkit::Hq;
use patrol_testkit::Proxy;
use patrol_testkit::bench;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use patrol_testkit::shift::{self, Noise, PER_SEGMENT, records};

const FIXES: usize = shift::TWELVE_HOURS;

/// One device records `records` and syncs them through the counting proxy: seconds, bytes on
/// the wire both ways, and the entries.
async fn sync_shift(
    hq: &Hq,
    proxy: &Proxy,
    records: &[Record],
    encoding: UploadEncoding,
) -> (f64, u64, Vec<Entry>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Mutex::new(Store::open(dir.path(), Arc::new(SystemClock::new())).unwrap());
    let engine = SyncEngine::with_options(patrol_sync::SyncOptions {
        upload_encoding: encoding,
        ..Default::default()
    })
    .unwrap();
    engine
        .enroll(&store, &proxy.url(), &hq.enrollment_code("bench").await)
        .await
        .unwrap();
    let entries = store
        .lock()
        .unwrap()
        .append_all(records, Capture::default())
        .unwrap();
    let before = proxy.bytes().total();
    let t = Instant::now();
    let report = engine.sync(&store, |_| {}).await.unwrap();
    let secs = t.elapsed().as_secs_f64();
    assert!(report.is_clean(), "{report}");
    (secs, proxy.bytes().total() - before, entries)
}

/// The first hour of `records` recorded and synced live, as the app does on patrol: a sync after
/// every 30-s segment (a report goes with the segment after it). Syncs, HTTP requests, bytes both
/// ways, fixes.
async fn live_hour(hq: &Hq, proxy: &Proxy, records: &[Record]) -> (u64, u64, u64, u64) {
    let dir = tempfile::tempdir().unwrap();
    let store = Mutex::new(Store::open(dir.path(), Arc::new(SystemClock::new())).unwrap());
    let engine = SyncEngine::new().unwrap();
    engine
        .enroll(&store, &proxy.url(), &hq.enrollment_code("live").await)
        .await
        .unwrap();
    let before = proxy.bytes().total();
    let (mut syncs, mut requests, mut fixes) = (0, 0, 0);
    for r in records {
        store
            .lock()
            .unwrap()
            .append_all(std::slice::from_ref(r), Capture::default())
            .unwrap();
        if let Record::TrackSegment(t) = r {
            fixes += t.fixes.len() as u64;
            let report = engine.sync(&store, |_| {}).await.unwrap();
            assert!(report.is_clean(), "{report}");
            syncs += 1;
            requests += u64::from(report.attempts);
            if fixes >= 3600 {
                break;
            }
        }
    }
    (syncs, requests, proxy.bytes().total() - before, fixes)
}

fn main() {
    let rt = patrol_testkit::bench::runtime();
    rt.block_on(async {
        let hq = Hq::start().await;
        let proxy = Proxy::start(hq.addr).await;
        let t0 = chrono::Utc::now().timestamp_millis() - 12 * 3600 * 1000;
        let per_fix = |b: u64| b as f64 / FIXES as f64;

        let phone_fixes = shift::fixes(t0, FIXES, Noise::Phone);
        let phone = records(&phone_fixes);
        // The same shift for the PouchDB comparison (`scripts/bench` reads it): the fixes at
        // the stored precision and the reports, as JSON.
        if let Some(path) = std::env::var_os("PATROL_BENCH_SHIFT_OUT") {
            let fixes: Vec<PositionFix> = phone_fixes.iter().map(|f| f.quantized()).collect();
            let reports: Vec<&Record> = phone.iter().filter(|r| matches!(r, Record::Violation(_))).collect();
            let doc = serde_json::json!({"fixes": fixes, "reports": reports});
            std::fs::write(path, serde_json::to_vec(&doc).unwrap()).unwrap();
        }
        // A first sync warms HQ up (its first reference-data answer, statement caches), so that
        // neither measured run pays for it.
        sync_shift(&hq, &proxy, &records(&shift::fixes(t0, FIXES, Noise::Phone)[..600]), Zstd).await;
        // Three syncs each (a fresh device every time), the median printed.
        let mut zstd_runs = Vec::new();
        let mut gz_runs = Vec::new();
        let mut plain_runs = Vec::new();
        let (mut zstd_wire, mut gz_wire, mut plain_wire, mut entries) = (0, 0, 0, Vec::new());
        for _ in 0..3 {
            let (secs, wire, e) = sync_shift(&hq, &proxy, &phone, Zstd).await;
            zstd_runs.push(secs);
            (zstd_wire, entries) = (wire, e);
            let (secs, wire, _) = sync_shift(&hq, &proxy, &phone, Gzip).await;
            gz_runs.push(secs);
            gz_wire = wire;
            let (secs, wire, _) = sync_shift(&hq, &proxy, &phone, Plain).await;
            plain_runs.push(secs);
            plain_wire = wire;
        }
        let (secs, gz_secs, plain_secs) = (median(zstd_runs), median(gz_runs), median(plain_runs));
        let reports = phone.iter().filter(|r| matches!(r, Record::Violation(_))).count();
        // The JSON of every entry as uploaded, without HTTP.
        let json: usize = entries.iter().map(|e| serde_json::to_vec(e).unwrap().len()).sum();
        let white = records(&shift::fixes(t0, FIXES, Noise::White));
        let (_, white_zstd, _) = sync_shift(&hq, &proxy, &white, Zstd).await;
        let (_, white_gz, _) = sync_shift(&hq, &proxy, &white, Gzip).await;
        let (_, white_plain, _) = sync_shift(&hq, &proxy, &white, Plain).await;

        println!("12-hour shift at 1 Hz: {FIXES} fixes in {} segments + {reports} reports = {} entries", FIXES / PER_SEGMENT, entries.len());
        println!("  sync to HQ over loopback (embedded SQLite), zstd'd bodies: {secs:.3} s  →  {:.0} fixes/s ingested", FIXES as f64 / secs);
        println!("  the same with gzip'd JSON bodies:                        {gz_secs:.3} s  →  {:.0} fixes/s", FIXES as f64 / gz_secs);
        println!("  the same with plain JSON bodies:                         {plain_secs:.3} s  →  {:.0} fixes/s", FIXES as f64 / plain_secs);
        println!("  bytes on the wire per fix, every header and body both ways (phone-like noise | white noise in every field):");
        println!("    zstd'd JSON bodies (what the device sends):  {:>5.1} | {:>5.1}", per_fix(zstd_wire), per_fix(white_zstd));
        println!("    gzip'd JSON bodies:                           {:>5.1} | {:>5.1}", per_fix(gz_wire), per_fix(white_gz));
        println!("    plain JSON bodies:                            {:>5.1} | {:>5.1}", per_fix(plain_wire), per_fix(white_plain));
        println!("    the entries' JSON alone, no HTTP:             {:>5.1}", per_fix(json as u64));
        let (syncs, requests, live, live_fixes) = live_hour(&hq, &proxy, &phone).await;
        println!(
            "  the first hour synced live, a sync after each 30-s segment as the app does on patrol: {syncs} syncs, {:.2} requests per sync, {} bytes per sync, {:.1} bytes per fix",
            requests as f64 / syncs as f64,
            live / syncs,
            live as f64 / live_fixes as f64
        );

        // Three times each, the median printed: one run is at the mercy of a checkpoint.
        // Like with like: the bare insert writes into a new table, so HQ's ingest is timed on a
        // new HQ too; and, beside it, on the HQ that already holds this run's synced shifts.
        let mut raw = Vec::new();
        let mut ingest = Vec::new();
        let mut ingest_held = Vec::new();
        let mut schema = Vec::new();
        for _ in 0..3 {
            raw.push(bare_insert(&phone));
            ingest.push(hq_ingest(&Hq::start().await, &phone).await);
            ingest_held.push(hq_ingest(&hq, &phone).await);
            schema.push(bare_into_hq_schema(&phone).await);
        }
        let (raw_cost, ingest_cost) = (median_cost(&raw), median_cost(&ingest));
        let (raw, ingest) = (raw_cost.wall, ingest_cost.wall);
        let ingest_held = median_cost(&ingest_held).wall;
        let schema = median(schema);
        println!("  raw rusqlite batch insert of the same rows: {raw:.3} s  →  {:.0} fixes/s", FIXES as f64 / raw);
        println!(
            "  HQ ingest alone (plan, hash and link checks, decode, validate, rollups, commit): {ingest:.3} s  →  {:.0} fixes/s = {:.2}× the bare insert",
            FIXES as f64 / ingest,
            raw / ingest
        );
        println!(
            "  the same rows bare into HQ's own entries table (its indexes, checks, foreign key): {schema:.3} s  →  HQ ingest = {:.2}× that",
            schema / ingest
        );
        println!(
            "  HQ ingest into an HQ already holding this run's synced shifts: {ingest_held:.3} s = {:.2}× the bare insert",
            raw / ingest_held
        );
        println!("  (median of three each; HQ also verifies every hash and link, decodes and validates every record, and answers over HTTP)");
        println!(
            "  CPU per shift, every core together: HQ ingest {:.1} ms against the bare insert's {:.1} ms (SQLite works inside the process)",
            ingest_cost.cpu * 1e3,
            raw_cost.cpu * 1e3
        );
        match std::env::var("PATROL_BENCH_PG") {
            Ok(url) if !url.trim().is_empty() => {
                let pg_hq = Hq::start_postgres(&url).await;
                let mut pg_ingest = Vec::new();
                let mut pg_copy = Vec::new();
                for _ in 0..3 {
                    pg_ingest.push(hq_ingest(&pg_hq, &phone).await);
                    pg_copy.push(bare_copy_postgres(&url, &phone).await);
                }
                let (ingest_cost, copy_cost) = (median_cost(&pg_ingest), median_cost(&pg_copy));
                let (pg_ingest, pg_copy) = (ingest_cost.wall, copy_cost.wall);
                println!("  PostgreSQL: bare COPY of the same rows (primary key only, one transaction): {pg_copy:.3} s");
                println!(
                    "  PostgreSQL: HQ ingest alone: {pg_ingest:.3} s  →  {:.0} fixes/s = {:.2}× the bare COPY",
                    FIXES as f64 / pg_ingest,
                    pg_copy / pg_ingest
                );
                if copy_cost.server_cpu > 0.0 {
                    let both = ingest_cost.cpu + ingest_cost.server_cpu;
                    println!(
                        "  PostgreSQL: CPU per shift, every core together: HQ ingest {:.1} ms in HQ + {:.1} ms in the server = {:.1} ms, against the bare COPY's {:.1} + {:.1} ms; on {} cores no overlap brings HQ's ingest under {:.1} ms",
                        ingest_cost.cpu * 1e3,
                        ingest_cost.server_cpu * 1e3,
                        both * 1e3,
                        copy_cost.cpu * 1e3,
                        copy_cost.server_cpu * 1e3,
                        cores(),
                        both * 1e3 / cores() as f64
                    );
                }
            }
            _ => println!("  PostgreSQL: set PATROL_BENCH_PG=postgres://… to measure HQ's ingest there against a bare COPY"),
        }
        let grown = hq_bytes_per_shift(&phone).await;
        println!(
            "  HQ's database grows by {:.1} MB per 12-hour 1 Hz shift ({:.1} bytes per fix, indexes and rollups included)",
            grown as f64 / 1e6,
            grown as f64 / FIXES as f64
        );
    });
}

/// An entry's eleven columns as both bare inserts write them.
fn entry_values(e: &Entry) -> Vec<rusqlite::types::Value> {
    use rusqlite::types::Value;
    vec![
        Value::Text(e.device_id.to_string()),
        Value::Integer(e.seq as i64),
        Value::Text(e.id.to_string()),
        Value::Text(e.kind.as_str().to_owned()),
        Value::Integer(e.wall_ms),
        Value::Integer(e.mono_ms),
        e.gnss_ms.map_or(Value::Null, Value::Integer),
        e.cell
            .as_ref()
            .map_or(Value::Null, |c| Value::Text(c.as_str().to_owned())),
        Value::Blob(e.payload.clone()),
        Value::Blob(e.prev_hash.0.to_vec()),
        Value::Blob(e.hash.0.to_vec()),
    ]
}

/// The shift's rows into a bare rusqlite table (primary key only), one transaction, WAL and
/// `synchronous=FULL` as HQ.
fn bare_insert(records: &[Record]) -> Cost {
    let store_dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(store_dir.path(), Arc::new(SystemClock::new())).unwrap();
    let entries = store.append_all(records, Capture::default()).unwrap();
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
    // The values are made before the clock starts: only the writing is timed.
    let values: Vec<_> = entries.iter().map(entry_values).collect();
    let meter = Meter::start();
    let tx = conn.unchecked_transaction().unwrap();
    {
        let mut stmt = tx
            .prepare("INSERT INTO entries VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
            .unwrap();
        for v in &values {
            stmt.execute(rusqlite::params_from_iter(v)).unwrap();
        }
    }
    tx.commit().unwrap();
    meter.stop()
}

/// HQ's ingest alone, without HTTP or the device: the upload use case on the shift (a fresh
/// device's ledger of the same records, enrolled beforehand), batch by batch as the upload
/// use case takes it (up to its 2,000 entries).
async fn hq_ingest(hq: &Hq, records: &[Record]) -> Cost {
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Arc::new(SystemClock::new())).unwrap();
    let ledger = store.append_all(records, Capture::default()).unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    hq.enrol_in_storage(store.device_id(), "ingest", now).await;
    let meter = Meter::start();
    hq.ingest(store.device_id(), &ledger, now).await;
    meter.stop()
}

/// The same rows written bare into HQ's own `entries` table (its five indexes, checks and
/// foreign key) of a fresh HQ, one transaction, same durability: what the schema costs by
/// itself, so the gap left to HQ's ingest is HQ's own work (planning, checks, rollups): seconds.
async fn bare_into_hq_schema(records: &[Record]) -> f64 {
    let hq = Hq::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Arc::new(SystemClock::new())).unwrap();
    let rows = store.append_all(records, Capture::default()).unwrap();
    hq.enrol_in_storage(
        store.device_id(),
        "schema",
        chrono::Utc::now().timestamp_millis(),
    )
    .await;
    let patrols: Vec<Option<String>> = rows
        .iter()
        .map(|e| {
            e.record()
                .ok()
                .and_then(|r| r.patrol_id())
                .map(|p| p.to_string())
        })
        .collect();
    let conn = rusqlite::Connection::open(hq.dir.join("hq.sqlite")).unwrap();
    conn.pragma_update(None, "synchronous", "FULL").unwrap();
    conn.pragma_update(None, "foreign_keys", "ON").unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    // The values are made before the clock starts: only the writing is timed.
    let values: Vec<Vec<rusqlite::types::Value>> = rows
        .iter()
        .zip(&patrols)
        .map(|(e, patrol)| {
            use rusqlite::types::Value;
            let mut v = entry_values(e);
            v.extend([
                Value::Integer(now),
                Value::Integer(e.gnss_ms.unwrap_or(e.wall_ms)),
                patrol.clone().map_or(Value::Null, Value::Text),
            ]);
            v
        })
        .collect();
    let t = Instant::now();
    let tx = conn.unchecked_transaction().unwrap();
    {
        let mut stmt = tx
            .prepare(
                "INSERT INTO entries (device_id, seq, id, kind, wall_ms, mono_ms, gnss_ms, cell,
                 payload, prev_hash, hash, received_ms, event_ms, patrol_id, flags)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, '[]')",
            )
            .unwrap();
        for v in &values {
            stmt.execute(rusqlite::params_from_iter(v)).unwrap();
        }
    }
    tx.commit().unwrap();
    t.elapsed().as_secs_f64()
}

/// What one shift adds to HQ's SQLite file (checkpointed, so the WAL is in it): the bytes per
/// fix that decide how many days of history one machine's disk holds.
async fn hq_bytes_per_shift(records: &[Record]) -> u64 {
    let size = |hq: &Hq| {
        let conn = rusqlite::Connection::open(hq.dir.join("hq.sqlite")).unwrap();
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        std::fs::metadata(hq.dir.join("hq.sqlite")).unwrap().len()
    };
    let hq = Hq::start().await;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Arc::new(SystemClock::new())).unwrap();
    let ledger = store.append_all(records, Capture::default()).unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    hq.enrol_in_storage(store.device_id(), "size", now).await;
    let empty = size(&hq);
    hq.ingest(store.device_id(), &ledger, now).await;
    size(&hq).saturating_sub(empty)
}

/// What one piece of work cost: its wall time, and the CPU it took on every core together, in
/// this process and in the local PostgreSQL server (its processes' `schedstat`; zero without
/// one), all in seconds. On two shared cores the wall time of work that waits for other work
/// says little about what it costs; its CPU says how much of a machine it takes.
#[derive(Debug, Clone, Copy)]
struct Cost {
    wall: f64,
    cpu: f64,
    server_cpu: f64,
}

#[derive(Debug)]
struct Meter {
    t: Instant,
    cpu: f64,
    server_cpu: f64,
}

impl Meter {
    /// Reading the server's figures scans `/proc`, so it comes first here and last in
    /// [`Meter::stop`]: neither the wall time nor this process's CPU counts the scan.
    fn start() -> Meter {
        let server_cpu = bench::cpu_of_processes("postgres").unwrap_or(0.0);
        let cpu = bench::cpu_of_this_process().unwrap_or(f64::NAN);
        Meter {
            t: Instant::now(),
            cpu,
            server_cpu,
        }
    }

    fn stop(self) -> Cost {
        let wall = self.t.elapsed().as_secs_f64();
        let cpu = bench::cpu_of_this_process().unwrap_or(f64::NAN) - self.cpu;
        let server_cpu = bench::cpu_of_processes("postgres").unwrap_or(0.0) - self.server_cpu;
        Cost {
            wall,
            cpu,
            server_cpu,
        }
    }
}

/// The cores this machine gives the bench.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The median of `runs`.
fn median(mut runs: Vec<f64>) -> f64 {
    runs.sort_by(f64::total_cmp);
    bench::percentile(&runs, 0.5)
}

/// The median of each of a cost's figures over several runs (one run is at the mercy of a
/// checkpoint or of the other tenants of the machine).
fn median_cost(runs: &[Cost]) -> Cost {
    let of = |f: fn(&Cost) -> f64| median(runs.iter().map(f).collect());
    Cost {
        wall: of(|c| c.wall),
        cpu: of(|c| c.cpu),
        server_cpu: of(|c| c.server_cpu),
    }
}

/// The shift's rows by binary `COPY` into a bare PostgreSQL table (primary key only), one
/// transaction, the server's own durability: seconds.
async fn bare_copy_postgres(url: &str, records: &[Record]) -> Cost {
    use tokio_postgres::binary_copy::BinaryCopyInWriter;
    use tokio_postgres::types::Type;
    let dir = tempfile::tempdir().unwrap();
    let mut store = Store::open(dir.path(), Arc::new(SystemClock::new())).unwrap();
    let entries = store.append_all(records, Capture::default()).unwrap();
    let (mut client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
        .batch_execute(
            "CREATE TABLE IF NOT EXISTS bench_bare_entries (device_id TEXT, seq BIGINT, id TEXT,
             kind TEXT, wall_ms BIGINT, mono_ms BIGINT, gnss_ms BIGINT, cell TEXT, payload BYTEA,
             prev_hash BYTEA, hash BYTEA, PRIMARY KEY (device_id, seq))",
        )
        .await
        .unwrap();
    let rows: Vec<(String, i64, String)> = entries
        .iter()
        .map(|e| (e.device_id.to_string(), e.seq as i64, e.id.to_string()))
        .collect();
    let meter = Meter::start();
    let tx = client.transaction().await.unwrap();
    let sink = tx
        .copy_in("COPY bench_bare_entries FROM STDIN (FORMAT binary)")
        .await
        .unwrap();
    let types = [
        Type::TEXT,
        Type::INT8,
        Type::TEXT,
        Type::TEXT,
        Type::INT8,
        Type::INT8,
        Type::INT8,
        Type::TEXT,
        Type::BYTEA,
        Type::BYTEA,
        Type::BYTEA,
    ];
    let mut writer = std::pin::pin!(BinaryCopyInWriter::new(sink, &types));
    for (e, (device, seq, id)) in entries.iter().zip(&rows) {
        writer
            .as_mut()
            .write(&[
                device,
                seq,
                id,
                &e.kind.as_str(),
                &e.wall_ms,
                &e.mono_ms,
                &e.gnss_ms,
                &e.cell.as_ref().map(|c| c.as_str()),
                &e.payload,
                &&e.prev_hash.0[..],
                &&e.hash.0[..],
            ])
            .await
            .unwrap();
    }
    writer.finish().await.unwrap();
    tx.commit().await.unwrap();
    // Read while the connection is open: its server process is counted only while it lives.
    meter.stop()
}
