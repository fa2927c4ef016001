//! HQ's accept loop. `axum::serve` reads a request's headers for as long as the client cares to
//! trickle them and accepts every connection offered, so fifty slow sockets would sit open for
//! ever. Here each connection must send its headers within [`ServeOptions::header_timeout`],
//! request bodies may pause at most [`ServeOptions::body_idle_timeout`] between chunks, and at most
//! [`ServeOptions::max_connections`] are served at once — the next waits in the kernel's backlog
//! until one ends, so a device queues rather than fails.
//!
//! With a [`CertStore`] ([`serve_tls_with`]) each connection is HTTPS: the TLS handshake must
//! also finish within the header timeout (a socket that stalls mid-handshake holds a slot like
//! one that trickles headers), then hyper serves the decrypted stream exactly as a plain one.

use crate::tls::CertStore;
use axum::Router;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_rustls::TlsAcceptor;

/// Limits of one HQ process.
#[derive(Debug, Clone, Copy)]
pub struct ServeOptions {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub body_idle_timeout: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            // A city's devices sync every few minutes; a thousand at once still fit, and the
            // storage pool, not sockets, is what bounds the work.
            max_connections: 2048,
            header_timeout: Duration::from_secs(15),
            body_idle_timeout: Duration::from_secs(30),
        }
    }
}

/// Serve `app` on `listener` until `shutdown` resolves. Connections already being served run
/// to their end; no new one is accepted after `shutdown`.
pub async fn serve_with(
    listener: TcpListener,
    app: Router,
    options: ServeOptions,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    accept_loop(listener, app, options, None, shutdown).await
}

/// [`serve_with`] over HTTPS: every new connection is handed the certificate `certs` holds at
/// that moment, so [`CertStore::reload`] takes effect without a restart.
pub async fn serve_tls_with(
    listener: TcpListener,
    app: Router,
    options: ServeOptions,
    certs: &Arc<CertStore>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let config = certs.server_config().map_err(std::io::Error::other)?;
    accept_loop(
        listener,
        app,
        options,
        Some(TlsAcceptor::from(config)),
        shutdown,
    )
    .await
}

async fn accept_loop(
    listener: TcpListener,
    app: Router,
    options: ServeOptions,
    tls: Option<TlsAcceptor>,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let app = app.layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
        options.body_idle_timeout,
    ));
    let slots = Arc::new(Semaphore::new(options.max_connections.max(1)));
    tokio::pin!(shutdown);
    loop {
        // Wait for a free slot before accepting: past the cap, connections wait in the backlog.
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return Ok(()),
            },
            () = &mut shutdown => return Ok(()),
        };
        let (stream, addr) = tokio::select! {
            r = listener.accept() => match r {
                Ok(c) => c,
                // Out of file descriptors and the like: wait a moment, never spin or die.
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => return Ok(()),
        };
        let svc = TowerToHyperService::new(app.clone().layer(axum::Extension(ConnectInfo(addr))));
        let header_timeout = options.header_timeout;
        let tls = tls.clone();
        tokio::spawn(async move {
            let _permit = permit;
            let result = match tls {
                None => serve_connection(stream, svc, header_timeout).await,
                Some(acceptor) => {
                    match tokio::time::timeout(header_timeout, acceptor.accept(stream)).await {
                        Ok(Ok(stream)) => serve_connection(stream, svc, header_timeout).await,
                        // Plain HTTP to the HTTPS port, a client that distrusts the
                        // certificate, a scanner: nothing was served, nothing to log above debug.
                        Ok(Err(e)) => {
                            tracing::debug!(peer = %addr, error = %e, "TLS handshake failed");
                            return;
                        }
                        Err(_) => {
                            tracing::debug!(peer = %addr, "TLS handshake timed out");
                            return;
                        }
                    }
                }
            };
            if let Err(e) = result {
                tracing::debug!(peer = %addr, error = %e, "connection ended with an error");
            }
        });
    }
}

/// One connection, plain or already decrypted, through hyper's HTTP/1.1 with the header timeout.
async fn serve_connection<S>(
    stream: S,
    svc: TowerToHyperService<Router>,
    header_timeout: Duration,
) -> hyper::Result<()>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .serve_connection(TokioIo::new(stream), svc)
        .with_upgrades()
        .await
}

/// [`serve_with`] the default options until the process is stopped.
pub async fn serve_forever(listener: TcpListener, app: Router) -> std::io::Result<()> {
    serve_with(
        listener,
        app,
        ServeOptions::default(),
        std::future::pending(),
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use std::net::SocketAddr;
    use std::time::Instant;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    async fn start(options: ServeOptions) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route("/", get(|| async { "ok" }));
        tokio::spawn(serve_with(listener, app, options, std::future::pending()));
        addr
    }

    async fn get_ok(addr: SocketAddr) -> String {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.write_all(b"GET / HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    /// On the HTTPS port a socket that never finishes the handshake is cut at the header
    /// timeout like one that trickles headers, and its slot goes to the next connection.
    #[tokio::test]
    async fn a_stalled_tls_handshake_is_cut_at_the_header_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let files = crate::tls::TlsFiles {
            cert: dir.path().join("hq.crt"),
            key: dir.path().join("hq.key"),
        };
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        std::fs::write(&files.cert, cert.pem()).unwrap();
        std::fs::write(&files.key, key.serialize_pem()).unwrap();
        let certs = CertStore::open(files).unwrap();
        let options = ServeOptions {
            max_connections: 1,
            header_timeout: Duration::from_millis(300),
            body_idle_timeout: Duration::from_secs(5),
        };
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = Router::new().route("/", get(|| async { "ok" }));
        tokio::spawn(async move {
            serve_tls_with(listener, app, options, &certs, std::future::pending()).await
        });
        // Half a ClientHello's record header, then silence.
        let mut stalled = TcpStream::connect(addr).await.unwrap();
        stalled.write_all(&[0x16, 0x03]).await.unwrap();
        let mut buf = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), stalled.read_to_end(&mut buf))
            .await
            .expect("HQ cut the stalled handshake")
            .ok();
        // The one slot is free again: the next connection is taken and answered (here with a
        // TLS alert, since it speaks plain HTTP), not left in the backlog.
        let mut next = TcpStream::connect(addr).await.unwrap();
        next.write_all(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
            .await
            .unwrap();
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(5), next.read_to_end(&mut answer))
            .await
            .expect("served once the slot freed")
            .ok();
        assert!(!answer.starts_with(b"HTTP/"), "{answer:?}");
    }

    /// Sockets that connect and trickle (or send nothing) are closed once the header timeout
    /// passes; with every slot taken by them, a real request waits for a slot, then is served.
    #[tokio::test]
    async fn trickling_sockets_are_cut_and_the_cap_queues() {
        let options = ServeOptions {
            max_connections: 3,
            header_timeout: Duration::from_millis(400),
            body_idle_timeout: Duration::from_secs(5),
        };
        let addr = start(options).await;
        let t0 = Instant::now();
        let mut slow = Vec::new();
        for _ in 0..3 {
            let mut s = TcpStream::connect(addr).await.unwrap();
            s.write_all(b"GET / HT").await.unwrap();
            slow.push(s);
        }
        // Every slot is held: this request is served only after the trickling ones are cut.
        let answer = tokio::time::timeout(Duration::from_secs(10), get_ok(addr))
            .await
            .expect("served once a slot freed");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(
            t0.elapsed() >= Duration::from_millis(300),
            "{:?}",
            t0.elapsed()
        );
        for mut s in slow {
            let mut buf = Vec::new();
            // HQ closed them (maybe after a 408): reading ends instead of hanging.
            tokio::time::timeout(Duration::from_secs(5), s.read_to_end(&mut buf))
                .await
                .expect("closed by HQ")
                .ok();
        }
    }
}
