//! The fake HQ: a sync run that reports progress phase by phase over the channel, marks
//! pending entries acked (or quarantined, when a test asks for it), finishes a map pack that
//! was downloading, and returns a receipt.

import { ApiError, toApiError } from './errors';
import type { FakeCtx } from './fake-commands';
import type { FakeEntry, FakeQuarantine } from './fake-ledger';
import { afterSync } from './fake-map';
import { ENTRY_KINDS, type BundleExported, type Quarantined, type Receipt, type SyncProgress, type SyncQueueView } from './types';

/** When syncs were tried and how the last one ended (Rust's `SyncTimes`: this run only). */
export type FakeSyncTimes = Pick<SyncQueueView, 'last_attempt_ms' | 'last_ok_ms' | 'last_error_kind' | 'last_error'> & {
  /** Failed attempts since the front of the queue last moved. */
  front_attempts: number;
};

export const noSyncTimes = (): FakeSyncTimes => ({
  last_attempt_ms: null, last_ok_ms: null, last_error_kind: null, last_error: null, front_attempts: 0,
});

/** `sync_queue`: what waits to reach HQ, by kind, and when syncs were tried. Answers offline. */
export function syncQueue(ctx: FakeCtx): SyncQueueView {
  const pending = ctx.s.entries.filter((e) => e.sync === 'pending');
  const waiting = ENTRY_KINDS.flatMap((kind) => {
    const of = pending.filter((e) => e.kind === kind);
    return of.length ? [{ kind, count: of.length, oldest_ms: Math.min(...of.map((e) => e.wall_ms)) }] : [];
  });
  const photos = Object.values(ctx.s.photos).filter((p) => !p.synced);
  const t = ctx.syncTimes;
  return {
    waiting,
    entries_waiting: pending.length,
    photos_waiting: photos.length,
    photo_bytes_waiting: photos.reduce((sum, p) => sum + p.size, 0),
    quarantined: ctx.s.entries.filter((e) => e.sync === 'quarantined').length,
    front_seq: pending[0]?.seq ?? null,
    front_attempts: pending.length ? t.front_attempts : 0,
    front_error: pending.length && t.front_attempts ? t.last_error : null,
    last_attempt_ms: t.last_attempt_ms,
    last_ok_ms: t.last_ok_ms,
    last_error_kind: t.last_error_kind,
    last_error: t.last_error,
    next_attempt_ms: null,
  };
}

/** Where the app keeps its data on a phone (Tauri's app data folder for `cn.changde.patrol`). */
const DATA_DIR = '/data/user/0/cn.changde.patrol';

/**
 * `export_bundle` (station sync without a network): what Rust's bundle would hold — the entries
 * after the last receipt's head and the photos not yet uploaded — and where it would be written.
 * Nothing on the device changes (the queue waits for the next sync); the fake only notes the
 * export in `s.exports`. Answers offline; `not_enrolled` before enrolment, like a sync.
 */
export function exportBundle(ctx: FakeCtx): BundleExported {
  const s = ctx.s;
  if (!s.enrolled || !s.hq_url) throw new ApiError('not_enrolled', 'this device is not enrolled; enrol it with HQ first');
  const from_seq = (s.last_receipt?.hq_head_seq ?? 0) + 1;
  const to_seq = s.entries.length;
  const entries = s.entries.filter((e) => e.seq >= from_seq);
  const photos = Object.values(s.photos).filter((p) => !p.synced);
  // A gzip'd tar: a manifest, each entry's JSON (about 40 % after gzip, with its hash and
  // signature), each photo as stored (already compressed) behind a 512-byte tar header.
  const entryBytes = entries.reduce((n, e) => n + JSON.stringify(e).length + 160, 0);
  const bytes = 1024 + Math.round(entryBytes * 0.4) + photos.reduce((n, p) => n + p.size + 512, 0);
  const out: BundleExported = {
    path: `${DATA_DIR}/exports/patrol-${s.device_id.slice(0, 8)}-${from_seq}-${Math.max(to_seq, from_seq - 1)}.bundle`,
    entries: entries.length,
    from_seq,
    to_seq,
    photos: photos.length,
    bytes,
    hq_url: s.hq_url,
  };
  s.exports.push(out);
  ctx.persist();
  return out;
}

export type FakeChannel = { __fake_channel: (p: SyncProgress) => void };

export function isFakeChannel(c: unknown): c is FakeChannel {
  return typeof c === 'object' && c !== null && typeof (c as FakeChannel).__fake_channel === 'function';
}

/**
 * The fake HQ's stricter rule (`?fake-quarantine=assistance`): a description longer than 10
 * characters is refused the way patrol-hq quarantines a payload — its code, its English reason
 * and the field and rule it names, for the sync screen to translate.
 */
export function refuseLongDescription(e: FakeEntry): FakeQuarantine | null {
  const d = e.kind === 'lost_person' || e.kind === 'assistance' || e.kind === 'incident' ? e.record.description : null;
  if (typeof d !== 'string' || [...d].length <= 10) return null;
  return {
    code: 'invalid_payload',
    reason: 'invalid description: is longer than 10 characters',
    invalid: { field: 'description', code: 'too_long', params: { max: '10' } },
  };
}

/** One sync run, its attempt noted for `sync_queue`. */
export async function runSync(ctx: FakeCtx, channel: unknown): Promise<Receipt> {
  const t = ctx.syncTimes;
  t.last_attempt_ms = ctx.now();
  try {
    const r = await upload(ctx, channel);
    Object.assign(t, { last_ok_ms: ctx.now(), last_error_kind: null, last_error: null, front_attempts: 0 });
    return r;
  } catch (e) {
    const err = toApiError(e);
    Object.assign(t, { last_error_kind: err.kind, last_error: err.message, front_attempts: t.front_attempts + 1 });
    throw e;
  }
}

async function upload(ctx: FakeCtx, channel: unknown): Promise<Receipt> {
  const send = (phase: SyncProgress['phase'], sent = 0, total = 0) => {
    if (isFakeChannel(channel)) channel.__fake_channel({ phase, sent, total });
  };
  const s = ctx.s;
  if (!s.enrolled || !s.hq_url) throw new ApiError('not_enrolled', 'this device is not enrolled; enrol it with HQ first');
  send('connecting');
  await ctx.latency();
  if (!ctx.online) throw new ApiError('network', `could not reach ${s.hq_url}; entries stay on the device and are sent later`);
  send('reference');
  await ctx.latency();

  const pending = s.entries.filter((e) => e.sync === 'pending');
  const batch = 25;
  send('uploading', 0, pending.length);
  for (let i = 0; i < pending.length; i += batch) {
    for (const e of pending.slice(i, i + batch)) {
      const q = ctx.quarantine?.(e) ?? null;
      e.sync = q ? 'quarantined' : 'acked';
      if (q) e.quarantine = q;
    }
    await ctx.latency();
    send('uploading', Math.min(i + batch, pending.length), pending.length);
  }

  const photos = Object.values(s.photos).filter((p) => !p.synced);
  send('photos', 0, photos.length);
  for (const [i, p] of photos.entries()) {
    p.synced = true;
    await ctx.latency();
    send('photos', i + 1, photos.length);
  }

  send('receipt');
  await ctx.latency();
  const acked = s.entries.filter((e) => e.sync === 'acked');
  let head = 0;
  while (s.entries[head] && s.entries[head].sync !== 'pending') head++;
  const quarantined: Quarantined[] = s.entries
    .filter((e) => e.sync === 'quarantined')
    .map((e) => {
      const q: Quarantined = { seq: e.seq, code: e.quarantine?.code ?? 'rejected', reason: e.quarantine?.reason ?? '' };
      // Rust leaves `invalid` out when HQ named no rule.
      if (e.quarantine?.invalid) q.invalid = e.quarantine.invalid;
      return q;
    });
  const stillPending = s.entries.filter((e) => e.sync === 'pending').length;
  const receipt: Receipt = {
    hq_head_seq: head,
    entries_held: acked.length + quarantined.length,
    photos_held: Object.values(s.photos).filter((p) => p.synced).length,
    pending: stillPending,
    quarantined,
    stuck: ctx.stuck,
    hq_time_ms: ctx.now(),
    text: `hq holds seq 1..${head}, ${Object.values(s.photos).filter((p) => p.synced).length} photos; ${stillPending} pending, ${quarantined.length} quarantined`,
  };
  s.last_receipt = receipt;
  s.last_sync_ms = ctx.now();
  // The map pack that was coming down is whole now (Rust checks its hash before using it).
  ctx.map = afterSync(ctx.map);
  ctx.changed();
  send('done', pending.length, pending.length);
  return receipt;
}
