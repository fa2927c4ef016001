//! Appending to and reading the ledger. An append validates the record, stamps the grid cell,
//! chains and hashes the entry, and writes it with its outbox row in one `IMMEDIATE`
//! transaction, so a concurrent writer can never take the same seq and a crash leaves either
//! the whole entry or nothing.

use super::{Store, get_meta, set_meta};
use crate::{Error, Result};
use patrol_model::{
    CellId, ChainError, ChainVerifier, Entry, EntryId, EntryKind, Hash, LatLon, Record,
    UnsealedEntry,
};
use rusqlite::{OptionalExtension, Row, Transaction, params};

/// Where and when (besides the clocks) a record was captured.
#[derive(Debug, Clone, Copy, Default)]
pub struct Capture {
    /// GNSS time of a recent fix, when known.
    pub gnss_ms: Option<i64>,
    /// Position used to stamp the grid cell.
    pub position: Option<LatLon>,
}

/// Result of `PRAGMA quick_check` plus chain verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// `"ok"` or SQLite's first complaint.
    pub integrity: String,
    pub entries: u64,
    pub head: (u64, Hash),
    /// The first broken entry, if any.
    pub broken: Option<ChainError>,
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.integrity == "ok" && self.broken.is_none()
    }
}

/// The chain of the entries after one seq, checked onto a hash known to be right (HQ's
/// confirmed head): what a sync is about to send. See [`Store::verify_after`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainCheck {
    /// The entries checked are those after this seq.
    pub after_seq: u64,
    /// Entries read, as [`VerifyReport::entries`].
    pub entries: u64,
    /// Seq and hash of the last entry found intact (`after_seq` and its hash when none was).
    pub head: (u64, Hash),
    /// The first broken entry, if any.
    pub broken: Option<ChainError>,
}

/// `meta` key: when (device wall clock, ms) the whole ledger was last found intact, by
/// [`Store::verify`] (or the store created, empty).
pub(crate) const FULL_CHECK_MS: &str = "verify.full_ms";

/// Entries by sync state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct OutboxCounts {
    pub pending: u64,
    pub acked: u64,
    pub quarantined: u64,
}

const COLUMNS: &str = "seq, id, kind, wall_ms, mono_ms, gnss_ms, cell, payload, prev_hash, hash";

impl Store {
    /// Validate and append one record. Returns the sealed entry once it is durably committed.
    pub fn append(&mut self, record: &Record, capture: Capture) -> Result<Entry> {
        Ok(self
            .append_all(std::slice::from_ref(record), capture)?
            .remove(0))
    }

    /// Append several records atomically: all are committed, or none.
    pub fn append_all(&mut self, records: &[Record], capture: Capture) -> Result<Vec<Entry>> {
        for r in records {
            r.validate()?;
        }
        let tx = self.write_tx()?;
        let entries = self.append_in(&tx, records, capture)?;
        tx.commit()?;
        Ok(entries)
    }

    /// Append inside a caller's transaction (records already validated).
    pub(crate) fn append_in(
        &self,
        tx: &Transaction<'_>,
        records: &[Record],
        capture: Capture,
    ) -> Result<Vec<Entry>> {
        let (mut seq, mut prev) = head_in(tx)?;
        let cell = self.cell_for(capture.position);
        let mut out = Vec::with_capacity(records.len());
        for record in records {
            let kept_link;
            let record = match record {
                Record::Supplement(s) => {
                    let original = check_supplement_target(tx, s)?;
                    // A correction that leaves out the patrol link keeps the original's.
                    kept_link = Record::Supplement(patrol_model::Supplement {
                        correction: s.correction.as_ref().map(|c| {
                            Box::new(match &original {
                                Some(o) => (**c).clone().keeping_patrol_of(o),
                                None => (**c).clone(),
                            })
                        }),
                        ..s.clone()
                    });
                    &kept_link
                }
                other => other,
            };
            seq += 1;
            let entry = UnsealedEntry {
                device_id: self.device_id,
                seq,
                id: EntryId::new(),
                kind: record.kind(),
                wall_ms: self.clock.wall_ms(),
                mono_ms: self.clock.mono_ms(),
                gnss_ms: capture.gnss_ms,
                cell: cell.clone(),
                payload: record.encode_payload(),
                prev_hash: prev,
            }
            .seal()?;
            tx.execute(
                &format!("INSERT INTO ledger ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
                params![
                    entry.seq as i64,
                    entry.id.to_string(),
                    entry.kind.as_str(),
                    entry.wall_ms,
                    entry.mono_ms,
                    entry.gnss_ms,
                    entry.cell.as_ref().map(|c| c.as_str()),
                    entry.payload,
                    &entry.prev_hash.0[..],
                    &entry.hash.0[..],
                ],
            )?;
            tx.execute(
                "INSERT INTO outbox (seq, state, updated_ms) VALUES (?1, 'pending', ?2)",
                params![entry.seq as i64, entry.wall_ms],
            )?;
            prev = entry.hash;
            out.push(entry);
        }
        Ok(out)
    }

    fn cell_for(&self, position: Option<LatLon>) -> Option<CellId> {
        let (grid, p) = (self.grid.as_ref()?, position?);
        grid.cell_at(p).cloned()
    }

    /// Seq and hash of the newest entry (0 and the genesis hash when empty).
    pub fn head(&self) -> Result<(u64, Hash)> {
        head_in(&self.conn)
    }

    pub fn entry(&self, seq: u64) -> Result<Option<Entry>> {
        let sql = format!("SELECT {COLUMNS} FROM ledger WHERE seq = ?1");
        let row = self
            .conn
            .query_row(&sql, [seq as i64], |r| Ok(read_row(r)))
            .optional()?;
        row.transpose().map(|o| o.map(|e| self.with_device(e)))
    }

    pub fn entry_by_id(&self, id: EntryId) -> Result<Entry> {
        let sql = format!("SELECT {COLUMNS} FROM ledger WHERE id = ?1");
        let row = self
            .conn
            .query_row(&sql, [id.to_string()], |r| Ok(read_row(r)))
            .optional()?;
        row.transpose()?
            .map(|e| self.with_device(e))
            .ok_or(Error::NoSuchEntryId(id))
    }

    /// Entries with `seq >= from`, in seq order, at most `limit`.
    pub fn entries(&self, from: u64, limit: usize) -> Result<Vec<Entry>> {
        let sql = format!("SELECT {COLUMNS} FROM ledger WHERE seq >= ?1 ORDER BY seq LIMIT ?2");
        self.query_entries(&sql, params![from as i64, limit as i64])
    }

    /// Every entry after `after_seq`, in seq order; track segments left out unless `tracks`.
    pub(crate) fn entries_after(&self, after_seq: u64, tracks: bool) -> Result<Vec<Entry>> {
        let skip = if tracks {
            ""
        } else {
            "AND kind <> 'track_segment'"
        };
        let sql = format!("SELECT {COLUMNS} FROM ledger WHERE seq > ?1 {skip} ORDER BY seq");
        self.query_entries(&sql, [i64::try_from(after_seq).unwrap_or(i64::MAX)])
    }

    /// The entries of the given kinds whose event time (GNSS time when known, else the wall
    /// clock, as [`patrol_model::Effective::event_ms`]) is in `from_ms..to_ms`, in seq order,
    /// then every supplement after the first of them: what a view of that span needs to see
    /// them as they stand. Only the matching rows' payloads are read.
    pub(crate) fn entries_between(
        &self,
        kinds: &[EntryKind],
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<Entry>> {
        let list = kinds
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT {COLUMNS} FROM ledger WHERE kind IN ({list})
             AND coalesce(gnss_ms, wall_ms) >= ?1 AND coalesce(gnss_ms, wall_ms) < ?2
             ORDER BY seq"
        );
        let mut out = self.query_entries(&sql, params![from_ms, to_ms])?;
        if let Some(first) = out.first().map(|e| e.seq) {
            out.extend(self.entries_of_after(&[EntryKind::Supplement], first)?);
        }
        Ok(out)
    }

    /// Every entry of the given kinds, in seq order.
    pub fn entries_of(&self, kinds: &[EntryKind]) -> Result<Vec<Entry>> {
        self.entries_of_after(kinds, 0)
    }

    /// The entries of the given kinds with seqs after `after_seq`, in seq order (read through
    /// the `(kind, seq)` index: what precedes `after_seq` is not read at all).
    pub fn entries_of_after(&self, kinds: &[EntryKind], after_seq: u64) -> Result<Vec<Entry>> {
        let list = kinds
            .iter()
            .map(|k| format!("'{}'", k.as_str()))
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT {COLUMNS} FROM ledger WHERE kind IN ({list}) AND seq > ?1 ORDER BY seq"
        );
        self.query_entries(&sql, [i64::try_from(after_seq).unwrap_or(i64::MAX)])
    }

    fn query_entries(&self, sql: &str, p: impl rusqlite::Params) -> Result<Vec<Entry>> {
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(p, |r| Ok(read_row(r)))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(self.with_device(row??));
        }
        Ok(out)
    }

    fn with_device(&self, mut e: Entry) -> Entry {
        e.device_id = self.device_id;
        e
    }

    /// `PRAGMA quick_check`, then every entry's hash and link from seq 1 to the head. An intact
    /// ledger is remembered as checked now (see [`Store::full_check_due`]).
    pub fn verify(&self) -> Result<VerifyReport> {
        let report = verify_conn(&self.conn, self.device_id)?;
        if report.is_intact() {
            set_meta(&self.conn, FULL_CHECK_MS, &self.clock.wall_ms().to_string())?;
        }
        Ok(report)
    }

    /// Every entry after `seq`, each hash and link, chained onto `hash`: the entry at `seq` as
    /// HQ holds it (its head, which the sync has just compared with this ledger's entry at that
    /// seq). This is what a sync sends, checked in time that grows with what waits rather than
    /// with the whole history; [`Store::verify`] still reads everything, on its own schedule.
    pub fn verify_after(&self, seq: u64, hash: Hash) -> Result<ChainCheck> {
        let mut verifier = ChainVerifier::resume(self.device_id, seq, hash);
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM ledger WHERE seq > ?1 ORDER BY seq"
        ))?;
        let mut rows = stmt.query([i64::try_from(seq).unwrap_or(i64::MAX)])?;
        let (entries, broken) = check_rows(&mut rows, self.device_id, &mut verifier)?;
        Ok(ChainCheck {
            after_seq: seq,
            entries,
            head: verifier.head(),
            broken,
        })
    }

    /// Whether the whole ledger is due a [`Store::verify`]: never checked, checked `every` or
    /// longer ago, or the clock now reads earlier than the last check (a clock put back).
    pub fn full_check_due(&self, every: std::time::Duration) -> Result<bool> {
        let last = get_meta(&self.conn, FULL_CHECK_MS)?.and_then(|v| v.parse::<i64>().ok());
        let now = self.clock.wall_ms();
        let every = i64::try_from(every.as_millis()).unwrap_or(i64::MAX);
        Ok(last.is_none_or(|last| now < last || now - last >= every))
    }

    /// Refuse to go on (sync, for example) when the last check found the chain broken.
    pub fn ensure_intact(&self) -> Result<()> {
        let report = self.verify()?;
        match report.broken {
            Some(b) => Err(Error::ChainBroken(b)),
            None => Ok(()),
        }
    }

    /// Entries by sync state. Pending and quarantined entries are counted through the
    /// `(state, seq)` index, so the answer costs what waits, not the months acknowledged; the
    /// acknowledged are the rest (`count(*)` walks the smallest index without reading a row).
    pub fn outbox_counts(&self) -> Result<OutboxCounts> {
        let (total, pending, quarantined): (i64, i64, i64) = self.conn.query_row(
            "SELECT (SELECT count(*) FROM outbox),
                    (SELECT count(*) FROM outbox WHERE state = 'pending'),
                    (SELECT count(*) FROM outbox WHERE state = 'quarantined')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let n = |v: i64| u64::try_from(v).unwrap_or(0);
        Ok(OutboxCounts {
            pending: n(pending),
            acked: n(total - pending - quarantined),
            quarantined: n(quarantined),
        })
    }
}

/// [`Store::verify`] on a connection: also how the encrypted copy of a plaintext store is checked
/// against the original before it replaces it.
pub(crate) fn verify_conn(
    conn: &rusqlite::Connection,
    device_id: patrol_model::DeviceId,
) -> Result<VerifyReport> {
    let integrity: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
    let mut verifier = ChainVerifier::new(device_id);
    let mut stmt = conn.prepare(&format!("SELECT {COLUMNS} FROM ledger ORDER BY seq"))?;
    let mut rows = stmt.query([])?;
    let (entries, broken) = check_rows(&mut rows, device_id, &mut verifier)?;
    Ok(VerifyReport {
        integrity,
        entries,
        head: verifier.head(),
        broken,
    })
}

/// Push ledger rows (in seq order) through `verifier` until the first broken one: how many
/// were read (a broken entry included, one whose payload did not even read not), and what
/// broke.
fn check_rows(
    rows: &mut rusqlite::Rows<'_>,
    device_id: patrol_model::DeviceId,
    verifier: &mut ChainVerifier,
) -> Result<(u64, Option<ChainError>)> {
    let mut entries = 0;
    while let Some(row) = rows.next()? {
        let entry = match read_row(row) {
            Ok(mut e) => {
                e.device_id = device_id;
                e
            }
            Err(err) => {
                let seq = row.get::<_, i64>(0)? as u64;
                let broken = ChainError::BadPayload {
                    seq,
                    reason: err.to_string(),
                };
                return Ok((entries, Some(broken)));
            }
        };
        entries += 1;
        if let Err(e) = verifier.push(&entry) {
            return Ok((entries, Some(e)));
        }
    }
    Ok((entries, None))
}

pub(crate) fn head_in(conn: &rusqlite::Connection) -> Result<(u64, Hash)> {
    let row: Option<(i64, Vec<u8>)> = conn
        .query_row(
            "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(match row {
        Some((seq, hash)) => (seq as u64, to_hash(&hash)),
        None => (0, Hash::GENESIS),
    })
}

/// Check a supplement against its target; returns the target's record (`None` when its payload
/// does not decode: a withdrawal must still be possible).
fn check_supplement_target(
    tx: &Transaction<'_>,
    s: &patrol_model::Supplement,
) -> Result<Option<Record>> {
    let bad = |reason: &str| Error::BadSupplement {
        seq: s.target_seq,
        reason: reason.into(),
    };
    let row: Option<(String, String, Vec<u8>)> = tx
        .query_row(
            "SELECT id, kind, payload FROM ledger WHERE seq = ?1",
            [s.target_seq as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let (id, kind, payload) = row.ok_or(Error::NoSuchEntry(s.target_seq))?;
    if id != s.target_id.to_string() {
        return Err(bad("target_id does not match the entry at that seq"));
    }
    if kind == EntryKind::Supplement.as_str() {
        return Err(bad(
            "a supplement cannot be supplemented; supplement the original entry",
        ));
    }
    if let Some(c) = &s.correction
        && c.kind().as_str() != kind
    {
        return Err(bad(&format!(
            "a correction must be a `{kind}`, not a `{}`",
            c.kind()
        )));
    }
    let original = kind
        .parse::<EntryKind>()
        .ok()
        .and_then(|k| Record::decode_payload(k, &payload).ok());
    Ok(original)
}

fn to_hash(bytes: &[u8]) -> Hash {
    let mut h = [0u8; 32];
    let n = bytes.len().min(32);
    h[..n].copy_from_slice(&bytes[..n]);
    Hash(h)
}

/// Read one ledger row. The device id is filled in by the store (it is not repeated per row).
fn read_row(r: &Row<'_>) -> Result<Entry> {
    let id: String = r.get(1)?;
    let kind: String = r.get(2)?;
    Ok(Entry {
        device_id: patrol_model::DeviceId(uuid::Uuid::nil()),
        seq: r.get::<_, i64>(0)? as u64,
        id: id.parse().map_err(Error::Invalid)?,
        kind: kind.parse()?,
        wall_ms: r.get(3)?,
        mono_ms: r.get(4)?,
        gnss_ms: r.get(5)?,
        cell: r.get::<_, Option<String>>(6)?.map(CellId),
        payload: r.get(7)?,
        prev_hash: to_hash(&r.get::<_, Vec<u8>>(8)?),
        hash: to_hash(&r.get::<_, Vec<u8>>(9)?),
    })
}
