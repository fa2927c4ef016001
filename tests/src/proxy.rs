//! A TCP proxy on loopback that injects the faults a phone meets on the street: connections
//! refused outright, and — the nasty one — requests that reach HQ and commit while the response
//! never comes back. The upstream address can be switched to follow an HQ that restarts.

use rand::Rng;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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
}

#[derive(Debug)]
pub struct Proxy {
    pub addr: SocketAddr,
    pub faults: Arc<Faults>,
    upstream: Arc<Mutex<SocketAddr>>,
    /// Answers dropped after HQ had answered.
    pub responses_dropped: Arc<AtomicU64>,
    /// Requests dropped before HQ saw them.
    pub connections_dropped: Arc<AtomicU64>,
    /// Bytes passed on, device → HQ and HQ → device: every header and body as on the wire.
    pub bytes: Arc<Bytes>,
    task: tokio::task::JoinHandle<()>,
}

impl Proxy {
    pub async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let faults = Arc::new(Faults::default());
        let upstream = Arc::new(Mutex::new(upstream));
        let responses_dropped = Arc::new(AtomicU64::new(0));
        let connections_dropped = Arc::new(AtomicU64::new(0));
        let bytes = Arc::new(Bytes::default());
        let (f, u, rd, cd, b) = (
            faults.clone(),
            upstream.clone(),
            responses_dropped.clone(),
            connections_dropped.clone(),
            bytes.clone(),
        );
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let target = *u.lock().unwrap();
                let (f, rd, cd, b) = (f.clone(), rd.clone(), cd.clone(), b.clone());
                tokio::spawn(async move {
                    let _ = pipe(client, target, f, rd, cd, b).await;
                });
            }
        });
        Proxy {
            addr,
            faults,
            upstream,
            responses_dropped,
            connections_dropped,
            bytes,
            task,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn set_upstream(&self, addr: SocketAddr) {
        *self.upstream.lock().unwrap() = addr;
    }

    pub fn set_faults(&self, drop_connection_pct: u32, drop_response_pct: u32) {
        self.faults
            .drop_connection_pct
            .store(drop_connection_pct, Ordering::Relaxed);
        self.faults
            .drop_response_pct
            .store(drop_response_pct, Ordering::Relaxed);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Forward both ways, rolling the dice once per request (drop the connection before HQ sees it)
/// and once per answer (let HQ commit, then hang up before the answer reaches the client). Done
/// per request rather than per connection because HTTP clients keep connections alive.
async fn pipe(
    mut client: TcpStream,
    target: SocketAddr,
    faults: Arc<Faults>,
    dropped: Arc<AtomicU64>,
    refused: Arc<AtomicU64>,
    bytes: Arc<Bytes>,
) -> std::io::Result<()> {
    let mut server = TcpStream::connect(target).await?;
    let (mut cr, mut cw) = client.split();
    let (mut sr, mut sw) = server.split();
    let (mut cbuf, mut sbuf) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
    // A request is in flight: the next bytes from HQ start its answer.
    let mut awaiting_answer = false;
    loop {
        tokio::select! {
            n = cr.read(&mut cbuf) => {
                let n = n?;
                if n == 0 {
                    return Ok(());
                }
                if !awaiting_answer && roll(&faults.drop_connection_pct) {
                    refused.fetch_add(1, Ordering::Relaxed);
                    return Ok(());
                }
                awaiting_answer = true;
                sw.write_all(&cbuf[..n]).await?;
                bytes.up.fetch_add(n as u64, Ordering::Relaxed);
            }
            n = sr.read(&mut sbuf) => {
                let n = n?;
                if n == 0 {
                    return Ok(());
                }
                if awaiting_answer && roll(&faults.drop_response_pct) {
                    dropped.fetch_add(1, Ordering::Relaxed);
                    return Ok(());
                }
                awaiting_answer = false;
                cw.write_all(&sbuf[..n]).await?;
                bytes.down.fetch_add(n as u64, Ordering::Relaxed);
            }
        }
    }
}

fn roll(pct: &AtomicU32) -> bool {
    rand::rng().random_range(0..100) < pct.load(Ordering::Relaxed)
}
