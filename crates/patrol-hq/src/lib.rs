//! HQ: an axum service that enrols devices, receives their ledgers exactly once, serves reference
//! data, and derives the command centre's figures from the stored ledger. A library with a thin
//! binary (`main.rs`), so tests run the real router on `127.0.0.1:0`: [`router`] builds the app
//! from a state, [`serve`] runs it on an already bound listener.

pub mod auth;
pub mod error;
pub mod events;
pub mod ingest;
pub mod limits;
pub mod map;
pub mod model;
pub mod openapi;
pub mod projections;
pub(crate) mod routes;
pub mod server;
pub mod service;
pub mod tls;

pub mod storage;
pub mod verify;
pub mod web;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use patrol_model::v1;
use patrol_model::{Clock, SystemClock};
use std::sync::Arc;
use storage::Storage;
use tower_http::compression::predicate::Predicate as _;
use tower_http::set_header::SetResponseHeaderLayer;

/// Largest request body HQ reads (an upload batch or a photo chunk).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// Everything a handler needs.
#[derive(Debug, Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    pub clock: Arc<dyn Clock>,
    /// Body limit in bytes (413 beyond it).
    pub max_body: usize,
    /// Enrolment attempts per address and overall.
    pub enrol_limiter: Arc<limits::EnrolLimiter>,
    /// HQ sits behind a TLS-terminating proxy (`serve --behind-proxy`): the client address is
    /// the last hop the proxy appended to `X-Forwarded-For`. Never set otherwise, or any client
    /// could choose the address its enrolment limits and audit lines are counted under.
    pub behind_proxy: bool,
    /// Session cookies carry `Secure` (HQ is reached over HTTPS: TLS here or at the proxy).
    pub secure_cookies: bool,
    /// What changed, for open command-centre pages.
    pub events: events::Events,
    /// The command-centre page's files (embedded, or a folder for development).
    pub web: Arc<web::WebAssets>,
    /// The city's map pack, when the operator gave one.
    pub map_pack: Option<Arc<map::MapPack>>,
    /// Uploads planned and committed at once ([`upload_slots`]); the rest wait their turn
    /// without holding a thread, so a thousand devices arriving together queue instead of
    /// sharing the cores a thousand ways, and the command centre's answers keep their share.
    pub uploads: Arc<tokio::sync::Semaphore>,
    /// Every supplement stored, held in memory by the entry it names and topped up with the
    /// new ones ([`service::supplements_of`]).
    pub supplements: Arc<service::SupplementCache>,
    /// The city, held in memory while the reference counter is unchanged ([`service::city`]).
    pub city: Arc<service::CityCache>,
    /// How often a waiting inbox long-poll looks in the database for an order nobody woke it
    /// for (`serve --inbox-recheck-s`).
    pub inbox_recheck: std::time::Duration,
}

/// Uploads in flight at once: twice the cores (planning uses every core; the second half
/// keeps the database busy while the first plans).
pub fn upload_slots() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()) * 2
}

impl AppState {
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Self {
            storage,
            clock: Arc::new(SystemClock::new()),
            max_body: MAX_BODY_BYTES,
            enrol_limiter: Arc::default(),
            behind_proxy: false,
            secure_cookies: false,
            events: events::Events::default(),
            web: Arc::new(web::WebAssets::embedded()),
            map_pack: None,
            uploads: Arc::new(tokio::sync::Semaphore::new(upload_slots())),
            supplements: Arc::default(),
            city: Arc::default(),
            inbox_recheck: std::time::Duration::from_secs(5),
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
    with_layers(routes::routes(), state)
}

/// `routes` with what every HQ answer goes through: the body limit, the protocol header, the
/// panic catcher and the request log.
pub fn with_layers(routes: Router<AppState>, state: AppState) -> Router {
    let limit = state.max_body;
    routes
        // The limit counts the bytes a handler reads: decompressed ones, so a small gzip'd (or zstd'd) body
        // that unpacks to gigabytes stops at the limit (413) like any other.
        .layer(DefaultBodyLimit::max(limit))
        .layer(tower_http::decompression::RequestDecompressionLayer::new())
        .layer(middleware::from_fn(known_encoding))
        // Answers (reference data, lists, the page's files) gzip'd for clients that ask;
        // never the live SSE stream or photos, nor the map pack: its byte ranges count bytes
        // of the file, and its tiles are compressed images already.
        .layer(
            tower_http::compression::CompressionLayer::new().compress_when(
                tower_http::compression::predicate::DefaultPredicate::new().and(
                    tower_http::compression::predicate::NotForContentType::const_new(
                        "application/vnd.sqlite3",
                    ),
                ),
            ),
        )
        .layer(middleware::from_fn(protocol_header))
        // A bug in a handler answers 500 with a body instead of dropping the connection.
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(
            error::panic_response,
        ))
        // Every answer is police data: no browser guesses a photo or an export into HTML, and
        // no cache along the way keeps a copy.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Serve on a listener the caller already bound (tests bind `127.0.0.1:0` first), with the
/// limits of [`server::ServeOptions::default`] and each connection's address known to handlers
/// (enrolment limits count per address).
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    server::serve_forever(listener, router(state)).await
}

/// [`serve`] over HTTPS with the certificate `certs` holds; [`tls::CertStore::reload`] swaps
/// it for new connections while HQ keeps running.
pub async fn serve_tls(
    listener: tokio::net::TcpListener,
    state: AppState,
    certs: Arc<tls::CertStore>,
) -> std::io::Result<()> {
    server::serve_tls_with(
        listener,
        router(state),
        server::ServeOptions::default(),
        &certs,
        std::future::pending(),
    )
    .await
}

/// A request body in an encoding HQ cannot read is refused with a body that says which it can
/// (415), before anything looks at it.
async fn known_encoding(req: Request, next: Next) -> Response {
    if let Some(enc) = req.headers().get(header::CONTENT_ENCODING) {
        let enc = enc.to_str().unwrap_or("?").trim().to_ascii_lowercase();
        if !matches!(enc.as_str(), "zstd" | "gzip" | "identity" | "") {
            return error::ApiError::UnsupportedEncoding(enc).into_response();
        }
    }
    next.run(req).await
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    /// A handler that panics answers 500 with the usual body; the connection is not dropped and
    /// the server keeps serving.
    #[tokio::test]
    async fn a_panicking_handler_answers_500() {
        let storage = Arc::new(storage::sqlite::SqliteStorage::open_in_memory().unwrap());
        let app = with_layers(
            Router::new()
                .route(
                    "/boom",
                    get(|| async {
                        let v: Vec<u8> = Vec::new();
                        // An out-of-bounds index: a bug, as a real one would be.
                        v[usize::from(v.is_empty())].to_string()
                    }),
                )
                .route("/ok", get(|| async { "ok" })),
            AppState::new(storage),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        async fn get_raw(addr: std::net::SocketAddr, path: &str) -> String {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            let req = format!("GET {path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n");
            s.write_all(req.as_bytes()).await.unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).await.unwrap();
            out
        }
        let boom = get_raw(addr, "/boom").await;
        assert!(boom.starts_with("HTTP/1.1 500"), "{boom}");
        assert!(boom.contains(r#""code":"internal""#), "{boom}");
        assert!(get_raw(addr, "/ok").await.starts_with("HTTP/1.1 200"));
    }
}
