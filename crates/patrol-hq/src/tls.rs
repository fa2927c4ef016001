//! HQ's transport security: the certificate HQ serves HTTPS with, reloaded from its files
//! without a restart, and the one rule about listening in plain text.
//!
//! Owns: reading a PEM certificate chain and key ([`TlsFiles`]), the [`CertStore`] that hands
//! every new TLS connection the current certificate (replaced by [`CertStore::reload`], which
//! `patrol-hq serve` calls on SIGHUP), the rustls server configuration built on the aws-lc-rs
//! provider reqwest already brings, and [`decide_transport`], the pure decision whether a
//! listener may speak plain HTTP. It does not accept connections ([`crate::server`] does).

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use tokio_rustls::rustls;
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;

/// Why a certificate or key could not be used. The message names the file and never holds
/// key material.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    // `error`, not `source`: the message already says it, and a chained source would repeat it.
    #[error("cannot read {}: {error}", path.display())]
    Read {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)", path.display())]
    NoCertificate { path: PathBuf },
    #[error("{} is not a PEM certificate chain: {reason}", path.display())]
    BadCertificate { path: PathBuf, reason: String },
    #[error("{} holds no usable PEM private key: {reason}", path.display())]
    BadKey { path: PathBuf, reason: String },
    #[error("the key in {} does not belong to the certificate in {}: {reason}", key.display(), cert.display())]
    Mismatch {
        cert: PathBuf,
        key: PathBuf,
        reason: String,
    },
    #[error("cannot set up TLS: {0}")]
    Config(String),
}

/// Where HQ's certificate chain (leaf first) and its private key live, both PEM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// The process's one crypto provider: aws-lc-rs, which reqwest's rustls already builds, so HQ
/// carries no second TLS library.
fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn read(path: &Path) -> Result<Vec<u8>, TlsError> {
    std::fs::read(path).map_err(|error| TlsError::Read {
        path: path.to_owned(),
        error,
    })
}

impl TlsFiles {
    /// Read and check both files: the chain parses, the key parses, and the key is the leaf's.
    pub fn load(&self, provider: &CryptoProvider) -> Result<CertifiedKey, TlsError> {
        let cert_pem = read(&self.cert)?;
        let chain = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| TlsError::BadCertificate {
                path: self.cert.clone(),
                reason: e.to_string(),
            })?;
        if chain.is_empty() {
            return Err(TlsError::NoCertificate {
                path: self.cert.clone(),
            });
        }
        let key_pem = read(&self.key)?;
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| TlsError::BadKey {
            path: self.key.clone(),
            reason: e.to_string(),
        })?;
        CertifiedKey::from_der(chain, key, provider).map_err(|e| TlsError::Mismatch {
            cert: self.cert.clone(),
            key: self.key.clone(),
            reason: e.to_string(),
        })
    }
}

/// The certificate HQ presents, swapped in place by [`CertStore::reload`]. Each handshake
/// takes the certificate current at that moment; connections already open keep the one they
/// were made with.
pub struct CertStore {
    files: TlsFiles,
    provider: Arc<CryptoProvider>,
    current: RwLock<Arc<CertifiedKey>>,
}

impl fmt::Debug for CertStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CertStore")
            .field("files", &self.files)
            .finish_non_exhaustive()
    }
}

impl CertStore {
    /// Load `files` once; HQ does not start with a certificate it cannot serve.
    pub fn open(files: TlsFiles) -> Result<Arc<Self>, TlsError> {
        let provider = provider();
        let first = files.load(&provider)?;
        Ok(Arc::new(Self {
            files,
            provider,
            current: RwLock::new(Arc::new(first)),
        }))
    }

    pub fn files(&self) -> &TlsFiles {
        &self.files
    }

    /// Re-read the same files (a renewed certificate). On any error the certificate in use
    /// stays, so a half-copied or mistyped file never takes HQ off the air; the error is
    /// logged and returned.
    pub fn reload(&self) -> Result<(), TlsError> {
        match self.files.load(&self.provider) {
            Ok(next) => {
                *self
                    .current
                    .write()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(next);
                tracing::info!(cert = %self.files.cert.display(), "TLS certificate reloaded");
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, "TLS certificate not reloaded; still serving the previous one");
                Err(e)
            }
        }
    }

    fn current(&self) -> Arc<CertifiedKey> {
        self.current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// The rustls server configuration: HTTP/1.1 only (HQ's hyper speaks nothing else), the
    /// certificate from this store on every handshake.
    pub fn server_config(self: &Arc<Self>) -> Result<Arc<rustls::ServerConfig>, TlsError> {
        let mut config = rustls::ServerConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Resolver(self.clone())));
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }
}

/// rustls asks this for a certificate on every handshake.
#[derive(Debug)]
struct Resolver(Arc<CertStore>);

impl ResolvesServerCert for Resolver {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.current())
    }
}

/// Re-read the certificate each time the process gets SIGHUP (`systemctl reload`,
/// `kill -HUP`), for as long as the process runs.
#[cfg(unix)]
pub fn reload_on_sighup(store: Arc<CertStore>) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut hup = signal(SignalKind::hangup())?;
    tokio::spawn(async move {
        while hup.recv().await.is_some() {
            // A failed reload is logged by `reload` and the old certificate stays.
            let _ = store.reload();
        }
    });
    Ok(())
}

/// How a listener speaks, once [`decide_transport`] allowed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// HTTPS, HQ's own certificate.
    Tls,
    /// Plain HTTP behind a TLS-terminating proxy; the client address comes from
    /// `X-Forwarded-For`.
    BehindProxy,
    /// Plain HTTP on this machine's loopback only: nothing crosses a network.
    LoopbackPlain,
    /// Plain HTTP on a network address, because the operator said `--insecure-http`.
    InsecurePlain,
}

/// Refusal of a plain-HTTP listener on a network address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "refusing to serve plain HTTP on {addr}: device secrets and police evidence would cross the \
     network in clear text; give --tls-cert FILE --tls-key FILE, or run behind a TLS proxy with \
     --behind-proxy (see docs/deploy.md), or listen on 127.0.0.1; --insecure-http overrides this \
     for a closed test network"
)]
pub struct PlainRefused {
    pub addr: SocketAddr,
}

/// Whether HQ may listen on `addr` as configured. Pure, so the rule is tested directly.
pub fn decide_transport(
    addr: SocketAddr,
    tls: bool,
    behind_proxy: bool,
    insecure_http: bool,
) -> Result<Transport, PlainRefused> {
    if tls {
        Ok(Transport::Tls)
    } else if behind_proxy {
        Ok(Transport::BehindProxy)
    } else if addr.ip().is_loopback() {
        Ok(Transport::LoopbackPlain)
    } else if insecure_http {
        Ok(Transport::InsecurePlain)
    } else {
        Err(PlainRefused { addr })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_beyond_loopback_is_refused_unless_said_otherwise() {
        let a = |s: &str| s.parse::<SocketAddr>().unwrap();
        // (address, tls, behind proxy, insecure http, expected)
        let table: &[(&str, bool, bool, bool, Option<Transport>)] = &[
            (
                "127.0.0.1:8787",
                false,
                false,
                false,
                Some(Transport::LoopbackPlain),
            ),
            (
                "127.9.9.9:8787",
                false,
                false,
                false,
                Some(Transport::LoopbackPlain),
            ),
            (
                "[::1]:8787",
                false,
                false,
                false,
                Some(Transport::LoopbackPlain),
            ),
            ("0.0.0.0:8787", false, false, false, None),
            ("[::]:8787", false, false, false, None),
            ("10.0.0.5:8787", false, false, false, None),
            ("[::ffff:127.0.0.1]:8787", false, false, false, None),
            ("0.0.0.0:8443", true, false, false, Some(Transport::Tls)),
            ("127.0.0.1:8443", true, false, false, Some(Transport::Tls)),
            (
                "127.0.0.1:8787",
                false,
                true,
                false,
                Some(Transport::BehindProxy),
            ),
            (
                "10.0.0.5:8787",
                false,
                true,
                false,
                Some(Transport::BehindProxy),
            ),
            (
                "0.0.0.0:8787",
                false,
                false,
                true,
                Some(Transport::InsecurePlain),
            ),
            (
                "127.0.0.1:8787",
                false,
                false,
                true,
                Some(Transport::LoopbackPlain),
            ),
        ];
        for &(addr, tls, proxy, insecure, expected) in table {
            let got = decide_transport(a(addr), tls, proxy, insecure);
            match expected {
                Some(t) => assert_eq!(got, Ok(t), "{addr} tls={tls} proxy={proxy}"),
                None => {
                    let e = got.expect_err(addr).to_string();
                    assert!(e.contains("clear text") && e.contains("--tls-cert"), "{e}");
                    assert!(!e.contains('\n'), "one line: {e}");
                }
            }
        }
    }

    #[test]
    fn unreadable_or_mismatched_files_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let key_a = rcgen::KeyPair::generate().unwrap();
        let key_b = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".into()])
            .unwrap()
            .self_signed(&key_a)
            .unwrap();
        let write = |name: &str, text: &str| {
            let p = dir.path().join(name);
            std::fs::write(&p, text).unwrap();
            p
        };
        let cert_path = write("cert.pem", &cert.pem());
        let key_a_path = write("a.key", &key_a.serialize_pem());
        let key_b_path = write("b.key", &key_b.serialize_pem());
        let empty = write("empty.pem", "");
        let files = |cert: &Path, key: &Path| TlsFiles {
            cert: cert.to_owned(),
            key: key.to_owned(),
        };

        let store = CertStore::open(files(&cert_path, &key_a_path)).unwrap();
        assert!(matches!(
            CertStore::open(files(&cert_path, &key_b_path)),
            Err(TlsError::Mismatch { .. })
        ));
        assert!(matches!(
            CertStore::open(files(&empty, &key_a_path)),
            Err(TlsError::NoCertificate { .. })
        ));
        assert!(matches!(
            CertStore::open(files(&cert_path, &empty)),
            Err(TlsError::BadKey { .. })
        ));
        assert!(matches!(
            CertStore::open(files(&dir.path().join("missing.pem"), &key_a_path)),
            Err(TlsError::Read { .. })
        ));

        // A reload that fails keeps the certificate in use.
        let before = store.current();
        std::fs::write(&cert_path, "not a certificate").unwrap();
        assert!(store.reload().is_err());
        assert!(Arc::ptr_eq(&before, &store.current()));
        assert!(store.server_config().is_ok());
    }
}
