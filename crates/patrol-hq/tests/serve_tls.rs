//! The `patrol-hq serve` binary's transport rules, run for real: plain HTTP on a network
//! address is refused with one line saying why, and with certificate files it serves HTTPS and
//! picks up a renewed certificate on SIGHUP without restarting.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, ChildStderr, Command, Stdio};
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::ServerName;

fn hq() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_patrol-hq"));
    c.env_remove("PATROL_HQ_DB").env("RUST_LOG", "info");
    c
}

#[test]
fn plain_http_on_a_network_address_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let out = hq()
        .arg("--data")
        .arg(data.path())
        .args(["serve", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.starts_with("patrol-hq: "))
        .unwrap_or_default();
    assert!(line.contains("refusing to serve plain HTTP"), "{stderr}");
    assert!(line.contains("clear text"), "{stderr}");
    assert!(
        line.contains("--tls-cert") && line.contains("--behind-proxy"),
        "{stderr}"
    );

    // A certificate without its key is a usage error.
    let out = hq()
        .arg("--data")
        .arg(data.path())
        .args(["serve", "--tls-cert", "hq.crt"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

struct Ca(rcgen::CertifiedIssuer<'static, rcgen::KeyPair>);

impl Ca {
    fn new() -> Ca {
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        Ca(
            rcgen::CertifiedIssuer::self_signed(params, rcgen::KeyPair::generate().unwrap())
                .unwrap(),
        )
    }

    fn issue(&self, cert: &Path, key: &Path) {
        let k = rcgen::KeyPair::generate().unwrap();
        let c = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned()])
            .unwrap()
            .signed_by(&k, &self.0)
            .unwrap();
        std::fs::write(cert, c.pem()).unwrap();
        std::fs::write(key, k.serialize_pem()).unwrap();
    }

    /// GET /api/v1/hello over TLS trusting only this authority; the status line, or the error.
    async fn hello(&self, addr: SocketAddr) -> Result<String, std::io::Error> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(self.0.der().clone()).unwrap();
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let tcp = tokio::net::TcpStream::connect(addr).await?;
        let name = ServerName::IpAddress(addr.ip().into());
        let mut tls = TlsConnector::from(Arc::new(config))
            .connect(name, tcp)
            .await?;
        tls.write_all(b"GET /api/v1/hello HTTP/1.1\r\nhost: hq\r\nconnection: close\r\n\r\n")
            .await?;
        let mut out = String::new();
        tls.read_to_string(&mut out).await?;
        Ok(out.lines().next().unwrap_or_default().to_owned())
    }
}

/// Stderr lines until one contains `needle` (HQ says what it did; nothing here sleeps).
fn wait_for(lines: &mut impl Iterator<Item = String>, needle: &str) -> String {
    lines
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("HQ never said `{needle}`"))
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn serves_https_and_reloads_the_certificate_on_sighup() {
    let dir = tempfile::tempdir().unwrap();
    let (cert, key) = (dir.path().join("hq.crt"), dir.path().join("hq.key"));
    let first = Ca::new();
    first.issue(&cert, &key);
    let mut child = Running(
        hq().arg("--data")
            .arg(dir.path())
            .args(["serve", "--listen", "127.0.0.1:0", "--tls-cert"])
            .arg(&cert)
            .arg("--tls-key")
            .arg(&key)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let stderr: ChildStderr = child.0.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines().map_while(Result::ok);
    let serving = wait_for(&mut lines, "serving on https://");
    let addr: SocketAddr = serving
        .split("https://")
        .nth(1)
        .and_then(|s| s.split_whitespace().next())
        .unwrap()
        .parse()
        .unwrap();

    assert!(first.hello(addr).await.unwrap().contains("200"));
    let second = Ca::new();
    assert!(second.hello(addr).await.is_err());

    second.issue(&cert, &key);
    let pid = child.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success()
    );
    wait_for(&mut lines, "TLS certificate reloaded");

    assert!(second.hello(addr).await.unwrap().contains("200"));
    assert!(first.hello(addr).await.is_err());
    assert!(child.0.try_wait().unwrap().is_none(), "HQ kept running");
}
