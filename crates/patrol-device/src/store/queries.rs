//! Read-side helpers that feed the pure [`crate::views`] from the ledger.

use super::Store;
use crate::Result;
use crate::views::{self, DayTally, PostDuty};
use chrono::NaiveDate;
use patrol_model::{City, Effective, Entry, EntryKind, LatLon, PatrolId, PositionFix, Record};
use rusqlite::OptionalExtension;

/// A fix older than this says nothing about where the officer is now (post ordering).
const POSITION_FRESH_MS: i64 = 10 * 60 * 1000;

/// One of the newest entries ([`Store::recent`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Recent {
    /// An entry as it stands (boxed: a record is much bigger than a supplement's raw entry).
    Entry(Box<Effective>),
    /// A supplement, listed as itself (its target shows it applied).
    Supplement(Entry),
}

impl Recent {
    pub fn seq(&self) -> u64 {
        match self {
            Recent::Entry(e) => e.entry.seq,
            Recent::Supplement(e) => e.seq,
        }
    }
}

/// Kinds that count in a day's tally.
const TALLY_KINDS: &[EntryKind] = &[
    EntryKind::PatrolStarted,
    EntryKind::Violation,
    EntryKind::LostPerson,
    EntryKind::TrafficAccident,
    EntryKind::Assistance,
    EntryKind::Incident,
    EntryKind::PostArrived,
];

impl Store {
    /// Entries of `kinds` as they stand after supplements (withdrawn ones left out).
    pub fn standing(&self, kinds: &[EntryKind]) -> Result<Vec<Effective>> {
        let entries = self.entries_of(&patrol_model::with_supplements(kinds))?;
        Ok(patrol_model::standing(&entries)?)
    }

    /// Entries of `kinds` with seqs after `after_seq`, as they stand: for those entries the same
    /// answer as [`Store::standing`] (a supplement always comes after the entry it names), in
    /// time that grows with what follows `after_seq` rather than with the whole ledger.
    pub fn standing_after(&self, kinds: &[EntryKind], after_seq: u64) -> Result<Vec<Effective>> {
        let entries = self.entries_of_after(&patrol_model::with_supplements(kinds), after_seq)?;
        Ok(patrol_model::standing(&entries)?)
    }

    /// Where a patrol's own entries begin: the seq of the first start naming it. A patrol id is
    /// made by its start, and the recorder and an import both write the start before any of
    /// its segments and gaps. 0 when no start names it (then the whole ledger is read).
    fn patrol_floor(&self, patrol_id: PatrolId) -> Result<u64> {
        for e in self.entries_of(&[EntryKind::PatrolStarted])? {
            if let Ok(Record::PatrolStarted(s)) = e.record()
                && s.patrol_id == patrol_id
            {
                return Ok(e.seq);
            }
        }
        Ok(0)
    }

    /// The newest `limit` entries, newest first, each as it stands (corrections applied,
    /// withdrawals marked), supplements among them as entries of their own; track segments
    /// left out unless `tracks`. Read from the oldest of them on, not from seq 1: a supplement
    /// always comes after the entry it names, so each one stands exactly as in
    /// [`Store::history`], and the officer's list costs the same in the first week and the
    /// twelfth month.
    pub fn recent(&self, limit: usize, tracks: bool) -> Result<Vec<Recent>> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let skip = if tracks {
            ""
        } else {
            "WHERE kind <> 'track_segment'"
        };
        let floor: Option<i64> = self
            .conn
            .query_row(
                &format!("SELECT seq FROM ledger {skip} ORDER BY seq DESC LIMIT 1 OFFSET ?1"),
                [i64::try_from(limit - 1).unwrap_or(i64::MAX)],
                |r| r.get(0),
            )
            .optional()?;
        let floor = floor.map_or(0, |f| u64::try_from(f - 1).unwrap_or(0));
        let rows = self.entries_after(floor, tracks)?;
        let mut out: Vec<Recent> = patrol_model::apply_supplements(&rows)?
            .into_iter()
            .map(|e| Recent::Entry(Box::new(e)))
            .collect();
        out.extend(
            rows.into_iter()
                .filter(|e| e.kind == EntryKind::Supplement)
                .map(Recent::Supplement),
        );
        out.sort_by_key(|r| std::cmp::Reverse(r.seq()));
        out.truncate(limit);
        Ok(out)
    }

    /// Every entry with supplements applied, withdrawn ones included (marked).
    pub fn history(&self) -> Result<Vec<Effective>> {
        let entries = self.entries(1, usize::MAX >> 1)?;
        Ok(patrol_model::apply_supplements(&entries)?)
    }

    /// The local date of now, in the city's time zone.
    pub fn today(&self) -> Result<NaiveDate> {
        let tz = self.timezone()?;
        Ok(
            chrono::TimeZone::timestamp_millis_opt(&tz, self.clock.wall_ms())
                .single()
                .map_or(NaiveDate::MIN, |t| t.date_naive()),
        )
    }

    /// The day's tally: the entries whose event time falls within two days either side of the
    /// local date are read (the view keeps the date's own), not every report ever kept; a
    /// correction never moves an entry to another day (its event time is the original's).
    pub fn day_tally(&self, date: NaiveDate) -> Result<DayTally> {
        let tz = self.timezone()?;
        let noon = date
            .and_hms_opt(12, 0, 0)
            .map(|t| t.and_utc().timestamp_millis())
            .unwrap_or(0);
        const DAY_MS: i64 = 86_400_000;
        // In any zone the local date starts at most 26 h before its noon read as UTC and ends
        // at most 25 h after it: two days either side covers it.
        let entries = self.entries_between(TALLY_KINDS, noon - 2 * DAY_MS, noon + 2 * DAY_MS)?;
        Ok(views::day_tally(
            &patrol_model::standing(&entries)?,
            tz,
            date,
        ))
    }

    /// Minutes on each post in its duty windows of `date` (empty without reference data),
    /// ordered for the running patrol ([`views::post_duty`]).
    pub fn post_duty(&self, date: NaiveDate) -> Result<Vec<PostDuty>> {
        let Some(city) = self.city()? else {
            return Ok(Vec::new());
        };
        let standing = self.standing(&[EntryKind::PostArrived, EntryKind::PostLeft])?;
        let now = self.clock.wall_ms();
        let mut ctx = views::PostContext::default();
        if let Some(open) = self.open_patrol()? {
            ctx.assigned_cells = city
                .groups
                .iter()
                .find(|g| g.id == open.group)
                .map(|g| g.cells.clone())
                .unwrap_or_default();
            ctx.here = self
                .patrol_fixes(open.patrol_id)?
                .last()
                .filter(|f| f.time_ms.is_some_and(|t| now - t <= POSITION_FRESH_MS))
                .map(|f| LatLon {
                    lat: f.lat,
                    lon: f.lon,
                });
        }
        Ok(views::post_duty(&standing, &city, date, now, &ctx))
    }

    /// Every fix of a patrol so far: sealed segments (withdrawn ones left out), then the buffer.
    /// Read from the patrol's start on, so a month of earlier shifts costs nothing here (the
    /// app asks on every Home refresh and every few seconds for the post suggestion).
    pub fn patrol_fixes(&self, patrol_id: PatrolId) -> Result<Vec<PositionFix>> {
        self.patrol_fixes_from(patrol_id, self.patrol_floor(patrol_id)?)
    }

    /// [`Store::patrol_fixes`] read from `floor`, the seq of the patrol's start.
    fn patrol_fixes_from(&self, patrol_id: PatrolId, floor: u64) -> Result<Vec<PositionFix>> {
        let mut fixes: Vec<PositionFix> = Vec::new();
        for e in self.standing_after(&[EntryKind::TrackSegment], floor)? {
            if let Record::TrackSegment(t) = e.record
                && t.patrol_id == patrol_id
            {
                fixes.extend(t.fixes);
            }
        }
        fixes.extend(self.buffered_fixes(patrol_id)?);
        Ok(fixes)
    }

    /// The tracking gaps recorded on a patrol, `(from_ms, to_ms)` (withdrawn ones left out).
    pub fn patrol_gaps(&self, patrol_id: PatrolId) -> Result<Vec<(i64, i64)>> {
        self.patrol_gaps_from(patrol_id, self.patrol_floor(patrol_id)?)
    }

    /// [`Store::patrol_gaps`] read from `floor`, the seq of the patrol's start.
    fn patrol_gaps_from(&self, patrol_id: PatrolId, floor: u64) -> Result<Vec<(i64, i64)>> {
        Ok(self
            .standing_after(&[EntryKind::TrackGap], floor)?
            .into_iter()
            .filter_map(|e| match e.record {
                Record::TrackGap(g) if g.patrol_id == patrol_id => Some(g.span()),
                _ => None,
            })
            .collect())
    }

    /// The distance a patrol covered so far, in metres: its fixes ([`Store::patrol_fixes`])
    /// measured with `patrol_geo::track::patrolled_m_across` through the city's accuracy gate and
    /// across none of its recorded gaps, exactly as HQ measures a patrol's `km`, so the
    /// officer's screen and HQ's figure agree.
    pub fn patrol_distance_m(&self, patrol_id: PatrolId) -> Result<f64> {
        let gate_m = City::accuracy_gate_of(self.city()?.as_ref());
        Ok(patrol_geo::track::patrolled_m_across(
            &self.patrol_fixes(patrol_id)?,
            gate_m,
            &self.patrol_gaps(patrol_id)?,
        ))
    }

    /// The running patrol's live view (`None` when no patrol runs), with its fixes in the order
    /// taken so a screen can draw the route.
    pub fn live_patrol(&self) -> Result<Option<(views::LivePatrol, Vec<PositionFix>)>> {
        let Some(open) = self.open_patrol()? else {
            return Ok(None);
        };
        // Its segments and gaps are read from its start, looked up once for both.
        let floor = self.patrol_floor(open.patrol_id)?;
        let fixes = self.patrol_fixes_from(open.patrol_id, floor)?;
        let buffered = self.buffered_fixes(open.patrol_id)?.len();
        let last_fix = fixes.last().copied();
        let cell = match (&self.grid, last_fix) {
            (Some(grid), Some(f)) => grid
                .cell_at(patrol_model::LatLon {
                    lat: f.lat,
                    lon: f.lon,
                })
                .cloned(),
            _ => None,
        };
        let gate_m = City::accuracy_gate_of(self.city()?.as_ref());
        let distance_m = patrol_geo::track::patrolled_m_across(
            &fixes,
            gate_m,
            &self.patrol_gaps_from(open.patrol_id, floor)?,
        );
        let view = views::LivePatrol {
            patrol_id: open.patrol_id,
            group: open.group,
            mode: open.mode,
            started_ms: open.started_wall_ms,
            distance_m: (distance_m * 10.0).round() / 10.0 + 0.0,
            fixes: fixes.len(),
            buffered,
            cell,
            last_fix,
        };
        Ok(Some((view, fixes)))
    }
}
