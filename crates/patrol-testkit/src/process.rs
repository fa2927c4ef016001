//! The `patrol-hq` binary as a child process on a free loopback port — for the tests that kill HQ
//! or run two of it over one database — and a device's side of the protocol spoken over plain
//! HTTP/1.1 (no client library between the test and the wire): enrolment with a code from the
//! command line, uploads from HQ's head.

use patrol_model::v1::{self, Head};
use patrol_model::{DeviceId, Entry};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// One HTTP/1.1 request over a fresh connection; `None` when HQ is not there (killed).
pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&str>,
) -> Option<(u16, String)> {
    let auth = token.map_or(String::new(), |t| format!("authorization: Bearer {t}\r\n"));
    exchange(addr, method, path, &auth, body.unwrap_or("")).map(|(status, _, body)| (status, body))
}

/// One HTTP/1.1 request with `headers` (whole lines, each ending in CRLF): the status, the
/// answer's head and its body; `None` when HQ is not there.
pub fn exchange(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &str,
) -> Option<(u16, String, String)> {
    let mut s = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(20))).ok()?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nhost: hq\r\nconnection: close\r\n{headers}\
         content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let (head, body) = out.split_once("\r\n\r\n")?;
    let status = head.split(' ').nth(1)?.parse().ok()?;
    Some((status, head.to_owned(), body.to_owned()))
}

/// The `patrol-hq` binary serving as a child process, with the store arguments it is given.
#[derive(Debug)]
pub struct HqProcess {
    /// The binary (`env!("CARGO_BIN_EXE_patrol-hq")` in HQ's own tests).
    pub bin: std::path::PathBuf,
    pub args: Vec<String>,
    pub addr: SocketAddr,
    pub child: Option<Child>,
}

impl HqProcess {
    /// `bin` with `store` (`--data DIR` or `--database URL`) on a free loopback port; not yet started.
    pub fn new(bin: impl Into<std::path::PathBuf>, store: &[&str]) -> HqProcess {
        let addr = {
            let l = TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap()
        };
        HqProcess {
            bin: bin.into(),
            args: store.iter().map(|s| (*s).to_owned()).collect(),
            addr,
            child: None,
        }
    }

    pub fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(&self.bin)
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

    pub fn start(&mut self) {
        self.start_with(&[]);
    }

    /// [`HqProcess::start`] with more of `serve`'s flags.
    pub fn start_with(&mut self, serve_args: &[&str]) {
        let child = Command::new(&self.bin)
            .args(&self.args)
            .args(["serve", "--listen", &self.addr.to_string()])
            .args(serve_args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", self.bin.display()));
        self.child = Some(child);
        let t0 = Instant::now();
        while request(self.addr, "GET", "/healthz", None, None).is_none() {
            assert!(t0.elapsed() < Duration::from_secs(30), "HQ did not come up");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill(); // SIGKILL on Unix
            let _ = c.wait();
        }
    }
}

impl Drop for HqProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Enrol a device with a code from the command line; its bearer token.
pub fn enrol(hq: &HqProcess, device: DeviceId) -> String {
    let code = hq.cli(&["device", "add", "--name", "G07 巡逻组"]);
    let body = serde_json::json!({"code": code.trim(), "device_id": device}).to_string();
    let (status, answer) = request(hq.addr, "POST", "/api/v1/enroll", None, Some(&body)).unwrap();
    assert_eq!(status, 200, "{answer}");
    let e: v1::EnrollResponse = serde_json::from_str(&answer).unwrap();
    v1::device_token(device, &e.secret)
}

/// The device's head at HQ; `None` when HQ is not there or does not answer 200.
pub fn head(addr: SocketAddr, device: DeviceId, token: &str) -> Option<Head> {
    let path = format!("/api/v1/devices/{device}/head");
    match request(addr, "GET", &path, Some(token), None)? {
        (200, body) => Some(serde_json::from_str(&body).expect("a head")),
        _ => None,
    }
}

/// Upload from HQ's head in batches until HQ is gone or holds everything. Returns the highest
/// head HQ confirmed with a 200.
pub fn upload(hq: &HqProcess, token: &str, entries: &[Entry], batch: usize) -> u64 {
    let device = entries[0].device_id;
    let mut confirmed = 0;
    loop {
        let Some(head) = head(hq.addr, device, token) else {
            return confirmed;
        };
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
