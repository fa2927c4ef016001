//! A TCP proxy on loopback that injects the faults a phone meets on the street: connections
//! refused outright, and — the nasty one — requests that reach HQ and commit while the response
//! never comes back. The upstream address can be switched to follow an HQ that restarts.

use rand::Rng;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Fault rates in percent, changeable while running.
#[derive(Debug, Default)]
pub struct Faults {
    /// Close the client's connection at once.
    pub drop_connection_pct: AtomicU32,
    /// Forward the request, let HQ answer, then close without passing the answer on.
    pub drop_response_pct: AtomicU32,
}

#[derive(Debug)]
pub struct Proxy {
    pub addr: SocketAddr,
    pub faults: Arc<Faults>,
    upstream: Arc<Mutex<SocketAddr>>,
    /// Connections whose response was dropped after HQ answered.
    pub responses_dropped: Arc<AtomicU64>,
    pub connections_dropped: Arc<AtomicU64>,
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
        let (f, u, rd, cd) = (
            faults.clone(),
            upstream.clone(),
            responses_dropped.clone(),
            connections_dropped.clone(),
        );
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let target = *u.lock().unwrap();
                let (drop_conn, drop_resp) = {
                    let mut rng = rand::rng();
                    (
                        rng.random_range(0..100) < f.drop_connection_pct.load(Ordering::Relaxed),
                        rng.random_range(0..100) < f.drop_response_pct.load(Ordering::Relaxed),
                    )
                };
                if drop_conn {
                    cd.fetch_add(1, Ordering::Relaxed);
                    drop(client);
                    continue;
                }
                let rd = rd.clone();
                tokio::spawn(async move {
                    let _ = pipe(client, target, drop_resp, &rd).await;
                });
            }
        });
        Proxy {
            addr,
            faults,
            upstream,
            responses_dropped,
            connections_dropped,
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

async fn pipe(
    mut client: TcpStream,
    target: SocketAddr,
    drop_response: bool,
    dropped: &AtomicU64,
) -> std::io::Result<()> {
    let mut server = TcpStream::connect(target).await?;
    if !drop_response {
        tokio::io::copy_bidirectional(&mut client, &mut server).await?;
        return Ok(());
    }
    // Pass the client's bytes on until HQ starts answering, then hang up on the client.
    let (mut cr, mut cw) = client.split();
    let (mut sr, mut sw) = server.split();
    let forward = async {
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = cr.read(&mut buf).await?;
            if n == 0 {
                return Ok::<_, std::io::Error>(());
            }
            sw.write_all(&buf[..n]).await?;
        }
    };
    let first_answer = async {
        let mut buf = [0u8; 1];
        sr.read(&mut buf).await
    };
    tokio::select! {
        _ = forward => {}
        r = first_answer => {
            if r.is_ok() {
                dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
    let _ = cw.shutdown().await;
    Ok(())
}
