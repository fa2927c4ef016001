//! The command centre's reads on a streaming replica (`--read-db`), with a real replica of a
//! real PostgreSQL: a test binary of its own, as `two_hqs.rs`, so that the kill tests never crash
//! the cluster the replica follows.

mod pg;

use patrol_model::DeviceId;
use patrol_testkit::chain::tallies as chain;
use patrol_testkit::process::{HqProcess, enrol, head, request, upload};
use std::time::{Duration, Instant};

/// Run `sql` on `url` and return the first column of its one row, as text.
fn one(url: &str, sql: &str) -> String {
    tokio::runtime::Handle::current().block_on(async {
        let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
            .await
            .unwrap();
        tokio::spawn(conn);
        let row = client.query_one(sql, &[]).await.unwrap();
        row.try_get::<_, String>(0)
            .or_else(|_| row.try_get::<_, bool>(0).map(|b| b.to_string()))
            .unwrap_or_default()
    })
}

/// Wait until the replica has replayed everything the primary has written so far.
fn caught_up(primary: &str, replica: &str) {
    let lsn = one(primary, "SELECT pg_current_wal_lsn()::text");
    let t0 = Instant::now();
    while one(
        replica,
        &format!("SELECT (pg_last_wal_replay_lsn() >= '{lsn}'::pg_lsn)::text"),
    ) != "true"
    {
        assert!(
            t0.elapsed() < Duration::from_secs(30),
            "the replica did not catch up"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The day's reports on the page, as `/api/v1/reports/page` counts them.
fn reports(hq: &HqProcess, op: &str) -> u64 {
    let (status, body) = request(
        hq.addr,
        "GET",
        "/api/v1/reports/page?limit=10",
        Some(op),
        None,
    )
    .unwrap();
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["total"]
        .as_u64()
        .unwrap()
}

/// Issue "city scale", the next step on PostgreSQL: the command centre's reads go to a
/// streaming replica, and everything an upload checks and writes to the primary. While the
/// replica's replay is paused the page shows what the replica holds, though the upload was
/// stored (its head answers from the primary), unless the replica is further behind than HQ
/// allows; once replay resumes the page shows it. When the replica is gone the page answers
/// from the primary.
#[tokio::test(flavor = "multi_thread")]
async fn the_command_centre_reads_from_the_replica_and_the_primary_when_it_is_gone() {
    let db = pg::TestDb::create().await;
    let Some(mut replica) = db.replica() else {
        eprintln!("skipped: PATROL_TEST_PG names a server these tests cannot make a replica of");
        return;
    };
    let (primary_url, replica_url) = (db.url.clone(), replica.url.clone());
    tokio::task::block_in_place(|| {
        let mut hq = HqProcess::new(
            env!("CARGO_BIN_EXE_patrol-hq"),
            &["--db", &primary_url, "--read-db", &replica_url],
        );
        hq.start();
        let op = hq.cli(&["operator", "add", "值班长"]).trim().to_owned();
        let device = DeviceId::new();
        let token = enrol(&hq, device);
        let now = chrono::Utc::now().timestamp_millis();
        let entries = chain(device, 5, now);
        assert_eq!(upload(&hq, &token, &entries[..3], 10), 3);
        caught_up(&primary_url, &replica_url);
        assert_eq!(reports(&hq, &op), 3);

        // The replica falls behind: the upload is stored on the primary all the same, and the
        // page shows the replica's day until it catches up.
        one(&replica_url, "SELECT pg_wal_replay_pause()");
        assert_eq!(upload(&hq, &token, &entries[..4], 10), 4);
        assert_eq!(head(hq.addr, device, &token).unwrap().seq, 4);
        assert_eq!(reports(&hq, &op), 3, "the page reads the replica");
        // A second HQ process that allows its replica one second behind: with the replay
        // paused longer than that, it reads the primary.
        let mut strict = HqProcess::new(
            env!("CARGO_BIN_EXE_patrol-hq"),
            &[
                "--db",
                &primary_url,
                "--read-db",
                &replica_url,
                "--read-db-max-lag-s",
                "1",
            ],
        );
        strict.start();
        std::thread::sleep(Duration::from_millis(1500));
        assert_eq!(
            reports(&strict, &op),
            4,
            "too far behind: the primary answers"
        );
        one(&replica_url, "SELECT pg_wal_replay_resume()");
        caught_up(&primary_url, &replica_url);
        assert_eq!(reports(&hq, &op), 4);

        // The replica is gone: the page answers from the primary, uploads go on.
        replica.stop();
        assert_eq!(reports(&hq, &op), 4);
        assert_eq!(upload(&hq, &token, &entries, 10), 5);
        assert_eq!(reports(&hq, &op), 5, "read from the primary");
    });
}
