//! One fault proxy on loopback between a device and HQ, with the faults a phone meets on the
//! street:
//!
//! - at random, at rates changeable while it runs ([`Proxy::set_faults`]): a request refused
//!   before HQ sees it, and — the nasty one — a request that reaches HQ and commits while its
//!   answer never comes back;
//! - scripted, once, for the next request whose line matches ([`Proxy::inject`]): the same two,
//!   a made-up answer HQ never gave (a 503, an old protocol), or a black hole;
//! - for every new request ([`Proxy::black_hole`]): accepted, read, never answered — a stalled
//!   link or a dead HQ behind a live load balancer.
//!
//! Requests are read whole (head and body, `content-length` or chunked) and passed on verbatim
//! over a keep-alive connection to HQ; answers stream back as they come, so the live channel's
//! server-sent events pass too. Every byte passed on is counted, both ways, as on the wire. The
//! upstream address can be switched to follow an HQ that restarts.

use rand::Rng;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// What crossed the proxy, both ways.
#[derive(Debug, Default)]
pub struct Bytes {
    pub up: AtomicU64,
    pub down: AtomicU64,
}

impl Bytes {
    /// Both directions together.
    pub fn total(&self) -> u64 {
        self.up.load(Ordering::Relaxed) + self.down.load(Ordering::Relaxed)
    }
}

/// Fault rates in percent, changeable while running.
#[derive(Debug, Default)]
pub struct Faults {
    /// Hang up on a request before HQ sees it.
    pub drop_connection_pct: AtomicU32,
    /// Forward a request, let HQ answer, then hang up without passing the answer on.
    pub drop_response_pct: AtomicU32,
    /// Hold every new request: read it, never forward it, never answer.
    pub black_hole: AtomicBool,
}

/// What the proxy does to one request, scripted with [`Proxy::inject`].
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer 503 without asking HQ.
    Unavailable,
    /// Let HQ handle it, then cut the connection before the answer reaches the device.
    LoseAnswer,
    /// Answer this status, `x-patrol-protocol` header and JSON body without asking HQ.
    Answer(u16, u32, String),
    /// Keep the connection open and silent until the device gives up.
    BlackHole,
    /// Hang up before HQ sees the request.
    Refuse,
}

#[derive(Debug, Default)]
struct Shared {
    faults: Faults,
    scripted: Mutex<VecDeque<(String, Fault)>>,
    seen: Mutex<Vec<String>>,
    responses_dropped: AtomicU64,
    connections_dropped: AtomicU64,
    bytes: Bytes,
}

#[derive(Debug)]
pub struct Proxy {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    upstream: Arc<Mutex<SocketAddr>>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    /// A proxy in front of `upstream`, accepting on `127.0.0.1:0`.
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("the proxy binds loopback");
        let addr = listener.local_addr().expect("a bound address");
        let shared = Arc::new(Shared::default());
        let upstream = Arc::new(Mutex::new(upstream));
        let (s, u) = (shared.clone(), upstream.clone());
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let target = *u.lock().unwrap_or_else(PoisonError::into_inner);
                tokio::spawn(connection(client, target, s.clone()));
            }
        });
        Proxy {
            addr,
            shared,
            upstream,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Send new connections to `addr` (an HQ that came back on another port).
    pub fn set_upstream(&self, addr: SocketAddr) {
        *self.upstream.lock().unwrap_or_else(PoisonError::into_inner) = addr;
    }

    /// Refuse `drop_connection_pct` % of requests before HQ sees them, and lose the answer of
    /// `drop_response_pct` % of those HQ handled.
    pub fn set_faults(&self, drop_connection_pct: u32, drop_response_pct: u32) {
        let f = &self.shared.faults;
        f.drop_connection_pct
            .store(drop_connection_pct, Ordering::Relaxed);
        f.drop_response_pct
            .store(drop_response_pct, Ordering::Relaxed);
    }

    /// Hold every new request unanswered (`true`), or pass them again (`false`).
    pub fn black_hole(&self, on: bool) {
        self.shared.faults.black_hole.store(on, Ordering::Relaxed);
    }

    /// Apply `fault` once, to the next request whose line (`POST /api/v1/…`) contains `pattern`.
    pub fn inject(&self, pattern: &str, fault: Fault) {
        self.shared
            .scripted
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back((pattern.into(), fault));
    }

    /// Every request line seen, with what was done to it (`POST /api/v1/upload … → pass`).
    pub fn seen(&self) -> Vec<String> {
        self.shared
            .seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Answers lost after HQ had handled the request.
    pub fn responses_dropped(&self) -> u64 {
        self.shared.responses_dropped.load(Ordering::Relaxed)
    }

    /// Requests refused before HQ saw them.
    pub fn connections_dropped(&self) -> u64 {
        self.shared.connections_dropped.load(Ordering::Relaxed)
    }

    /// Bytes passed on, device → HQ and HQ → device: every header and body as on the wire.
    pub fn bytes(&self) -> &Bytes {
        &self.shared.bytes
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What happens to one request.
enum Action {
    Forward { lose_answer: bool },
    Answer(u16, u32, String),
    Hold,
    Refuse,
}

/// One device connection: read each request whole, decide, and forward it on one keep-alive
/// connection to HQ whose answers a second task streams back.
async fn connection(client: TcpStream, target: SocketAddr, shared: Arc<Shared>) {
    let (mut from_device, to_device) = client.into_split();
    let to_device = Arc::new(tokio::sync::Mutex::new(to_device));
    let lose_next_answer = Arc::new(AtomicBool::new(false));
    let mut to_hq: Option<OwnedWriteHalf> = None;
    let mut answers: Option<tokio::task::JoinHandle<()>> = None;
    let mut buf = Vec::new();
    while let Some((line, request)) = read_request(&mut from_device, &mut buf).await {
        let action = decide(&shared, &line);
        match action {
            Action::Refuse => {
                shared.connections_dropped.fetch_add(1, Ordering::Relaxed);
                break;
            }
            Action::Hold => {
                // Silent until the device hangs up.
                let mut sink = [0u8; 1024];
                while matches!(from_device.read(&mut sink).await, Ok(n) if n > 0) {}
                break;
            }
            Action::Answer(status, protocol, body) => {
                let text = format!(
                    "HTTP/1.1 {status} Test\r\ncontent-type: application/json\r\n\
                     content-length: {}\r\nx-patrol-protocol: {protocol}\r\n\r\n{body}",
                    body.len()
                );
                if to_device
                    .lock()
                    .await
                    .write_all(text.as_bytes())
                    .await
                    .is_err()
                {
                    break;
                }
            }
            Action::Forward { lose_answer } => {
                if to_hq.is_none() {
                    let Ok(hq) = TcpStream::connect(target).await else {
                        break; // HQ is down: the device sees its connection closed.
                    };
                    let (from_hq, w) = hq.into_split();
                    to_hq = Some(w);
                    answers = Some(tokio::spawn(pass_answers(
                        from_hq,
                        to_device.clone(),
                        lose_next_answer.clone(),
                        shared.clone(),
                    )));
                }
                lose_next_answer.store(lose_answer, Ordering::Relaxed);
                let Some(w) = to_hq.as_mut() else { break };
                if w.write_all(&request).await.is_err() {
                    break;
                }
                shared
                    .bytes
                    .up
                    .fetch_add(request.len() as u64, Ordering::Relaxed);
            }
        }
    }
    // The device hung up, or is being hung up on: nobody is left to read an answer.
    if let Some(a) = answers {
        a.abort();
    }
    drop(to_hq);
    let _ = to_device.lock().await.shutdown().await;
}

/// Pick the scripted fault for `line`, else the standing ones, and log the choice.
fn decide(shared: &Shared, line: &str) -> Action {
    let scripted = {
        let mut s = shared
            .scripted
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let i = s.iter().position(|(p, _)| line.contains(p.as_str()));
        i.and_then(|i| s.remove(i)).map(|(_, f)| f)
    };
    let f = &shared.faults;
    let (action, said) = match scripted {
        Some(Fault::Unavailable) => (
            Action::Answer(
                503,
                1,
                r#"{"code":"unavailable","message":"HQ is busy (test)"}"#.into(),
            ),
            "Unavailable".to_owned(),
        ),
        Some(Fault::Answer(status, protocol, body)) => {
            let said = format!("Answer({status}, {protocol})");
            (Action::Answer(status, protocol, body), said)
        }
        Some(Fault::LoseAnswer) => (Action::Forward { lose_answer: true }, "LoseAnswer".into()),
        Some(Fault::BlackHole) => (Action::Hold, "BlackHole".into()),
        Some(Fault::Refuse) => (Action::Refuse, "Refuse".into()),
        None if f.black_hole.load(Ordering::Relaxed) => (Action::Hold, "black hole".into()),
        None if roll(&f.drop_connection_pct) => (Action::Refuse, "refused".into()),
        None if roll(&f.drop_response_pct) => {
            (Action::Forward { lose_answer: true }, "answer lost".into())
        }
        None => (Action::Forward { lose_answer: false }, "pass".into()),
    };
    shared
        .seen
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(format!("{line} → {said}"));
    action
}

/// Stream HQ's answers to the device; when the request in flight was marked, hang up on the
/// device at the first byte of its answer instead (HQ has committed by then).
async fn pass_answers(
    mut from_hq: OwnedReadHalf,
    to_device: Arc<tokio::sync::Mutex<OwnedWriteHalf>>,
    lose_next_answer: Arc<AtomicBool>,
    shared: Arc<Shared>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from_hq.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if lose_next_answer.swap(false, Ordering::Relaxed) {
            shared.responses_dropped.fetch_add(1, Ordering::Relaxed);
            break;
        }
        if to_device.lock().await.write_all(&buf[..n]).await.is_err() {
            break;
        }
        shared.bytes.down.fetch_add(n as u64, Ordering::Relaxed);
    }
    // HQ closed, or the answer is to be lost: the device sees its connection end.
    let _ = to_device.lock().await.shutdown().await;
}

/// Read one whole request from a keep-alive connection: its request line and its raw bytes
/// (head and body, by `content-length` or chunked). `None` when the device hung up.
async fn read_request(conn: &mut OwnedReadHalf, buf: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        fill(conn, buf).await?;
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let line = head.lines().next().unwrap_or("").to_owned();
    let header = |name: &str| {
        head.lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim().to_ascii_lowercase())
    };
    let end = if header("transfer-encoding").is_some_and(|v| v.contains("chunked")) {
        let mut at = head_end;
        loop {
            let size_end = loop {
                if let Some(i) = buf[at..].windows(2).position(|w| w == b"\r\n") {
                    break at + i;
                }
                fill(conn, buf).await?;
            };
            let size_text = String::from_utf8_lossy(&buf[at..size_end]).into_owned();
            let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
            at = size_end + 2;
            if size == 0 {
                // Trailers, if any, end with an empty line.
                loop {
                    if let Some(i) = buf[at..].windows(2).position(|w| w == b"\r\n") {
                        let empty = i == 0;
                        at += i + 2;
                        if empty {
                            break;
                        }
                    } else {
                        fill(conn, buf).await?;
                    }
                }
                break at;
            }
            while buf.len() < at + size + 2 {
                fill(conn, buf).await?;
            }
            at += size + 2;
        }
    } else {
        let len: usize = header("content-length")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + len {
            fill(conn, buf).await?;
        }
        head_end + len
    };
    let request = buf.drain(..end).collect();
    Some((line, request))
}

/// Read more bytes into `buf`; `None` at the end of the connection.
async fn fill(conn: &mut OwnedReadHalf, buf: &mut Vec<u8>) -> Option<()> {
    let mut chunk = [0u8; 16 * 1024];
    match conn.read(&mut chunk).await {
        Ok(0) | Err(_) => None,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            Some(())
        }
    }
}

fn roll(pct: &AtomicU32) -> bool {
    let p = pct.load(Ordering::Relaxed);
    p > 0 && rand::rng().random_range(0..100) < p
}
