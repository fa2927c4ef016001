// Dispatch helpers: durations, shares, distances as text; tier colours; the board's order; the
// overdue flag in words; HQ's refusals in the operator's language; a report as a dispatch's
// source; the body the form sends; and every slug the page shows has words in both languages.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HqError } from '../src/api/client';
import type { DispatchUnit, DispatchView, Invalid, Report } from '../src/api/types';
import { setLanguage, SHARED_TERMS, tk } from '../src/i18n';
import {
  activeUnits, canDispatchFrom, DISPATCH_KINDS, DISPATCH_OUTCOMES, DISPATCH_STATES, DISPATCH_STEPS, dispatchError,
  elapsedMs, fmtClockDuration, fmtDistance, fmtEta, fmtSeconds, fmtShare, isOpen, kindFromReport, newDispatchBody,
  overdueText, reportPosition, sortBoard, stateTone, targetMet, tierColour, tierRow, TIER_COLOUR, TIERS,
  unitOverdueText,
} from '../src/lib/dispatch';
import { REPORT_KINDS } from '../src/lib/reports';

const CALL = 1_796_053_800_000;

function unit(over: Partial<DispatchUnit> = {}): DispatchUnit {
  return {
    device_id: 'dev-a', inbox_seq: 1, sent_ms: CALL + 5_000, resends: 0, last_sent_ms: CALL + 5_000,
    delivered_ms: null, withdrawn_ms: null, withdrawn_reason: null,
    steps: { accepted_ms: null, en_route_ms: null, on_scene_ms: null, cleared_ms: null, declined_ms: null, outcome: null, reason: null },
    state: 'sent', overdue: null, ...over,
  };
}

function dispatch(over: Partial<DispatchView> = {}): DispatchView {
  return {
    id: 'd1', kind: 'theft', tier: 3, target: { lat: 29.03, lon: 111.69 }, radius_m: 100, address: null, note: null,
    source: null, call_ms: CALL, created_ms: CALL, created_by: '指挥中心', closed_ms: null, closed_reason: null,
    state: 'created', sent_ms: null, accepted_ms: null, on_scene_ms: null, cleared_ms: null, outcome: null,
    overdue: false, units: [], ...over,
  };
}

beforeEach(() => setLanguage('zh-CN'));
afterEach(() => setLanguage('zh-CN'));

describe('durations, shares and distances', () => {
  it('runs the clock as m:ss, h:mm:ss past an hour', () => {
    expect(fmtClockDuration(0)).toBe('0:00');
    expect(fmtClockDuration(65_400)).toBe('1:05');
    expect(fmtClockDuration(59 * 60_000 + 59_999)).toBe('59:59');
    expect(fmtClockDuration(3_725_000)).toBe('1:02:05');
    expect(fmtClockDuration(-5_000)).toBe('0:00');
  });
  it('writes the p90 figures in seconds, minutes and hours, and a dash for none', () => {
    expect(fmtSeconds(null)).toBe('—');
    expect(fmtSeconds(undefined)).toBe('—');
    expect(fmtSeconds(0.1)).toBe('0.1 秒');
    expect(fmtSeconds(3)).toBe('3 秒');
    expect(fmtSeconds(42.4)).toBe('42 秒');
    expect(fmtSeconds(65)).toBe('1 分 05 秒');
    expect(fmtSeconds(3725)).toBe('1 小时 02 分');
    setLanguage('en');
    expect(fmtSeconds(8.46)).toBe('8.5 s');
    expect(fmtSeconds(125)).toBe('2 min 05 s');
    expect(fmtSeconds(-3)).toBe('0 s');
  });
  it('writes the share within target as a whole percentage', () => {
    expect(fmtShare(null)).toBe('—');
    expect(fmtShare(1)).toBe('100%');
    expect(fmtShare(0)).toBe('0%');
    expect(fmtShare(2 / 3)).toBe('67%');
    expect(fmtShare(0.875)).toBe('88%');
  });
  it('writes arrival in minutes and distance in metres or kilometres', () => {
    expect(fmtEta(249.2)).toBe('预计 4.2 分钟');
    expect(fmtDistance(815.66)).toBe('816 米');
    expect(fmtDistance(1087.2)).toBe('1.1 公里');
    setLanguage('en');
    expect(fmtEta(30)).toBe('est. 0.5 min');
    expect(fmtDistance(999.4)).toBe('999 m');
    expect(fmtDistance(12_345)).toBe('12.3 km');
  });
});

describe('tiers', () => {
  it('has a strong, distinct colour per tier and readable text on it', () => {
    expect(TIERS).toEqual([1, 3, 5]);
    const fills = TIERS.map((n) => TIER_COLOUR[n].bg);
    expect(new Set(fills).size).toBe(3);
    expect(tierColour(1)).toEqual({ bg: '#e53935', fg: '#ffffff' });
    expect(tierColour(5).fg).toBe('#111111');
    expect(tierColour(7).bg).toMatch(/^#/);
  });
  it('gives a figures row per tier even when HQ sends none', () => {
    expect(tierRow(undefined, 5)).toMatchObject({ tier: 5, dispatches: 0, within_target_share: null });
    const f = [{ ...tierRow(undefined, 3), dispatches: 4 }];
    expect(tierRow(f, 3).dispatches).toBe(4);
  });
});

describe('the board', () => {
  it('puts open overdue calls first, then open by tier and the longest waiting, then finished, latest first', () => {
    const ds = [
      dispatch({ id: 'closed-old', closed_ms: CALL + 1, call_ms: CALL - 50_000 }),
      dispatch({ id: 'open-5', tier: 5, call_ms: CALL - 90_000 }),
      dispatch({ id: 'open-1-new', tier: 1, call_ms: CALL }),
      dispatch({ id: 'open-1-old', tier: 1, call_ms: CALL - 10_000 }),
      dispatch({ id: 'overdue-5', tier: 5, overdue: true, call_ms: CALL }),
      dispatch({ id: 'cleared-new', state: 'cleared', cleared_ms: CALL + 9, call_ms: CALL - 1_000 }),
      dispatch({ id: 'closed-overdue', overdue: true, closed_ms: CALL + 2, call_ms: CALL - 2_000 }),
    ];
    expect(sortBoard(ds).map((d) => d.id)).toEqual([
      'overdue-5', 'open-1-old', 'open-1-new', 'open-5', 'cleared-new', 'closed-overdue', 'closed-old',
    ]);
    expect(ds[0].id).toBe('closed-old'); // the input is left as it was
  });
  it('knows open, active units, the elapsed clock and whether the target was met', () => {
    const d = dispatch({ tier: 1, units: [unit(), unit({ device_id: 'dev-b', withdrawn_ms: CALL + 9_000 })] });
    expect(isOpen(d)).toBe(true);
    expect(activeUnits(d).map((u) => u.device_id)).toEqual(['dev-a']);
    expect(elapsedMs(d, CALL + 42_000)).toBe(42_000);
    expect(targetMet(d, CALL + 42_000)).toBeNull();
    expect(targetMet(d, CALL + 61_000)).toBe(false);
    expect(targetMet({ ...d, on_scene_ms: CALL + 59_000 }, CALL + 600_000)).toBe(true);
    const closed = { ...d, closed_ms: CALL + 30_000 };
    expect(isOpen(closed)).toBe(false);
    expect(elapsedMs(closed, CALL + 999_000)).toBe(30_000);
    expect(targetMet(closed, CALL + 31_000)).toBe(false);
  });
  it('tones states: waiting, working, on scene, done, refused', () => {
    expect(stateTone('created')).toBe('idle');
    expect(stateTone('sent')).toBe('pending');
    expect(stateTone('delivered')).toBe('pending');
    expect(stateTone('en-route')).toBe('working');
    expect(stateTone('on-scene')).toBe('ok');
    expect(stateTone('cleared')).toBe('done');
    expect(stateTone('declined')).toBe('bad');
    expect(stateTone('reassigned')).toBe('idle');
  });
});

describe('the overdue flag', () => {
  it('is absent unless HQ flags the dispatch', () => {
    expect(overdueText(dispatch({ units: [unit()] }), 30)).toBeNull();
  });
  it('says how many units have not had or not accepted the order, with HQ timeouts', () => {
    const d = dispatch({
      overdue: true,
      units: [unit({ overdue: 'undelivered' }), unit({ device_id: 'b', overdue: 'undelivered' }), unit({ device_id: 'c', state: 'delivered', overdue: 'unaccepted' })],
    });
    expect(overdueText(d, 30)).toBe('2 个单位派出超过 30 秒未送达终端；1 个单位派出超过 60 秒未接受');
    setLanguage('en');
    expect(overdueText(d, 30)).toBe('2 unit(s) not delivered 30 s after sending; 1 unit(s) not accepted 60 s after sending');
  });
  it('says nobody was sent when no unit is on it', () => {
    expect(overdueText(dispatch({ overdue: true }), 30)).toBe('接警超过 30 秒仍未派出');
  });
  it('words one unit', () => {
    expect(unitOverdueText(unit(), 30)).toBeNull();
    expect(unitOverdueText(unit({ overdue: 'undelivered' }), 30)).toBe('派出超过 30 秒未送达终端');
    expect(unitOverdueText(unit({ overdue: 'unaccepted' }), 30)).toBe('派出超过 60 秒未接受');
  });
});

describe("HQ's refusals in the operator's language", () => {
  const err = (status: number, code: string, message: string, invalid?: Invalid) => new HqError(status, code, message, invalid);
  it('translates a refused value from its field and rule, not from the English', () => {
    const long = err(400, 'bad_name', 'address: is longer than 200 characters', { field: 'address', code: 'too_long', params: { max: '200' } });
    expect(dispatchError(long)).toEqual({ text: '“地址”不能超过 200 个字' });
    // Reworded English, same rule: the same words.
    expect(dispatchError(err(400, 'bad_name', 'address: exceeds the limit', { field: 'address', code: 'too_long', params: { max: '200' } })).text)
      .toBe('“地址”不能超过 200 个字');
    expect(dispatchError(err(400, 'bad_name', 'reason: is longer than 200 characters', { field: 'reason', code: 'too_long', params: { max: '200' } })).text)
      .toBe('“原因”不能超过 200 个字');
    expect(dispatchError(err(400, 'bad_name', 'reason: is required', { field: 'reason', code: 'required' })).text).toBe('“原因”不能为空');
    expect(dispatchError(err(400, 'invalid_dispatch', 'note: is longer than 1000 characters', { field: 'note', code: 'too_long', params: { max: '1000' } })).text)
      .toBe('“补充说明”不能超过 1000 个字');
    expect(dispatchError(err(400, 'invalid_dispatch', 'target: is required (the report it is made from carries no position)', { field: 'target', code: 'required' })).text)
      .toBe('请在地图上点选警情位置（该报告没有位置）');
    expect(dispatchError(err(400, 'invalid_dispatch', 'target.lat: 129.03 is outside [-90, 90]', { field: 'target.lat', code: 'range', params: { min: '-90', max: '90' } })).text)
      .toMatch(/位置无效/);
    expect(dispatchError(err(400, 'invalid_dispatch', 'radius_m: must be between 10 and 5000 metres', { field: 'radius_m', code: 'range', params: { min: '10', max: '5000' } })).text)
      .toMatch(/10 至 5000 米/);
    expect(dispatchError(err(400, 'bad_name', 'name: is longer than 64 characters', { field: 'name', code: 'too_long', params: { max: '64' } })).text)
      .toBe('“设备名称”不能超过 64 个字');
    setLanguage('en');
    expect(dispatchError(long).text).toBe('“Address” may be at most 200 characters');
    const bidi = { field: 'note', code: 'format', params: { value: 'U+202E' } };
    expect(dispatchError(err(400, 'bad_name', 'note: control or text-direction character U+202E is not allowed', bidi)).text)
      .toBe('“Note” holds a control character that is not allowed');
  });
  it('without a rule, the English once guessed from is no longer parsed', () => {
    const old = dispatchError(err(400, 'bad_name', 'address: is longer than 200 characters'));
    expect(old).toEqual({ text: '总部拒绝了该操作：', detail: 'address: is longer than 200 characters' });
  });
  it('a rule the page does not know keeps HQ’s own words apart', () => {
    const e = dispatchError(err(400, 'invalid_dispatch', 'address: some new rule', { field: 'address', code: 'some_new_rule' }));
    expect(e).toEqual({ text: '总部拒绝了该操作：', detail: 'address: some new rule' });
  });
  it('translates the other dispatch errors HQ sends', () => {
    expect(dispatchError(err(400, 'invalid_dispatch', 'name at least one unit (device id) to send')).text).toBe('请至少选择一个单位');
    expect(dispatchError(err(400, 'invalid_dispatch', 'dispatch 01a2 is not with device 01a3')).text).toMatch(/已不在此警情上/);
    expect(dispatchError(err(400, 'invalid_dispatch', 'dispatch 01a2 was closed at 179 (误报); create a new one')).text).toMatch(/已结束/);
    expect(dispatchError(err(400, 'bad_json', 'request body is not valid: kind: unknown variant `bogus`')).text).toBe('警情类别无效');
    expect(dispatchError(err(400, 'bad_json', 'tier: tier: must be 1, 3 or 5 (minutes), got 4')).text).toMatch(/1、3 或 5/);
    expect(dispatchError(err(404, 'not_found', 'device 01a22d25')).text).toBe('总部没有该终端');
    expect(dispatchError(err(404, 'not_found', 'report 01a2 #9 is not at HQ')).text).toBe('总部尚未收到该报告');
  });
  it('uses the shared error words, and keeps HQ’s own words apart when it has none', () => {
    expect(dispatchError(err(0, 'network', 'TypeError')).text).toBe('无法连接总部');
    const other = dispatchError(err(400, 'something_new', 'a new rule'));
    expect(other.text).toBe('总部拒绝了该操作：');
    expect(other.detail).toBe('a new rule');
  });
});

describe('a dispatch from a report', () => {
  const report = (over: Partial<Report>): Report => ({
    device_id: 'dev', seq: 7, entry_id: 'e', kind: 'incident', local_time: '', event_ms: CALL, type: 'theft',
    summary: null, outcome: null, plate: null, photos: [], history: [], record: null, ...over,
  });
  it("takes the report's place as HQ does: its own `at`, or where a lost person was found", () => {
    expect(reportPosition(report({ record: { kind: 'incident', body: { at: { lat: 29.1, lon: 111.7 } } } }))).toEqual({ lat: 29.1, lon: 111.7 });
    expect(reportPosition(report({ record: { kind: 'lost_person', body: { found_at: { lat: 29.2, lon: 111.6 } } } }))).toEqual({ lat: 29.2, lon: 111.6 });
    expect(reportPosition(report({ lat: 29.3, lon: 111.5 }))).toEqual({ lat: 29.3, lon: 111.5 });
    expect(reportPosition(report({ record: { kind: 'assistance', body: {} } }))).toBeNull();
  });
  it('suggests the kind of call', () => {
    expect(kindFromReport('incident', 'theft')).toBe('theft');
    expect(kindFromReport('incident', 'other')).toBe('other');
    expect(kindFromReport('traffic_accident', 'car;car')).toBe('traffic-accident');
    expect(kindFromReport('lost_person', null)).toBe('lost-person');
    expect(kindFromReport('assistance', 'dispute-resolved')).toBe('dispute');
    expect(kindFromReport('assistance', 'medical-escort')).toBe('assistance');
    expect(kindFromReport('violation', 'red-light')).toBe('other');
  });
  it('is offered on reports, not on check-ins or officers’ own steps', () => {
    expect(canDispatchFrom('incident')).toBe(true);
    expect(canDispatchFrom('violation')).toBe(true);
    expect(canDispatchFrom('post_arrived')).toBe(false);
    expect(canDispatchFrom('dispatch_step')).toBe(false);
  });
  it('sends the report as source and the target only when the operator set one', () => {
    const base = { kind: 'theft' as const, tier: 1 as const, address: '  ', note: ' 两人 ', units: ['u1'] };
    expect(newDispatchBody({ ...base, target: null, source: { device_id: 'dev', seq: 7 } })).toEqual({
      kind: 'theft', tier: 1, units: ['u1'], source: { device_id: 'dev', seq: 7 }, note: '两人',
    });
    expect(newDispatchBody({ ...base, address: '人民路 1 号', target: { lat: 29, lon: 111 }, source: null })).toEqual({
      kind: 'theft', tier: 1, units: ['u1'], target: { lat: 29, lon: 111 }, address: '人民路 1 号', note: '两人',
    });
  });
});

describe('words for every slug', () => {
  it("kinds, states, outcomes and steps come from ui/'s shared terms (the officer's app says the same), in both languages", () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      const keys = [
        ...DISPATCH_KINDS.map((k) => `dispatch.kind.${k}`),
        ...DISPATCH_STATES.map((k) => `dispatch.state.${k}`),
        ...DISPATCH_OUTCOMES.map((k) => `dispatch.outcome.${k}`),
        ...DISPATCH_STEPS.map((k) => `dispatch.step.${k}`),
      ];
      for (const k of keys) expect(SHARED_TERMS[lang][k], `${lang} ${k}`).toBeTruthy();
    }
  });
  it('every report kind, dispatch_step included, has words in both languages', () => {
    expect(REPORT_KINDS).toContain('dispatch_step');
    for (const lang of ['zh-CN', 'en'] as const) {
      setLanguage(lang);
      for (const k of REPORT_KINDS) expect(tk(`report.kind.${k}`, undefined, ''), `${lang} ${k}`).not.toBe('');
    }
  });
});
