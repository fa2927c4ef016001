// Quarantined entries on the sync screen: HQ's code as a sentence in the officer's language,
// the field and rule HQ named translated like a form's error, HQ's English reason only for the
// technical fold. zh-CN shows no Latin words (ids, plates and units aside).
import { afterEach, describe, expect, it } from 'vitest';
import type { Quarantined, ValidationCode } from '../src/api/types';
import { DICTIONARIES, LANGUAGES, setLanguage } from '../src/i18n';
import { QUARANTINE_CODES, quarantineText } from '../src/lib/quarantine';

afterEach(() => setLanguage('zh-CN'));

const tooLong: Quarantined = {
  seq: 7,
  code: 'invalid_payload',
  reason: 'invalid description: is longer than 10 characters',
  invalid: { field: 'description', code: 'too_long', params: { max: '10' } },
};

/** What the officer reads without opening the fold. */
const shown = (q: Quarantined) => {
  const x = quarantineText(q);
  return [x.title, x.what, x.rule ?? ''].join(' ');
};

describe('quarantineText', () => {
  it('says the code, the field and the rule in Chinese; the English only in the detail', () => {
    expect(quarantineText(tooLong)).toEqual({
      title: '记录 #7',
      what: '记录内容不符合指挥中心的规则，暂未计入统计。',
      rule: '描述：不能超过 10 个字',
      detail: 'invalid_payload: invalid description: is longer than 10 characters',
    });
  });

  it('says the same in English', () => {
    setLanguage('en');
    expect(quarantineText(tooLong)).toMatchObject({
      title: 'Entry #7',
      what: 'The entry breaks one of HQ’s rules and is not counted yet.',
      rule: 'Description: At most 10 characters',
    });
  });

  it('names nested fields and fills in the rule’s params', () => {
    const plate: Quarantined = {
      seq: 12,
      code: 'invalid_payload',
      reason: 'invalid vehicles[1].plate: `ABC` must start with a province abbreviation such as 湘 or 京',
      invalid: { field: 'vehicles[1].plate', code: 'plate_province', params: { value: 'ABC' } },
    };
    expect(quarantineText(plate).rule).toBe('车辆 2 · 车牌号：车牌须以省份简称开头，如“湘”');
    const cell: Quarantined = {
      seq: 3,
      code: 'invalid_cell',
      reason: 'invalid cell: `WL 03` is not a valid code',
      invalid: { field: 'cell', code: 'code', params: { value: 'WL 03' } },
    };
    expect(quarantineText(cell)).toMatchObject({ what: '记录的网格编号无效，暂未计入统计。', rule: '网格：只能包含字母、数字、“-”或“_”，1–32 位' });
    const fix: Quarantined = {
      seq: 4,
      code: 'invalid_payload',
      reason: 'invalid fixes[2].accuracy_m: must be at least 0',
      invalid: { field: 'fixes[2].accuracy_m', code: 'at_least', params: { min: '0' } },
    };
    expect(quarantineText(fix).rule).toBe('定位点 3 · 精度：不能小于 0');
  });

  it('without `invalid` there is no rule line', () => {
    const link: Quarantined = { seq: 9, code: 'bad_link', reason: 'prev_hash does not match HQ’s hash of seq 8' };
    expect(quarantineText(link)).toMatchObject({ what: '记录与上一条衔接不上，指挥中心未接收。', rule: null });
    expect(quarantineText(link).detail).toBe('bad_link: prev_hash does not match HQ’s hash of seq 8');
  });

  it('a code, field or rule this app does not know never shows its raw English name', () => {
    const odd: Quarantined = {
      seq: 5,
      code: 'outside_city',
      reason: 'position is outside the city',
      invalid: { field: 'mystery_field', code: 'some_new_rule' as ValidationCode },
    };
    expect(quarantineText(odd)).toEqual({
      title: '记录 #5',
      what: '指挥中心暂未计入这条记录，需要核查。',
      rule: '某一项：不符合规则',
      detail: 'outside_city: position is outside the city',
    });
    setLanguage('en');
    expect(quarantineText(odd).rule).toBe('A field: Breaks a rule');
  });

  it.each(LANGUAGES)('%s has a sentence for every HQ code', (lang) => {
    const dict = DICTIONARIES[lang] as Record<string, string>;
    expect(QUARANTINE_CODES.filter((c) => !(`quarantine.code.${c}` in dict))).toEqual([]);
  });

  it('zh-CN shows no Latin words for any code, with or without a rule', () => {
    for (const code of [...QUARANTINE_CODES, 'something_else']) {
      const q: Quarantined = { seq: 1, code, reason: 'english reason', invalid: { field: 'found_at.lat', code: 'range', params: { min: '-90', max: '90' } } };
      expect(shown(q), code).not.toMatch(/[A-Za-z]{2,}/);
      expect(shown({ seq: 1, code, reason: 'english reason' }), code).not.toMatch(/[A-Za-z]{2,}/);
    }
  });
});
