//! `cargo bench -p patrol-e2e --bench city`: what the command centre's answers cost on a city's
//! day. Prints figures, asserts nothing (machines are shared and noisy).
//!
//! `CITY_DEVICES` devices (default 1,000) each patrol for `CITY_HOURS` hours (default 12) ending
//! now, a fix every `CITY_FIX_EVERY_S` seconds (default 1, as a phone records), sealed in
//! 30-second track segments, with a report every 20 minutes; every seventh unit holds a post
//! for three hours. Their ledgers go into the real HQ (embedded SQLite; PostgreSQL in a fresh
//! database with `CITY_PG=postgres://…`) through the real upload use case (`service::upload`: planning, hash and
//! link checks, one commit per batch), then each answer the page reads is asked over loopback
//! HTTP with an operator token: `/stats/daily`, `/units`, `/posts/compliance`, `/coverage`,
//! printed as p50 / p95 / max of `CITY_ROUNDS` requests (default 10). Beside them: the same
//! day recomputed from the raw ledger (what every answer cost before the track rollups), and
//! whether `/stats/daily` is identical to it.

use patrol_model::*;
use patrol_testkit::Hq;
use patrol_testkit::bench::env;
use patrol_testkit::bench::percentile;
use std::time::Instant;

/// One device's ledger: a patrol of `hours` ending at `end_ms`, a fix every `every_s` seconds,
/// 30-second segments, a violation every 20 minutes.
fn ledger(device: DeviceId, n: u64, end_ms: i64, hours: u64, every_s: u64) -> Vec<Entry> {
    let start_ms = end_ms - hours as i64 * 3_600_000;
    let patrol_id = PatrolId::new();
    let modes = [
        PatrolMode::Car,
        PatrolMode::Foot,
        PatrolMode::Motorcycle,
        PatrolMode::EBike,
    ];
    // Spread over the demo grid (29.00–29.08 N, 111.65–111.75 E).
    let (mut lat, mut lon) = (
        29.0 + (n % 8) as f64 * 0.01,
        111.65 + (n / 8 % 10) as f64 * 0.01,
    );
    let mut heading = (n * 37 % 360) as f64;
    let mut records = vec![(
        start_ms,
        Record::PatrolStarted(PatrolStart {
            patrol_id,
            mode: modes[n as usize % modes.len()],
            group: format!("G{:02}", n % 37 + 1).as_str().into(),
            officers: vec![format!("警员{n}"), format!("辅警{n}")],
            volunteers: Default::default(),
            vehicle_plate: None,
        }),
    )];
    let per_segment = (30 / every_s.max(1)).max(1) as usize;
    let total = (hours * 3600 / every_s.max(1)) as usize;
    let mut seg = Vec::with_capacity(per_segment);
    for i in 0..total {
        let t = start_ms + (i as u64 * every_s * 1000) as i64;
        heading = (heading + ((i * 7919) % 11) as f64 - 5.0).rem_euclid(360.0);
        let step = 1.4 * every_s as f64;
        lat = (lat + step * heading.to_radians().cos() / 111_000.0).clamp(29.0, 29.08);
        lon = (lon + step * heading.to_radians().sin() / 97_000.0).clamp(111.65, 111.75);
        let mut f = PositionFix::at(t, lat, lon);
        f.accuracy_m = Some(4.0 + (i % 7) as f64);
        seg.push(f);
        if seg.len() == per_segment {
            records.push((
                t,
                Record::TrackSegment(TrackSegment::new(patrol_id, std::mem::take(&mut seg))),
            ));
        }
        // Every seventh unit holds a post for three hours mid-shift (150 officers on 21 posts).
        let hour = (3600 / every_s.max(1)) as usize;
        if n.is_multiple_of(7) && (i == 2 * hour || i == 5 * hour) {
            let post_id = PostId(format!("P{:02}", (n / 7) % 21 + 1));
            let evidence = VisitEvidence {
                source: "geofence".into(),
                ..VisitEvidence::default()
            };
            records.push((
                t,
                if i == 2 * hour {
                    Record::PostArrived(PostArrival {
                        post_id,
                        patrol_id: Some(patrol_id),
                        crew: PostCrew::default(),
                        evidence,
                    })
                } else {
                    Record::PostLeft(PostDeparture {
                        post_id,
                        patrol_id: Some(patrol_id),
                        evidence,
                    })
                },
            ));
        }
        if i % (1200 / every_s.max(1) as usize).max(1) == 0 && i > 0 {
            records.push((
                t,
                Record::Violation(ViolationTally {
                    patrol_id: Some(patrol_id),
                    ..ViolationTally::new(ViolationType::ALL[i % 8])
                }),
            ));
        }
    }
    patrol_testkit::chain::sealed(device, records)
}

fn main() {
    let devices = env("CITY_DEVICES", 1000);
    let hours = env("CITY_HOURS", 12);
    let every = env("CITY_FIX_EVERY_S", 1);
    let rounds = env("CITY_ROUNDS", 10) as usize;
    let rt = patrol_testkit::bench::runtime();
    rt.block_on(async {
        // `CITY_PG=postgres://user@host:port/db`: the same day on PostgreSQL, in a fresh
        // database made beside `db` (the user must be allowed to create databases).
        let (hq, backend) = match std::env::var("CITY_PG") {
            Ok(admin) if !admin.trim().is_empty() => {
                (Hq::start_postgres(&fresh_database(&admin).await).await, "PostgreSQL")
            }
            _ => (Hq::start().await, "embedded SQLite"),
        };
        let now = chrono::Utc::now().timestamp_millis();
        // The day's hours must fall on one local date, the one the answers are asked about:
        // they end now, or, before that many hours of today have passed, at the local midnight
        // that began today (yesterday's day then; /units and /coverage still answer for now).
        let tz = patrol_testkit::city::demo().tz();
        let midnight = chrono::TimeZone::timestamp_millis_opt(&tz, now)
            .unwrap()
            .date_naive()
            .and_hms_opt(0, 0, 0)
            .and_then(|t| chrono::TimeZone::from_local_datetime(&tz, &t).earliest())
            .map_or(now, |t| t.timestamp_millis());
        let end = if now - hours as i64 * 3_600_000 >= midnight {
            now
        } else {
            midnight - 1000
        };
        let day = chrono::TimeZone::timestamp_millis_opt(&tz, end).unwrap().date_naive();
        if end != now {
            println!("(before {hours}:00 here: the day is yesterday's, {day}, its last {hours} hours)");
        }
        let t = Instant::now();
        let (mut entries_total, mut fixes_total) = (0usize, 0usize);
        for n in 0..devices {
            let device = DeviceId::new();
            let entries = ledger(device, n, end, hours, every);
            entries_total += entries.len();
            fixes_total += (hours * 3600 / every) as usize;
            hq.device_with_ledger(device, &format!("bench {n}"), &entries, now)
                .await;
        }
        let ingest = t.elapsed().as_secs_f64();
        println!(
            "a city's day: {devices} devices × {hours} h, a fix every {every} s: {fixes_total} fixes in {entries_total} entries"
        );
        println!(
            "  ingest through the upload use case ({backend}): {ingest:.1} s → {:.0} fixes/s, {:.0} entries/s",
            fixes_total as f64 / ingest,
            entries_total as f64 / ingest
        );
        // Where the time goes for one day's figures: reading, then deriving.
        let t = Instant::now();
        let window = hq.storage.entries_between(end - 36 * 3_600_000, end + 3_600_000, None).await.unwrap();
        let read = t.elapsed().as_secs_f64() * 1000.0;
        let t = Instant::now();
        let sup = hq.storage.supplements().await.unwrap();
        let sup_ms = t.elapsed().as_secs_f64() * 1000.0;
        let city = hq.storage.city().await.unwrap();
        let t = Instant::now();
        let recomputed = patrol_hq::projections::daily_stats(&window, &sup, city.as_ref(), tz, day);
        let derive = t.elapsed().as_secs_f64() * 1000.0;
        drop(window);
        println!(
            "  the day recomputed from the raw ledger (no rollups): read {read:.0} ms + supplements {sup_ms:.0} ms + derive {derive:.0} ms"
        );
        let served: patrol_model::v1::DailyStats = reqwest::Client::new()
            .get(format!("{}/api/v1/stats/daily?date={day}", hq.url()))
            .bearer_auth(&hq.operator_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // The ledger's figures (the dispatch figures come from the dispatch board).
        let served = patrol_model::v1::DailyStats {
            dispatch: Vec::new(),
            ..served
        };
        println!(
            "  /stats/daily (track rollups and report counts) identical to the recompute: {} ({} km)",
            if served == recomputed { "yes" } else { "NO" },
            served.km_patrolled
        );
        let client = reqwest::Client::new();
        println!("  {:<22} {:>9} {:>9} {:>9} {:>11}", "answer", "p50 ms", "p95 ms", "max ms", "bytes");
        // The first four are the page's live answers (target: p95 < 300 ms); presence and the
        // patrols list (replay's picker) are measured too, fewer times: they still read the
        // day's segments. Then the reports list: the page's newest 200, and the whole day's
        // list in one answer as `/reports` gives it (for tools; the page no longer asks for it).
        let mut rows: Vec<(String, String, usize)> = [
            "/api/v1/stats/daily",
            "/api/v1/units",
            "/api/v1/posts/compliance",
            "/api/v1/coverage",
            "/api/v1/presence",
            "/api/v1/patrols",
            "/api/v1/reports/page",
            "/api/v1/reports",
        ]
        .into_iter()
        .map(|path| {
            let few = path.ends_with("presence") || path.ends_with("patrols") || path.ends_with("reports");
            // The live answers are for now; the rest for the day's date.
            let query = if path.ends_with("units") || path.ends_with("coverage") {
                String::new()
            } else {
                format!("?date={day}")
            };
            let label = path.trim_start_matches("/api/v1/").to_owned();
            (label, format!("{path}{query}"), if few { rounds.min(3) } else { rounds })
        })
        .collect();
        // Deeper into the list: the page after the first (its `next`), and the violations only.
        let first: serde_json::Value = client
            .get(format!("{}/api/v1/reports/page?date={day}", hq.url()))
            .bearer_auth(&hq.operator_token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // (A day of fewer than 200 reports has one page.)
        if let Some(next) = first["next"].as_str() {
            rows.push((
                "reports/page, 2nd".into(),
                format!("/api/v1/reports/page?date={day}&before={next}"),
                rounds,
            ));
        }
        rows.push((
            "reports/page, kind".into(),
            format!("/api/v1/reports/page?date={day}&kind=violation"),
            rounds,
        ));
        for (label, path, rounds) in rows {
            timed(&hq, &client, &label, &path, rounds, "").await;
        }
        println!(
            "  (the reports pages: the day's {} reports counted and ordered by key, only the page's read whole)",
            first["total"]
        );

        // Months of corrections: every answer applies every supplement ever stored (one may
        // correct a report of any day). Before HQ held them, each answer read and decoded all
        // of them; now it reads those stored since it last looked.
        let corrections: u64 = env("CITY_CORRECTIONS", 100_000);
        let per_device: u64 = 1_000;
        for k in 0..corrections.div_ceil(per_device) {
            let device = DeviceId::new();
            let n = per_device.min(corrections - k * per_device);
            // Reports of the 100 days before the day, each corrected a minute later.
            let entries = corrected_reports(device, end - 100 * 24 * 3_600_000, n);
            hq.device_with_ledger(device, &format!("history {k}"), &entries, now).await;
        }
        let t = Instant::now();
        let all = hq.storage.supplements().await.unwrap();
        let whole = t.elapsed().as_secs_f64() * 1000.0;
        drop(all);
        // HQ reads them once (at the first answer after it starts), then only the new ones.
        let t = Instant::now();
        patrol_hq::service::supplements_naming(&hq.state, []).await.unwrap();
        let first_ms = t.elapsed().as_secs_f64() * 1000.0;
        println!(
            "  with {corrections} corrections held from the 100 days before: reading and decoding them all, as each answer did before: {whole:.0} ms; HQ reads them once, {first_ms:.0} ms at its first answer, then only the new ones"
        );
        for (label, path) in [
            ("stats/daily", format!("/api/v1/stats/daily?date={day}")),
            ("reports/page", format!("/api/v1/reports/page?date={day}")),
        ] {
            timed(&hq, &client, label, &path, rounds, "   (with the corrections)").await;
        }
    });
}

/// GET `path` `rounds` times with the operator's token; print its p50, p95 and max in ms and the
/// answer's bytes under `label`, followed by `note`.
async fn timed(
    hq: &Hq,
    client: &reqwest::Client,
    label: &str,
    path: &str,
    rounds: usize,
    note: &str,
) {
    let mut ms = Vec::with_capacity(rounds);
    let mut bytes = 0;
    for _ in 0..rounds {
        let t = Instant::now();
        let r = client
            .get(format!("{}{path}", hq.url()))
            .bearer_auth(&hq.operator_token)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{path}: {}", r.status());
        bytes = r.bytes().await.unwrap().len();
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    println!(
        "  {:<22} {:>9.1} {:>9.1} {:>9.1} {:>11}{note}",
        label,
        percentile(&ms, 0.5),
        percentile(&ms, 0.95),
        ms[ms.len() - 1],
        bytes
    );
}

/// `n` violations from `from_ms`, an hour apart, each corrected (its plate) a minute later:
/// `2 n` entries of `device`'s chain.
fn corrected_reports(device: DeviceId, from_ms: i64, n: u64) -> Vec<Entry> {
    let mut prev = Hash::GENESIS;
    let mut out = Vec::with_capacity(2 * n as usize);
    let mut seal = |out: &mut Vec<Entry>, t: i64, r: Record| {
        let e = UnsealedEntry {
            device_id: device,
            seq: out.len() as u64 + 1,
            id: EntryId::new(),
            kind: r.kind(),
            wall_ms: t,
            mono_ms: t - from_ms,
            gnss_ms: Some(t),
            cell: None,
            payload: r.encode_payload(),
            prev_hash: prev,
        }
        .seal()
        .expect("bench records seal");
        prev = e.hash;
        out.push(e.clone());
        e
    };
    for i in 0..n {
        let t = from_ms + i as i64 * 3_600_000;
        let tally = |plate: &str| ViolationTally {
            plate: Some(plate.parse().unwrap()),
            ..ViolationTally::new(ViolationType::ALL[i as usize % 8])
        };
        let report = seal(&mut out, t, Record::Violation(tally("湘J12345")));
        seal(
            &mut out,
            t + 60_000,
            Record::Supplement(Supplement {
                target_id: report.id,
                target_seq: report.seq,
                reason: "车牌更正".into(),
                correction: Some(Box::new(Record::Violation(tally("湘J54321")))),
            }),
        );
    }
    out
}

/// A new, empty database on the server of `admin_url`; its URL.
async fn fresh_database(admin_url: &str) -> String {
    let name = format!("city_{}", chrono::Utc::now().timestamp_millis());
    let (client, conn) = tokio_postgres::connect(admin_url, tokio_postgres::NoTls)
        .await
        .expect("CITY_PG: cannot connect");
    tokio::spawn(async move {
        let _ = conn.await;
    });
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("CITY_PG: cannot create a database");
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("CITY_PG is a postgres://…/db URL");
    format!("{base}/{name}")
}
