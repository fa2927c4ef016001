//! The fake HQ: a sync run that reports progress phase by phase over the channel, marks
//! pending entries acked (or quarantined, when a test asks for it) and returns a receipt.

import { ApiError } from './errors';
import type { FakeCtx } from './fake-commands';
import type { Receipt, SyncProgress } from './types';

export type FakeChannel = { __fake_channel: (p: SyncProgress) => void };

export function isFakeChannel(c: unknown): c is FakeChannel {
  return typeof c === 'object' && c !== null && typeof (c as FakeChannel).__fake_channel === 'function';
}

export async function runSync(ctx: FakeCtx, channel: unknown): Promise<Receipt> {
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
  const quarantined = s.entries
    .filter((e) => e.sync === 'quarantined')
    .map((e) => ({ seq: e.seq, code: e.quarantine?.code ?? 'rejected', reason: e.quarantine?.reason ?? '' }));
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
  ctx.changed();
  send('done', pending.length, pending.length);
  return receipt;
}
