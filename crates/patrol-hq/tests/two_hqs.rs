//! Two HQ processes over one PostgreSQL, as behind a load balancer. A test binary of its own:
//! the kill tests crash the PostgreSQL cluster they share, and this one must not meet that.

mod pg;

use patrol_testkit::chain::tallies as chain;
use patrol_testkit::process::{HqProcess, enrol, request, upload};

fn hq(store: &[&str]) -> HqProcess {
    HqProcess::new(env!("CARGO_BIN_EXE_patrol-hq"), store)
}
use patrol_model::v1::{self, Head};
use patrol_model::{DeviceId, Entry};

/// Issue "city scale": two HQ processes over one PostgreSQL, as behind a load balancer. Each
/// device uploads to both at once, in batches of different sizes, so the same entries race
/// into the same database through two processes. Afterwards both HQs hold every chain whole and
/// exactly once, with no conflict, and `verify` passes.
#[tokio::test(flavor = "multi_thread")]
async fn two_hq_processes_over_one_postgres_take_the_same_devices_exactly_once() {
    let db = pg::TestDb::create().await;
    let url = db.url.clone();
    tokio::task::block_in_place(|| {
        let mut a = hq(&["--db", &url]);
        let mut b = hq(&["--db", &url]);
        a.start();
        b.start();
        let now = chrono::Utc::now().timestamp_millis();
        let devices: Vec<(Vec<Entry>, String)> = (0..4)
            .map(|i| {
                let device = DeviceId::new();
                // Enrolled through one HQ, known to both: they share the database.
                let token = enrol(if i % 2 == 0 { &a } else { &b }, device);
                (chain(device, 240, now), token)
            })
            .collect();
        std::thread::scope(|s| {
            for (entries, token) in &devices {
                let (a, b) = (&a, &b);
                s.spawn(move || upload(a, token, entries, 7));
                s.spawn(move || upload(b, token, entries, 11));
            }
        });
        for (entries, token) in &devices {
            let device = entries[0].device_id;
            for hq in [&a, &b] {
                let (status, head) = request(
                    hq.addr,
                    "GET",
                    &format!("/api/v1/devices/{device}/head"),
                    Some(token),
                    None,
                )
                .unwrap();
                assert_eq!(status, 200, "{head}");
                let head: Head = serde_json::from_str(&head).unwrap();
                assert_eq!((head.seq, head.hash), (240, entries[239].hash));
                let (_, receipt) = request(
                    hq.addr,
                    "GET",
                    &format!("/api/v1/devices/{device}/receipt"),
                    Some(token),
                    None,
                )
                .unwrap();
                let receipt: v1::Receipt = serde_json::from_str(&receipt).unwrap();
                assert_eq!(receipt.entries_held, 240, "exactly once");
                assert!(receipt.conflicts.is_empty() && receipt.quarantined.is_empty());
            }
        }
        a.kill();
        b.kill();
        let verify = a.cli(&["verify"]);
        assert!(verify.starts_with("ok "), "{verify}");
    });
}
