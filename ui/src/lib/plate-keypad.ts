//! The plate keypad's state, without any DOM: the characters in their cells, the cursor, what a
//! key does (insert, backspace, clear, paste), which keys can be right at a position, and when
//! the field should say what is wrong. The formats are patrol-model's (crates/patrol-model/src/
//! plate.rs, mirrored in validate.ts): province + office letter + five alphanumerics (the last
//! may be 挂学警港澳), or eight characters for new energy (湘JD12345 small, 湘J12345D large).

import { normalizePlate, plateIssue, plateLetter, PROVINCES, SUFFIXES, type Issue } from './validate';

/** The province and issuing-office letter an empty plate starts with. */
export type PlatePreset = { province: string; office: string };

/** Changde (常德): 湘J. The one place the city's plate prefix is written; it is to come from the
 * city reference data once that carries it. */
export const PLATE_PRESET: PlatePreset = { province: '湘', office: 'J' };

/** A regular plate's length; new-energy plates have one more (the eighth, optional cell). */
export const ORDINARY_LEN = 7;
export const NEW_ENERGY_LEN = 8;

export const PLATE_LETTERS: readonly string[] = [...'ABCDEFGHJKLMNPQRSTUVWXYZ'];
export const PLATE_DIGITS: readonly string[] = [...'0123456789'];
export const PLATE_SUFFIXES: readonly string[] = [...SUFFIXES];

/** The 31 province abbreviations for the province page, the preset's first. */
export function provinceKeys(preset: PlatePreset = PLATE_PRESET): string[] {
  const all = [...PROVINCES];
  return all.includes(preset.province) ? [preset.province, ...all.filter((p) => p !== preset.province)] : all;
}

export type PlateState = {
  /** One character per cell, contiguous from the first. */
  chars: string[];
  /** The cell the next key goes into (overwriting what is there); `chars.length` at most, and
   * `NEW_ENERGY_LEN` when the plate is full (no cell active). */
  cursor: number;
};

export type KeypadPage = 'province' | 'letters';

const isProvince = (c: string) => PROVINCES.includes(c) && c.length > 0;
const isDigit = (c: string) => /^[0-9]$/.test(c);
const isAlnum = (c: string) => plateLetter(c) || isDigit(c);
const isSuffix = (c: string) => c.length === 1 && SUFFIXES.includes(c);
const isNewEnergyMark = (c: string) => c === 'D' || c === 'F';

type Rule = (c: string) => boolean;
/** Each format patrol-model accepts, position by position. */
const FORMATS: Rule[][] = [
  [isProvince, plateLetter, isAlnum, isAlnum, isAlnum, isAlnum, isAlnum],
  [isProvince, plateLetter, isAlnum, isAlnum, isAlnum, isAlnum, isSuffix],
  [isProvince, plateLetter, isNewEnergyMark, isAlnum, isDigit, isDigit, isDigit, isDigit],
  [isProvince, plateLetter, isDigit, isDigit, isDigit, isDigit, isDigit, isNewEnergyMark],
];

/** Whether `ch` can stand at `pos` in some valid plate (keys that cannot are disabled). */
export function keyAllowed(pos: number, ch: string): boolean {
  return FORMATS.some((f) => pos < f.length && f[pos](ch));
}

/** Whether the characters so far begin some valid plate (an officer mid-way through a plate). */
export function viablePrefix(chars: readonly string[]): boolean {
  return FORMATS.some((f) => chars.length <= f.length && chars.every((c, i) => f[i](c)));
}

/** The page the keypad shows for a cursor: provinces on the first cell, letters and digits after. */
export function pageFor(cursor: number): KeypadPage {
  return cursor === 0 ? 'province' : 'letters';
}

/** How many cells to draw: seven plus the optional eighth (more only for a longer stored value). */
export function cellCount(s: PlateState): number {
  return Math.max(NEW_ENERGY_LEN, s.chars.length);
}

/** The cells of a value: an empty value starts as the preset (湘J) with the cursor on the third
 * cell; any other value is normalized as the core does, the cursor after its last character. */
export function fromValue(value: string, preset: PlatePreset = PLATE_PRESET): PlateState {
  const chars = [...normalizePlate(value ?? '')];
  if (chars.length === 0) return { chars: [preset.province, preset.office], cursor: 2 };
  return { chars, cursor: Math.min(chars.length, NEW_ENERGY_LEN) };
}

/** The value handed to the form: the characters joined, or '' (no plate) when nothing but (a
 * part of) the preset is there. */
export function toValue(s: PlateState, preset: PlatePreset = PLATE_PRESET): string {
  const presetChars = [preset.province, preset.office];
  if (s.chars.length <= 2 && s.chars.every((c, i) => c === presetChars[i])) return '';
  return s.chars.join('');
}

/** A key: overwrites the cell under the cursor (or fills the next empty one), then moves on.
 * A key that cannot be right at the cursor does nothing. */
export function press(s: PlateState, ch: string): PlateState {
  const c = ch.toUpperCase();
  if (s.cursor >= NEW_ENERGY_LEN || !keyAllowed(s.cursor, c)) return s;
  const chars = [...s.chars];
  chars[s.cursor] = c;
  return { chars, cursor: s.cursor + 1 };
}

/** Backspace: on a filled cell it removes that character (the rest close up); after the last
 * character it removes the last one. The cursor stays on or steps back to the emptied cell. */
export function backspace(s: PlateState): PlateState {
  if (s.cursor < s.chars.length) {
    return { chars: s.chars.filter((_, i) => i !== s.cursor), cursor: s.cursor };
  }
  if (s.chars.length === 0) return s;
  return { chars: s.chars.slice(0, -1), cursor: s.chars.length - 1 };
}

/** Clear: back to the preset, ready for the number. */
export function clear(preset: PlatePreset = PLATE_PRESET): PlateState {
  return fromValue('', preset);
}

/** Put the cursor on a cell (an empty cell past the end means the first empty one). */
export function moveTo(s: PlateState, cell: number): PlateState {
  return { ...s, cursor: Math.max(0, Math.min(cell, s.chars.length, NEW_ENERGY_LEN)) };
}

/** Paste or typed text: a whole plate (starting with a province) replaces the cells; anything
 * else goes in from the cursor, character by character, as typed (so 12345 after 湘J). Text the
 * keys would refuse is kept when it is a whole plate, so the field can say what is wrong. */
export function paste(s: PlateState, text: string): PlateState {
  const chars = [...normalizePlate(text)];
  if (chars.length === 0) return s;
  if (isProvince(chars[0])) return { chars, cursor: Math.min(chars.length, NEW_ENERGY_LEN) };
  return chars.reduce(press, s);
}

/**
 * The issue to show under the field, or null: the core's rule (`plateIssue`), said once the
 * officer has finished (`editing` false: done, or left the field), once seven characters are in,
 * or as soon as no plate can begin like this — never while a correct prefix is being typed.
 * A plate that is only the preset is no plate, and no plate is fine where plates are optional.
 */
export function plateFeedback(s: PlateState, editing: boolean, field = 'plate', preset: PlatePreset = PLATE_PRESET): Issue | null {
  const value = toValue(s, preset);
  if (value === '') return null;
  const issue = plateIssue(value, field);
  if (!issue) return null;
  return !editing || s.chars.length >= ORDINARY_LEN || !viablePrefix(s.chars) ? issue : null;
}
