//! HQ over HTTPS end to end: a throwaway certificate authority made here (rcgen), the real HQ
//! serving TLS on 127.0.0.1:0 with its accept loop, the real device sync engine trusting that
//! authority. A device that does not trust it and plain HTTP to the TLS port both fail; after
//! the certificate files are replaced by ones from a second authority and reloaded, new
//! connections get the new certificate while HQ keeps running and an open connection keeps its
//! own.

use patrol_device::{Capture, Store, SystemClock};
use patrol_hq::AppState;
use patrol_hq::storage::{Storage, sqlite::SqliteStorage};
use patrol_hq::tls::{CertStore, TlsFiles};
use patrol_model::*;
use patrol_sync::{SyncEngine, SyncOptions};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A certificate authority of its own, as a city would run.
struct Ca {
    issuer: CertifiedIssuer<'static, KeyPair>,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let issuer = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Ca { issuer }
    }

    fn pem(&self) -> Vec<u8> {
        self.issuer.pem().into_bytes()
    }

    /// Write HQ's certificate (for 127.0.0.1 and localhost) and key, signed by this authority.
    fn issue_hq(&self, files: &TlsFiles) {
        let key = KeyPair::generate().unwrap();
        let mut params =
            CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "patrol HQ");
        let cert = params.signed_by(&key, &self.issuer).unwrap();
        std::fs::write(&files.cert, cert.pem()).unwrap();
        std::fs::write(&files.key, key.serialize_pem()).unwrap();
    }
}

/// The real HQ on 127.0.0.1:0 over HTTPS, the demo city loaded.
struct TlsHq {
    url: String,
    addr: std::net::SocketAddr,
    storage: Arc<dyn Storage>,
    certs: Arc<CertStore>,
    task: tokio::task::JoinHandle<()>,
    _dir: tempfile::TempDir,
}

impl TlsHq {
    async fn start(files: TlsFiles) -> TlsHq {
        let dir = tempfile::tempdir().unwrap();
        let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(dir.path()).unwrap());
        storage.migrate().await.unwrap();
        storage
            .import_city(&patrol_testkit::city::demo(), 0)
            .await
            .unwrap();
        let certs = CertStore::open(files).unwrap();
        // Bound before serving: nothing below waits for HQ to come up.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = AppState::new(storage.clone());
        let task = tokio::spawn({
            let certs = certs.clone();
            async move {
                let _ = patrol_hq::serve_tls(listener, state, certs).await;
            }
        });
        TlsHq {
            url: format!("https://{addr}"),
            addr,
            storage,
            certs,
            task,
            _dir: dir,
        }
    }

    async fn code(&self, name: &str) -> String {
        let state = AppState::new(self.storage.clone());
        patrol_hq::service::new_enrollment(&state, name)
            .await
            .unwrap()
            .code
    }
}

impl Drop for TlsHq {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn trusting(roots: &[&Ca]) -> SyncEngine {
    SyncEngine::with_options(SyncOptions {
        backoff_base: Duration::from_millis(2),
        backoff_cap: Duration::from_millis(20),
        max_attempts: 2,
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(2),
        trusted_roots: roots.iter().map(|ca| ca.pem()).collect(),
        ..SyncOptions::default()
    })
    .unwrap()
}

fn files_in(dir: &Path) -> TlsFiles {
    TlsFiles {
        cert: dir.join("hq.crt"),
        key: dir.join("hq.key"),
    }
}

fn violation() -> Record {
    Record::Violation(ViolationTally {
        vehicle: Some(VehicleKind::EBike),
        ..ViolationTally::new(ViolationType::NoHelmet)
    })
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

fn new_store(dir: &Path) -> Mutex<Store> {
    Mutex::new(Store::open(dir, Arc::new(SystemClock::new())).unwrap())
}

/// A device trusting the city's authority enrols and syncs over HTTPS; one trusting only the
/// system's roots, and plain HTTP to the HTTPS port, get nothing; a reload switches new
/// connections to the second authority's certificate without a restart.
#[tokio::test]
async fn devices_sync_over_https_and_a_reload_changes_the_certificate() {
    let cert_dir = tempfile::tempdir().unwrap();
    let files = files_in(cert_dir.path());
    let city_ca = Ca::new("City police CA 1");
    city_ca.issue_hq(&files);
    let hq = TlsHq::start(files.clone()).await;

    // Enrol and sync a few entries over https://127.0.0.1:PORT.
    let device_dir = tempfile::tempdir().unwrap();
    let store = new_store(device_dir.path());
    let engine = trusting(&[&city_ca]);
    engine
        .enroll(&store, &hq.url, &hq.code("巡逻终端 TLS").await)
        .await
        .unwrap();
    for _ in 0..3 {
        store.lock().unwrap().append(&violation(), here()).unwrap();
    }
    let report = engine.sync(&store, |_| {}).await.unwrap();
    assert_eq!(report.uploaded, 3, "{report}");
    assert!(report.is_clean(), "{report}");
    let device_id = store.lock().unwrap().device_id();
    assert_eq!(
        hq.storage
            .device(device_id)
            .await
            .unwrap()
            .unwrap()
            .head
            .seq,
        3
    );

    // The system's roots alone do not vouch for the city's HQ.
    let untrusting = SyncEngine::with_options(SyncOptions {
        max_attempts: 1,
        ..SyncOptions::default()
    })
    .unwrap();
    let e = untrusting.hello(&hq.url).await.unwrap_err();
    assert_eq!(e.kind(), "network", "{e}");
    assert!(e.to_string().contains("certificate"), "{e}");

    // Plain HTTP to the HTTPS port: no HTTP answer, from the engine or from a raw socket.
    let plain = format!("http://{}", hq.addr);
    assert!(engine.hello(&plain).await.is_err());
    let mut s = tokio::net::TcpStream::connect(hq.addr).await.unwrap();
    s.write_all(b"GET /api/v1/hello HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut answer))
        .await
        .expect("HQ closes a plain-HTTP connection")
        .ok();
    assert!(!answer.starts_with(b"HTTP/"), "{answer:?}");

    // A connection opened before the reload (reqwest keeps it alive) …
    let ca1_client = reqwest::Client::builder()
        .tls_certs_only(reqwest::Certificate::from_pem_bundle(&city_ca.pem()).unwrap())
        .build()
        .unwrap();
    let hello = format!("{}/api/v1/hello", hq.url);
    assert!(
        ca1_client
            .get(&hello)
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );

    // The certificate is renewed by a second authority and reloaded; HQ keeps running.
    let new_ca = Ca::new("City police CA 2");
    new_ca.issue_hq(&files);
    hq.certs.reload().unwrap();
    assert!(!hq.task.is_finished());

    let e = trusting(&[&city_ca]).hello(&hq.url).await.unwrap_err();
    assert!(e.to_string().contains("certificate"), "{e}");
    trusting(&[&new_ca]).hello(&hq.url).await.unwrap();
    // … is not cut by it.
    assert!(
        ca1_client
            .get(&hello)
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );

    // The enrolled device, now trusting the new authority, syncs on with the same HQ.
    store.lock().unwrap().append(&violation(), here()).unwrap();
    let report = trusting(&[&new_ca]).sync(&store, |_| {}).await.unwrap();
    assert_eq!(report.uploaded, 1, "{report}");

    // A broken file (a half-finished copy) does not take HQ off the air: the reload fails and
    // the certificate in use stays.
    std::fs::write(&files.cert, "-----BEGIN CERTIFICATE-----\ntruncated").unwrap();
    assert!(hq.certs.reload().is_err());
    trusting(&[&new_ca]).hello(&hq.url).await.unwrap();
}
