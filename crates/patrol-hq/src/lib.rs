//! HQ: an axum service that enrols devices, receives their ledgers exactly once, serves reference
//! data, and derives the command centre's figures from the stored ledger. A library with a thin
//! binary (`main.rs`), so tests run the real router on `127.0.0.1:0`: [`router`] builds the app
//! from a state, [`serve`] runs it on an already bound listener.

pub mod auth;
pub mod error;
pub mod ingest;
pub mod openapi;
pub mod projections;
pub(crate) mod routes;

/// Operations shared by the HTTP API and the `patrol-hq` command line.
pub mod routes_api {
    pub use crate::routes::operator::{EnrollmentCode, new_enrollment};
}
pub mod storage;
pub mod verify;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use patrol_model::v1;
use patrol_model::{Clock, SystemClock};
use std::sync::Arc;
use storage::Storage;

/// Largest request body HQ reads (an upload batch or a photo chunk).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Everything a handler needs.
#[derive(Debug, Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub clock: Arc<dyn Clock>,
    /// Body limit in bytes (413 beyond it).
    pub max_body: usize,
}

impl AppState {
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Self {
            storage,
            clock: Arc::new(SystemClock::new()),
            max_body: MAX_BODY_BYTES,
        }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.wall_ms()
    }
}

/// The whole HTTP API.
pub fn router(state: AppState) -> Router {
    let limit = state.max_body;
    routes::routes()
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn(protocol_header))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serve on a listener the caller already bound (tests bind `127.0.0.1:0` first).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    axum::serve(listener, router(state)).await
}

/// Refuse a client speaking another protocol version, and say ours on every response.
async fn protocol_header(req: Request, next: Next) -> Response {
    if let Some(v) = req.headers().get(v1::PROTOCOL_HEADER) {
        let theirs = v.to_str().unwrap_or("?").to_owned();
        if theirs != v1::PROTOCOL.to_string() {
            let message = format!(
                "this HQ speaks protocol {}, the client speaks {theirs}: update {}",
                v1::PROTOCOL,
                if theirs.parse::<u32>().is_ok_and(|t| t > v1::PROTOCOL) {
                    "HQ"
                } else {
                    "the app"
                }
            );
            let mut r = error::ApiError::bad("protocol_mismatch", message).into_response();
            r.headers_mut()
                .insert(v1::PROTOCOL_HEADER, HeaderValue::from(v1::PROTOCOL));
            return r;
        }
    }
    let mut response = next.run(req).await;
    response
        .headers_mut()
        .insert(v1::PROTOCOL_HEADER, HeaderValue::from(v1::PROTOCOL));
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE
        && !response
            .headers()
            .get("content-type")
            .is_some_and(|c| c.as_bytes().starts_with(b"application/json"))
    {
        return error::ApiError::TooLarge {
            limit: MAX_BODY_BYTES,
        }
        .into_response();
    }
    response
}
