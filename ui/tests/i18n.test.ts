// i18n completeness: both languages have the same keys, none empty, the same {placeholders};
// every slug of the contract and every validation rule code of the core has its label; errors
// say which field and why in both languages.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/errors';
import {
  ACCIDENT_OUTCOMES, ASSISTANCE_KINDS, DISPATCH_KINDS, DISPATCH_OUTCOMES, DISPATCH_STATES, DISPATCH_STEPS, DISPATCH_TIERS,
  ENTRY_KINDS, ERROR_KINDS, INCIDENT_KINDS, INCIDENT_OUTCOMES, LOST_PERSON_OUTCOMES,
  PATROL_MODES, PHOTO_SLOTS, SYNC_STATES, VALIDATION_CODES as GENERATED_CODES, VEHICLE_KINDS, VIOLATION_TYPES, VOLUNTEER_CATEGORIES,
  type ValidationCode,
} from '../src/api/types';
import { DECLINE_REASONS } from '../src/lib/dispatch-text';
import { COMPASS_POINTS } from '../src/lib/geo';
import { MISSING_PHOTO_REASONS } from '../src/lib/photo';
import { DICTIONARIES, LANGUAGES, has, setLanguage, t, tError, tField } from '../src/i18n';

/** Every rule code of patrol-model's `ValidationCode`, as the core writes the list. */
const VALIDATION_CODES = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'tests', 'contract', 'validation-codes.json'), 'utf8'),
) as string[];

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

afterEach(() => setLanguage('zh-CN'));

describe('dictionaries', () => {
  const zh = DICTIONARIES['zh-CN'];
  const en = DICTIONARIES.en;

  it('have exactly the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
  });

  it.each(LANGUAGES)('%s has no empty string', (lang) => {
    const empty = Object.entries(DICTIONARIES[lang]).filter(([, v]) => v.trim() === '');
    expect(empty).toEqual([]);
  });

  it('use the same placeholders in both languages', () => {
    const diff = Object.keys(zh).filter((k) => placeholders(zh[k as keyof typeof zh]).join() !== placeholders(en[k as keyof typeof en]).join());
    expect(diff).toEqual([]);
  });

  it('English has no Chinese except where it names the other language or a plate example', () => {
    const allowed = new Set(['settings.lang.zh-CN', 'settings.language', 'settings.position.simulated', 'details.plate_hint',
      'validation.plate_province', 'validation.plate_length', 'validation.plate_format']);
    const cjk = Object.entries(en).filter(([k, v]) => !allowed.has(k) && /[\u3400-\u9fff]/.test(v));
    expect(cjk).toEqual([]);
  });
});

describe('every slug of the contract has a label', () => {
  const families: [string, readonly string[]][] = [
    ['violation.type', VIOLATION_TYPES],
    ['vehicle.kind', VEHICLE_KINDS],
    ['volunteer.category', VOLUNTEER_CATEGORIES],
    ['patrol.mode', PATROL_MODES],
    ['assist.kind', ASSISTANCE_KINDS],
    ['incident.kind', INCIDENT_KINDS],
    ['incident.outcome', INCIDENT_OUTCOMES],
    ['lost.outcome', LOST_PERSON_OUTCOMES],
    ['accident.outcome', ACCIDENT_OUTCOMES],
    ['accident.slot', PHOTO_SLOTS],
    ['entry.kind', ENTRY_KINDS],
    ['error.kind', ERROR_KINDS],
    ['history.sync', SYNC_STATES],
    ['sync.phase', ['connecting', 'reference', 'uploading', 'photos', 'receipt', 'done']],
    ['settings.position', ['gnss', 'simulated', 'gpx-replay', 'none']],
    ['settings.lang', LANGUAGES],
    ['assist.description_hint', ASSISTANCE_KINDS],
    ['dispatch.kind', DISPATCH_KINDS],
    ['dispatch.tier', DISPATCH_TIERS.map(String)],
    ['dispatch.step', DISPATCH_STEPS],
    ['dispatch.do', DISPATCH_STEPS],
    ['dispatch.state', DISPATCH_STATES],
    ['dispatch.outcome', DISPATCH_OUTCOMES],
    ['dispatch.compass', COMPASS_POINTS],
    ['dispatch.decline_reason', DECLINE_REASONS],
    ['accident.missing_preset', MISSING_PHOTO_REASONS],
    ['history.filter', ['all', 'dispatches']],
  ];
  it.each(families)('%s.*', (prefix, slugs) => {
    expect(slugs.filter((s) => !has(`${prefix}.${s}`))).toEqual([]);
  });
});

describe('every validation rule code of the core is translated', () => {
  it('reads the code list', () => expect(VALIDATION_CODES.length).toBeGreaterThan(20));

  it("the core's list is the generated union the UI lists (types.ts proves the list complete)", () => {
    expect([...VALIDATION_CODES].sort()).toEqual([...GENERATED_CODES].sort());
  });

  it.each(LANGUAGES)('%s has validation.<code> for every code', (lang) => {
    const dict = DICTIONARIES[lang] as Record<string, string>;
    expect(VALIDATION_CODES.filter((c) => !(`validation.${c}` in dict))).toEqual([]);
  });

  it('Chinese reasons are Chinese: no Latin words but examples, formats and placeholders', () => {
    const allowed = /\{\w+\}|[\u4e00-\u9fff][A-Z0-9]+|https?:\/\/|JPEG|PNG|WebP|HEIC|A–Z/g;
    const latin = VALIDATION_CODES.map((c) => [c, DICTIONARIES['zh-CN'][`validation.${c}` as keyof (typeof DICTIONARIES)['zh-CN']]] as const)
      .filter(([, v]) => /[A-Za-z]{2,}/.test(v.replace(allowed, '')));
    expect(latin).toEqual([]);
  });

  it('every reason fills in the params the core sends', () => {
    const cases: [string, Record<string, string>, string, string][] = [
      ['too_long', { max: '200' }, '不能超过 200 个字', 'At most 200 characters'],
      ['range', { min: '1', max: '1000' }, '应在 1–1000 之间', 'Must be between 1 and 1000'],
      ['at_least', { min: '1' }, '不能小于 1', 'Must be at least 1'],
      ['too_few', { min: '2' }, '至少 2 项', 'At least 2'],
      ['duplicate', { value: 'P01' }, '“P01”重复', '“P01” appears twice'],
      ['plate_length', { value: '湘J123', n: '5' }, '车牌应为 7 位（湘J12345），新能源 8 位（湘JD12345），现为 5 位',
        'A plate has 7 characters (湘J12345), 8 for new energy (湘JD12345); this one has 5'],
    ];
    for (const [code, params, zh, en] of cases) {
      const err = new ApiError('invalid', `x: ${code}`, 'x', code as ValidationCode, params);
      setLanguage('zh-CN');
      expect(tError(err).reason, code).toBe(zh);
      setLanguage('en');
      expect(tError(err).reason, code).toBe(en);
    }
  });
});

describe('field names and errors in the user language', () => {
  it.each([
    ['description', '描述', 'Description'],
    ['vehicles[1].plate', '车辆 2 · 车牌号', 'Vehicle 2 · Plate'],
    ['correction.description', '描述', 'Description'],
    ['photos[0].sha256', '照片 1 · 校验值', 'Photo 1 · Checksum'],
    ['volunteers.red-vest', '群防力量 · 红袖章/红马甲', 'Volunteers · Red armband/vest'],
    ['officers[2]', '参巡民警 3', 'Officer 3'],
    ['mystery_field', 'mystery_field', 'mystery_field'],
  ])('%s', (path, zh, en) => {
    expect(tField(path)).toBe(zh);
    setLanguage('en');
    expect(tField(path)).toBe(en);
  });

  it('an invalid plate says which field and why, in both languages', () => {
    const err = new ApiError('invalid', 'vehicles[1].plate: `ABC` must start with a province abbreviation such as 湘 or 京', 'vehicles[1].plate',
      'plate_province', { value: 'ABC' });
    expect(tError(err)).toMatchObject({ title: '车辆 2 · 车牌号', reason: '车牌须以省份简称开头，如“湘”' });
    setLanguage('en');
    expect(tError(err)).toMatchObject({ title: 'Vehicle 2 · Plate', reason: 'A plate starts with a province abbreviation, e.g. 湘' });
  });

  it('a too-long text keeps its limit', () => {
    const err = new ApiError('invalid', 'description: is longer than 1000 characters', 'description', 'too_long', { max: '1000' });
    expect(tError(err).reason).toBe('不能超过 1000 个字');
  });

  it('the rule comes from the code, never from the English', () => {
    // Reworded English, same rule: the same translation.
    const err = new ApiError('invalid', 'note: exceeds the limit', 'note', 'too_long', { max: '500' });
    expect(tError(err).reason).toBe('不能超过 500 个字');
    // English that once was guessed from, without a code: shown as Rust said it.
    expect(tError(new ApiError('invalid', 'note: is longer than 500 characters', 'note')).reason).toBe('is longer than 500 characters');
  });

  it('an error without a code, or with a code this app does not know, is shown as Rust said it', () => {
    const err = new ApiError('invalid', 'found_at.lat: latitude 95 is out of range', 'found_at.lat');
    expect(tError(err)).toMatchObject({ title: '发现位置 · 纬度', reason: 'latitude 95 is out of range' });
    const unknown = new ApiError('invalid', 'found_at.lat: latitude 95 is out of range', 'found_at.lat', 'some_new_rule' as ValidationCode);
    expect(tError(unknown).reason).toBe('latitude 95 is out of range');
  });

  it('a correction error moved to its form field still drops the path from the raw reason', () => {
    const err = new ApiError('invalid', 'correction.found_at.lat: latitude 95 is out of range', 'correction.found_at.lat').at('found_at.lat');
    expect(tError(err).reason).toBe('latitude 95 is out of range');
  });

  it('other kinds are translated and keep the message as detail', () => {
    expect(tError(new ApiError('network', 'could not reach hq'))).toEqual({ title: '无法连接指挥中心', reason: null, detail: 'could not reach hq' });
    setLanguage('en');
    expect(tError(new ApiError('no_open_patrol', 'x')).title).toBe('No patrol is running');
  });

  it('dispatch refusals are translated in both languages', () => {
    const kinds = ['unknown_dispatch', 'dispatch_withdrawn', 'dispatch_step_done', 'dispatch_cleared'] as const;
    expect(kinds.map((k) => tError(new ApiError(k, 'x')).title)).toEqual([
      '本机没有收到这条派警', '指挥中心已撤回该派警，请勿前往', '这一步已经记录，无需重复', '该派警已处置完毕，不能再记录',
    ]);
    setLanguage('en');
    expect(tError(new ApiError('dispatch_step_done', 'x')).title).toBe('This step is already recorded');
    expect(tField('step')).toBe('Step');
  });

  it('interpolates parameters', () => {
    expect(t('header.unsynced', { n: 3 })).toBe('3 条待同步');
    setLanguage('en');
    expect(t('header.unsynced', { n: 3 })).toBe('3 unsynced');
  });
});
