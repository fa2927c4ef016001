//! PostgreSQL storage, for when one machine is not enough: the same tables and the same
//! behaviour as the SQLite file (the storage suite runs one set of tests against both), through
//! a `deadpool-postgres` pool (TLS as the URL's `sslmode` asks). Schema from the numbered files
//! in `migrations/postgres/`, tracked in a `schema_migrations` table. Writes that check before
//! they write lock what they check (`SELECT … FOR UPDATE`, or an advisory lock for the city), so
//! concurrent HQ processes cannot both pass the check.
//!
//! Row decoding, ingest plan checks and the reference data's version counter come from
//! [`super::sqlite::shared`], so the two backends cannot drift apart.

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
use deadpool_postgres::{GenericClient, Manager, ManagerConfig, Pool, PoolError, RecyclingMethod};
use patrol_model::v1::{Conflict, EntryProblem, Head, ReferenceChanges};
use patrol_model::{City, DeviceId, DispatchId, EntryKind, Hash, PatrolId};
use std::fmt;
use std::sync::{Arc, PoisonError};
use tokio_postgres::error::SqlState;
use tokio_postgres::types::ToSql;
use tokio_postgres::{IsolationLevel, NoTls, Row};

/// `(version, name, sql)`, in order; version N is the file `NNNN_*.sql` in
/// `migrations/postgres/`. Shipped files are never edited (the storage suite pins their SHA-256).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "0001_hq.sql",
        include_str!("../../migrations/postgres/0001_hq.sql"),
    ),
    (
        2,
        "0002_photos_per_device.sql",
        include_str!("../../migrations/postgres/0002_photos_per_device.sql"),
    ),
    (
        3,
        "0003_operators_and_audit.sql",
        include_str!("../../migrations/postgres/0003_operators_and_audit.sql"),
    ),
    (
        4,
        "0004_city_settings.sql",
        include_str!("../../migrations/postgres/0004_city_settings.sql"),
    ),
    (
        5,
        "0005_operator_sessions.sql",
        include_str!("../../migrations/postgres/0005_operator_sessions.sql"),
    ),
    (
        6,
        "0006_track_rollups.sql",
        include_str!("../../migrations/postgres/0006_track_rollups.sql"),
    ),
    (
        7,
        "0007_dispatch.sql",
        include_str!("../../migrations/postgres/0007_dispatch.sql"),
    ),
    (
        8,
        "0008_rollups_tangent_plane.sql",
        include_str!("../../migrations/postgres/0008_rollups_tangent_plane.sql"),
    ),
    (
        9,
        "0009_reports_by_kind_and_time.sql",
        include_str!("../../migrations/postgres/0009_reports_by_kind_and_time.sql"),
    ),
    (
        10,
        "0010_day_counts.sql",
        include_str!("../../migrations/postgres/0010_day_counts.sql"),
    ),
    (
        11,
        "0011_lean_entry_indexes.sql",
        include_str!("../../migrations/postgres/0011_lean_entry_indexes.sql"),
    ),
    (
        12,
        "0012_rebuild_rollups_with_gaps.sql",
        include_str!("../../migrations/postgres/0012_rebuild_rollups_with_gaps.sql"),
    ),
    (
        13,
        "0013_report_keys_in_the_index.sql",
        include_str!("../../migrations/postgres/0013_report_keys_in_the_index.sql"),
    ),
    (
        14,
        "0014_supplement_log.sql",
        include_str!("../../migrations/postgres/0014_supplement_log.sql"),
    ),
    (
        15,
        "0015_entries_checked_by_their_upload.sql",
        include_str!("../../migrations/postgres/0015_entries_checked_by_their_upload.sql"),
    ),
];

/// Advisory lock keys ("patrol" in ASCII, then a number), held for one transaction.
const MIGRATION_LOCK: i64 = 0x7061_7472_6f6c_0001;
const REFERENCE_LOCK: i64 = 0x7061_7472_6f6c_0002;
/// Numbers supplements in `supplement_log` one upload at a time (migration 0014).
const SUPPLEMENT_LOG_LOCK: i64 = 0x7061_7472_6f6c_0003;

/// Connections per HQ process.
const POOL_SIZE: usize = 16;

/// Where a read of the ledger goes. The command centre's reads of a span of entries, their
/// rollups and counts (the day's figures, units, coverage, reports, replay) may go to a
/// streaming replica: they tolerate the replica's lag (the page refetches on events and polls
/// every minute), and they are most of HQ's reading at a city's scale. Everything an upload,
/// an enrolment, a dispatch or an audit line checks or writes reads the primary: a check
/// against a lagging copy could pass what the primary would refuse. A replica that cannot be
/// reached sends its reads to the primary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Primary,
    Replica,
}

/// How long a replica may take to give a connection before its read goes to the primary.
const REPLICA_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// A replica with WAL still to replay whose last replayed commit is older than this is too far
/// behind for the command centre: its reads go to the primary until it catches up. (An idle
/// primary commits nothing; a replica that has replayed all it received is never behind.)
/// `--read-db-max-lag-s` changes it.
pub const MAX_REPLICA_LAG_S: u32 = 30;

/// How often HQ asks the replica how far behind it is.
const REPLICA_CHECK_EVERY: std::time::Duration = std::time::Duration::from_secs(5);

/// Whether a replica may answer the command centre: it has replayed everything it received
/// (and is not paused), or its last replayed commit is recent enough.
fn replica_fresh(replayed_all: bool, lag_s: f64, max_lag_s: u32) -> bool {
    replayed_all || lag_s < f64::from(max_lag_s)
}

/// What HQ last learnt of its replica.
#[derive(Debug, Default)]
struct ReplicaHealth {
    /// When it was last asked how far behind it is, and the answer: fresh enough, or why not.
    checked: Option<(std::time::Instant, Result<(), String>)>,
    /// Whether it answered the command centre's last read (`None` before the first), so only a
    /// change is logged, not every read or every check.
    serving: Option<bool>,
}

impl ReplicaHealth {
    /// The last check's answer, unless a new one is due.
    fn known(&self) -> Option<Result<(), String>> {
        self.checked
            .as_ref()
            .filter(|(at, _)| at.elapsed() < REPLICA_CHECK_EVERY)
            .map(|(_, fresh)| fresh.clone())
    }

    /// Whether the replica answers this read (`Err` says why not); a change is logged.
    fn serve(&mut self, verdict: Result<(), &str>) {
        match (self.serving, verdict) {
            (Some(false), Ok(())) => {
                tracing::info!("the command centre reads from the replica again")
            }
            (None | Some(true), Err(why)) => tracing::warn!(
                why,
                "the command centre reads from the primary until the replica is usable"
            ),
            _ => {}
        }
        self.serving = Some(verdict.is_ok());
    }
}

/// Whether the replica behind `client` may answer the command centre, or why not.
async fn replica_freshness(
    client: &deadpool_postgres::Object,
    max_lag_s: u32,
) -> Result<(), String> {
    let row = client
        .query_one(
            "SELECT (pg_last_wal_receive_lsn() IS NOT DISTINCT FROM
                     pg_last_wal_replay_lsn() AND NOT pg_is_wal_replay_paused()),
                    COALESCE(EXTRACT(EPOCH FROM now()
                             - pg_last_xact_replay_timestamp())::float8, 0)",
            &[],
        )
        .await
        .map_err(|e| {
            format!(
                "cannot ask the replica how far behind it is: {}",
                pg_error(&e)
            )
        })?;
    let (replayed_all, lag_s): (bool, f64) = (row.get(0), row.get(1));
    if replica_fresh(replayed_all, lag_s, max_lag_s) {
        Ok(())
    } else {
        Err(format!(
            "the replica is {lag_s:.0} s behind (at most {max_lag_s} allowed)"
        ))
    }
}

/// HQ's storage in a PostgreSQL database.
#[derive(Clone)]
pub struct PgStorage {
    pool: Pool,
    /// A streaming replica for the command centre's reads of the ledger, when HQ was given one
    /// (`--read-db`): see [`Side`].
    replica: Option<Pool>,
    /// Whether the replica answered, and was fresh enough, at the last try.
    replica_health: Arc<std::sync::Mutex<ReplicaHealth>>,
    /// How far behind the replica may be ([`MAX_REPLICA_LAG_S`]).
    replica_max_lag_s: u32,
    /// How to open a connection of its own: the live events' `LISTEN` ([`super::pg_relay`]).
    config: tokio_postgres::Config,
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
}

impl fmt::Debug for PgStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.pool.status();
        f.debug_struct("PgStorage")
            .field("pool_size", &status.size)
            .field("pool_available", &status.available)
            .finish()
    }
}

/// Turn driver and pool errors into [`StorageError::Backend`] with the server's own message
/// (the driver's `Display` alone says only "db error").
trait PgResult<T> {
    fn pg(self) -> StorageResult<T>;
}

impl<T> PgResult<T> for Result<T, tokio_postgres::Error> {
    fn pg(self) -> StorageResult<T> {
        self.map_err(|e| pg_error(&e))
    }
}

impl<T> PgResult<T> for Result<T, PoolError> {
    fn pg(self) -> StorageResult<T> {
        self.map_err(|e| match e {
            PoolError::Backend(e) => pg_error(&e),
            other => StorageError::Backend(format!("postgres pool: {other}")),
        })
    }
}

fn pg_error(e: &tokio_postgres::Error) -> StorageError {
    if let Some(db) = e.as_db_error() {
        let detail = db.detail().map(|d| format!(" ({d})")).unwrap_or_default();
        // 53100 disk_full, 53200 out_of_memory, 53300 too_many_connections: space or room
        // returns, so the device waits and tries again.
        if db.code().code().starts_with("531") {
            return StorageError::Full(format!("postgres: {}{detail}", db.message()));
        }
        return StorageError::Backend(format!(
            "postgres: {}{detail} [{}]",
            db.message(),
            db.code().code()
        ));
    }
    match std::error::Error::source(e) {
        Some(cause) => StorageError::Backend(format!("postgres: {e}: {cause}")),
        None => StorageError::Backend(format!("postgres: {e}")),
    }
}

/// A pool of connections to `url` (TLS as the URL's `sslmode` asks), with the URL's parsed
/// config and TLS connector for connections of their own. A replica's pool gives up on a
/// connection after [`REPLICA_TIMEOUT`] and checks each one before handing it out, so a read
/// meant for a replica that went away goes to the primary instead of failing.
fn pool_for(
    url: &str,
    replica: bool,
) -> StorageResult<(
    Pool,
    tokio_postgres::Config,
    Option<tokio_postgres_rustls::MakeRustlsConnect>,
)> {
    // Never echo the URL: it may hold a password.
    let tls = crate::tls::postgres::connector_for(url)
        .map_err(|e| StorageError::Backend(e.to_string()))?;
    let mut config = tls.config;
    // NOTICE lines ("relation already exists, skipping") are noise on an operator's terminal;
    // warnings and errors still reach the log. And HQ answers "stored" only for a commit that
    // survives a crash of the server: a cluster configured with `synchronous_commit = off`
    // would lose acknowledged evidence, so HQ's sessions insist (a crash test of the server
    // caught exactly that).
    let options = config.get_options().unwrap_or("").to_owned();
    config.options(
        format!("{options} -c client_min_messages=warning -c synchronous_commit=on").trim(),
    );
    if replica {
        config.connect_timeout(REPLICA_TIMEOUT);
    }
    let manager_config = ManagerConfig {
        recycling_method: if replica {
            RecyclingMethod::Verified
        } else {
            RecyclingMethod::Fast
        },
    };
    let manager = match tls.connector.clone() {
        Some(connector) => Manager::from_config(config.clone(), connector, manager_config),
        None => Manager::from_config(config.clone(), NoTls, manager_config),
    };
    let mut builder = Pool::builder(manager).max_size(POOL_SIZE);
    if replica {
        builder = builder
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(REPLICA_TIMEOUT))
            .create_timeout(Some(REPLICA_TIMEOUT))
            .recycle_timeout(Some(REPLICA_TIMEOUT));
    }
    let pool = builder
        .build()
        .map_err(|e| StorageError::Backend(format!("postgres pool: {e}")))?;
    Ok((pool, config, tls.connector))
}

impl PgStorage {
    /// Connect to `url` (`postgres://user:password@host:port/database?sslmode=…`; TLS as
    /// [`crate::tls::postgres`] describes) and bring the schema up to date, so the store is
    /// ready to use; [`Storage::migrate`] is then a no-op.
    pub async fn connect(url: &str) -> StorageResult<Self> {
        Self::connect_with_replica(url, None, MAX_REPLICA_LAG_S).await
    }

    /// [`PgStorage::connect`], with the command centre's reads of the ledger going to the
    /// streaming replica at `replica_url` ([`Side`]) while it is at most `max_lag_s` seconds
    /// behind. The replica is never written or migrated; one that cannot be reached, or is too
    /// far behind, is tried again at later reads, the primary answering meanwhile.
    pub async fn connect_with_replica(
        url: &str,
        replica_url: Option<&str>,
        max_lag_s: u32,
    ) -> StorageResult<Self> {
        let (pool, config, tls) = pool_for(url, false)?;
        let replica = match replica_url {
            Some(r) => Some(pool_for(r, true)?.0),
            None => None,
        };
        let storage = Self {
            pool,
            replica,
            replica_health: Arc::default(),
            replica_max_lag_s: max_lag_s,
            config,
            tls,
        };
        storage.migrate().await?;
        if let Some(replica) = &storage.replica {
            match replica.get().await {
                Ok(c) => match c.query_one("SELECT pg_is_in_recovery()", &[]).await {
                    Ok(row) if row.get::<_, bool>(0) => {}
                    Ok(_) => tracing::warn!(
                        "--read-db is not a standby (pg_is_in_recovery is false): is it the \
                         primary, or a copy that no longer follows it?"
                    ),
                    Err(e) => {
                        tracing::warn!(error = %pg_error(&e), "--read-db answered, but not as PostgreSQL")
                    }
                },
                Err(e) => tracing::warn!(
                    error = %e,
                    "--read-db cannot be reached; its reads go to the primary until it can"
                ),
            }
        }
        Ok(storage)
    }

    async fn client(&self) -> StorageResult<deadpool_postgres::Object> {
        self.pool.get().await.pg()
    }

    /// A connection to read from on `side`: the replica when there is one, it answers and it
    /// is not too far behind (`replica_max_lag_s`, asked every [`REPLICA_CHECK_EVERY`]), else
    /// the primary.
    async fn client_on(&self, side: Side) -> StorageResult<deadpool_postgres::Object> {
        let (Side::Replica, Some(replica)) = (side, &self.replica) else {
            return self.client().await;
        };
        let health = || {
            self.replica_health
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
        };
        let (client, verdict) = match replica.get().await {
            Err(e) => (None, Err(format!("the replica cannot be reached: {e}"))),
            Ok(client) => {
                let known = health().known();
                let verdict = match known {
                    Some(verdict) => verdict,
                    None => {
                        let verdict = replica_freshness(&client, self.replica_max_lag_s).await;
                        health().checked = Some((std::time::Instant::now(), verdict.clone()));
                        verdict
                    }
                };
                (Some(client), verdict)
            }
        };
        health().serve(verdict.as_ref().map(|_| ()).map_err(String::as_str));
        match (client, verdict) {
            (Some(client), Ok(())) => Ok(client),
            _ => self.client().await,
        }
    }

    async fn query_entries(
        &self,
        where_order: &str,
        args: &[&(dyn ToSql + Sync)],
    ) -> StorageResult<Vec<StoredEntry>> {
        self.query_entries_on(Side::Primary, where_order, args)
            .await
    }

    async fn query_entries_on(
        &self,
        side: Side,
        where_order: &str,
        args: &[&(dyn ToSql + Sync)],
    ) -> StorageResult<Vec<StoredEntry>> {
        let client = self.client_on(side).await?;
        let sql = format!("SELECT {ENTRY_COLUMNS} FROM entries {where_order}");
        let stmt = client.prepare_cached(&sql).await.pg()?;
        let rows = client.query(&stmt, args).await.pg()?;
        rows.iter().map(|r| entry_row(r)?.into_stored()).collect()
    }
}

const ENTRY_COLUMNS: &str = "device_id, seq, id, kind, wall_ms, mono_ms, gnss_ms, cell, payload, \
     prev_hash, hash, received_ms, event_ms, patrol_id, flags, quarantine_code, quarantine_reason";
const DEVICE_COLUMNS: &str = "id, name, secret_hash, status, enrolled_ms, revoked_ms, head_seq, \
     head_hash, last_seen_ms, skew_ms";
const PHOTO_COLUMNS: &str = "sha256, size, mime, device_id, received_bytes, complete";
const OPERATOR_COLUMNS: &str = "token_hash, name, role, created_ms, expires_ms, revoked_ms";

const SESSION_COLUMNS: &str =
    "session_hash, operator_hash, created_ms, expires_ms, ended_ms, address";

fn dispatch_raw(r: &Row) -> StorageResult<shared::DispatchRaw> {
    Ok(shared::DispatchRaw {
        id: r.try_get(0).pg()?,
        kind: r.try_get(1).pg()?,
        tier: r.try_get(2).pg()?,
        lat: r.try_get(3).pg()?,
        lon: r.try_get(4).pg()?,
        radius_m: r.try_get(5).pg()?,
        address: r.try_get(6).pg()?,
        note: r.try_get(7).pg()?,
        source_device: r.try_get(8).pg()?,
        source_seq: r.try_get(9).pg()?,
        call_ms: r.try_get(10).pg()?,
        created_ms: r.try_get(11).pg()?,
        created_by: r.try_get(12).pg()?,
        closed_ms: r.try_get(13).pg()?,
        closed_reason: r.try_get(14).pg()?,
    })
}

fn inbox_raw(r: &Row) -> StorageResult<shared::InboxRaw> {
    Ok(shared::InboxRaw {
        device_id: r.try_get(0).pg()?,
        seq: r.try_get(1).pg()?,
        dispatch_id: r.try_get(2).pg()?,
        message: r.try_get(3).pg()?,
        reason: r.try_get(4).pg()?,
        created_ms: r.try_get(5).pg()?,
        last_sent_ms: r.try_get(6).pg()?,
        resends: r.try_get(7).pg()?,
        delivered_ms: r.try_get(8).pg()?,
    })
}

fn session_raw(r: &Row) -> StorageResult<shared::SessionRaw> {
    Ok(shared::SessionRaw {
        session_hash: r.try_get(0).pg()?,
        operator_hash: r.try_get(1).pg()?,
        created_ms: r.try_get(2).pg()?,
        expires_ms: r.try_get(3).pg()?,
        ended_ms: r.try_get(4).pg()?,
        address: r.try_get(5).pg()?,
    })
}

const ROLLUP_COLUMNS: &str = "device_id, patrol_id, day, tz, gate_m, metres, last_t, last_lat, last_lon, dirty, fixes, \
     first_lat, first_lon, any_lat, any_lon, presence, grid_key";

fn rollup_row(r: &Row) -> StorageResult<TrackRollup> {
    shared::RollupRaw {
        device_id: r.try_get(0).pg()?,
        patrol_id: r.try_get(1).pg()?,
        day: r.try_get(2).pg()?,
        tz: r.try_get(3).pg()?,
        gate_m: r.try_get(4).pg()?,
        metres: r.try_get(5).pg()?,
        last_t: r.try_get(6).pg()?,
        last_lat: r.try_get(7).pg()?,
        last_lon: r.try_get(8).pg()?,
        dirty: r.try_get(9).pg()?,
        fixes: r.try_get(10).pg()?,
        first_lat: r.try_get(11).pg()?,
        first_lon: r.try_get(12).pg()?,
        any_lat: r.try_get(13).pg()?,
        any_lon: r.try_get(14).pg()?,
        presence: r.try_get(15).pg()?,
        grid_key: r.try_get(16).pg()?,
    }
    .into_row()
}

fn counts_row(r: &Row) -> StorageResult<DayCounts> {
    shared::CountsRaw {
        device_id: r.try_get(0).pg()?,
        day: r.try_get(1).pg()?,
        tz: r.try_get(2).pg()?,
        counts: r.try_get(3).pg()?,
    }
    .into_row()
}

/// Insert or replace report-count rows inside `tx`: one multi-row statement, not a round trip
/// per row.
async fn upsert_counts(
    tx: &tokio_postgres::Transaction<'_>,
    rows: &[DayCounts],
) -> StorageResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let devices: Vec<String> = rows.iter().map(|r| r.device_id.to_string()).collect();
    let days: Vec<String> = rows.iter().map(|r| r.day.to_string()).collect();
    let tzs: Vec<&str> = rows.iter().map(|r| r.tz.as_str()).collect();
    let counts: Vec<String> = rows.iter().map(shared::counts_json).collect();
    tx.execute(
        "INSERT INTO day_counts (device_id, day, tz, counts)
         SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[])
         ON CONFLICT (device_id, day) DO UPDATE SET tz = excluded.tz, counts = excluded.counts",
        &[&devices, &days, &tzs, &counts],
    )
    .await
    .pg()?;
    Ok(())
}

/// Insert or replace rollup rows inside `tx`.
async fn upsert_rollups(
    tx: &tokio_postgres::Transaction<'_>,
    rows: &[TrackRollup],
) -> StorageResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let stmt = tx
        .prepare(&format!(
            "INSERT INTO track_rollups ({ROLLUP_COLUMNS})
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
             ON CONFLICT (device_id, patrol_id, day) DO UPDATE SET tz = excluded.tz,
               gate_m = excluded.gate_m, metres = excluded.metres, last_t = excluded.last_t,
               last_lat = excluded.last_lat, last_lon = excluded.last_lon, dirty = excluded.dirty,
               fixes = excluded.fixes, first_lat = excluded.first_lat, first_lon = excluded.first_lon,
               any_lat = excluded.any_lat, any_lon = excluded.any_lon, presence = excluded.presence,
               grid_key = excluded.grid_key"
        ))
        .await
        .pg()?;
    for r in rows {
        tx.execute(
            &stmt,
            &[
                &r.device_id.to_string(),
                &r.patrol_id.to_string(),
                &r.day.to_string(),
                &r.tz,
                &r.gate_m,
                &r.metres,
                &r.last_t,
                &r.last_gated.map(|p| p.lat),
                &r.last_gated.map(|p| p.lon),
                &r.dirty,
                &i64::try_from(r.fixes).unwrap_or(i64::MAX),
                &r.first_gated.map(|p| p.lat),
                &r.first_gated.map(|p| p.lon),
                &r.last_any.map(|p| p.lat),
                &r.last_any.map(|p| p.lon),
                &serde_json::to_string(&r.presence).unwrap_or_else(|_| "{}".into()),
                &r.grid_key,
            ],
        )
        .await
        .pg()?;
    }
    Ok(())
}

fn operator_raw(r: &Row) -> StorageResult<OperatorRaw> {
    Ok(OperatorRaw {
        token_hash: r.try_get(0).pg()?,
        name: r.try_get(1).pg()?,
        role: r.try_get(2).pg()?,
        created_ms: r.try_get(3).pg()?,
        expires_ms: r.try_get(4).pg()?,
        revoked_ms: r.try_get(5).pg()?,
    })
}

fn entry_row(r: &Row) -> StorageResult<EntryRow> {
    Ok(EntryRow {
        device_id: r.try_get(0).pg()?,
        seq: r.try_get(1).pg()?,
        id: r.try_get(2).pg()?,
        kind: r.try_get(3).pg()?,
        wall_ms: r.try_get(4).pg()?,
        mono_ms: r.try_get(5).pg()?,
        gnss_ms: r.try_get(6).pg()?,
        cell: r.try_get(7).pg()?,
        payload: r.try_get(8).pg()?,
        prev_hash: r.try_get(9).pg()?,
        hash: r.try_get(10).pg()?,
        received_ms: r.try_get(11).pg()?,
        event_ms: r.try_get(12).pg()?,
        patrol_id: r.try_get(13).pg()?,
        flags: r.try_get(14).pg()?,
        quarantine_code: r.try_get(15).pg()?,
        quarantine_reason: r.try_get(16).pg()?,
    })
}

fn device_row(r: &Row) -> StorageResult<DeviceRow> {
    DeviceRaw {
        id: r.try_get(0).pg()?,
        name: r.try_get(1).pg()?,
        secret_hash: r.try_get(2).pg()?,
        status: r.try_get(3).pg()?,
        enrolled_ms: r.try_get(4).pg()?,
        revoked_ms: r.try_get(5).pg()?,
        head_seq: r.try_get(6).pg()?,
        head_hash: r.try_get(7).pg()?,
        last_seen_ms: r.try_get(8).pg()?,
        skew_ms: r.try_get(9).pg()?,
    }
    .into_row()
}

fn photo_row(r: &Row) -> StorageResult<PhotoRow> {
    PhotoRaw {
        sha256: r.try_get(0).pg()?,
        size: r.try_get(1).pg()?,
        mime: r.try_get(2).pg()?,
        device_id: r.try_get(3).pg()?,
        received_bytes: r.try_get(4).pg()?,
        complete: r.try_get(5).pg()?,
    }
    .into_row()
}

async fn get_device(c: &impl GenericClient, id: DeviceId) -> StorageResult<Option<DeviceRow>> {
    let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices WHERE id = $1");
    c.query_opt(&sql, &[&id.to_string()])
        .await
        .pg()?
        .as_ref()
        .map(device_row)
        .transpose()
}

/// The photo row, locked for the rest of the transaction when `lock`.
async fn get_photo(
    c: &impl GenericClient,
    sha256: &str,
    lock: bool,
) -> StorageResult<Option<PhotoRow>> {
    let sql = format!(
        "SELECT {PHOTO_COLUMNS} FROM photos WHERE sha256 = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    c.query_opt(&sql, &[&sha256])
        .await
        .pg()?
        .as_ref()
        .map(photo_row)
        .transpose()
}

async fn get_upload(
    c: &impl GenericClient,
    device: &str,
    sha256: &str,
    lock: bool,
) -> StorageResult<Option<PhotoRow>> {
    let sql = format!(
        "SELECT sha256, size, mime, device_id, received_bytes, FALSE FROM photo_uploads
         WHERE device_id = $1 AND sha256 = $2{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    c.query_opt(&sql, &[&device, &sha256])
        .await
        .pg()?
        .as_ref()
        .map(photo_row)
        .transpose()
}

fn concat(rows: &[Row]) -> StorageResult<Vec<u8>> {
    let mut out = Vec::new();
    for r in rows {
        out.extend_from_slice(r.try_get::<_, &[u8]>(0).pg()?);
    }
    Ok(out)
}

async fn load_reference(
    c: &impl GenericClient,
    min_version: i64,
    with_deleted: bool,
) -> StorageResult<(Option<CityHeader>, Vec<RefItem>)> {
    let header = c
        .query_opt(
            "SELECT name, timezone, version, counter, settings FROM reference_city WHERE id = 1",
            &[],
        )
        .await
        .pg()?
        .map(|r| {
            Ok::<_, StorageError>(CityHeader {
                name: r.try_get(0).pg()?,
                timezone: r.try_get(1).pg()?,
                version: r.try_get(2).pg()?,
                counter: r.try_get(3).pg()?,
                settings: r.try_get(4).pg()?,
            })
        })
        .transpose()?;
    let rows = c
        .query(
            "SELECT kind, id, body, version, deleted FROM reference_items
             WHERE version > $1 AND ($2 OR NOT deleted) ORDER BY kind, id",
            &[&min_version, &with_deleted],
        )
        .await
        .pg()?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(RefItem {
                kind: r.try_get(0).pg()?,
                id: r.try_get(1).pg()?,
                body: r.try_get(2).pg()?,
                version: r.try_get(3).pg()?,
                deleted: r.try_get(4).pg()?,
            })
        })
        .collect::<StorageResult<Vec<_>>>()?;
    Ok((header, items))
}

#[async_trait]
impl Storage for PgStorage {
    async fn share_events(&self, events: &crate::events::Events) -> StorageResult<()> {
        let pool = self.pool.clone();
        let config = self.config.clone();
        match self.tls.clone() {
            Some(tls) => super::pg_relay::start(pool, config, tls, events).await,
            None => super::pg_relay::start(pool, config, NoTls, events).await,
        }
        .map_err(|e| {
            StorageError::Backend(format!("postgres: cannot hear other HQ processes: {e}"))
        })
    }

    async fn tell_other_processes(&self, events: Vec<crate::events::Shared>) -> StorageResult<()> {
        super::pg_relay::tell(&self.pool, events)
            .await
            .map_err(|e| StorageError::Backend(format!("postgres: cannot tell HQ processes: {e}")))
    }

    async fn migrate(&self) -> StorageResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.pg()?;
        // Two HQ processes starting together: one migrates, the other waits and finds it done.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await
            .pg()?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    BIGINT PRIMARY KEY,
                 name       TEXT NOT NULL,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )
        .await
        .pg()?;
        let current: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0)::BIGINT FROM schema_migrations",
                &[],
            )
            .await
            .pg()?
            .try_get(0)
            .pg()?;
        let known = MIGRATIONS.last().map_or(0, |m| m.0);
        if current > known {
            return Err(shared::schema_too_new(current, known));
        }
        for (version, name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            tx.batch_execute(sql)
                .await
                .map_err(|e| match pg_error(&e) {
                    StorageError::Backend(m) => {
                        StorageError::Backend(format!("migration {name} failed: {m}"))
                    }
                    other => other,
                })?;
            tx.execute(
                "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                &[version, name],
            )
            .await
            .pg()?;
        }
        tx.commit().await.pg()
    }

    async fn create_enrollment(
        &self,
        code_hash: &str,
        name: &str,
        now_ms: i64,
        expires_ms: i64,
    ) -> StorageResult<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO enrollment_codes (code_hash, name, created_ms, expires_ms)
                 VALUES ($1, $2, $3, $4)",
                &[&code_hash, &name, &now_ms, &expires_ms],
            )
            .await
            .pg()?;
        Ok(())
    }

    async fn redeem_enrollment(
        &self,
        code_hash: &str,
        device_id: DeviceId,
        secret_hash: &str,
        now_ms: i64,
    ) -> StorageResult<DeviceRow> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.pg()?;
        let code = tx
            .query_opt(
                "SELECT name, expires_ms, used_ms FROM enrollment_codes WHERE code_hash = $1
                 FOR UPDATE",
                &[&code_hash],
            )
            .await
            .pg()?
            .map(|r| {
                Ok::<_, StorageError>((r.try_get(0).pg()?, r.try_get(1).pg()?, r.try_get(2).pg()?))
            })
            .transpose()?;
        let name = shared::redeemable(code, now_ms)?;
        if get_device(&tx, device_id).await?.is_some() {
            return Err(StorageError::DeviceExists(device_id));
        }
        let id = device_id.to_string();
        tx.execute(
            "UPDATE enrollment_codes SET used_ms = $1, device_id = $2 WHERE code_hash = $3",
            &[&now_ms, &id, &code_hash],
        )
        .await
        .pg()?;
        let row = shared::new_device(device_id, name, secret_hash.to_owned(), now_ms);
        let inserted = tx
            .execute(
                "INSERT INTO devices (id, name, secret_hash, status, enrolled_ms, head_seq,
                                      head_hash, skew_ms)
                 VALUES ($1, $2, $3, 'active', $4, 0, $5, 0)",
                &[
                    &id,
                    &row.name,
                    &row.secret_hash,
                    &now_ms,
                    &Hash::GENESIS.0.as_slice(),
                ],
            )
            .await;
        match inserted {
            // Another code enrolled the same device id meanwhile.
            Err(e) if e.code() == Some(&SqlState::UNIQUE_VIOLATION) => {
                return Err(StorageError::DeviceExists(device_id));
            }
            other => other.pg()?,
        };
        tx.commit().await.pg()?;
        Ok(row)
    }

    async fn pending_enrollments(&self, now_ms: i64) -> StorageResult<Vec<PendingEnrollment>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT name, created_ms, expires_ms FROM enrollment_codes
                 WHERE used_ms IS NULL AND expires_ms > $1
                 ORDER BY created_ms, name COLLATE \"C\", code_hash",
                &[&now_ms],
            )
            .await
            .pg()?;
        rows.iter()
            .map(|r| {
                Ok(PendingEnrollment {
                    name: r.try_get(0).pg()?,
                    created_ms: r.try_get(1).pg()?,
                    expires_ms: r.try_get(2).pg()?,
                })
            })
            .collect()
    }

    async fn cancel_enrollment(&self, code_hash: &str, now_ms: i64) -> StorageResult<bool> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE enrollment_codes SET expires_ms = $2
                 WHERE code_hash = $1 AND used_ms IS NULL AND expires_ms > $2",
                &[&code_hash, &now_ms],
            )
            .await
            .pg()?;
        Ok(n > 0)
    }

    async fn device(&self, id: DeviceId) -> StorageResult<Option<DeviceRow>> {
        get_device(&self.client().await?, id).await
    }

    async fn devices(&self) -> StorageResult<Vec<DeviceRow>> {
        let sql = format!("SELECT {DEVICE_COLUMNS} FROM devices ORDER BY enrolled_ms, id");
        let rows = self.client().await?.query(&sql, &[]).await.pg()?;
        rows.iter().map(device_row).collect()
    }

    async fn revoke_device(&self, id: DeviceId, now_ms: i64) -> StorageResult<bool> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE devices SET status = 'revoked', revoked_ms = COALESCE(revoked_ms, $2)
                 WHERE id = $1",
                &[&id.to_string(), &now_ms],
            )
            .await
            .pg()?;
        Ok(n > 0)
    }

    async fn add_operator_with(
        &self,
        name: &str,
        token_hash: &str,
        role: Role,
        expires_ms: Option<i64>,
        now_ms: i64,
    ) -> StorageResult<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO operators (token_hash, name, created_ms, role, expires_ms)
                 VALUES ($1, $2, $3, $4, $5)
                 ON CONFLICT (token_hash) DO UPDATE SET name = excluded.name",
                &[&token_hash, &name, &now_ms, &role.as_str(), &expires_ms],
            )
            .await
            .pg()?;
        Ok(())
    }

    async fn operator(&self, token_hash: &str) -> StorageResult<Option<OperatorRow>> {
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE token_hash = $1");
        self.client()
            .await?
            .query_opt(&sql, &[&token_hash])
            .await
            .pg()?
            .as_ref()
            .map(|r| operator_raw(r)?.into_row())
            .transpose()
    }

    async fn operators(&self) -> StorageResult<Vec<OperatorRow>> {
        let sql =
            format!("SELECT {OPERATOR_COLUMNS} FROM operators ORDER BY created_ms, token_hash");
        let rows = self.client().await?.query(&sql, &[]).await.pg()?;
        rows.iter().map(|r| operator_raw(r)?.into_row()).collect()
    }

    async fn revoke_operator(
        &self,
        id_prefix: &str,
        now_ms: i64,
    ) -> StorageResult<Option<OperatorRow>> {
        let prefix = shared::operator_prefix(id_prefix)?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.pg()?;
        let sql = format!(
            "SELECT {OPERATOR_COLUMNS} FROM operators WHERE left(token_hash, $2) = $1 FOR UPDATE"
        );
        let len = i32::try_from(prefix.len()).unwrap_or(64);
        let raws = tx
            .query(&sql, &[&prefix, &len])
            .await
            .pg()?
            .iter()
            .map(operator_raw)
            .collect::<StorageResult<Vec<_>>>()?;
        let Some(raw) = shared::one_operator(id_prefix, raws)? else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE operators SET revoked_ms = COALESCE(revoked_ms, $2) WHERE token_hash = $1",
            &[&raw.token_hash, &now_ms],
        )
        .await
        .pg()?;
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE token_hash = $1");
        let row = operator_raw(&tx.query_one(&sql, &[&raw.token_hash]).await.pg()?)?.into_row()?;
        tx.commit().await.pg()?;
        Ok(Some(row))
    }

    async fn create_session(
        &self,
        session_hash: &str,
        operator_token_hash: &str,
        created_ms: i64,
        expires_ms: i64,
        address: Option<&str>,
    ) -> StorageResult<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO operator_sessions
                   (session_hash, operator_hash, created_ms, expires_ms, address)
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &session_hash,
                    &operator_token_hash,
                    &created_ms,
                    &expires_ms,
                    &address,
                ],
            )
            .await
            .pg()?;
        Ok(())
    }

    async fn session(
        &self,
        session_hash: &str,
    ) -> StorageResult<Option<(SessionRow, OperatorRow)>> {
        let client = self.client().await?;
        let sql =
            format!("SELECT {SESSION_COLUMNS} FROM operator_sessions WHERE session_hash = $1");
        let Some(row) = client.query_opt(&sql, &[&session_hash]).await.pg()? else {
            return Ok(None);
        };
        let raw = session_raw(&row)?;
        let sql = format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE token_hash = $1");
        let op =
            operator_raw(&client.query_one(&sql, &[&raw.operator_hash]).await.pg()?)?.into_row()?;
        Ok(Some((raw.into_row(), op)))
    }

    async fn end_session(
        &self,
        hash_prefix: &str,
        now_ms: i64,
    ) -> StorageResult<Option<SessionRow>> {
        let prefix = shared::session_prefix(hash_prefix)?;
        let mut client = self.client().await?;
        let tx = client.transaction().await.pg()?;
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM operator_sessions
             WHERE left(session_hash, $2) = $1 FOR UPDATE"
        );
        let len = i32::try_from(prefix.len()).unwrap_or(64);
        let raws = tx
            .query(&sql, &[&prefix, &len])
            .await
            .pg()?
            .iter()
            .map(session_raw)
            .collect::<StorageResult<Vec<_>>>()?;
        let Some(mut raw) = shared::one_session(hash_prefix, raws)? else {
            return Ok(None);
        };
        tx.execute(
            "UPDATE operator_sessions SET ended_ms = COALESCE(ended_ms, $2)
             WHERE session_hash = $1",
            &[&raw.session_hash, &now_ms],
        )
        .await
        .pg()?;
        tx.commit().await.pg()?;
        raw.ended_ms = raw.ended_ms.or(Some(now_ms));
        Ok(Some(raw.into_row()))
    }

    async fn sessions(&self, now_ms: i64) -> StorageResult<Vec<SessionRow>> {
        let sql = format!(
            "SELECT {SESSION_COLUMNS} FROM operator_sessions
             WHERE ended_ms IS NULL AND expires_ms > $1
             ORDER BY created_ms, session_hash"
        );
        let rows = self.client().await?.query(&sql, &[&now_ms]).await.pg()?;
        rows.iter()
            .map(|r| Ok(session_raw(r)?.into_row()))
            .collect()
    }

    async fn device_rollups(
        &self,
        device: DeviceId,
        patrols: &[PatrolId],
    ) -> StorageResult<Vec<TrackRollup>> {
        let ids: Vec<String> = patrols.iter().map(ToString::to_string).collect();
        let sql = format!(
            "SELECT {ROLLUP_COLUMNS} FROM track_rollups WHERE device_id = $1 AND patrol_id = ANY($2)"
        );
        let rows = self
            .client()
            .await?
            .query(&sql, &[&device.to_string(), &ids])
            .await
            .pg()?;
        rows.iter().map(rollup_row).collect()
    }

    async fn patrol_rollups(&self, patrols: &[PatrolId]) -> StorageResult<Vec<TrackRollup>> {
        if patrols.is_empty() {
            return Ok(vec![]);
        }
        let ids: Vec<String> = patrols.iter().map(ToString::to_string).collect();
        let sql = format!(
            "SELECT {ROLLUP_COLUMNS} FROM track_rollups WHERE patrol_id = ANY($1)
             ORDER BY patrol_id, day, device_id"
        );
        let rows = self
            .client_on(Side::Replica)
            .await?
            .query(&sql, &[&ids])
            .await
            .pg()?;
        rows.iter().map(rollup_row).collect()
    }

    async fn day_rollups(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StorageResult<Vec<TrackRollup>> {
        let sql = format!(
            "SELECT {ROLLUP_COLUMNS} FROM track_rollups WHERE day >= $1 AND day <= $2
             ORDER BY day, patrol_id, device_id"
        );
        let rows = self
            .client_on(Side::Replica)
            .await?
            .query(&sql, &[&from.to_string(), &to.to_string()])
            .await
            .pg()?;
        rows.iter().map(rollup_row).collect()
    }

    async fn rollups_built(&self) -> StorageResult<bool> {
        let row = self
            .client()
            .await?
            .query_one("SELECT built FROM rollup_state WHERE id = 1", &[])
            .await
            .pg()?;
        row.try_get(0).pg()
    }

    async fn replace_rollups(&self, device: DeviceId, rows: &[TrackRollup]) -> StorageResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.pg()?;
        tx.execute(
            "DELETE FROM track_rollups WHERE device_id = $1",
            &[&device.to_string()],
        )
        .await
        .pg()?;
        upsert_rollups(&tx, rows).await?;
        tx.commit().await.pg()?;
        Ok(())
    }

    async fn set_rollups_built(&self, built: bool) -> StorageResult<()> {
        self.client()
            .await?
            .execute("UPDATE rollup_state SET built = $1 WHERE id = 1", &[&built])
            .await
            .pg()?;
        Ok(())
    }

    async fn device_counts(
        &self,
        device: DeviceId,
        days: &[chrono::NaiveDate],
    ) -> StorageResult<Vec<DayCounts>> {
        let days: Vec<String> = days.iter().map(ToString::to_string).collect();
        let rows = self
            .client()
            .await?
            .query(
                "SELECT device_id, day, tz, counts FROM day_counts
                 WHERE device_id = $1 AND day = ANY($2)",
                &[&device.to_string(), &days],
            )
            .await
            .pg()?;
        rows.iter().map(counts_row).collect()
    }

    async fn day_counts(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
    ) -> StorageResult<Vec<DayCounts>> {
        let rows = self
            .client_on(Side::Replica)
            .await?
            .query(
                "SELECT device_id, day, tz, counts FROM day_counts WHERE day >= $1 AND day <= $2
                 ORDER BY day, device_id",
                &[&from.to_string(), &to.to_string()],
            )
            .await
            .pg()?;
        rows.iter().map(counts_row).collect()
    }

    async fn counts_built(&self) -> StorageResult<bool> {
        let row = self
            .client()
            .await?
            .query_one("SELECT counts_built FROM rollup_state WHERE id = 1", &[])
            .await
            .pg()?;
        row.try_get(0).pg()
    }

    async fn replace_counts(&self, device: DeviceId, rows: &[DayCounts]) -> StorageResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.pg()?;
        tx.execute(
            "DELETE FROM day_counts WHERE device_id = $1",
            &[&device.to_string()],
        )
        .await
        .pg()?;
        upsert_counts(&tx, rows).await?;
        tx.commit().await.pg()?;
        Ok(())
    }

    async fn set_counts_built(&self, built: bool) -> StorageResult<()> {
        self.client()
            .await?
            .execute(
                "UPDATE rollup_state SET counts_built = $1 WHERE id = 1",
                &[&built],
            )
            .await
            .pg()?;
        Ok(())
    }

    async fn append_audit(&self, r: &AuditRecord) -> StorageResult<()> {
        self.client()
            .await?
            .execute(
                "INSERT INTO audit (at_ms, operator, role, address, action, target)
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &r.at_ms,
                    &r.operator,
                    &r.role.as_str(),
                    &r.address,
                    &r.action,
                    &r.target,
                ],
            )
            .await
            .pg()?;
        Ok(())
    }

    async fn audit(&self, limit: u32) -> StorageResult<Vec<AuditRecord>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT at_ms, operator, role, address, action, target FROM audit
                 ORDER BY n DESC LIMIT $1",
                &[&i64::from(limit)],
            )
            .await
            .pg()?;
        rows.iter()
            .map(|r| {
                shared::audit_record(
                    r.try_get(0).pg()?,
                    r.try_get(1).pg()?,
                    r.try_get::<_, &str>(2).pg()?,
                    r.try_get(3).pg()?,
                    r.try_get(4).pg()?,
                    r.try_get(5).pg()?,
                )
            })
            .collect()
    }

    async fn operator_by_token(&self, token_hash: &str) -> StorageResult<Option<String>> {
        self.client()
            .await?
            .query_opt(
                "SELECT name FROM operators WHERE token_hash = $1",
                &[&token_hash],
            )
            .await
            .pg()?
            .map(|r| r.try_get(0).pg())
            .transpose()
    }

    async fn hashes(
        &self,
        device: DeviceId,
        from_seq: u64,
        to_seq: u64,
    ) -> StorageResult<Vec<(u64, Hash)>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT seq, hash FROM entries
                 WHERE device_id = $1 AND seq >= $2 AND seq <= $3 ORDER BY seq",
                &[
                    &device.to_string(),
                    &clamp_i64(from_seq),
                    &clamp_i64(to_seq),
                ],
            )
            .await
            .pg()?;
        rows.iter()
            .map(|r| {
                let seq: i64 = r.try_get(0).pg()?;
                let hash: Vec<u8> = r.try_get(1).pg()?;
                Ok((shared::to_u64("seq", seq)?, shared::hash("hash", &hash)?))
            })
            .collect()
    }

    async fn commit_ingest(&self, device: DeviceId, plan: IngestPlan) -> StorageResult<Head> {
        // Rolled before the transaction opens: beside the `COPY` it gained nothing here, where
        // the server takes one core and the rolling the other (measured; README).
        let rolled = plan
            .roll
            .as_ref()
            .map(|j| j.run(&plan.new))
            .unwrap_or_default();
        let mut client = self.client().await?;
        let tx = client.transaction().await.pg()?;
        let id = device.to_string();
        // The row lock serialises uploads of one device: the loser re-reads the moved head.
        let row = tx
            .query_opt(
                "SELECT head_seq, head_hash, status FROM devices WHERE id = $1 FOR UPDATE",
                &[&id],
            )
            .await
            .pg()?
            .ok_or_else(|| shared::not_enrolled(device))?;
        let seq: i64 = row.try_get(0).pg()?;
        let hash: Vec<u8> = row.try_get(1).pg()?;
        let status: String = row.try_get(2).pg()?;
        // Revoked after the request was authenticated: store nothing.
        if status != "active" {
            return Err(StorageError::Revoked(device));
        }
        let writes = check_plan(device, shared::head(seq, &hash)?, &plan)?;
        if !writes.entries.is_empty() {
            // Binary COPY, in the same transaction as the head it moves: the rows stream to the
            // server in one go, with no statement per row or per batch and no copy of each
            // column into an array (the UNNEST batches it replaced measured within noise of it
            // on a 12-hour shift: the server's index work dominates either way). Constraints,
            // the foreign key and the append-only triggers apply to COPY as to INSERT.
            use tokio_postgres::binary_copy::BinaryCopyInWriter;
            use tokio_postgres::types::Type;
            const TYPES: [Type; 17] = [
                Type::TEXT,
                Type::INT8,
                Type::TEXT,
                Type::TEXT,
                Type::INT8,
                Type::INT8,
                Type::INT8,
                Type::TEXT,
                Type::BYTEA,
                Type::BYTEA,
                Type::BYTEA,
                Type::INT8,
                Type::INT8,
                Type::TEXT,
                Type::TEXT,
                Type::TEXT,
                Type::TEXT,
            ];
            let sink = tx
                .copy_in(&format!(
                    "COPY entries ({ENTRY_COLUMNS}) FROM STDIN (FORMAT binary)"
                ))
                .await
                .pg()?;
            let mut writer = std::pin::pin!(BinaryCopyInWriter::new(sink, &TYPES));
            for r in &writes.entries {
                writer
                    .as_mut()
                    .write(&[
                        &id,
                        &r.seq,
                        &r.id,
                        &r.kind,
                        &r.wall_ms,
                        &r.mono_ms,
                        &r.gnss_ms,
                        &r.cell,
                        &r.payload,
                        &r.prev_hash,
                        &r.hash,
                        &r.received_ms,
                        &r.event_ms,
                        &r.patrol_id,
                        &r.flags,
                        &r.quarantine_code,
                        &r.quarantine_reason,
                    ])
                    .await
                    .pg()?;
            }
            writer.finish().await.pg()?;
        }
        for k in &writes.conflicts {
            tx.execute(
                // At most `max_conflicts` rows per device (the row lock above serialises this
                // device's uploads, so the count cannot race).
                "INSERT INTO conflicts (device_id, seq, hq_hash, device_hash, device_entry,
                                        received_ms)
                 SELECT $1::text, $2::bigint, $3::bytea, $4::bytea, $5::text, $6::bigint
                 WHERE (SELECT count(*) FROM conflicts WHERE device_id = $1::text) < $7::bigint
                 ON CONFLICT (device_id, seq, device_hash) DO NOTHING",
                &[
                    &k.device_id,
                    &k.seq,
                    &k.hq_hash,
                    &k.device_hash,
                    &k.device_entry,
                    &plan.seen_ms,
                    &i64::from(plan.max_conflicts),
                ],
            )
            .await
            .pg()?;
        }
        upsert_rollups(&tx, &plan.rollups).await?;
        upsert_rollups(&tx, &rolled).await?;
        upsert_counts(&tx, &plan.counts).await?;
        // The supplements' places. Uploads of different devices commit side by side, so the
        // numbering takes a lock held to the commit: the places commit in order, and a reader
        // never sees a place before those under it (migration 0014).
        let mut next: Option<i64> = None;
        for r in writes.supplements() {
            let n = match next {
                Some(n) => n,
                None => {
                    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&SUPPLEMENT_LOG_LOCK])
                        .await
                        .pg()?;
                    tx.query_one("SELECT COALESCE(MAX(n), 0) + 1 FROM supplement_log", &[])
                        .await
                        .pg()?
                        .try_get(0)
                        .pg()?
                }
            };
            tx.execute(
                "INSERT INTO supplement_log (n, device_id, seq) VALUES ($1, $2, $3)",
                &[&n, &id, &r.seq],
            )
            .await
            .pg()?;
            next = Some(n + 1);
        }
        for (d, sha) in &writes.photo_refs {
            tx.execute(
                "INSERT INTO entry_photos (device_id, sha256) VALUES ($1, $2)
                 ON CONFLICT (device_id, sha256) DO NOTHING",
                &[d, sha],
            )
            .await
            .pg()?;
        }
        let head = writes.head;
        tx.execute(
            "UPDATE devices SET head_seq = $2, head_hash = $3, skew_ms = $4, last_seen_ms = $5
             WHERE id = $1",
            &[
                &id,
                &to_i64("seq", head.seq)?,
                &head.hash.0.as_slice(),
                &plan.skew_ms,
                &plan.seen_ms,
            ],
        )
        .await
        .pg()?;
        tx.commit().await.pg()?;
        Ok(head)
    }

    async fn entries(
        &self,
        device: DeviceId,
        from_seq: u64,
        limit: u32,
    ) -> StorageResult<Vec<StoredEntry>> {
        self.query_entries(
            "WHERE device_id = $1 AND seq >= $2 ORDER BY seq LIMIT $3",
            &[&device.to_string(), &clamp_i64(from_seq), &i64::from(limit)],
        )
        .await
    }

    async fn entries_between(
        &self,
        from_ms: i64,
        to_ms: i64,
        kinds: Option<&[EntryKind]>,
    ) -> StorageResult<Vec<StoredEntry>> {
        let kinds: Option<Vec<String>> =
            kinds.map(|ks| ks.iter().map(|k| k.as_str().to_owned()).collect());
        if kinds.as_ref().is_some_and(Vec::is_empty) {
            return Ok(vec![]);
        }
        // Two statements, not `($3 IS NULL OR kind = ANY($3))`: a cached generic plan of that
        // cannot use the kind index, and read every track segment of the window to find a day's
        // few patrol starts (4–6 s for a city's day).
        match kinds {
            // Without track segments, said literally so the partial index (kind, event_ms)
            // applies to the generic plan too: each kind's entries of the window, not of all
            // time and not a bitmap of the window's track segments.
            Some(kinds) if !kinds.iter().any(|k| k == EntryKind::TrackSegment.as_str()) => {
                self.query_entries_on(
                    Side::Replica,
                    "WHERE kind = ANY($3) AND kind <> 'track_segment'
                       AND event_ms >= $1 AND event_ms < $2
                     ORDER BY device_id, seq",
                    &[&from_ms, &to_ms, &kinds],
                )
                .await
            }
            Some(kinds) => {
                self.query_entries_on(
                    Side::Replica,
                    // `+ 0`: the kind index, not a bitmap of the whole window (see below).
                    "WHERE kind = ANY($3) AND event_ms + 0 >= $1 AND event_ms + 0 < $2
                     ORDER BY device_id, seq",
                    &[&from_ms, &to_ms, &kinds],
                )
                .await
            }
            None => {
                self.query_entries_on(
                    Side::Replica,
                    "WHERE event_ms >= $1 AND event_ms < $2 ORDER BY device_id, seq",
                    &[&from_ms, &to_ms],
                )
                .await
            }
        }
    }

    async fn latest_entries(
        &self,
        devices: &[DeviceId],
        kind: Option<EntryKind>,
        from_ms: i64,
        to_ms: i64,
    ) -> StorageResult<Vec<StoredEntry>> {
        if devices.is_empty() {
            return Ok(vec![]);
        }
        let ids: Vec<String> = devices.iter().map(ToString::to_string).collect();
        // One indexed look per device, newest first (LATERAL … LIMIT 1), as on SQLite: a GROUP
        // BY over the window read every entry of the day (6 s for 1,000 devices' day). The
        // window is written `event_ms + 0` so that the cached generic plan cannot AND in the
        // event-time index (a bitmap of the whole day's entries per device, 5 s for 300): the
        // (kind, device_id, seq) or primary key index, walked backwards, finds the newest at once.
        // Track segments are not in `entries_kind` (0011): theirs is the primary key walked
        // backwards, where they are nearly every entry; any other kind says the partial
        // index's condition literally so the plan may take it.
        match kind {
            Some(kind) => {
                let sql = format!(
                    "WHERE (device_id, seq) IN (
                         SELECT d.id, l.seq FROM unnest($1::TEXT[]) AS d(id)
                         CROSS JOIN LATERAL (
                             SELECT seq FROM entries
                             WHERE kind = $4 {} AND device_id = d.id
                               AND event_ms + 0 >= $2 AND event_ms + 0 < $3
                             ORDER BY seq DESC LIMIT 1) AS l)
                     ORDER BY device_id, seq",
                    not_a_track(kind)
                );
                self.query_entries_on(
                    Side::Replica,
                    &sql,
                    &[&ids, &from_ms, &to_ms, &kind.as_str()],
                )
                .await
            }
            None => {
                self.query_entries_on(
                    Side::Replica,
                    "WHERE (device_id, seq) IN (
                         SELECT d.id, l.seq FROM unnest($1::TEXT[]) AS d(id)
                         CROSS JOIN LATERAL (
                             SELECT seq FROM entries
                             WHERE device_id = d.id AND event_ms + 0 >= $2 AND event_ms + 0 < $3
                             ORDER BY seq DESC LIMIT 1) AS l)
                     ORDER BY device_id, seq",
                    &[&ids, &from_ms, &to_ms],
                )
                .await
            }
        }
    }

    async fn entry_keys_between(
        &self,
        from_ms: i64,
        to_ms: i64,
        kinds: &[EntryKind],
    ) -> StorageResult<Vec<EntryKey>> {
        let kinds: Vec<String> = kinds.iter().map(|k| k.as_str().to_owned()).collect();
        if kinds.is_empty() {
            return Ok(vec![]);
        }
        // Never asked with track segments: the partial index (kind, event_ms) applies, its
        // condition said literally as in `entries_between`.
        let client = self.client_on(Side::Replica).await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {KEY_COLUMNS} FROM entries
                 WHERE kind = ANY($3) AND kind <> 'track_segment'
                   AND event_ms >= $1 AND event_ms < $2 AND quarantine_code IS NULL"
            ))
            .await
            .pg()?;
        let rows = client
            .query(&stmt, &[&from_ms, &to_ms, &kinds])
            .await
            .pg()?;
        rows.iter()
            .map(|r| {
                EntryKeyRow {
                    device_id: r.try_get(0).pg()?,
                    seq: r.try_get(1).pg()?,
                    id: r.try_get(2).pg()?,
                    kind: r.try_get(3).pg()?,
                    cell: r.try_get(4).pg()?,
                    event_ms: r.try_get(5).pg()?,
                    patrol_id: r.try_get(6).pg()?,
                }
                .into_key()
            })
            .collect()
    }

    async fn entries_at(&self, keys: &[(DeviceId, u64)]) -> StorageResult<Vec<StoredEntry>> {
        let devices: Vec<String> = keys.iter().map(|(d, _)| d.to_string()).collect();
        let seqs: Vec<i64> = keys
            .iter()
            .map(|(_, seq)| to_i64("seq", *seq))
            .collect::<StorageResult<_>>()?;
        if keys.is_empty() {
            return Ok(vec![]);
        }
        self.query_entries_on(
            Side::Replica,
            "WHERE (device_id, seq) IN (SELECT * FROM unnest($1::TEXT[], $2::BIGINT[]))
             ORDER BY device_id, seq",
            &[&devices, &seqs],
        )
        .await
    }

    async fn patrol_entries(&self, patrols: &[PatrolId]) -> StorageResult<Vec<StoredEntry>> {
        if patrols.is_empty() {
            return Ok(vec![]);
        }
        let ids: Vec<String> = patrols.iter().map(|p| p.to_string()).collect();
        self.query_entries_on(
            Side::Replica,
            "WHERE patrol_id = ANY($1) ORDER BY device_id, seq",
            &[&ids],
        )
        .await
    }

    async fn supplements(&self) -> StorageResult<Vec<StoredEntry>> {
        // The kind is spelt literally, with the partial index's own condition, so that every
        // plan (the generic one too) may take `entries_kind`.
        self.query_entries(
            "WHERE kind = 'supplement' AND kind <> 'track_segment' ORDER BY device_id, seq",
            &[],
        )
        .await
    }

    async fn supplements_since(&self, after: u64) -> StorageResult<Vec<(u64, StoredEntry)>> {
        let client = self.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {ENTRY_COLUMNS}, n FROM supplement_log JOIN entries USING (device_id, seq)
                 WHERE n > $1 ORDER BY n"
            ))
            .await
            .pg()?;
        let rows = client.query(&stmt, &[&clamp_i64(after)]).await.pg()?;
        rows.iter()
            .map(|r| {
                let n: i64 = r.try_get(17).pg()?;
                Ok((n.unsigned_abs(), entry_row(r)?.into_stored()?))
            })
            .collect()
    }

    async fn quarantined(
        &self,
        device: Option<DeviceId>,
    ) -> StorageResult<Vec<(DeviceId, EntryProblem)>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT device_id, seq, quarantine_code, quarantine_reason FROM entries
                 WHERE quarantine_code IS NOT NULL AND ($1::TEXT IS NULL OR device_id = $1)
                 ORDER BY device_id, seq",
                &[&device.map(|d| d.to_string())],
            )
            .await
            .pg()?;
        rows.iter()
            .map(|r| {
                let device: String = r.try_get(0).pg()?;
                shared::problem(
                    &device,
                    r.try_get(1).pg()?,
                    r.try_get(2).pg()?,
                    r.try_get(3).pg()?,
                )
            })
            .collect()
    }

    async fn conflicts(
        &self,
        device: Option<DeviceId>,
    ) -> StorageResult<Vec<(DeviceId, Conflict)>> {
        let rows = self
            .client()
            .await?
            .query(
                "SELECT device_id, seq, hq_hash, device_hash FROM conflicts
                 WHERE $1::TEXT IS NULL OR device_id = $1
                 ORDER BY device_id, seq, device_hash",
                &[&device.map(|d| d.to_string())],
            )
            .await
            .pg()?;
        rows.iter()
            .map(|r| {
                let device: String = r.try_get(0).pg()?;
                let hq: Vec<u8> = r.try_get(2).pg()?;
                let dev: Vec<u8> = r.try_get(3).pg()?;
                shared::conflict(&device, r.try_get(1).pg()?, &hq, &dev)
            })
            .collect()
    }

    async fn photo(&self, sha256: &str) -> StorageResult<Option<PhotoRow>> {
        get_photo(&self.client().await?, sha256, false).await
    }

    async fn photo_upload(
        &self,
        device: DeviceId,
        sha256: &str,
    ) -> StorageResult<Option<PhotoRow>> {
        get_upload(&self.client().await?, &device.to_string(), sha256, false).await
    }

    async fn begin_photo(
        &self,
        sha256: &str,
        size: u64,
        mime: &str,
        device: DeviceId,
        now_ms: i64,
    ) -> StorageResult<PhotoRow> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.pg()?;
        if let Some(done) = get_photo(&tx, sha256, false).await? {
            return Ok(done);
        }
        let id = device.to_string();
        tx.execute(
            "INSERT INTO photo_uploads (device_id, sha256, size, mime, created_ms)
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (device_id, sha256) DO NOTHING",
            &[&id, &sha256, &to_i64("size", size)?, &mime, &now_ms],
        )
        .await
        .pg()?;
        let row = get_upload(&tx, &id, sha256, false)
            .await?
            .ok_or_else(|| StorageError::UnknownPhoto(sha256.to_owned()))?;
        tx.commit().await.pg()?;
        Ok(row)
    }

    async fn append_photo(
        &self,
        device: DeviceId,
        sha256: &str,
        offset: u64,
        bytes: &[u8],
    ) -> StorageResult<PhotoRow> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.pg()?;
        let id = device.to_string();
        let row = get_upload(&tx, &id, sha256, true)
            .await?
            .ok_or_else(|| StorageError::UnknownPhoto(sha256.to_owned()))?;
        let end = shared::check_append(&row, offset, bytes.len())?;
        if bytes.is_empty() {
            return Ok(row);
        }
        tx.execute(
            "INSERT INTO photo_upload_chunks (device_id, sha256, chunk_start, bytes)
             VALUES ($1, $2, $3, $4)",
            &[&id, &sha256, &to_i64("offset", offset)?, &bytes],
        )
        .await
        .pg()?;
        tx.execute(
            "UPDATE photo_uploads SET received_bytes = $3 WHERE device_id = $1 AND sha256 = $2",
            &[&id, &sha256, &to_i64("offset", end)?],
        )
        .await
        .pg()?;
        let row = get_upload(&tx, &id, sha256, false)
            .await?
            .ok_or_else(|| StorageError::UnknownPhoto(sha256.to_owned()))?;
        tx.commit().await.pg()?;
        Ok(row)
    }

    async fn photo_bytes(&self, sha256: &str) -> StorageResult<Vec<u8>> {
        let client = self.client().await?;
        if get_photo(&client, sha256, false).await?.is_none() {
            return Err(StorageError::UnknownPhoto(sha256.to_owned()));
        }
        let rows = client
            .query(
                "SELECT bytes FROM photo_chunks WHERE sha256 = $1 ORDER BY chunk_start",
                &[&sha256],
            )
            .await
            .pg()?;
        concat(&rows)
    }

    async fn upload_bytes(&self, device: DeviceId, sha256: &str) -> StorageResult<Vec<u8>> {
        let client = self.client().await?;
        let id = device.to_string();
        if get_upload(&client, &id, sha256, false).await?.is_none() {
            return Err(StorageError::UnknownPhoto(sha256.to_owned()));
        }
        let rows = client
            .query(
                "SELECT bytes FROM photo_upload_chunks WHERE device_id = $1 AND sha256 = $2
                 ORDER BY chunk_start",
                &[&id, &sha256],
            )
            .await
            .pg()?;
        concat(&rows)
    }

    async fn finish_photo(
        &self,
        device: DeviceId,
        sha256: &str,
        verified: bool,
    ) -> StorageResult<PhotoRow> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.pg()?;
        let id = device.to_string();
        let upload = get_upload(&tx, &id, sha256, true).await?;
        // Serialise completions of one photo by several devices.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
            &[&sha256],
        )
        .await
        .pg()?;
        let done = get_photo(&tx, sha256, false).await?;
        let delete = "DELETE FROM photo_uploads WHERE device_id = $1 AND sha256 = $2";
        let row = match (upload, done) {
            (Some(_), Some(done)) if verified => {
                tx.execute(delete, &[&id, &sha256]).await.pg()?;
                done
            }
            (Some(up), None) if verified => {
                tx.execute(
                    "INSERT INTO photos (sha256, size, mime, device_id, created_ms,
                                         received_bytes, complete)
                     SELECT sha256, size, mime, device_id, created_ms, received_bytes, TRUE
                     FROM photo_uploads WHERE device_id = $1 AND sha256 = $2",
                    &[&id, &sha256],
                )
                .await
                .pg()?;
                tx.execute(
                    "INSERT INTO photo_chunks (sha256, chunk_start, bytes)
                     SELECT sha256, chunk_start, bytes FROM photo_upload_chunks
                     WHERE device_id = $1 AND sha256 = $2",
                    &[&id, &sha256],
                )
                .await
                .pg()?;
                tx.execute(delete, &[&id, &sha256]).await.pg()?;
                PhotoRow {
                    complete: true,
                    ..up
                }
            }
            (Some(up), _) => {
                tx.execute(
                    "DELETE FROM photo_upload_chunks WHERE device_id = $1 AND sha256 = $2",
                    &[&id, &sha256],
                )
                .await
                .pg()?;
                tx.execute(
                    "UPDATE photo_uploads SET received_bytes = 0
                     WHERE device_id = $1 AND sha256 = $2",
                    &[&id, &sha256],
                )
                .await
                .pg()?;
                PhotoRow { offset: 0, ..up }
            }
            (None, Some(done)) => done,
            (None, None) => return Err(StorageError::UnknownPhoto(sha256.to_owned())),
        };
        tx.commit().await.pg()?;
        Ok(row)
    }

    async fn photos_held(
        &self,
        device: DeviceId,
        asked: Option<&[String]>,
    ) -> StorageResult<(u64, Vec<String>)> {
        let mut client = self.client().await?;
        // The count and the list from one snapshot.
        let client = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .pg()?;
        let d = device.to_string();
        let held: i64 = client
            .query_one(
                "SELECT count(*) FROM entry_photos r JOIN photos p ON p.sha256 = r.sha256
                 WHERE r.device_id = $1 AND p.complete",
                &[&d],
            )
            .await
            .pg()?
            .try_get(0)
            .pg()?;
        let rows =
            match asked {
                None => client
                    .query(
                        "SELECT p.sha256 FROM photos p JOIN entry_photos r ON r.sha256 = p.sha256
                         WHERE r.device_id = $1 AND p.complete
                         ORDER BY p.created_ms, p.sha256",
                        &[&d],
                    )
                    .await,
                Some(asked) => client
                    .query(
                        "SELECT p.sha256 FROM photos p JOIN entry_photos r ON r.sha256 = p.sha256
                         WHERE r.device_id = $1 AND r.sha256 = ANY($2) AND p.complete
                         ORDER BY p.created_ms, p.sha256",
                        &[&d, &asked],
                    )
                    .await,
            }
            .pg()?;
        let listed = rows
            .iter()
            .map(|r| r.try_get(0).pg())
            .collect::<StorageResult<Vec<String>>>()?;
        client.commit().await.pg()?;
        Ok((held.unsigned_abs(), listed))
    }

    async fn photo_referenced(&self, device: DeviceId, sha256: &str) -> StorageResult<bool> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM entry_photos WHERE device_id = $1 AND sha256 = $2)",
                &[&device.to_string(), &sha256],
            )
            .await
            .pg()?;
        row.try_get(0).pg()
    }

    async fn uploads_pending_bytes(&self, device: DeviceId) -> StorageResult<u64> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT COALESCE(SUM(size), 0)::BIGINT FROM photo_uploads WHERE device_id = $1",
                &[&device.to_string()],
            )
            .await
            .pg()?;
        shared::to_u64("pending photo bytes", row.try_get(0).pg()?)
    }

    async fn import_city(&self, city: &City, now_ms: i64) -> StorageResult<ImportSummary> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.pg()?;
        // The counter is read, then bumped: two imports at once must take turns.
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&REFERENCE_LOCK])
            .await
            .pg()?;
        let (header, items) = load_reference(&tx, i64::MIN, true).await?;
        let plan = shared::plan_import(header.as_ref(), items, city)?;
        let h = &plan.header;
        tx.execute(
            "INSERT INTO reference_city (id, name, timezone, version, counter, imported_ms,
                                         settings)
             VALUES (1, $1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                 timezone = excluded.timezone, version = excluded.version,
                 counter = excluded.counter, imported_ms = excluded.imported_ms,
                 settings = excluded.settings",
            &[
                &h.name,
                &h.timezone,
                &h.version,
                &h.counter,
                &now_ms,
                &h.settings,
            ],
        )
        .await
        .pg()?;
        if !plan.writes.is_empty() {
            let upsert = tx
                .prepare_cached(
                    "INSERT INTO reference_items (kind, id, body, version, deleted)
                     VALUES ($1, $2, $3, $4, $5)
                     ON CONFLICT (kind, id) DO UPDATE SET body = excluded.body,
                         version = excluded.version, deleted = excluded.deleted",
                )
                .await
                .pg()?;
            for it in &plan.writes {
                tx.execute(
                    &upsert,
                    &[&it.kind, &it.id, &it.body, &it.version, &it.deleted],
                )
                .await
                .pg()?;
            }
        }
        tx.commit().await.pg()?;
        Ok(plan.summary)
    }

    async fn reference_counter(&self) -> StorageResult<Option<u64>> {
        let row = self
            .client()
            .await?
            .query_opt("SELECT counter FROM reference_city WHERE id = 1", &[])
            .await
            .pg()?;
        row.map(|r| shared::to_u64("reference counter", r.try_get(0).pg()?))
            .transpose()
    }

    async fn city(&self) -> StorageResult<Option<City>> {
        let mut client = self.client().await?;
        // One snapshot for header and items, even if an import commits meanwhile.
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .pg()?;
        let (header, items) = load_reference(&tx, i64::MIN, false).await?;
        tx.commit().await.pg()?;
        header.map(|h| shared::city(&h, items)).transpose()
    }

    async fn reference_since(&self, cursor: u64) -> StorageResult<Option<ReferenceChanges>> {
        let mut client = self.client().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await
            .pg()?;
        let counter: Option<i64> = tx
            .query_opt("SELECT counter FROM reference_city WHERE id = 1", &[])
            .await
            .pg()?
            .map(|r| r.try_get(0).pg())
            .transpose()?;
        let Some(counter) = counter else {
            return Ok(None);
        };
        let (header, items) = load_reference(&tx, effective_cursor(cursor, counter), true).await?;
        tx.commit().await.pg()?;
        let header = header.ok_or_else(|| {
            StorageError::Corrupt("the city vanished while it was being read".into())
        })?;
        shared::changes(&header, items).map(Some)
    }

    async fn create_dispatch(&self, d: &DispatchRow) -> StorageResult<()> {
        let v = shared::DispatchValues::of(d)?;
        self.client()
            .await?
            .execute(
                &format!(
                    "INSERT INTO dispatches ({DISPATCH_COLUMNS})
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
                ),
                &[
                    &v.id,
                    &v.kind,
                    &v.tier,
                    &d.target.lat,
                    &d.target.lon,
                    &d.radius_m,
                    &d.address,
                    &d.note,
                    &v.source_device,
                    &v.source_seq,
                    &d.call_ms,
                    &d.created_ms,
                    &d.created_by,
                    &d.closed_ms,
                    &d.closed_reason,
                ],
            )
            .await
            .pg()?;
        Ok(())
    }

    async fn dispatches_by_id(&self, ids: &[DispatchId]) -> StorageResult<Vec<DispatchRow>> {
        let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        let sql = format!("SELECT {DISPATCH_COLUMNS} FROM dispatches WHERE dispatch_id = ANY($1)");
        let rows = self.client().await?.query(&sql, &[&ids]).await.pg()?;
        rows.iter().map(|r| dispatch_raw(r)?.into_row()).collect()
    }

    async fn dispatches(&self, from_ms: i64, to_ms: i64) -> StorageResult<Vec<DispatchRow>> {
        let sql = format!(
            "SELECT {DISPATCH_COLUMNS} FROM dispatches
             WHERE (call_ms >= $1 AND call_ms < $2) OR (closed_ms IS NULL AND call_ms < $1)
             ORDER BY call_ms, dispatch_id"
        );
        let rows = self
            .client()
            .await?
            .query(&sql, &[&from_ms, &to_ms])
            .await
            .pg()?;
        rows.iter().map(|r| dispatch_raw(r)?.into_row()).collect()
    }

    async fn close_dispatch(
        &self,
        id: DispatchId,
        reason: &str,
        now_ms: i64,
    ) -> StorageResult<bool> {
        let n = self
            .client()
            .await?
            .execute(
                "UPDATE dispatches SET closed_ms = $2, closed_reason = $3
                 WHERE dispatch_id = $1 AND closed_ms IS NULL",
                &[&id.to_string(), &now_ms, &reason],
            )
            .await
            .pg()?;
        Ok(n > 0)
    }

    async fn push_inbox(
        &self,
        device: DeviceId,
        dispatch: DispatchId,
        withdrawn: Option<&str>,
        now_ms: i64,
    ) -> StorageResult<u64> {
        let (device_s, dispatch_s) = (device.to_string(), dispatch.to_string());
        let mut client = self.client().await?;
        let tx = client.transaction().await.pg()?;
        // The device's row is the inbox's lock: two sends to one unit take turns for the seq.
        if tx
            .query_opt(
                "SELECT 1 FROM devices WHERE id = $1 FOR UPDATE",
                &[&device_s],
            )
            .await
            .pg()?
            .is_none()
        {
            return Err(shared::not_enrolled(device));
        }
        if withdrawn.is_none() {
            let sql = format!(
                "SELECT {INBOX_COLUMNS} FROM dispatch_inbox WHERE device_id = $1 AND dispatch_id = $2"
            );
            let existing = tx
                .query(&sql, &[&device_s, &dispatch_s])
                .await
                .pg()?
                .iter()
                .map(|r| inbox_raw(r)?.into_row())
                .collect::<StorageResult<Vec<_>>>()?;
            if let Some(seq) = shared::standing_order(&existing) {
                return Ok(seq);
            }
        }
        let seq: i64 = tx
            .query_one(
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM dispatch_inbox WHERE device_id = $1",
                &[&device_s],
            )
            .await
            .pg()?
            .try_get(0)
            .pg()?;
        let message = if withdrawn.is_some() {
            "withdrawn"
        } else {
            "order"
        };
        tx.execute(
            "INSERT INTO dispatch_inbox
               (device_id, seq, dispatch_id, message, reason, created_ms, last_sent_ms)
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
            &[&device_s, &seq, &dispatch_s, &message, &withdrawn, &now_ms],
        )
        .await
        .pg()?;
        tx.commit().await.pg()?;
        Ok(seq.unsigned_abs())
    }

    async fn inbox(
        &self,
        device: DeviceId,
        after: u64,
        limit: u32,
    ) -> StorageResult<Vec<InboxRow>> {
        let sql = format!(
            "SELECT {INBOX_COLUMNS} FROM dispatch_inbox
             WHERE device_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
        );
        let rows = self
            .client()
            .await?
            .query(
                &sql,
                &[&device.to_string(), &clamp_i64(after), &i64::from(limit)],
            )
            .await
            .pg()?;
        rows.iter().map(|r| inbox_raw(r)?.into_row()).collect()
    }

    async fn inbox_head(&self, device: DeviceId) -> StorageResult<u64> {
        let head: i64 = self
            .client()
            .await?
            .query_one(
                "SELECT COALESCE(MAX(seq), 0)::BIGINT FROM dispatch_inbox WHERE device_id = $1",
                &[&device.to_string()],
            )
            .await
            .pg()?
            .try_get(0)
            .pg()?;
        Ok(head.unsigned_abs())
    }

    async fn sync_news(&self, device: DeviceId) -> StorageResult<super::SyncNewsRow> {
        let row = self
            .client()
            .await?
            .query_one(
                "SELECT (SELECT counter FROM reference_city WHERE id = 1)::BIGINT,
                        (SELECT COALESCE(MAX(seq), 0) FROM dispatch_inbox
                          WHERE device_id = $1)::BIGINT,
                        (SELECT MIN(seq) FROM dispatch_inbox
                          WHERE device_id = $1 AND delivered_ms IS NULL)::BIGINT",
                &[&device.to_string()],
            )
            .await
            .pg()?;
        let reference: Option<i64> = row.try_get(0).pg()?;
        let head: i64 = row.try_get(1).pg()?;
        let undelivered: Option<i64> = row.try_get(2).pg()?;
        Ok(super::SyncNewsRow {
            reference: reference.map(i64::unsigned_abs),
            inbox_head: head.unsigned_abs(),
            inbox_undelivered: undelivered.map(i64::unsigned_abs),
        })
    }

    async fn ack_inbox(
        &self,
        device: DeviceId,
        through: u64,
        now_ms: i64,
    ) -> StorageResult<Vec<InboxRow>> {
        let sql = format!(
            "UPDATE dispatch_inbox SET delivered_ms = $3
             WHERE device_id = $1 AND seq <= $2 AND delivered_ms IS NULL
             RETURNING {INBOX_COLUMNS}"
        );
        let rows = self
            .client()
            .await?
            .query(&sql, &[&device.to_string(), &clamp_i64(through), &now_ms])
            .await
            .pg()?;
        let mut rows = rows
            .iter()
            .map(|r| inbox_raw(r)?.into_row())
            .collect::<StorageResult<Vec<_>>>()?;
        rows.sort_by_key(|r| r.seq);
        Ok(rows)
    }

    async fn inbox_of(&self, dispatches: &[DispatchId]) -> StorageResult<Vec<InboxRow>> {
        let ids: Vec<String> = dispatches.iter().map(ToString::to_string).collect();
        let sql = format!(
            "SELECT {INBOX_COLUMNS} FROM dispatch_inbox WHERE dispatch_id = ANY($1)
             ORDER BY device_id, seq"
        );
        let rows = self.client().await?.query(&sql, &[&ids]).await.pg()?;
        rows.iter().map(|r| inbox_raw(r)?.into_row()).collect()
    }

    async fn resend_due(
        &self,
        due_ms: i64,
        now_ms: i64,
        max_resends: u32,
    ) -> StorageResult<Vec<InboxRow>> {
        let sql = format!(
            "UPDATE dispatch_inbox SET last_sent_ms = $2, resends = resends + 1
             WHERE delivered_ms IS NULL AND last_sent_ms <= $1 AND resends < $3
             RETURNING {INBOX_COLUMNS}"
        );
        let rows = self
            .client()
            .await?
            .query(&sql, &[&due_ms, &now_ms, &i64::from(max_resends)])
            .await
            .pg()?;
        let mut rows = rows
            .iter()
            .map(|r| inbox_raw(r)?.into_row())
            .collect::<StorageResult<Vec<_>>>()?;
        rows.sort_by_key(|r| (r.device_id, r.seq));
        Ok(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::{REPLICA_CHECK_EVERY, ReplicaHealth, replica_fresh};
    use std::time::Instant;

    #[test]
    fn a_replica_answers_while_caught_up_or_recently_replaying() {
        // Caught up, however long ago the primary last committed (a quiet night).
        assert!(replica_fresh(true, 6.0 * 3600.0, 30));
        // WAL waiting, but the last commit replayed seconds ago.
        assert!(replica_fresh(false, 3.0, 30));
        // WAL waiting and nothing replayed for minutes: stuck or paused, so the primary answers.
        assert!(!replica_fresh(false, 120.0, 30));
    }

    #[test]
    fn a_replica_is_asked_again_only_once_its_last_answer_is_old() {
        let mut health = ReplicaHealth::default();
        assert_eq!(health.known(), None, "never asked");
        health.checked = Some((Instant::now(), Err("40 s behind".into())));
        assert_eq!(health.known(), Some(Err("40 s behind".into())));
        if let Some(long_ago) = Instant::now().checked_sub(REPLICA_CHECK_EVERY) {
            health.checked = Some((long_ago, Ok(())));
            assert_eq!(health.known(), None, "due again");
        }
        health.serve(Err("40 s behind"));
        assert_eq!(health.serving, Some(false));
        health.serve(Ok(()));
        assert_eq!(health.serving, Some(true));
    }
}
