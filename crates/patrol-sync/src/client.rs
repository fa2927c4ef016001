//! One HQ, over HTTP: builds requests with the protocol header and the device's bearer token,
//! and turns every answer into either the expected v1 body or a [`Failure`] classified by
//! [`plan::classify`]. It does not retry and does not touch the store; the engine does both.

use crate::plan::{self, Outcome};
use crate::{Error, Result};
use patrol_model::v1::{self, ErrorBody, PROTOCOL, PROTOCOL_HEADER};
use reqwest::{Method, RequestBuilder, Url};
use serde::de::DeserializeOwned;

/// Check an HQ address and return it without a trailing slash (a path prefix is kept).
pub fn normalize_hq_url(url: &str) -> Result<String> {
    let trimmed = url.trim().trim_end_matches('/');
    let parsed = Url::parse(trimmed).map_err(|_| Error::InvalidUrl(url.into()))?;
    let ok = matches!(parsed.scheme(), "http" | "https")
        && parsed.host_str().is_some_and(|h| !h.is_empty())
        && parsed.query().is_none()
        && parsed.fragment().is_none();
    if !ok {
        return Err(Error::InvalidUrl(url.into()));
    }
    Ok(trimmed.to_owned())
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

/// The HTTP side of one HQ for one device.
#[derive(Debug, Clone)]
pub(crate) struct Hq {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Hq {
    pub fn new(http: reqwest::Client, base: String, token: Option<String>) -> Self {
        Self { http, base, token }
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
            .http
            .request(method, url)
            .header(PROTOCOL_HEADER, PROTOCOL.to_string());
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    /// Send once and read the answer as `T`.
    pub async fn send<T: DeserializeOwned>(&self, rb: RequestBuilder) -> Result<T, Failure> {
        let resp = rb
            .send()
            .await
            .map_err(|e| Failure::network(describe(&e, &self.base)))?;
        let status = resp.status().as_u16();
        let hq_protocol = resp
            .headers()
            .get(PROTOCOL_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u32>().ok());
        let body = resp
            .bytes()
            .await
            .map_err(|e| Failure::network(describe(&e, &self.base)))?
            .to_vec();
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
            return serde_json::from_slice(&body).map_err(|e| Failure {
                outcome: Outcome::Transient,
                status: Some(status),
                code: "unreadable_answer".into(),
                message: format!(
                    "HQ's answer could not be read ({e}); is a proxy or captive portal in the way?"
                ),
                body: body.clone(),
                hq_protocol,
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

/// `GET /api/v1/hello` once, without credentials or retries, checking the protocol.
pub(crate) async fn hello(hq: &Hq) -> Result<v1::Hello, Failure> {
    hq.send(hq.request(Method::GET, "/api/v1/hello")).await
}

/// A reqwest error as one line: what failed, then its root cause ("connection refused").
fn describe(e: &reqwest::Error, base: &str) -> String {
    let what = if e.is_timeout() {
        format!("HQ at {base} did not answer in time")
    } else if e.is_connect() {
        format!("cannot connect to HQ at {base}")
    } else {
        format!("the connection to HQ at {base} failed")
    };
    let mut root: &dyn std::error::Error = e;
    while let Some(next) = root.source() {
        root = next;
    }
    format!("{what}: {root}")
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
    fn hq_addresses_are_checked() {
        #[track_caller]
        fn check(input: &str, expected: Option<&str>) {
            assert_eq!(normalize_hq_url(input).ok().as_deref(), expected, "{input}");
        }
        check("http://127.0.0.1:8080", Some("http://127.0.0.1:8080"));
        check("https://hq.example/", Some("https://hq.example"));
        check(
            " https://hq.example/patrol/ ",
            Some("https://hq.example/patrol"),
        );
        check("hq.example", None);
        check("ftp://hq.example", None);
        check("https://hq.example/?x=1", None);
        check("", None);
    }
}
