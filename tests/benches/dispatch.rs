//! `cargo bench -p patrol-e2e --bench dispatch`: what dispatching costs with a city's units on
//! patrol. Prints figures, asserts nothing (machines are shared and noisy).
//!
//! `DISPATCH_UNITS` units (default 200) are on patrol across the demo grid, each with an hour
//! of 1 Hz fixes in 30-second segments, uploaded through the real upload use case into the real
//! HQ (embedded SQLite). `DISPATCH_OPEN` dispatches (default 50) are open, each with a unit on
//! it. Then, over loopback HTTP with an operator token, `DISPATCH_ROUNDS` times (default 50):
//! the ranking of units for a call (`/dispatches/recommend`, target p95 < 200 ms), creating and
//! sending a dispatch, and the day's board (`/dispatches`).

use patrol_model::*;
use patrol_testkit::Hq;
use patrol_testkit::bench::env;
use patrol_testkit::bench::percentile;
use serde_json::json;
use std::time::Instant;

/// An hour on patrol ending at `end_ms`, somewhere on the demo grid.
fn ledger(device: DeviceId, n: u64, end_ms: i64) -> Vec<Entry> {
    let start_ms = end_ms - 3_600_000;
    let patrol_id = PatrolId::new();
    let modes = [
        PatrolMode::Car,
        PatrolMode::Foot,
        PatrolMode::Motorcycle,
        PatrolMode::EBike,
    ];
    let (lat, lon) = (
        29.0 + (n % 8) as f64 * 0.01,
        111.65 + (n / 8 % 10) as f64 * 0.01,
    );
    let mut records = vec![(
        start_ms,
        Record::PatrolStarted(PatrolStart {
            patrol_id,
            mode: modes[n as usize % modes.len()],
            group: format!("G{:02}", n % 37 + 1).as_str().into(),
            officers: vec![format!("警员{n}")],
            volunteers: Default::default(),
            vehicle_plate: None,
        }),
    )];
    for s in 0..120i64 {
        let fixes: Vec<PositionFix> = (0..30i64)
            .map(|i| {
                let t = start_ms + (s * 30 + i) * 1000;
                let mut f = PositionFix::at(t, lat + (s * 30 + i) as f64 * 1e-6, lon);
                f.accuracy_m = Some(5.0);
                f
            })
            .collect();
        records.push((
            start_ms + (s + 1) * 30_000,
            Record::TrackSegment(TrackSegment::new(patrol_id, fixes)),
        ));
    }
    patrol_testkit::chain::sealed(device, records)
}

fn summary(name: &str, mut ms: Vec<f64>) {
    ms.sort_by(f64::total_cmp);
    println!(
        "  {:<28} {:>9.1} {:>9.1} {:>9.1}",
        name,
        percentile(&ms, 0.5),
        percentile(&ms, 0.95),
        ms[ms.len() - 1]
    );
}

fn main() {
    let units = env("DISPATCH_UNITS", 200);
    let open = env("DISPATCH_OPEN", 50);
    let rounds = env("DISPATCH_ROUNDS", 50) as usize;
    let rt = patrol_testkit::bench::runtime();
    rt.block_on(async {
        let hq = Hq::start().await;
        let now = chrono::Utc::now().timestamp_millis();
        let mut devices = Vec::new();
        for n in 0..units {
            let device = DeviceId::new();
            hq.device_with_ledger(device, &format!("unit {n}"), &ledger(device, n, now), now)
                .await;
            devices.push(device);
        }
        for i in 0..open as usize {
            hq.post_json(
                "/api/v1/dispatches",
                json!({"kind": "dispute", "tier": 5, "target": {"lat": 29.04, "lon": 111.70},
                       "units": [devices[i % devices.len()]]}),
            )
            .await;
        }
        println!("dispatch with {units} units on patrol and {open} open dispatches:");
        println!(
            "  {:<28} {:>9} {:>9} {:>9}",
            "answer", "p50 ms", "p95 ms", "max ms"
        );
        let mut ms = Vec::new();
        let mut ranked = 0;
        for i in 0..rounds {
            let (lat, lon) = (
                29.005 + (i % 7) as f64 * 0.01,
                111.655 + (i % 9) as f64 * 0.01,
            );
            let t = Instant::now();
            let r = hq
                .get_json(&format!("/api/v1/dispatches/recommend?lat={lat}&lon={lon}"))
                .await;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            ranked = r.as_array().map_or(0, Vec::len);
        }
        summary(&format!("recommend ({ranked} ranked)"), ms);
        let mut ms = Vec::new();
        for i in 0..rounds {
            let t = Instant::now();
            hq.post_json(
                "/api/v1/dispatches",
                json!({"kind": "theft", "tier": 3, "target": {"lat": 29.03, "lon": 111.69},
                       "units": [devices[(i * 13) % devices.len()]]}),
            )
            .await;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
        }
        summary("create + send", ms);
        let mut ms = Vec::new();
        let mut rows = 0;
        for _ in 0..rounds.min(20) {
            let t = Instant::now();
            let board = hq.get_json("/api/v1/dispatches").await;
            ms.push(t.elapsed().as_secs_f64() * 1000.0);
            rows = board["dispatches"].as_array().map_or(0, Vec::len);
        }
        summary(&format!("board ({rows} dispatches)"), ms);
    });
}
