//! Every visible string goes through here. zh-CN is the default; English is switchable and
//! the choice is persisted by Rust (`set_settings`). Errors are translated from their `kind`
//! and `field` so a form says which field is wrong and why, in the officer's language.

import type { ApiError } from '../api/errors';
import type { Language } from '../api/types';
import type { Issue } from '../lib/validate';
import en from './en';
import zh from './zh-CN';

export type Key = keyof typeof zh;
export type Params = Record<string, string | number>;

export const LANGUAGES: Language[] = ['zh-CN', 'en'];
export const DICTIONARIES: Record<Language, Record<Key, string>> = { 'zh-CN': zh, en };

let lang: Language = 'zh-CN';
const listeners = new Set<(l: Language) => void>();

export function language(): Language {
  return lang;
}

/** A language this UI has a dictionary for (Rust sends `Settings.language` as a plain string). */
export function isLanguage(l: string): l is Language {
  return (LANGUAGES as string[]).includes(l);
}

export function setLanguage(l: string): void {
  if (!isLanguage(l) || l === lang) return;
  lang = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
  for (const f of listeners) f(l);
}

export function onLanguage(f: (l: Language) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

function fill(s: string, params?: Params): string {
  return params ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m)) : s;
}

export function t(key: Key, params?: Params): string {
  return fill(DICTIONARIES[lang][key] ?? zh[key] ?? key, params);
}

export function has(key: string): key is Key {
  return key in zh;
}

/** A key built at run time (`violation.type.${slug}`); falls back to `fallback` or the key. */
export function tk(key: string, params?: Params, fallback?: string): string {
  return has(key) ? t(key, params) : (fallback ?? key);
}

/** `vehicles[1].plate` → "车辆 2 · 车牌号"; `volunteers.red-vest` → "群防力量 · 红袖章/红马甲". */
export function tField(path: string): string {
  const parts: string[] = [];
  const segs = path.replace(/^correction\./, '').split('.');
  segs.forEach((seg, i) => {
    const m = /^([^[\]]+)((?:\[\d+\])*)$/.exec(seg);
    const name = m ? m[1] : seg;
    const idx = m && m[2] ? [...m[2].matchAll(/\[(\d+)\]/g)].map((x) => Number(x[1]) + 1) : [];
    const prev = segs[i - 1];
    let label = tk(`field.${name}`, undefined, '');
    if (!label && prev === 'volunteers') label = tk(`volunteer.category.${name}`, undefined, name);
    if (!label) label = name;
    parts.push(idx.length ? t('field.indexed', { label, n: idx.join('.') }) : label);
  });
  return parts.join(' · ');
}

/** Does every part of a field path have a label (else `tField` shows the raw name)? */
export function knownField(path: string): boolean {
  const segs = path.replace(/^correction\./, '').split('.');
  return segs.every((seg, i) => {
    const name = /^([^[\]]+)/.exec(seg)?.[1] ?? seg;
    return has(`field.${name}`) || (segs[i - 1] === 'volunteers' && has(`volunteer.category.${name}`));
  });
}

/** The reason part of a validation problem, in the user's language. */
export function tIssue(issue: Pick<Issue<string>, 'code' | 'params' | 'message'>): string {
  return tk(`validation.${issue.code}`, issue.params, issue.message);
}

/**
 * One line for an error: what kind, and for `invalid` which field and why. The why is the
 * rule Rust names (`code`, translated as `validation.<code>` with its `params`); an error
 * without a known code shows Rust's own reason.
 */
export function tError(err: ApiError): { title: string; reason: string | null; detail: string } {
  const title = tk(`error.kind.${err.kind}`, undefined, t('error.kind.unknown'));
  if (err.kind !== 'invalid') return { title, reason: null, detail: err.message };
  // Rust's message reads `field: reason`; the field may have been re-rooted (`correction.` dropped).
  const raw = err.field
    ? err.message.replace(new RegExp(`^(?:[\\w.\\[\\]-]*\\.)?${escapeRe(err.field)}:\\s*`), '')
    : err.message;
  const reason = err.code ? tk(`validation.${err.code}`, err.params, raw) : raw;
  return { title: err.field ? tField(err.field) : title, reason, detail: err.message };
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ---- formatting ----

const locale = () => (lang === 'zh-CN' ? 'zh-CN' : 'en-GB');

export function fmtDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  return t('format.duration', { h: Math.floor(s / 3600), mm: pad(Math.floor(s / 60) % 60), ss: pad(s % 60) });
}

export function fmtDistance(m: number): string {
  return m < 1000 ? t('format.m', { m: Math.round(m) }) : t('format.km', { km: (m / 1000).toFixed(2) });
}

export function fmtTime(ms: number, tz?: string): string {
  return new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: tz }).format(ms);
}

export function fmtDateTime(ms: number, tz?: string): string {
  return new Intl.DateTimeFormat(locale(), {
    month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: tz,
  }).format(ms);
}

export function fmtSeq(seq: number): string {
  return t('format.seq', { seq });
}

/** A span of time for people: "40 秒", "2 分 05 秒" / "2 min 05 s", "1 小时 12 分" past an hour. */
export function fmtSpan(ms: number): string {
  const s = Math.floor(Math.abs(ms) / 1000);
  if (s < 60) return t('format.sec', { s });
  if (s < 3600) return t('format.min_sec', { m: Math.floor(s / 60), ss: String(s % 60).padStart(2, '0') });
  return t('format.hour_min', { h: Math.floor(s / 3600), m: Math.floor(s / 60) % 60 });
}

/** A size for people: "512 B", "340 KB", "1.4 MB", "120 MB" (binary units, as phones show them). */
export function fmtBytes(bytes: number): string {
  const n = Math.max(0, Math.round(bytes));
  if (n < 1024) return t('format.bytes', { n });
  const kb = n / 1024;
  if (kb < 1000) return t('format.kb', { n: kb < 10 ? trim1(kb) : String(Math.round(kb)) });
  const mb = n / (1024 * 1024);
  return t('format.mb', { n: mb < 100 ? trim1(Math.max(mb, 0.1)) : String(Math.round(mb)) });
}

/** Megabytes as a plain number, for text that says "MB" itself: "0", "0.4", "7.5", "186". */
export function fmtMB(bytes: number): string {
  const mb = Math.max(0, bytes) / (1024 * 1024);
  if (mb === 0) return '0';
  return mb < 10 ? trim1(Math.max(mb, 0.1)) : String(Math.round(mb));
}

/** One decimal, without a trailing ".0" (1.0 → "1", 1.44 → "1.4"). */
function trim1(x: number): string {
  return (Math.round(x * 10) / 10).toFixed(1).replace(/\.0$/, '');
}

/**
 * How far `ms` is from `now`, for people: "刚刚", "2 分钟前", "3 小时前" in the past; "马上",
 * "约 30 秒后", "约 5 分钟后" ahead (future seconds rounded to 5, since the app's own timers are
 * not to the second).
 */
export function fmtRelative(ms: number, now: number): string {
  const d = ms - now;
  const s = Math.abs(d) / 1000;
  if (d <= 0 || s < 1) {
    if (s < 10) return t('time.just_now');
    if (s < 60) return t('time.sec_ago', { n: Math.floor(s) });
    if (s < 3600) return t('time.min_ago', { n: Math.floor(s / 60) });
    if (s < 86_400) return t('time.hour_ago', { n: Math.floor(s / 3600) });
    return t('time.day_ago', { n: Math.floor(s / 86_400) });
  }
  if (s < 5) return t('time.any_moment');
  if (s < 57.5) return t('time.sec_in', { n: Math.round(s / 5) * 5 });
  if (s < 3600) return t('time.min_in', { n: Math.max(1, Math.round(s / 60)) });
  return t('time.hour_in', { n: Math.round(s / 3600) });
}
