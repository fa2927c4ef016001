// Dispatch (派警): the pure rules the screens use (distance and compass, which dispatch the
// full-screen card shows, the strip, the tier clock), and the fake backend's mirror of Rust's
// dispatch store (the next-steps table, every refusal with nothing written, the ledger entry,
// the dispatch-new event, the on-scene suggestion) through the real api client.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeApi, type Api } from '../src/api/client';
import { ApiError } from '../src/api/errors';
import { createFake, type FakeTransport } from '../src/api/fake';
import type { Transport } from '../src/api/transport';
import type { Dispatch, DispatchState, DispatchStepRecord, DispatchSteps, LedgerChanged } from '../src/api/types';
import { fmtSpan, setLanguage } from '../src/i18n';
import {
  NEXT_STEPS, cardToShow, committedDispatches, deadlineMs, furthest, normalizeDispatch, showsWithdrawal, stateOf,
  stepTimeline, timeLeftMs, withdrawalKey,
} from '../src/lib/dispatch';
import { declineReasonText, directionText, stepErrorText } from '../src/lib/dispatch-text';
import { recordOf } from '../src/lib/record';
import { bearingDeg, compassPoint, distanceAndDirection, distanceM } from '../src/lib/geo';
import { summarize } from '../src/screens/history-summary';

afterEach(() => setLanguage('zh-CN'));

describe('geo: bearing and compass', () => {
  const o = { lat: 29.02, lon: 111.68 };
  it('measures the initial bearing clockwise from north', () => {
    expect(bearingDeg(o, { lat: 29.03, lon: 111.68 })).toBeCloseTo(0, 3);
    expect(bearingDeg(o, { lat: 29.02, lon: 111.69 })).toBeCloseTo(90, 1);
    expect(bearingDeg(o, { lat: 29.01, lon: 111.68 })).toBeCloseTo(180, 3);
    expect(bearingDeg(o, { lat: 29.02, lon: 111.67 })).toBeCloseTo(270, 1);
    const ne = bearingDeg(o, { lat: 29.03, lon: 111.69 });
    expect(ne).toBeGreaterThan(40);
    expect(ne).toBeLessThan(50);
    expect(bearingDeg(o, o)).toBe(0);
  });

  it('rounds any bearing to the nearest of eight points', () => {
    expect([0, 22.4, 22.6, 45, 90, 135, 180, 225, 270, 315, 337.4, 337.6, 359.9].map(compassPoint)).toEqual([
      'n', 'n', 'ne', 'ne', 'e', 'se', 's', 'sw', 'w', 'nw', 'nw', 'n', 'n',
    ]);
    expect(compassPoint(-90)).toBe('w');
    expect(compassPoint(720 + 45)).toBe('ne');
  });

  it('gives distance and direction, or nothing without a position', () => {
    const to = { lat: 29.03, lon: 111.69 };
    const dd = distanceAndDirection(o, to)!;
    expect(dd.compass).toBe('ne');
    expect(dd.metres).toBeCloseTo(distanceM(o, to), 6);
    expect(distanceAndDirection(null, to)).toBeNull();
    expect(distanceAndDirection(o, undefined)).toBeNull();
    expect(distanceAndDirection({ lat: Number.NaN, lon: 1 }, to)).toBeNull();
  });

  it('says it in the officer language', () => {
    expect(directionText(o, { lat: 29.0232, lon: 111.68 })).toBe('正北方向 356 米');
    expect(directionText(null, o)).toBe('暂无您的定位，无法计算距离');
    setLanguage('en');
    expect(directionText(o, { lat: 29.02, lon: 111.7 })).toBe('1.94 km E of you');
  });
});

// ---- the pure rules ----

const NO_STEPS: DispatchSteps = {
  accepted_ms: null, en_route_ms: null, on_scene_ms: null, cleared_ms: null, declined_ms: null, outcome: null, reason: null,
};

function card(id: string, over: Omit<Partial<Dispatch>, 'steps'> & { tier?: 1 | 3 | 5; sent?: number; steps?: Partial<DispatchSteps> } = {}): Dispatch {
  const steps = { ...NO_STEPS, ...over.steps };
  const withdrawn = over.withdrawn ?? null;
  const state = over.state ?? stateOf(withdrawn, steps);
  return {
    order: {
      id, kind: 'theft', tier: over.tier ?? 3, target: { lat: 29.02, lon: 111.68 }, radius_m: 100,
      address: null, note: null, call_ms: 1_000_000, sent_ms: over.sent ?? 1_010_000,
    },
    received_ms: 1_020_000,
    withdrawn,
    steps,
    state,
    next: [...NEXT_STEPS[state]],
  };
}

describe('the state of a dispatch (patrol-model mirror)', () => {
  it('offers the steps of the next-steps table', () => {
    expect(NEXT_STEPS).toEqual({
      created: [],
      sent: [],
      delivered: ['accepted', 'declined'],
      accepted: ['en-route', 'on-scene'],
      'en-route': ['on-scene'],
      'on-scene': ['cleared'],
      cleared: [],
      declined: [],
      reassigned: [],
    });
  });

  it('counts the furthest step; a decline alone ends it; cleared beats a withdrawal', () => {
    expect(furthest(NO_STEPS)).toBeNull();
    expect(stateOf(null, NO_STEPS)).toBe('delivered');
    expect(stateOf(null, { ...NO_STEPS, declined_ms: 5 })).toBe('declined');
    expect(stateOf(null, { ...NO_STEPS, declined_ms: 5, accepted_ms: 6 })).toBe('accepted');
    expect(stateOf(null, { ...NO_STEPS, accepted_ms: 1, on_scene_ms: 3 })).toBe('on-scene');
    expect(stateOf('改派', { ...NO_STEPS, accepted_ms: 1 })).toBe('reassigned');
    expect(stateOf('改派', { ...NO_STEPS, cleared_ms: 9 })).toBe('cleared');
  });

  it('treats fields Rust leaves out as null', () => {
    const raw = {
      order: { id: 'a', kind: 'fight', tier: 1, target: { lat: 29, lon: 111 }, radius_m: 100, call_ms: 1, sent_ms: 2 },
      received_ms: 3,
      withdrawn: null,
      steps: { accepted_ms: 4 },
      state: 'accepted',
      next: ['en-route', 'on-scene'],
    } as unknown as Dispatch;
    const d = normalizeDispatch(raw);
    expect(d.order.address).toBeNull();
    expect(d.order.note).toBeNull();
    expect(d.steps).toEqual({ ...NO_STEPS, accepted_ms: 4 });
  });
});

describe('which dispatch the full-screen card shows', () => {
  const none = { dismissed: [] as string[], opened: null };

  it('shows nothing when nothing waits', () => {
    expect(cardToShow([], none)).toBeNull();
    expect(cardToShow([card('a', { steps: { accepted_ms: 5 } }), card('b', { steps: { cleared_ms: 9 } })], none)).toBeNull();
  });

  it('shows an unanswered order: the tightest tier first, then the newest', () => {
    const list = [card('new5', { tier: 5, sent: 30 }), card('old1', { tier: 1, sent: 10 }), card('new1', { tier: 1, sent: 20 })];
    expect(cardToShow(list, none)).toMatchObject({ mode: 'new', dispatch: { order: { id: 'new1' } } });
  });

  it('shows a withdrawal before anything else until the officer says 知道了', () => {
    const w = card('w', { withdrawn: '改派就近警力', steps: { accepted_ms: 5 } });
    const list = [card('d', { tier: 1 }), w];
    expect(cardToShow(list, none)).toMatchObject({ mode: 'withdrawn', dispatch: { order: { id: 'w' } } });
    expect(cardToShow(list, { dismissed: [withdrawalKey(w)], opened: null })).toMatchObject({ mode: 'new', dispatch: { order: { id: 'd' } } });
  });

  it('does not bother an officer who had declined it with its withdrawal', () => {
    const declined = card('x', { withdrawn: '改派', steps: { declined_ms: 5 } });
    expect(declined.state).toBe('reassigned');
    expect(showsWithdrawal(declined)).toBe(false);
    expect(cardToShow([declined], none)).toBeNull();
    expect(showsWithdrawal(card('y', { withdrawn: '改派' }))).toBe(true);
  });

  it('shows the dispatch opened from the strip while it is active, and only then', () => {
    const acc = card('a', { steps: { accepted_ms: 5 } });
    expect(cardToShow([acc], { dismissed: [], opened: 'a' })).toMatchObject({ mode: 'opened' });
    expect(cardToShow([card('a', { steps: { cleared_ms: 9 } })], { dismissed: [], opened: 'a' })).toBeNull();
    expect(cardToShow([acc], { dismissed: [], opened: 'gone' })).toBeNull();
    // An unanswered order still comes first.
    expect(cardToShow([card('n'), acc], { dismissed: [], opened: 'a' })).toMatchObject({ mode: 'new' });
  });

  it('a withdrawal acknowledged stays acknowledged, an order sent again is new', () => {
    const w = card('w', { withdrawn: 'x' });
    const again = card('w', { withdrawn: 'x', sent: 99_999_999 });
    expect(withdrawalKey(w)).not.toBe(withdrawalKey(again));
  });
});

describe('the strip and the 1-3-5 clock', () => {
  it('lists the dispatches the unit is on, newest first', () => {
    const list = [card('d'), card('e', { steps: { en_route_ms: 4 } }), card('a', { steps: { accepted_ms: 3 } }), card('c', { steps: { cleared_ms: 3 } })];
    expect(committedDispatches(list).map((d) => d.order.id)).toEqual(['e', 'a']);
  });

  it('counts down from the call to the tier deadline, stops on scene', () => {
    const d = card('a', { tier: 3 });
    expect(deadlineMs(d.order)).toBe(1_000_000 + 180_000);
    expect(timeLeftMs(d, 1_100_000)).toBe(80_000);
    expect(timeLeftMs(d, 1_200_000)).toBe(-20_000);
    expect(timeLeftMs(card('a', { steps: { on_scene_ms: 5 } }), 1_200_000)).toBeNull();
    expect(timeLeftMs(card('a', { steps: { declined_ms: 5 } }), 1_200_000)).toBeNull();
  });

  it('says spans of time the way people do', () => {
    expect(fmtSpan(40_400)).toBe('40 秒');
    expect(fmtSpan(125_000)).toBe('2 分 05 秒');
    expect(fmtSpan(-3_720_000)).toBe('1 小时 2 分');
    setLanguage('en');
    expect(fmtSpan(125_000)).toBe('2 min 05 s');
  });

  it('orders the step times as they happened', () => {
    expect(stepTimeline({ ...NO_STEPS, on_scene_ms: 30, accepted_ms: 10, cleared_ms: 40 })).toEqual([
      { step: 'accepted', ms: 10 },
      { step: 'on-scene', ms: 30 },
      { step: 'cleared', ms: 40 },
    ]);
  });
});

describe('wording', () => {
  it('a decline reason is the chip and the free text', () => {
    expect(declineReasonText('busy', '  ')).toBe('正在处置其他警情');
    expect(declineReasonText('far', '车在维修')).toBe('距离太远，无法及时到达、车在维修');
    expect(declineReasonText(null, '  ')).toBe('');
  });

  it('a refused step says what to do, in Chinese first', () => {
    expect(stepErrorText(new ApiError('invalid', 'reason: is required to decline a dispatch', 'reason', 'required'))).toBe('拒绝派警必须说明原因：请选择或填写');
    expect(stepErrorText(new ApiError('invalid', 'outcome: is required to clear a dispatch', 'outcome', 'required'))).toBe('请先选择处置结果');
    expect(stepErrorText(new ApiError('invalid', 'reason: is longer than 200 characters', 'reason', 'too_long', { max: '200' }))).toBe('原因：不能超过 200 个字');
    expect(stepErrorText(new ApiError('dispatch_withdrawn', 'dispatch x was withdrawn by HQ; do not go'))).toBe('指挥中心已撤回该派警，请勿前往');
    setLanguage('en');
    expect(stepErrorText(new ApiError('invalid', 'reason: is required to decline a dispatch', 'reason', 'required'))).toBe('A decline needs a reason: pick or type one');
  });

  it('history says what a step was, with the call it was about', () => {
    const d = card('11111111-1111-7111-8111-111111111111');
    d.order.kind = 'robbery';
    d.order.address = '人民路 218 号';
    const step = (record: DispatchStepRecord) => ({ kind: 'dispatch_step' as const, record });
    const body = step({ dispatch_id: d.order.id, step: 'cleared', outcome: 'arrest-made' });
    expect(summarize(body, null, [d])).toBe('处置完毕 · 已抓获嫌疑人 · 抢劫抢夺 · 人民路 218 号');
    expect(summarize(step({ dispatch_id: 'x', step: 'declined', reason: '车辆故障' }), null)).toBe('拒绝 · 原因：车辆故障');
    expect(summarize(step({ dispatch_id: 'x', step: 'on-scene', suggested: true }), null)).toBe('到达现场 · 按定位提示确认');
    setLanguage('en');
    expect(summarize(body, null, [d])).toBe('Cleared · Arrest made · Robbery · 人民路 218 号');
  });
});

// ---- the fake backend, through the real api client ----

let clock: number;
let fake: FakeTransport;
let api: Api;
let ledger: LedgerChanged[];
let news: string[][];

async function rejects(p: Promise<unknown>, kind: string, field?: string): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    const err = e as ApiError;
    expect(err.kind, err.message).toBe(kind);
    if (field !== undefined) expect(err.field).toBe(field);
    return err;
  }
  throw new Error(`expected a ${kind} rejection`);
}

beforeEach(async () => {
  clock = Date.parse('2026-11-29T07:30:00+08:00');
  fake = createFake({ now: () => clock, tickMs: null, storage: null });
  api = makeApi(fake);
  ledger = [];
  news = [];
  await api.on('ledger-changed', (e) => ledger.push(e));
  await api.on('dispatch-new', (e) => news.push(e.ids));
  await api.enroll({ hq_url: 'http://127.0.0.1:8787', code: 'DEMO-0001' });
  ledger = [];
});

const entries = () => fake.state().entries.length;

describe('fake HQ sends an order', () => {
  it('stores it, raises dispatch-new and lists it newest first, delivered', async () => {
    expect(await api.dispatches()).toEqual([]);
    const a = fake.sendDispatch({ kind: 'robbery', tier: 1 });
    clock += 1000;
    const b = fake.sendDispatch({ kind: 'fight', tier: 5, address: null, note: null });
    expect(news).toEqual([[a.id], [b.id]]);
    expect(ledger).toEqual([]); // the inbox is not the ledger
    const list = await api.dispatches();
    expect(list.map((d) => d.order.id)).toEqual([b.id, a.id]);
    expect(list[1]).toMatchObject({ state: 'delivered', next: ['accepted', 'declined'], withdrawn: null, order: { kind: 'robbery', tier: 1 } });
    expect(list[1].order.address).toBeTruthy();
    expect(list[0].order).toMatchObject({ address: null, note: null });
  });
});

describe('dispatch_step in the fake, like Rust', () => {
  it('walks the next-steps table, one ledger entry a step, unsynced going up, History showing it', async () => {
    await api.startPatrol({ mode: 'foot', group: 'G01', officers: ['张伟'], volunteers: {} });
    fake.feedFix({ time_ms: clock, lat: 29.0239, lon: 111.6881, accuracy_m: 5 });
    const { id } = fake.sendDispatch({ kind: 'theft', tier: 3 });
    const expected: [string, DispatchState, string[]][] = [
      ['accepted', 'accepted', ['en-route', 'on-scene']],
      ['en-route', 'en-route', ['on-scene']],
      ['on-scene', 'on-scene', ['cleared']],
    ];
    const before = (await api.home()).unsynced;
    for (const [step, state, next] of expected) {
      clock += 60_000;
      const d = await api.dispatchStep({ id, step: step as 'accepted' });
      expect(d).toMatchObject({ state, next });
    }
    clock += 60_000;
    const done = await api.dispatchStep({ id, step: 'cleared', outcome: 'resolved' });
    expect(done).toMatchObject({ state: 'cleared', next: [], steps: { outcome: 'resolved' } });
    expect(done.steps.accepted_ms).toBeLessThan(done.steps.en_route_ms!);
    expect((await api.home()).unsynced).toBe(before + 4);
    expect(ledger.at(-1)?.unsynced).toBe(before + 4);
    const hist = (await api.history()).filter((h) => h.kind === 'dispatch_step');
    expect(hist.map((h) => recordOf(h, 'dispatch_step')?.step)).toEqual(['cleared', 'on-scene', 'en-route', 'accepted']);
    expect(hist[0]).toMatchObject({ sync: 'pending', record: { dispatch_id: id, outcome: 'resolved', at: { lat: 29.0239, lon: 111.6881 } } });
    expect(recordOf(hist[0], 'dispatch_step')?.patrol_id).toBeTruthy();
    expect(recordOf(hist[0], 'dispatch_step')?.suggested).toBeUndefined();
  });

  it('declines with a reason; a decline alone ends it', async () => {
    const { id } = fake.sendDispatch();
    const d = await api.dispatchStep({ id, step: 'declined', reason: '  正在处置其他警情 ' });
    expect(d).toMatchObject({ state: 'declined', next: [], steps: { reason: '正在处置其他警情' } });
  });

  it('refuses like Rust and writes nothing', async () => {
    const { id } = fake.sendDispatch();
    const n = entries();
    await rejects(api.dispatchStep({ id: '0190a5d2-0000-7000-8000-000000000000', step: 'accepted' }), 'unknown_dispatch');
    await rejects(api.dispatchStep({ id: 'not-an-id', step: 'accepted' }), 'invalid', 'id');
    await rejects(api.dispatchStep({ id, step: 'arrived' as 'accepted' }), 'invalid', 'step');
    await rejects(api.dispatchStep({ id, step: 'declined' }), 'invalid', 'reason');
    await rejects(api.dispatchStep({ id, step: 'declined', reason: '   ' }), 'invalid', 'reason');
    await rejects(api.dispatchStep({ id, step: 'declined', reason: '远'.repeat(201) }), 'invalid', 'reason');
    await rejects(api.dispatchStep({ id, step: 'cleared' }), 'invalid', 'outcome');
    await rejects(api.dispatchStep({ id, step: 'cleared', outcome: 'shrugged' as 'resolved' }), 'invalid', 'outcome');
    await rejects(api.dispatchStep({ id, step: 'accepted', outcome: 'resolved' }), 'invalid', 'outcome');
    expect(entries()).toBe(n);
    expect(ledger).toEqual([]);

    await api.dispatchStep({ id, step: 'accepted' });
    const m = entries();
    await rejects(api.dispatchStep({ id, step: 'accepted' }), 'dispatch_step_done'); // a double tap
    expect(entries()).toBe(m);
    await api.dispatchStep({ id, step: 'on-scene' });
    await api.dispatchStep({ id, step: 'cleared', outcome: 'no-trace' });
    const k = entries();
    await rejects(api.dispatchStep({ id, step: 'en-route' }), 'dispatch_cleared');
    await rejects(api.dispatchStep({ id, step: 'cleared', outcome: 'resolved' }), 'dispatch_cleared');
    expect(entries()).toBe(k);
  });

  it('refuses a step towards an order HQ took back, but lets the officer on scene clear it', async () => {
    const { id } = fake.sendDispatch();
    await api.dispatchStep({ id, step: 'accepted' });
    expect(fake.withdrawDispatch(id, '改派就近警力')).toBe(true);
    expect(fake.withdrawDispatch('nope', 'x')).toBe(false);
    const d = (await api.dispatches())[0];
    expect(d).toMatchObject({ state: 'reassigned', withdrawn: '改派就近警力', next: [] });
    const n = entries();
    await rejects(api.dispatchStep({ id, step: 'on-scene' }), 'dispatch_withdrawn');
    await rejects(api.dispatchStep({ id, step: 'declined', reason: 'x' }), 'dispatch_withdrawn');
    expect(entries()).toBe(n);
    expect(await api.dispatchStep({ id, step: 'cleared', outcome: 'handed-over' })).toMatchObject({ state: 'cleared' });
  });

  it('suggests on scene after 20 s inside the target during a patrol, and records a confirmed one as suggested', async () => {
    const { id, target } = fake.sendDispatch({ at: 'P09' });
    expect(await api.sceneSuggestion()).toBeNull(); // no patrol
    await api.startPatrol({ mode: 'foot', group: 'G01', officers: ['张伟'], volunteers: {} });
    const walk = (n: number, lat: number, lon: number) => {
      for (let i = 0; i < n; i++) {
        clock += 1000;
        fake.feedFix({ time_ms: clock, lat, lon, accuracy_m: 5 });
      }
    };
    walk(30, target.lat - 0.01, target.lon); // 1.1 km south
    expect(await api.sceneSuggestion()).toBeNull();
    walk(10, target.lat, target.lon);
    expect(await api.sceneSuggestion()).toBeNull(); // 9 s inside: not yet
    const arrived = clock - 9000;
    walk(15, target.lat, target.lon);
    expect(await api.sceneSuggestion()).toEqual({ dispatch_id: id, arrived_ms: arrived, target });
    await api.dispatchStep({ id, step: 'on-scene', suggested: true });
    expect(await api.sceneSuggestion()).toBeNull();
    const h = (await api.history()).find((x) => x.kind === 'dispatch_step')!;
    expect(h.record).toMatchObject({ step: 'on-scene', suggested: true });
  });
});

describe('the api client', () => {
  it('normalizes what Rust omits (address, note, step times)', async () => {
    const t: Transport = {
      name: 'fake',
      invoke: async () => [
        {
          order: { id: 'x', kind: 'other', tier: 5, target: { lat: 29, lon: 111 }, radius_m: 100, call_ms: 1, sent_ms: 2 },
          received_ms: 3,
          withdrawn: null,
          steps: { accepted_ms: null },
          state: 'delivered',
          next: ['accepted', 'declined'],
        },
      ],
      channel: () => null,
      listen: async () => () => undefined,
      appVersion: async () => '0',
    };
    const [d] = await makeApi(t).dispatches();
    expect(d.order.address).toBeNull();
    expect(d.order.note).toBeNull();
    expect(d.steps.cleared_ms).toBeNull();
    expect(d.steps.reason).toBeNull();
  });
});
