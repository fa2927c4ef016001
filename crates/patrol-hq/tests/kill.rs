//! HQ killed mid-ingest, for real: the `patrol-hq` binary is SIGKILLed at random moments while
//! a device uploads, then started again on the same data, on SQLite and on PostgreSQL (whose
//! server is also crashed and restarted mid-ingest); and HQ's database filling up. After each
//! run: every entry HQ ever confirmed is held, HQ holds the whole chain exactly once (seqs 1..N,
//! the device's own hash at N) and `patrol-hq verify` passes.
//!
//! Short by default; `PATROL_SOAK_HQ_KILLS` sets the kills per backend for the long form
//! (`scripts/soak`). Each test prints one `soak:` line.

mod pg;

use patrol_model::v1::{self, Head};
use patrol_model::{
    DeviceId, Entry, EntryId, Hash, Record, UnsealedEntry, ViolationTally, ViolationType,
};
use rand::Rng;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const HQ: &str = env!("CARGO_BIN_EXE_patrol-hq");

fn kills() -> usize {
    std::env::var("PATROL_SOAK_HQ_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4)
}

/// The device's side: a chain of violation tallies, sealed as a device seals them.
fn chain(device: DeviceId, n: u64, now_ms: i64) -> Vec<Entry> {
    let mut prev = Hash::GENESIS;
    (1..=n)
        .map(|seq| {
            let r = Record::Violation(ViolationTally {
                note: Some(format!("第{seq}起")),
                ..ViolationTally::new(ViolationType::ALL[seq as usize % ViolationType::ALL.len()])
            });
            let e = UnsealedEntry {
                device_id: device,
                seq,
                id: EntryId::new(),
                kind: r.kind(),
                wall_ms: now_ms + seq as i64,
                mono_ms: seq as i64,
                gnss_ms: None,
                cell: None,
                payload: r.encode_payload(),
                prev_hash: prev,
            }
            .seal()
            .expect("entries encode");
            prev = e.hash;
            e
        })
        .collect()
}

/// One HTTP/1.1 request over a fresh connection; `None` when HQ is not there (killed).
fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Option<(u16, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let body = body.unwrap_or("");
    let auth = token.map_or(String::new(), |t| format!("authorization: Bearer {t}\r\n"));
    let req = format!(
        "{method} {path} HTTP/1.1\r\nhost: hq\r\nconnection: close\r\n{auth}\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.split(' ').nth(1)?.parse().ok()?;
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

struct Hq {
    args: Vec<String>,
    addr: SocketAddr,
    child: Option<Child>,
}

impl Hq {
    fn new(store: &[&str]) -> Hq {
        let addr = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        Hq {
            args: store.iter().map(|s| (*s).to_owned()).collect(),
            addr,
            child: None,
        }
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(HQ)
            .args(&self.args)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "patrol-hq {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn start(&mut self) {
        let child = Command::new(HQ)
            .args(&self.args)
            .args(["serve", "--listen", &self.addr.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let t0 = Instant::now();
        while request(self.addr, "GET", "/healthz", None, None).is_none() {
            assert!(t0.elapsed() < Duration::from_secs(30), "HQ did not come up");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill(); // SIGKILL on Unix
            let _ = c.wait();
        }
    }
}

impl Drop for Hq {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Enrol a device with a code from the command line; its bearer token.
fn enrol(hq: &Hq, device: DeviceId) -> String {
    let code = hq.cli(&["device", "add", "--name", "G07 巡逻组"]);
    let body = serde_json::json!({"code": code.trim(), "device_id": device}).to_string();
    let (status, answer) = request(hq.addr, "POST", "/api/v1/enroll", None, Some(&body)).unwrap();
    assert_eq!(status, 200, "{answer}");
    let e: v1::EnrollResponse = serde_json::from_str(&answer).unwrap();
    v1::device_token(device, &e.secret)
}

/// Upload from HQ's head in batches until HQ is gone or holds everything. Returns the highest
/// head HQ confirmed with a 200.
fn upload(hq: &Hq, token: &str, entries: &[Entry], batch: usize) -> u64 {
    let device = entries[0].device_id;
    let mut confirmed = 0;
    loop {
        let Some((200, head)) = request(
            hq.addr,
            "GET",
            &format!("/api/v1/devices/{device}/head"),
            Some(token),
            None,
        ) else {
            return confirmed;
        };
        let head: Head = serde_json::from_str(&head).unwrap();
        confirmed = confirmed.max(head.seq);
        let from = head.seq as usize;
        if from >= entries.len() {
            return confirmed;
        }
        let body = serde_json::to_string(&v1::UploadRequest {
            device_now_ms: entries[0].wall_ms,
            entries: entries[from..(from + batch).min(entries.len())].to_vec(),
        })
        .unwrap();
        match request(
            hq.addr,
            "POST",
            &format!("/api/v1/devices/{device}/entries"),
            Some(token),
            Some(&body),
        ) {
            Some((200, answer)) => {
                let r: v1::UploadResponse = serde_json::from_str(&answer).unwrap();
                assert!(r.rejected.is_empty() && r.conflicts.is_empty(), "{answer}");
                confirmed = confirmed.max(r.head.seq);
            }
            Some((status, answer)) => assert!(status >= 500, "{status}: {answer}"),
            None => return confirmed,
        }
    }
}

/// Kill HQ `kills` times at random moments of an upload, then let it finish; check the result.
/// `between` runs after each kill (e.g. crash PostgreSQL too).
fn killed_mid_ingest(label: &str, store: &[&str], kills: usize, between: &dyn Fn(usize)) {
    let mut hq = Hq::new(store);
    let now = chrono::Utc::now().timestamp_millis();
    let device = DeviceId::new();
    let entries = chain(device, 150 + 40 * kills as u64, now);
    hq.start();
    let token = enrol(&hq, device);
    let mut rng = rand::rng();
    let mut confirmed = 0;
    for k in 0..kills {
        let addr = hq.addr;
        let child = hq.child.take().unwrap();
        let delay = Duration::from_millis(rng.random_range(0..60));
        let killer = std::thread::spawn(move || {
            std::thread::sleep(delay);
            let mut c = child;
            let _ = c.kill();
            let _ = c.wait();
        });
        confirmed = confirmed.max(upload(&hq, &token, &entries, 10));
        killer.join().unwrap();
        // Every entry HQ ever confirmed survives the kill.
        between(k);
        hq.start();
        let (_, head) = request(
            addr,
            "GET",
            &format!("/api/v1/devices/{device}/head"),
            Some(&token),
            None,
        )
        .unwrap();
        let head: Head = serde_json::from_str(&head).unwrap();
        assert!(
            head.seq >= confirmed,
            "{label}: HQ confirmed {confirmed} but holds {}",
            head.seq
        );
    }
    upload(&hq, &token, &entries, 50);
    let (_, head) = request(
        hq.addr,
        "GET",
        &format!("/api/v1/devices/{device}/head"),
        Some(&token),
        None,
    )
    .unwrap();
    let head: Head = serde_json::from_str(&head).unwrap();
    let n = entries.len() as u64;
    assert_eq!(
        (head.seq, head.hash),
        (n, entries[n as usize - 1].hash),
        "{label}"
    );
    hq.kill();
    let verify = hq.cli(&["verify"]);
    assert!(verify.starts_with("ok "), "{label}: {verify}");
    println!(
        "soak: HQ killed mid-ingest ({label}) {kills} times, entries {n} sent, {n} held once, \
         confirmed before a kill never lost, duplicates 0, chain ok"
    );
}

#[test]
fn hq_killed_mid_ingest_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().display().to_string();
    killed_mid_ingest("sqlite", &["--data", &data], kills(), &|_| {});
}

#[tokio::test(flavor = "multi_thread")]
async fn hq_and_postgres_killed_mid_ingest() {
    let db = pg::TestDb::create().await;
    let url = db.url.clone();
    let kills = kills();
    let crashed = std::sync::atomic::AtomicUsize::new(0);
    tokio::task::block_in_place(|| {
        killed_mid_ingest("postgres", &["--db", &url], kills, &|k| {
            // Every other kill crashes PostgreSQL too (a server we own).
            if k % 2 == 1 && db.crash_restart() {
                crashed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        });
    });
    println!(
        "soak: PostgreSQL crashed and restarted mid-ingest {} times",
        crashed.load(std::sync::atomic::Ordering::Relaxed)
    );
}

/// HQ's database fills up (a size cap behaves as a full disk): uploads are refused with 507 and
/// a clear code, nothing is half-stored, and the rest goes in when space returns.
#[test]
fn a_full_database_refuses_cleanly_and_recovers() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().display().to_string();
    let mut hq = Hq::new(&["--data", &data]);
    hq.start();
    let device = DeviceId::new();
    let token = enrol(&hq, device);
    let entries = chain(device, 3000, chrono::Utc::now().timestamp_millis());
    hq.kill();
    // Room for the schema and a few hundred entries, not for 3,000.
    hq.args.extend(["--max-db-mb".to_owned(), "1".to_owned()]);
    hq.start();
    let mut full = None;
    let mut from = 0;
    while from < entries.len() {
        let body = serde_json::to_string(&v1::UploadRequest {
            device_now_ms: entries[0].wall_ms,
            entries: entries[from..(from + 100).min(entries.len())].to_vec(),
        })
        .unwrap();
        let (status, answer) = request(
            hq.addr,
            "POST",
            &format!("/api/v1/devices/{device}/entries"),
            Some(&token),
            Some(&body),
        )
        .unwrap();
        if status == 507 {
            full = Some(answer);
            break;
        }
        assert_eq!(status, 200, "{answer}");
        from = serde_json::from_str::<v1::UploadResponse>(&answer)
            .unwrap()
            .head
            .seq as usize;
    }
    let full = full.expect("the cap was reached");
    assert!(full.contains("storage_full"), "{full}");
    // Nothing half-stored: the chain HQ holds verifies and ends where its head says.
    hq.kill();
    let verify = hq.cli(&["verify"]);
    assert!(verify.starts_with("ok "), "{verify}");
    let held = from;
    // Space returns: the rest goes in.
    hq.args.truncate(2);
    hq.start();
    upload(&hq, &token, &entries, 200);
    let (_, head) = request(
        hq.addr,
        "GET",
        &format!("/api/v1/devices/{device}/head"),
        Some(&token),
        None,
    )
    .unwrap();
    assert_eq!(serde_json::from_str::<Head>(&head).unwrap().seq, 3000);
    println!(
        "soak: database full after {held} of 3000 entries: 507 storage_full, nothing half-stored, all 3000 held once space returned"
    );
}

/// Issue "city scale": two HQ processes over one PostgreSQL, as behind a load balancer. Each
/// device uploads to both at once, in batches of different sizes, so the same entries race
/// into the same database through two processes. Afterwards both HQs hold every chain whole and
/// exactly once, with no conflict, and `verify` passes.
#[tokio::test(flavor = "multi_thread")]
async fn two_hq_processes_over_one_postgres_take_the_same_devices_exactly_once() {
    let db = pg::TestDb::create().await;
    let url = db.url.clone();
    tokio::task::block_in_place(|| {
        let mut a = Hq::new(&["--db", &url]);
        let mut b = Hq::new(&["--db", &url]);
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
