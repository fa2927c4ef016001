// The start-patrol form as data: "与上次相同" fills all of it from `last_shift` in one step, the
// arguments it becomes, and the officer rule before sending (as Rust refuses it).
import { beforeEach, describe, expect, it } from 'vitest';
import { makeApi, type Api } from '../src/api/client';
import { createFake } from '../src/api/fake';
import type { LastShift } from '../src/api/types';
import { setLanguage, t, tIssue } from '../src/i18n';
import { startPatrolIssue } from '../src/lib/rules';
import { emptyStartForm, formFromLastShift, formOfficers, offersLastShift, sameAsLast, startArgs } from '../src/lib/shift';

const LAST: LastShift = {
  group: 'G07',
  mode: 'motorcycle',
  officers: ['张伟', ' 李强 '],
  volunteers: { 'red-vest': 2, 'security-guard': 1 },
  vehicle_plate: '湘JA1234',
};
const GROUPS = [{ id: 'G01' }, { id: 'G07' }];

describe('the start form', () => {
  it('starts empty: on foot, no group, no officer, no volunteers, no plate', () => {
    const f = emptyStartForm();
    expect(f).toMatchObject({ mode: 'foot', group: '', officers: [], officer: '', plate: '' });
    expect(Object.values(f.volunteers).every((n) => n === 0)).toBe(true);
    expect(startArgs(f)).toEqual({ mode: 'foot', group: '', officers: [], volunteers: {} });
  });

  it('"same as last time" fills every part of it', () => {
    const f = formFromLastShift(LAST, GROUPS);
    expect(f.group).toBe('G07');
    expect(f.mode).toBe('motorcycle');
    expect(f.officers).toEqual(['张伟', '李强']);
    expect(f.officer).toBe('');
    expect(f.volunteers['red-vest']).toBe(2);
    expect(f.volunteers['security-guard']).toBe(1);
    expect(f.plate).toBe('湘JA1234');
    expect(startArgs(f)).toEqual({
      mode: 'motorcycle', group: 'G07', officers: ['张伟', '李强'], volunteers: { 'red-vest': 2, 'security-guard': 1 }, vehicle_plate: '湘JA1234',
    });
    // Ready to start as it is: nothing for the form (or Rust) to refuse.
    expect(startPatrolIssue(startArgs(f))).toBeNull();
    expect(sameAsLast(f, LAST, GROUPS)).toBe(true);
  });

  it('leaves what no longer fits for the officer to choose', () => {
    // A group the reference no longer lists.
    expect(formFromLastShift(LAST, [{ id: 'G01' }]).group).toBe('');
    // No reference yet: keep the group as it was.
    expect(formFromLastShift(LAST).group).toBe('G07');
    expect(formFromLastShift(LAST, []).group).toBe('G07');
    // No plate, no volunteers, blank names.
    const bare = formFromLastShift({ ...LAST, officers: ['', ' 王芳 ', '王芳'], volunteers: {}, vehicle_plate: null }, GROUPS);
    expect(bare.officers).toEqual(['王芳']);
    expect(bare.plate).toBe('');
    expect(startArgs(bare)).not.toHaveProperty('vehicle_plate');
    expect(startArgs(bare).volunteers).toEqual({});
  });

  it('is offered only when the last shift had a crew', () => {
    expect(offersLastShift(null)).toBe(false);
    expect(offersLastShift(LAST)).toBe(true);
    expect(offersLastShift({ ...LAST, group: '', officers: [' '] })).toBe(false);
  });

  it('notices a change after filling', () => {
    const f = formFromLastShift(LAST, GROUPS);
    expect(sameAsLast({ ...f, mode: 'foot' }, LAST, GROUPS)).toBe(false);
    expect(sameAsLast({ ...f, officers: ['张伟'] }, LAST, GROUPS)).toBe(false);
    expect(sameAsLast({ ...f, volunteers: { ...f.volunteers, 'security-guard': 0 } }, LAST, GROUPS)).toBe(false);
    expect(sameAsLast(emptyStartForm(), LAST, GROUPS)).toBe(false);
  });

  it('counts the name still in the officer box (type one name, tap start)', () => {
    const f = { ...emptyStartForm(), group: 'G01', officer: ' 张伟 ' };
    expect(formOfficers(f)).toEqual(['张伟']);
    expect(startArgs(f).officers).toEqual(['张伟']);
    expect(startPatrolIssue(startArgs(f))).toBeNull();
    expect(formOfficers({ officers: ['张伟'], officer: '张伟' })).toEqual(['张伟']);
  });

  it('refuses no officer before sending, in the form’s own label words', () => {
    const issue = startPatrolIssue(startArgs({ ...emptyStartForm(), group: 'G01' }));
    expect(issue).toMatchObject({ field: 'officers', code: 'required' });
    setLanguage('zh-CN');
    expect(t('start.officers_required', { label: t('start.officers') })).toBe('至少填写一名参巡民警');
    expect(tIssue(issue!)).toBe('必填');
    setLanguage('en');
    expect(t('start.officers_required', { label: t('start.officers') })).toBe('Officers: enter at least one name or badge number');
    setLanguage('zh-CN');
  });
});

describe('same as last time, through the fake', () => {
  let api: Api;
  beforeEach(async () => {
    const clock = Date.parse('2026-11-29T07:30:00+08:00');
    api = makeApi(createFake({ now: () => clock, tickMs: null, storage: null }));
    await api.enroll({ hq_url: 'http://127.0.0.1:8787', code: 'DEMO-0001' });
  });

  it('the form filled from last_shift starts the same patrol again', async () => {
    expect(await api.lastShift()).toBeNull();
    const first = { ...emptyStartForm(), group: 'G07', mode: 'motorcycle' as const, officers: ['张伟', '李强'], plate: '湘j·a1234' };
    first.volunteers['red-vest'] = 2;
    await api.startPatrol(startArgs(first));
    await api.stopPatrol();
    const last = await api.lastShift();
    expect(offersLastShift(last)).toBe(true);
    const ref = await api.reference();
    const again = formFromLastShift(last!, ref?.groups);
    await api.startPatrol(startArgs(again));
    expect(await api.lastShift()).toEqual(last);
    expect(again.plate).toBe('湘JA1234');
  });

  it('Rust refuses no officer with field officers, code required (shown as the form’s own words)', async () => {
    await expect(api.startPatrol(startArgs({ ...emptyStartForm(), group: 'G01' }))).rejects.toMatchObject({
      kind: 'invalid',
      field: 'officers',
      code: 'required',
    });
  });
});
