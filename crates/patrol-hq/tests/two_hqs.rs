//! Two HQ processes over one PostgreSQL, as behind a load balancer. A test binary of its own:
//! the kill tests crash the PostgreSQL cluster they share, and this one must not meet that.

mod pg;

use patrol_testkit::chain::tallies as chain;
use patrol_testkit::process::{HqProcess, enrol, exchange, head, request, upload};

fn hq(store: &[&str]) -> HqProcess {
    HqProcess::new(env!("CARGO_BIN_EXE_patrol-hq"), store)
}

/// Two HQ processes serving from the database at `url`, started (the second with
/// `b_serve`, more of `serve`'s flags).
fn two_hqs(url: &str, b_serve: &[&str]) -> (HqProcess, HqProcess) {
    let mut a = hq(&["--db", url]);
    let mut b = hq(&["--db", url]);
    a.start();
    b.start_with(b_serve);
    (a, b)
}
use patrol_model::v1;
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
        let (mut a, mut b) = two_hqs(&url, &[]);
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
                let head = head(hq.addr, device, token).unwrap();
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
        let (a, b) = two_hqs(&url, &[]);
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

/// A command-centre page's live channel (`/api/v1/events`), read over a raw connection.
struct LiveChannel {
    stream: std::net::TcpStream,
    seen: String,
}

impl LiveChannel {
    fn open(hq: &HqProcess, token: &str) -> LiveChannel {
        use std::io::Write;
        let mut stream = std::net::TcpStream::connect(hq.addr).unwrap();
        stream
            .set_read_timeout(Some(std::time::Duration::from_secs(1)))
            .unwrap();
        write!(
            stream,
            "GET /api/v1/events HTTP/1.1\r\nhost: hq\r\nauthorization: Bearer {token}\r\n\r\n"
        )
        .unwrap();
        let mut channel = LiveChannel {
            stream,
            seen: String::new(),
        };
        // The answer's head: from here on the page is subscribed.
        channel.read_until(|seen| seen.contains("\r\n\r\n"));
        assert!(channel.seen.starts_with("HTTP/1.1 200"), "{}", channel.seen);
        channel
    }

    /// Read until `done` holds for what was read so far; gives up after 30 s (the page's own
    /// poll would have caught up long before: what is tested here is that the event comes at
    /// all, not how fast).
    fn read_until(&mut self, done: impl Fn(&str) -> bool) {
        use std::io::Read;
        let t0 = std::time::Instant::now();
        let mut buf = [0u8; 4096];
        while !done(&self.seen) {
            assert!(
                t0.elapsed() < std::time::Duration::from_secs(30),
                "no such event; the channel said: {}",
                self.seen
            );
            match self.stream.read(&mut buf) {
                Ok(0) => panic!("the channel closed: {}", self.seen),
                Ok(n) => self.seen.push_str(&String::from_utf8_lossy(&buf[..n])),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => panic!("{e}"),
            }
        }
    }

    /// The `head_seq` of every `upload` event read so far, in order.
    fn uploads(&self) -> Vec<u64> {
        self.seen
            .split("event: upload\n")
            .skip(1)
            .filter_map(|rest| {
                let data = rest.strip_prefix("data: ")?.lines().next()?;
                let v: serde_json::Value = serde_json::from_str(data).ok()?;
                v["head_seq"].as_u64()
            })
            .collect()
    }
}

/// Behind a load balancer, a device uploads through one HQ process while the duty officer's
/// page is served by another, and an order is sent through one (then closed from the command
/// line) while the unit's phone waits on the other: each hears of it as it happens, through
/// PostgreSQL, and no process hears its own news twice. The waiting inbox's own look in the
/// database is set to an hour, so only the wake-up from the other process can answer it in
/// time.
#[tokio::test(flavor = "multi_thread")]
async fn an_upload_and_an_order_through_one_hq_reach_the_others_page_and_inbox_as_they_happen() {
    let db = pg::TestDb::create().await;
    let url = db.url.clone();
    tokio::task::block_in_place(|| {
        let (a, b) = two_hqs(&url, &["--inbox-recheck-s", "3600"]);
        let op = a.cli(&["operator", "add", "值班长"]).trim().to_owned();
        let device = DeviceId::new();
        let token = enrol(&a, device);
        let mut on_a = LiveChannel::open(&a, &op);
        let mut on_b = LiveChannel::open(&b, &op);

        let now = chrono::Utc::now().timestamp_millis();
        let entries = chain(device, 5, now);
        assert_eq!(upload(&a, &token, &entries[..3], 10), 3);
        assert_eq!(upload(&a, &token, &entries[..4], 10), 4);
        let head_4 = |seen: &str| seen.contains("\"head_seq\":4");
        on_b.read_until(head_4);
        on_a.read_until(head_4);
        assert_eq!(on_b.uploads(), vec![3, 4], "B heard A's uploads");
        assert_eq!(
            on_a.uploads(),
            vec![3, 4],
            "A heard its own once: {}",
            on_a.seen
        );

        // The unit's phone waits on B for an order; the duty officer sends one through A.
        let path = format!("/api/v1/devices/{device}/inbox?after=0&wait=15");
        let (addr, device_token) = (b.addr, token.clone());
        let waiting = std::thread::spawn(move || {
            let t0 = std::time::Instant::now();
            let answer = request(addr, "GET", &path, Some(&device_token), None).unwrap();
            (answer, t0.elapsed())
        });
        // Long enough for the long-poll to have looked once and be waiting.
        std::thread::sleep(std::time::Duration::from_millis(500));
        let order = serde_json::json!({
            "kind": "dispute", "tier": 3,
            "target": {"lat": 29.03, "lon": 111.69},
            "units": [device],
        })
        .to_string();
        let (status, created) = request(
            a.addr,
            "POST",
            "/api/v1/dispatches",
            Some(&op),
            Some(&order),
        )
        .unwrap();
        assert_eq!(status, 200, "{created}");
        let id = serde_json::from_str::<serde_json::Value>(&created).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let ((status, page), waited) = waiting.join().unwrap();
        assert_eq!(status, 200, "{page}");
        let page: serde_json::Value = serde_json::from_str(&page).unwrap();
        let items = page["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{page}");
        // Unwoken, the long-poll would find the order only at its 15-s deadline (B's own look
        // is an hour away); woken, it answers within milliseconds. The bound is far from both,
        // so a busy machine does not decide it.
        assert!(
            waited < std::time::Duration::from_secs(10),
            "not woken: answered after {waited:?}"
        );
        assert_eq!(
            (items[0]["message"].as_str(), items[0]["id"].as_str()),
            (Some("order"), Some(id.as_str())),
            "{page}"
        );
        // And B's page heard of the order too.
        on_b.read_until(|seen| seen.contains(&id));

        // The order closed from the command line (a process of its own, which serves nothing):
        // the phone waiting on B is told it is withdrawn.
        let path = format!("/api/v1/devices/{device}/inbox?after=1&wait=15");
        let (addr, device_token) = (b.addr, token.clone());
        let waiting = std::thread::spawn(move || {
            let t0 = std::time::Instant::now();
            let answer = request(addr, "GET", &path, Some(&device_token), None).unwrap();
            (answer, t0.elapsed())
        });
        std::thread::sleep(std::time::Duration::from_millis(500));
        a.cli(&["dispatch", "close", &id, "--reason", "已处置"]);
        let ((status, page), waited) = waiting.join().unwrap();
        assert!(
            waited < std::time::Duration::from_secs(10),
            "not woken: answered after {waited:?}"
        );
        assert_eq!(status, 200, "{page}");
        let page: serde_json::Value = serde_json::from_str(&page).unwrap();
        assert_eq!(
            page["items"][0]["message"], "withdrawn",
            "woken by the command line: {page}"
        );

        // The database drops the connections the processes listen on (a failover, a restart,
        // an administrator's kill): each process listens again, tells its pages to refetch,
        // and hears the others again.
        let before = listeners(&url);
        assert_eq!(before.len(), 2, "one listener per process: {before:?}");
        run_sql(
            &url,
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity WHERE query = 'LISTEN patrol_hq_events' AND datname = current_database()",
        );
        let t0 = std::time::Instant::now();
        loop {
            let now = listeners(&url);
            if now.len() == 2 && now.iter().all(|p| !before.contains(p)) {
                break;
            }
            assert!(
                t0.elapsed() < std::time::Duration::from_secs(30),
                "not listening again: {now:?}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        // Whatever the other process sent meanwhile is lost to each: their pages are told to
        // refetch everything.
        for page in [&mut on_a, &mut on_b] {
            page.read_until(|seen| seen.contains("event: lagged\ndata: {}"));
        }
        assert_eq!(upload(&a, &token, &entries, 10), 5);
        let head_5 = |seen: &str| seen.contains("\"head_seq\":5");
        on_b.read_until(head_5);
        on_a.read_until(head_5);
        assert_eq!(on_b.uploads(), vec![3, 4, 5]);
        // Long after an echo of its own would have come back: still each once.
        assert_eq!(on_a.uploads(), vec![3, 4, 5], "{}", on_a.seen);
    });
}

/// Run `sql` on the test's database.
fn run_sql(url: &str, sql: &str) {
    tokio::runtime::Handle::current().block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        client.batch_execute(sql).await.unwrap();
    });
}

/// The server processes of the sessions listening for HQ's events on the test's database.
fn listeners(url: &str) -> Vec<i32> {
    tokio::runtime::Handle::current().block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
        tokio::spawn(conn);
        client
            .query(
                "SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN patrol_hq_events' AND datname = current_database() ORDER BY pid",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect()
    })
}

/// Behind a load balancer, the duty officer's next request may reach either process: a
/// session signed in through one is good on the other, and signing out through the other ends
/// it on both.
#[tokio::test(flavor = "multi_thread")]
async fn a_session_signed_in_through_one_hq_is_good_on_the_other_until_signed_out_there() {
    let db = pg::TestDb::create().await;
    let url = db.url.clone();
    tokio::task::block_in_place(|| {
        let (a, b) = two_hqs(&url, &[]);
        let op = a.cli(&["operator", "add", "值班长"]).trim().to_owned();
        let sign_in = serde_json::json!({ "token": op }).to_string();
        let (status, head, body) =
            exchange(a.addr, "POST", "/api/v1/session", "", &sign_in).unwrap();
        assert_eq!(status, 200, "{body}");
        let cookie = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .starts_with("set-cookie:")
                    .then(|| l[11..].trim())
            })
            .and_then(|c| c.split(';').next())
            .unwrap()
            .to_owned();
        let with_cookie = format!("cookie: {cookie}\r\n");
        for hq in [&a, &b] {
            let (status, _, body) =
                exchange(hq.addr, "GET", "/api/v1/session", &with_cookie, "").unwrap();
            assert_eq!(status, 200, "{body}");
            let (status, _, body) =
                exchange(hq.addr, "GET", "/api/v1/stats/daily", &with_cookie, "").unwrap();
            assert_eq!(status, 200, "{body}");
        }
        let signing_out = format!("{with_cookie}x-requested-with: patrol-hq-web\r\n");
        let (status, _, body) =
            exchange(b.addr, "DELETE", "/api/v1/session", &signing_out, "").unwrap();
        assert_eq!(status, 204, "{body}");
        for hq in [&a, &b] {
            let (status, _, body) =
                exchange(hq.addr, "GET", "/api/v1/session", &with_cookie, "").unwrap();
            assert_eq!(status, 401, "signed out everywhere: {body}");
        }
    });
}
