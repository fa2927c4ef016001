//! The real HQ on loopback, in this process.

use crate::proxy::Proxy;
use patrol_hq::storage::{Storage, sqlite::SqliteStorage};
use patrol_hq::{AppState, auth};
use patrol_model::{City, DeviceId, Entry};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// A running HQ on `127.0.0.1:0` with its own data folder (SQLite) or database (PostgreSQL), an
/// operator token, and a city loaded. Stops serving when dropped.
pub struct Hq {
    pub addr: SocketAddr,
    pub storage: Arc<dyn Storage>,
    /// The state the server runs with (its storage, limits and live channels).
    pub state: AppState,
    pub operator_token: String,
    /// The data folder (empty on PostgreSQL).
    pub dir: PathBuf,
    task: tokio::task::JoinHandle<()>,
    _tmp: Option<tempfile::TempDir>,
}

impl std::fmt::Debug for Hq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hq").field("addr", &self.addr).finish()
    }
}

/// How to start a fresh HQ: which city, when it was imported, and the request body limit.
#[derive(Debug)]
pub struct Builder {
    city: Option<(City, i64)>,
    max_body: Option<usize>,
    map_pack: Option<PathBuf>,
    upload_slots: Option<usize>,
}

impl Builder {
    /// Plan and commit at most `n` uploads at once (`serve --upload-slots`).
    pub fn upload_slots(mut self, n: usize) -> Builder {
        self.upload_slots = Some(n);
        self
    }

    /// Load `city` instead of the demo city, imported at `at_ms`.
    pub fn city(mut self, city: City, at_ms: i64) -> Builder {
        self.city = Some((city, at_ms));
        self
    }

    /// Start with no city at all (what a fresh `patrol-hq serve` has).
    pub fn no_city(mut self) -> Builder {
        self.city = None;
        self
    }

    /// Refuse request bodies over `bytes` (HQ's `max_body`).
    pub fn max_body(mut self, bytes: usize) -> Builder {
        self.max_body = Some(bytes);
        self
    }

    /// Serve `file` as the city's map pack (see [`crate::city::demo_map_pack`]).
    pub fn map_pack(mut self, file: PathBuf) -> Builder {
        self.map_pack = Some(file);
        self
    }

    /// Serve on SQLite in a fresh temp dir.
    pub async fn start(self) -> Hq {
        let tmp = tempfile::tempdir().expect("a temp dir for HQ");
        let dir = tmp.path().to_path_buf();
        let storage: Arc<dyn Storage> =
            Arc::new(SqliteStorage::open(&dir).expect("HQ's SQLite opens"));
        let mut hq = self.serve(storage, dir, None).await;
        hq._tmp = Some(tmp);
        hq
    }

    /// Serve on PostgreSQL at `url` (give it a fresh database).
    pub async fn start_postgres(self, url: &str) -> Hq {
        let storage: Arc<dyn Storage> = Arc::new(
            patrol_hq::storage::postgres::PgStorage::connect(url)
                .await
                .expect("HQ connects to PostgreSQL"),
        );
        self.serve(storage, PathBuf::new(), None).await
    }

    async fn serve(self, storage: Arc<dyn Storage>, dir: PathBuf, addr: Option<SocketAddr>) -> Hq {
        storage.migrate().await.expect("HQ's schema migrates");
        if let Some((city, at_ms)) = &self.city {
            storage
                .import_city(city, *at_ms)
                .await
                .expect("the test city imports");
        }
        let operator_token = format!("op_{}", auth::random_secret(16));
        storage
            .add_operator("test", &auth::hash_secret(&operator_token), 0)
            .await
            .expect("the test operator is added");
        let bind = addr.unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .unwrap_or_else(|e| panic!("HQ cannot bind {bind}: {e}"));
        let addr = listener.local_addr().expect("a bound address");
        let mut state = AppState::new(storage.clone());
        if let Some(m) = self.max_body {
            state.max_body = m;
        }
        if let Some(n) = self.upload_slots {
            state.uploads = Arc::new(tokio::sync::Semaphore::new(n));
        }
        if let Some(file) = &self.map_pack {
            let pack = patrol_hq::map::MapPack::open(file).expect("the test map pack opens");
            state.map_pack = Some(Arc::new(pack));
        }
        let served = state.clone();
        let task = tokio::spawn(async move {
            let _ = patrol_hq::serve(listener, served).await;
        });
        Hq {
            addr,
            storage,
            state,
            operator_token,
            dir,
            task,
            _tmp: None,
        }
    }
}

impl Hq {
    /// How to start one that is not [`Hq::start`]'s.
    pub fn builder() -> Builder {
        Builder {
            city: Some((crate::city::demo(), 0)),
            max_body: None,
            map_pack: None,
            upload_slots: None,
        }
    }

    /// A fresh HQ on SQLite with the demo city loaded.
    pub async fn start() -> Hq {
        Hq::builder().start().await
    }

    /// A fresh HQ on PostgreSQL at `url` (a new, empty database) with the demo city loaded.
    pub async fn start_postgres(url: &str) -> Hq {
        Hq::builder().start_postgres(url).await
    }

    /// HQ again on an existing data folder (a restart), optionally on the address it had.
    pub async fn start_in(dir: PathBuf, addr: Option<SocketAddr>) -> Hq {
        let storage: Arc<dyn Storage> =
            Arc::new(SqliteStorage::open(&dir).expect("HQ's SQLite reopens"));
        Hq::builder().no_city().serve(storage, dir, addr).await
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A fault proxy in front of this HQ (see [`Proxy`]).
    pub async fn proxy(&self) -> Proxy {
        Proxy::start(self.addr).await
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
        patrol_hq::service::new_enrollment(&self.state, name)
            .await
            .expect("an enrolment code")
            .code
    }

    /// Enrol `device` over HTTP with a fresh one-time code, as the app does; its bearer token.
    pub async fn enrol(&self, device: DeviceId, name: &str) -> String {
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
            .expect("HQ answers the enrolment");
        assert!(r.status().is_success(), "enrol: {}", r.status());
        let e: EnrollResponse = r.json().await.expect("an enrolment answer");
        v1::device_token(e.device_id, &e.secret)
    }

    /// Enrol `device` directly in storage (no HTTP) and store its `ledger` through the real
    /// upload use case (planning, hash and link checks, rollups), batch by batch, as if it had
    /// synced at `now_ms`: how benches fill HQ with a city's devices.
    pub async fn device_with_ledger(
        &self,
        device: DeviceId,
        name: &str,
        ledger: &[Entry],
        now_ms: i64,
    ) {
        self.enrol_in_storage(device, name, now_ms).await;
        self.ingest(device, ledger, now_ms).await;
    }

    /// Enrol `device` directly in storage, as a redeemed code would (no HTTP, no secret).
    pub async fn enrol_in_storage(&self, device: DeviceId, name: &str, now_ms: i64) {
        let code = self.enrollment_code(name).await;
        self.storage
            .redeem_enrollment(
                &auth::hash_secret(&auth::normalize_code(&code)),
                device,
                "bench-secret-hash",
                now_ms,
            )
            .await
            .expect("the code redeems");
    }

    /// Store an enrolled device's `ledger` through the upload use case, batch by batch, as a
    /// sync at `now_ms` would send it.
    pub async fn ingest(&self, device: DeviceId, ledger: &[Entry], now_ms: i64) {
        for batch in ledger.chunks(patrol_hq::service::MAX_BATCH) {
            let req = patrol_model::v1::UploadRequest {
                device_now_ms: now_ms,
                entries: batch.to_vec(),
            };
            let r = patrol_hq::service::upload(&self.state, device, &req)
                .await
                .expect("the ledger uploads");
            assert_eq!(r.accepted as usize, batch.len());
        }
    }

    /// Import a station bundle's bytes as `patrol-hq import bundle FILE` does; panics naming
    /// why HQ refused it.
    pub async fn import_bundle(&self, bytes: &[u8]) -> patrol_hq::service::bundle::Imported {
        let bundle = patrol_model::bundle::read(bytes).expect("a readable bundle");
        patrol_hq::service::bundle::import(&self.state, bundle)
            .await
            .unwrap_or_else(|e| panic!("HQ refused the bundle: {e}"))
    }

    /// POST JSON to an operator endpoint and return the answer; panics naming HQ's error.
    pub async fn post_json(&self, path: &str, body: serde_json::Value) -> serde_json::Value {
        let r = reqwest::Client::new()
            .post(format!("{}{path}", self.url()))
            .bearer_auth(&self.operator_token)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        let status = r.status();
        let v: serde_json::Value = r
            .json()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
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
            .unwrap_or_else(|e| panic!("GET {path}: {e}"));
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap_or_else(|e| panic!("GET {path}: {e}"))
    }
}

impl Drop for Hq {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// [`Hq`] on a runtime of its own, for tests that are not async (the app shell's on the mock
/// runtime, the CLI's child processes). Everything of [`Hq`] is there through `Deref`; the
/// async calls tests need most have blocking twins here.
#[derive(Debug)]
pub struct BlockingHq {
    // Dropped first: the server task stops before its runtime goes.
    hq: Hq,
    pub rt: tokio::runtime::Runtime,
}

impl BlockingHq {
    /// A fresh HQ on SQLite with the demo city.
    pub fn start() -> BlockingHq {
        BlockingHq::from_builder(Hq::builder())
    }

    /// A fresh HQ on SQLite as `builder` says.
    pub fn from_builder(builder: Builder) -> BlockingHq {
        let rt = crate::bench::runtime();
        let hq = rt.block_on(builder.start());
        BlockingHq { hq, rt }
    }

    /// Run `f` on HQ's runtime.
    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.rt.block_on(f)
    }

    /// A one-time enrolment code, as `patrol-hq device add` makes.
    pub fn enrollment_code(&self, name: &str) -> String {
        self.rt.block_on(self.hq.enrollment_code(name))
    }

    /// GET an operator endpoint as JSON.
    pub fn get_json(&self, path: &str) -> serde_json::Value {
        self.rt.block_on(self.hq.get_json(path))
    }

    /// Import a station bundle's bytes as `patrol-hq import bundle FILE` does.
    pub fn import_bundle(&self, bytes: &[u8]) -> patrol_hq::service::bundle::Imported {
        self.rt.block_on(self.hq.import_bundle(bytes))
    }

    /// A fault proxy in front of this HQ, running on HQ's runtime.
    pub fn proxy(&self) -> Proxy {
        self.rt.block_on(Proxy::start(self.hq.addr))
    }
}

impl std::ops::Deref for BlockingHq {
    type Target = Hq;

    fn deref(&self) -> &Hq {
        &self.hq
    }
}
