//! SQLite storage, HQ's zero-setup default: one file `hq.sqlite` in the data folder (WAL,
//! `synchronous=FULL`, foreign keys on), schema from the numbered files in
//! `migrations/sqlite/`, tracked by `PRAGMA user_version`. Connections are blocking, so every
//! call runs on tokio's blocking pool. One connection writes, behind one mutex; writes take
//! `BEGIN IMMEDIATE`, so a head check and the insert it guards never interleave with another
//! writer. Reads that write nothing go to a few read-only connections ([`READERS`]): in WAL
//! mode each read sees the last commit and neither waits for the writer nor holds it up, so
//! the command centre's answers and the devices' uploads no longer queue behind each other
//! (and use both cores). A database in memory, or a file SQLite refused WAL for, reads on the
//! writer. A fifth connection, on a thread of its own, copies committed pages from the WAL into
//! the file ([`Checkpointer`]), so no upload's commit pays for the uploads before it.
//!
//! The [`shared`] module holds what both backends must do alike (row decoding, the reference
//! data version counter): `postgres.rs` uses it too, so the two cannot drift apart.

use super::shared::{
    self, CityHeader, DISPATCH_COLUMNS, DeviceRaw, EntryKeyRow, EntryRow, INBOX_COLUMNS,
    KEY_COLUMNS, OperatorRaw, PhotoRaw, RefItem, check_plan, clamp_i64, effective_cursor,
    not_a_track, to_i64,
};
use super::{
    AuditRecord, DayCounts, DeviceRow, DispatchRow, EntryKey, ImportSummary, InboxRow, IngestPlan,
    OperatorRow, PendingEnrollment, PhotoRow, Role, SessionRow, Storage, StorageError,
    StorageResult, StoredEntry, TrackRollup,
};
use async_trait::async_trait;
use patrol_model::v1::{Conflict, EntryProblem, Head, ReferenceChanges};
use patrol_model::{City, DeviceId, DispatchId, EntryKind, Hash, PatrolId};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params, params_from_iter};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The database file inside HQ's data folder.
pub const DB_FILE: &str = "hq.sqlite";

/// `(version, name, sql)`, in order; version N is the file `NNNN_*.sql` in `migrations/sqlite/`.
/// Shipped files are never edited (the storage suite pins their SHA-256).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "0001_hq.sql",
        include_str!("../../migrations/sqlite/0001_hq.sql"),
    ),
    (
        2,
        "0002_photos_per_device.sql",
        include_str!("../../migrations/sqlite/0002_photos_per_device.sql"),
    ),
    (
        3,
        "0003_operators_and_audit.sql",
        include_str!("../../migrations/sqlite/0003_operators_and_audit.sql"),
    ),
    (
        4,
        "0004_city_settings.sql",
        include_str!("../../migrations/sqlite/0004_city_settings.sql"),
    ),
    (
        5,
        "0005_operator_sessions.sql",
        include_str!("../../migrations/sqlite/0005_operator_sessions.sql"),
    ),
    (
        6,
        "0006_track_rollups.sql",
        include_str!("../../migrations/sqlite/0006_track_rollups.sql"),
    ),
    (
        7,
        "0007_dispatch.sql",
        include_str!("../../migrations/sqlite/0007_dispatch.sql"),
    ),
    (
        8,
        "0008_rollups_tangent_plane.sql",
        include_str!("../../migrations/sqlite/0008_rollups_tangent_plane.sql"),
    ),
    (
        9,
        "0009_reports_by_kind_and_time.sql",
        include_str!("../../migrations/sqlite/0009_reports_by_kind_and_time.sql"),
    ),
    (
        10,
        "0010_day_counts.sql",
        include_str!("../../migrations/sqlite/0010_day_counts.sql"),
    ),
    (
        11,
        "0011_lean_entry_indexes.sql",
        include_str!("../../migrations/sqlite/0011_lean_entry_indexes.sql"),
    ),
    (
        12,
        "0012_rebuild_rollups_with_gaps.sql",
        include_str!("../../migrations/sqlite/0012_rebuild_rollups_with_gaps.sql"),
    ),
    (
        13,
        "0013_report_keys_in_the_index.sql",
        include_str!("../../migrations/sqlite/0013_report_keys_in_the_index.sql"),
    ),
    (
        14,
        "0014_supplement_log.sql",
        include_str!("../../migrations/sqlite/0014_supplement_log.sql"),
    ),
    (
        15,
        "0015_entries_checked_by_their_upload.sql",
        include_str!("../../migrations/sqlite/0015_entries_checked_by_their_upload.sql"),
    ),
];

/// Read-only connections beside the writer: three reads run at once (on two cores more would
/// only share them), and a fourth waits for a permit without holding a thread.
pub const READERS: usize = 3;

/// HQ's storage in one SQLite file.
#[derive(Debug, Clone)]
pub struct SqliteStorage {
    conn: Arc<Mutex<Connection>>,
    readers: Option<Arc<Readers>>,
    checkpointer: Option<Arc<Checkpointer>>,
    path: Option<PathBuf>,
}

/// At most one background checkpoint per this much time: the commits in between wait for the
/// next one, so a page written by many commits is copied into the database once per gap.
const CHECKPOINT_GAP: Duration = Duration::from_millis(100);

/// The WAL's size, in pages, at which the writer checkpoints by itself: SQLite's default is
/// 1,000. The [`Checkpointer`] keeps the WAL far below it; this is the safety net should it
/// fall behind.
const WRITER_CHECKPOINT_PAGES: i64 = 16_000;

/// Copies committed pages from the WAL into the database file on a thread and connection of
/// its own, woken by the writer after each of its calls.
///
/// By default SQLite checkpoints inside the commit that takes the WAL past 1,000 pages, so one
/// upload in three paid for copying the pages of the uploads before it (6–8 ms for the commit
/// itself became 20 ms and more). A checkpoint never blocks the writer or a reader in WAL
/// mode, so here it runs beside them, on the other core; the writer keeps its own checkpoint
/// only as a safety net ([`WRITER_CHECKPOINT_PAGES`]). Durability is unchanged: a commit is on
/// disk when the WAL is synced (`synchronous=FULL`), before and after this.
#[derive(Debug)]
struct Checkpointer {
    state: Arc<(Mutex<Wake>, std::sync::Condvar)>,
    thread: Option<std::thread::JoinHandle<()>>,
}

#[derive(Debug, Default)]
struct Wake {
    /// Something was committed since the last checkpoint began.
    dirty: bool,
    /// The storage is gone: the thread ends.
    closed: bool,
}

impl Checkpointer {
    fn start(path: &Path) -> StorageResult<Self> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        let state = Arc::new((Mutex::new(Wake::default()), std::sync::Condvar::new()));
        let shared = Arc::clone(&state);
        let thread = std::thread::Builder::new()
            .name("hq-checkpoint".into())
            .spawn(move || Self::run(&conn, &shared))
            .map_err(|e| StorageError::Backend(format!("cannot start the checkpointer: {e}")))?;
        Ok(Self {
            state,
            thread: Some(thread),
        })
    }

    fn run(conn: &Connection, state: &(Mutex<Wake>, std::sync::Condvar)) {
        let (lock, wake) = state;
        let mut w = lock.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            w = wake
                .wait_while(w, |w| !w.dirty && !w.closed)
                .unwrap_or_else(PoisonError::into_inner);
            if w.closed {
                return;
            }
            w.dirty = false;
            drop(w);
            // PASSIVE: copies what no reader still needs, waits for nobody.
            if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
                tracing::warn!(error = %e, "WAL checkpoint failed; the writer's own checkpoint stays");
            }
            w = lock.lock().unwrap_or_else(PoisonError::into_inner);
            w = wake
                .wait_timeout_while(w, CHECKPOINT_GAP, |w| !w.closed)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// Something was committed: checkpoint soon.
    fn poke(&self) {
        let (lock, wake) = &*self.state;
        let mut w = lock.lock().unwrap_or_else(PoisonError::into_inner);
        if !w.dirty {
            w.dirty = true;
            wake.notify_one();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, wake) = &*self.state;
        lock.lock().unwrap_or_else(PoisonError::into_inner).closed = true;
        wake.notify_one();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The idle read-only connections, and a permit per connection: a read waits (asynchronously)
/// for a permit, so it always finds one idle.
#[derive(Debug)]
struct Readers {
    idle: Mutex<Vec<Connection>>,
    permits: Arc<tokio::sync::Semaphore>,
}

/// A reader taken from the pool, put back when dropped (after a panic too).
struct Lent<'a> {
    pool: &'a Readers,
    conn: Option<Connection>,
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(c) = self.conn.take() {
            self.pool
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(c);
        }
    }
}

impl Readers {
    /// `n` read-only connections to the WAL database at `path`.
    fn open(path: &Path, n: usize) -> StorageResult<Self> {
        use rusqlite::OpenFlags;
        let mut idle = Vec::with_capacity(n);
        for _ in 0..n {
            let c = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            c.busy_timeout(Duration::from_secs(10))?;
            c.pragma_update(None, "cache_size", -32768)?;
            idle.push(c);
        }
        Ok(Self {
            idle: Mutex::new(idle),
            permits: Arc::new(tokio::sync::Semaphore::new(n)),
        })
    }
}

impl SqliteStorage {
    /// Open (creating the folder and file if needed) `dir/hq.sqlite` and bring its schema up to
    /// date, so the store is ready to use; [`Storage::migrate`] is then a no-op.
    pub fn open(dir: &Path) -> StorageResult<Self> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StorageError::Backend(format!(
                "cannot create the data folder {}: {e}",
                dir.display()
            ))
        })?;
        let path = dir.join(DB_FILE);
        let conn = Connection::open(&path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        let mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
        let wal = mode.eq_ignore_ascii_case("wal");
        if !wal {
            tracing::warn!(path = %path.display(), mode, "SQLite refused WAL journal mode");
        }
        let mut store = Self::setup(conn, Some(path.clone()))?;
        // Opened after the migrations, so every reader sees the schema they made. Without WAL
        // a reader would block the writer: reads then stay on the writer.
        if wal {
            store.readers = Some(Arc::new(Readers::open(&path, READERS)?));
            store
                .conn
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pragma_update(None, "wal_autocheckpoint", WRITER_CHECKPOINT_PAGES)?;
            store.checkpointer = Some(Arc::new(Checkpointer::start(&path)?));
        }
        Ok(store)
    }

    /// A private in-memory database, for tests.
    pub fn open_in_memory() -> StorageResult<Self> {
        Self::setup(Connection::open_in_memory()?, None)
    }

    fn setup(mut conn: Connection, path: Option<PathBuf>) -> StorageResult<Self> {
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // 64 MiB of page cache instead of SQLite's 2: a city's file is gigabytes, and the
        // command centre's answers walk its indexes (300 devices' day: coverage 35 → 25 ms p95,
        // /units 11 → 9 ms; ingest unchanged). HQ holds one connection, so this is all of it.
        conn.pragma_update(None, "cache_size", -65536)?;
        apply_migrations(&mut conn)?;
        Ok(Self {
            conn: Arc::new(Mutex::new(conn)),
            readers: None,
            checkpointer: None,
            path,
        })
    }

    /// Cap the database at about `bytes` (SQLite's `max_page_count`): past it every write fails
    /// as a full disk would — `StorageError::Full`, nothing half-stored — so an operator can
    /// keep HQ from filling the disk other services need, and tests can fill it on purpose.
    pub fn set_max_bytes(&self, bytes: u64) -> StorageResult<()> {
        let conn = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        let page: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
        let pages = (i64::try_from(bytes).unwrap_or(i64::MAX) / page.max(512)).max(1);
        let _: i64 = conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
            r.get(0)
        })?;
        Ok(())
    }

    /// The database file (`None` in memory).
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Run `f` on the connection on tokio's blocking pool.
    async fn call<T, F>(&self, f: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StorageResult<T> + Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        let checkpointer = self.checkpointer.clone();
        tokio::task::spawn_blocking(move || {
            // A panic mid-call rolled its transaction back when it unwound; the connection
            // itself is still sound.
            let mut conn = conn.lock().unwrap_or_else(PoisonError::into_inner);
            let done = f(&mut conn);
            drop(conn);
            if let Some(c) = checkpointer {
                c.poke();
            }
            done
        })
        .await
        .map_err(|e| StorageError::Backend(format!("storage task failed: {e}")))?
    }

    /// Run `f`, which only reads, on an idle read-only connection (on the writer when there are
    /// none). It sees everything committed before it started.
    async fn read<T, F>(&self, f: F) -> StorageResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> StorageResult<T> + Send + 'static,
    {
        let Some(readers) = &self.readers else {
            return self.call(f).await;
        };
        let readers = Arc::clone(readers);
        let permit = Arc::clone(&readers.permits)
            .acquire_owned()
            .await
            .map_err(|e| StorageError::Backend(format!("storage readers closed: {e}")))?;
        tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let conn = readers
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop()
                .expect("a reader permit is held, so a reader is idle");
            let mut lent = Lent {
                pool: &readers,
                conn: Some(conn),
            };
            f(lent.conn.as_mut().expect("lent until dropped"))
        })
        .await
        .map_err(|e| StorageError::Backend(format!("storage task failed: {e}")))?
    }
}

fn apply_migrations(conn: &mut Connection) -> StorageResult<()> {
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    for (version, name, sql) in MIGRATIONS {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if current > known {
            return Err(shared::schema_too_new(current, known));
        }
        if current >= *version {
            continue;
        }
        tx.execute_batch(sql)
            .map_err(|e| StorageError::Backend(format!("migration {name} failed: {e}")))?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

const ENTRY_COLUMNS: &str = "device_id, seq, id, kind, wall_ms, mono_ms, gnss_ms, cell, payload, \
     prev_hash, hash, received_ms, event_ms, patrol_id, flags, quarantine_code, quarantine_reason";
const DEVICE_COLUMNS: &str = "id, name, secret_hash, status, enrolled_ms, revoked_ms, head_seq, \
     head_hash, last_seen_ms, skew_ms";
const PHOTO_COLUMNS: &str = "sha256, size, mime, device_id, received_bytes, complete";
const OPERATOR_COLUMNS: &str = "token_hash, name, role, created_ms, expires_ms, revoked_ms";

const SESSION_COLUMNS: &str =
    "session_hash, operator_hash, created_ms, expires_ms, ended_ms, address";

/// Ids as a JSON array, for `IN (SELECT value FROM json_each(?))`.
fn json_ids(ids: &[DispatchId]) -> String {
    serde_json::to_string(&ids.iter().map(ToString::to_string).collect::<Vec<_>>())
        .expect("strings serialize")
}

fn dispatch_raw(r: &Row<'_>) -> rusqlite::Result<shared::DispatchRaw> {
    Ok(shared::DispatchRaw {
        id: r.get(0)?,
        kind: r.get(1)?,
        tier: r.get(2)?,
        lat: r.get(3)?,
        lon: r.get(4)?,
        radius_m: r.get(5)?,
        address: r.get(6)?,
        note: r.get(7)?,
        source_device: r.get(8)?,
        source_seq: r.get(9)?,
        call_ms: r.get(10)?,
        created_ms: r.get(11)?,
        created_by: r.get(12)?,
        closed_ms: r.get(13)?,
        closed_reason: r.get(14)?,
    })
}

fn inbox_raw(r: &Row<'_>) -> rusqlite::Result<shared::InboxRaw> {
    Ok(shared::InboxRaw {
        device_id: r.get(0)?,
        seq: r.get(1)?,
        dispatch_id: r.get(2)?,
        message: r.get(3)?,
        reason: r.get(4)?,
        created_ms: r.get(5)?,
        last_sent_ms: r.get(6)?,
        resends: r.get(7)?,
        delivered_ms: r.get(8)?,
    })
}

fn session_raw(r: &Row<'_>) -> rusqlite::Result<shared::SessionRaw> {
    Ok(shared::SessionRaw {
        session_hash: r.get(0)?,
        operator_hash: r.get(1)?,
        created_ms: r.get(2)?,
        expires_ms: r.get(3)?,
        ended_ms: r.get(4)?,
        address: r.get(5)?,
    })
}

const ROLLUP_COLUMNS: &str = "device_id, patrol_id, day, tz, gate_m, metres, last_t, last_lat, last_lon, dirty, fixes, \
     first_lat, first_lon, any_lat, any_lon, presence, grid_key";

fn rollup_row(r: &Row<'_>) -> rusqlite::Result<shared::RollupRaw> {
    Ok(shared::RollupRaw {
        device_id: r.get(0)?,
        patrol_id: r.get(1)?,
        day: r.get(2)?,
        tz: r.get(3)?,
        gate_m: r.get(4)?,
        metres: r.get(5)?,
        last_t: r.get(6)?,
        last_lat: r.get(7)?,
        last_lon: r.get(8)?,
        dirty: r.get(9)?,
        fixes: r.get(10)?,
        first_lat: r.get(11)?,
        first_lon: r.get(12)?,
        any_lat: r.get(13)?,
        any_lon: r.get(14)?,
        presence: r.get(15)?,
        grid_key: r.get(16)?,
    })
}

fn counts_row(r: &Row<'_>) -> rusqlite::Result<shared::CountsRaw> {
    Ok(shared::CountsRaw {
        device_id: r.get(0)?,
        day: r.get(1)?,
        tz: r.get(2)?,
        counts: r.get(3)?,
    })
}

/// Insert or replace report-count rows inside `tx`.
fn upsert_counts(tx: &rusqlite::Transaction<'_>, rows: &[DayCounts]) -> StorageResult<()> {
    let mut stmt = tx.prepare_cached(
        "INSERT INTO day_counts (device_id, day, tz, counts) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (device_id, day) DO UPDATE SET tz = excluded.tz, counts = excluded.counts",
    )?;
    for r in rows {
        stmt.execute(params![
            r.device_id.to_string(),
            r.day.to_string(),
            r.tz,
            shared::counts_json(r)
        ])?;
    }
    Ok(())
}

/// Insert or replace rollup rows inside `tx`.
fn upsert_rollups(tx: &rusqlite::Transaction<'_>, rows: &[TrackRollup]) -> StorageResult<()> {
    let mut stmt = tx.prepare_cached(&format!(
        "INSERT INTO track_rollups ({ROLLUP_COLUMNS})
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
         ON CONFLICT (device_id, patrol_id, day) DO UPDATE SET tz = excluded.tz,
           gate_m = excluded.gate_m, metres = excluded.metres, last_t = excluded.last_t,
           last_lat = excluded.last_lat, last_lon = excluded.last_lon, dirty = excluded.dirty,
           fixes = excluded.fixes, first_lat = excluded.first_lat, first_lon = excluded.first_lon,
           any_lat = excluded.any_lat, any_lon = excluded.any_lon, presence = excluded.presence,
           grid_key = excluded.grid_key"
    ))?;
    for r in rows {
        stmt.execute(params![
            r.device_id.to_string(),
            r.patrol_id.to_string(),
            r.day.to_string(),
            r.tz,
            r.gate_m,
            r.metres,
            r.last_t,
            r.last_gated.map(|p| p.lat),
            r.last_gated.map(|p| p.lon),
            r.dirty,
            i64::try_from(r.fixes).unwrap_or(i64::MAX),
            r.first_gated.map(|p| p.lat),
            r.first_gated.map(|p| p.lon),
            r.last_any.map(|p| p.lat),
            r.last_any.map(|p| p.lon),
            serde_json::to_string(&r.presence).unwrap_or_else(|_| "{}".into()),
            r.grid_key
        ])?;
    }
    Ok(())
}

fn operator_raw(r: &Row<'_>) -> rusqlite::Result<OperatorRaw> {
    Ok(OperatorRaw {
        token_hash: r.get(0)?,
        name: r.get(1)?,
        role: r.get(2)?,
        created_ms: r.get(3)?,
        expires_ms: r.get(4)?,
        revoked_ms: r.get(5)?,
    })
}

fn entry_row(r: &Row<'_>) -> rusqlite::Result<EntryRow> {
    Ok(EntryRow {
        device_id: r.get(0)?,
        seq: r.get(1)?,
        id: r.get(2)?,
        kind: r.get(3)?,
        wall_ms: r.get(4)?,
        mono_ms: r.get(5)?,
        gnss_ms: r.get(6)?,
        cell: r.get(7)?,
        payload: r.get(8)?,
        prev_hash: r.get(9)?,
        hash: r.get(10)?,
        received_ms: r.get(11)?,
        event_ms: r.get(12)?,
        patrol_id: r.get(13)?,
        flags: r.get(14)?,
        quarantine_code: r.get(15)?,
        quarantine_reason: r.get(16)?,
    })
}

fn device_raw(r: &Row<'_>) -> rusqlite::Result<DeviceRaw> {
    Ok(DeviceRaw {
        id: r.get(0)?,
        name: r.get(1)?,
        secret_hash: r.get(2)?,
        status: r.get(3)?,
        enrolled_ms: r.get(4)?,
        revoked_ms: r.get(5)?,
        head_seq: r.get(6)?,
        head_hash: r.get(7)?,
        last_seen_ms: r.get(8)?,
        skew_ms: r.get(9)?,
    })
}

fn photo_raw(r: &Row<'_>) -> rusqlite::Result<PhotoRaw> {
    Ok(PhotoRaw {
        sha256: r.get(0)?,
        size: r.get(1)?,
        mime: r.get(2)?,
        device_id: r.get(3)?,
        received_bytes: r.get(4)?,
        complete: r.get::<_, i64>(5)? != 0,
    })
}

fn query_entries(
    conn: &Connection,
    where_order: &str,
    args: Vec<Value>,
) -> StorageResult<Vec<StoredEntry>> {
    let sql = format!("SELECT {ENTRY_COLUMNS} FROM entries {where_order}");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map(params_from_iter(args), entry_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    rows.into_iter().map(EntryRow::into_stored).collect()
}

/// The kinds of an [`Storage::entries_between`] (`?3…`). Without track segments it says so
/// literally, so the partial index `entries_kind_event` applies: each kind's entries of the
/// window, never every one of that kind ever stored.
fn between_filter(kinds: Option<&[Value]>) -> String {
    let Some(ks) = kinds else {
        return String::new();
    };
    let tracks = Value::Text(EntryKind::TrackSegment.as_str().into());
    let skip = if ks.contains(&tracks) {
        ""
    } else {
        " AND kind <> 'track_segment'"
    };
    format!("AND kind IN ({}){skip}", placeholders(3, ks.len()))
}

/// [`Storage::entry_keys_between`]'s query (`?1..?2` the window, `?3…` the kinds): read from
/// the covering index `entries_kind_event` (0013) alone, never from the table's rows.
fn keys_sql(kinds: &[Value]) -> String {
    format!(
        "SELECT {KEY_COLUMNS} FROM entries
         WHERE event_ms >= ?1 AND event_ms < ?2 {} AND quarantine_code IS NULL",
        between_filter(Some(kinds))
    )
}

/// A device's newest entry of a window (`?1` device, `?2..?3` the window, `?4` the kind if
/// any). One indexed look per device, newest first: the primary key walked backwards (a track
/// segment is nearly every entry), or `entries_kind` for any other kind (its partial condition
/// said literally, see [`not_a_track`]).
fn latest_sql(kind: Option<EntryKind>) -> String {
    let filter = kind.map_or(String::new(), |k| {
        format!("AND kind = ?4 {}", not_a_track(k))
    });
    format!(
        "SELECT {ENTRY_COLUMNS} FROM entries
         WHERE device_id = ?1 AND event_ms >= ?2 AND event_ms < ?3 {filter}
         ORDER BY seq DESC LIMIT 1"
    )
}

/// `?first, ?first+1, …` for an `IN (…)` list of `n` values.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn get_device(conn: &Connection, id: DeviceId) -> StorageResult<Option<DeviceRow>> {
    conn.query_row(
        &format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = ?1"),
        [id.to_string()],
        device_raw,
    )
    .optional()?
    .map(DeviceRaw::into_row)
    .transpose()
}

fn get_photo(conn: &Connection, sha256: &str) -> StorageResult<Option<PhotoRow>> {
    conn.query_row(
        &format!("SELECT {PHOTO_COLUMNS} FROM photos WHERE sha256 = ?1"),
        [sha256],
        photo_raw,
    )
    .optional()?
    .map(PhotoRaw::into_row)
    .transpose()
}

fn get_upload(
    conn: &Connection,
    device: DeviceId,
    sha256: &str,
) -> StorageResult<Option<PhotoRow>> {
    conn.query_row(
        "SELECT sha256, size, mime, device_id, received_bytes, 0 FROM photo_uploads
         WHERE device_id = ?1 AND sha256 = ?2",
        params![device.to_string(), sha256],
        photo_raw,
    )
    .optional()?
    .map(PhotoRaw::into_row)
    .transpose()
}

fn delete_upload(conn: &Connection, device: DeviceId, sha256: &str) -> StorageResult<()> {
    // Chunks go with it (ON DELETE CASCADE).
    conn.execute(
        "DELETE FROM photo_uploads WHERE device_id = ?1 AND sha256 = ?2",
        params![device.to_string(), sha256],
    )?;
    Ok(())
}

fn concat_chunks(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> StorageResult<Vec<u8>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let mut out = Vec::new();
    let mut rows = stmt.query(args)?;
    while let Some(r) = rows.next()? {
        out.extend_from_slice(&r.get::<_, Vec<u8>>(0)?);
    }
    Ok(out)
}

fn load_reference(
    conn: &Connection,
    min_version: i64,
    with_deleted: bool,
) -> StorageResult<(Option<CityHeader>, Vec<RefItem>)> {
    let header = conn
        .query_row(
            "SELECT name, timezone, version, counter, settings FROM reference_city WHERE id = 1",
            [],
            |r| {
                Ok(CityHeader {
                    name: r.get(0)?,
                    timezone: r.get(1)?,
                    version: r.get(2)?,
                    counter: r.get(3)?,
                    settings: r.get(4)?,
                })
            },
        )
        .optional()?;
    let mut stmt = conn.prepare_cached(
        "SELECT kind, id, body, version, deleted FROM reference_items
         WHERE version > ?1 AND (?2 OR deleted = 0) ORDER BY kind, id",
    )?;
    let items = stmt
        .query_map(params![min_version, with_deleted], |r| {
            Ok(RefItem {
                kind: r.get(0)?,
                id: r.get(1)?,
                body: r.get(2)?,
                version: r.get(3)?,
                deleted: r.get::<_, i64>(4)? != 0,
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((header, items))
}

#[async_trait]
impl Storage for SqliteStorage {
    async fn migrate(&self) -> StorageResult<()> {
        self.call(apply_migrations).await
    }

    async fn create_enrollment(
        &self,
        code_hash: &str,
        name: &str,
        now_ms: i64,
        expires_ms: i64,
    ) -> StorageResult<()> {
        let (code_hash, name) = (code_hash.to_owned(), name.to_owned());
        self.call(move |c| {
            c.execute(
                "INSERT INTO enrollment_codes (code_hash, name, created_ms, expires_ms)
                 VALUES (?1, ?2, ?3, ?4)",
                params![code_hash, name, now_ms, expires_ms],
            )?;
            Ok(())
        })
        .await
    }

    async fn redeem_enrollment(
        &self,
        code_hash: &str,
        device_id: DeviceId,
        secret_hash: &str,
        now_ms: i64,
    ) -> StorageResult<DeviceRow> {
        let (code_hash, secret_hash) = (code_hash.to_owned(), secret_hash.to_owned());
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let code: Option<(String, i64, Option<i64>)> = tx
                .query_row(
                    "SELECT name, expires_ms, used_ms FROM enrollment_codes WHERE code_hash = ?1",
                    [&code_hash],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let name = shared::redeemable(code, now_ms)?;
            if get_device(&tx, device_id)?.is_some() {
                return Err(StorageError::DeviceExists(device_id));
            }
            tx.execute(
                "UPDATE enrollment_codes SET used_ms = ?1, device_id = ?2 WHERE code_hash = ?3",
                params![now_ms, device_id.to_string(), code_hash],
            )?;
            let row = shared::new_device(device_id, name, secret_hash, now_ms);
            tx.execute(
                "INSERT INTO devices (id, name, secret_hash, status, enrolled_ms, head_seq,
                                      head_hash, skew_ms)
                 VALUES (?1, ?2, ?3, 'active', ?4, 0, ?5, 0)",
                params![
                    device_id.to_string(),
                    row.name,
                    row.secret_hash,
                    now_ms,
                    Hash::GENESIS.0.to_vec()
                ],
            )?;
            tx.commit()?;
            Ok(row)
        })
        .await
    }

    async fn pending_enrollments(&self, now_ms: i64) -> StorageResult<Vec<PendingEnrollment>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT name, created_ms, expires_ms FROM enrollment_codes
                 WHERE used_ms IS NULL AND expires_ms > ?1
                 ORDER BY created_ms, name, code_hash",
            )?;
            let rows = stmt
                .query_map([now_ms], |r| {
                    Ok(PendingEnrollment {
                        name: r.get(0)?,
                        created_ms: r.get(1)?,
                        expires_ms: r.get(2)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn cancel_enrollment(&self, code_hash: &str, now_ms: i64) -> StorageResult<bool> {
        let code_hash = code_hash.to_owned();
        self.call(move |c| {
            let n = c.execute(
                "UPDATE enrollment_codes SET expires_ms = ?2
                 WHERE code_hash = ?1 AND used_ms IS NULL AND expires_ms > ?2",
                params![code_hash, now_ms],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn device(&self, id: DeviceId) -> StorageResult<Option<DeviceRow>> {
        self.read(move |c| get_device(c, id)).await
    }

    async fn devices(&self) -> StorageResult<Vec<DeviceRow>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_ms, id"
            ))?;
            let raws = stmt
                .query_map([], device_raw)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            raws.into_iter().map(DeviceRaw::into_row).collect()
        })
        .await
    }

    async fn revoke_device(&self, id: DeviceId, now_ms: i64) -> StorageResult<bool> {
        self.call(move |c| {
            let n = c.execute(
                "UPDATE devices SET status = 'revoked', revoked_ms = COALESCE(revoked_ms, ?2)
                 WHERE id = ?1",
                params![id.to_string(), now_ms],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn add_operator_with(
        &self,
        name: &str,
        token_hash: &str,
        role: Role,
        expires_ms: Option<i64>,
        now_ms: i64,
    ) -> StorageResult<()> {
        let (name, token_hash) = (name.to_owned(), token_hash.to_owned());
        self.call(move |c| {
            c.execute(
                "INSERT INTO operators (token_hash, name, created_ms, role, expires_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (token_hash) DO UPDATE SET name = excluded.name",
                params![token_hash, name, now_ms, role.as_str(), expires_ms],
            )?;
            Ok(())
        })
        .await
    }

    async fn operator(&self, token_hash: &str) -> StorageResult<Option<OperatorRow>> {
        let token_hash = token_hash.to_owned();
        self.read(move |c| {
            c.query_row(
                &format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE token_hash = ?1"),
                [token_hash],
                operator_raw,
            )
            .optional()?
            .map(OperatorRaw::into_row)
            .transpose()
        })
        .await
    }

    async fn operators(&self) -> StorageResult<Vec<OperatorRow>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {OPERATOR_COLUMNS} FROM operators ORDER BY created_ms, token_hash"
            ))?;
            let raws = stmt
                .query_map([], operator_raw)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            raws.into_iter().map(OperatorRaw::into_row).collect()
        })
        .await
    }

    async fn revoke_operator(
        &self,
        id_prefix: &str,
        now_ms: i64,
    ) -> StorageResult<Option<OperatorRow>> {
        let prefix = shared::operator_prefix(id_prefix)?;
        let shown = id_prefix.to_owned();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let raws = {
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT {OPERATOR_COLUMNS} FROM operators WHERE substr(token_hash, 1, ?2) = ?1"
                ))?;
                stmt.query_map(params![prefix, prefix.len() as i64], operator_raw)?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            };
            let Some(raw) = shared::one_operator(&shown, raws)? else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE operators SET revoked_ms = COALESCE(revoked_ms, ?2) WHERE token_hash = ?1",
                params![raw.token_hash, now_ms],
            )?;
            let row = tx
                .query_row(
                    &format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE token_hash = ?1"),
                    [&raw.token_hash],
                    operator_raw,
                )?
                .into_row()?;
            tx.commit()?;
            Ok(Some(row))
        })
        .await
    }

    async fn create_session(
        &self,
        session_hash: &str,
        operator_token_hash: &str,
        created_ms: i64,
        expires_ms: i64,
        address: Option<&str>,
    ) -> StorageResult<()> {
        let (session_hash, operator_hash) =
            (session_hash.to_owned(), operator_token_hash.to_owned());
        let address = address.map(str::to_owned);
        self.call(move |c| {
            c.execute(
                "INSERT INTO operator_sessions
                   (session_hash, operator_hash, created_ms, expires_ms, address)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![session_hash, operator_hash, created_ms, expires_ms, address],
            )?;
            Ok(())
        })
        .await
    }

    async fn session(
        &self,
        session_hash: &str,
    ) -> StorageResult<Option<(SessionRow, OperatorRow)>> {
        let session_hash = session_hash.to_owned();
        self.read(move |c| {
            let Some(raw) = c
                .query_row(
                    &format!(
                        "SELECT {SESSION_COLUMNS} FROM operator_sessions WHERE session_hash = ?1"
                    ),
                    [&session_hash],
                    session_raw,
                )
                .optional()?
            else {
                return Ok(None);
            };
            let op = c
                .query_row(
                    &format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE token_hash = ?1"),
                    [&raw.operator_hash],
                    operator_raw,
                )?
                .into_row()?;
            Ok(Some((raw.into_row(), op)))
        })
        .await
    }

    async fn end_session(
        &self,
        hash_prefix: &str,
        now_ms: i64,
    ) -> StorageResult<Option<SessionRow>> {
        let prefix = shared::session_prefix(hash_prefix)?;
        let shown = hash_prefix.to_owned();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let raws = {
                let mut stmt = tx.prepare_cached(&format!(
                    "SELECT {SESSION_COLUMNS} FROM operator_sessions
                     WHERE substr(session_hash, 1, ?2) = ?1"
                ))?;
                stmt.query_map(params![prefix, prefix.len() as i64], session_raw)?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            };
            let Some(mut raw) = shared::one_session(&shown, raws)? else {
                return Ok(None);
            };
            tx.execute(
                "UPDATE operator_sessions SET ended_ms = COALESCE(ended_ms, ?2)
                 WHERE session_hash = ?1",
                params![raw.session_hash, now_ms],
            )?;
            tx.commit()?;
            raw.ended_ms = raw.ended_ms.or(Some(now_ms));
            Ok(Some(raw.into_row()))
        })
        .await
    }

    async fn sessions(&self, now_ms: i64) -> StorageResult<Vec<SessionRow>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {SESSION_COLUMNS} FROM operator_sessions
                 WHERE ended_ms IS NULL AND expires_ms > ?1
                 ORDER BY created_ms, session_hash"
            ))?;
            let rows = stmt
                .query_map([now_ms], session_raw)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows.into_iter().map(shared::SessionRaw::into_row).collect())
        })
        .await
    }

    async fn device_rollups(
        &self,
        device: DeviceId,
        patrols: &[PatrolId],
    ) -> StorageResult<Vec<TrackRollup>> {
        let ids: Vec<String> = patrols.iter().map(ToString::to_string).collect();
        self.read(move |c| {
            let mut out = Vec::new();
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {ROLLUP_COLUMNS} FROM track_rollups WHERE device_id = ?1 AND patrol_id = ?2"
            ))?;
            for p in &ids {
                for raw in stmt.query_map(params![device.to_string(), p], rollup_row)? {
                    out.push(raw?.into_row()?);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn patrol_rollups(&self, patrols: &[PatrolId]) -> StorageResult<Vec<TrackRollup>> {
        let args: Vec<Value> = patrols.iter().map(|p| Value::Text(p.to_string())).collect();
        if args.is_empty() {
            return Ok(vec![]);
        }
        self.read(move |c| {
            let mut stmt = c.prepare(&format!(
                "SELECT {ROLLUP_COLUMNS} FROM track_rollups WHERE patrol_id IN ({})
                 ORDER BY patrol_id, day, device_id",
                placeholders(1, args.len())
            ))?;
            let raws = stmt
                .query_map(params_from_iter(args), rollup_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            raws.into_iter().map(shared::RollupRaw::into_row).collect()
        })
        .await
    }

    async fn day_rollups(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StorageResult<Vec<TrackRollup>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {ROLLUP_COLUMNS} FROM track_rollups WHERE day >= ?1 AND day <= ?2
                 ORDER BY day, patrol_id, device_id"
            ))?;
            let raws = stmt
                .query_map(params![from.to_string(), to.to_string()], rollup_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            raws.into_iter().map(shared::RollupRaw::into_row).collect()
        })
        .await
    }

    async fn rollups_built(&self) -> StorageResult<bool> {
        self.read(|c| {
            Ok(
                c.query_row("SELECT built FROM rollup_state WHERE id = 1", [], |r| {
                    r.get::<_, bool>(0)
                })?,
            )
        })
        .await
    }

    async fn replace_rollups(&self, device: DeviceId, rows: &[TrackRollup]) -> StorageResult<()> {
        let rows = rows.to_vec();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "DELETE FROM track_rollups WHERE device_id = ?1",
                [device.to_string()],
            )?;
            upsert_rollups(&tx, &rows)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn set_rollups_built(&self, built: bool) -> StorageResult<()> {
        self.call(move |c| {
            c.execute("UPDATE rollup_state SET built = ?1 WHERE id = 1", [built])?;
            Ok(())
        })
        .await
    }

    async fn device_counts(
        &self,
        device: DeviceId,
        days: &[chrono::NaiveDate],
    ) -> StorageResult<Vec<DayCounts>> {
        let days: Vec<String> = days.iter().map(ToString::to_string).collect();
        self.read(move |c| {
            let mut out = Vec::new();
            let mut stmt = c.prepare_cached(
                "SELECT device_id, day, tz, counts FROM day_counts WHERE device_id = ?1 AND day = ?2",
            )?;
            for d in &days {
                for raw in stmt.query_map(params![device.to_string(), d], counts_row)? {
                    out.push(raw?.into_row()?);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn day_counts(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StorageResult<Vec<DayCounts>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT device_id, day, tz, counts FROM day_counts WHERE day >= ?1 AND day <= ?2
                 ORDER BY day, device_id",
            )?;
            let raws = stmt
                .query_map(params![from.to_string(), to.to_string()], counts_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            raws.into_iter().map(shared::CountsRaw::into_row).collect()
        })
        .await
    }

    async fn counts_built(&self) -> StorageResult<bool> {
        self.read(|c| {
            Ok(c.query_row(
                "SELECT counts_built FROM rollup_state WHERE id = 1",
                [],
                |r| r.get::<_, bool>(0),
            )?)
        })
        .await
    }

    async fn replace_counts(&self, device: DeviceId, rows: &[DayCounts]) -> StorageResult<()> {
        let rows = rows.to_vec();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute(
                "DELETE FROM day_counts WHERE device_id = ?1",
                [device.to_string()],
            )?;
            upsert_counts(&tx, &rows)?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn set_counts_built(&self, built: bool) -> StorageResult<()> {
        self.call(move |c| {
            c.execute(
                "UPDATE rollup_state SET counts_built = ?1 WHERE id = 1",
                [built],
            )?;
            Ok(())
        })
        .await
    }

    async fn append_audit(&self, record: &AuditRecord) -> StorageResult<()> {
        let r = record.clone();
        self.call(move |c| {
            c.execute(
                "INSERT INTO audit (at_ms, operator, role, address, action, target)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    r.at_ms,
                    r.operator,
                    r.role.as_str(),
                    r.address,
                    r.action,
                    r.target
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn audit(&self, limit: u32) -> StorageResult<Vec<AuditRecord>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT at_ms, operator, role, address, action, target FROM audit
                 ORDER BY n DESC LIMIT ?1",
            )?;
            let rows = stmt
                .query_map([i64::from(limit)], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, String>(4)?,
                        r.get::<_, Option<String>>(5)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(at_ms, operator, role, address, action, target)| {
                    shared::audit_record(at_ms, operator, &role, address, action, target)
                })
                .collect()
        })
        .await
    }

    async fn operator_by_token(&self, token_hash: &str) -> StorageResult<Option<String>> {
        let token_hash = token_hash.to_owned();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT name FROM operators WHERE token_hash = ?1",
                [token_hash],
                |r| r.get(0),
            )
            .optional()?)
        })
        .await
    }

    async fn hashes(
        &self,
        device: DeviceId,
        from_seq: u64,
        to_seq: u64,
    ) -> StorageResult<Vec<(u64, Hash)>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT seq, hash FROM entries
                 WHERE device_id = ?1 AND seq >= ?2 AND seq <= ?3 ORDER BY seq",
            )?;
            let rows = stmt
                .query_map(
                    params![device.to_string(), clamp_i64(from_seq), clamp_i64(to_seq)],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)),
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(seq, hash)| Ok((shared::to_u64("seq", seq)?, shared::hash("hash", &hash)?)))
                .collect()
        })
        .await
    }

    async fn commit_ingest(&self, device: DeviceId, plan: IngestPlan) -> StorageResult<Head> {
        // The upload's track rollups are rolled on the rayon pool from now on: while the
        // upload waits for the one writer, and while the writer inserts its entries. The
        // writer is SQLite's bottleneck and the rolling is HQ's own work, so on two cores they
        // overlap, and the writer's turn is no longer for the rolling.
        let plan = Arc::new(plan);
        let rolling = plan.roll.is_some().then(|| {
            let (done, rx) = std::sync::mpsc::sync_channel(1);
            let plan = Arc::clone(&plan);
            rayon::spawn(move || {
                let rows = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    plan.roll
                        .as_ref()
                        .map(|j| j.run(&plan.new))
                        .unwrap_or_default()
                }));
                let _ = done.send(rows);
            });
            rx
        });
        self.call(move |c| {
            let id = device.to_string();
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let head: Option<(i64, Vec<u8>, String)> = tx
                .query_row(
                    "SELECT head_seq, head_hash, status FROM devices WHERE id = ?1",
                    [&id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?;
            let (seq, hash, status) = head.ok_or_else(|| shared::not_enrolled(device))?;
            // Revoked after the request was authenticated: store nothing.
            if status != "active" {
                return Err(StorageError::Revoked(device));
            }
            let head = shared::head(seq, &hash)?;
            let writes = check_plan(device, head, &plan)?;
            {
                let mut insert = tx.prepare_cached(&format!(
                    "INSERT INTO entries ({ENTRY_COLUMNS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15,
                             ?16, ?17)"
                ))?;
                for r in &writes.entries {
                    insert.execute(params![
                        id,
                        r.seq,
                        r.id,
                        r.kind,
                        r.wall_ms,
                        r.mono_ms,
                        r.gnss_ms,
                        r.cell,
                        r.payload,
                        r.prev_hash,
                        r.hash,
                        r.received_ms,
                        r.event_ms,
                        r.patrol_id,
                        r.flags,
                        r.quarantine_code,
                        r.quarantine_reason
                    ])?;
                }
                // At most `max_conflicts` rows per device; the IMMEDIATE transaction makes the
                // count and the insert one step.
                let mut conflict = tx.prepare_cached(
                    "INSERT INTO conflicts (device_id, seq, hq_hash, device_hash, device_entry,
                                            received_ms)
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6
                     WHERE (SELECT count(*) FROM conflicts WHERE device_id = ?1) < ?7
                     ON CONFLICT (device_id, seq, device_hash) DO NOTHING",
                )?;
                for k in &writes.conflicts {
                    conflict.execute(params![
                        k.device_id,
                        k.seq,
                        k.hq_hash,
                        k.device_hash,
                        k.device_entry,
                        plan.seen_ms,
                        i64::from(plan.max_conflicts)
                    ])?;
                }
            }
            // Rolled meanwhile on the other cores (see above); usually done by now.
            let rolled = match &rolling {
                None => Vec::new(),
                Some(rx) => rx.recv().ok().and_then(Result::ok).ok_or_else(|| {
                    StorageError::Backend("rolling the upload's track rollups failed".into())
                })?,
            };
            upsert_rollups(&tx, &plan.rollups)?;
            upsert_rollups(&tx, &rolled)?;
            upsert_counts(&tx, &plan.counts)?;
            {
                // The supplements' places: the IMMEDIATE transaction is the only writer, so the
                // places commit in order.
                let mut next: Option<i64> = None;
                let mut log = tx.prepare_cached(
                    "INSERT INTO supplement_log (n, device_id, seq) VALUES (?1, ?2, ?3)",
                )?;
                for r in writes.supplements() {
                    let n = match next {
                        Some(n) => n,
                        None => tx.query_row(
                            "SELECT COALESCE(MAX(n), 0) + 1 FROM supplement_log",
                            [],
                            |row| row.get(0),
                        )?,
                    };
                    log.execute(params![n, id, r.seq])?;
                    next = Some(n + 1);
                }
            }
            {
                let mut refs = tx.prepare_cached(
                    "INSERT INTO entry_photos (device_id, sha256) VALUES (?1, ?2)
                     ON CONFLICT (device_id, sha256) DO NOTHING",
                )?;
                for (d, sha) in &writes.photo_refs {
                    refs.execute(params![d, sha])?;
                }
            }
            let new_head = writes.head;
            tx.execute(
                "UPDATE devices SET head_seq = ?2, head_hash = ?3, skew_ms = ?4, last_seen_ms = ?5
                 WHERE id = ?1",
                params![
                    id,
                    to_i64("seq", new_head.seq)?,
                    new_head.hash.0.to_vec(),
                    plan.skew_ms,
                    plan.seen_ms
                ],
            )?;
            tx.commit()?;
            Ok(new_head)
        })
        .await
    }

    async fn entries(
        &self,
        device: DeviceId,
        from_seq: u64,
        limit: u32,
    ) -> StorageResult<Vec<StoredEntry>> {
        self.read(move |c| {
            query_entries(
                c,
                "WHERE device_id = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3",
                vec![
                    Value::Text(device.to_string()),
                    Value::Integer(clamp_i64(from_seq)),
                    Value::Integer(i64::from(limit)),
                ],
            )
        })
        .await
    }

    async fn entries_between(
        &self,
        from_ms: i64,
        to_ms: i64,
        kinds: Option<&[EntryKind]>,
    ) -> StorageResult<Vec<StoredEntry>> {
        let kinds: Option<Vec<Value>> =
            kinds.map(|ks| ks.iter().map(|k| Value::Text(k.as_str().into())).collect());
        self.read(move |c| {
            let mut args = vec![Value::Integer(from_ms), Value::Integer(to_ms)];
            if kinds.as_ref().is_some_and(Vec::is_empty) {
                return Ok(vec![]);
            }
            let filter = between_filter(kinds.as_deref());
            args.extend(kinds.unwrap_or_default());
            query_entries(
                c,
                &format!("WHERE event_ms >= ?1 AND event_ms < ?2 {filter} ORDER BY device_id, seq"),
                args,
            )
        })
        .await
    }

    async fn latest_entries(
        &self,
        devices: &[DeviceId],
        kind: Option<EntryKind>,
        from_ms: i64,
        to_ms: i64,
    ) -> StorageResult<Vec<StoredEntry>> {
        let devices = devices.to_vec();
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&latest_sql(kind))?;
            let mut out = Vec::new();
            for d in &devices {
                let mut args = vec![
                    Value::Text(d.to_string()),
                    Value::Integer(from_ms),
                    Value::Integer(to_ms),
                ];
                if let Some(k) = kind {
                    args.push(Value::Text(k.as_str().into()));
                }
                let rows = stmt
                    .query_map(params_from_iter(args), entry_row)?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                for r in rows {
                    out.push(r.into_stored()?);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn entry_keys_between(
        &self,
        from_ms: i64,
        to_ms: i64,
        kinds: &[EntryKind],
    ) -> StorageResult<Vec<EntryKey>> {
        if kinds.is_empty() {
            return Ok(vec![]);
        }
        let mut args = vec![Value::Integer(from_ms), Value::Integer(to_ms)];
        args.extend(kinds.iter().map(|k| Value::Text(k.as_str().into())));
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&keys_sql(&args[2..]))?;
            let rows = stmt
                .query_map(params_from_iter(args.iter()), |r| {
                    Ok(EntryKeyRow {
                        device_id: r.get(0)?,
                        seq: r.get(1)?,
                        id: r.get(2)?,
                        kind: r.get(3)?,
                        cell: r.get(4)?,
                        event_ms: r.get(5)?,
                        patrol_id: r.get(6)?,
                    })
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter().map(EntryKeyRow::into_key).collect()
        })
        .await
    }

    async fn entries_at(&self, keys: &[(DeviceId, u64)]) -> StorageResult<Vec<StoredEntry>> {
        let mut keys: Vec<(String, i64)> = keys
            .iter()
            .map(|(d, seq)| Ok((d.to_string(), to_i64("seq", *seq)?)))
            .collect::<StorageResult<_>>()?;
        keys.sort_unstable();
        keys.dedup();
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE device_id = ?1 AND seq = ?2"
            ))?;
            let mut out = Vec::with_capacity(keys.len());
            for (device, seq) in &keys {
                if let Some(row) = stmt.query_row((device, seq), entry_row).optional()? {
                    out.push(row.into_stored()?);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn patrol_entries(&self, patrols: &[PatrolId]) -> StorageResult<Vec<StoredEntry>> {
        let args: Vec<Value> = patrols.iter().map(|p| Value::Text(p.to_string())).collect();
        if args.is_empty() {
            return Ok(vec![]);
        }
        self.read(move |c| {
            query_entries(
                c,
                &format!(
                    "WHERE patrol_id IN ({}) ORDER BY device_id, seq",
                    placeholders(1, args.len())
                ),
                args,
            )
        })
        .await
    }

    async fn supplements(&self) -> StorageResult<Vec<StoredEntry>> {
        self.read(|c| {
            query_entries(
                c,
                &format!(
                    "WHERE kind = ?1 {} ORDER BY device_id, seq",
                    not_a_track(EntryKind::Supplement)
                ),
                vec![Value::Text(EntryKind::Supplement.as_str().into())],
            )
        })
        .await
    }

    async fn supplements_since(&self, after: u64) -> StorageResult<Vec<(u64, StoredEntry)>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS}, n FROM supplement_log JOIN entries USING (device_id, seq)
                 WHERE n > ?1 ORDER BY n"
            ))?;
            let rows = stmt
                .query_map([clamp_i64(after)], |r| {
                    Ok((r.get::<_, i64>(17)?, entry_row(r)?))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(n, row)| Ok((n.unsigned_abs(), row.into_stored()?)))
                .collect()
        })
        .await
    }

    async fn quarantined(
        &self,
        device: Option<DeviceId>,
    ) -> StorageResult<Vec<(DeviceId, EntryProblem)>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT device_id, seq, quarantine_code, quarantine_reason FROM entries
                 WHERE quarantine_code IS NOT NULL AND (?1 IS NULL OR device_id = ?1)
                 ORDER BY device_id, seq",
            )?;
            let rows = stmt
                .query_map([device.map(|d| d.to_string())], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(d, seq, code, reason)| shared::problem(&d, seq, code, reason))
                .collect()
        })
        .await
    }

    async fn conflicts(
        &self,
        device: Option<DeviceId>,
    ) -> StorageResult<Vec<(DeviceId, Conflict)>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT device_id, seq, hq_hash, device_hash FROM conflicts
                 WHERE ?1 IS NULL OR device_id = ?1
                 ORDER BY device_id, seq, device_hash",
            )?;
            let rows = stmt
                .query_map([device.map(|d| d.to_string())], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                        r.get::<_, Vec<u8>>(3)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            rows.into_iter()
                .map(|(d, seq, hq, dev)| shared::conflict(&d, seq, &hq, &dev))
                .collect()
        })
        .await
    }

    async fn photo(&self, sha256: &str) -> StorageResult<Option<PhotoRow>> {
        let sha256 = sha256.to_owned();
        self.read(move |c| get_photo(c, &sha256)).await
    }

    async fn photo_upload(
        &self,
        device: DeviceId,
        sha256: &str,
    ) -> StorageResult<Option<PhotoRow>> {
        let sha256 = sha256.to_owned();
        self.call(move |c| get_upload(c, device, &sha256)).await
    }

    async fn begin_photo(
        &self,
        sha256: &str,
        size: u64,
        mime: &str,
        device: DeviceId,
        now_ms: i64,
    ) -> StorageResult<PhotoRow> {
        let (sha256, mime) = (sha256.to_owned(), mime.to_owned());
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            if let Some(done) = get_photo(&tx, &sha256)? {
                return Ok(done);
            }
            tx.execute(
                "INSERT INTO photo_uploads (device_id, sha256, size, mime, created_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (device_id, sha256) DO NOTHING",
                params![
                    device.to_string(),
                    sha256,
                    to_i64("size", size)?,
                    mime,
                    now_ms
                ],
            )?;
            let row = get_upload(&tx, device, &sha256)?
                .ok_or_else(|| StorageError::UnknownPhoto(sha256.clone()))?;
            tx.commit()?;
            Ok(row)
        })
        .await
    }

    async fn append_photo(
        &self,
        device: DeviceId,
        sha256: &str,
        offset: u64,
        bytes: &[u8],
    ) -> StorageResult<PhotoRow> {
        let (sha256, bytes) = (sha256.to_owned(), bytes.to_vec());
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let row = get_upload(&tx, device, &sha256)?
                .ok_or_else(|| StorageError::UnknownPhoto(sha256.clone()))?;
            let end = shared::check_append(&row, offset, bytes.len())?;
            if bytes.is_empty() {
                return Ok(row);
            }
            tx.execute(
                "INSERT INTO photo_upload_chunks (device_id, sha256, chunk_start, bytes)
                 VALUES (?1, ?2, ?3, ?4)",
                params![device.to_string(), sha256, to_i64("offset", offset)?, bytes],
            )?;
            tx.execute(
                "UPDATE photo_uploads SET received_bytes = ?3 WHERE device_id = ?1 AND sha256 = ?2",
                params![device.to_string(), sha256, to_i64("offset", end)?],
            )?;
            let row = get_upload(&tx, device, &sha256)?
                .ok_or_else(|| StorageError::UnknownPhoto(sha256.clone()))?;
            tx.commit()?;
            Ok(row)
        })
        .await
    }

    async fn photo_bytes(&self, sha256: &str) -> StorageResult<Vec<u8>> {
        let sha256 = sha256.to_owned();
        self.read(move |c| {
            if get_photo(c, &sha256)?.is_none() {
                return Err(StorageError::UnknownPhoto(sha256));
            }
            concat_chunks(
                c,
                "SELECT bytes FROM photo_chunks WHERE sha256 = ?1 ORDER BY chunk_start",
                params![sha256],
            )
        })
        .await
    }

    async fn upload_bytes(&self, device: DeviceId, sha256: &str) -> StorageResult<Vec<u8>> {
        let sha256 = sha256.to_owned();
        self.call(move |c| {
            if get_upload(c, device, &sha256)?.is_none() {
                return Err(StorageError::UnknownPhoto(sha256));
            }
            concat_chunks(
                c,
                "SELECT bytes FROM photo_upload_chunks WHERE device_id = ?1 AND sha256 = ?2
                 ORDER BY chunk_start",
                params![device.to_string(), sha256],
            )
        })
        .await
    }

    async fn finish_photo(
        &self,
        device: DeviceId,
        sha256: &str,
        verified: bool,
    ) -> StorageResult<PhotoRow> {
        let sha256 = sha256.to_owned();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let upload = get_upload(&tx, device, &sha256)?;
            let done = get_photo(&tx, &sha256)?;
            let row = match (upload, done) {
                // Another device's upload completed first: this copy is not needed.
                (Some(_), Some(done)) if verified => {
                    delete_upload(&tx, device, &sha256)?;
                    done
                }
                (Some(up), None) if verified => {
                    tx.execute(
                        "INSERT INTO photos (sha256, size, mime, device_id, created_ms,
                                             received_bytes, complete)
                         SELECT sha256, size, mime, device_id, created_ms, received_bytes, 1
                         FROM photo_uploads WHERE device_id = ?1 AND sha256 = ?2",
                        params![device.to_string(), sha256],
                    )?;
                    tx.execute(
                        "INSERT INTO photo_chunks (sha256, chunk_start, bytes)
                         SELECT sha256, chunk_start, bytes FROM photo_upload_chunks
                         WHERE device_id = ?1 AND sha256 = ?2",
                        params![device.to_string(), sha256],
                    )?;
                    delete_upload(&tx, device, &sha256)?;
                    PhotoRow {
                        complete: true,
                        ..up
                    }
                }
                (Some(up), _) => {
                    tx.execute(
                        "DELETE FROM photo_upload_chunks WHERE device_id = ?1 AND sha256 = ?2",
                        params![device.to_string(), sha256],
                    )?;
                    tx.execute(
                        "UPDATE photo_uploads SET received_bytes = 0
                         WHERE device_id = ?1 AND sha256 = ?2",
                        params![device.to_string(), sha256],
                    )?;
                    PhotoRow { offset: 0, ..up }
                }
                (None, Some(done)) => done,
                (None, None) => return Err(StorageError::UnknownPhoto(sha256)),
            };
            tx.commit()?;
            Ok(row)
        })
        .await
    }

    async fn photos_held(
        &self,
        device: DeviceId,
        asked: Option<&[String]>,
    ) -> StorageResult<(u64, Vec<String>)> {
        let asked = asked.map(<[String]>::to_vec);
        self.read(move |c| {
            // The count and the list from one snapshot.
            let c = c.transaction()?;
            let d = device.to_string();
            let held: i64 = c
                .prepare_cached(
                    "SELECT count(*) FROM entry_photos r JOIN photos p ON p.sha256 = r.sha256
                     WHERE r.device_id = ?1 AND p.complete = 1",
                )?
                .query_row([&d], |r| r.get(0))?;
            let listed = match asked {
                None => c
                    .prepare_cached(
                        "SELECT p.sha256 FROM photos p JOIN entry_photos r ON r.sha256 = p.sha256
                         WHERE r.device_id = ?1 AND p.complete = 1
                         ORDER BY p.created_ms, p.sha256",
                    )?
                    .query_map([&d], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<String>>>()?,
                Some(mut asked) => {
                    asked.sort();
                    asked.dedup();
                    let mut stmt = c.prepare_cached(
                        "SELECT p.created_ms, p.sha256
                         FROM photos p JOIN entry_photos r ON r.sha256 = p.sha256
                         WHERE r.device_id = ?1 AND r.sha256 = ?2 AND p.complete = 1",
                    )?;
                    let mut found: Vec<(i64, String)> = Vec::new();
                    for sha in &asked {
                        if let Some(row) = stmt
                            .query_row(params![d, sha], |r| Ok((r.get(0)?, r.get(1)?)))
                            .optional()?
                        {
                            found.push(row);
                        }
                    }
                    found.sort();
                    found.into_iter().map(|(_, sha)| sha).collect()
                }
            };
            Ok((held.unsigned_abs(), listed))
        })
        .await
    }

    async fn photo_referenced(&self, device: DeviceId, sha256: &str) -> StorageResult<bool> {
        let sha256 = sha256.to_owned();
        self.read(move |c| {
            Ok(c.query_row(
                "SELECT EXISTS (SELECT 1 FROM entry_photos WHERE device_id = ?1 AND sha256 = ?2)",
                params![device.to_string(), sha256],
                |r| r.get::<_, bool>(0),
            )?)
        })
        .await
    }

    async fn uploads_pending_bytes(&self, device: DeviceId) -> StorageResult<u64> {
        self.read(move |c| {
            let n: i64 = c.query_row(
                "SELECT COALESCE(SUM(size), 0) FROM photo_uploads WHERE device_id = ?1",
                [device.to_string()],
                |r| r.get(0),
            )?;
            shared::to_u64("pending photo bytes", n)
        })
        .await
    }

    async fn import_city(&self, city: &City, now_ms: i64) -> StorageResult<ImportSummary> {
        let city = city.clone();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (header, items) = load_reference(&tx, i64::MIN, true)?;
            let plan = shared::plan_import(header.as_ref(), items, &city)?;
            let h = &plan.header;
            tx.execute(
                "INSERT INTO reference_city (id, name, timezone, version, counter, imported_ms,
                                             settings)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                     timezone = excluded.timezone, version = excluded.version,
                     counter = excluded.counter, imported_ms = excluded.imported_ms,
                     settings = excluded.settings",
                params![h.name, h.timezone, h.version, h.counter, now_ms, h.settings],
            )?;
            {
                let mut upsert = tx.prepare_cached(
                    "INSERT INTO reference_items (kind, id, body, version, deleted)
                     VALUES (?1, ?2, ?3, ?4, ?5)
                     ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body,
                         version = excluded.version, deleted = excluded.deleted",
                )?;
                for it in &plan.writes {
                    upsert.execute(params![it.kind, it.id, it.body, it.version, it.deleted])?;
                }
            }
            tx.commit()?;
            Ok(plan.summary)
        })
        .await
    }

    async fn city(&self) -> StorageResult<Option<City>> {
        self.read(|c| {
            let (header, items) = load_reference(c, i64::MIN, false)?;
            header.map(|h| shared::city(&h, items)).transpose()
        })
        .await
    }

    async fn reference_counter(&self) -> StorageResult<Option<u64>> {
        self.read(|c| {
            let n: Option<i64> = c
                .query_row("SELECT counter FROM reference_city WHERE id = 1", [], |r| {
                    r.get(0)
                })
                .optional()?;
            n.map(|n| shared::to_u64("reference counter", n))
                .transpose()
        })
        .await
    }

    async fn reference_since(&self, cursor: u64) -> StorageResult<Option<ReferenceChanges>> {
        self.read(move |c| {
            let tx = c.transaction()?;
            let counter: Option<i64> = tx
                .query_row("SELECT counter FROM reference_city WHERE id = 1", [], |r| {
                    r.get(0)
                })
                .optional()?;
            let Some(counter) = counter else {
                return Ok(None);
            };
            let (header, items) = load_reference(&tx, effective_cursor(cursor, counter), true)?;
            let header = header.ok_or_else(|| {
                StorageError::Corrupt("the city vanished while it was being read".into())
            })?;
            shared::changes(&header, items).map(Some)
        })
        .await
    }

    async fn create_dispatch(&self, d: &DispatchRow) -> StorageResult<()> {
        let v = shared::DispatchValues::of(d)?;
        let d = d.clone();
        self.call(move |c| {
            c.execute(
                &format!(
                    "INSERT INTO dispatches ({DISPATCH_COLUMNS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
                ),
                params![
                    v.id,
                    v.kind,
                    v.tier,
                    d.target.lat,
                    d.target.lon,
                    d.radius_m,
                    d.address,
                    d.note,
                    v.source_device,
                    v.source_seq,
                    d.call_ms,
                    d.created_ms,
                    d.created_by,
                    d.closed_ms,
                    d.closed_reason
                ],
            )?;
            Ok(())
        })
        .await
    }

    async fn dispatches_by_id(&self, ids: &[DispatchId]) -> StorageResult<Vec<DispatchRow>> {
        let ids = json_ids(ids);
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {DISPATCH_COLUMNS} FROM dispatches
                 WHERE dispatch_id IN (SELECT value FROM json_each(?1))"
            ))?;
            let raws = stmt
                .query_map([ids], dispatch_raw)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            raws.into_iter()
                .map(shared::DispatchRaw::into_row)
                .collect()
        })
        .await
    }

    async fn dispatches(&self, from_ms: i64, to_ms: i64) -> StorageResult<Vec<DispatchRow>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {DISPATCH_COLUMNS} FROM dispatches
                 WHERE (call_ms >= ?1 AND call_ms < ?2) OR (closed_ms IS NULL AND call_ms < ?1)
                 ORDER BY call_ms, dispatch_id"
            ))?;
            let raws = stmt
                .query_map(params![from_ms, to_ms], dispatch_raw)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            raws.into_iter()
                .map(shared::DispatchRaw::into_row)
                .collect()
        })
        .await
    }

    async fn close_dispatch(
        &self,
        id: DispatchId,
        reason: &str,
        now_ms: i64,
    ) -> StorageResult<bool> {
        let reason = reason.to_owned();
        self.call(move |c| {
            let n = c.execute(
                "UPDATE dispatches SET closed_ms = ?2, closed_reason = ?3
                 WHERE dispatch_id = ?1 AND closed_ms IS NULL",
                params![id.to_string(), now_ms, reason],
            )?;
            Ok(n > 0)
        })
        .await
    }

    async fn push_inbox(
        &self,
        device: DeviceId,
        dispatch: DispatchId,
        withdrawn: Option<&str>,
        now_ms: i64,
    ) -> StorageResult<u64> {
        let withdrawn = withdrawn.map(str::to_owned);
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let (device_s, dispatch_s) = (device.to_string(), dispatch.to_string());
            if withdrawn.is_none() {
                let existing = {
                    let mut stmt = tx.prepare_cached(&format!(
                        "SELECT {INBOX_COLUMNS} FROM dispatch_inbox
                         WHERE device_id = ?1 AND dispatch_id = ?2"
                    ))?;
                    stmt.query_map(params![device_s, dispatch_s], inbox_raw)?
                        .collect::<rusqlite::Result<Vec<_>>>()?
                        .into_iter()
                        .map(shared::InboxRaw::into_row)
                        .collect::<StorageResult<Vec<_>>>()?
                };
                if let Some(seq) = shared::standing_order(&existing) {
                    return Ok(seq);
                }
            }
            let seq: i64 = tx.query_row(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM dispatch_inbox WHERE device_id = ?1",
                [&device_s],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO dispatch_inbox
                   (device_id, seq, dispatch_id, message, reason, created_ms, last_sent_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![
                    device_s,
                    seq,
                    dispatch_s,
                    if withdrawn.is_some() {
                        "withdrawn"
                    } else {
                        "order"
                    },
                    withdrawn,
                    now_ms
                ],
            )?;
            tx.commit()?;
            Ok(seq.unsigned_abs())
        })
        .await
    }

    async fn inbox(
        &self,
        device: DeviceId,
        after: u64,
        limit: u32,
    ) -> StorageResult<Vec<InboxRow>> {
        let after = clamp_i64(after);
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {INBOX_COLUMNS} FROM dispatch_inbox
                 WHERE device_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3"
            ))?;
            let raws = stmt
                .query_map(params![device.to_string(), after, limit], inbox_raw)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            raws.into_iter().map(shared::InboxRaw::into_row).collect()
        })
        .await
    }

    async fn inbox_head(&self, device: DeviceId) -> StorageResult<u64> {
        self.read(move |c| {
            let head: i64 = c.query_row(
                "SELECT COALESCE(MAX(seq), 0) FROM dispatch_inbox WHERE device_id = ?1",
                [device.to_string()],
                |r| r.get(0),
            )?;
            Ok(head.unsigned_abs())
        })
        .await
    }

    async fn sync_news(&self, device: DeviceId) -> StorageResult<super::SyncNewsRow> {
        self.read(move |c| {
            let (reference, head, undelivered): (Option<i64>, i64, Option<i64>) = c.query_row(
                "SELECT (SELECT counter FROM reference_city WHERE id = 1),
                        (SELECT COALESCE(MAX(seq), 0) FROM dispatch_inbox WHERE device_id = ?1),
                        (SELECT MIN(seq) FROM dispatch_inbox
                          WHERE device_id = ?1 AND delivered_ms IS NULL)",
                [device.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            Ok(super::SyncNewsRow {
                reference: reference.map(i64::unsigned_abs),
                inbox_head: head.unsigned_abs(),
                inbox_undelivered: undelivered.map(i64::unsigned_abs),
            })
        })
        .await
    }

    async fn ack_inbox(
        &self,
        device: DeviceId,
        through: u64,
        now_ms: i64,
    ) -> StorageResult<Vec<InboxRow>> {
        let through = clamp_i64(through);
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let raws = {
                let mut stmt = tx.prepare_cached(&format!(
                    "UPDATE dispatch_inbox SET delivered_ms = ?3
                     WHERE device_id = ?1 AND seq <= ?2 AND delivered_ms IS NULL
                     RETURNING {INBOX_COLUMNS}"
                ))?;
                stmt.query_map(params![device.to_string(), through, now_ms], inbox_raw)?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            };
            tx.commit()?;
            let mut rows = raws
                .into_iter()
                .map(shared::InboxRaw::into_row)
                .collect::<StorageResult<Vec<_>>>()?;
            rows.sort_by_key(|r| r.seq);
            Ok(rows)
        })
        .await
    }

    async fn inbox_of(&self, dispatches: &[DispatchId]) -> StorageResult<Vec<InboxRow>> {
        let ids = json_ids(dispatches);
        self.read(move |c| {
            let mut stmt = c.prepare_cached(&format!(
                "SELECT {INBOX_COLUMNS} FROM dispatch_inbox
                 WHERE dispatch_id IN (SELECT value FROM json_each(?1))
                 ORDER BY device_id, seq"
            ))?;
            let raws = stmt
                .query_map([ids], inbox_raw)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            raws.into_iter().map(shared::InboxRaw::into_row).collect()
        })
        .await
    }

    async fn resend_due(
        &self,
        due_ms: i64,
        now_ms: i64,
        max_resends: u32,
    ) -> StorageResult<Vec<InboxRow>> {
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let raws = {
                let mut stmt = tx.prepare_cached(&format!(
                    "UPDATE dispatch_inbox SET last_sent_ms = ?2, resends = resends + 1
                     WHERE delivered_ms IS NULL AND last_sent_ms <= ?1 AND resends < ?3
                     RETURNING {INBOX_COLUMNS}"
                ))?;
                stmt.query_map(params![due_ms, now_ms, max_resends], inbox_raw)?
                    .collect::<rusqlite::Result<Vec<_>>>()?
            };
            tx.commit()?;
            let mut rows = raws
                .into_iter()
                .map(shared::InboxRaw::into_row)
                .collect::<StorageResult<Vec<_>>>()?;
            rows.sort_by_key(|r| (r.device_id, r.seq));
            Ok(rows)
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A read answers while the writer is held inside an open transaction (it would wait for
    /// the writer if reads shared its connection), sees only what was committed before it
    /// started, and sees the commit once it is made. A read that panics gives its connection
    /// back.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn reads_neither_wait_for_the_writer_nor_see_what_it_has_not_committed() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(dir.path()).unwrap();
        storage.add_operator("一号台", "h1", 1).await.unwrap();
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        let writer = {
            let storage = storage.clone();
            tokio::spawn(async move {
                storage
                    .call(move |c| {
                        let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                        tx.execute(
                            "INSERT INTO operators (token_hash, name, role, created_ms)
                             VALUES ('h2', '二号台', 'viewer', 2)",
                            [],
                        )?;
                        started_tx.send(()).unwrap();
                        release_rx.recv().unwrap();
                        tx.commit()?;
                        Ok(())
                    })
                    .await
            })
        };
        started_rx.await.unwrap();
        // The writer is mid-transaction and holds its connection: reads still answer.
        let names = |ops: Vec<OperatorRow>| ops.into_iter().map(|o| o.name).collect::<Vec<_>>();
        let during = tokio::time::timeout(Duration::from_secs(20), storage.operators())
            .await
            .expect("a read waited for the writer")
            .unwrap();
        assert_eq!(names(during), ["一号台"]);
        release_tx.send(()).unwrap();
        writer.await.unwrap().unwrap();
        let mut after = names(storage.operators().await.unwrap());
        after.sort();
        assert_eq!(after, ["一号台", "二号台"]);

        // A panicking read returns its connection: READERS more reads still find one each.
        let r = storage
            .read(|_| -> StorageResult<()> { panic!("a read that panics") })
            .await;
        assert!(r.is_err());
        let reads: Vec<_> = (0..READERS * 2).map(|_| storage.operators()).collect();
        for r in futures_util::future::join_all(reads).await {
            assert_eq!(r.unwrap().len(), 2);
        }
        assert_eq!(
            storage.readers.as_ref().unwrap().idle.lock().unwrap().len(),
            READERS
        );
    }

    /// Commits reach the database file through the checkpointer's own connection, soon after
    /// they are made, while the writer checkpoints only past its safety net; dropping the
    /// storage ends the checkpointer's thread.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_is_checkpointed_beside_the_writer() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(dir.path()).unwrap();
        let writer_pages: i64 = storage
            .conn
            .lock()
            .unwrap()
            .pragma_query_value(None, "wal_autocheckpoint", |r| r.get(0))
            .unwrap();
        assert_eq!(writer_pages, WRITER_CHECKPOINT_PAGES);
        let file = dir.path().join(DB_FILE);
        let size = || std::fs::metadata(&file).unwrap().len();
        // The migrations are still in the WAL: nothing has woken the checkpointer yet.
        let opened = size();
        storage.add_operator("一号台", "h1", 1).await.unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        while size() <= opened {
            assert!(
                std::time::Instant::now() < deadline,
                "nothing was checkpointed: {} bytes",
                size()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let thread = storage
            .checkpointer
            .as_ref()
            .unwrap()
            .thread
            .as_ref()
            .unwrap()
            .thread()
            .clone();
        assert_eq!(thread.name(), Some("hq-checkpoint"));
        // Copied, not moved: a new connection reads what was committed.
        drop(storage);
        let again = SqliteStorage::open(dir.path()).unwrap();
        assert_eq!(again.operators().await.unwrap().len(), 1);
    }

    /// The day's figures read a kind's entries of the window through `entries_kind_event`,
    /// whatever the history holds; with track segments asked for, the plain time index.
    #[tokio::test]
    async fn the_days_reports_are_found_by_kind_and_time() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(dir.path()).unwrap();
        storage.migrate().await.unwrap();
        let plan = |kinds: &[EntryKind]| {
            let ks: Vec<Value> = kinds
                .iter()
                .map(|k| Value::Text(k.as_str().into()))
                .collect();
            let sql = format!(
                "EXPLAIN QUERY PLAN SELECT {ENTRY_COLUMNS} FROM entries \
                 WHERE event_ms >= ?1 AND event_ms < ?2 {} ORDER BY device_id, seq",
                between_filter(Some(&ks))
            );
            let mut args = vec![Value::Integer(0), Value::Integer(1)];
            args.extend(ks);
            let conn = storage.conn.lock().unwrap();
            let mut stmt = conn.prepare(&sql).unwrap();
            stmt.query_map(params_from_iter(args), |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<Vec<_>>>()
                .unwrap()
                .join("; ")
        };
        let reports = plan(&[EntryKind::Violation, EntryKind::LostPerson]);
        assert!(reports.contains("entries_kind_event"), "{reports}");
        let tracks = plan(&[EntryKind::TrackSegment]);
        assert!(!tracks.contains("entries_kind_event"), "{tracks}");
        // The reports list's keys come from the index alone (0013).
        let ks: Vec<Value> = crate::projections::REPORT_KINDS
            .iter()
            .map(|k| Value::Text(k.as_str().into()))
            .collect();
        let mut args = vec![Value::Integer(0), Value::Integer(1)];
        args.extend(ks.iter().cloned());
        let conn = storage.conn.lock().unwrap();
        let mut stmt = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {}", keys_sql(&ks)))
            .unwrap();
        let keys = stmt
            .query_map(params_from_iter(args), |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<rusqlite::Result<Vec<_>>>()
            .unwrap()
            .join("; ");
        assert!(keys.contains("COVERING INDEX entries_kind_event"), "{keys}");
    }

    /// Track segments are not in `entries_kind` (0011): a device's newest one is found on the
    /// primary key, never by scanning the window on the time index; the other kinds still
    /// find the partial index, and so do the supplements.
    #[tokio::test]
    async fn lookups_by_kind_keep_an_index_without_tracks_in_entries_kind() {
        let dir = tempfile::tempdir().unwrap();
        let storage = SqliteStorage::open(dir.path()).unwrap();
        storage.migrate().await.unwrap();
        let conn = storage.conn.lock().unwrap();
        let plan = |sql: &str, args: Vec<Value>| {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            stmt.query_map(params_from_iter(args), |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<Vec<_>>>()
                .unwrap()
                .join("; ")
        };
        let window = || {
            vec![
                Value::Text("d".into()),
                Value::Integer(0),
                Value::Integer(1),
            ]
        };
        let with_kind = |k: EntryKind| {
            let mut args = window();
            args.push(Value::Text(k.as_str().into()));
            args
        };
        let track = plan(
            &latest_sql(Some(EntryKind::TrackSegment)),
            with_kind(EntryKind::TrackSegment),
        );
        assert!(track.contains("sqlite_autoindex_entries_1"), "{track}");
        let any = plan(&latest_sql(None), window());
        assert!(any.contains("sqlite_autoindex_entries_1"), "{any}");
        let arrival = plan(
            &latest_sql(Some(EntryKind::PostArrived)),
            with_kind(EntryKind::PostArrived),
        );
        assert!(arrival.contains("entries_kind"), "{arrival}");
        let supplements = plan(
            &format!(
                "SELECT {ENTRY_COLUMNS} FROM entries WHERE kind = ?1 {} ORDER BY device_id, seq",
                not_a_track(EntryKind::Supplement)
            ),
            vec![Value::Text(EntryKind::Supplement.as_str().into())],
        );
        assert!(supplements.contains("entries_kind"), "{supplements}");
        let indexes: Vec<String> = conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'entries'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert!(!indexes.iter().any(|i| i == "entries_id"), "{indexes:?}");
    }
}
