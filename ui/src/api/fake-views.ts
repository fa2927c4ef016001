//! What the fake derives from its entries, never stores: the home summary with today's
//! tallies (withdrawn entries excluded, corrections applied) and post visits.

import type { FakeCtx } from './fake-commands';
import type { PostContext, Visit } from './fake-duty';
import type { Standing } from './fake-suggest';
import { effective, standing, type FakeEntryOf } from './fake-ledger';
import type { DayTally, GpsHealth, Home, LastShift, OpenPatrol } from './types';
import { localDate } from '../lib/time';

export const tz = (ctx: FakeCtx) => ctx.s.reference?.timezone ?? 'Asia/Shanghai';

export function visits(ctx: FakeCtx): Visit[] {
  const out: Visit[] = [];
  for (const e of standing(ctx.s.entries)) {
    if (e.kind === 'post_arrived') {
      const id = e.record.post_id;
      if (!out.some((x) => x.post_id === id && x.end === null)) {
        out.push({ post_id: id, start: e.wall_ms, end: null, source: e.record.evidence?.source === 'geofence' ? 'geofence' : 'manual' });
      }
    }
    if (e.kind === 'post_left') {
      const id = e.record.post_id;
      const v = out.find((x) => x.post_id === id && x.end === null);
      if (v) v.end = e.wall_ms;
    }
  }
  return out;
}

/** Each post's standing from the check-ins: on post or not, since the last one. */
export function postStanding(ctx: FakeCtx): Map<string, Standing> {
  const out = new Map<string, Standing>();
  for (const v of visits(ctx)) out.set(v.post_id, v.end === null ? { on_post: true, since_ms: v.start } : { on_post: false, since_ms: v.end });
  return out;
}

function today(ctx: FakeCtx): DayTally {
  const date = localDate(ctx.now(), tz(ctx));
  const t: DayTally = { date, violations: {}, seized_items: 0, entries: {} };
  for (const e of standing(ctx.s.entries)) {
    if (localDate(e.wall_ms, tz(ctx)) !== date) continue;
    t.entries[e.kind] = (t.entries[e.kind] ?? 0) + 1;
    if (e.kind === 'violation') {
      const r = effective(ctx.s.entries, e);
      t.violations[r.type] = (t.violations[r.type] ?? 0) + 1;
      t.seized_items += r.seized_items ?? 0;
    }
  }
  return t;
}

/** The running patrol as Home and the live map show it. */
export function openPatrol(ctx: FakeCtx): OpenPatrol | null {
  const o = ctx.s.open;
  return (
    o && {
      patrol_id: o.patrol_id, group: o.group, mode: o.mode, started_ms: o.started_ms,
      distance_m: Math.round(o.distance_m * 10) / 10, fixes: o.fixes, cell: o.cell, last_fix: o.route[o.route.length - 1] ?? null,
    }
  );
}

export function home(ctx: FakeCtx): Home {
  const s = ctx.s;
  return {
    device_id: s.device_id,
    enrolled: s.enrolled,
    hq_url: s.hq_url,
    device_name: s.device_name,
    open_patrol: openPatrol(ctx),
    unsynced: s.entries.filter((e) => e.sync === 'pending').length,
    quarantined: s.entries.filter((e) => e.sync === 'quarantined').length,
    today: today(ctx),
    drafts: s.drafts.length,
    last_sync_ms: s.last_sync_ms,
    city_loaded: s.reference !== null,
    position_source: s.position_source,
    ledger_problem: null,
    gps: gps(ctx),
  };
}

/** `last_shift` (Store::last_shift): the crew of the newest patrol start not withdrawn, as corrected. */
export function lastShift(ctx: FakeCtx): LastShift | null {
  const last = standing(ctx.s.entries)
    .filter((e): e is FakeEntryOf<'patrol_started'> => e.kind === 'patrol_started')
    .at(-1);
  if (!last) return null;
  const r = effective(ctx.s.entries, last);
  return {
    group: r.group,
    mode: r.mode,
    officers: r.officers ?? [],
    volunteers: r.volunteers ?? {},
    vehicle_plate: r.vehicle_plate ?? null,
  };
}

/** What orders the post list (Rust's `PostContext`): the running patrol's fresh fix (at most
 * 10 minutes old) and its group's cells. */
export function postContext(ctx: FakeCtx): PostContext {
  const o = ctx.s.open;
  const ref = ctx.s.reference;
  const last = o?.route.at(-1);
  const fresh = last && last.time_ms != null && ctx.now() - last.time_ms <= 10 * 60_000;
  return {
    here: fresh ? { lat: last.lat, lon: last.lon } : null,
    assignedCells: (o && ref?.groups.find((g) => g.id === o.group)?.cells) ?? [],
    cells: ref?.cells ?? [],
  };
}

/** A canned GPS health: what Rust's `GpsHealth::assess` says for the fake's source and fixes. */
export function gps(ctx: FakeCtx): GpsHealth {
  const s = ctx.s;
  const patrolling = s.open !== null;
  if (s.position_source === 'none') {
    return { state: 'no_source', level: patrolling ? 'red' : 'amber', accuracy_m: null, fix_age_ms: null, poor_accuracy: false };
  }
  const last = s.open?.route[s.open.route.length - 1] ?? null;
  const age = last?.time_ms != null ? Math.max(0, Date.now() - last.time_ms) : null;
  const level = age === null ? 'ok' : age > 120_000 ? 'red' : age > 30_000 ? 'amber' : 'ok';
  return {
    state: s.position_source === 'gnss' ? (patrolling ? 'recording' : 'ready') : 'simulated',
    level,
    accuracy_m: last?.accuracy_m ?? null,
    fix_age_ms: age,
    poor_accuracy: false,
  };
}
