//! What the device refuses on the wire, over real sockets on `127.0.0.1:0` (bound before use, so
//! nothing sleeps): the secret goes to no HQ but the one that issued it, a connection HQ accepted
//! but never answers is given up after the silence limit, and no answer is read past the cap.

mod common;
use common::*;
use patrol_sync::{Credentials, Error, Progress, SyncEngine, SyncOptions};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Limits short enough that every test here ends well within a second or two.
fn short() -> SyncOptions {
    SyncOptions {
        max_attempts: 2,
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(2),
        silence: Duration::from_millis(300),
        timeout: Duration::from_secs(20),
        connect_timeout: Duration::from_secs(2),
        ..SyncOptions::default()
    }
}

/// A listener that only counts the connections made to it (nothing accepts them).
struct Witness {
    listener: std::net::TcpListener,
    url: String,
}

impl Witness {
    fn new() -> Witness {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        Witness { listener, url }
    }

    /// Connections made so far: the kernel completes them into the backlog before the client's
    /// connect returns, so a sync that has ended has left every connection it made here.
    fn connections(&self) -> usize {
        std::iter::from_fn(|| self.listener.accept().ok()).count()
    }
}

#[tokio::test]
async fn the_secret_goes_to_no_other_hq_than_the_one_that_issued_it() {
    let enrolled = Witness::new();
    let other = Witness::new();
    let mut d = Device::new();
    d.violations(2);
    d.store
        .save_enrollment(&enrolled.url, "CD-01", "s3cret")
        .unwrap();
    let store = Mutex::new(d.store);
    let engine = SyncEngine::with_options(short()).unwrap();

    // (hq_url in the credentials, refused with)
    let cases = [
        (other.url.clone(), "wrong_hq"),
        ("https://hq.example".to_owned(), "wrong_hq"),
        ("http://hq.example".to_owned(), "invalid_url"),
    ];
    for (hq_url, kind) in cases {
        let creds = Credentials {
            hq_url: hq_url.clone(),
            secret: "s3cret".into(),
        };
        let mut steps = Vec::new();
        let err = engine
            .sync_with(&store, &creds, |p| steps.push(p))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), kind, "{hq_url}: {err}");
        assert!(steps.is_empty(), "{hq_url}: refused before the first step");
        if let Error::WrongHq { enrolled: e, .. } = &err {
            assert_eq!(e, &enrolled.url);
            assert!(err.to_string().contains("enrol again"), "{err}");
        }
    }
    assert_eq!(other.connections(), 0, "nothing was sent to the other HQ");
    assert_eq!(enrolled.connections(), 0, "nor to the enrolled one");

    // The settings cannot move an enrolled device either; its own address stays allowed.
    let s = store.into_inner().unwrap();
    let err = s.set_hq_url(&other.url).unwrap_err();
    assert_eq!(err.kind(), "invalid");
    assert_eq!(
        err.to_string(),
        format!(
            "invalid hq_url: enrolled with HQ {}; enrol again to change HQ",
            enrolled.url
        ),
    );
    s.set_hq_url(&enrolled.url).unwrap();
    assert_eq!(s.hq_url().unwrap().as_deref(), Some(enrolled.url.as_str()));

    // Without a stored enrolment there is no address the secret may go to.
    let fresh = Device::new();
    let fresh = Mutex::new(fresh.store);
    let creds = Credentials {
        hq_url: other.url.clone(),
        secret: "s3cret".into(),
    };
    let err = engine.sync_with(&fresh, &creds, |_| {}).await.unwrap_err();
    assert!(matches!(err, Error::NotEnrolled), "{err}");
    assert_eq!(other.connections(), 0);
}

/// A fake HQ on `127.0.0.1:0`: every connection gets `answer` (a raw HTTP head, then `body`
/// bytes of filler, `None` for without end) and is then held open without another byte. The
/// counter is how many bytes it managed to write in all.
async fn raw_hq(
    answer: &'static str,
    body: Option<usize>,
) -> (String, std::sync::Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let written = std::sync::Arc::new(AtomicUsize::new(0));
    let count = written.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = listener.accept().await {
            tokio::spawn(serve(conn, answer, body, count.clone()));
        }
    });
    (url, written)
}

async fn serve(
    mut conn: TcpStream,
    answer: &str,
    body: Option<usize>,
    written: std::sync::Arc<AtomicUsize>,
) {
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match conn.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    if conn.write_all(answer.as_bytes()).await.is_err() {
        return;
    }
    let filler = vec![b'x'; 64 * 1024];
    let mut left = body.unwrap_or(usize::MAX);
    while left > 0 {
        let n = left.min(filler.len());
        if conn.write_all(&filler[..n]).await.is_err() {
            return; // The device hung up.
        }
        written.fetch_add(n, Ordering::Relaxed);
        left -= n;
    }
    // Hold the connection open, silent, until the device gives up.
    let _ = conn.read(&mut buf).await;
}

#[tokio::test]
async fn a_silent_hq_is_given_up_after_the_silence_limit() {
    // (what HQ does after accepting the connection, head sent before going silent)
    let cases = [
        ("never answers", ""),
        (
            "stops in the middle of the body",
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{",
        ),
    ];
    for (case, head) in cases {
        let (url, _) = raw_hq(head, Some(0)).await;
        let mut d = Device::new();
        d.violations(1);
        d.store.save_enrollment(&url, "CD-01", "s3cret").unwrap();
        let store = Mutex::new(d.store);
        let engine = SyncEngine::with_options(short()).unwrap();
        let mut retries = Vec::new();
        let started = std::time::Instant::now();
        let err = engine
            .sync(&store, |p| {
                if let Progress::Retrying { error, .. } = p {
                    retries.push(error);
                }
            })
            .await
            .unwrap_err();
        let took = started.elapsed();
        assert_eq!(err.kind(), "network", "{case}: {err}");
        let said = "accepted the connection but sent nothing for 0.3 s";
        assert!(err.to_string().contains(said), "{case}: {err}");
        assert_eq!(retries.len(), 1, "{case}: {retries:?}");
        assert!(retries[0].contains(said), "{case}: {retries:?}");
        // Two attempts of 0.3 s, not the 20 s whole-request limit.
        assert!(took < Duration::from_secs(5), "{case}: took {took:?}");
        let pending = store.lock().unwrap().outbox_counts().unwrap().pending;
        assert_eq!(pending, 1, "{case}: the entry stays queued");
    }
}

#[tokio::test]
async fn an_oversized_answer_is_not_read_past_the_cap() {
    const CAP: usize = 8 * 1024 * 1024;
    // (case, answer head, body bytes HQ sends: `None` for without end)
    let cases = [
        (
            "endless, without a length",
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n",
            None,
        ),
        (
            "announced too large",
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1073741824\r\n\r\n",
            None,
        ),
        (
            "an error page just over the cap",
            "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 8388609\r\n\r\n",
            Some(CAP + 1),
        ),
    ];
    for (case, head, body) in cases {
        let (url, written) = raw_hq(head, body).await;
        let engine = SyncEngine::with_options(short()).unwrap();
        let err = engine.hello(&url).await.unwrap_err();
        match &err {
            Error::Rejected { code, .. } => assert_eq!(code, "answer_too_large", "{case}: {err}"),
            other => panic!("{case}: expected a refusal, got {other}"),
        }
        assert!(err.to_string().contains("8 MiB"), "{case}: {err}");
        // The device hung up instead of draining the rest: what HQ wrote is the cap plus what
        // the sockets' buffers took, far from the gigabyte or the endless stream.
        let sent = written.load(Ordering::Relaxed);
        assert!(sent < 4 * CAP, "{case}: HQ wrote {sent} bytes");
    }

    // The same cap holds for a device syncing: the sync ends with the refusal, nothing lost.
    let (url, _) = raw_hq(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n",
        None,
    )
    .await;
    let mut d = Device::new();
    d.violations(1);
    d.store.save_enrollment(&url, "CD-01", "s3cret").unwrap();
    let store = Mutex::new(d.store);
    let engine = SyncEngine::with_options(short()).unwrap();
    let err = engine.sync(&store, |_| {}).await.unwrap_err();
    assert_eq!(err.kind(), "rejected", "{err}");
    let pending = store.lock().unwrap().outbox_counts().unwrap().pending;
    assert_eq!(pending, 1, "the entry stays queued");
}
