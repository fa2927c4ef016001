//! The sync engine: does the HTTP and the store updates around the pure decisions of
//! [`crate::plan`]. One sync = check the whole local chain when that is due (daily), hello
//! (unless this engine had one in the last ten minutes), HQ's head (which says whether
//! reference data or dispatch orders changed), reference data and the inbox when they did, the
//! check of every entry after the head, entries, photos, receipt (carried by the last batch's
//! answer when no photo waits).
//!
//! The live path: when this engine's last sync of the device ended clean within those ten
//! minutes, it knows HQ's head, and a sync with one batch and no photo to send skips the head:
//! the check of what it sends, then one upload whose answer carries the receipt and the news
//! (`?receipt=true&news=true`), then reference data and the inbox if the news says so. That is
//! a patrol's sync every 30 s. An answer that does not settle the sync ([`plan::live_settles`])
//! is not recorded, and the sync goes the usual way.
//!
//! It holds the store only between network calls (through [`StoreAccess`]), so the app can keep
//! recording while a sync waits on the network; it never writes a ledger row.
//!
//! Credentials: [`SyncEngine::enroll`] keeps the HQ address and the device secret in the store's
//! settings, which is what the CLI uses. The app keeps the secret in the OS keystore instead and
//! passes it in with [`SyncEngine::sync_with`]. Either way the store keeps the HQ address the
//! secret was issued for, and a sync refuses, before sending anything, credentials naming any
//! other address: the secret only ever goes to the HQ that issued it.

use crate::client::{self, Failure, Hq, Transport, UploadEncoding};
use crate::plan::{self, BatchLimits, Outcome};
use crate::report::{Progress, SyncReport};
use crate::upload::Uploaded;
use crate::{Error, Result};
use patrol_device::Store;
use patrol_model::DeviceId;
use patrol_model::v1::{self, EnrollRequest, EnrollResponse, Head, Receipt, ReferenceChanges};
use reqwest::Method;
use serde::de::DeserializeOwned;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Knobs of a sync; the defaults suit a phone on a patchy mobile network.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    pub batch: BatchLimits,
    /// Photo bytes per PATCH (HQ takes at most 1 MiB).
    pub chunk_bytes: u64,
    /// Tries of one request before a transient failure ends the sync (reset by any success).
    pub max_attempts: u32,
    /// Failed attempts on the same first entry, with HQ answering, before the queue is stuck.
    pub stuck_after: u32,
    pub backoff_base: Duration,
    pub backoff_cap: Duration,
    /// Whole-request limit, from connecting to the last byte of the answer. Generous: a big
    /// photo chunk or entry batch on a slow link takes its time while bytes keep moving.
    pub timeout: Duration,
    pub connect_timeout: Duration,
    /// How long HQ may send nothing at all before the attempt is given up (a connection HQ
    /// accepted but never answers: a stalled proxy, a dead HQ behind a live load balancer).
    /// Requests with a big body only have [`SyncOptions::timeout`] until HQ starts answering.
    pub silence: Duration,
    /// A city's own certificate authority, PEM (one or more certificates). Empty: HQ's
    /// certificate must chain to the system's trust store. Otherwise it must chain to one of
    /// these and the system's store is not consulted: the device talks to one HQ only, and on
    /// Android the platform verifier cannot take extra roots beside the system's. When empty,
    /// the PEM file named by the `PATROL_HQ_CA` environment variable is used, if set (the CLI
    /// and scripts).
    pub trusted_roots: Vec<Vec<u8>>,
    /// How entry uploads may be compressed: the best of this and what HQ accepts (zstd by
    /// default, then gzip; [`UploadEncoding::Plain`] to compare the bytes).
    pub upload_encoding: UploadEncoding,
    /// Map pack bytes downloaded per sync at most (after the evidence); the rest follows in
    /// the next syncs, resumed where it stopped.
    pub map_pack_per_sync: u64,
    /// How often a sync first checks the whole ledger ([`Store::verify`]: SQLite's own check,
    /// then every entry's hash and link from seq 1). In between, a sync checks the entries it
    /// sends, chained onto the head HQ confirmed ([`Store::verify_after`]), so its cost grows
    /// with what waits and not with months of history.
    pub full_check_every: Duration,
    /// How long an engine trusts HQ's last hello (its protocol, the body encodings it takes)
    /// before asking again; every answer still carries HQ's protocol, and a sync that ends in
    /// any trouble forgets it. `Duration::ZERO` asks every sync.
    pub hello_every: Duration,
}

/// `PATROL_HQ_CA=FILE`: the city's certificate authority (PEM) for an engine whose options
/// name none, so `patrol enroll` and `patrol sync` reach an HQ with a certificate of the city's
/// own CA.
const HQ_CA_ENV: &str = "PATROL_HQ_CA";

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            batch: BatchLimits::default(),
            chunk_bytes: 256 * 1024,
            max_attempts: 6,
            stuck_after: plan::STUCK_AFTER,
            backoff_base: plan::BACKOFF_BASE,
            backoff_cap: plan::BACKOFF_CAP,
            // A 256 KiB photo chunk at 3 KiB/s (a weak 2G link) still fits.
            timeout: Duration::from_secs(120),
            connect_timeout: Duration::from_secs(10),
            silence: Duration::from_secs(15),
            trusted_roots: Vec::new(),
            upload_encoding: UploadEncoding::Zstd,
            map_pack_per_sync: 64 << 20,
            full_check_every: Duration::from_secs(24 * 3600),
            // A patrol syncs every 30 s: one request in six, one round trip on a mobile
            // network, for an answer that changes when HQ is upgraded.
            hello_every: Duration::from_secs(600),
        }
    }
}

/// Brief, exclusive access to the device store. The engine calls it between network calls and
/// never across one, so a sync does not block the officer from saving.
pub trait StoreAccess {
    fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R;
}

impl StoreAccess for Mutex<Store> {
    fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

impl StoreAccess for Mutex<&mut Store> {
    fn with_store<R>(&self, f: impl FnOnce(&mut Store) -> R) -> R {
        f(&mut self
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }
}

/// Where and as whom to sync.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub hq_url: String,
    pub secret: String,
}

impl Credentials {
    /// The enrolment kept in the store's settings (the CLI's way): the secret and the HQ
    /// address it was issued for.
    pub fn from_store(store: &Store) -> Result<Credentials> {
        match (store.enrolled_hq_url()?, store.device_secret()?) {
            (Some(hq_url), Some(secret)) => Ok(Credentials { hq_url, secret }),
            _ => Err(Error::NotEnrolled),
        }
    }
}

/// The device's sync client. Cheap to clone (clones share what they learned of HQ); one per
/// app is enough.
#[derive(Debug, Clone)]
pub struct SyncEngine {
    transport: Transport,
    options: SyncOptions,
    known: Arc<Mutex<Option<KnownHq>>>,
}

/// HQ's last hello, for [`SyncOptions::hello_every`], and where each device's last clean sync
/// left HQ's head for it (the live path, [`Session::upload_live`]; an engine may sync several
/// devices, as `patrol-sim` does).
#[derive(Debug, Clone)]
struct KnownHq {
    base: String,
    at: Instant,
    hello: v1::Hello,
    heads: std::collections::HashMap<DeviceId, Head>,
}

impl SyncEngine {
    pub fn new() -> Result<Self> {
        Self::with_options(SyncOptions::default())
    }

    pub fn with_options(mut options: SyncOptions) -> Result<Self> {
        if options.trusted_roots.is_empty()
            && let Some(path) = std::env::var_os(HQ_CA_ENV).filter(|p| !p.is_empty())
        {
            let pem = std::fs::read(&path).map_err(|e| {
                Error::Network(format!(
                    "cannot read {HQ_CA_ENV}={}: {e}",
                    std::path::Path::new(&path).display()
                ))
            })?;
            options.trusted_roots.push(pem);
        }
        let transport = Transport::new(
            options.silence,
            options.timeout,
            options.connect_timeout,
            &options.trusted_roots,
        )?;
        Ok(Self {
            transport,
            options,
            known: Arc::default(),
        })
    }

    pub fn options(&self) -> &SyncOptions {
        &self.options
    }

    /// Who is at `hq_url`, checking it speaks this device's protocol.
    pub async fn hello(&self, hq_url: &str) -> Result<v1::Hello> {
        let hq = Hq::new(
            self.transport.clone(),
            client::normalize_hq_url(hq_url)?,
            None,
        );
        let hello = client::hello(&hq).await.map_err(Failure::into_error)?;
        if hello.protocol != v1::PROTOCOL {
            return Err(Error::mismatch(hello.protocol));
        }
        Ok(hello)
    }

    /// Redeem a one-time code from the station, keep the enrolment in the store's settings (HQ
    /// address, device name, secret) and download the city's reference data at once, so the
    /// first records carry their cell. Enrolling again replaces the previous enrolment, and is
    /// the one way to move a device to another HQ.
    pub async fn enroll(
        &self,
        store: &impl StoreAccess,
        hq_url: &str,
        code: &str,
    ) -> Result<EnrollResponse> {
        let base = client::normalize_hq_url(hq_url)?;
        self.hello(&base).await?;
        let device_id = store.with_store(|s| s.device_id());
        let request = EnrollRequest {
            code: code.trim().to_owned(),
            device_id,
            app_version: Some(env!("CARGO_PKG_VERSION").to_owned()),
        };
        let hq = Hq::new(self.transport.clone(), base.clone(), None);
        let resp: EnrollResponse = hq
            .send(hq.request(Method::POST, "/api/v1/enroll").json(&request))
            .await
            .map_err(Failure::into_error)?;
        if resp.device_id != device_id {
            return Err(Error::Rejected {
                status: 200,
                code: "wrong_device".into(),
                message: format!(
                    "HQ enrolled device {} but this device is {device_id}",
                    resp.device_id
                ),
            });
        }
        store.with_store(|s| s.save_enrollment(&base, &resp.device_name, &resp.secret))?;
        // The city's grid, posts and groups at once, so the very first records carry their
        // cell and name real posts. HQ without a city yet, or a network that drops now, only
        // postpones it to the first sync: the enrolment stands.
        let creds = Credentials {
            hq_url: base,
            secret: resp.secret.clone(),
        };
        let mut session = self.session(store, &creds, |_| {})?;
        let _ = session.pull_reference().await;
        Ok(resp)
    }

    /// Sync with the enrolment kept in the store.
    pub async fn sync(
        &self,
        store: &impl StoreAccess,
        progress: impl FnMut(Progress),
    ) -> Result<SyncReport> {
        let creds = store.with_store(|s| Credentials::from_store(s))?;
        self.sync_with(store, &creds, progress).await
    }

    /// One whole sync; ends with HQ's receipt. An `Err` means HQ could not be reached or would
    /// not talk to this device; trouble with single entries or photos is in the report.
    ///
    /// `creds.hq_url` must be the address the store says the secret was issued for
    /// ([`Store::enrolled_hq_url`]); anything else is refused with [`Error::WrongHq`] before a
    /// single byte is sent.
    pub async fn sync_with(
        &self,
        store: &impl StoreAccess,
        creds: &Credentials,
        progress: impl FnMut(Progress),
    ) -> Result<SyncReport> {
        self.check_hq(store, creds)?;
        // The whole ledger when its check is due (a broken chain is never synced); otherwise
        // the upload checks what it sends, once HQ has confirmed the head it chains onto.
        let checked = store.with_store(|s| -> Result<_> {
            if !s.full_check_due(self.options.full_check_every)? {
                return Ok(None);
            }
            let report = s.verify()?;
            if let Some(b) = report.broken {
                return Err(Error::ChainBroken(b));
            }
            Ok(Some(report.entries))
        })?;
        let mut session = self.session(store, creds, progress)?;
        if let Some(entries) = checked {
            session.fully_checked = true;
            (session.progress)(Progress::Checked { entries });
        }
        let result = session.run().await;
        let mut known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        match (&result, known.as_mut()) {
            // HQ holds this ledger to its end: the next sync may send straight onto it.
            (Ok(r), Some(k)) if r.is_clean() && k.base == session.base => {
                k.heads.insert(session.device_id, r.receipt.head);
            }
            (Ok(r), _) if r.is_clean() => {}
            // Any trouble, and the next sync asks HQ's hello and head again.
            _ => *known = None,
        }
        drop(known);
        result
    }

    /// Pull this unit's dispatch inbox once, store it and acknowledge it: the live channel of
    /// an open app. With `wait` HQ holds the request until a message arrives (long-poll),
    /// capped below the engine's silence limit.
    pub async fn pull_inbox(
        &self,
        store: &impl StoreAccess,
        creds: &Credentials,
        wait: Duration,
    ) -> Result<InboxPull> {
        self.check_hq(store, creds)?;
        let mut session = self.session(store, creds, |_| {})?;
        let wait = wait.min(self.options.silence.saturating_sub(Duration::from_secs(3)));
        let new_orders = session.pull_inbox(wait.as_secs()).await?;
        Ok(InboxPull {
            new_orders,
            messages: session.inbox_messages,
        })
    }

    /// `creds` must name the HQ the store's secret was issued for.
    fn check_hq(&self, store: &impl StoreAccess, creds: &Credentials) -> Result<()> {
        let base = client::normalize_hq_url(&creds.hq_url)?;
        let enrolled = store
            .with_store(|s| s.enrolled_hq_url())?
            .ok_or(Error::NotEnrolled)?;
        // Compared as checked addresses, so a trailing slash is not a different HQ.
        if client::normalize_hq_url(&enrolled).ok().as_deref() != Some(base.as_str()) {
            return Err(Error::WrongHq {
                enrolled,
                requested: creds.hq_url.clone(),
            });
        }
        Ok(())
    }

    fn session<'a, S: StoreAccess, P: FnMut(Progress)>(
        &'a self,
        store: &'a S,
        creds: &Credentials,
        progress: P,
    ) -> Result<Session<'a, S, P>> {
        let base = client::normalize_hq_url(&creds.hq_url)?;
        let device_id = store.with_store(|s| s.device_id());
        let token = v1::device_token(device_id, &creds.secret);
        Ok(Session {
            known: &self.known,
            base: base.clone(),
            hq: Hq::new(self.transport.clone(), base, Some(token)),
            store,
            options: &self.options,
            progress,
            device_id,
            requests: 0,
            retries: 0,
            problems: Vec::new(),
            new_dispatches: Vec::new(),
            inbox_messages: 0,
            encoding: UploadEncoding::Plain,
            fully_checked: false,
        })
    }
}

/// One sync in progress.
pub(crate) struct Session<'a, S, P> {
    /// The engine's memory of HQ's last hello, and HQ's address it is kept for.
    known: &'a Mutex<Option<KnownHq>>,
    base: String,
    pub hq: Hq,
    pub store: &'a S,
    pub options: &'a SyncOptions,
    pub progress: P,
    pub device_id: DeviceId,
    pub requests: u32,
    pub retries: u32,
    pub problems: Vec<String>,
    /// Dispatch orders new to the device, pulled in this session.
    pub new_dispatches: Vec<patrol_model::DispatchId>,
    /// Inbox messages stored in this session (orders and withdrawals).
    pub inbox_messages: usize,
    /// How uploads go: the best encoding both the options allow and HQ's hello lists.
    pub encoding: UploadEncoding,
    /// This sync began with the whole ledger's check: the upload need not check again.
    pub fully_checked: bool,
}

/// What one pull of the dispatch inbox brought.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxPull {
    /// Orders new to this device (alert the officer).
    pub new_orders: Vec<patrol_model::DispatchId>,
    /// Messages stored, withdrawals included (refresh what the officer sees).
    pub messages: usize,
}

impl<S: StoreAccess, P: FnMut(Progress)> Session<'_, S, P> {
    async fn run(&mut self) -> Result<SyncReport> {
        let (hello, known_head) = match self.recent() {
            Some(known) => known,
            None => {
                let hello: v1::Hello = self
                    .call(|hq| hq.request(Method::GET, "/api/v1/hello"))
                    .await
                    .map_err(Failure::into_error)?;
                if hello.protocol != v1::PROTOCOL {
                    return Err(Error::mismatch(hello.protocol));
                }
                *self.known.lock().unwrap_or_else(PoisonError::into_inner) = Some(KnownHq {
                    base: self.base.clone(),
                    at: Instant::now(),
                    hello: hello.clone(),
                    heads: Default::default(),
                });
                (hello, None)
            }
        };
        self.encoding = self
            .options
            .upload_encoding
            .agreed(&hello.request_encodings);
        (self.progress)(Progress::Connected {
            server: hello.server,
            version: hello.version,
        });
        // A patrol's sync every 30 s sends one segment onto the head its last sync left at HQ:
        // one request, whose answer carries the receipt and the news (the live path). Anything
        // unusual, and the usual way below.
        let live = match known_head {
            Some(head) => self.upload_live(head).await?,
            None => None,
        };
        let (head, mut upload, map_pack) = match live {
            Some(done) => done,
            None => self.upload_usual().await?,
        };
        let photos = self.upload_photos().await?;

        // The receipt names only the photos this device still waits on HQ for (those pending
        // when the photo step began, uploaded by it or not): it does not grow with every photo
        // the device ever took, and is fetched every 30 s of a patrol.
        let device = self.device_id;
        let receipt: Receipt = match upload.receipt.take() {
            Some(r) if photos.asked.is_empty() && photos.uploaded == 0 => r,
            _ => {
                let asked = photos.asked.join(",");
                let path = format!("/api/v1/devices/{device}/receipt");
                self.call(|hq| hq.request_query(Method::GET, &path, &[("photos", &asked)]))
                    .await
                    .map_err(Failure::into_error)?
            }
        };
        (self.progress)(Progress::Receipt {
            head: receipt.head.seq,
        });
        // The base map last: evidence and orders never wait for it.
        if let Some(want) = map_pack {
            self.pull_map_pack(&want).await;
        }
        self.finish(head, upload, photos, receipt)
    }

    /// The usual way: HQ's head first, then what it says changed (reference data, orders),
    /// then the entries after the head. HQ's head before the upload, the upload, and the map
    /// pack to download.
    async fn upload_usual(&mut self) -> Result<(Head, Uploaded, Option<v1::MapPackRef>)> {
        // HQ's head first: it also says whether reference data or dispatch orders wait, so a
        // sync every 30 s of a patrol asks for them only when they changed.
        let device = self.device_id;
        let answer: v1::HeadAnswer = self
            .call(|hq| hq.request(Method::GET, &format!("/api/v1/devices/{device}/head")))
            .await
            .map_err(Failure::into_error)?;
        let head = answer.head;
        // Orders before the uploads: a unit being sent somewhere must not wait for its
        // evidence.
        let map_pack = self.follow_news(answer.news).await?;
        // With no photo waiting (nearly every sync of a patrol), the last batch's answer
        // carries the receipt: nothing the sync does after it can change what HQ holds.
        let no_photos = self
            .store
            .with_store(|s| s.pending_photos().map(|p| p.is_empty()))?;
        let upload = self.upload_entries(head, no_photos).await?;
        Ok((head, upload, map_pack))
    }

    /// Download what HQ's `news` says changed: reference data, then the dispatch inbox. The
    /// map pack HQ offers, to download last. Trouble with the inbox is reported and never
    /// keeps evidence from reaching HQ.
    pub(crate) async fn follow_news(
        &mut self,
        news: Option<v1::SyncNews>,
    ) -> Result<Option<v1::MapPackRef>> {
        let (reference_cursor, inbox_cursor) = self
            .store
            .with_store(|s| -> Result<_> { Ok((s.reference_cursor()?, s.inbox_cursor()?)) })?;
        let wanted = plan::wanted(news.as_ref(), reference_cursor.as_deref(), inbox_cursor);
        let map_pack = if wanted.reference {
            self.pull_reference().await?
        } else {
            news.and_then(|n| n.map_pack)
        };
        if wanted.inbox
            && let Err(e) = self.pull_inbox(0).await
        {
            self.problems
                .push(format!("dispatch inbox not pulled: {e}"));
        }
        Ok(map_pack)
    }

    /// HQ's hello from an earlier sync of this engine, if it was this HQ's and is recent enough
    /// ([`SyncOptions::hello_every`]), with HQ's head for this device as that engine's last
    /// clean sync left it.
    fn recent(&self) -> Option<(v1::Hello, Option<Head>)> {
        let known = self.known.lock().unwrap_or_else(PoisonError::into_inner);
        known
            .as_ref()
            .filter(|k| k.base == self.base && k.at.elapsed() < self.options.hello_every)
            .map(|k| (k.hello.clone(), k.heads.get(&self.device_id).copied()))
    }

    /// Download what changed in the reference data since the stored cursor and save it.
    async fn pull_reference(&mut self) -> Result<Option<v1::MapPackRef>> {
        let cursor = self.store.with_store(|s| s.reference_cursor())?;
        let answer: Result<ReferenceChanges, Failure> = self
            .call(|hq| match &cursor {
                Some(c) => hq.request_query(Method::GET, "/api/v1/reference", &[("cursor", c)]),
                None => hq.request(Method::GET, "/api/v1/reference"),
            })
            .await;
        let changes = match answer {
            Ok(c) => c,
            // HQ has no city yet (`no_city`): nothing to download.
            Err(f) if f.status == Some(404) => return Ok(None),
            Err(f) if f.outcome == Outcome::Rejected => {
                self.problems
                    .push(format!("reference data not updated: {}", f.message));
                return Ok(None);
            }
            Err(f) => return Err(f.into_error()),
        };
        let changed = !(changes.cells.is_empty()
            && changes.posts.is_empty()
            && changes.groups.is_empty()
            && changes.removed.is_empty());
        let map_pack = changes.map_pack.clone();
        if !changed && cursor.as_deref() == Some(changes.cursor.as_str()) {
            return Ok(map_pack);
        }
        let saved = self.store.with_store(|s| -> patrol_device::Result<()> {
            // Without a cursor HQ sent everything: replace, do not merge into a hand import.
            let base = if cursor.is_some() { s.city()? } else { None };
            let city = changes.apply_to(base);
            s.set_city(&city, Some(&changes.cursor))
        });
        match saved {
            Ok(()) => (self.progress)(Progress::Reference {
                cells: changes.cells.len(),
                posts: changes.posts.len(),
                groups: changes.groups.len(),
                removed: changes.removed.len(),
            }),
            // Bad reference data must not keep evidence from reaching HQ.
            Err(patrol_device::Error::Invalid(e)) => self
                .problems
                .push(format!("reference data from HQ not saved: invalid {e}")),
            Err(e) => return Err(e.into()),
        }
        Ok(map_pack)
    }

    /// Send one request, retrying transient failures with backoff and full jitter. Any success
    /// resets the count, so a long sync over a flaky network keeps going while it moves.
    pub(crate) async fn call<T: DeserializeOwned>(
        &mut self,
        make: impl Fn(&Hq) -> reqwest::RequestBuilder,
    ) -> Result<T, Failure> {
        let mut failures = 0u32;
        loop {
            self.requests += 1;
            match self.hq.send(make(&self.hq)).await {
                Ok(v) => return Ok(v),
                Err(f)
                    if f.outcome == Outcome::Transient
                        && failures + 1 < self.options.max_attempts =>
                {
                    let wait = backoff_wait(self.options, failures);
                    failures += 1;
                    self.retries += 1;
                    (self.progress)(Progress::Retrying {
                        attempt: failures,
                        wait,
                        error: f.message.clone(),
                    });
                    tokio::time::sleep(wait).await;
                }
                Err(f) => return Err(f),
            }
        }
    }
}

fn backoff_wait(options: &SyncOptions, attempt: u32) -> Duration {
    plan::backoff_with(
        attempt,
        options.backoff_base,
        options.backoff_cap,
        &mut rand::rng(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The app runs syncs on a multi-threaded runtime: the future must be `Send`.
    #[allow(dead_code)]
    fn sync_future_is_send<'a>(
        engine: &'a SyncEngine,
        store: &'a Mutex<Store>,
    ) -> impl std::future::Future<Output = Result<SyncReport>> + Send + 'a {
        engine.sync(store, |_| {})
    }
}
