//! `cargo bench -p patrol-e2e --bench fleet`: a city's devices syncing at the same moment (the
//! station's Wi-Fi at shift change). Prints figures, asserts nothing.
//!
//! `FLEET_DEVICES` devices (default 1,000), each with `FLEET_MINUTES` minutes (default 10) of a
//! patrol at 1 Hz in 30-second segments plus a report, on their own real device stores, all
//! call `SyncEngine::sync` at once against one HQ over loopback HTTP. Printed: errors, the
//! time each device's whole sync took (hello, reference data, inbox, head, upload, receipt) at
//! p50 / p99 / max, and the fixes per second HQ sustained; meanwhile an operator's page asks
//! `/units` and `/stats/daily` over and over (what the live map and Today refetch), and their
//! answer times during the burst are printed too. On embedded SQLite, and on
//! PostgreSQL when `PATROL_BENCH_PG` names a server (`postgres://…`; the bench makes a fresh
//! database there for each run): once as one HQ, once with HQ telling other HQ processes what
//! it publishes (`NOTIFY`).

use patrol_device::{Capture, Store, SystemClock};
use patrol_model::*;
use patrol_sync::SyncEngine;
use patrol_testkit::Hq;
use patrol_testkit::bench::{env, percentile};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A patrol of `minutes` at 1 Hz ending now, near the demo city's centre, and one report.
fn records(n: usize, minutes: usize) -> (Vec<Record>, usize) {
    let patrol_id = PatrolId::new();
    let t0 = chrono::Utc::now().timestamp_millis() - minutes as i64 * 60_000;
    let (mut lat, mut lon) = (
        29.0 + (n % 8) as f64 * 0.01,
        111.65 + (n / 8 % 10) as f64 * 0.01,
    );
    let fixes: Vec<PositionFix> = (0..minutes * 60)
        .map(|i| {
            lat += 0.00001;
            lon += 0.000012;
            PositionFix {
                accuracy_m: Some(5.0),
                speed_mps: Some(1.4),
                ..PositionFix::at(t0 + i as i64 * 1000, lat, lon)
            }
        })
        .collect();
    let mut out = vec![Record::PatrolStarted(PatrolStart {
        patrol_id,
        mode: PatrolMode::Foot,
        group: "G07".into(),
        officers: vec!["张伟".into()],
        volunteers: Default::default(),
        vehicle_plate: None,
    })];
    for chunk in fixes.chunks(30) {
        out.push(Record::TrackSegment(TrackSegment::new(
            patrol_id,
            chunk.to_vec(),
        )));
    }
    out.push(Record::Violation(ViolationTally {
        patrol_id: Some(patrol_id),
        ..ViolationTally::new(ViolationType::NoHelmet)
    }));
    (out, fixes.len())
}

struct Device {
    _dir: tempfile::TempDir,
    store: Mutex<Store>,
    engine: SyncEngine,
}

async fn fleet(label: &str, hq: &Hq, devices: usize, minutes: usize) {
    // Enrol and record first (not timed): the moment measured is everyone syncing at once.
    let mut fleet = Vec::with_capacity(devices);
    let mut fixes = 0;
    for n in 0..devices {
        let dir = tempfile::tempdir().unwrap();
        let store = Mutex::new(Store::open(dir.path(), Arc::new(SystemClock::new())).unwrap());
        let engine = SyncEngine::new().unwrap();
        let code = hq.enrollment_code(&format!("fleet-{n}")).await;
        engine.enroll(&store, &hq.url(), &code).await.unwrap();
        let (recs, f) = records(n, minutes);
        store
            .lock()
            .unwrap()
            .append_all(&recs, Capture::default())
            .unwrap();
        fixes += f;
        fleet.push(Arc::new(Device {
            _dir: dir,
            store,
            engine,
        }));
    }
    // The command centre during the burst: one operator asking what the page asks, back to back.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let operator = {
        let stop = Arc::clone(&stop);
        let (url, token) = (hq.url(), hq.operator_token.clone());
        tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut answers: [(&str, Vec<f64>); 2] = [
                ("/api/v1/units", Vec::new()),
                ("/api/v1/stats/daily", Vec::new()),
            ];
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                for (path, ms) in &mut answers {
                    let t = Instant::now();
                    let r = client
                        .get(format!("{url}{path}"))
                        .bearer_auth(&token)
                        .send()
                        .await
                        .unwrap();
                    assert!(r.status().is_success(), "{path}: {}", r.status());
                    r.bytes().await.unwrap();
                    ms.push(t.elapsed().as_secs_f64() * 1000.0);
                }
            }
            answers
        })
    };
    let t = Instant::now();
    let tasks: Vec<_> = fleet
        .iter()
        .cloned()
        .map(|d| {
            tokio::spawn(async move {
                let t = Instant::now();
                let r = d.engine.sync(&d.store, |_| {}).await;
                let clean = matches!(&r, Ok(report) if report.is_clean());
                (
                    t.elapsed().as_secs_f64() * 1000.0,
                    clean,
                    r.err().map(|e| e.to_string()),
                )
            })
        })
        .collect();
    let mut times = Vec::with_capacity(devices);
    let mut errors = Vec::new();
    for task in tasks {
        let (ms, clean, err) = task.await.unwrap();
        times.push(ms);
        if !clean {
            errors.push(err.unwrap_or_else(|| "not clean".into()));
        }
    }
    let wall = t.elapsed().as_secs_f64();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let answers = operator.await.unwrap();
    times.sort_by(f64::total_cmp);
    let at = |q: f64| percentile(&times, q);
    println!(
        "{label}: {devices} devices × {minutes} min at 1 Hz ({fixes} fixes) syncing at once: {} errors",
        errors.len()
    );
    println!(
        "  one device's whole sync: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms; all done in {wall:.1} s  →  {:.0} fixes/s sustained",
        at(0.5),
        at(0.99),
        at(1.0),
        fixes as f64 / wall
    );
    for (path, mut ms) in answers {
        ms.sort_by(f64::total_cmp);
        if ms.is_empty() {
            continue;
        }
        println!(
            "  meanwhile an operator's {}: {} answers, p50 {:.0} ms, p95 {:.0} ms, max {:.0} ms",
            path.trim_start_matches("/api/v1/"),
            ms.len(),
            percentile(&ms, 0.5),
            percentile(&ms, 0.95),
            ms[ms.len() - 1]
        );
    }
    for e in errors.iter().take(3) {
        println!("  error: {e}");
    }
}

/// `name`, dropped and made again on the server `url` names: its URL.
async fn fresh_database(url: &str, name: &str) -> String {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("PATROL_BENCH_PG connects");
    tokio::spawn(conn);
    // Two statements: neither may run inside a transaction block, which one batch would be.
    for sql in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name}"),
    ] {
        client
            .batch_execute(&sql)
            .await
            .expect("the bench may create databases on PATROL_BENCH_PG's server");
    }
    let (base, query) = url.split_once('?').map_or((url, ""), |(b, q)| (b, q));
    let server = base.rsplit_once('/').map_or(base, |(server, _)| server);
    if query.is_empty() {
        format!("{server}/{name}")
    } else {
        format!("{server}/{name}?{query}")
    }
}

fn main() {
    let devices = env("FLEET_DEVICES", 1000);
    let minutes = env("FLEET_MINUTES", 10);
    let rt = patrol_testkit::bench::runtime();
    rt.block_on(async {
        let hq = Hq::start().await;
        fleet("embedded SQLite", &hq, devices, minutes).await;
        match std::env::var("PATROL_BENCH_PG") {
            Ok(url) if !url.trim().is_empty() => {
                // Each run on a fresh database of its own, so the second does not answer the
                // operator over the first one's devices too.
                let hq =
                    Hq::start_postgres(&fresh_database(&url, "patrol_bench_fleet").await).await;
                fleet("PostgreSQL", &hq, devices, minutes).await;
                // The same again with HQ telling other HQ processes what it publishes (one
                // event per upload, by NOTIFY), as it does when served behind a load balancer.
                let hq =
                    Hq::start_postgres(&fresh_database(&url, "patrol_bench_fleet_notify").await)
                        .await;
                hq.storage
                    .share_events(&hq.state.events)
                    .await
                    .expect("HQ listens for the other processes");
                fleet(
                    "PostgreSQL, telling other HQ processes (NOTIFY)",
                    &hq,
                    devices,
                    minutes,
                )
                .await;
            }
            _ => println!("PostgreSQL: set PATROL_BENCH_PG=postgres://… to measure it too"),
        }
    });
}
