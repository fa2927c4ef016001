//! Dispatch end to end over real HTTP (警力跟着警情走): HQ ranks the units on patrol, an
//! operator sends one while its device is offline, the order reaches the device when it comes
//! back — exactly once, through a network that drops connections and answers, and with the
//! device killed mid-sync — and the officer's steps, recorded offline, give HQ the right
//! response times on the board and in the daily figures.

use patrol_device::{Capture, FlushPolicy, ManualClock, Store};
use patrol_model::*;
use patrol_sync::{Credentials, SyncEngine};
use patrol_testkit::{Hq, Proxy};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use patrol_e2e::fast_sync as fast;

/// The scene: 人民路 in the demo city.
const SCENE: LatLon = LatLon {
    lat: 29.0315,
    lon: 111.6985,
};

struct Device {
    dir: PathBuf,
    _tmp: tempfile::TempDir,
    clock: ManualClock,
    store: Mutex<Store>,
}

impl Device {
    async fn enrolled(hq: &Hq, url: &str, name: &str) -> Device {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let clock = ManualClock::new(chrono::Utc::now().timestamp_millis());
        let store = Mutex::new(Store::open(&dir, Arc::new(clock.clone())).unwrap());
        let engine = SyncEngine::with_options(fast()).unwrap();
        engine
            .enroll(&store, url, &hq.enrollment_code(name).await)
            .await
            .unwrap();
        Device {
            dir,
            _tmp: tmp,
            clock,
            store,
        }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.store.lock().unwrap())
    }

    fn id(&self) -> DeviceId {
        self.with(|s| s.device_id())
    }

    /// On patrol in `mode`, `north_m` metres north of the scene, with a sealed segment HQ can
    /// place on the map.
    fn patrolling(&self, mode: PatrolMode, north_m: f64) {
        let t0 = self.clock.wall_ms();
        self.with(|s| {
            s.set_flush_policy(FlushPolicy {
                max_fixes: 5,
                max_span_ms: 30_000,
            });
            s.start_patrol(
                PatrolStart {
                    patrol_id: PatrolId::new(),
                    mode,
                    group: "G07".into(),
                    officers: vec!["李警官".into()],
                    volunteers: Default::default(),
                    vehicle_plate: None,
                },
                Capture::default(),
            )
            .unwrap();
            for i in 0..5 {
                let fix = PositionFix {
                    accuracy_m: Some(6.0),
                    ..PositionFix::at(t0 + i * 1000, SCENE.lat + north_m / 111_320.0, SCENE.lon)
                };
                s.record_fix(fix).unwrap();
            }
        });
    }

    /// The device dies (its process is gone) and comes back: the store reopened from disk.
    fn restart(&self) {
        let mut guard = self.store.lock().unwrap();
        let fresh = Store::open(&self.dir, Arc::new(self.clock.clone())).unwrap();
        drop(std::mem::replace(&mut *guard, fresh));
    }

    fn step(&self, id: DispatchId, step: DispatchStepKind, outcome: Option<DispatchOutcome>) {
        let capture = Capture {
            gnss_ms: Some(self.clock.wall_ms()),
            position: Some(SCENE),
        };
        self.with(|s| s.record_dispatch_step(id, step, outcome, None, false, capture))
            .unwrap();
    }
}

async fn sync_until_clean(engine: &SyncEngine, d: &Device, tries: usize) {
    for _ in 0..tries {
        if let Ok(r) = engine.sync(&d.store, |_| {}).await
            && r.is_clean()
        {
            return;
        }
    }
    panic!("did not converge in {tries} syncs");
}

fn unit(view: &Value, device: DeviceId) -> &Value {
    view["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["device_id"] == device.to_string())
        .unwrap_or_else(|| panic!("unit {device} not on {view}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_sent_while_offline_arrives_once_and_the_steps_give_the_times() {
    let hq = Hq::start().await;
    let proxy = Proxy::start(hq.addr).await;
    let car = Device::enrolled(&hq, &proxy.url(), "G07 警车").await;
    let foot = Device::enrolled(&hq, &hq.url(), "G07 步巡").await;
    let engine = SyncEngine::with_options(fast()).unwrap();

    // A car 2 km out and a foot patrol 600 m out: the car arrives sooner and ranks first.
    car.patrolling(PatrolMode::Car, 2_000.0);
    foot.patrolling(PatrolMode::Foot, 600.0);
    sync_until_clean(&engine, &car, 3).await;
    sync_until_clean(&engine, &foot, 3).await;
    let ranked = hq
        .get_json(&format!(
            "/api/v1/dispatches/recommend?lat={}&lon={}",
            SCENE.lat, SCENE.lon
        ))
        .await;
    let order: Vec<&str> = ranked
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["device_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        order,
        vec![car.id().to_string(), foot.id().to_string()],
        "{ranked:#}"
    );
    assert!(ranked[0]["eta_s"].as_f64() < ranked[1]["eta_s"].as_f64());
    assert!(ranked[0]["distance_m"].as_f64() > ranked[1]["distance_m"].as_f64());

    // The car goes offline; the operator sends it anyway.
    proxy.set_faults(100, 0);
    let created = hq
        .post_json(
            "/api/v1/dispatches",
            json!({"kind": "theft", "tier": 3, "target": SCENE, "address": "人民路 18 号 金店",
               "units": [car.id()]}),
        )
        .await;
    let id: DispatchId = created["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(created["state"], "sent");
    assert!(engine.sync(&car.store, |_| {}).await.is_err(), "offline");

    // Not delivered in time: HQ sends it again and the board flags it.
    let state = patrol_hq::AppState::new(hq.storage.clone());
    assert_eq!(
        patrol_hq::service::dispatch::resend_due(&state, -1)
            .await
            .unwrap(),
        1
    );
    let v = hq.get_json(&format!("/api/v1/dispatches/{id}")).await;
    assert_eq!(unit(&v, car.id())["resends"], 1);
    assert!(unit(&v, car.id())["delivered_ms"].is_null());

    // Back on a network that drops a third of connections and answers, and the device is
    // killed mid-sync again and again: the order arrives, once.
    proxy.set_faults(30, 30);
    for i in 0..8u64 {
        let task = {
            let creds = car.with(|s| Credentials::from_store(s)).unwrap();
            let engine = SyncEngine::with_options(fast()).unwrap();
            let store = &car.store;
            async move {
                let _ = engine.sync_with(store, &creds, |_| {}).await;
            }
        };
        let _ = tokio::time::timeout(Duration::from_millis(3 + i * 7), task).await;
        car.restart();
    }
    sync_until_clean(&engine, &car, 30).await;
    let cards = car.with(|s| s.dispatches()).unwrap();
    assert_eq!(cards.len(), 1, "{cards:#?}");
    assert_eq!(cards[0].order.id, id);
    assert_eq!(cards[0].state, DispatchState::Delivered);
    assert_eq!(car.with(|s| s.inbox_cursor()).unwrap(), 1);
    let v = hq.get_json(&format!("/api/v1/dispatches/{id}")).await;
    assert_eq!(unit(&v, car.id())["state"], "delivered");
    assert!(unit(&v, car.id())["delivered_ms"].is_i64());

    // The officer accepts at +20 s and is on scene at +90 s, all offline; the times travel
    // with the entries and HQ reads them when the device syncs later.
    proxy.set_faults(100, 0);
    let call_ms = created["call_ms"].as_i64().unwrap();
    car.clock.set_wall_ms(call_ms + 20_000);
    car.step(id, DispatchStepKind::Accepted, None);
    car.clock.set_wall_ms(call_ms + 90_000);
    car.step(id, DispatchStepKind::OnScene, None);
    car.clock.set_wall_ms(call_ms + 240_000);
    car.step(
        id,
        DispatchStepKind::Cleared,
        Some(DispatchOutcome::ArrestMade),
    );
    assert!(engine.sync(&car.store, |_| {}).await.is_err(), "offline");
    proxy.set_faults(0, 0);
    sync_until_clean(&engine, &car, 5).await;

    let v = hq.get_json(&format!("/api/v1/dispatches/{id}")).await;
    assert_eq!(v["state"], "cleared", "{v:#}");
    assert_eq!(v["accepted_ms"], call_ms + 20_000);
    assert_eq!(v["on_scene_ms"], call_ms + 90_000);
    assert_eq!(v["outcome"], "arrest-made");
    assert_eq!(v["overdue"], false);

    // The day's figures: one 3-minute call, on scene in 90 s, within target.
    let stats = hq.get_json("/api/v1/stats/daily").await;
    let tier3 = stats["dispatch"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["tier"] == 3)
        .unwrap()
        .clone();
    assert_eq!(tier3["dispatches"], 1, "{stats:#}");
    assert_eq!(tier3["on_scene"], 1);
    assert_eq!(tier3["within_target"], 1);
    assert_eq!(tier3["within_target_share"], 1.0);
    let send_to_scene = tier3["send_to_on_scene_p90_s"].as_f64().unwrap();
    let sent_ms = v["sent_ms"].as_i64().unwrap();
    assert_eq!(
        send_to_scene,
        ((call_ms + 90_000 - sent_ms) as f64 / 100.0).round() / 10.0
    );
    assert_eq!(tier3["call_to_on_scene_p90_s"], 90.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_app_hears_of_an_order_through_the_long_poll_and_a_reassigned_unit_is_told() {
    let hq = Hq::start().await;
    let a = Device::enrolled(&hq, &hq.url(), "A").await;
    let b = Device::enrolled(&hq, &hq.url(), "B").await;
    let engine = Arc::new(SyncEngine::with_options(fast()).unwrap());

    // The app's live channel: a long-poll waiting before anything is sent.
    let creds = a.with(|s| Credentials::from_store(s)).unwrap();
    let started = std::time::Instant::now();
    let listen = async {
        engine
            .pull_inbox(&a.store, &creds, Duration::from_secs(10))
            .await
            .unwrap()
    };
    let send = async {
        tokio::time::sleep(Duration::from_millis(300)).await;
        hq.post_json(
            "/api/v1/dispatches",
            json!({"kind": "fight", "tier": 1, "target": SCENE, "units": [a.id()]}),
        )
        .await
    };
    let (heard, created) = tokio::join!(listen, send);
    let id: DispatchId = created["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(heard.new_orders, vec![id]);
    assert_eq!(heard.messages, 1);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "delivered within 2 s: {:?}",
        started.elapsed()
    );
    // Acknowledged by the pull: delivered at HQ.
    let v = hq.get_json(&format!("/api/v1/dispatches/{id}")).await;
    assert_eq!(unit(&v, a.id())["state"], "delivered");

    // Reassigned to B: A's device learns it must not go, B's gets the order.
    let v = hq
        .post_json(
            &format!("/api/v1/dispatches/{id}/reassign"),
            json!({"from": a.id(), "to": [b.id()], "reason": "A 处置另一警情"}),
        )
        .await;
    assert_eq!(unit(&v, a.id())["state"], "reassigned");
    assert_eq!(unit(&v, b.id())["state"], "sent");
    engine.sync(&a.store, |_| {}).await.unwrap();
    let card = a.with(|s| s.dispatch(id)).unwrap();
    assert_eq!(card.state, DispatchState::Reassigned);
    assert_eq!(card.withdrawn.as_deref(), Some("A 处置另一警情"));
    let refused = a.with(|s| {
        s.record_dispatch_step(
            id,
            DispatchStepKind::Accepted,
            None,
            None,
            false,
            Capture::default(),
        )
    });
    assert!(matches!(
        refused,
        Err(patrol_device::Error::DispatchWithdrawn(_))
    ));
    let report = engine.sync(&b.store, |_| {}).await.unwrap();
    assert_eq!(report.new_dispatches, vec![id]);

    // Bad input is refused with a reason, and nothing is written.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/dispatches", hq.url()))
        .bearer_auth(&hq.operator_token)
        .json(&json!({"kind": "theft", "tier": 2, "target": SCENE}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let board = hq.get_json("/api/v1/dispatches").await;
    assert_eq!(board["dispatches"].as_array().unwrap().len(), 1);
    // A viewer reads the board but sends nobody anywhere.
    let viewer = "op_viewer_token_for_the_dispatch_test";
    hq.storage
        .add_operator_with(
            "夜班观察员",
            &patrol_hq::auth::hash_secret(viewer),
            patrol_hq::storage::Role::Viewer,
            None,
            0,
        )
        .await
        .unwrap();
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/dispatches", hq.url()))
        .bearer_auth(viewer)
        .json(&json!({"kind": "theft", "tier": 3, "target": SCENE}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/dispatches", hq.url()))
        .bearer_auth(viewer)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // A device cannot read another's inbox.
    let token = hq.enrol(DeviceId::new(), "C").await;
    let r = reqwest::Client::new()
        .get(format!("{}/api/v1/devices/{}/inbox", hq.url(), a.id()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_device_that_died_between_storing_and_acknowledging_is_counted_delivered_next_time() {
    let hq = Hq::start().await;
    let d = Device::enrolled(&hq, &hq.url(), "G07").await;
    let created = hq
        .post_json(
            "/api/v1/dispatches",
            json!({"kind": "dispute", "tier": 5, "target": SCENE, "units": [d.id()]}),
        )
        .await;
    // The device pulls and stores the order, then dies before its acknowledgement leaves.
    let creds = d.with(|s| Credentials::from_store(s)).unwrap();
    let token = v1::device_token(d.id(), &creds.secret);
    let page: patrol_model::dispatch::InboxPage = reqwest::Client::new()
        .get(format!(
            "{}/api/v1/devices/{}/inbox?after=0",
            hq.url(),
            d.id()
        ))
        .bearer_auth(&token)
        .header(v1::PROTOCOL_HEADER, v1::PROTOCOL.to_string())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    d.with(|s| s.save_inbox(&page.items)).unwrap();
    d.restart();
    let v = hq
        .get_json(&format!(
            "/api/v1/dispatches/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(v["units"][0]["state"], "sent");
    // Back: the next sync has nothing new to pull, and its pull says "after 1".
    let report = SyncEngine::with_options(fast())
        .unwrap()
        .sync(&d.store, |_| {})
        .await
        .unwrap();
    assert!(report.new_dispatches.is_empty());
    let v = hq
        .get_json(&format!(
            "/api/v1/dispatches/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(v["units"][0]["state"], "delivered", "{v:#}");
}
