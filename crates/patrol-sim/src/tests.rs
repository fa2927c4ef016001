//! The simulator against the real HQ (`patrol_hq::serve` on `127.0.0.1:0`, SQLite in a temp
//! dir): the whole demo city (37 groups, 20 community teams, 21 posts) through two days with
//! sparse tracks (a fix every 30 minutes keeps it quick; the plan is the full one). HQ's own
//! figures must be exactly what the plan says and within the story's per-day figures, and the
//! units still out must be on HQ's live map.

use crate::day::{SimPlan, simulate};
use crate::hq::Hq;
use crate::plan::{self, DayInput};
use patrol_hq::AppState;
use patrol_hq::storage::Storage;
use patrol_hq::storage::sqlite::SqliteStorage;
use patrol_model::{City, VolunteerCategory};

fn within(value: u32, target: f64, tolerance: f64) -> bool {
    (f64::from(value) - target).abs() <= target * tolerance
}
use std::sync::Arc;

/// A real HQ on `127.0.0.1:0` holding the demo city, and an operator's token for it.
async fn demo_hq(dir: &std::path::Path, now_ms: i64) -> (City, String, String) {
    let city: City = serde_json::from_str(include_str!("../../../demo/changde-city.json")).unwrap();
    let storage = Arc::new(SqliteStorage::open(dir).unwrap());
    storage.import_city(&city, now_ms).await.unwrap();
    let token = format!("op_{}", patrol_hq::auth::random_secret(16));
    storage
        .add_operator("sim", &patrol_hq::auth::hash_secret(&token), now_ms)
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(patrol_hq::serve(listener, AppState::new(storage)));
    (city, url, token)
}

async fn units_on_the_map(url: &str, token: &str) -> Vec<serde_json::Value> {
    reqwest::Client::new()
        .get(format!("{url}/api/v1/units"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_city_through_two_days_lands_on_the_storys_figures_at_hq() {
    let now_ms = chrono::Utc::now().timestamp_millis();
    let dir = tempfile::tempdir().unwrap();
    let (city, url, token) = demo_hq(dir.path(), now_ms).await;

    // Yesterday, a whole day in the past, as the last day of the run: its night sorties stay
    // open, so they are on the live map at any hour of today (it looks two days back for a start).
    let yesterday = chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap()
        .with_timezone(&city.tz())
        .date_naive()
        .pred_opt()
        .unwrap();
    let (groups, communities, posts) = (city.groups.len(), plan::COMMUNITY_TEAMS, city.posts.len());
    let before = yesterday.pred_opt().unwrap();
    let plan = SimPlan {
        city: &city,
        dates: vec![before, yesterday],
        until_ms: now_ms,
        groups,
        posts,
        communities,
        seed: 2026,
        fix_every_s: 1800,
        parallel: 8,
    };
    let hq = Hq::new(&url, &token).unwrap();
    let data = tempfile::tempdir().unwrap();
    let totals = simulate(&plan, &hq, data.path()).await.unwrap();
    assert_eq!(totals.devices, groups + communities + posts);

    let story = [
        (VolunteerCategory::PatrolTeam, 37.0),
        (VolunteerCategory::RedVest, 132.0),
        (VolunteerCategory::CommunityCadre, 213.0),
        (VolunteerCategory::GridWorker, 62.0),
        (VolunteerCategory::PropertyStaff, 151.0),
        (VolunteerCategory::SecurityGuard, 291.0),
    ];
    for (date, last_day) in [(before, false), (yesterday, true)] {
        let want = plan::counts(&plan::plan_day(DayInput {
            city: &city,
            date,
            groups,
            posts,
            communities,
            seed: 2026,
            last_day,
        }));
        let s = hq.daily_stats(date).await.unwrap();
        assert_eq!(s.officer_trips, want.officer_trips);
        assert_eq!(s.vehicle_trips, want.vehicle_trips);
        assert_eq!(s.volunteers_total, want.volunteers_total);
        assert_eq!(s.volunteers_by_category, want.volunteers);
        assert_eq!(s.violations_by_type, want.violations);
        assert_eq!((s.lost_persons, s.thefts), (1, 1));
        assert!(within(s.officer_trips, 906.0, 0.15), "{s:?}");
        assert!(within(s.vehicle_trips, 167.0, 0.15), "{s:?}");
        assert!(within(s.volunteers_total, 886.0, 0.15), "{s:?}");
        for (category, per_day) in story {
            let n = s
                .volunteers_by_category
                .get(&category)
                .copied()
                .unwrap_or(0);
            assert!(within(n, per_day, 0.25), "{category}: {n} of {s:?}");
        }
    }

    // Each group's last night sortie is still out: HQ's live map shows it.
    let units = units_on_the_map(&url, &token).await;
    assert_eq!(units.len(), groups, "{} units on the map", units.len());
}

/// The simulator's default run ends today at now, whatever the hour: at 02:30 the groups'
/// first sorties of the day are under way, recorded up to that instant and left open, so the
/// command centre's page (which opens on today) shows them out rather than an empty day.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_day_cut_at_half_past_two_leaves_the_night_sorties_out() {
    let now_ms = chrono::Utc::now().timestamp_millis();
    let dir = tempfile::tempdir().unwrap();
    let (city, url, token) = demo_hq(dir.path(), now_ms).await;
    // Yesterday at 02:30 stands for "now": in the past, so nothing reads as from the future.
    let day = chrono::DateTime::from_timestamp_millis(now_ms)
        .unwrap()
        .with_timezone(&city.tz())
        .date_naive()
        .pred_opt()
        .unwrap();
    let cut = plan::local_ms(&city, day, 2, 30);
    let groups = city.groups.len();
    let plan = SimPlan {
        city: &city,
        dates: vec![day],
        until_ms: cut,
        groups,
        posts: city.posts.len(),
        communities: plan::COMMUNITY_TEAMS,
        seed: 2026,
        fix_every_s: 600,
        parallel: 8,
    };
    let hq = Hq::new(&url, &token).unwrap();
    let data = tempfile::tempdir().unwrap();
    let totals = simulate(&plan, &hq, data.path()).await.unwrap();
    // Only the groups had started by 02:30 (posts open at the morning peak, lane walks by day).
    assert_eq!(totals.devices, groups);
    assert!(totals.fixes > 0);
    let s = hq.daily_stats(day).await.unwrap();
    assert!(s.officer_trips > 0 && s.vehicle_trips > 0, "{s:?}");
    let units = units_on_the_map(&url, &token).await;
    assert_eq!(units.len(), groups, "{} units on the map", units.len());
}
