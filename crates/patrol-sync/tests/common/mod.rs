//! Test harness: the real HQ (`patrol_hq::serve` on `127.0.0.1:0`, SQLite in a temp dir) on its
//! own runtime, a device store in a temp dir, and a small HTTP/1.1 "chaos" proxy that can fail,
//! drop or answer chosen requests — so retries, lost answers and resumes are tested against the
//! real server, over real sockets, without sleeps.
#![allow(dead_code)]

use patrol_device::{Capture, ManualClock, Store};
use patrol_hq::AppState;
use patrol_hq::storage::Storage;
use patrol_hq::storage::sqlite::SqliteStorage;
use patrol_model::*;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// 2026-11-29 08:00 in Changde (UTC+8).
pub const T0: i64 = 1_764_374_400_000;

pub struct Hq {
    pub url: String,
    pub addr: std::net::SocketAddr,
    pub state: AppState,
    pub rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl Hq {
    /// HQ with the test city loaded; `max_body` overrides the request body limit.
    pub fn start(max_body: Option<usize>) -> Hq {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let storage = Arc::new(SqliteStorage::open(dir.path()).unwrap());
        let mut state = AppState::new(storage);
        if let Some(m) = max_body {
            state.max_body = m;
        }
        let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let addr = listener.local_addr().unwrap();
        rt.spawn(patrol_hq::serve(listener, state.clone()));
        let hq = Hq {
            url: format!("http://{addr}"),
            addr,
            state,
            rt,
            _dir: dir,
        };
        hq.rt
            .block_on(hq.state.storage.import_city(&city(), T0))
            .unwrap();
        hq
    }

    /// A fresh one-time enrolment code.
    pub fn code(&self, name: &str) -> String {
        self.rt
            .block_on(patrol_hq::service::new_enrollment(&self.state, name))
            .unwrap()
            .code
    }

    pub fn storage(&self) -> &Arc<dyn Storage> {
        &self.state.storage
    }

    /// A chaos proxy in front of this HQ.
    pub fn chaos(&self) -> Chaos {
        let listener = self.rt.block_on(TcpListener::bind("127.0.0.1:0")).unwrap();
        let chaos = Chaos {
            url: format!("http://{}", listener.local_addr().unwrap()),
            faults: Arc::new(Mutex::new(VecDeque::new())),
            seen: Arc::new(Mutex::new(Vec::new())),
        };
        let (faults, seen, upstream) = (chaos.faults.clone(), chaos.seen.clone(), self.addr);
        self.rt.spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(proxy(conn, upstream, faults.clone(), seen.clone()));
            }
        });
        chaos
    }
}

/// What the proxy does to the next request matching a pattern.
#[derive(Debug, Clone)]
pub enum Fault {
    /// Answer 503 without asking HQ.
    Unavailable,
    /// Let HQ handle it, then cut the connection before the answer reaches the device.
    LoseAnswer,
    /// Answer this status, header protocol and body without asking HQ.
    Answer(u16, u32, String),
}

#[derive(Debug, Clone)]
pub struct Chaos {
    pub url: String,
    faults: Arc<Mutex<VecDeque<(String, Fault)>>>,
    /// Every request line seen, with what happened.
    pub seen: Arc<Mutex<Vec<String>>>,
}

impl Chaos {
    /// Apply `fault` once, to the next request whose line ("POST /api/v1/…") contains `pattern`.
    pub fn inject(&self, pattern: &str, fault: Fault) {
        self.faults
            .lock()
            .unwrap()
            .push_back((pattern.into(), fault));
    }

    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

async fn proxy(
    mut conn: TcpStream,
    upstream: std::net::SocketAddr,
    faults: Arc<Mutex<VecDeque<(String, Fault)>>>,
    seen: Arc<Mutex<Vec<String>>>,
) {
    let mut buf = Vec::new();
    loop {
        let Some((head, body)) = read_request(&mut conn, &mut buf).await else {
            return;
        };
        let line = head.lines().next().unwrap_or("").to_owned();
        let fault = {
            let mut f = faults.lock().unwrap();
            let i = f.iter().position(|(p, _)| line.contains(p.as_str()));
            i.and_then(|i| f.remove(i)).map(|(_, fault)| fault)
        };
        seen.lock().unwrap().push(format!(
            "{line} → {}",
            fault.as_ref().map_or("pass".into(), |f| format!("{f:?}"))
        ));
        match fault {
            Some(Fault::Unavailable) => {
                let body = r#"{"code":"unavailable","message":"HQ is busy (test)"}"#;
                if write_answer(&mut conn, 503, 1, body).await.is_err() {
                    return;
                }
            }
            Some(Fault::Answer(status, protocol, body)) => {
                if write_answer(&mut conn, status, protocol, &body)
                    .await
                    .is_err()
                {
                    return;
                }
            }
            Some(Fault::LoseAnswer) => {
                let _ = forward(upstream, &head, &body).await;
                return; // drop the device's connection: the answer is lost
            }
            None => {
                let Ok(answer) = forward(upstream, &head, &body).await else {
                    return;
                };
                if conn.write_all(&answer).await.is_err() {
                    return;
                }
                // HQ was asked to close, so the device's connection closes too.
                return;
            }
        }
    }
}

/// Read one request (head and `content-length` body) from a keep-alive connection.
async fn read_request(conn: &mut TcpStream, buf: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    let mut chunk = [0u8; 16 * 1024];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).into_owned();
    let len: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < end + len {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = buf[end..end + len].to_vec();
    buf.drain(..end + len);
    Some((head, body))
}

/// Send one request to HQ on a fresh connection it closes after answering; return the answer.
async fn forward(
    upstream: std::net::SocketAddr,
    head: &str,
    body: &[u8],
) -> std::io::Result<Vec<u8>> {
    let mut lines: Vec<&str> = head
        .trim_end()
        .lines()
        .filter(|l| !l.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("connection: close");
    let mut request = lines.join("\r\n").into_bytes();
    request.extend_from_slice(b"\r\n\r\n");
    request.extend_from_slice(body);
    let mut hq = TcpStream::connect(upstream).await?;
    hq.write_all(&request).await?;
    let mut answer = Vec::new();
    hq.read_to_end(&mut answer).await?;
    Ok(answer)
}

async fn write_answer(
    conn: &mut TcpStream,
    status: u16,
    protocol: u32,
    body: &str,
) -> std::io::Result<()> {
    let text = format!(
        "HTTP/1.1 {status} Test\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
         x-patrol-protocol: {protocol}\r\n\r\n{body}",
        body.len()
    );
    conn.write_all(text.as_bytes()).await
}

// --- the device -------------------------------------------------------------------------------

pub struct Device {
    pub dir: tempfile::TempDir,
    pub clock: ManualClock,
    pub store: Store,
}

impl Device {
    pub fn new() -> Device {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(T0);
        let store = Store::open(dir.path(), Arc::new(clock.clone())).unwrap();
        Device { dir, clock, store }
    }

    pub fn reopen(&mut self) {
        let store = Store::open(self.dir.path(), Arc::new(self.clock.clone())).unwrap();
        self.store = store;
    }

    /// Close the store, do `f` with its data folder, open it again.
    pub fn closed<R>(&mut self, f: impl FnOnce(&std::path::Path) -> R) -> R {
        let scratch = tempfile::tempdir().unwrap();
        let placeholder = Store::open(scratch.path(), Arc::new(self.clock.clone())).unwrap();
        drop(std::mem::replace(&mut self.store, placeholder));
        let r = f(self.dir.path());
        self.reopen();
        r
    }

    pub fn violation(&mut self, photos: Vec<PhotoRef>) -> Entry {
        self.clock.advance_ms(60_000);
        self.store
            .append(
                &Record::Violation(ViolationTally {
                    patrol_id: None,
                    violation: ViolationType::NoHelmet,
                    plate: None,
                    vehicle: None,
                    seized_items: 0,
                    photos,
                    at: None,
                    note: Some("测试".into()),
                }),
                Capture::default(),
            )
            .unwrap()
    }

    pub fn violations(&mut self, n: usize) {
        for _ in 0..n {
            self.violation(vec![]);
        }
    }

    /// A JPEG-looking photo of `size` bytes, different for each `seed`.
    pub fn photo(&self, size: usize, seed: u8) -> (PhotoRef, Vec<u8>) {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
        let mut x = seed as u32 + 1;
        while bytes.len() < size {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            bytes.push((x >> 16) as u8);
        }
        (self.store.add_photo(&bytes).unwrap(), bytes)
    }

    pub fn head(&self) -> u64 {
        self.store.head().unwrap().0
    }
}

pub fn city() -> City {
    serde_json::from_value(serde_json::json!({
        "name": "常德 (sync test)",
        "timezone": "Asia/Shanghai",
        "cells": [
            {"id": "WL-01", "ring": [{"lat": 29.00, "lon": 111.60}, {"lat": 29.00, "lon": 111.70},
                                      {"lat": 29.05, "lon": 111.70}, {"lat": 29.05, "lon": 111.60}]}
        ],
        "posts": [{"id": "P01", "name": "洞庭大道/光荣路", "location": {"lat": 29.03, "lon": 111.69},
                   "radius_m": 60, "duty_windows": [{"start": "06:00", "end": "09:00"}]}],
        "groups": [{"id": "G07", "name": "第七巡逻组"}]
    }))
    .unwrap()
}

/// Replace the device files in `to` with those in `from` (photos included).
pub fn copy_store(from: &std::path::Path, to: &std::path::Path) {
    for e in std::fs::read_dir(to).unwrap() {
        let e = e.unwrap();
        if e.file_name().to_string_lossy().starts_with("device.sqlite") {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    copy_dir(from, to);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
