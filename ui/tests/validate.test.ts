// Table-driven tests of the client-side rules: plates (the same table as patrol-model's
// plate.rs), text, ranges, the HQ address, report bodies. The rule codes and params of report
// bodies are held to the core's in shared-cases.test.ts.
import { describe, expect, it } from 'vitest';
import {
  accidentIssue, accidentIssues, assistanceIssue, incidentIssue, lostPersonIssue, lostPersonIssues, missingSlots, startPatrolIssue, violationIssue,
} from '../src/lib/rules';
import { hqUrlIssue, normalizePlate, plateIssue, rangeIssue, textIssue } from '../src/lib/validate';

describe('plates, as patrol-model checks them', () => {
  const check = (input: string, expected: { ok: string } | { err: string }) => {
    const issue = plateIssue(input);
    if ('ok' in expected) {
      expect(issue, input).toBeNull();
      expect(normalizePlate(input)).toBe(expected.ok);
    } else {
      expect(issue, input).not.toBeNull();
      expect(issue!.field).toBe('plate');
      expect(issue!.message, input).toContain(expected.err);
    }
  };
  it.each([
    ['湘J12345', { ok: '湘J12345' }],
    ['湘j 12345', { ok: '湘J12345' }],
    ['湘J·A2B45', { ok: '湘JA2B45' }],
    ['京A1234学', { ok: '京A1234学' }],
    ['湘J1234挂', { ok: '湘J1234挂' }],
    ['湘JD12345', { ok: '湘JD12345' }],
    ['湘JF1A345', { err: 'not a valid plate' }],
    ['湘JFA2345', { ok: '湘JFA2345' }],
    ['湘J12345D', { ok: '湘J12345D' }],
    ['粤B-12345', { ok: '粤B12345' }],
    ['', { err: 'empty' }],
    ['XJ12345', { err: 'province' }],
    ['湘112345', { err: 'issuing-office letter' }],
    ['湘I12345', { err: 'issuing-office letter' }],
    ['湘J1234', { err: 'has 6 characters' }],
    ['湘J123456789', { err: 'has 11 characters' }],
    ['湘J12O45', { err: 'not a valid plate' }],
    ['湘JX12345', { err: 'not a valid plate' }],
    ['湘J1234D5', { err: 'not a valid plate' }],
    ['湘J12345学', { err: 'not a valid plate' }],
  ] as const)('%s', (input, expected) => check(input, expected));

  it('names the reason with a stable code', () => {
    expect(plateIssue('ABC123')?.code).toBe('plate_province');
    expect(plateIssue('湘112345')?.code).toBe('plate_office');
    expect(plateIssue('湘J1234')?.code).toBe('plate_length');
    expect(plateIssue('湘J12O45')?.code).toBe('plate_format');
    expect(plateIssue('x', 'vehicles[1].plate')?.field).toBe('vehicles[1].plate');
  });

  it('carries the plate as typed, and its length for plate_length', () => {
    expect(plateIssue('ABC123')?.params).toEqual({ value: 'ABC123' });
    expect(plateIssue('湘J 1234')?.params).toEqual({ value: '湘J 1234', n: 6 });
  });
});

describe('text, ranges, addresses', () => {
  it.each([
    [textIssue('description', '', true, 10), 'required'],
    [textIssue('description', '   ', true, 10), 'required'],
    [textIssue('description', 'ok', true, 10), null],
    [textIssue('note', undefined, false, 10), null],
    [textIssue('note', '一二三四五六七八九十一', false, 10), 'too_long'],
    [rangeIssue('people', 0, 1, 1000), 'range'],
    [rangeIssue('people', 1.5, 1, 1000), 'range'],
    [rangeIssue('people', 3, 1, 1000), null],
    [rangeIssue('people', undefined, 1, 1000), null],
    [hqUrlIssue(''), 'required'],
    [hqUrlIssue('hq.example.cn'), 'url'],
    [hqUrlIssue('ftp://hq.example.cn'), 'url'],
    [hqUrlIssue('https://'), 'url'],
    [hqUrlIssue('https://hq.example.cn'), null],
    [hqUrlIssue(' http://127.0.0.1:8787 '), null],
  ])('%#', (issue, code) => expect(issue?.code ?? null).toBe(code));

  it('counts characters, not UTF-16 units', () => {
    expect(textIssue('x', '𠀀'.repeat(10), false, 10)).toBeNull();
  });
});

describe('record bodies', () => {
  it('lost person needs a description', () => {
    expect(lostPersonIssue({ description: ' ', outcome: 'ongoing' })?.field).toBe('description');
    expect(lostPersonIssue({ description: '老人走失', outcome: 'ongoing' })).toBeNull();
  });
  it('accident needs a vehicle and checks each plate by index', () => {
    expect(accidentIssue({ vehicles: [] })?.field).toBe('vehicles');
    expect(accidentIssue({ vehicles: [{ kind: 'car', plate: '湘J12345' }, { kind: 'car', plate: 'ABC123' }] })?.field).toBe('vehicles[1].plate');
    expect(accidentIssue({ vehicles: [{ kind: 'car' }], photos_missing_reason: '伤员优先' })).toBeNull();
  });
  it('accident plates are refused before the vehicle count, as the core reads them first', () => {
    const vehicles = [...Array(20).fill({ kind: 'car' }), { kind: 'car', plate: 'ABC123' }];
    expect(accidentIssue({ vehicles })).toMatchObject({ field: 'vehicles[20].plate', code: 'plate_province' });
  });
  it('accident allows at most six photos', () => {
    const p = { sha256: 'a'.repeat(64), size: 1, mime: 'image/png', slot: 'scene' as const };
    expect(accidentIssue({ vehicles: [{ kind: 'car' }], photos: Array(7).fill(p) })?.code).toBe('too_many');
  });
  it('accident without its required photos asks why, naming the missing slots in checklist order', () => {
    const p = (slot: 'front' | 'rear' | 'point-of-impact' | 'scene') => ({ sha256: 'a'.repeat(64), size: 1, mime: 'image/png', slot });
    expect(missingSlots([p('scene'), p('point-of-impact'), p('front')])).toEqual(['rear']);
    expect(accidentIssue({ vehicles: [{ kind: 'car' }] })).toMatchObject({
      field: 'photos_missing_reason', code: 'required', params: { missing: 'front, rear, point-of-impact' },
    });
    expect(accidentIssue({ vehicles: [{ kind: 'car' }], photos: [p('point-of-impact')], photos_missing_reason: ' \n ' })).toMatchObject({
      field: 'photos_missing_reason', params: { missing: 'front, rear' },
    });
    expect(accidentIssue({ vehicles: [{ kind: 'car' }], photos: [p('front'), p('rear'), p('point-of-impact')] })).toBeNull();
    // The length is a record check, before the submission rule; the record's other checks first.
    expect(accidentIssue({ vehicles: [{ kind: 'car' }], photos_missing_reason: ' '.repeat(501) })).toMatchObject({ field: 'photos_missing_reason', code: 'too_long' });
    expect(accidentIssue({ vehicles: [{ kind: 'car' }], note: '长'.repeat(1001) })?.field).toBe('note');
  });
  it('a form lists every fault, one per field, the first being the one Rust answers with', () => {
    expect(accidentIssues({ vehicles: [{ kind: 'car', plate: 'ABC123' }], note: '长'.repeat(1001) }).map((i) => i.field)).toEqual([
      'vehicles[0].plate', 'note', 'photos_missing_reason',
    ]);
    expect(lostPersonIssues({ description: ' ' }).map((i) => `${i.field}:${i.code}`)).toEqual(['outcome:required', 'description:required']);
    expect(lostPersonIssues({} as never).map((i) => i.field)).toEqual(['description', 'outcome']);
    expect(lostPersonIssue({ description: '老人走失', outcome: null })).toMatchObject({ field: 'outcome', code: 'required' });
  });
  it('assistance people between 1 and 1000', () => {
    expect(assistanceIssue({ kind: 'other-help', description: 'x', people: 0 })?.field).toBe('people');
    expect(assistanceIssue({ kind: 'other-help', description: 'x' })).toBeNull();
  });
  it('incident value at most 100 million', () => {
    expect(incidentIssue({ kind: 'theft', description: 'x', outcome: 'open', value_yuan: 100_000_001 })?.field).toBe('value_yuan');
  });
  it('violation details', () => {
    expect(violationIssue({ plate: '湘J12345', seized_items: 2 })).toBeNull();
    expect(violationIssue({ seized_items: 101 })?.field).toBe('seized_items');
    expect(violationIssue({ photos: [{ sha256: 'A'.repeat(64), size: 1, mime: 'image/png' }] })).toMatchObject({ field: 'photos[0].sha256', code: 'hash' });
    expect(violationIssue({ photos: [{ sha256: 'a'.repeat(64), size: 1, mime: 'image/gif' }] })).toMatchObject({
      field: 'photos[0].mime', code: 'photo_type', params: { value: 'image/gif' },
    });
    expect(violationIssue({ photos: [{ sha256: 'a'.repeat(64), size: 0, mime: 'image/png' }] })).toMatchObject({
      field: 'photos[0].size', code: 'range', params: { min: '1 B', max: '50 MiB' },
    });
  });
  it('patrol start', () => {
    const ok = { mode: 'foot' as const, group: 'G07', officers: ['张伟'], volunteers: { 'red-vest': 2 } };
    expect(startPatrolIssue(ok)).toBeNull();
    expect(startPatrolIssue({ ...ok, group: '' })?.field).toBe('group');
    expect(startPatrolIssue({ ...ok, group: 'G 07' })).toMatchObject({ code: 'code', params: { value: 'G 07' } });
    expect(startPatrolIssue({ ...ok, officers: ['张伟', ' '] })?.field).toBe('officers[1]');
    expect(startPatrolIssue({ ...ok, volunteers: { 'red-vest': 501 } })?.field).toBe('volunteers.red-vest');
    expect(startPatrolIssue({ ...ok, vehicle_plate: '湘J1234' })?.field).toBe('vehicle_plate');
  });
});
