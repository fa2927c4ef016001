//! The live patrol: start, fixes, stop. Fixes arrive one by one (1–60 s apart) and are kept in a
//! durable buffer; the buffer is sealed into one track-segment entry when the [`FlushPolicy`]
//! says so and always at stop — each time in the same transaction that empties the buffer, so a
//! fix is never lost and never sealed twice.

use super::{Capture, Store};
use crate::{Error, Result, Warning, views};
use patrol_model::{
    Entry, EntryKind, GapCause, LatLon, PatrolId, PatrolStart, PatrolStop, PositionFix, Record,
    TrackGap, TrackSegment,
};
use rusqlite::{OptionalExtension, Transaction, params};

/// Where [`Store::note_interruption`] keeps its note (a setting: `cause@ms`).
const INTERRUPTION_KEY: &str = "tracking_interruption";
/// How long before the last fix of a gap a noted interruption still explains it: a system pause
/// lands around the last fix; one noted while fixes kept coming afterwards was over.
pub const INTERRUPTION_KEPT_MS: i64 = 120_000;

/// When buffered fixes become a track-segment entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushPolicy {
    pub max_fixes: usize,
    pub max_span_ms: i64,
}

impl Default for FlushPolicy {
    fn default() -> Self {
        // SPINE: every 10–30 s or every N fixes. 30 s keeps a crash's exposure tiny while a
        // 1 Hz shift still makes only ~1,440 entries.
        Self {
            max_fixes: 60,
            max_span_ms: 30_000,
        }
    }
}

impl FlushPolicy {
    /// Pure decision: seal now?
    pub fn should_flush(
        &self,
        buffered: usize,
        first_ms: Option<i64>,
        last_ms: Option<i64>,
    ) -> bool {
        buffered >= self.max_fixes
            || matches!((first_ms, last_ms), (Some(a), Some(b)) if b - a >= self.max_span_ms)
    }
}

/// What happened to one fix.
#[derive(Debug, Clone)]
pub struct FixOutcome {
    pub patrol_id: PatrolId,
    /// Fixes now waiting in the buffer.
    pub buffered: usize,
    /// The track segment sealed by this fix, if the policy flushed.
    pub sealed: Option<Entry>,
    /// The tracking gap this fix ended, recorded before it.
    pub gap: Option<Entry>,
}

/// A patrol started, and what the officer should know about it.
#[derive(Debug, Clone)]
pub struct Started {
    pub entry: Entry,
    /// E.g. the group is not in the reference data; the patrol was saved all the same.
    pub warning: Option<Warning>,
}

/// Largest segment written by an import.
const IMPORT_SEGMENT: usize = 600;

impl Store {
    /// The running patrol, derived from the ledger (never stored separately).
    pub fn open_patrol(&self) -> Result<Option<views::OpenPatrol>> {
        let entries = self.entries_of(&[EntryKind::PatrolStarted, EntryKind::PatrolStopped])?;
        views::open_patrol(&entries)
    }

    /// The crew of the last patrol started here (corrections applied, withdrawn starts
    /// skipped), for "same as last time" at the next start; a fresh patrol id is the caller's.
    pub fn last_shift(&self) -> Result<Option<PatrolStart>> {
        Ok(self
            .standing(&[EntryKind::PatrolStarted])?
            .into_iter()
            .filter(|e| e.withdrawn_by.is_none())
            .max_by_key(|e| e.entry.seq)
            .and_then(|e| match e.record {
                Record::PatrolStarted(s) => Some(s),
                _ => None,
            }))
    }

    pub fn start_patrol(&mut self, start: PatrolStart, capture: Capture) -> Result<Entry> {
        if let Some(open) = self.open_patrol()? {
            return Err(Error::PatrolAlreadyOpen(open.patrol_id));
        }
        self.append(&Record::PatrolStarted(start), capture)
    }

    /// [`Store::start_patrol`], saying when the group is not in the device's reference data
    /// ([`Warning::UnknownGroup`]). The patrol is saved either way: a group HQ added this morning
    /// may not have reached the device yet, and the officer must never be kept from patrolling.
    /// Without reference data nothing can be said, so nothing is.
    pub fn start_patrol_noting(&mut self, start: PatrolStart, capture: Capture) -> Result<Started> {
        let warning = match self.city()? {
            Some(city) if !city.groups.iter().any(|g| g.id == start.group) => {
                Some(Warning::UnknownGroup(start.group.clone()))
            }
            _ => None,
        };
        let entry = self.start_patrol(start, capture)?;
        Ok(Started { entry, warning })
    }

    /// Buffer one fix of the running patrol, sealing a segment when the policy says so. When
    /// the previous fix of the patrol is older than the city's gap limit
    /// ([`patrol_model::gap_after_ms`]: twice the heartbeat), the silence is recorded first as a
    /// [`TrackGap`] entry with its cause (what [`Store::note_interruption`] was told, else
    /// `no-fix`), so no distance or route line is drawn across it.
    pub fn record_fix(&mut self, fix: PositionFix) -> Result<FixOutcome> {
        fix.validate()?;
        let fix = fix.quantized();
        let patrol_id = self.open_patrol()?.ok_or(Error::NoOpenPatrol)?.patrol_id;
        let limit_ms =
            patrol_model::gap_after_ms(&self.city()?.map(|c| c.sampling()).unwrap_or_default());
        let tx = self.write_tx()?;
        let mut gap = None;
        if let (Some(t), Some(prev)) = (fix.time_ms, self.last_fix_ms(&tx, patrol_id)?)
            && t - prev > limit_ms
        {
            let cause = self.take_interruption(&tx, prev, t)?;
            let record = Record::TrackGap(TrackGap {
                patrol_id,
                from_ms: prev,
                to_ms: t,
                cause,
            });
            let capture = Capture {
                gnss_ms: fix.gnss_ms,
                position: Some(patrol_model::LatLon {
                    lat: fix.lat,
                    lon: fix.lon,
                }),
            };
            gap = self.append_in(&tx, &[record], capture)?.pop();
        }
        tx.execute(
            "INSERT INTO fix_buffer (patrol_id, fix) VALUES (?1, ?2)",
            params![
                patrol_id.to_string(),
                serde_json::to_string(&fix).expect("fix serializes")
            ],
        )?;
        let buffer = read_buffer(&tx, patrol_id)?;
        let times = buffer.iter().filter_map(|f| f.time_ms);
        let (first, last) = (times.clone().min(), times.max());
        let sealed = if self.flush_policy.should_flush(buffer.len(), first, last) {
            self.seal_buffer(&tx, patrol_id, buffer)?
        } else {
            None
        };
        let buffered = if sealed.is_some() {
            0
        } else {
            count_buffer(&tx, patrol_id)?
        };
        tx.commit()?;
        Ok(FixOutcome {
            patrol_id,
            buffered,
            sealed,
            gap,
        })
    }

    /// Tell the store why fixes may stop coming (the system paused location, permission was
    /// taken, a battery saver): a gap that follows within [`INTERRUPTION_KEPT_MS`] is recorded
    /// with this cause instead of `no-fix`.
    pub fn note_interruption(&self, cause: GapCause) -> Result<()> {
        let now = self.clock.wall_ms();
        self.set_setting(INTERRUPTION_KEY, &format!("{}@{now}", cause.slug()))
    }

    /// The time of the running patrol's last fix: the buffer's newest, else its last sealed
    /// segment's.
    fn last_fix_ms(&self, tx: &Transaction<'_>, patrol_id: PatrolId) -> Result<Option<i64>> {
        let buffered = read_buffer(tx, patrol_id)?
            .iter()
            .filter_map(|f| f.time_ms)
            .max();
        if buffered.is_some() {
            return Ok(buffered);
        }
        let last: Option<Vec<u8>> = tx
            .query_row(
                "SELECT payload FROM ledger WHERE kind = 'track_segment' ORDER BY seq DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(match last {
            Some(bytes) => match Record::decode_payload(EntryKind::TrackSegment, &bytes)? {
                Record::TrackSegment(t) if t.patrol_id == patrol_id => {
                    t.fixes.iter().filter_map(|f| f.time_ms).max()
                }
                _ => None,
            },
            None => None,
        })
    }

    /// The noted interruption's cause when it was noted around the gap (from
    /// [`INTERRUPTION_KEPT_MS`] before its last fix to its end), else `no-fix`; the note is used
    /// up either way.
    fn take_interruption(
        &self,
        tx: &Transaction<'_>,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<GapCause> {
        let key = format!("setting.{INTERRUPTION_KEY}");
        let noted: Option<String> = tx
            .query_row("SELECT value FROM meta WHERE key = ?1", [&key], |r| {
                r.get(0)
            })
            .optional()?;
        tx.execute("DELETE FROM meta WHERE key = ?1", [&key])?;
        let cause = noted.and_then(|v| {
            let (slug, at) = v.split_once('@')?;
            let at: i64 = at.parse().ok()?;
            (at >= from_ms - INTERRUPTION_KEPT_MS && at <= to_ms)
                .then(|| slug.parse::<GapCause>().ok())
                .flatten()
        });
        Ok(cause.unwrap_or(GapCause::NoFix))
    }

    /// Seal the buffer and stop the running patrol, atomically.
    pub fn stop_patrol(&mut self, note: Option<String>, capture: Capture) -> Result<Vec<Entry>> {
        let patrol_id = self.open_patrol()?.ok_or(Error::NoOpenPatrol)?.patrol_id;
        let stop = Record::PatrolStopped(PatrolStop { patrol_id, note });
        stop.validate()?;
        let tx = self.write_tx()?;
        let buffer = read_buffer(&tx, patrol_id)?;
        let mut out: Vec<Entry> = self
            .seal_buffer(&tx, patrol_id, buffer)?
            .into_iter()
            .collect();
        out.extend(self.append_in(&tx, &[stop], capture)?);
        tx.commit()?;
        Ok(out)
    }

    /// Record a finished patrol from an imported route (e.g. a GPX file): start, every fix in
    /// segments, stop — all in one transaction, so a failed import writes nothing.
    ///
    /// The entries carry the track's own times as their GNSS time (the file's times come from
    /// the receiver that recorded it), so the patrol lands on the day it was walked with its real
    /// duration, not at the moment of import: the start carries the earliest fix time, the stop
    /// the latest, each segment its last timed fix's. A track without any times falls back to
    /// the import time, as before. Start, segments and stop are stamped with the grid cell of
    /// their fix, like a live patrol's.
    pub fn import_patrol(
        &mut self,
        start: PatrolStart,
        segments: &[Vec<PositionFix>],
    ) -> Result<Vec<Entry>> {
        let patrol_id = start.patrol_id;
        let timed = || segments.iter().flatten().filter(|f| f.time_ms.is_some());
        let first = timed().min_by_key(|f| f.time_ms);
        let last = timed().max_by_key(|f| f.time_ms);
        let mut records = vec![(Record::PatrolStarted(start), capture_of(first))];
        for seg in segments {
            for chunk in seg.chunks(IMPORT_SEGMENT) {
                let last_timed = chunk.iter().rev().find(|f| f.time_ms.is_some());
                records.push((
                    Record::TrackSegment(TrackSegment::new(patrol_id, chunk.iter().copied())),
                    capture_of(last_timed.or(chunk.last())),
                ));
            }
        }
        records.push((
            Record::PatrolStopped(PatrolStop {
                patrol_id,
                note: Some("imported".into()),
            }),
            capture_of(last),
        ));
        for (r, _) in &records {
            r.validate()?;
        }
        let tx = self.write_tx()?;
        let mut out = Vec::with_capacity(records.len());
        for (record, capture) in records {
            out.extend(self.append_in(&tx, &[record], capture)?);
        }
        tx.commit()?;
        Ok(out)
    }

    /// Fixes buffered but not yet sealed, for the running patrol's live view.
    pub fn buffered_fixes(&self, patrol_id: PatrolId) -> Result<Vec<PositionFix>> {
        read_buffer(&self.conn, patrol_id)
    }

    fn seal_buffer(
        &self,
        tx: &Transaction<'_>,
        patrol_id: PatrolId,
        buffer: Vec<PositionFix>,
    ) -> Result<Option<Entry>> {
        let Some(last) = buffer.last().copied() else {
            return Ok(None);
        };
        let segment = Record::TrackSegment(TrackSegment::new(patrol_id, buffer));
        segment.validate()?;
        let capture = Capture {
            gnss_ms: last.gnss_ms,
            position: Some(LatLon {
                lat: last.lat,
                lon: last.lon,
            }),
        };
        let entry = self.append_in(tx, &[segment], capture)?.remove(0);
        tx.execute(
            "DELETE FROM fix_buffer WHERE patrol_id = ?1",
            [patrol_id.to_string()],
        )?;
        Ok(Some(entry))
    }

    /// After a crash, fixes of a patrol that is no longer running may remain; seal them.
    pub(super) fn flush_stale_buffer(&mut self) -> Result<()> {
        let open = self.open_patrol()?.map(|p| p.patrol_id.to_string());
        let stale: Vec<String> = {
            let mut stmt = self
                .conn
                .prepare("SELECT DISTINCT patrol_id FROM fix_buffer")?;
            let ids = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<_>, _>>()?;
            ids.into_iter()
                .filter(|id| Some(id) != open.as_ref())
                .collect()
        };
        for id in stale {
            let patrol_id: PatrolId = id.parse()?;
            let tx = self.write_tx()?;
            let buffer = read_buffer(&tx, patrol_id)?;
            self.seal_buffer(&tx, patrol_id, buffer)?;
            tx.commit()?;
        }
        Ok(())
    }
}

/// The capture of an imported entry: the fix's time as GNSS time, its position for the cell.
fn capture_of(fix: Option<&PositionFix>) -> Capture {
    Capture {
        gnss_ms: fix.and_then(|f| f.gnss_ms.or(f.time_ms)),
        position: fix.map(|f| LatLon {
            lat: f.lat,
            lon: f.lon,
        }),
    }
}

fn read_buffer(conn: &rusqlite::Connection, patrol_id: PatrolId) -> Result<Vec<PositionFix>> {
    let mut stmt =
        conn.prepare_cached("SELECT fix FROM fix_buffer WHERE patrol_id = ?1 ORDER BY n")?;
    let rows = stmt.query_map([patrol_id.to_string()], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for row in rows {
        let json = row?;
        let fix =
            serde_json::from_str(&json).map_err(|source| patrol_model::DecodeError::Json {
                kind: "fix_buffer",
                source,
            })?;
        out.push(fix);
    }
    Ok(out)
}

fn count_buffer(conn: &rusqlite::Connection, patrol_id: PatrolId) -> Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM fix_buffer WHERE patrol_id = ?1",
        [patrol_id.to_string()],
        |r| r.get(0),
    )?;
    Ok(n as usize)
}
