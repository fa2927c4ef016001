//! The simulator against the real HQ (`patrol_hq::serve` on `127.0.0.1:0`, SQLite in a temp
//! dir). HQ lets one address enrol 10 devices a minute, so this runs a small city day (4
//! groups, 2 community teams, 3 posts: 9 devices) with sparse tracks and checks that HQ's own
//! figures are exactly what the plan says — the plan's counts at full scale are held to the
//! story's per-day figures in `plan.rs` — and that the units still out are on HQ's live map.

use crate::day::{SimPlan, simulate};
use crate::hq::Hq;
use crate::plan::{self, DayInput};
use patrol_hq::AppState;
use patrol_hq::storage::Storage;
use patrol_hq::storage::sqlite::SqliteStorage;
use patrol_model::City;
use std::sync::Arc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_counts_a_simulated_day_as_planned_and_shows_the_units_still_out() {
    let city: City = serde_json::from_str(include_str!("../../../demo/changde-city.json")).unwrap();
    let now_ms = chrono::Utc::now().timestamp_millis();
    let dir = tempfile::tempdir().unwrap();
    let storage = Arc::new(SqliteStorage::open(dir.path()).unwrap());
    storage.import_city(&city, now_ms).await.unwrap();
    let token = format!("op_{}", patrol_hq::auth::random_secret(16));
    storage
        .add_operator("sim", &patrol_hq::auth::hash_secret(&token), now_ms)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(patrol_hq::serve(listener, AppState::new(storage)));

    // Yesterday, a whole day in the past, as the last day of the run: its night sorties stay
    // open and are still within the live map's last 24 hours.
    let yesterday = chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap()
        .with_timezone(&city.tz())
        .date_naive()
        .pred_opt()
        .unwrap();
    let (groups, communities, posts) = (4, 2, 3);
    let plan = SimPlan {
        city: &city,
        dates: vec![yesterday],
        until_ms: now_ms,
        groups,
        posts,
        communities,
        seed: 2026,
        fix_every_s: 600,
        parallel: 4,
    };
    let hq = Hq::new(&url, &token).unwrap();
    let data = tempfile::tempdir().unwrap();
    let totals = simulate(&plan, &hq, data.path()).await.unwrap();
    assert_eq!(totals.devices, groups + communities + posts);

    let want = plan::counts(&plan::plan_day(DayInput {
        city: &city,
        date: yesterday,
        groups,
        posts,
        communities,
        seed: 2026,
        last_day: true,
    }));
    let s = hq.daily_stats(yesterday).await.unwrap();
    assert_eq!(s.officer_trips, want.officer_trips);
    assert_eq!(s.vehicle_trips, want.vehicle_trips);
    assert_eq!(s.volunteers_total, want.volunteers_total);
    assert_eq!(s.volunteers_by_category, want.volunteers);
    assert_eq!(s.violations_by_type, want.violations);
    assert_eq!((s.lost_persons, s.thefts), (want.lost_persons, want.thefts));
    assert!(s.officer_trips > 0 && s.vehicle_trips > 0 && s.volunteers_total > 0);

    // Each group's last night sortie is still out: HQ's live map shows it.
    let units: Vec<serde_json::Value> = reqwest::Client::new()
        .get(format!("{url}/api/v1/units"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(units.len(), groups, "{units:?}");
}
