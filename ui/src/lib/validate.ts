//! Client-side mirrors of the obvious rules of patrol-model (required text, lengths, plates,
//! counts). They give instant hints; Rust's answer stays authoritative. The fake backend uses
//! the same functions so it rejects what Rust would reject, with the same `field` paths, rule
//! `code`s and `params` (tests/contract/validation-cases.json is run against both).

import type { ValidationCode } from '../api/types';

/** Rules only the UI checks, as hints; Rust never names them. */
export type HintCode = 'officer_required';

export type Issue<C extends string = ValidationCode> = {
  /** Dotted path as Rust names it, e.g. `vehicles[1].plate`. */
  field: string;
  /** The rule broken, as patrol-model's `ValidationCode` names it; translated as `validation.<code>`. */
  code: C;
  /** What the translation fills in (`max`, `min`, `value`, `n`…); Rust sends them as text. */
  params?: Record<string, string | number>;
  /** English text in the style of Rust's messages (what the fake rejects with). */
  message: string;
};

/** Province abbreviations of mainland China (31), in patrol-model's order. */
export const PROVINCES = '京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼';
/** Special-use characters a regular plate may end with (trailer, learner, police, HK, Macao). */
export const SUFFIXES = '挂学警港澳';

/** Letters used on plates: A–Z without I and O. */
export const plateLetter = (c: string) => /^[A-HJ-NP-Z]$/.test(c);
const alnum = (c: string) => plateLetter(c) || /^[0-9]$/.test(c);
const digit = (c: string) => /^[0-9]$/.test(c);

/** Spacing, separators and case removed, as Rust normalizes before checking. */
export function normalizePlate(raw: string): string {
  return raw.replace(/[\s·•\-.・]/g, '').toUpperCase();
}

/** Check a Chinese plate the way `patrol_model::Plate` does. Returns null when valid. */
export function plateIssue(raw: string, field = 'plate'): Issue | null {
  const chars = [...normalizePlate(raw)];
  const issue = (code: ValidationCode, message: string): Issue => ({ field, code, message, params: { value: raw } });
  if (chars.length === 0) return issue('required', 'is empty');
  if (!PROVINCES.includes(chars[0])) {
    return issue('plate_province', `\`${raw}\` must start with a province abbreviation such as 湘 or 京`);
  }
  if (chars.length < 2 || !plateLetter(chars[1])) {
    return issue(
      'plate_office',
      `\`${raw}\`: the second character must be the issuing-office letter A–Z (not I or O)`,
    );
  }
  const rest = chars.slice(2);
  let ok: boolean;
  if (rest.length === 5) {
    ok = rest.slice(0, 4).every(alnum) && (alnum(rest[4]) || SUFFIXES.includes(rest[4]));
  } else if (rest.length === 6) {
    const small = 'DF'.includes(rest[0]) && alnum(rest[1]) && rest.slice(2).every(digit);
    const large = rest.slice(0, 5).every(digit) && 'DF'.includes(rest[5]);
    ok = small || large;
  } else {
    return {
      ...issue(
        'plate_length',
        `\`${raw}\` has ${chars.length} characters; a plate has 7 (湘J12345) or 8 for new energy (湘JD12345)`,
      ),
      params: { value: raw, n: chars.length },
    };
  }
  return ok
    ? null
    : issue('plate_format', `\`${raw}\` is not a valid plate number (e.g. 湘J12345, or 湘JD12345 for new energy)`);
}

/** Required / maximum length of a text field (characters, not bytes). */
export function textIssue(field: string, value: string | null | undefined, required: boolean, max: number): Issue | null {
  const v = value ?? '';
  if (required && v.trim() === '') return { field, code: 'required', message: 'is required' };
  if ([...v].length > max) {
    return { field, code: 'too_long', params: { max }, message: `is longer than ${max} characters` };
  }
  return null;
}

export function rangeIssue(field: string, n: number | null | undefined, min: number, max: number): Issue | null {
  if (n === undefined || n === null) return null;
  if (!Number.isInteger(n) || n < min || n > max) {
    return { field, code: 'range', params: { min, max }, message: `must be between ${min} and ${max}` };
  }
  return null;
}

export function countIssue(field: string, n: number, max: number): Issue | null {
  return n > max ? { field, code: 'too_many', params: { max }, message: `at most ${max}, got ${n}` } : null;
}

/** The HQ address as typed at enrolment: http(s) with a host. */
export function hqUrlIssue(raw: string): Issue | null {
  const v = raw.trim();
  if (v === '') return { field: 'hq_url', code: 'required', message: 'is required' };
  try {
    const u = new URL(v);
    if ((u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '') return null;
  } catch {
    // fall through
  }
  return { field: 'hq_url', code: 'url', message: `\`${v}\` is not an http(s) address` };
}

/** Every issue of a list of checks, in order, one per field (the first found for it): what a
 * form lists, the first of them being the one Rust answers with. */
export function every(...issues: (Issue | null)[]): Issue[] {
  const out: Issue[] = [];
  for (const i of issues) if (i && !out.some((o) => o.field === i.field)) out.push(i);
  return out;
}

/** A field the body must have: Rust refuses its absence as it reads the body (`missing field`). */
export function presentIssue(field: string, value: unknown): Issue | null {
  return value === undefined || value === null ? { field, code: 'required', message: `missing field \`${field}\`` } : null;
}

/** The first issue of a list of checks, or null. */
export function first(...issues: (Issue | null)[]): Issue | null {
  return issues.find((i) => i !== null) ?? null;
}
