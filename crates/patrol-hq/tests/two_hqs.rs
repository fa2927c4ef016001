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

/// Each HQ process holds the supplements in memory and tops its copy up from the database they
/// share: a withdrawal uploaded through one HQ is in the other's next answer, though the other
/// answered before it arrived.
#[tokio::test(flavor = "multi_thread")]
async fn a_withdrawal_through_one_hq_is_in_the_others_next_answer() {
    use patrol_model::{EntryId, EntryKind, Record, Supplement, UnsealedEntry};
    let db = pg::TestDb::create().await;
    let url = db.url.clone();
    tokio::task::block_in_place(|| {
        let mut a = hq(&["--db", &url]);
        let mut b = hq(&["--db", &url]);
        a.start();
        b.start();
        let op = a.cli(&["operator", "add", "值班长"]).trim().to_owned();
        let device = DeviceId::new();
        let token = enrol(&a, device);
        let now = chrono::Utc::now().timestamp_millis();
        let mut entries = chain(device, 3, now);
        assert_eq!(upload(&a, &token, &entries, 10), 3);
        let listed = |hq: &HqProcess| -> Vec<u64> {
            let (status, body) = request(
                hq.addr,
                "GET",
                "/api/v1/reports/page?limit=10",
                Some(&op),
                None,
            )
            .unwrap();
            assert_eq!(status, 200, "{body}");
            let page: serde_json::Value = serde_json::from_str(&body).unwrap();
            let mut seqs: Vec<u64> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["seq"].as_u64().unwrap())
                .collect();
            seqs.sort_unstable();
            seqs
        };
        assert_eq!((listed(&a), listed(&b)), (vec![1, 2, 3], vec![1, 2, 3]));

        // The second report withdrawn, uploaded through B only.
        let target = entries[1].clone();
        let withdrawal = UnsealedEntry {
            device_id: device,
            seq: 4,
            id: EntryId::new(),
            kind: EntryKind::Supplement,
            wall_ms: now + 10,
            mono_ms: 9,
            gnss_ms: Some(now + 10),
            cell: None,
            payload: Record::Supplement(Supplement {
                target_id: target.id,
                target_seq: target.seq,
                reason: "误录".into(),
                correction: None,
            })
            .encode_payload(),
            prev_hash: entries[2].hash,
        }
        .seal()
        .unwrap();
        entries.push(withdrawal);
        assert_eq!(upload(&b, &token, &entries, 10), 4);
        assert_eq!((listed(&a), listed(&b)), (vec![1, 3], vec![1, 3]));
    });
}
