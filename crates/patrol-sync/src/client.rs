//! One HQ, over HTTP: builds requests with the protocol header and the device's bearer token,
//! and turns every answer into either the expected v1 body or a [`Failure`] classified by
//! [`plan::classify`]. It does not retry and does not touch the store; the engine does both.
//!
//! What it guards on the wire: HQ is reached over HTTPS (plain HTTP only on this machine's own
//! loopback address), redirects are never followed (the secret and the evidence go to the
//! address the device was enrolled with and nowhere else), a connection where HQ goes silent is
//! given up after [`SyncOptions::silence`](crate::SyncOptions) instead of the whole-request
//! timeout, and no answer is read past [`MAX_ANSWER_BYTES`].

use crate::plan::{self, Outcome};
use crate::{Error, Result};
use patrol_model::v1::{self, ErrorBody, PROTOCOL, PROTOCOL_HEADER};
use reqwest::{Method, RequestBuilder, Url};
use serde::de::DeserializeOwned;
use std::time::{Duration, Instant};

/// The most of one answer the device reads. HQ's biggest answer is the full reference data on
/// a first sync (every grid cell, post and group of the city): a large city is a few MiB of
/// JSON, so 8 MiB leaves room to grow, while a proxy, captive portal or broken HQ streaming
/// without end cannot fill a phone's memory or burn its data plan.
pub const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// Requests with a body up to this size leave the phone at once (they fit in the socket's send
/// buffer), so their answer is due within the silence limit. Bigger ones (entry batches, photo
/// chunks) may take minutes to upload on a slow link, so they only have the whole-request limit
/// until HQ answers: reqwest's read timeout counts from the start of the request, not from the
/// last byte sent.
const QUICK_BODY_BYTES: usize = 16 * 1024;

/// Check an HQ address and return it without a trailing slash (a path prefix is kept).
///
/// `https://` is required, except on this machine's loopback (`127.0.0.0/8`, `::1`,
/// `localhost`) where the tests, the demo and a station kiosk reach an HQ on the same machine:
/// over plain `http://` the device secret and police evidence would cross the network in clear
/// text, readable and alterable by anyone on the path.
pub fn normalize_hq_url(url: &str) -> Result<String> {
    let trimmed = url.trim().trim_end_matches('/');
    let not_an_address = || {
        Error::InvalidUrl(format!(
            "`{}` is not an HQ address (expected https://…)",
            url.trim()
        ))
    };
    let parsed = Url::parse(trimmed).map_err(|_| not_an_address())?;
    let ok = matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some_and(|h| !h.is_empty())
        && parsed.query().is_none()
        && parsed.fragment().is_none();
    if !ok {
        return Err(not_an_address());
    }
    if parsed.scheme() == "http" && !is_loopback(&parsed) {
        return Err(Error::InvalidUrl(format!(
            "`{trimmed}` uses http://, which would carry the device secret and police evidence \
             in clear text; use the https:// address of HQ (http:// is only for this machine: \
             127.0.0.1, ::1, localhost)"
        )));
    }
    Ok(trimmed.to_owned())
}

/// `127.0.0.0/8`, `::1` or `localhost`: traffic that never leaves this machine.
fn is_loopback(url: &Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

/// The HTTP clients of one engine and the limits they were built with.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    /// For requests without a big body: gives up when HQ sends nothing for `silence`.
    quick: reqwest::Client,
    /// For big uploads: only the whole-request limit until HQ answers.
    bulk: reqwest::Client,
    silence: Duration,
    timeout: Duration,
}

impl Transport {
    /// `trusted_roots`: PEM certificate authorities HQ's certificate must chain to, instead of
    /// the system's; none: the system's (see [`SyncOptions::trusted_roots`](crate::SyncOptions)).
    pub fn new(
        silence: Duration,
        timeout: Duration,
        connect_timeout: Duration,
        trusted_roots: &[Vec<u8>],
    ) -> Result<Self> {
        let mut roots = Vec::new();
        for pem in trusted_roots {
            let certs = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                Error::Network(format!("the trusted HQ certificate is not PEM: {e}"))
            })?;
            if certs.is_empty() {
                return Err(Error::Network(
                    "the trusted HQ certificate file holds no PEM certificate \
                     (expected -----BEGIN CERTIFICATE-----)"
                        .into(),
                ));
            }
            roots.extend(certs);
        }
        let builder = || {
            let b = reqwest::Client::builder();
            let b = if roots.is_empty() {
                b
            } else {
                b.tls_certs_only(roots.iter().cloned())
            };
            b.timeout(timeout)
                .connect_timeout(connect_timeout)
                // HQ's API never redirects. Following one would send the evidence (a 307
                // re-sends the body) to a host the device was not enrolled with, perhaps over
                // plain http; a 3xx is reported instead (a captive portal, usually).
                .redirect(reqwest::redirect::Policy::none())
                .user_agent(concat!("patrol-device/", env!("CARGO_PKG_VERSION")))
        };
        let build = |b: reqwest::ClientBuilder| {
            b.build()
                .map_err(|e| Error::Network(format!("cannot set up HTTP: {e}")))
        };
        Ok(Self {
            quick: build(builder().read_timeout(silence))?,
            bulk: build(builder())?,
            silence,
            timeout,
        })
    }
}

/// Why a request did not give the expected body.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub outcome: Outcome,
    /// `None` when HQ never answered (network).
    pub status: Option<u16>,
    pub code: String,
    pub message: String,
    /// The raw body (a 409 carries where HQ stands).
    pub body: Vec<u8>,
    /// The protocol HQ announced in its header, when it did.
    pub hq_protocol: Option<u32>,
}

impl Failure {
    fn network(message: String) -> Self {
        Failure {
            outcome: Outcome::Transient,
            status: None,
            code: "network".into(),
            message,
            body: Vec::new(),
            hq_protocol: None,
        }
    }

    /// The error to show when this failure ends the sync.
    pub fn into_error(self) -> Error {
        match self.outcome {
            Outcome::Transient | Outcome::Ok => Error::Network(self.message),
            Outcome::Auth => Error::Auth(self.message),
            Outcome::ProtocolMismatch => Error::ProtocolMismatch {
                device: PROTOCOL,
                hq: self.hq_protocol,
                hint: self.message,
            },
            Outcome::Rejected | Outcome::TooLarge | Outcome::Conflict => Error::Rejected {
                status: self.status.unwrap_or(0),
                code: self.code,
                message: self.message,
            },
        }
    }
}

/// How upload bodies are compressed on the wire. Only the transport compresses: the entries'
/// canonical bytes are not touched, so every hash still verifies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum UploadEncoding {
    /// Plain JSON.
    Plain,
    /// gzip, level 6 (every HQ of protocol 1 reads it).
    Gzip,
    /// zstd, level 3: a shift's JSON in fewer bytes than gzip's and several times faster to
    /// make, which on a phone is battery (`cargo bench -p patrol-e2e --bench sync`).
    Zstd,
}

impl UploadEncoding {
    /// The best encoding at most `self` that HQ's hello lists (plain JSON when it lists none).
    pub fn agreed(self, hq_accepts: &[String]) -> UploadEncoding {
        let listed = |name: &str| hq_accepts.iter().any(|e| e == name);
        match self {
            UploadEncoding::Zstd if listed(v1::ZSTD) => UploadEncoding::Zstd,
            UploadEncoding::Zstd | UploadEncoding::Gzip if listed(v1::GZIP) => UploadEncoding::Gzip,
            _ => UploadEncoding::Plain,
        }
    }

    fn header(self) -> Option<&'static str> {
        match self {
            UploadEncoding::Plain => None,
            UploadEncoding::Gzip => Some(v1::GZIP),
            UploadEncoding::Zstd => Some(v1::ZSTD),
        }
    }

    /// `json` in this encoding; `None` if the encoder failed (it writes to memory: it does
    /// not), and then the plain JSON goes.
    fn encode(self, json: &[u8]) -> Option<Vec<u8>> {
        use std::io::Write;
        match self {
            UploadEncoding::Plain => None,
            // Level 6, not 1: on a phone the radio costs more than the CPU, and level 1 sends
            // 12 % more.
            UploadEncoding::Gzip => {
                let mut enc =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                enc.write_all(json).and_then(|()| enc.finish()).ok()
            }
            UploadEncoding::Zstd => zstd::bulk::compress(json, 3).ok(),
        }
    }
}

/// A JSON request body encoded once — compressed in the encoding agreed with HQ — and attached
/// as often as retries need, so a retry does not serialize and compress again. A shift's track
/// uploads in about a third of its JSON's bytes (`cargo bench -p patrol-e2e --bench sync`).
pub(crate) struct JsonBody {
    bytes: Vec<u8>,
    encoding: UploadEncoding,
}

impl JsonBody {
    pub fn new<T: serde::Serialize>(value: &T, encoding: UploadEncoding) -> JsonBody {
        let json = serde_json::to_vec(value).expect("upload requests always serialize");
        match encoding.encode(&json) {
            Some(bytes) => JsonBody { bytes, encoding },
            None => JsonBody {
                bytes: json,
                encoding: UploadEncoding::Plain,
            },
        }
    }

    pub fn attach(&self, rb: RequestBuilder) -> RequestBuilder {
        let rb = rb
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(self.bytes.clone());
        match self.encoding.header() {
            Some(name) => rb.header(reqwest::header::CONTENT_ENCODING, name),
            None => rb,
        }
    }
}

/// The HTTP side of one HQ for one device.
#[derive(Debug, Clone)]
pub(crate) struct Hq {
    transport: Transport,
    base: String,
    token: Option<String>,
}

impl Hq {
    pub fn new(transport: Transport, base: String, token: Option<String>) -> Self {
        Self {
            transport,
            base,
            token,
        }
    }

    pub fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.request_url(method, &format!("{}{path}", self.base))
    }

    /// A request to `path` with query pairs, percent-encoded.
    pub fn request_query(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
    ) -> RequestBuilder {
        match Url::parse(&format!("{}{path}", self.base)) {
            Ok(mut url) => {
                if !query.is_empty() {
                    url.query_pairs_mut().extend_pairs(query);
                }
                self.request_url(method, url.as_str())
            }
            // The base was checked at enrolment; fall back and let reqwest report it.
            Err(_) => self.request(method, path),
        }
    }

    fn request_url(&self, method: Method, url: &str) -> RequestBuilder {
        let rb = self
            .transport
            .quick
            .request(method, url)
            .header(PROTOCOL_HEADER, PROTOCOL.to_string());
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    /// Send once and read the answer as `T`.
    pub async fn send<T: DeserializeOwned>(&self, rb: RequestBuilder) -> Result<T, Failure> {
        let answer = self.send_raw(rb).await?;
        serde_json::from_slice(&answer.body).map_err(|e| Failure {
            outcome: Outcome::Transient,
            status: Some(answer.status),
            code: "unreadable_answer".into(),
            message: format!(
                "HQ's answer could not be read ({e}); is a proxy or captive portal in the way?"
            ),
            body: answer.body.clone(),
            hq_protocol: None,
        })
    }

    /// Send once and read a successful answer's bytes (at most [`MAX_ANSWER_BYTES`]) and
    /// headers; anything else is a [`Failure`] classified as for [`Hq::send`].
    pub async fn send_raw(&self, rb: RequestBuilder) -> Result<RawAnswer, Failure> {
        let started = Instant::now();
        let request = rb
            .build()
            .map_err(|e| Failure::network(self.describe(&e, started)))?;
        let body_len = request
            .body()
            .and_then(|b| b.as_bytes())
            .map_or(0, <[u8]>::len);
        let client = if body_len > QUICK_BODY_BYTES {
            &self.transport.bulk
        } else {
            &self.transport.quick
        };
        let mut resp = client
            .execute(request)
            .await
            .map_err(|e| Failure::network(self.describe(&e, started)))?;
        let status = resp.status().as_u16();
        let hq_protocol = resp
            .headers()
            .get(PROTOCOL_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u32>().ok());
        let headers = resp.headers().clone();
        let body = self.read_capped(&mut resp, status, started).await?;
        if let Some(p) = hq_protocol.filter(|p| *p != PROTOCOL) {
            return Err(Failure {
                outcome: Outcome::ProtocolMismatch,
                status: Some(status),
                code: "protocol_mismatch".into(),
                message: crate::error::mismatch_hint(p).into(),
                body,
                hq_protocol,
            });
        }
        let error_body: Option<ErrorBody> = if (200..300).contains(&status) {
            None
        } else {
            serde_json::from_slice(&body).ok()
        };
        let outcome = plan::classify(status, error_body.as_ref().map(|b| b.code.as_str()));
        if outcome == Outcome::Ok {
            return Ok(RawAnswer {
                status,
                headers,
                body,
            });
        }
        let (code, message) = match error_body {
            Some(b) => (b.code, b.message),
            None => (
                format!("http_{status}"),
                format!("HQ answered {status}{}", snippet(&body)),
            ),
        };
        Err(Failure {
            outcome,
            status: Some(status),
            code,
            message,
            body,
            hq_protocol,
        })
    }
}

/// A successful answer, as bytes.
#[derive(Debug)]
pub struct RawAnswer {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Hq {
    /// Read the answer's body in chunks, at most [`MAX_ANSWER_BYTES`], giving up when HQ sends
    /// nothing for the silence limit. Past the cap it stops reading (the connection is dropped,
    /// not drained) and fails as `Rejected`: the same request would bring the same flood, so
    /// retrying at once only burns the data plan; the reference download is skipped as a
    /// problem and entries still go, and the next sync tries again.
    async fn read_capped(
        &self,
        resp: &mut reqwest::Response,
        status: u16,
        started: Instant,
    ) -> Result<Vec<u8>, Failure> {
        let too_large = || Failure {
            outcome: Outcome::Rejected,
            status: Some(status),
            code: "answer_too_large".into(),
            message: format!(
                "HQ's answer (status {status}) is larger than the {} MiB this device reads; \
                 nothing past that was read; is a proxy or captive portal in the way?",
                MAX_ANSWER_BYTES / (1024 * 1024)
            ),
            body: Vec::new(),
            hq_protocol: None,
        };
        if resp
            .content_length()
            .is_some_and(|n| n > MAX_ANSWER_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        loop {
            // reqwest's read timeout covers the quick client's bodies; this one also covers
            // the answers to big uploads.
            let chunk = match tokio::time::timeout(self.transport.silence, resp.chunk()).await {
                Err(_) => return Err(Failure::network(self.silent())),
                Ok(Err(e)) => return Err(Failure::network(self.describe(&e, started))),
                Ok(Ok(None)) => return Ok(body),
                Ok(Ok(Some(chunk))) => chunk,
            };
            if body.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
    }

    /// A reqwest error as one line: what failed, then its root cause ("connection refused").
    fn describe(&self, e: &reqwest::Error, started: Instant) -> String {
        let base = &self.base;
        let what = if e.is_connect() {
            format!("cannot connect to HQ at {base}")
        } else if e.is_timeout() && started.elapsed() < self.transport.timeout {
            // Before the whole-request limit, a timeout is the silence limit.
            return self.silent();
        } else if e.is_timeout() {
            format!(
                "HQ at {base} did not finish answering within {}",
                seconds(self.transport.timeout)
            )
        } else {
            format!("the connection to HQ at {base} failed")
        };
        let mut root: &dyn std::error::Error = e;
        while let Some(next) = root.source() {
            root = next;
        }
        format!("{what}: {root}")
    }

    fn silent(&self) -> String {
        format!(
            "HQ at {} accepted the connection but sent nothing for {}; the network or HQ is \
             stalled; entries stay queued, try again later",
            self.base,
            seconds(self.transport.silence)
        )
    }
}

/// `15 s`, `0.3 s`.
fn seconds(d: Duration) -> String {
    if d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// `GET /api/v1/hello` once, without credentials or retries, checking the protocol.
pub(crate) async fn hello(hq: &Hq) -> Result<v1::Hello, Failure> {
    hq.send(hq.request(Method::GET, "/api/v1/hello")).await
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        String::new()
    } else {
        format!(": {}", text.chars().take(160).collect::<String>())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upload_encoding_is_the_best_both_sides_allow() {
        use UploadEncoding::{Gzip, Plain, Zstd};
        let hq = |names: &[&str]| names.iter().map(|n| (*n).to_owned()).collect::<Vec<_>>();
        assert_eq!(Zstd.agreed(&hq(&["zstd", "gzip"])), Zstd);
        // An HQ of an earlier round lists gzip only; one that lists nothing gets plain JSON.
        assert_eq!(Zstd.agreed(&hq(&["gzip"])), Gzip);
        assert_eq!(Zstd.agreed(&hq(&[])), Plain);
        assert_eq!(Gzip.agreed(&hq(&["zstd", "gzip"])), Gzip);
        assert_eq!(Gzip.agreed(&hq(&["zstd"])), Plain);
        assert_eq!(Plain.agreed(&hq(&["zstd", "gzip"])), Plain);
    }

    #[test]
    fn bodies_decode_back_to_the_same_json() {
        use std::io::Read;
        let json = br#"{"device_now_ms":1,"entries":[]}"#.repeat(50);
        let z = UploadEncoding::Zstd.encode(&json).unwrap();
        assert_eq!(zstd::bulk::decompress(&z, json.len()).unwrap(), json);
        let g = UploadEncoding::Gzip.encode(&json).unwrap();
        let mut back = Vec::new();
        flate2::read::GzDecoder::new(&g[..])
            .read_to_end(&mut back)
            .unwrap();
        assert_eq!(back, json);
        assert!(z.len() < json.len() / 4 && g.len() < json.len() / 4);
        assert!(
            UploadEncoding::Plain.encode(&json).is_none(),
            "plain JSON goes as it is"
        );
    }

    /// A trusted-CA file that holds no certificate is refused when the engine is built, not
    /// discovered as a puzzling handshake failure in the field.
    #[test]
    fn trusted_roots_must_hold_a_certificate() {
        let s = Duration::from_secs(1);
        let e = Transport::new(s, s, s, &[b"not a certificate".to_vec()]).unwrap_err();
        assert!(e.to_string().contains("no PEM certificate"), "{e}");
        assert!(Transport::new(s, s, s, &[]).is_ok());
    }

    #[test]
    fn hq_addresses_are_checked() {
        // (input, accepted as, or a word the refusal must contain)
        let table: &[(&str, Result<&str, &str>)] = &[
            ("https://hq.example/", Ok("https://hq.example")),
            (
                " https://hq.example/patrol/ ",
                Ok("https://hq.example/patrol"),
            ),
            ("https://203.0.113.7:8443", Ok("https://203.0.113.7:8443")),
            // Loopback: tests, the demo, a station kiosk on the same machine.
            ("http://127.0.0.1:8080", Ok("http://127.0.0.1:8080")),
            ("http://127.8.9.10:8080/", Ok("http://127.8.9.10:8080")),
            ("http://[::1]:8080", Ok("http://[::1]:8080")),
            ("http://localhost:8787", Ok("http://localhost:8787")),
            ("http://LOCALHOST", Ok("http://LOCALHOST")),
            // Plain http over a network: the secret and evidence would travel in clear text.
            ("http://hq.example", Err("clear text")),
            ("http://hq.example:8080/", Err("clear text")),
            ("http://10.0.0.5", Err("clear text")),
            ("http://[::ffff:10.0.0.5]", Err("clear text")),
            ("http://localhost.hq.example", Err("clear text")),
            ("http://128.0.0.1", Err("clear text")),
            // Not addresses at all.
            ("hq.example", Err("not an HQ address")),
            ("ftp://hq.example", Err("not an HQ address")),
            ("https://hq.example/?x=1", Err("not an HQ address")),
            ("https://hq.example/#top", Err("not an HQ address")),
            ("", Err("not an HQ address")),
        ];
        for (input, expected) in table {
            match (normalize_hq_url(input), expected) {
                (Ok(got), Ok(want)) => assert_eq!(&got, want, "{input}"),
                (Err(e), Err(word)) => {
                    assert_eq!(e.kind(), "invalid_url", "{input}");
                    assert!(e.to_string().contains(word), "{input}: {e}");
                }
                (got, _) => panic!("{input}: expected {expected:?}, got {got:?}"),
            }
        }
    }
}
