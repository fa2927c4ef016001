//! A whole patrol — every entry kind and photos — recorded on a real device store, synced
//! through the real sync engine to the real HQ on 127.0.0.1, verified end to end, and compared
//! figure by figure with what the device itself derives. Then the faults: a network that drops
//! connections and answers, and an HQ restarted in the middle of an upload.

use patrol_device::{Capture, FlushPolicy, Store, SystemClock};
use patrol_model::*;
use patrol_sync::{SyncEngine, SyncOptions};
use patrol_testkit::{Hq, Proxy};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use patrol_e2e::fast_sync as fast;

struct Device {
    _dir: tempfile::TempDir,
    store: Mutex<Store>,
}

impl Device {
    async fn enrolled(hq: &Hq, url: &str) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let store = Mutex::new(Store::open(dir.path(), Arc::new(SystemClock::new())).unwrap());
        let engine = SyncEngine::with_options(fast()).unwrap();
        engine
            .enroll(&store, url, &hq.enrollment_code("G07 第7巡逻组").await)
            .await
            .unwrap();
        engine.sync(&store, |_| {}).await.unwrap(); // reference data first
        Device { _dir: dir, store }
    }

    fn with<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self.store.lock().unwrap())
    }
}

fn here() -> Capture {
    Capture {
        gnss_ms: None,
        position: Some(LatLon {
            lat: 29.031,
            lon: 111.690,
        }),
    }
}

fn jpeg(seed: u8, len: usize) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.extend((0..len).map(|i| (i as u8).wrapping_mul(seed)));
    b
}

fn violation(t: ViolationType, plate: Option<&str>, photos: Vec<PhotoRef>, seized: u32) -> Record {
    Record::Violation(ViolationTally {
        patrol_id: None,
        violation: t,
        plate: plate.map(|p| p.parse().unwrap()),
        vehicle: Some(VehicleKind::EBike),
        seized_items: seized,
        photos,
        at: None,
        note: None,
    })
}

/// Records one patrol with every kind of entry; returns how many fixes were recorded.
fn record_everything(d: &Device) -> usize {
    d.with(|s| {
        s.set_flush_policy(FlushPolicy {
            max_fixes: 20,
            max_span_ms: 600_000,
        });
        let start = PatrolStart {
            patrol_id: PatrolId::new(),
            mode: PatrolMode::Car,
            group: "G07".into(),
            officers: vec!["张伟".into(), "李娜".into()],
            volunteers: [
                (VolunteerCategory::RedVest, 2),
                (VolunteerCategory::GridWorker, 1),
            ]
            .into_iter()
            .collect(),
            vehicle_plate: Some("湘J12345".parse().unwrap()),
        };
        s.start_patrol(start, here()).unwrap();
        let now = s.clock().wall_ms();
        for i in 0..50 {
            let mut f = PositionFix::at(now + i * 1000, 29.030 + i as f64 * 1e-4, 111.690);
            f.accuracy_m = Some(5.0);
            s.record_fix(f).unwrap();
        }
        // Five minutes without a fix, then found 1 km on: a tracking gap, not a kilometre.
        let mut f = PositionFix::at(now + 350_000, 29.045, 111.690);
        f.accuracy_m = Some(5.0);
        assert!(s.record_fix(f).unwrap().gap.is_some());
        let photo = s.add_photo(&jpeg(3, 300_000)).unwrap();
        let front = s.add_photo(&jpeg(5, 50_000)).unwrap();
        let a = s
            .append(
                &violation(ViolationType::NoHelmet, Some("湘J12345"), vec![photo], 0),
                here(),
            )
            .unwrap();
        s.append(
            &violation(ViolationType::UmbrellaRig, None, vec![], 1),
            here(),
        )
        .unwrap();
        let b = s
            .append(&violation(ViolationType::NoHelmet, None, vec![], 0), here())
            .unwrap();
        let withdraw = |e: &Entry, correction: Option<Record>| {
            Record::Supplement(Supplement {
                target_id: e.id,
                target_seq: e.seq,
                reason: "录入错误".into(),
                correction: correction.map(Box::new),
            })
        };
        s.append(&withdraw(&b, None), here()).unwrap();
        // An order from HQ's inbox (as a sync stores it) and the officer accepting it.
        let dispatch = DispatchId::new();
        s.save_inbox(&[patrol_model::InboxItem {
            seq: 1,
            message: patrol_model::InboxMessage::Order(patrol_model::DispatchOrder {
                id: dispatch,
                kind: DispatchKind::Theft,
                tier: Tier::Three,
                target: LatLon {
                    lat: 29.031,
                    lon: 111.690,
                },
                radius_m: 100.0,
                address: None,
                note: None,
                call_ms: now,
                sent_ms: now,
            }),
        }])
        .unwrap();
        s.record_dispatch_step(
            dispatch,
            DispatchStepKind::Accepted,
            None,
            None,
            false,
            here(),
        )
        .unwrap();
        s.append(
            &withdraw(
                &a,
                Some(violation(
                    ViolationType::RedLight,
                    Some("湘J12345"),
                    vec![],
                    0,
                )),
            ),
            here(),
        )
        .unwrap();
        let reports = [
            Record::LostPerson(LostPersonReport {
                patrol_id: None,
                description: "七旬老人，灰色外套".into(),
                identifying_code: Some("WB-20931".into()),
                found_at: Some(LatLon {
                    lat: 29.031,
                    lon: 111.69,
                }),
                found_place: Some("光荣路口".into()),
                handed_to: Some("家属".into()),
                handed_over_at: None,
                outcome: LostPersonOutcome::ReunitedWithFamily,
                photos: vec![],
            }),
            Record::TrafficAccident(TrafficAccidentReport {
                patrol_id: None,
                vehicles: vec![AccidentVehicle {
                    plate: Some("湘JD12345".parse().unwrap()),
                    kind: VehicleKind::Car,
                }],
                injuries: false,
                photos: vec![AccidentPhoto {
                    slot: PhotoSlot::Front,
                    photo: front,
                }],
                outcomes: vec![
                    AccidentOutcome::CarsMoved,
                    AccidentOutcome::InsuranceAdvised,
                ],
                at: None,
                note: None,
                photos_missing_reason: Some("后车已驶离，未拍到车尾".into()),
            }),
            Record::Assistance(AssistanceRecord {
                patrol_id: None,
                kind: AssistanceKind::MedicalEscort,
                description: "孕妇临产，绿色通道送医".into(),
                people: 1,
                outcome: None,
                at: None,
            }),
            Record::Assistance(AssistanceRecord {
                patrol_id: None,
                kind: AssistanceKind::DisputeResolved,
                description: "邻里纠纷，握手言和".into(),
                people: 2,
                outcome: None,
                at: None,
            }),
            Record::Incident(IncidentReport {
                patrol_id: None,
                kind: IncidentKind::Theft,
                description: "电瓶被盗".into(),
                value_yuan: Some(800),
                video_reviewed: true,
                outcome: IncidentOutcome::SuspectCaught,
                at: None,
                photos: vec![],
            }),
        ];
        for r in &reports {
            s.append(r, here()).unwrap();
        }
        let evidence = VisitEvidence {
            source: "manual".into(),
            ..Default::default()
        };
        // A stop of the running patrol at a post, linked as Store::arrive_at_post links it: the
        // patrol's crew, not a deployment of its own.
        let patrol_id = s.open_patrol().unwrap().map(|p| p.patrol_id);
        let arrive = PostArrival {
            crew: Default::default(),
            post_id: "P01".into(),
            patrol_id,
            evidence: evidence.clone(),
        };
        s.append(&Record::PostArrived(arrive), here()).unwrap();
        let leave = PostDeparture {
            post_id: "P01".into(),
            patrol_id,
            evidence,
        };
        s.append(&Record::PostLeft(leave), here()).unwrap();
        s.stop_patrol(None, here()).unwrap();
        51
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_and_photos_reach_hq_and_the_figures_match() {
    let hq = Hq::start().await;
    let d = Device::enrolled(&hq, &hq.url()).await;
    let fixes = record_everything(&d);
    let engine = SyncEngine::with_options(fast()).unwrap();
    let report = engine.sync(&d.store, |_| {}).await.unwrap();
    assert!(report.is_clean(), "{report}");

    let (local_head, local_hash) = d.with(|s| s.head().unwrap());
    assert_eq!(
        (report.receipt.head.seq, report.receipt.head.hash),
        (local_head, local_hash)
    );
    assert_eq!(report.receipt.photos.len(), 2);
    assert!(d.with(|s| s.outbox_counts().unwrap()).pending == 0);

    // Byte for byte what the device holds, and every chain intact.
    let device_id = d.with(|s| s.device_id());
    let stored = hq.storage.entries(device_id, 1, 10_000).await.unwrap();
    let local = d.with(|s| s.entries(1, 10_000).unwrap());
    assert_eq!(
        stored.iter().map(|s| &s.entry).collect::<Vec<_>>(),
        local.iter().collect::<Vec<_>>()
    );
    assert!(
        stored
            .iter()
            .all(|s| s.flags.is_empty() && s.quarantine.is_none())
    );
    let kinds: std::collections::BTreeSet<EntryKind> =
        stored.iter().map(|s| s.entry.kind).collect();
    assert_eq!(
        kinds.len(),
        EntryKind::ALL.len(),
        "every entry kind travelled: {kinds:?}"
    );
    let verify = hq.get_json("/api/v1/verify").await;
    assert!(verify[0]["problem"].is_null(), "{verify}");

    // HQ's figures for today equal the device's own view of the same ledger.
    let today = d.with(|s| s.today().unwrap());
    let tally = d.with(|s| s.day_tally(today).unwrap());
    let stats = hq
        .get_json(&format!("/api/v1/stats/daily?date={today}"))
        .await;
    for (t, n) in &tally.violations {
        assert_eq!(stats["violations_by_type"][t.slug()], *n, "{t}: {stats}");
    }
    assert_eq!(
        stats["violations_by_type"]["red-light"], 1,
        "the correction counts"
    );
    assert_eq!(
        stats["violations_by_type"]["no-helmet"],
        serde_json::Value::Null,
        "both no-helmets gone"
    );
    assert_eq!(stats["seized_items"], tally.seized_items);
    assert_eq!(stats["patrols"], 1);
    assert_eq!(stats["officer_trips"], 2);
    assert_eq!(stats["vehicle_trips"], 1);
    assert_eq!(stats["volunteers_total"], 3);
    assert_eq!(stats["volunteers_by_category"]["red-vest"], 2);
    assert_eq!(
        (
            stats["medical_escorts"].as_u64(),
            stats["lost_persons"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(stats["assistance_cases"], 2, "medical escort + lost person");
    assert_eq!(stats["disputes_resolved"], 1);
    assert_eq!(stats["thefts"], 1);
    assert_eq!(stats["traffic_accidents"], 1);
    assert_eq!(stats["post_visits"], 1);
    let km = stats["km_patrolled"].as_f64().unwrap();
    assert!(
        (km - 0.545).abs() < 0.01,
        "49 steps of 1e-4 degree ≈ 0.545 km, got {km}"
    );

    // Routes and reports export from HQ with every fix.
    let http = reqwest::Client::new();
    let geojson: serde_json::Value = http
        .get(format!(
            "{}/api/v1/export/routes.geojson?date={today}",
            hq.url()
        ))
        .bearer_auth(&hq.operator_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let coords = geojson.to_string().matches("111.69").count();
    assert_eq!(coords, fixes, "every fix in the GeoJSON route");
    // Broken at the tracking gap: the walk, and the one fix after it (a point).
    let pieces = &geojson["features"][0]["geometry"]["geometries"];
    assert_eq!(
        pieces.as_array().map(Vec::len),
        Some(2),
        "the route is broken at the tracking gap: {geojson}"
    );
    let csv = http
        .get(format!(
            "{}/api/v1/export/reports.csv?date={today}",
            hq.url()
        ))
        .bearer_auth(&hq.operator_token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("七旬老人") && csv.contains("red-light"),
        "{csv}"
    );
    // Syncing again sends nothing new.
    let again = engine.sync(&d.store, |_| {}).await.unwrap();
    assert_eq!(again.uploaded, 0);
}

/// Sync until clean, bounded; returns the number of syncs it took.
async fn sync_until_clean(engine: &SyncEngine, d: &Device, tries: usize) -> usize {
    for i in 1..=tries {
        if let Ok(r) = engine.sync(&d.store, |_| {}).await
            && r.is_clean()
        {
            return i;
        }
    }
    panic!("did not converge in {tries} syncs");
}

async fn assert_hq_holds_exactly(hq: &Hq, d: &Device) {
    let (head, hash) = d.with(|s| s.head().unwrap());
    let device_id = d.with(|s| s.device_id());
    let stored = hq.storage.entries(device_id, 1, 100_000).await.unwrap();
    assert_eq!(stored.len() as u64, head, "each entry exactly once");
    assert_eq!(stored.last().unwrap().entry.hash, hash);
    let verify = patrol_hq::verify::verify_all(hq.storage.as_ref())
        .await
        .unwrap();
    assert!(verify.iter().all(|r| r.is_intact()), "{verify:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_network_dropping_connections_and_answers_converges_without_loss_or_duplicates() {
    let hq = Hq::start().await;
    let proxy = Proxy::start(hq.addr).await;
    let d = Device::enrolled(&hq, &proxy.url()).await;
    d.with(|s| {
        for i in 0..600 {
            let t = ViolationType::ALL[i % ViolationType::ALL.len()];
            s.append(&violation(t, None, vec![], 0), Capture::default())
                .unwrap();
        }
    });
    record_everything(&d);
    proxy.set_faults(30, 30);
    let options = SyncOptions {
        batch: patrol_sync::plan::BatchLimits {
            max_entries: 40,
            ..Default::default()
        },
        ..fast()
    };
    let engine = SyncEngine::with_options(options).unwrap();
    let syncs = sync_until_clean(&engine, &d, 60).await;
    let dropped = proxy.responses_dropped();
    let refused = proxy.connections_dropped();
    assert!(
        dropped > 0 && refused > 0,
        "the proxy must have hurt: {dropped} answers, {refused} connections"
    );
    eprintln!("converged after {syncs} syncs; {dropped} answers and {refused} connections dropped");
    assert_hq_holds_exactly(&hq, &d).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hq_restarted_mid_upload_converges() {
    let hq = Hq::start().await;
    let proxy = Proxy::start(hq.addr).await;
    let d = Arc::new(Device::enrolled(&hq, &proxy.url()).await);
    d.with(|s| {
        for i in 0..3000 {
            let t = ViolationType::ALL[i % ViolationType::ALL.len()];
            s.append(&violation(t, None, vec![], 0), Capture::default())
                .unwrap();
        }
    });
    let options = SyncOptions {
        batch: patrol_sync::plan::BatchLimits {
            max_entries: 100,
            ..Default::default()
        },
        ..fast()
    };
    let engine = SyncEngine::with_options(options).unwrap();
    let mut current = hq;
    let mut guard = None;
    for round in 0..4 {
        let (e, dev) = (engine.clone(), d.clone());
        let upload = tokio::spawn(async move { e.sync(&dev.store, |_| {}).await });
        tokio::time::sleep(Duration::from_millis(40 + round * 30)).await;
        // Kill HQ mid-upload, then bring it back on the same data folder.
        let (dir, tmp) = current.shut_down();
        guard = tmp.or(guard);
        let _ = upload.await;
        current = Hq::start_in(dir, None).await;
        proxy.set_upstream(current.addr);
    }
    sync_until_clean(&engine, &d, 10).await;
    assert_hq_holds_exactly(&current, &d).await;
}
