//! Encryption at rest: keying a connection (SQLCipher, raw 256-bit key) and turning an existing
//! plaintext `device.sqlite` into an encrypted one without ever risking what it holds.
//!
//! The plaintext file is the only copy until the very last step. The encrypted copy is written
//! beside it (`device.sqlite.encrypting`), checked (it opens with the key, its schema version
//! and its ledger check — entries, head seq and hash, integrity — equal the original's), fsynced,
//! and only then renamed over the original, atomically. A crash anywhere leaves either the old
//! plaintext store (and perhaps a partial copy, which the next open deletes and redoes) or the
//! new encrypted one; the next [`super::Store::open_encrypted`] finishes the job.

use super::{DB_FILE, get_meta, ledger};
use crate::{Error, Result, StoreKey};
use patrol_model::DeviceId;
use rusqlite::{Connection, OpenFlags, params};
use std::path::{Path, PathBuf};

/// The encrypted copy while it is being written and checked.
pub(crate) const ENCRYPTING: &str = "device.sqlite.encrypting";
const SQLITE_HEADER: &[u8; 16] = b"SQLite format 3\0";

/// The steps of encrypting a plaintext store, in order (for tests that stop after one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EncryptStep {
    /// The plaintext store's WAL was checkpointed into it and its ledger checked.
    Checkpointed,
    /// The encrypted copy was written (`sqlcipher_export`) and the plaintext store closed.
    Exported,
    /// The copy opened with the key and its ledger check equals the original's.
    Verified,
    /// The copy was fsynced.
    Synced,
    /// The plaintext store's (empty) `-wal` and `-shm` were deleted.
    SidecarsRemoved,
    /// The copy was renamed over the plaintext store.
    Renamed,
    /// The folder was fsynced: done.
    FolderSynced,
}

/// What the first bytes of `device.sqlite` say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DbFile {
    Missing,
    /// Present but empty: SQLite treats it as a new database.
    Empty,
    Plaintext,
    /// Anything else: encrypted (or not a database at all).
    Encrypted,
}

pub(crate) fn db_file(path: &Path) -> Result<DbFile> {
    use std::io::Read;
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(DbFile::Missing),
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut head = [0u8; 16];
    let mut n = 0;
    while n < head.len() {
        match f.read(&mut head[n..]).map_err(|e| Error::io(path, e))? {
            0 => break,
            k => n += k,
        }
    }
    Ok(match n {
        0 => DbFile::Empty,
        16 if &head == SQLITE_HEADER => DbFile::Plaintext,
        _ => DbFile::Encrypted,
    })
}

/// `PRAGMA key` as the connection's first statement, then one read that fails unless the key
/// opens the file. Nothing is written either way.
pub(crate) fn apply_key(conn: &Connection, key: &StoreKey) -> Result<()> {
    let sql = zeroize::Zeroizing::new(format!("PRAGMA key = \"{}\"", &*key.sqlcipher_literal()));
    // A wrong key is answered with a typed error; SQLCipher's own stderr lines add nothing.
    run_pragma(conn, "PRAGMA cipher_log_level = NONE")?;
    run_pragma(conn, &sql)?;
    check_readable(conn)
}

/// A pragma that may or may not answer with a row.
fn run_pragma(conn: &Connection, sql: &str) -> Result<()> {
    {
        let mut stmt = conn.prepare(sql)?;
        let mut rows = stmt.query([])?;
        while rows.next()?.is_some() {}
    }
    Ok(())
}

/// Read the schema: `file is not a database` here means the key (or its absence) is wrong.
pub(crate) fn check_readable(conn: &Connection) -> Result<()> {
    match conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| {
        r.get::<_, i64>(0)
    }) {
        Ok(_) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::NotADatabase =>
        {
            Err(Error::WrongKey)
        }
        Err(e) => Err(e.into()),
    }
}

/// Before a keyed open of `dir`: finish or redo an interrupted encryption, and encrypt a
/// plaintext store. `fail_after` stops (as a crash would) after that step, for tests.
pub(crate) fn prepare(dir: &Path, key: &StoreKey, fail_after: Option<EncryptStep>) -> Result<()> {
    let db = dir.join(DB_FILE);
    let copy = dir.join(ENCRYPTING);
    match db_file(&db)? {
        DbFile::Plaintext => {
            // A copy left by an interrupted attempt is incomplete or unchecked: start over.
            remove_partial_copy(dir)?;
            encrypt_plaintext(dir, key, fail_after)
        }
        DbFile::Missing | DbFile::Empty if copy.exists() => {
            // Never produced by `encrypt_plaintext` (the rename replaces the store atomically).
            // Someone moved the store away; do not start an empty one beside what may be its
            // only encrypted copy.
            Err(Error::io(
                &db,
                std::io::Error::other(format!(
                    "the store is missing but {ENCRYPTING} is there; move it back to {DB_FILE} \
                     (it is encrypted with this device's key) or away, then open again"
                )),
            ))
        }
        _ => Ok(()),
    }
}

fn remove_partial_copy(dir: &Path) -> Result<()> {
    for name in [
        ENCRYPTING.to_owned(),
        format!("{ENCRYPTING}-journal"),
        format!("{ENCRYPTING}-wal"),
        format!("{ENCRYPTING}-shm"),
    ] {
        let p = dir.join(name);
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&p, e)),
        }
    }
    Ok(())
}

fn injected(step: EncryptStep, fail_after: Option<EncryptStep>, path: &Path) -> Result<()> {
    if fail_after == Some(step) {
        return Err(Error::io(
            path,
            std::io::Error::other(format!("injected failure after {step:?}")),
        ));
    }
    Ok(())
}

fn encrypt_plaintext(dir: &Path, key: &StoreKey, fail_after: Option<EncryptStep>) -> Result<()> {
    let db = dir.join(DB_FILE);
    let copy = dir.join(ENCRYPTING);
    let copy_str = path_str(&copy)?;

    // Default flags (with CREATE): the attached copy is created through this connection.
    let plain = Connection::open(&db)?;
    plain.busy_timeout(std::time::Duration::from_secs(10))?;
    check_readable(&plain)?;
    let (busy, _, _): (i64, i64, i64) =
        plain.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    if busy != 0 {
        return Err(Error::io(
            &db,
            std::io::Error::other("the store is in use by another process; close it and retry"),
        ));
    }
    let device_id = device_id_of(&plain)?;
    let before = check_of(&plain, device_id)?;
    let user_version: i64 = plain.pragma_query_value(None, "user_version", |r| r.get(0))?;
    injected(EncryptStep::Checkpointed, fail_after, &db)?;

    let literal = key.sqlcipher_literal();
    plain.execute(
        "ATTACH DATABASE ?1 AS enc KEY ?2",
        params![copy_str, &*literal],
    )?;
    plain.query_row("SELECT sqlcipher_export('enc')", [], |_| Ok(()))?;
    plain.execute_batch(&format!("PRAGMA enc.user_version = {user_version}"))?;
    plain.execute("DETACH DATABASE enc", [])?;
    plain.close().map_err(|(_, e)| e)?;
    injected(EncryptStep::Exported, fail_after, &copy)?;

    {
        let enc = Connection::open_with_flags(&copy, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        apply_key(&enc, key)?;
        let copied_version: i64 = enc.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let after = check_of(&enc, device_id)?;
        if copied_version != user_version || after != before {
            return Err(Error::io(
                &copy,
                std::io::Error::other(format!(
                    "the encrypted copy does not read back as the store does (schema \
                     {copied_version} vs {user_version}, check {after:?} vs {before:?}); the \
                     plaintext store is kept as it is"
                )),
            ));
        }
        enc.close().map_err(|(_, e)| e)?;
    }
    injected(EncryptStep::Verified, fail_after, &copy)?;

    std::fs::File::open(&copy)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(&copy, e))?;
    injected(EncryptStep::Synced, fail_after, &copy)?;

    // The checkpoint emptied the WAL and closing removed it; whatever is left must be empty
    // (a WAL with frames in it holds writes the copy does not have: stop).
    for (name, must_be_empty) in [("device.sqlite-wal", true), ("device.sqlite-shm", false)] {
        let p = dir.join(name);
        match std::fs::metadata(&p) {
            Ok(m) if must_be_empty && m.len() > 0 => {
                return Err(Error::io(
                    &p,
                    std::io::Error::other(
                        "the plaintext store's WAL is not empty; another process wrote to it",
                    ),
                ));
            }
            Ok(_) => std::fs::remove_file(&p).map_err(|e| Error::io(&p, e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(&p, e)),
        }
    }
    injected(EncryptStep::SidecarsRemoved, fail_after, &db)?;

    std::fs::rename(&copy, &db).map_err(|e| Error::io(&db, e))?;
    injected(EncryptStep::Renamed, fail_after, &db)?;
    sync_dir(dir).map_err(|e| Error::io(dir, e))?;
    injected(EncryptStep::FolderSynced, fail_after, &db)?;
    Ok(())
}

/// The ledger check, or `None` for a store whose first open never got as far as the schema.
fn check_of(conn: &Connection, device_id: DeviceId) -> Result<Option<ledger::VerifyReport>> {
    if !has_table(conn, "ledger")? {
        return Ok(None);
    }
    ledger::verify_conn(conn, device_id).map(Some)
}

fn has_table(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [name],
        |r| r.get(0),
    )?)
}

fn device_id_of(conn: &Connection) -> Result<DeviceId> {
    // A store that never got as far as naming its device has no ledger either: any id will do.
    if !has_table(conn, "meta")? {
        return Ok(DeviceId(uuid::Uuid::nil()));
    }
    match get_meta(conn, "device_id")? {
        Some(s) => s.parse().map_err(Error::Invalid),
        None => Ok(DeviceId(uuid::Uuid::nil())),
    }
}

fn path_str(p: &Path) -> Result<String> {
    p.to_str().map(str::to_owned).ok_or_else(|| {
        Error::io(
            PathBuf::from(p),
            std::io::Error::other("the data folder's path is not valid UTF-8"),
        )
    })
}

/// Make a folder's entries (a new or renamed file in it) durable.
pub(crate) fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        std::fs::File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}
