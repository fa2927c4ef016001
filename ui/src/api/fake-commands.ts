//! One handler per contract command for the fake backend. Each validates like Rust (same
//! `kind` and `field`), appends entries through `ctx.commit`, and returns what Rust returns.

import { ApiError } from './errors';
import { demoCity } from './fake-city';
import { dispatchesOf, dispatchStep, sceneSuggestion } from './fake-dispatch';
import { postDuty } from './fake-duty';
import { mapPackView, mapTile, type FakeMapState } from './fake-map';
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
  type AssistanceRecord, type Command, type Commands, type HistoryItem, type IncidentReport, type LedgerRecord, type LostPersonReport,
  type PatrolStart, type PhotoRef, type PostArrival, type PostDeparture, type ReportKind, type Saved, type StartPatrolArgs, type Supplement,
  type TrafficAccidentReport, type ViolationTally, type VisitEvidence,
} from './types';
import { historyRecord, type HistoryRecord } from '../lib/record';
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
  /** The city's map pack on this device (a sync finishes one that is downloading). */
  map: FakeMapState;
  /** Append an entry: its kind and the record of that kind's generated type. */
  commit(r: HistoryRecord): FakeEntry;
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
const isReportKind = (k: string): k is ReportKind => (REPORT_KINDS as readonly string[]).includes(k);

/** A violation the screens sent (validated like Rust) as the generated `ViolationTally`: each
 * field by name, Rust's defaults for what was left out. */
const violationRecord = (b: A): ViolationTally => ({
  patrol_id: b.patrol_id, type: b.type, plate: b.plate, vehicle: b.vehicle, seized_items: b.seized_items ?? 0,
  photos: b.photos ?? [], at: b.at, note: b.note,
});

function slugIssue(kind: ReportKind, b: A): Issue | null {
  switch (kind) {
    case 'lost_person':
      // Absent, it is Rust's `missing field` (required), which the rules name.
      return enumIssue('outcome', b.outcome, LOST_PERSON_OUTCOMES, false);
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

/**
 * A report body the screens sent, once validated like Rust, as its kind's record: each field
 * of the generated type by name (what Rust does not know is dropped, an absent optional field
 * stays absent), and the fields Rust fills in when a body leaves them out (`#[serde(default)]`)
 * filled in the same way — so what the fake stores and sends back has the generated shape.
 */
function reportRecord(kind: ReportKind, b: A): ReportRecord {
  switch (kind) {
    case 'lost_person': {
      const record: LostPersonReport = {
        patrol_id: b.patrol_id, description: b.description, identifying_code: b.identifying_code, found_at: b.found_at,
        found_place: b.found_place, handed_to: b.handed_to, handed_over_at: b.handed_over_at, outcome: b.outcome,
        photos: b.photos ?? [],
      };
      return { kind, body: record };
    }
    case 'traffic_accident': {
      const record: TrafficAccidentReport = {
        patrol_id: b.patrol_id, vehicles: b.vehicles, injuries: b.injuries ?? false, photos: b.photos ?? [],
        outcomes: b.outcomes ?? [], at: b.at, note: b.note, photos_missing_reason: b.photos_missing_reason,
      };
      return { kind, body: record };
    }
    case 'assistance': {
      const record: AssistanceRecord = {
        patrol_id: b.patrol_id, kind: b.kind, description: b.description, people: b.people ?? 1, outcome: b.outcome, at: b.at,
      };
      return { kind, body: record };
    }
    case 'incident': {
      const record: IncidentReport = {
        patrol_id: b.patrol_id, kind: b.kind, description: b.description, value_yuan: b.value_yuan,
        video_reviewed: b.video_reviewed ?? false, outcome: b.outcome, at: b.at, photos: b.photos ?? [],
      };
      return { kind, body: record };
    }
  }
}

/** A report of one of `submit_report`'s kinds, as a ledger record (a correction's shape). */
type ReportRecord = Extract<LedgerRecord, { kind: ReportKind }>;

/** Validate a report body like Rust and return it as its kind's record, normalized (plates,
 * patrol id) — the one place the screens' JSON becomes a typed report. */
function checkReport(ctx: FakeCtx, kind: ReportKind, body: A, prefix?: string): ReportRecord {
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
  return reportRecord(kind, b);
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
  const rec: Supplement = { target_id: target.id, target_seq: seq, reason };
  if (correction) {
    const kind = target.kind;
    if (isReportKind(kind)) {
      rec.correction = checkReport(ctx, kind, correction, 'correction');
    } else if (kind === 'violation') {
      const body = clone(correction);
      fail(within('correction', enumIssue('type', body.type, VIOLATION_TYPES) ?? violationIssue(body)));
      if (body.plate) body.plate = normalizePlate(body.plate);
      rec.correction = { kind, body: violationRecord(body) };
    } else {
      // The screens correct only reports and violations; any other kind's body is kept as sent,
      // unchecked (the fake does not mirror every record's rules).
      const sent: any = clone(correction);
      rec.correction = { kind, body: sent };
    }
  }
  return saved(ctx.commit({ kind: 'supplement', record: rec }));
}

function evidenceOf(ctx: FakeCtx, given: A | undefined): VisitEvidence {
  if (!given) return { source: 'manual', fixes_inside: 0, dwell_s: 0, at: lastFixAt(ctx) };
  if (given.source !== 'geofence') {
    throw invalidError({
      field: 'evidence.source',
      code: 'enum',
      message: `\`${String(given.source)}\` is not \`geofence\` (leave evidence out for a manual check-in)`,
    });
  }
  return {
    source: given.source,
    fixes_inside: given.fixes_inside,
    dwell_s: given.dwell_s,
    best_accuracy_m: given.best_accuracy_m,
    at: 'at' in given ? given.at : lastFixAt(ctx),
  };
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
  const left: PostDeparture = { post_id, patrol_id: ctx.s.open?.patrol_id, evidence };
  if (!arrive) return saved(ctx.commit({ kind: 'post_left', record: left }));
  const arrived: PostArrival = {
    ...left,
    officers: officers.length ? officers : undefined,
    volunteers: Object.keys(volunteers).length ? volunteers : undefined,
  };
  return saved(ctx.commit({ kind: 'post_arrived', record: arrived }));
}

/** What `history` sends for an entry: the generated `HistoryItem`, its kind and record as kept
 * (the fake's quarantine note is its own, not sent). */
function historyItem(entries: FakeEntry[], e: FakeEntry): HistoryItem {
  const { quarantine: _, ...kept } = e;
  return { ...kept, corrected_by: correctedBy(entries, e.seq), withdrawn_by: withdrawnBy(entries, e.seq) };
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
    const rec: PatrolStart = {
      patrol_id, mode: args.mode, group: args.group, officers: args.officers, volunteers: args.volunteers,
      vehicle_plate: args.vehicle_plate ? normalizePlate(args.vehicle_plate) : undefined,
    };
    ctx.s.open = { patrol_id, group: args.group, mode: args.mode, started_ms: ctx.now(), distance_m: 0, fixes: 0, cell: null, route: [], unsealed: 0 };
    const e = ctx.commit({ kind: 'patrol_started', record: rec });
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
    out.push(saved(ctx.commit({ kind: 'patrol_stopped', record: { patrol_id: o.patrol_id } })));
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
    const rec = violationRecord({
      patrol_id: ctx.s.open?.patrol_id,
      type: a.type,
      plate: a.plate ? normalizePlate(a.plate) : undefined,
      vehicle: a.vehicle || undefined,
      seized_items: a.seized_items,
      photos: a.photos,
      at: lastFixAt(ctx),
      note: a.note || undefined,
    });
    return saved(ctx.commit({ kind: 'violation', record: rec }));
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
    const r = checkReport(ctx, a.kind, a.body);
    // Where it happened, when the form did not say: the last fix.
    if (r.kind === 'lost_person') r.body.found_at ??= lastFixAt(ctx);
    else r.body.at ??= lastFixAt(ctx);
    // Rust deletes the draft in the entry's transaction: one change, one event.
    if (a.draft_id) ctx.s.drafts = ctx.s.drafts.filter((d) => d.id !== a.draft_id);
    return saved(ctx.commit(historyRecord(r)));
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
    return [...ctx.s.entries]
      .reverse()
      .filter((e) => a.tracks !== false || e.kind !== 'track_segment')
      .slice(0, limit)
      .map((e) => historyItem(ctx.s.entries, e));
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
  map_pack: (ctx) => mapPackView(ctx.s.reference, ctx.map),
  map_tile: (ctx, a) => mapTile(ctx.s.reference, ctx.map, { z: Number(a.z), x: Number(a.x), y: Number(a.y) }),
};

// Keep the handler table and the contract list in step (checked again by the unit tests).
if (COMMANDS.some((c) => !(c in handlers))) throw new Error('fake: a contract command has no handler');
