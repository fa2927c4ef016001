//! One handler per contract command for the fake backend. Each validates like Rust (same
//! `kind` and `field`), appends entries through `ctx.commit`, and returns what Rust returns.

import { ApiError } from './errors';
import { demoCity } from './fake-city';
import { dispatchesOf, dispatchStep, sceneSuggestion } from './fake-dispatch';
import { postDuty } from './fake-duty';
import {
  clone, correctedBy, effective, withdrawnBy, uuid7,
  type FakeEntry, type FakeQuarantine, type FakeState,
} from './fake-ledger';
import { photoRef } from './fake-photos';
import { exportBundle, runSync, syncQueue, type FakeSyncTimes } from './fake-sync';
import { suggestPost } from './fake-suggest';
import { gps, home, lastShift, openPatrol, postContext, postStanding, tz, visits } from './fake-views';
import {
  ACCIDENT_OUTCOMES, ASSISTANCE_KINDS, COMMANDS, INCIDENT_KINDS, INCIDENT_OUTCOMES, LOST_PERSON_OUTCOMES,
  PATROL_MODES, PHOTO_SLOTS, REPORT_KINDS, VEHICLE_KINDS, VIOLATION_TYPES, VOLUNTEER_CATEGORIES,
  type Command, type Commands, type HistoryItem, type PhotoRef, type ReportKind, type Saved, type StartPatrolArgs,
} from './types';
import { reportIssue, startPatrolIssue, violationIssue } from '../lib/rules';
import { hqUrlIssue, normalizePlate, textIssue, type Issue } from '../lib/validate';

export interface FakeCtx {
  s: FakeState;
  now(): number;
  online: boolean;
  latency(): Promise<void>;
  /** The fake HQ's verdict on an entry at upload: quarantined (and why), or null to hold it. */
  quarantine: ((e: FakeEntry) => FakeQuarantine | null) | null;
  /** What the fake HQ says blocks the queue, if anything. */
  stuck: string | null;
  /** When syncs were tried and how the last one ended (for `sync_queue`). */
  syncTimes: FakeSyncTimes;
  commit(kind: FakeEntry['kind'], record: Record<string, unknown>): FakeEntry;
  /** Persist and emit `ledger-changed` (after a commit or a sync). */
  changed(): void;
  /** Persist only (drafts, photos, settings are not ledger commits). */
  persist(): void;
  startSim(): void;
  sealTrack(): FakeEntry | null;
}

type A = Record<string, any>;

/** Reject like Rust's `CommandError` from a `ValidationError`: `{kind: 'invalid', message, field, code, params}`. */
export const invalidError = (i: Issue): ApiError =>
  new ApiError('invalid', `${i.field}: ${i.message}`, i.field, i.code, stringParams(i.params));
const stringParams = (p: Issue['params']): Record<string, string> | undefined =>
  p && Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)]));
const fail = (i: Issue | null) => {
  if (i) throw invalidError(i);
};
const within = (prefix: string, i: Issue | null): Issue | null => i && { ...i, field: `${prefix}.${i.field}` };
const enumIssue = (field: string, v: unknown, all: readonly string[], required = true): Issue | null =>
  v === undefined && !required
    ? null
    : all.includes(v as string)
      ? null
      : {
          field,
          code: 'enum',
          params: { value: String(v), allowed: all.join(', ') },
          message: `unknown value \`${String(v)}\` (expected one of: ${all.join(', ')})`,
        };
const saved = (e: FakeEntry): Saved => ({ seq: e.seq, kind: e.kind, id: e.id });

function slugIssue(kind: ReportKind, b: A): Issue | null {
  switch (kind) {
    case 'lost_person':
      return enumIssue('outcome', b.outcome, LOST_PERSON_OUTCOMES);
    case 'assistance':
      return enumIssue('kind', b.kind, ASSISTANCE_KINDS);
    case 'incident':
      return enumIssue('kind', b.kind, INCIDENT_KINDS) ?? enumIssue('outcome', b.outcome, INCIDENT_OUTCOMES);
    case 'traffic_accident':
      return (
        ((b.vehicles ?? []) as A[]).map((v, i) => enumIssue(`vehicles[${i}].kind`, v.kind, VEHICLE_KINDS)).find(Boolean) ??
        ((b.outcomes ?? []) as string[]).map((o, i) => enumIssue(`outcomes[${i}]`, o, ACCIDENT_OUTCOMES)).find(Boolean) ??
        ((b.photos ?? []) as A[]).map((p, i) => enumIssue(`photos[${i}].slot`, p.slot, PHOTO_SLOTS)).find(Boolean) ??
        null
      );
  }
}

/** Validate a report body like Rust and return it normalized (plates, patrol id, position). */
function checkReport(ctx: FakeCtx, kind: ReportKind, body: A, prefix?: string): A {
  const b = clone(body ?? {}) as A;
  const issue = slugIssue(kind, b) ?? reportIssue(kind, b);
  fail(prefix ? within(prefix, issue) : issue);
  for (const p of (b.photos ?? []) as PhotoRef[]) {
    if (!ctx.s.photos[p.sha256]) throw new ApiError('no_such_photo', `no photo with sha256 ${p.sha256} in the store`);
  }
  if (kind === 'traffic_accident') {
    for (const v of b.vehicles as A[]) if (v.plate) v.plate = normalizePlate(v.plate);
  }
  if (!b.patrol_id && ctx.s.open) b.patrol_id = ctx.s.open.patrol_id;
  return b;
}

function lastFixAt(ctx: FakeCtx) {
  const f = ctx.s.open?.route[ctx.s.open.route.length - 1];
  return f ? { lat: f.lat, lon: f.lon } : undefined;
}

function findEntry(ctx: FakeCtx, seq: number): FakeEntry {
  const e = ctx.s.entries.find((x) => x.seq === seq);
  if (!e) throw new ApiError('no_such_entry', `no entry with seq ${seq} in this ledger`);
  return e;
}

function supplement(ctx: FakeCtx, seq: number, reason: string, correction: A | null): Saved {
  const target = findEntry(ctx, seq);
  const bad = (why: string) => new ApiError('bad_supplement', `cannot supplement seq ${seq}: ${why}`);
  if (target.kind === 'supplement') throw bad('a supplement cannot be corrected; supplement the original entry');
  if (withdrawnBy(ctx.s.entries, seq) !== null) throw bad('it was withdrawn');
  fail(textIssue('reason', reason, true, 500));
  let body: A | undefined;
  if (correction) {
    if ((REPORT_KINDS as readonly string[]).includes(target.kind)) {
      body = checkReport(ctx, target.kind as ReportKind, correction, 'correction');
    } else if (target.kind === 'violation') {
      body = { ...clone(correction) };
      fail(within('correction', enumIssue('type', body.type, VIOLATION_TYPES) ?? violationIssue(body)));
      if (body.plate) body.plate = normalizePlate(body.plate);
    } else {
      body = clone(correction);
    }
  }
  const rec: A = { target_id: target.id, target_seq: seq, reason };
  if (body) rec.correction = { kind: target.kind, body };
  return saved(ctx.commit('supplement', rec));
}

function evidenceOf(ctx: FakeCtx, given: A | undefined): A {
  if (!given) return { source: 'manual', fixes_inside: 0, dwell_s: 0, at: lastFixAt(ctx) };
  if (given.source !== 'geofence') {
    throw invalidError({
      field: 'evidence.source',
      code: 'enum',
      message: `\`${String(given.source)}\` is not \`geofence\` (leave evidence out for a manual check-in)`,
    });
  }
  return { at: lastFixAt(ctx), ...clone(given) };
}

function postVisit(ctx: FakeCtx, a: A, arrive: boolean): Saved {
  const post_id = String(a.post_id ?? '').trim();
  fail(post_id ? null : { field: 'post_id', code: 'required', message: 'is required' });
  const posts = ctx.s.reference?.posts ?? [];
  if (posts.length && !posts.some((p) => p.id === post_id)) {
    throw new ApiError('not_found', `post ${post_id} is not in the reference data`, 'post_id');
  }
  const volunteers: A = {};
  for (const [c, n] of Object.entries((a.volunteers ?? {}) as A)) {
    fail(enumIssue('volunteers', c, VOLUNTEER_CATEGORIES));
    if (Number(n) > 0) volunteers[c] = Number(n);
  }
  const officers = ((a.officers ?? []) as string[]).map((o) => String(o).trim()).filter(Boolean);
  const evidence = evidenceOf(ctx, a.evidence);
  const open = visits(ctx).some((v) => v.post_id === post_id && v.end === null);
  if (arrive === open) {
    fail(
      arrive
        ? { field: 'post_id', code: 'conflict', params: { value: post_id }, message: `already on post ${post_id}; leave it first` }
        : { field: 'post_id', code: 'not_allowed', params: { value: post_id }, message: `not on post ${post_id}; arrive there first` },
    );
  }
  const rec: A = { post_id, evidence };
  if (arrive && officers.length) rec.officers = officers;
  if (arrive && Object.keys(volunteers).length) rec.volunteers = volunteers;
  if (ctx.s.open) rec.patrol_id = ctx.s.open.patrol_id;
  return saved(ctx.commit(arrive ? 'post_arrived' : 'post_left', rec));
}

/** A command's handler answers with exactly what Rust answers (the generated shape), so `tsc`
 * holds the fake to Rust. */
type Handler<C extends Command> = (ctx: FakeCtx, a: A) => Commands[C]['ret'] | Promise<Commands[C]['ret']>;

export const handlers: { [C in Command]: Handler<C> } = {
  home: (ctx) => home(ctx),
  reference: (ctx) => ctx.s.reference,
  enroll: async (ctx, a) => {
    fail(hqUrlIssue(a.hq_url ?? ''));
    const code = String(a.code ?? '').trim();
    fail(textIssue('code', code, true, 32));
    if (!/^[A-Za-z0-9-]{4,32}$/.test(code)) {
      throw invalidError({ field: 'code', code: 'format', message: 'an enrolment code is 4–32 letters, digits or `-`' });
    }
    await ctx.latency();
    if (!ctx.online) throw new ApiError('network', `could not reach ${a.hq_url}; check the address and the network`);
    if (code.toUpperCase() === 'EXPIRED') throw new ApiError('auth', 'enrolment code expired or unknown; ask HQ for a new one');
    ctx.s.enrolled = true;
    ctx.s.hq_url = a.hq_url.trim();
    ctx.s.device_name = `CD-${code.slice(-4).toUpperCase()}`;
    ctx.s.reference = demoCity();
    ctx.changed();
    return { device_name: ctx.s.device_name, city: ctx.s.reference.name };
  },
  start_patrol: (ctx, a) => {
    if (ctx.s.open) throw new ApiError('patrol_already_open', `a patrol is already running (${ctx.s.open.patrol_id}); stop it first`);
    const args = { officers: [], volunteers: {}, ...a } as unknown as StartPatrolArgs;
    fail(enumIssue('mode', args.mode, PATROL_MODES));
    for (const k of Object.keys(args.volunteers)) fail(enumIssue('volunteers', k, VOLUNTEER_CATEGORIES));
    fail(startPatrolIssue(args));
    const patrol_id = uuid7(ctx.now());
    const rec: A = { patrol_id, mode: args.mode, group: args.group, officers: args.officers, volunteers: args.volunteers };
    if (args.vehicle_plate) rec.vehicle_plate = normalizePlate(args.vehicle_plate);
    ctx.s.open = { patrol_id, group: args.group, mode: args.mode, started_ms: ctx.now(), distance_m: 0, fixes: 0, cell: null, route: [], unsealed: 0 };
    const e = ctx.commit('patrol_started', rec);
    ctx.startSim();
    return saved(e);
  },
  last_shift: (ctx) => lastShift(ctx),
  stop_patrol: (ctx) => {
    const o = ctx.s.open;
    if (!o) throw new ApiError('no_open_patrol', 'no patrol is running; start one first');
    const out: Saved[] = [];
    const seg = ctx.sealTrack();
    if (seg) out.push(saved(seg));
    ctx.s.open = null;
    out.push(saved(ctx.commit('patrol_stopped', { patrol_id: o.patrol_id })));
    return out;
  },
  live_patrol: (ctx) => {
    const o = ctx.s.open;
    const patrol = openPatrol(ctx);
    if (!o || !patrol) return null;
    const step = Math.max(1, Math.ceil(o.route.length / 500));
    const route = o.route
      .filter((_, i) => i % step === 0 || i === o.route.length - 1)
      .map((f): [number, number] => [f.lat, f.lon]);
    return { patrol, route, gps: gps(ctx) };
  },
  record_violation: (ctx, a) => {
    fail(enumIssue('type', a.type, VIOLATION_TYPES));
    fail(enumIssue('vehicle', a.vehicle, VEHICLE_KINDS, false));
    fail(violationIssue(a));
    const rec: A = { type: a.type, seized_items: a.seized_items ?? 0, photos: a.photos ?? [] };
    if (ctx.s.open) rec.patrol_id = ctx.s.open.patrol_id;
    for (const k of ['vehicle', 'note'] as const) if (a[k]) rec[k] = a[k];
    if (a.plate) rec.plate = normalizePlate(a.plate);
    const at = lastFixAt(ctx);
    if (at) rec.at = at;
    return saved(ctx.commit('violation', rec));
  },
  add_violation_details: (ctx, a) => {
    const target = findEntry(ctx, Number(a.seq));
    if (target.kind !== 'violation') {
      throw new ApiError('bad_supplement', `cannot supplement seq ${a.seq}: it is a ${target.kind}, not a violation`);
    }
    const { seq, ...details } = a;
    const merged = { ...effective(ctx.s.entries, target), ...details };
    return supplement(ctx, Number(seq), 'details added', merged);
  },
  submit_report: (ctx, a) => {
    fail(enumIssue('kind', a.kind, REPORT_KINDS));
    const body = checkReport(ctx, a.kind, a.body);
    if (!body.at && !body.found_at) {
      const at = lastFixAt(ctx);
      if (at) body[a.kind === 'lost_person' ? 'found_at' : 'at'] = at;
    }
    // Rust deletes the draft in the entry's transaction: one change, one event.
    if (a.draft_id) ctx.s.drafts = ctx.s.drafts.filter((d) => d.id !== a.draft_id);
    return saved(ctx.commit(a.kind, body));
  },
  add_photo: async (ctx, a) => {
    const ref = await photoRef(String(a.data_base64 ?? ''));
    ctx.s.photos[ref.sha256] ??= { size: ref.size, mime: ref.mime, synced: false };
    ctx.persist();
    return ref;
  },
  save_draft: (ctx, a) => {
    if (!/^[\p{L}\p{N}_-]{1,32}$/u.test(String(a.id ?? ''))) {
      throw invalidError({
        field: 'id',
        code: 'code',
        params: { value: [...String(a.id ?? '')].slice(0, 40).join('') },
        message: `\`${a.id}\` is not a valid code (1–32 letters, digits, \`-\` or \`_\`)`,
      });
    }
    const now = ctx.now();
    const old = ctx.s.drafts.find((d) => d.id === a.id);
    const d = { id: a.id, kind: String(a.kind), body: clone(a.body ?? null), created_ms: old?.created_ms ?? now, updated_ms: now };
    ctx.s.drafts = [d, ...ctx.s.drafts.filter((x) => x.id !== a.id)];
    ctx.persist();
    return d;
  },
  drafts: (ctx) => [...ctx.s.drafts].sort((x, y) => y.updated_ms - x.updated_ms),
  discard_draft: (ctx, a) => {
    const before = ctx.s.drafts.length;
    ctx.s.drafts = ctx.s.drafts.filter((d) => d.id !== a.id);
    ctx.persist();
    return ctx.s.drafts.length < before;
  },
  post_duty: (ctx) => postDuty(ctx.s.reference?.posts ?? [], visits(ctx), ctx.now(), tz(ctx), postContext(ctx)),
  post_arrive: (ctx, a) => postVisit(ctx, a, true),
  post_leave: (ctx, a) => postVisit(ctx, { post_id: a.post_id, evidence: a.evidence }, false),
  post_suggestion: (ctx) =>
    ctx.s.open ? suggestPost(ctx.s.reference?.posts ?? [], postStanding(ctx), ctx.s.open.route, ctx.now()) : null,
  history: (ctx, a) => {
    const limit = a.limit ?? 200;
    // The fake keeps each record as the JSON the screens sent; its kind names its type.
    return [...ctx.s.entries].reverse().slice(0, limit).map((e) => ({
      seq: e.seq, id: e.id, kind: e.kind, wall_ms: e.wall_ms, cell: e.cell, record: e.record,
      corrected_by: correctedBy(ctx.s.entries, e.seq), withdrawn_by: withdrawnBy(ctx.s.entries, e.seq), sync: e.sync,
    }) as unknown as HistoryItem);
  },
  supplement: (ctx, a) => supplement(ctx, Number(a.seq), String(a.reason ?? ''), a.correction ?? null),
  sync_now: (ctx, a) => runSync(ctx, a.on_progress),
  sync_status: (ctx) => ctx.s.last_receipt,
  sync_queue: (ctx) => syncQueue(ctx),
  export_bundle: (ctx) => exportBundle(ctx),
  get_settings: (ctx) => ({ language: ctx.s.language, hq_url: ctx.s.hq_url }),
  set_settings: (ctx, a) => {
    fail(enumIssue('language', a.language, ['zh-CN', 'en']));
    if (a.hq_url) fail(hqUrlIssue(a.hq_url));
    ctx.s.language = a.language;
    ctx.s.hq_url = a.hq_url ? String(a.hq_url).trim() : null;
    ctx.persist();
    return { language: ctx.s.language, hq_url: ctx.s.hq_url };
  },
  start_position_source: (ctx, a) => {
    fail(enumIssue('kind', a.kind, ['simulated', 'gpx-replay']));
    if (a.kind === 'gpx-replay') {
      if (!a.gpx_path) throw invalidError({ field: 'gpx_path', code: 'required', message: 'is required for gpx-replay' });
      throw new ApiError('io', `${a.gpx_path}: files cannot be read by the browser fake`);
    }
    ctx.s.position_source = 'simulated';
    ctx.startSim();
    ctx.persist();
    return null;
  },
  dispatches: (ctx) => dispatchesOf(ctx.s),
  dispatch_step: (ctx, a) => dispatchStep(ctx, a),
  scene_suggestion: (ctx) => sceneSuggestion(ctx.s),
};

// Keep the handler table and the contract list in step (checked again by the unit tests).
if (COMMANDS.some((c) => !(c in handlers))) throw new Error('fake: a contract command has no handler');
