//! The in-memory backend: implements every command and event of docs/app-api.md so the UI
//! runs in a plain browser (`npm run dev`), in unit tests and for screenshots. A simulated
//! position source drives the open patrol around a loop in the demo city; a fake HQ acks
//! uploads. In the browser the state is kept in localStorage, so drafts survive a reload
//! the way the real app's drafts survive a restart.

import { ApiError } from './errors';
import { DEMO_LOOP } from './fake-city';
import { dispatchesOf, parseSendSpec, sendOrder, withdrawOrder, type SendOrder } from './fake-dispatch';
import { handlers, type FakeCtx } from './fake-commands';
import { FAKE_MAP_STATES, type FakeMapState } from './fake-map';
import { home } from './fake-views';
import { clone, loadState, newState, saveState, uuid7, type FakeEntry, type FakeState } from './fake-ledger';
import { noSyncTimes, refuseLongDescription, type FakeChannel } from './fake-sync';
import { ScanError, type Transport, type Unlisten } from './transport';
import type { Command, DispatchOrder, EventName, Events, Fix } from './types';
import { cellAt, distanceM } from '../lib/geo';

export type FakeOptions = {
  /** Wall clock; tests pass a controllable one. */
  now?: () => number;
  /** Milliseconds between simulated fixes; null = no timer (tests call `feedFix`). */
  tickMs?: number | null;
  /** Simulated seconds of movement per tick (time-lapse for demos and screenshots). */
  speed?: number;
  /** Delay of each command and sync phase, to feel like IPC and a network. */
  latencyMs?: number;
  /** Where to keep the state between page loads; null keeps it in memory only. */
  storage?: Storage | null;
  storageKey?: string;
  /** Start already enrolled, with the demo city loaded. */
  enrolled?: boolean;
  /** Hold the simulated officer at this post (e.g. `P02`) instead of driving the loop, so the
   * geofence suggests an arrival (`?fake-hold=P02`). */
  holdAt?: string | null;
  /** The fake HQ sends this order a moment after start and raises `dispatch-new`
   * (`?fake-dispatch=robbery:1:P02`: kind, tier, a post to go to). */
  dispatchOnStart?: SendOrder | null;
  /** The fake HQ takes back the newest active order a moment after start, with this reason
   * (`?fake-withdraw=…`). */
  withdrawOnStart?: string | null;
  /** How long after start those happen (the UI has subscribed to events by then). */
  hqDelayMs?: number;
  /** The fake HQ quarantines the entries of these kinds whose description is over 10
   * characters, naming the field and the rule (`?fake-quarantine=assistance,incident`). */
  quarantineKinds?: readonly string[] | null;
  /** The fake HQ cannot be reached: every sync fails with `network` (`?fake-offline`). */
  offline?: boolean;
  /** The open patrol has already covered this many metres (`?fake-distance=9700`): a long
   * patrol's figures without driving it for hours. Nothing happens when no patrol is open. */
  distanceM?: number | null;
  /** The city's map pack once the city is loaded: `ready` (the default), `none` (the schematic),
   * still `downloading`, or `updating` to a newer one; the next sync finishes a download
   * (`?fake-map=none`, see `FakeMapState`). */
  mapPack?: FakeMapState;
  /** A QR scanner, as on a phone, that reads this text; `cancel` is the officer cancelling and
   * `denied` the camera permission refused (`?fake-scan=K7QM-3XPA-9RTW`). Without it there is
   * no scanner, as on desktop. */
  scan?: string | null;
};

export type FakeTransport = Transport & {
  feedFix(fix: Fix): void;
  setOnline(online: boolean): void;
  setQuarantine(fn: FakeCtx['quarantine']): void;
  setStuck(text: string | null): void;
  /** The fake HQ sends an order to this device: stored, then `dispatch-new` (like the live inbox). */
  sendDispatch(order?: SendOrder): DispatchOrder;
  /** The fake HQ takes an order back (no event, like Rust: the app sees it when it next looks). */
  withdrawDispatch(id: string, reason: string): boolean;
  state(): FakeState;
  dispose(): void;
};

const SPEED_MPS: Record<string, number> = { foot: 1.4, bicycle: 4, 'e-bike': 5, motorcycle: 8, car: 9 };
const SEAL_EVERY = 30;

/** Point at `m` metres along the closed demo loop, with its heading. */
function alongLoop(m: number): { lat: number; lon: number; heading: number } {
  const legs = DEMO_LOOP.slice(1).map((b, i) => {
    const a = DEMO_LOOP[i];
    return { a, b, len: distanceM({ lat: a[0], lon: a[1] }, { lat: b[0], lon: b[1] }) };
  });
  const total = legs.reduce((s, l) => s + l.len, 0);
  let rest = ((m % total) + total) % total;
  for (const l of legs) {
    if (rest <= l.len) {
      const f = rest / l.len;
      const lat = l.a[0] + (l.b[0] - l.a[0]) * f;
      const lon = l.a[1] + (l.b[1] - l.a[1]) * f;
      const heading = (Math.atan2(l.b[1] - l.a[1], l.b[0] - l.a[0]) * 180) / Math.PI;
      // a little GNSS jitter so the line looks like a real track
      const j = () => (Math.random() - 0.5) * 0.00004;
      return { lat: lat + j(), lon: lon + j(), heading: (heading + 360) % 360 };
    }
    rest -= l.len;
  }
  return { lat: DEMO_LOOP[0][0], lon: DEMO_LOOP[0][1], heading: 90 };
}

export function createFake(opts: FakeOptions = {}): FakeTransport {
  const now = opts.now ?? (() => Date.now());
  const key = opts.storageKey ?? 'patrol-ui-fake-v1';
  const s: FakeState = loadState(opts.storage, key) ?? newState(now());
  const listeners = new Map<EventName, Set<(p: unknown) => void>>();
  let timer: ReturnType<typeof setInterval> | null = null;

  const emit = <E extends EventName>(event: E, payload: Events[E]) => {
    for (const h of listeners.get(event) ?? []) h(JSON.parse(JSON.stringify(payload)));
  };
  const latency = () =>
    opts.latencyMs ? new Promise<void>((r) => setTimeout(r, opts.latencyMs)) : Promise.resolve();

  const ctx: FakeCtx = {
    s,
    now,
    online: !opts.offline,
    latency,
    quarantine: null,
    stuck: null,
    syncTimes: noSyncTimes(),
    map: opts.mapPack ?? 'ready',
    commit(r) {
      const f = s.open?.route[s.open.route.length - 1];
      const cells = s.reference?.cells ?? [];
      const e: FakeEntry = {
        seq: s.entries.length + 1,
        id: uuid7(now()),
        wall_ms: now(),
        cell: f ? (cellAt(f, cells)?.id ?? null) : null,
        sync: 'pending',
        ...clone(r),
      };
      s.entries.push(e);
      ctx.changed();
      return e;
    },
    persist() {
      saveState(opts.storage, key, s);
    },
    changed() {
      saveState(opts.storage, key, s);
      const h = home(ctx);
      emit('ledger-changed', { head: s.entries.length, unsynced: h.unsynced, open_patrol: s.open !== null });
    },
    startSim() {
      if (timer !== null || !opts.tickMs || s.position_source !== 'simulated') return;
      timer = setInterval(tick, opts.tickMs);
    },
    sealTrack() {
      const o = s.open;
      if (!o || o.unsealed === 0) return null;
      const pts = o.route.slice(-o.unsealed);
      o.unsealed = 0;
      return ctx.commit({
        kind: 'track_segment',
        record: { patrol_id: o.patrol_id, fixes: pts.length, first_ms: pts[0].time_ms ?? null, last_ms: pts[pts.length - 1].time_ms ?? null },
      });
    },
  };

  function feedFix(fix: Fix) {
    const o = s.open;
    if (o) {
      const prev = o.route[o.route.length - 1];
      if (prev) o.distance_m += distanceM(prev, fix);
      o.route.push(fix);
      o.fixes++;
      o.unsealed++;
      o.cell = cellAt(fix, s.reference?.cells ?? [])?.id ?? null;
      if (o.unsealed >= SEAL_EVERY) ctx.sealTrack();
      else saveState(opts.storage, key, s);
    }
    emit('position', fix);
  }

  function tick() {
    const o = s.open;
    if (!o) {
      if (timer !== null) clearInterval(timer);
      timer = null;
      return;
    }
    const step = (SPEED_MPS[o.mode] ?? 5) * ((opts.tickMs ?? 1000) / 1000) * (opts.speed ?? 1);
    const held = opts.holdAt ? s.reference?.posts.find((x) => x.id === opts.holdAt) : undefined;
    const p = held
      ? { lat: held.location.lat + (Math.random() - 0.5) * 0.00002, lon: held.location.lon + (Math.random() - 0.5) * 0.00002, heading: 0 }
      : alongLoop((s.sim_progress_m += step));
    feedFix({ time_ms: now(), lat: p.lat, lon: p.lon, accuracy_m: 4 + Math.random() * 4, speed_mps: step, heading_deg: p.heading });
  }

  if (opts.quarantineKinds?.length) {
    const kinds = opts.quarantineKinds;
    ctx.quarantine = (e) => (kinds.includes(e.kind) ? refuseLongDescription(e) : null);
  }
  if (s.open && opts.distanceM != null && opts.distanceM >= 0) {
    s.open.distance_m = opts.distanceM;
    saveState(opts.storage, key, s);
  }
  if (s.open) ctx.startSim();
  if (opts.enrolled && !s.enrolled) {
    void handlers.enroll(ctx, { hq_url: 'http://127.0.0.1:8787', code: 'DEMO-0001' });
  }

  function sendDispatch(order: SendOrder = {}): DispatchOrder {
    const o = sendOrder(s, now(), order);
    saveState(opts.storage, key, s);
    emit('dispatch-new', { ids: [o.id] });
    return o;
  }
  function withdrawDispatch(id: string, reason: string): boolean {
    const ok = withdrawOrder(s, now(), id, reason);
    if (ok) saveState(opts.storage, key, s);
    return ok;
  }
  let hqTimer: ReturnType<typeof setTimeout> | null = null;
  if (opts.dispatchOnStart || opts.withdrawOnStart) {
    hqTimer = setTimeout(() => {
      hqTimer = null;
      if (opts.withdrawOnStart) {
        const active = dispatchesOf(s).find((d) => d.state !== 'cleared' && d.state !== 'declined' && d.state !== 'reassigned');
        if (active) withdrawDispatch(active.order.id, opts.withdrawOnStart);
      }
      if (opts.dispatchOnStart) sendDispatch(opts.dispatchOnStart);
    }, opts.hqDelayMs ?? 1500);
  }

  return {
    name: 'fake',
    async invoke(cmd: Command, args?: Record<string, unknown>) {
      const h = handlers[cmd];
      if (!h) throw new ApiError('not_found', `unknown command ${cmd}`);
      if (cmd !== 'sync_now' && cmd !== 'enroll') await latency();
      let out: unknown;
      try {
        out = await h(ctx, args ?? {});
      } catch (e) {
        // Reject as Tauri does: the plain `{kind, message, field?, code?, params?}` of CommandError.
        throw e instanceof ApiError ? e.toJSON() : e;
      }
      // Bytes come as they are (Rust's raw `ipc::Response`); everything else as JSON does.
      if (out instanceof ArrayBuffer) return out;
      return out === undefined ? null : JSON.parse(JSON.stringify(out));
    },
    channel<T>(onMessage: (msg: T) => void): FakeChannel {
      return { __fake_channel: onMessage as (p: unknown) => void } as FakeChannel;
    },
    async listen<E extends EventName>(event: E, handler: (payload: Events[E]) => void): Promise<Unlisten> {
      const set = listeners.get(event) ?? new Set();
      listeners.set(event, set);
      const h = handler as (p: unknown) => void;
      set.add(h);
      return () => set.delete(h);
    },
    appVersion: async () => __APP_VERSION__,
    feedFix,
    setOnline: (online) => (ctx.online = online),
    setQuarantine: (fn) => (ctx.quarantine = fn),
    setStuck: (text) => (ctx.stuck = text),
    ...(opts.scan != null ? { scanQr: () => fakeScan(opts.scan ?? '', latency) } : {}),
    sendDispatch,
    withdrawDispatch,
    state: () => s,
    dispose() {
      if (timer !== null) clearInterval(timer);
      timer = null;
      if (hqTimer !== null) clearTimeout(hqTimer);
      hqTimer = null;
      listeners.clear();
    },
  };
}

/** The fake camera: `text` read, the officer cancelling, or the permission refused. */
async function fakeScan(text: string, latency: () => Promise<void>): Promise<string | null> {
  await latency();
  if (text === 'cancel') return null;
  if (text === 'denied') throw new ScanError('camera_denied', 'camera permission not granted');
  return text;
}

/** Options for the browser: state in localStorage, a fix a second, `?fake-speed=N` time-lapse,
 * `?fake-reset` to start from a fresh device, `?fake-hold=P02` to stand at a post,
 * `?fake-dispatch=robbery:1:P02` for HQ to send an order (kind, tier 1/3/5, a post to go to;
 * each part optional), `?fake-withdraw=reason` for HQ to take back the newest active one,
 * `?fake-quarantine=assistance` for HQ to quarantine such entries with a long description,
 * `?fake-offline` for HQ to be out of reach (every sync fails with `network`),
 * `?fake-distance=9700` for the open patrol to have covered that many metres already,
 * `?fake-map=none` for no city map pack (the schematic map), `?fake-map=downloading` for one
 * still coming down or `?fake-map=updating` for a newer one coming down (the next sync finishes
 * either), `?fake-scan=K7QM-3XPA-9RTW` for a QR scanner that reads that text (`cancel`: the
 * officer cancels, `denied`: no camera permission; without it there is no scanner). */
export function fakeOptionsFromUrl(): FakeOptions {
  const q = new URLSearchParams(globalThis.location?.search ?? '');
  const storage = typeof localStorage === 'undefined' ? null : localStorage;
  if (q.has('fake-reset')) storage?.removeItem('patrol-ui-fake-v1');
  return {
    tickMs: 1000,
    speed: Number(q.get('fake-speed') ?? 1) || 1,
    latencyMs: 40,
    storage,
    enrolled: q.has('fake-enrolled'),
    holdAt: q.get('fake-hold'),
    dispatchOnStart: q.has('fake-dispatch') ? parseSendSpec(q.get('fake-dispatch') ?? '') : null,
    withdrawOnStart: q.has('fake-withdraw') ? q.get('fake-withdraw') || '已改派就近警力' : null,
    quarantineKinds: q.get('fake-quarantine')?.split(',').filter(Boolean) ?? null,
    offline: q.has('fake-offline'),
    distanceM: q.has('fake-distance') ? Number(q.get('fake-distance')) : null,
    mapPack: mapState(q.get('fake-map')),
    scan: q.get('fake-scan'),
  };
}

/** `?fake-map=…` as a scenario; the pack is there unless it says otherwise. */
function mapState(v: string | null): FakeMapState {
  return (FAKE_MAP_STATES as readonly string[]).includes(v ?? '') ? (v as FakeMapState) : 'ready';
}
