//! The device store: one SQLite file (WAL, `synchronous=FULL`) in the device's data folder, plus
//! photo files named by SHA-256. It owns the ledger and everything beside it (outbox, fix
//! buffer, drafts, reference data). It must never update or delete a ledger row — SQLite
//! triggers refuse it — and says "saved" only after the transaction committed.

mod dispatch;
mod drafts;
mod encrypt;
mod ledger;
mod migrations;
mod outbox;
mod photos;
mod posts;
mod queries;
mod recorder;
mod reference;
pub mod suggest;

pub use dispatch::{DispatchCard, SceneSuggestion};
pub use drafts::Draft;
pub use encrypt::EncryptStep;
pub(crate) use encrypt::sync_dir;
pub use ledger::{Capture, ChainCheck, OutboxCounts, VerifyReport};
pub use migrations::MIGRATIONS;
pub use outbox::{Enrollment, Quarantined, SavedReceipt};
pub use queries::Recent;
pub use recorder::{FixOutcome, FlushPolicy, Started};

use crate::{Clock, Error, KeySource, Result, StoreKey};
use patrol_model::DeviceId;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const DB_FILE: &str = "device.sqlite";

/// What happened when the store was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    /// The previous session did not close the store (crash, kill, battery).
    pub unclean_shutdown: bool,
    /// Integrity and chain check, run after an unclean shutdown.
    pub check: Option<VerifyReport>,
}

/// The device's local store. One per data folder.
#[derive(Debug)]
pub struct Store {
    conn: Connection,
    dir: PathBuf,
    device_id: DeviceId,
    clock: Arc<dyn Clock>,
    open_report: OpenReport,
    flush_policy: FlushPolicy,
    grid: Option<patrol_geo::grid::GridIndex>,
    /// Photo files are sealed with this when the store is encrypted ([`photos`]).
    photo_key: Option<zeroize::Zeroizing<[u8; 32]>>,
}

impl Store {
    /// Open (creating if needed) the store in `dir`, unencrypted (tests and tools; the app and
    /// the CLI use [`Store::open_with_source`]). After an unclean shutdown this runs
    /// `PRAGMA quick_check` and verifies the whole chain; a broken chain is reported in
    /// [`Store::open_report`], never repaired. An encrypted store is refused (`wrong_key`).
    pub fn open(dir: impl AsRef<Path>, clock: Arc<dyn Clock>) -> Result<Store> {
        Self::open_inner(dir.as_ref(), clock, None, None)
    }

    /// Open (creating if needed) the store in `dir`, encrypted with `key` (SQLCipher). A
    /// plaintext store found there is encrypted first, safely (see [`EncryptStep`]); a store
    /// the key does not open is refused with [`Error::WrongKey`] and left untouched.
    pub fn open_encrypted(
        dir: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
        key: &StoreKey,
    ) -> Result<Store> {
        Self::open_inner(dir.as_ref(), clock, Some(key), None)
    }

    /// [`Store::open_encrypted`] with the key from `source`, created there on the first open.
    /// When the folder already holds an encrypted store and `source` has no key, this fails
    /// with [`Error::KeyMissing`] instead of making a new key that could never open it.
    pub fn open_with_source(
        dir: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
        source: &dyn KeySource,
    ) -> Result<Store> {
        let dir = dir.as_ref();
        let key = if Self::is_encrypted(dir)? {
            source.load()?.ok_or(Error::KeyMissing)?
        } else {
            source.load_or_create()?
        };
        Self::open_encrypted(dir, clock, &key)
    }

    /// Whether `dir` holds an encrypted store (a plaintext, empty or missing one is not).
    pub fn is_encrypted(dir: impl AsRef<Path>) -> Result<bool> {
        Ok(encrypt::db_file(&dir.as_ref().join(DB_FILE))? == encrypt::DbFile::Encrypted)
    }

    /// For tests: [`Store::open_encrypted`] that stops, as a crash would, right after `step`
    /// of encrypting a plaintext store.
    #[doc(hidden)]
    pub fn open_encrypted_failing_after(
        dir: impl AsRef<Path>,
        clock: Arc<dyn Clock>,
        key: &StoreKey,
        step: EncryptStep,
    ) -> Result<Store> {
        Self::open_inner(dir.as_ref(), clock, Some(key), Some(step))
    }

    fn open_inner(
        dir: &Path,
        clock: Arc<dyn Clock>,
        key: Option<&StoreKey>,
        fail_after: Option<EncryptStep>,
    ) -> Result<Store> {
        let dir = dir.to_path_buf();
        std::fs::create_dir_all(dir.join("photos")).map_err(|e| Error::io(&dir, e))?;
        for d in [dir.clone(), dir.join("photos")] {
            owner_only(&d, 0o700).map_err(|e| Error::io(&d, e))?;
        }
        let path = dir.join(DB_FILE);
        if let Some(key) = key {
            encrypt::prepare(&dir, key, fail_after)?;
        }
        let mut conn = Connection::open(&path)?;
        // The key first, then one read: a wrong key (or none, for an encrypted store) stops
        // here with `wrong_key`, before anything is written.
        match key {
            Some(key) => encrypt::apply_key(&conn, key)?,
            None => encrypt::check_readable(&conn)?,
        }
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations::apply(&mut conn)?;
        // The database and its WAL hold evidence and the device secret: owner only.
        for name in [
            DB_FILE,
            "device.sqlite-wal",
            "device.sqlite-shm",
            encrypt::ENCRYPTING,
        ] {
            let f = dir.join(name);
            if f.exists() {
                owner_only(&f, 0o600).map_err(|e| Error::io(&f, e))?;
            }
        }

        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let device_id = match get_meta(&tx, "device_id")? {
            Some(s) => s.parse().map_err(Error::Invalid)?,
            None => {
                let id = DeviceId::new();
                set_meta(&tx, "device_id", &id.to_string())?;
                // A new ledger is empty, so wholly intact: its first full check is due a
                // check period from now (the sync checks every entry it sends meanwhile).
                set_meta(&tx, ledger::FULL_CHECK_MS, &clock.wall_ms().to_string())?;
                id
            }
        };
        let unclean = get_meta(&tx, "open")?.is_some_and(|v| v == "1");
        set_meta(&tx, "open", "1")?;
        tx.commit()?;

        let mut store = Store {
            conn,
            dir,
            device_id,
            clock,
            open_report: OpenReport {
                unclean_shutdown: unclean,
                check: None,
            },
            flush_policy: FlushPolicy::default(),
            grid: None,
            photo_key: key.map(StoreKey::photo_key),
        };
        store.grid = store.load_grid()?;
        // Photos kept before the store was encrypted are sealed now, each by an atomic rename.
        store.seal_plain_photos()?;
        if unclean {
            let report = store.verify()?;
            store.open_report.check = Some(report);
        }
        if store
            .open_report
            .check
            .as_ref()
            .is_none_or(|r| r.is_intact())
        {
            // A crash may have left buffered fixes of a patrol that was since stopped; seal them.
            store.flush_stale_buffer()?;
        }
        // Killed or powered off mid-patrol: the silence until the next fix is a restart's.
        if unclean && store.open_patrol()?.is_some() {
            store.note_interruption(patrol_model::GapCause::DeviceRestarted)?;
        }
        Ok(store)
    }

    pub fn device_id(&self) -> DeviceId {
        self.device_id
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn open_report(&self) -> &OpenReport {
        &self.open_report
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn set_flush_policy(&mut self, policy: FlushPolicy) {
        self.flush_policy = policy;
    }

    /// A key/value setting kept with the ledger (HQ address, language, enrolment).
    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        get_meta(&self.conn, &format!("setting.{key}"))
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        set_meta(&self.conn, &format!("setting.{key}"), value)
    }

    /// A write transaction, `IMMEDIATE` so two writers never read the same head seq. It borrows
    /// the connection shared, so store methods can call each other inside it.
    pub(crate) fn write_tx(&self) -> Result<rusqlite::Transaction<'_>> {
        Ok(rusqlite::Transaction::new_unchecked(
            &self.conn,
            rusqlite::TransactionBehavior::Immediate,
        )?)
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        // Mark a clean shutdown. If this never runs (kill, crash), the next open checks the chain.
        let _ = set_meta(&self.conn, "open", "0");
    }
}

/// Restrict `path` to its owner (`mode` 0700 for folders, 0600 for files) on Unix; a no-op
/// elsewhere, where the platform's per-app storage already isolates it.
fn owner_only(path: &Path, mode: u32) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }
    #[cfg(not(unix))]
    {
        let _ = (path, mode);
        Ok(())
    }
}

/// Create (or truncate) a file readable and writable by its owner only.
pub(crate) fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

pub(crate) fn get_meta(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
        .optional()?)
}

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}
