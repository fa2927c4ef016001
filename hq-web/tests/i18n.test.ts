// Both dictionaries have exactly the same keys, no empty text, the same {params}; the shared
// domain terms from ui/ exist in both languages for every slug the page shows; every rule code
// of the core (tests/contract/validation-codes.json) has words in both languages.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import en from '../src/i18n/en';
import zh from '../src/i18n/zh-CN';
import { SHARED_TERMS, setLanguage, t, tInvalid, tk } from '../src/i18n';
import { VIOLATION_TYPES, VOLUNTEER_CATEGORIES } from '../src/views/Today';

const params = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
  it('have the same keys', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
  });
  it('have no empty text and the same parameters', () => {
    for (const k of Object.keys(zh) as (keyof typeof zh)[]) {
      expect(zh[k].trim(), k).not.toBe('');
      expect(en[k].trim(), k).not.toBe('');
      expect(params(en[k]), k).toEqual(params(zh[k]));
    }
  });
  it('zh-CN has no Latin words beyond units and the English switch', () => {
    const allowed = new Set(['lang.switch']);
    for (const [k, v] of Object.entries(zh)) {
      if (allowed.has(k)) continue;
      expect(v.replace(/\{\w+\}/g, ''), k).not.toMatch(/[A-Za-z]{2,}/);
    }
  });
  it('shared terms cover every slug shown, in both languages', () => {
    for (const lang of ['zh-CN', 'en'] as const) {
      for (const c of VOLUNTEER_CATEGORIES) expect(SHARED_TERMS[lang][`volunteer.category.${c}`], c).toBeTruthy();
      for (const v of VIOLATION_TYPES) expect(SHARED_TERMS[lang][`violation.type.${v}`], v).toBeTruthy();
      for (const m of ['foot', 'car', 'motorcycle', 'e-bike', 'bicycle']) expect(SHARED_TERMS[lang][`patrol.mode.${m}`], m).toBeTruthy();
    }
  });
  it('switches language and marks a missing key', () => {
    setLanguage('en');
    expect(t('nav.live')).toBe('Live map');
    expect(tk('patrol.mode.car')).toBe(SHARED_TERMS.en['patrol.mode.car']);
    expect(tk('no.such.key')).toBe('⟦no.such.key⟧');
    setLanguage('zh-CN');
    expect(t('nav.live')).toBe('实时地图');
  });
});

/** Every rule code of patrol-model's `ValidationCode`, as the core writes the list. */
const VALIDATION_CODES = JSON.parse(
  readFileSync(join(__dirname, '..', '..', 'tests', 'contract', 'validation-codes.json'), 'utf8'),
) as string[];

describe('rule codes of refused values', () => {
  it('reads the code list', () => expect(VALIDATION_CODES.length).toBeGreaterThan(20));
  it.each([['zh-CN', zh], ['en', en]] as const)('%s has validation.<code> for every code', (_, dict) => {
    expect(VALIDATION_CODES.filter((c) => !(`validation.${c}` in dict))).toEqual([]);
  });
  it('reads as a sentence about the field, with the params filled in', () => {
    expect(tInvalid({ field: 'address', code: 'too_long', params: { max: '200' } }, 'x')).toBe('“地址”不能超过 200 个字');
    expect(tInvalid({ field: 'target.lat', code: 'range', params: { min: '-90', max: '90' } }, 'x')).toBe('“警情位置纬度”须在 -90 至 90 之间');
    expect(tInvalid({ field: 'posts', code: 'duplicate', params: { value: 'P01' } }, 'x')).toBe('“posts”中“P01”重复');
    expect(tInvalid({ field: 'address', code: 'no_such_rule' }, 'HQ said so')).toBe('HQ said so');
    setLanguage('en');
    expect(tInvalid({ field: 'radius_m', code: 'range', params: { min: '10', max: '5000' } }, 'x')).toBe('“On-scene radius” must be between 10 and 5000');
    setLanguage('zh-CN');
  });
});
