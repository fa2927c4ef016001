//! HQ's transport security: the certificate HQ serves HTTPS with, reloaded from its files
//! without a restart, and the one rule about listening in plain text.
//!
//! Owns: reading a PEM certificate chain and key ([`TlsFiles`]), the [`CertStore`] that hands
//! every new TLS connection the current certificate (replaced by [`CertStore::reload`], which
//! `patrol-hq serve` calls on SIGHUP), the rustls server configuration built on the aws-lc-rs
//! provider reqwest already brings, [`decide_transport`], the pure decision whether a
//! listener may speak plain HTTP, and [`postgres`], the TLS side of HQ's PostgreSQL connections
//! (`sslmode`). It does not accept connections ([`crate::server`] does).

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

/// HQ's PostgreSQL connections over TLS, as `sslmode` in the URL asks, with libpq's meanings:
///
/// - `disable`: plain TCP.
/// - `prefer` (libpq's default, and so when the URL says nothing): TLS when the server offers
///   it, plain otherwise; the certificate is not checked.
/// - `require`: TLS or no connection; the certificate is not checked (encryption against
///   eavesdroppers, not against a machine in the middle).
/// - `verify-full`: TLS, the certificate chains to `sslrootcert=FILE` (PEM), or to the
///   system's trust store when `sslrootcert=system` or none is given, and names the host.
///
/// `verify-ca` (chain checked, host name not) is refused rather than quietly strengthened or
/// weakened. tokio-postgres knows neither `verify-full` nor `sslrootcert`, so both are taken
/// out of the URL here before it is parsed.
pub mod postgres {
    use super::{TlsError, provider, read};
    use std::path::PathBuf;
    use std::sync::Arc;
    use tokio_postgres::config::SslMode;
    use tokio_postgres_rustls::MakeRustlsConnect;
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::client::danger::{
        HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier,
    };
    use tokio_rustls::rustls::crypto::CryptoProvider;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use tokio_rustls::rustls::{DigitallySignedStruct, SignatureScheme};

    /// What the URL asked for.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub enum Mode {
        Disable,
        Prefer,
        Require,
        /// `None`: the system's trust store.
        VerifyFull {
            root_cert: Option<PathBuf>,
        },
    }

    /// A parsed URL and, unless `sslmode=disable`, the TLS connector to reach it with.
    pub struct PgTls {
        pub config: tokio_postgres::Config,
        pub mode: Mode,
        pub connector: Option<MakeRustlsConnect>,
    }

    impl std::fmt::Debug for PgTls {
        // The config holds the password; the mode says what matters here.
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("PgTls")
                .field("mode", &self.mode)
                .finish_non_exhaustive()
        }
    }

    /// Parse `url` (`postgres://…?sslmode=…` or `host=… sslmode=…`) and build its connector.
    /// Errors never echo the URL: it may hold a password.
    pub fn connector_for(url: &str) -> Result<PgTls, TlsError> {
        let (rest, sslmode, root_cert) = take_tls_params(url);
        let mode = match (sslmode.as_deref(), root_cert) {
            (Some("disable"), _) => Mode::Disable,
            (None | Some("prefer"), _) => Mode::Prefer,
            (Some("require"), _) => Mode::Require,
            (Some("verify-full"), root) => Mode::VerifyFull {
                root_cert: root.filter(|r| r != "system").map(PathBuf::from),
            },
            (Some("verify-ca"), _) => {
                return Err(TlsError::Config(
                    "sslmode=verify-ca is not supported: use verify-full (checks the host name                      too) or require"
                        .into(),
                ));
            }
            (Some(other), _) => {
                return Err(TlsError::Config(format!(
                    "sslmode={other} is not one of disable, prefer, require, verify-full"
                )));
            }
        };
        let mut config: tokio_postgres::Config = rest
            .parse()
            .map_err(|e| TlsError::Config(format!("the PostgreSQL URL is not valid: {e}")))?;
        config.ssl_mode(match mode {
            Mode::Disable => SslMode::Disable,
            Mode::Prefer => SslMode::Prefer,
            Mode::Require | Mode::VerifyFull { .. } => SslMode::Require,
        });
        let connector = match &mode {
            Mode::Disable => None,
            Mode::Prefer | Mode::Require => Some(client_config(Verify::EncryptOnly)?),
            Mode::VerifyFull {
                root_cert: Some(path),
            } => Some(client_config(Verify::Roots(path))?),
            Mode::VerifyFull { root_cert: None } => Some(client_config(Verify::System)?),
        }
        .map(MakeRustlsConnect::new);
        Ok(PgTls {
            config,
            mode,
            connector,
        })
    }

    enum Verify<'a> {
        EncryptOnly,
        Roots(&'a std::path::Path),
        System,
    }

    fn client_config(verify: Verify<'_>) -> Result<rustls::ClientConfig, TlsError> {
        let provider = provider();
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?;
        let config = match verify {
            Verify::EncryptOnly => builder
                .dangerous()
                .with_custom_certificate_verifier(Arc::new(EncryptOnly(provider))),
            Verify::Roots(path) => {
                let pem = read(path)?;
                let mut roots = rustls::RootCertStore::empty();
                for cert in CertificateDer::pem_slice_iter(&pem) {
                    let cert = cert.map_err(|e| TlsError::BadCertificate {
                        path: path.to_owned(),
                        reason: e.to_string(),
                    })?;
                    roots.add(cert).map_err(|e| TlsError::BadCertificate {
                        path: path.to_owned(),
                        reason: e.to_string(),
                    })?;
                }
                if roots.is_empty() {
                    return Err(TlsError::NoCertificate {
                        path: path.to_owned(),
                    });
                }
                builder.with_root_certificates(roots)
            }
            Verify::System => {
                let verifier = rustls_platform_verifier::Verifier::new(provider)
                    .map_err(|e| TlsError::Config(format!("the system trust store: {e}")))?;
                builder
                    .dangerous()
                    .with_custom_certificate_verifier(Arc::new(verifier))
            }
        };
        Ok(config.with_no_client_auth())
    }

    /// Remove `sslmode` and `sslrootcert` from a URL or keyword string; return the rest and
    /// their values.
    fn take_tls_params(url: &str) -> (String, Option<String>, Option<String>) {
        let (mut sslmode, mut root) = (None, None);
        let mut keep = |pair: &str| match pair.split_once('=') {
            Some(("sslmode", v)) => {
                sslmode = Some(v.to_owned());
                false
            }
            Some(("sslrootcert", v)) => {
                root = Some(v.to_owned());
                false
            }
            _ => true,
        };
        let rest = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            match url.split_once('?') {
                Some((base, query)) => {
                    let kept: Vec<&str> = query.split('&').filter(|p| keep(p)).collect();
                    if kept.is_empty() {
                        base.to_owned()
                    } else {
                        format!("{base}?{}", kept.join("&"))
                    }
                }
                None => url.to_owned(),
            }
        } else {
            url.split_whitespace()
                .filter(|p| keep(p))
                .collect::<Vec<_>>()
                .join(" ")
        };
        (rest, sslmode, root)
    }

    /// libpq's `prefer`/`require`: the session is encrypted, the certificate is not checked.
    /// Handshake signatures still are, so the session key is really the server's.
    #[derive(Debug)]
    struct EncryptOnly(Arc<CryptoProvider>);

    impl ServerCertVerifier for EncryptOnly {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.0.signature_verification_algorithms,
            )
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// The storage suite's cluster runs without TLS, so no handshake is tested here: only
        /// that every mode parses and builds its connector (no panic, no provider clash).
        #[test]
        fn sslmode_builds_the_connector_it_names() {
            let base = "postgres://hq:secret@db.example:5432/patrol";
            let t = connector_for(&format!("{base}?sslmode=require")).unwrap();
            assert_eq!(t.mode, Mode::Require);
            assert_eq!(t.config.get_ssl_mode(), SslMode::Require);
            assert!(t.connector.is_some());

            let t = connector_for(&format!("{base}?sslmode=disable")).unwrap();
            assert!(t.connector.is_none());
            assert_eq!(t.config.get_ssl_mode(), SslMode::Disable);

            let t = connector_for(base).unwrap();
            assert_eq!(t.mode, Mode::Prefer);
            assert!(t.connector.is_some());

            let t = connector_for(&format!(
                "{base}?application_name=hq&sslmode=verify-full&sslrootcert=system"
            ))
            .unwrap();
            assert_eq!(t.mode, Mode::VerifyFull { root_cert: None });
            assert_eq!(t.config.get_application_name(), Some("hq"));
            assert_eq!(t.config.get_ssl_mode(), SslMode::Require);

            let t = connector_for("host=db.example user=hq sslmode=require").unwrap();
            assert_eq!(t.mode, Mode::Require);

            // A root file is read when the connector is built: a missing one is named.
            let e = connector_for(&format!(
                "{base}?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem"
            ))
            .unwrap_err()
            .to_string();
            assert!(e.contains("/nonexistent/ca.pem"), "{e}");

            for bad in ["verify-ca", "allow", "yes"] {
                let e = connector_for(&format!("{base}?sslmode={bad}"))
                    .unwrap_err()
                    .to_string();
                assert!(e.contains("sslmode"), "{e}");
                assert!(!e.contains("secret"), "never echo the URL: {e}");
            }
        }
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
