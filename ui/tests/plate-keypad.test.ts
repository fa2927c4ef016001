// The plate keypad's logic: the preset, cells and cursor, what each key does, which keys can be
// right where, paste, the value the form gets, and when the field says what is wrong.
import { describe, expect, it } from 'vitest';
import {
  backspace, cellCount, clear, fromValue, keyAllowed, moveTo, pageFor, paste, PLATE_DIGITS, PLATE_LETTERS, PLATE_PRESET,
  PLATE_SUFFIXES, plateFeedback, press, provinceKeys, toValue, viablePrefix, type PlateState,
} from '../src/lib/plate-keypad';
import { plateIssue } from '../src/lib/validate';

const typed = (keys: string, s: PlateState = fromValue('')) => [...keys].reduce(press, s);
const value = (s: PlateState) => toValue(s);

describe('the keys', () => {
  it('has the 31 provinces, the preset (湘) first, each once', () => {
    const p = provinceKeys();
    expect(p).toHaveLength(31);
    expect(p[0]).toBe('湘');
    expect(new Set(p).size).toBe(31);
    expect(p.every((c) => plateIssue(`${c}J12345`) === null)).toBe(true);
  });

  it('a preset from elsewhere leads the provinces', () => {
    expect(provinceKeys({ province: '粤', office: 'B' })[0]).toBe('粤');
    expect(provinceKeys({ province: '粤', office: 'B' })).toHaveLength(31);
  });

  it('letters are A–Z without I and O; digits 0–9; suffixes are only those the core accepts', () => {
    expect(PLATE_LETTERS).toHaveLength(24);
    expect(PLATE_LETTERS).not.toContain('I');
    expect(PLATE_LETTERS).not.toContain('O');
    expect(PLATE_DIGITS.join('')).toBe('0123456789');
    expect(PLATE_SUFFIXES.join('')).toBe('挂学警港澳');
    for (const c of PLATE_SUFFIXES) expect(plateIssue(`湘J1234${c}`), c).toBeNull();
    for (const c of ['领', '试', '超']) expect(plateIssue(`湘J1234${c}`), c).not.toBeNull();
  });

  it('both pages have 36 keys (six rows of six)', () => {
    expect(provinceKeys().length + PLATE_SUFFIXES.length).toBe(36);
    expect(PLATE_LETTERS.length + PLATE_DIGITS.length).toBeLessThanOrEqual(36);
  });

  it('allows at each position only what some plate has there', () => {
    expect(keyAllowed(0, '湘')).toBe(true);
    expect(keyAllowed(0, 'A')).toBe(false);
    expect(keyAllowed(1, 'J')).toBe(true);
    expect(keyAllowed(1, '1')).toBe(false);
    expect(keyAllowed(1, 'I')).toBe(false);
    expect(keyAllowed(2, 'D')).toBe(true);
    expect(keyAllowed(2, '5')).toBe(true);
    expect(keyAllowed(2, 'O')).toBe(false);
    expect(keyAllowed(5, '学')).toBe(false);
    expect(keyAllowed(6, '学')).toBe(true);
    expect(keyAllowed(6, 'A')).toBe(true);
    expect(keyAllowed(7, '5')).toBe(true);
    expect(keyAllowed(7, 'D')).toBe(true);
    expect(keyAllowed(7, 'A')).toBe(false);
    expect(keyAllowed(8, '1')).toBe(false);
  });

  it('shows the province page on the first cell, letters and digits after', () => {
    expect(pageFor(0)).toBe('province');
    expect(pageFor(1)).toBe('letters');
    expect(pageFor(6)).toBe('letters');
  });
});

describe('cells and cursor', () => {
  it('an empty plate starts as 湘J with the cursor on the third cell', () => {
    const s = fromValue('');
    expect(s).toEqual({ chars: [PLATE_PRESET.province, PLATE_PRESET.office], cursor: 2 });
    expect(s.chars.join('')).toBe('湘J');
    expect(cellCount(s)).toBe(8);
  });

  it('typing fills the cells; the seventh moves on to the optional eighth', () => {
    const s = typed('12345');
    expect(s.chars.join('')).toBe('湘J12345');
    expect(s.cursor).toBe(7);
    expect(value(s)).toBe('湘J12345');
  });

  it('new energy: an eighth character in the dashed cell, then the plate is full', () => {
    const small = typed('D12345');
    expect(value(small)).toBe('湘JD12345');
    expect(small.cursor).toBe(8);
    expect(press(small, '6')).toBe(small);
    const large = typed('12345D');
    expect(value(large)).toBe('湘J12345D');
  });

  it('a key that cannot be right at the cursor does nothing', () => {
    const s = fromValue('');
    expect(press(s, 'I')).toBe(s);
    expect(press(s, '学')).toBe(s);
    expect(press(moveTo(s, 1), '7')).toEqual(moveTo(s, 1));
  });

  it('letters are upper-cased', () => {
    expect(value(typed('a1b23'))).toBe('湘JA1B23');
  });

  it('a tapped cell is overwritten by the next key', () => {
    const s = moveTo(typed('12345'), 0);
    expect(s.cursor).toBe(0);
    const yue = press(s, '粤');
    expect(yue.chars.join('')).toBe('粤J12345');
    expect(yue.cursor).toBe(1);
    expect(value(press(yue, 'B'))).toBe('粤B12345');
  });

  it('a tap past the end puts the cursor on the first empty cell', () => {
    expect(moveTo(fromValue(''), 6).cursor).toBe(2);
    expect(moveTo(typed('12345'), 7).cursor).toBe(7);
    expect(moveTo(fromValue(''), -3).cursor).toBe(0);
  });

  it('backspace removes the last character, or the one under the cursor', () => {
    let s = typed('123');
    s = backspace(s);
    expect(s.chars.join('')).toBe('湘J12');
    expect(s.cursor).toBe(4);
    s = backspace(moveTo(typed('12345'), 3));
    expect(s.chars.join('')).toBe('湘J1345');
    expect(s.cursor).toBe(3);
    expect(backspace({ chars: [], cursor: 0 })).toEqual({ chars: [], cursor: 0 });
  });

  it('backspace all the way empties the cells and lands on the province page', () => {
    let s = typed('1');
    for (let i = 0; i < 5; i++) s = backspace(s);
    expect(s).toEqual({ chars: [], cursor: 0 });
    expect(pageFor(s.cursor)).toBe('province');
    expect(value(press(s, '京'))).toBe('京');
  });

  it('clear goes back to the preset', () => {
    expect(clear()).toEqual(fromValue(''));
  });
});

describe('the value the form gets', () => {
  it('nothing but the preset (or a part of it) is no plate', () => {
    expect(value(fromValue(''))).toBe('');
    expect(value(backspace(fromValue('')))).toBe('');
    expect(value({ chars: [], cursor: 0 })).toBe('');
  });

  it('anything else is the plate as typed', () => {
    expect(value(fromValue('湘J12345'))).toBe('湘J12345');
    expect(value({ chars: ['京', 'A'], cursor: 2 })).toBe('京A');
    expect(value({ chars: ['J'], cursor: 0 })).toBe('J');
  });

  it('a stored value is parsed as the core normalizes it, cursor after it', () => {
    expect(fromValue('湘j·a1234')).toEqual({ chars: [...'湘JA1234'], cursor: 7 });
    expect(fromValue('湘JD12345').cursor).toBe(8);
    const long = fromValue('湘J123456789');
    expect(value(long)).toBe('湘J123456789');
    expect(cellCount(long)).toBe(11);
  });

  it('round-trips every plate of the core table', () => {
    for (const v of ['湘J12345', '京A1234学', '湘J1234挂', '湘JD12345', '湘JFA2345', '湘J12345D', '粤B12345']) {
      expect(value(fromValue(v))).toBe(v);
    }
  });
});

describe('paste and typed text', () => {
  it('a whole plate replaces the cells', () => {
    expect(value(paste(fromValue(''), '粤B-12345'))).toBe('粤B12345');
    expect(value(paste(typed('999'), ' 湘J 12345 '))).toBe('湘J12345');
  });

  it('a whole plate the keys would refuse is kept, so the field can say why', () => {
    expect(value(paste(fromValue(''), '湘I12345'))).toBe('湘I12345');
  });

  it('the rest goes in from the cursor, as keys', () => {
    expect(value(paste(fromValue(''), '12345'))).toBe('湘J12345');
    expect(value(paste(fromValue(''), 'd1-2345'))).toBe('湘JD12345');
    expect(value(paste(fromValue(''), 'ABC123'))).toBe('湘JABC123');
  });

  it('nothing pasted changes nothing', () => {
    const s = fromValue('');
    expect(paste(s, ' · ')).toBe(s);
  });
});

describe('validation as typed', () => {
  const shown = (keys: string, editing: boolean) => plateFeedback(typed(keys), editing)?.code ?? null;

  it('nothing while a correct prefix is being typed', () => {
    for (const k of ['', '1', '12', '123', '1234', 'D1', 'D1234']) expect(shown(k, true), k).toBeNull();
  });

  it('the rule once the officer is done (done, or left the field)', () => {
    expect(shown('123', false)).toBe('plate_length');
    expect(plateFeedback(typed('123'), false, 'vehicles[1].plate')?.field).toBe('vehicles[1].plate');
  });

  it('nothing for a complete valid plate, or for no plate', () => {
    expect(shown('12345', true)).toBeNull();
    expect(shown('12345', false)).toBeNull();
    expect(shown('D12345', false)).toBeNull();
    expect(plateFeedback(fromValue(''), false)).toBeNull();
    expect(plateFeedback({ chars: [], cursor: 0 }, false)).toBeNull();
  });

  it('at once when no plate can begin like this (pasted or stored)', () => {
    const s = fromValue('湘JO1');
    expect(viablePrefix(s.chars)).toBe(false);
    expect(plateFeedback(s, true)?.code).toBe('plate_length');
    expect(plateFeedback(fromValue('ABC123'), true)?.code).toBe('plate_province');
  });

  it('the same rule as plateIssue', () => {
    for (const v of ['湘J1234', '湘JX12345', '湘J12345学', '湘112345']) {
      expect(plateFeedback(fromValue(v), false)).toEqual(plateIssue(v));
    }
  });

  it('knows a correct prefix from a wrong one', () => {
    expect(viablePrefix([])).toBe(true);
    expect(viablePrefix([...'湘JD1'])).toBe(true);
    expect(viablePrefix([...'湘J1234学'])).toBe(true);
    expect(viablePrefix([...'湘J123学'])).toBe(false);
    expect(viablePrefix([...'湘JX12345'])).toBe(false);
  });
});
