//! Dispatches (派警) in the fake: a mirror of patrol-device's `store/dispatch.rs`. HQ's orders
//! and withdrawals sit in the device's inbox by seq; the officer's steps are `dispatch_step`
//! ledger entries committed through the fake ledger (so they count as unsynced and show in
//! History); a card is derived from both, never stored. The refusals are Rust's, in Rust's
//! order, with the same `kind` and `field`: nothing is written when a step is refused.

import { ApiError } from './errors';
import type { FakeCtx } from './fake-commands';
import { standing, uuid7, type FakeInboxItem, type FakeState } from './fake-ledger';
import { side } from './fake-suggest';
import {
  DISPATCH_KINDS, DISPATCH_OUTCOMES, DISPATCH_STEPS,
  type Dispatch, type DispatchKind, type DispatchOrder, type DispatchStepKind, type DispatchStepRecord, type DispatchSteps,
  type DispatchTier, type Fix, type LatLon, type Post, type SceneSuggestion, type ValidationCode,
} from './types';
import { NEXT_STEPS, STEP_FIELD, isActive, stateOf } from '../lib/dispatch';

type A = Record<string, any>;

/** Rust's `CommandError` from a `ValidationError`: the rule `code` and its `params` as text. */
const invalid = (field: string, code: ValidationCode, why: string, params?: Record<string, string>) =>
  new ApiError('invalid', `${field}: ${why}`, field, code, params);
const nonBlank = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

const noSteps = (): DispatchSteps => ({
  accepted_ms: null, en_route_ms: null, on_scene_ms: null, cleared_ms: null, declined_ms: null, outcome: null, reason: null,
});

/** The steps of each dispatch from the standing `dispatch_step` entries (earliest time wins). */
function stepTimes(s: FakeState): Map<string, DispatchSteps> {
  const out = new Map<string, DispatchSteps>();
  for (const e of standing(s.entries)) {
    if (e.kind !== 'dispatch_step') continue;
    const r = e.record;
    const f = STEP_FIELD[r.step];
    if (!f) continue;
    const t = out.get(r.dispatch_id) ?? noSteps();
    const prev = t[f] as number | null;
    if (prev === null || e.wall_ms < prev) {
      (t as A)[f] = e.wall_ms;
      if (r.step === 'cleared') t.outcome = r.outcome ?? null;
      if (r.step === 'declined') t.reason = r.reason ?? null;
    }
    out.set(r.dispatch_id, t);
  }
  return out;
}

/** Every dispatch on this device, newest order first (Store::dispatches). */
export function dispatchesOf(s: FakeState): Dispatch[] {
  const cards = new Map<string, { seq: number; card: Dispatch }>();
  for (const item of [...(s.inbox ?? [])].sort((a, b) => a.seq - b.seq)) {
    const m = item.message;
    if (m.message === 'order') {
      const { message: _, ...order } = m;
      const first = cards.get(order.id)?.card.received_ms ?? item.received_ms;
      cards.set(order.id, {
        seq: item.seq,
        card: {
          order: { ...order, address: order.address ?? null, note: order.note ?? null },
          received_ms: first,
          withdrawn: null,
          steps: noSteps(),
          state: 'delivered',
          next: [],
        },
      });
    } else {
      const c = cards.get(m.dispatch_id);
      if (c) {
        c.seq = item.seq;
        c.card.withdrawn = m.reason;
      }
    }
  }
  const steps = stepTimes(s);
  const out = [...cards.values()];
  for (const { card } of out) {
    card.steps = steps.get(card.order.id) ?? noSteps();
    card.state = stateOf(card.withdrawn, card.steps);
    card.next = [...NEXT_STEPS[card.state]];
  }
  return out.sort((a, b) => b.seq - a.seq).map((x) => x.card);
}

/** `dispatch_step`: Rust's checks in Rust's order, then one ledger entry; the card after. */
export function dispatchStep(ctx: FakeCtx, a: A): Dispatch {
  const id = String(a.id ?? '').trim();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) {
    throw invalid('id', 'uuid', `\`${id}\` is not a uuid (expected e.g. 0193a1b2-…)`);
  }
  const step = String(a.step ?? '').trim() as DispatchStepKind;
  if (!(DISPATCH_STEPS as readonly string[]).includes(step)) {
    throw invalid('step', 'enum', `unknown value \`${step}\` (expected one of: ${DISPATCH_STEPS.join(', ')})`, {
      value: step,
      allowed: DISPATCH_STEPS.join(', '),
    });
  }
  const given = nonBlank(a.outcome);
  const outcome = given === null ? null : (DISPATCH_OUTCOMES.find((o) => o === given) ?? null);
  if (given !== null && outcome === null) {
    throw invalid('outcome', 'enum', `unknown value \`${given}\` (expected one of: ${DISPATCH_OUTCOMES.join(', ')})`, {
      value: given,
      allowed: DISPATCH_OUTCOMES.join(', '),
    });
  }
  const reason = nonBlank(a.reason);

  const card = dispatchesOf(ctx.s).find((d) => d.order.id === id);
  if (!card) throw new ApiError('unknown_dispatch', `dispatch ${id} has not reached this device`);
  if (card.state === 'cleared') throw new ApiError('dispatch_cleared', `dispatch ${id} is cleared; nothing more can be recorded on it`);
  if (card.withdrawn !== null && step !== 'cleared') {
    throw new ApiError('dispatch_withdrawn', `dispatch ${id} was withdrawn by HQ; do not go`);
  }
  const done = card.steps[STEP_FIELD[step]];
  if (done !== null && done !== undefined) throw new ApiError('dispatch_step_done', `dispatch ${id}: ${step} is already recorded`);

  // DispatchStep::validate
  if (step === 'cleared' && outcome === null) throw invalid('outcome', 'required', 'is required to clear a dispatch');
  if (step !== 'cleared' && outcome !== null) throw invalid('outcome', 'not_allowed', 'is only given when clearing a dispatch');
  if (step === 'declined' && reason === null) throw invalid('reason', 'required', 'is required to decline a dispatch');
  if (reason !== null && [...reason].length > 200) throw invalid('reason', 'too_long', 'is longer than 200 characters', { max: '200' });

  const rec: DispatchStepRecord = { dispatch_id: id, step };
  if (outcome !== null) rec.outcome = outcome;
  if (reason !== null) rec.reason = reason;
  const f = ctx.s.open?.route[ctx.s.open.route.length - 1];
  if (f) rec.at = { lat: f.lat, lon: f.lon };
  if (ctx.s.open) rec.patrol_id = ctx.s.open.patrol_id;
  if (a.suggested === true) rec.suggested = true;
  ctx.commit({ kind: 'dispatch_step', record: rec });
  return dispatchesOf(ctx.s).find((d) => d.order.id === id)!;
}

const SCENE_DWELL_MS = 20_000;

/** The first run of inside fixes (uncertain ones change nothing) that dwelt 20 s at the scene. */
export function sceneArrival(target: LatLon, radius_m: number, fixes: Fix[]): number | null {
  const scene: Post = { id: 'scene', name: '', location: target, radius_m, duty_windows: [] };
  let first: number | null = null;
  const timed = fixes.flatMap((f) => (f.time_ms == null ? [] : [{ f, ms: f.time_ms }]));
  for (const { f, ms } of timed.sort((x, y) => x.ms - y.ms)) {
    const s = side(scene, f);
    if (s === 'inside') {
      first ??= ms;
      if (ms - first >= SCENE_DWELL_MS) return first;
    } else if (s === 'outside') {
      first = null;
    }
  }
  return null;
}

/** `scene_suggestion` (Store::scene_suggestion): an active dispatch not yet on scene whose
 * target the running patrol's fixes since the order arrived show reached. */
export function sceneSuggestion(s: FakeState): SceneSuggestion | null {
  if (!s.open) return null;
  for (const d of dispatchesOf(s)) {
    if (!isActive(d) || (d.steps.on_scene_ms ?? null) !== null) continue;
    const since = s.open.route.filter((f) => f.time_ms != null && f.time_ms >= d.received_ms - 60_000);
    const at = sceneArrival(d.order.target, d.order.radius_m, since);
    if (at !== null) return { dispatch_id: d.order.id, arrived_ms: at, target: d.order.target };
  }
  return null;
}

// ---- the fake HQ's side: send an order, take one back ----

/** Demo wording for each kind of call and the demo-city post it is near (illustrative data,
 * like the demo city). */
const DEMO: Record<DispatchKind, { address: string; note: string; near: string }> = {
  theft: { address: '人民路与皂果路交叉口 平安超市门口', note: '报警人称电动车刚被盗，嫌疑人骑车向东逃离', near: 'P09' },
  robbery: { address: '人民路 218 号 金鑫珠宝店', note: '一名男子抢夺手机后向东逃跑，身穿黑色外套，约 30 岁', near: 'P08' },
  fight: { address: '洞庭大道 武陵夜市 北入口', note: '三四人在烧烤摊前打架，有人受伤', near: 'P02' },
  dispute: { address: '皂果路 阳光小区 3 栋楼下', note: '两车主因停车位发生争执', near: 'P03' },
  'traffic-accident': { address: '洞庭大道与武陵大道交叉口', note: '两车追尾，无人受伤，占用一条车道', near: 'P02' },
  'lost-person': { address: '武陵大道 市第一人民医院 门诊楼', note: '八旬老人与家属走散，穿蓝色棉衣', near: 'P08' },
  assistance: { address: '人民路 公交站台（市二中站）', note: '孕妇身体不适，请求帮助', near: 'P07' },
  suspicious: { address: '皂果路 建材市场 后门', note: '有人在车辆旁徘徊，反复拉车门', near: 'P03' },
  other: { address: '人民路 步行街 东口', note: '群众报警，详情见电话记录', near: 'P10' },
};

export type SendOrder = {
  kind?: DispatchKind;
  tier?: DispatchTier;
  /** Where to go: a post id of the demo city (`P09`) or a point. Default: near the post the
   * kind's demo address is at. */
  at?: string | LatLon;
  radius_m?: number;
  address?: string | null;
  note?: string | null;
  /** How long before sending the call came in. */
  call_age_ms?: number;
};

/** HQ sends an order to this device: stored in the inbox like Store::save_inbox. Returns it. */
export function sendOrder(s: FakeState, now: number, o: SendOrder = {}): DispatchOrder {
  const kind = o.kind && (DISPATCH_KINDS as readonly string[]).includes(o.kind) ? o.kind : 'theft';
  const tier: DispatchTier = o.tier === 1 || o.tier === 5 ? o.tier : 3;
  const demo = DEMO[kind];
  const near = typeof o.at === 'string' ? o.at : o.at ? null : demo.near;
  const post = near ? s.reference?.posts.find((p) => p.id === near) : undefined;
  // A post's location moved ~15 m north-east, so the target is near, not on, the post.
  const target: LatLon = post
    ? { lat: post.location.lat + 0.0001, lon: post.location.lon + 0.0001 }
    : typeof o.at === 'object' && o.at
      ? { lat: o.at.lat, lon: o.at.lon }
      : { lat: 29.0241, lon: 111.6885 };
  const order: DispatchOrder = {
    id: uuid7(now),
    kind,
    tier,
    target,
    radius_m: o.radius_m ?? 100,
    call_ms: now - (o.call_age_ms ?? 40_000),
    sent_ms: now - 2_000,
  };
  const address = o.address === undefined ? demo.address : o.address;
  const note = o.note === undefined ? demo.note : o.note;
  // Rust leaves absent optional fields out of the JSON.
  if (address) order.address = address;
  if (note) order.note = note;
  s.inbox ??= [];
  s.inbox.push({ seq: s.inbox.length + 1, received_ms: now, message: { message: 'order', ...order } } as FakeInboxItem);
  return order;
}

/** HQ takes an order back (reassigned or closed). No event: the app sees it on its next look. */
export function withdrawOrder(s: FakeState, now: number, dispatch_id: string, reason: string): boolean {
  if (!(s.inbox ?? []).some((i) => i.message.message === 'order' && i.message.id === dispatch_id)) return false;
  s.inbox.push({ seq: s.inbox.length + 1, received_ms: now, message: { message: 'withdrawn', dispatch_id, reason } });
  return true;
}

/** `?fake-dispatch=robbery:1:P02` → kind, tier and where (a post id), each optional. */
export function parseSendSpec(spec: string): SendOrder {
  const [kind, tier, at] = spec.split(':');
  const out: SendOrder = {};
  if ((DISPATCH_KINDS as readonly string[]).includes(kind)) out.kind = kind as DispatchKind;
  const n = Number(tier);
  if (n === 1 || n === 3 || n === 5) out.tier = n;
  if (at) out.at = at;
  return out;
}
