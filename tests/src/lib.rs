//! Test harness for end-to-end tests: the real HQ on `127.0.0.1:0` (bound before serving, so no
//! test waits or sleeps for it), an operator token, enrolment codes, and a TCP [`proxy`] that
//! injects network faults between a device and HQ.

pub mod proxy;

use patrol_hq::storage::{Storage, sqlite::SqliteStorage};
use patrol_hq::{AppState, auth};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// A running HQ on loopback with its own data folder.
pub struct Hq {
    pub addr: SocketAddr,
    pub storage: Arc<dyn Storage>,
    pub operator_token: String,
    pub dir: PathBuf,
    task: tokio::task::JoinHandle<()>,
    _tmp: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Hq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hq").field("addr", &self.addr).finish()
    }
}

impl Hq {
    /// A fresh HQ with the demo city loaded.
    pub async fn start() -> Hq {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().to_path_buf();
        let mut hq = Hq::start_in(dir, None).await;
        hq._tmp = Some(tmp);
        let city = demo_city();
        hq.storage.import_city(&city, 0).await.unwrap();
        hq
    }

    /// HQ on an existing data folder (a restart), optionally on a given address.
    pub async fn start_in(dir: PathBuf, addr: Option<SocketAddr>) -> Hq {
        let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(&dir).unwrap());
        Hq::serve(storage, dir, addr).await
    }

    /// A fresh HQ on PostgreSQL at `url` (its database emptied of nothing: give it a new one),
    /// with the demo city loaded.
    pub async fn start_postgres(url: &str) -> Hq {
        let storage: Arc<dyn Storage> = Arc::new(
            patrol_hq::storage::postgres::PgStorage::connect(url)
                .await
                .unwrap(),
        );
        let hq = Hq::serve(storage, PathBuf::new(), None).await;
        hq.storage.import_city(&demo_city(), 0).await.unwrap();
        hq
    }

    async fn serve(storage: Arc<dyn Storage>, dir: PathBuf, addr: Option<SocketAddr>) -> Hq {
        storage.migrate().await.unwrap();
        let operator_token = format!("op_{}", auth::random_secret(16));
        storage
            .add_operator("test", &auth::hash_secret(&operator_token), 0)
            .await
            .unwrap();
        let listener =
            tokio::net::TcpListener::bind(addr.unwrap_or_else(|| "127.0.0.1:0".parse().unwrap()))
                .await
                .unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::new(storage.clone());
        let task = tokio::spawn(async move {
            let _ = patrol_hq::serve(listener, state).await;
        });
        Hq {
            addr,
            storage,
            operator_token,
            dir,
            task,
            _tmp: None,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop serving (connections in flight are cut), keeping the data folder.
    pub fn stop(&self) {
        self.task.abort();
    }

    /// Stop serving and hand over the data folder (and its temp-dir guard) for a restart.
    pub fn shut_down(mut self) -> (PathBuf, Option<tempfile::TempDir>) {
        self.task.abort();
        (self.dir.clone(), self._tmp.take())
    }

    /// A one-time enrolment code, as `patrol-hq device add` makes.
    pub async fn enrollment_code(&self, name: &str) -> String {
        let state = AppState::new(self.storage.clone());
        patrol_hq::service::new_enrollment(&state, name)
            .await
            .unwrap()
            .code
    }

    /// Enrol `device` over HTTP with a fresh one-time code, as the app does; its bearer token.
    pub async fn enrol(&self, device: patrol_model::DeviceId, name: &str) -> String {
        use patrol_model::v1::{self, EnrollRequest, EnrollResponse};
        let code = self.enrollment_code(name).await;
        let r = reqwest::Client::new()
            .post(format!("{}/api/v1/enroll", self.url()))
            .json(&EnrollRequest {
                code,
                device_id: device,
                app_version: None,
            })
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "enrol: {}", r.status());
        let e: EnrollResponse = r.json().await.unwrap();
        v1::device_token(e.device_id, &e.secret)
    }

    /// Enrol `device` directly in storage (no HTTP) and store its `ledger` through the real
    /// upload use case (planning, hash and link checks, rollups), batch by batch, as if it had
    /// synced at `now_ms`: how benches fill HQ with a city's devices.
    pub async fn device_with_ledger(
        &self,
        device: patrol_model::DeviceId,
        name: &str,
        ledger: &[patrol_model::Entry],
        now_ms: i64,
    ) {
        let code = self.enrollment_code(name).await;
        self.storage
            .redeem_enrollment(
                &auth::hash_secret(&auth::normalize_code(&code)),
                device,
                "bench-secret-hash",
                now_ms,
            )
            .await
            .unwrap();
        let state = AppState::new(self.storage.clone());
        for batch in ledger.chunks(patrol_hq::service::MAX_BATCH) {
            let req = patrol_model::v1::UploadRequest {
                device_now_ms: now_ms,
                entries: batch.to_vec(),
            };
            let r = patrol_hq::service::upload(&state, device, &req)
                .await
                .unwrap();
            assert_eq!(r.accepted as usize, batch.len());
        }
    }

    /// POST JSON to an operator endpoint and return the answer; panics naming HQ's error.
    pub async fn post_json(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let r = reqwest::Client::new()
            .post(format!("{}{path}", self.url()))
            .bearer_auth(&self.operator_token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(status.is_success(), "POST {path}: {status} {v}");
        v
    }

    /// GET an operator endpoint as JSON.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let r = reqwest::Client::new()
            .get(format!("{}{path}", self.url()))
            .bearer_auth(&self.operator_token)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    }
}

impl Drop for Hq {
    fn drop(&mut self) {
        self.task.abort();
    }
}

pub fn repo_file(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path)
}

pub fn demo_city() -> patrol_model::City {
    let text = std::fs::read_to_string(repo_file("demo/changde-city.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// Sync options for tests: the real engine with millisecond backoff and short timeouts, so a
/// faulty network is retried quickly.
pub fn fast_sync() -> patrol_sync::SyncOptions {
    use std::time::Duration;
    patrol_sync::SyncOptions {
        backoff_base: Duration::from_millis(2),
        backoff_cap: Duration::from_millis(20),
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(2),
        ..patrol_sync::SyncOptions::default()
    }
}

/// `records` (each with its time) sealed as `device`'s chain from seq 1, GNSS time = wall time
/// = the given time, monotonic time counted from the first: a ledger as a phone would have
/// written it, for benches and tests that feed HQ directly.
pub fn sealed_chain(
    device: patrol_model::DeviceId,
    records: Vec<(i64, patrol_model::Record)>,
) -> Vec<patrol_model::Entry> {
    use patrol_model::{EntryId, Hash, UnsealedEntry};
    let start_ms = records.first().map_or(0, |r| r.0);
    let mut prev = Hash::GENESIS;
    records
        .into_iter()
        .enumerate()
        .map(|(i, (t, r))| {
            let e = UnsealedEntry {
                device_id: device,
                seq: i as u64 + 1,
                id: EntryId::new(),
                kind: r.kind(),
                wall_ms: t,
                mono_ms: t - start_ms,
                gnss_ms: Some(t),
                cell: None,
                payload: r.encode_payload(),
                prev_hash: prev,
            }
            .seal()
            .expect("records of the benches seal");
            prev = e.hash;
            e
        })
        .collect()
}

/// What every bench in `tests/benches` sets up the same way.
pub mod bench {
    /// A size knob from the environment (`CITY_DEVICES=50`), else `default`.
    pub fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    }

    /// The runtime a bench drives HQ and its devices on: two workers, as this machine has.
    pub fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime")
    }

    /// The value at quantile `p` (0.5, 0.95…) of `sorted`, nearest rank.
    pub fn percentile(sorted: &[f64], p: f64) -> f64 {
        sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
    }
}
