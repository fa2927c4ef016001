//! Track rollups: each patrol's distance per local day, kept up to date as uploads arrive, so a
//! day's `km_patrolled` reads one row per patrol instead of decoding every track segment (a
//! city's day is over a million segments).
//!
//! A rollup is derived, never evidence: [`rollups_from_ledger`] rebuilds it from the stored
//! ledger, and it is **exactly** what [`super::daily_stats`] computes from the raw segments, not
//! an approximation: `patrolled_m` sums the distances between consecutive gated fixes in event
//! order, one after the other; [`roll`] adds the very same distances in the very same order as
//! each segment arrives, so the floating-point sums are bit for bit equal. When a segment cannot
//! simply be appended (its fixes start before the row's latest fix, a supplement corrects or
//! withdraws a segment, the city's zone or gate changed) the row is marked `dirty` and the
//! figures recompute that one patrol-day from the ledger ([`patrol_metres_of_day`]).
//!
//! Rows also carry what the presence heatmap and the patrols list need, so neither decodes a
//! city's day of segments: the timed fixes counted, the first gated fix (a patrol's km across
//! midnight joins its days there) and presence per grid cell by day and by night. Presence is
//! defined on the same footing: each interval of at most [`super::ROUTE_GAP_MS`] between two
//! consecutive fixes of a patrol-day (a longer gap is never presence), credited to the cell of
//! the first fix at its local hour ([`super::DAY_HOURS`]).

use super::{DAY_HOURS, ROUTE_GAP_MS, standing};
use crate::model::{StoredEntry, TrackRollup};
use chrono::{NaiveDate, TimeZone, Timelike};
use chrono_tz::Tz;
use patrol_geo::GridIndex;
use patrol_geo::track::{event_order, within_gate};
use patrol_model::{City, DeviceId, EntryKind, GridCell, LatLon, PatrolId, PositionFix, Record};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};

/// What rows are computed under: the city's zone, accuracy gate and grid now.
#[derive(Debug)]
pub struct RollContext {
    pub tz: Tz,
    pub gate_m: f64,
    pub grid: GridIndex,
    pub grid_key: String,
}

impl RollContext {
    pub fn of(city: Option<&City>) -> RollContext {
        let cells: &[GridCell] = city.map_or(&[], |c| c.cells.as_slice());
        RollContext {
            tz: city.map_or(chrono_tz::Asia::Shanghai, City::tz),
            gate_m: City::accuracy_gate_of(city),
            grid: GridIndex::new(cells),
            grid_key: grid_key(cells),
        }
    }
}

/// A short fingerprint of a grid: presence counted on another grid is not trusted.
pub fn grid_key(cells: &[GridCell]) -> String {
    use sha2::{Digest, Sha256};
    let json = serde_json::to_vec(cells).unwrap_or_default();
    hex::encode(&Sha256::digest(&json)[..8])
}

/// What [`roll`] needs to know about an entry a supplement in the upload targets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    pub kind: EntryKind,
    pub event_ms: i64,
    pub patrol_id: Option<PatrolId>,
}

fn here(f: &PositionFix) -> LatLon {
    LatLon {
        lat: f.lat,
        lon: f.lon,
    }
}

/// The local hour of UTC ms, remembered per quarter hour: every zone's offset since 1970 is a whole
/// number of quarter hours, so all of a quarter hour shares one local hour. Fixes come in time
/// order, so one lookup in the zone's rules serves hundreds of fixes.
#[derive(Debug, Default)]
struct HourCache(Option<(i64, u32)>);

impl HourCache {
    fn hour(&mut self, tz: Tz, t: i64) -> u32 {
        const QUARTER_MS: i64 = 15 * 60_000;
        let q = t.div_euclid(QUARTER_MS);
        match self.0 {
            Some((cq, h)) if cq == q => h,
            _ => {
                let h = tz.timestamp_millis_opt(t).single().map_or(0, |d| d.hour());
                self.0 = Some((q, h));
                h
            }
        }
    }
}

/// What [`extend`] needs of a run of fixes that does not depend on the row: the fixes in event
/// order, each one's grid cell and whether it passes the accuracy gate, and the distance from
/// the gated fix before it in the run. Worked out per segment on every core before the rows are
/// extended in order; the sums stay exact, since every distance is the same `distance_m` of the
/// same two fixes and the row still adds them one after the other in event order.
struct Prepared<'g> {
    fixes: Vec<PositionFix>,
    cells: Vec<&'g str>,
    gated: Vec<bool>,
    /// For a gated fix after another gated fix of the run, the distance between them.
    steps: Vec<Option<f64>>,
}

impl<'g> Prepared<'g> {
    /// `fixes` in event order (see [`event_order`]), under the context's grid and gate.
    fn of(fixes: Vec<PositionFix>, ctx: &'g RollContext) -> Self {
        let cells = fixes.iter().map(|f| cell_of(ctx, here(f))).collect();
        let gated: Vec<bool> = fixes.iter().map(|f| within_gate(f, ctx.gate_m)).collect();
        let mut last: Option<LatLon> = None;
        let steps = fixes
            .iter()
            .zip(&gated)
            .map(|(f, &g)| {
                if !g {
                    return None;
                }
                let step = last.map(|p| patrol_geo::distance_m(p, here(f)));
                last = Some(here(f));
                step
            })
            .collect();
        Prepared {
            fixes,
            cells,
            gated,
            steps,
        }
    }
}

/// The grid cell at `p`, `""` outside the grid.
fn cell_of(ctx: &RollContext, p: LatLon) -> &str {
    ctx.grid.cell_at(p).map_or("", |c| c.as_str())
}

/// Add `prep`'s fixes (in event order, after the row's last) to `row`, under the same gate it
/// was prepared with. An interval between two fixes is presence unless it is longer than
/// [`ROUTE_GAP_MS`] or a recorded gap (`gaps`, the patrol's [`patrol_model::TrackGap`] spans)
/// lies within it: a phone that said it had no fix for three minutes was not seen in that cell
/// for three minutes.
fn extend(row: &mut TrackRollup, prep: &Prepared, ctx: &RollContext, gaps: &[(i64, i64)]) {
    debug_assert_eq!(
        row.gate_m, ctx.gate_m,
        "a row is extended under its own gate"
    );
    let mut hours = HourCache::default();
    // Presence is summed per run of fixes in one cell and one half of the day, and added to the
    // row's map when the run ends: one map lookup per cell change, not one per fix.
    let mut run: Option<(&str, usize, i64)> = None;
    let flush = |row: &mut TrackRollup, run: Option<(&str, usize, i64)>| {
        if let Some((cell, half, ms)) = run {
            let slot = match row.presence.get_mut(cell) {
                Some(slot) => slot,
                None => row.presence.entry(cell.to_owned()).or_insert([0, 0]),
            };
            slot[half] += ms;
        }
    };
    for (j, f) in prep.fixes.iter().enumerate() {
        let Some(t) = f.time_ms else {
            continue;
        };
        if let (Some(prev), Some(lt)) = (row.last_any, row.last_t) {
            let dt = t - lt;
            if dt > 0 && dt <= ROUTE_GAP_MS && !patrol_geo::track::gap_between(lt, t, gaps) {
                // The fix before this one in the run is `prev` (every fix here is timed).
                let cell = match j.checked_sub(1) {
                    Some(k) => prep.cells[k],
                    None => cell_of(ctx, prev),
                };
                let by_day = (DAY_HOURS[0]..DAY_HOURS[1]).contains(&hours.hour(ctx.tz, lt));
                let half = usize::from(!by_day);
                match &mut run {
                    Some((c, h, ms)) if std::ptr::eq(*c, cell) && *h == half => *ms += dt,
                    _ => {
                        flush(row, run.take());
                        run = Some((cell, half, dt));
                    }
                }
            }
        }
        if prep.gated[j] {
            if let Some(prev) = row.last_gated {
                row.metres +=
                    prep.steps[j].unwrap_or_else(|| patrol_geo::distance_m(prev, here(f)));
            }
            row.first_gated = row.first_gated.or(Some(here(f)));
            row.last_gated = Some(here(f));
        }
        row.last_any = Some(here(f));
        row.last_t = Some(t);
        row.fixes += 1;
    }
    flush(row, run);
}

fn fresh(
    device_id: DeviceId,
    patrol_id: PatrolId,
    day: NaiveDate,
    ctx: &RollContext,
) -> TrackRollup {
    TrackRollup {
        device_id,
        patrol_id,
        day,
        tz: ctx.tz.name().to_owned(),
        gate_m: ctx.gate_m,
        metres: 0.0,
        last_t: None,
        last_gated: None,
        dirty: false,
        fixes: 0,
        first_gated: None,
        last_any: None,
        presence: BTreeMap::new(),
        grid_key: ctx.grid_key.clone(),
    }
}

fn touch(changed: &mut Vec<(PatrolId, NaiveDate)>, key: (PatrolId, NaiveDate)) {
    if !changed.contains(&key) {
        changed.push(key);
    }
}

fn local_day(ms: i64, tz: Tz) -> Option<NaiveDate> {
    super::local_date(ms, tz)
}

/// The rows an upload changes. `existing` holds the device's current rows for the patrols the
/// upload touches; `new` the entries it stores, in seq order; `targets` what each supplement's
/// target is (by seq; targets inside the upload are found in `new`). `tz` and `gate_m` are the
/// city's now.
pub fn roll(
    existing: &[TrackRollup],
    new: &[StoredEntry],
    targets: &HashMap<u64, Target>,
    ctx: &RollContext,
) -> Vec<TrackRollup> {
    let decoded: Vec<Option<Record>> = new.iter().map(|e| e.entry.record().ok()).collect();
    roll_decoded(existing, new, &decoded, targets, ctx)
}

/// The rows an upload changes, still to be rolled: everything [`roll_decoded`] takes but the
/// new entries themselves, which the plan carries. Storage runs it as part of the commit and
/// writes the rows in the same transaction as the entries: SQLite on the rayon pool while the
/// upload waits for its one writer and while the writer inserts; PostgreSQL first.
#[derive(Debug, Clone)]
pub struct RollJob {
    pub existing: Vec<TrackRollup>,
    /// `decoded[i]` is the plan's `new[i]`'s record, as decoded while planning.
    pub decoded: Vec<Option<Record>>,
    pub targets: HashMap<u64, Target>,
    pub ctx: std::sync::Arc<RollContext>,
}

impl RollJob {
    /// The rows, for the plan's `new` entries (the ones `decoded` was made from).
    pub fn run(&self, new: &[StoredEntry]) -> Vec<TrackRollup> {
        roll_decoded(&self.existing, new, &self.decoded, &self.targets, &self.ctx)
    }
}

/// [`roll`] with each new entry's record decoded already (`decoded[i]` is `new[i]`'s, `None`
/// when it does not decode): the upload decoded them once, on every core, while planning.
pub fn roll_decoded(
    existing: &[TrackRollup],
    new: &[StoredEntry],
    decoded: &[Option<Record>],
    targets: &HashMap<u64, Target>,
    ctx: &RollContext,
) -> Vec<TrackRollup> {
    debug_assert_eq!(new.len(), decoded.len());
    let tz = ctx.tz;
    // Each segment's fixes, cells and distances, on every core (a shift is ~1,500 segments of
    // 30 fixes); the rows are then extended in order below.
    let mut prepared: Vec<Option<Prepared>> = new
        .par_iter()
        .zip(decoded.par_iter())
        .with_min_len(16)
        .map(|(e, record)| match record {
            Some(Record::TrackSegment(t)) if e.quarantine.is_none() => {
                Some(Prepared::of(event_order(&t.fixes), ctx))
            }
            _ => None,
        })
        .collect();
    let mut rows: BTreeMap<(PatrolId, NaiveDate), TrackRollup> = existing
        .iter()
        .map(|r| ((r.patrol_id, r.day), r.clone()))
        .collect();
    let mut changed: Vec<(PatrolId, NaiveDate)> = Vec::new();
    let in_batch: HashMap<u64, Target> = new
        .iter()
        .map(|e| {
            (
                e.entry.seq,
                Target {
                    kind: e.entry.kind,
                    event_ms: e.event_ms,
                    patrol_id: e.patrol_id,
                },
            )
        })
        .collect();
    for (i, (e, record)) in new.iter().zip(decoded).enumerate() {
        if e.quarantine.is_some() {
            continue;
        }
        let device = e.entry.device_id;
        match record {
            Some(Record::TrackSegment(t)) => {
                let Some(day) = local_day(e.event_ms, tz) else {
                    continue;
                };
                let Some(prep) = prepared[i].take() else {
                    continue;
                };
                let fixes = &prep.fixes;
                if fixes.is_empty() {
                    continue;
                }
                let key = (t.patrol_id, day);
                touch(&mut changed, key);
                let row = rows
                    .entry(key)
                    .or_insert_with(|| fresh(device, t.patrol_id, day, ctx));
                let in_order = row.last_t.is_none_or(|lt| fixes[0].time_ms > Some(lt));
                if row.dirty || !trusted(row, ctx) || !in_order {
                    row.dirty = true;
                    row.last_t = fixes.last().and_then(|f| f.time_ms).max(row.last_t);
                } else {
                    // A trusted row has no recorded gap: a gap marks its patrol-days dirty.
                    extend(row, &prep, ctx, &[]);
                }
            }
            // A recorded gap: no distance across it, so its patrol-days are recomputed from
            // the ledger (where the gap is) instead of extended fix by fix.
            Some(Record::TrackGap(g)) => {
                for day in [local_day(g.from_ms, tz), local_day(g.to_ms, tz)]
                    .into_iter()
                    .flatten()
                {
                    touch(&mut changed, (g.patrol_id, day));
                    rows.entry((g.patrol_id, day))
                        .or_insert_with(|| fresh(device, g.patrol_id, day, ctx))
                        .dirty = true;
                }
            }
            Some(Record::Supplement(s)) => {
                let target = in_batch
                    .get(&s.target_seq)
                    .or_else(|| targets.get(&s.target_seq));
                let corrects_a_segment = s
                    .correction
                    .as_deref()
                    .is_some_and(|r| r.kind() == EntryKind::TrackSegment);
                if let Some(t) = target.filter(|t| t.kind == EntryKind::TrackSegment)
                    && let (Some(patrol), Some(day)) = (t.patrol_id, local_day(t.event_ms, tz))
                {
                    touch(&mut changed, (patrol, day));
                    rows.entry((patrol, day))
                        .or_insert_with(|| fresh(device, patrol, day, ctx))
                        .dirty = true;
                } else if corrects_a_segment
                    && let Some(Record::TrackSegment(c)) = s.correction.as_deref()
                    && let Some(day) = target.and_then(|t| local_day(t.event_ms, tz))
                {
                    touch(&mut changed, (c.patrol_id, day));
                    rows.entry((c.patrol_id, day))
                        .or_insert_with(|| fresh(device, c.patrol_id, day, ctx))
                        .dirty = true;
                }
            }
            _ => {}
        }
    }
    changed
        .into_iter()
        .filter_map(|k| rows.remove(&k))
        .collect()
}

/// Every rollup row the ledger implies, as [`roll`] would have built them upload by upload from
/// the start: for each device, patrol and local day with track segments, the distance through
/// the gated fixes in event order (what `daily_stats` computes). `supplements` applies (a
/// withdrawn segment counts nowhere, a corrected one counts as corrected); rows are never dirty.
pub fn rollups_from_ledger(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    ctx: &RollContext,
) -> Vec<TrackRollup> {
    let tz = ctx.tz;
    let mut fixes: BTreeMap<(DeviceId, PatrolId, NaiveDate), Vec<PositionFix>> = BTreeMap::new();
    let mut gaps: BTreeMap<PatrolId, Vec<(i64, i64)>> = BTreeMap::new();
    for e in standing(entries, supplements) {
        match &e.record {
            Record::TrackSegment(t) => {
                if let Some(day) = local_day(e.event_ms(), tz) {
                    fixes
                        .entry((e.device_id(), t.patrol_id, day))
                        .or_default()
                        .extend_from_slice(&t.fixes);
                }
            }
            Record::TrackGap(g) => gaps.entry(g.patrol_id).or_default().push(g.span()),
            _ => {}
        }
    }
    fixes
        .into_iter()
        .filter_map(|((device_id, patrol_id, day), fixes)| {
            let prep = Prepared::of(event_order(&fixes), ctx);
            if prep.fixes.is_empty() {
                return None;
            }
            let mut row = fresh(device_id, patrol_id, day, ctx);
            let g = gaps.get(&patrol_id).map_or(&[][..], Vec::as_slice);
            extend(&mut row, &prep, ctx, g);
            // Nothing counts across a recorded tracking gap: the distance is the raw answer's.
            if !g.is_empty() {
                row.metres = patrol_geo::track::patrolled_m_across(&prep.fixes, row.gate_m, g);
            }
            Some(row)
        })
        .collect()
}

/// Each patrol's metres on `day` from the raw ledger (`entries` holds the patrols' entries),
/// exactly as `daily_stats` computes them: for the patrol-days whose rollup cannot be trusted.
pub fn patrol_metres_of_day(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    tz: Tz,
    day: NaiveDate,
    gate_m: f64,
) -> BTreeMap<PatrolId, f64> {
    let mut tracks: BTreeMap<PatrolId, Vec<PositionFix>> = BTreeMap::new();
    let mut gaps: BTreeMap<PatrolId, Vec<(i64, i64)>> = BTreeMap::new();
    for e in standing(entries, supplements) {
        match &e.record {
            Record::TrackSegment(t) if local_day(e.event_ms(), tz) == Some(day) => {
                tracks
                    .entry(t.patrol_id)
                    .or_default()
                    .extend_from_slice(&t.fixes);
            }
            Record::TrackGap(g) => gaps.entry(g.patrol_id).or_default().push(g.span()),
            _ => {}
        }
    }
    tracks
        .into_iter()
        .map(|(p, fixes)| {
            let g = gaps.get(&p).map_or(&[][..], Vec::as_slice);
            (p, patrol_geo::track::patrolled_m_across(&fixes, gate_m, g))
        })
        .collect()
}

/// A trusted row's metres, finished as `patrolled_m` finishes its sum (never negative, never
/// `-0`).
pub fn finished_metres(row: &TrackRollup) -> f64 {
    row.metres.max(0.0) + 0.0
}

/// Whether a row can stand for its patrol-day under the city's zone, gate and grid now.
pub fn trusted(row: &TrackRollup, ctx: &RollContext) -> bool {
    !row.dirty
        && row.tz == ctx.tz.name()
        && row.gate_m == ctx.gate_m
        && row.grid_key == ctx.grid_key
}

/// Each patrol's timed fixes and km over all its days, from its rows (every day of the patrol,
/// trusted): the days' metres joined by the distance from one day's last gated fix to the next
/// day's first. Equal to the raw figure to the metre (the sum is grouped by day, so its last
/// bits may differ from one long sum).
pub fn patrol_totals(rows: &[TrackRollup]) -> BTreeMap<PatrolId, (u64, f64)> {
    let mut by_patrol: BTreeMap<PatrolId, Vec<&TrackRollup>> = BTreeMap::new();
    for r in rows {
        by_patrol.entry(r.patrol_id).or_default().push(r);
    }
    by_patrol
        .into_iter()
        .map(|(p, mut days)| {
            days.sort_by_key(|r| r.day);
            let mut metres = 0.0;
            let mut fixes = 0;
            let mut last: Option<LatLon> = None;
            for r in days {
                if let (Some(a), Some(b)) = (last, r.first_gated) {
                    metres += patrol_geo::distance_m(a, b);
                }
                metres += r.metres;
                fixes += r.fixes;
                last = r.last_gated.or(last);
            }
            (p, (fixes, super::stats::km(metres.max(0.0) + 0.0)))
        })
        .collect()
}
