//! Every visible string goes through here. zh-CN is the default; English is switchable and the
//! choice (the language only) is kept in localStorage. The page's own strings live in
//! `zh-CN.ts` / `en.ts`; the domain terms the officer's app already names (patrol modes,
//! volunteer categories, violation types, report kinds and outcomes, dispatch kinds, states,
//! steps and outcomes) come from `ui/`'s `i18n/terms.*.ts`, so both screens say the same word
//! for the same slug.
//!
//! A key with no text renders as `⟦key⟧`, which the page test looks for.

import type { Invalid } from '../api/types';
import termsEn from '../../../ui/src/i18n/terms.en';
import termsZh from '../../../ui/src/i18n/terms.zh-CN';
import en from './en';
import zh from './zh-CN';

export type Lang = 'zh-CN' | 'en';
export type Key = keyof typeof zh;
export type Params = Record<string, string | number>;

export const LANGUAGES: Lang[] = ['zh-CN', 'en'];
const OWN: Record<Lang, Record<Key, string>> = { 'zh-CN': zh, en };
/** The domain's words, shared with ui/ (its `i18n/terms.*.ts`). */
const SHARED: Record<Lang, Record<string, string>> = {
  'zh-CN': termsZh,
  en: termsEn,
};
const STORAGE_KEY = 'hq-web.lang';

let lang: Lang = initial();
const listeners = new Set<(l: Lang) => void>();

function initial(): Lang {
  try {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved === 'en' || saved === 'zh-CN') return saved;
  } catch {
    // storage may be disabled; the default stands
  }
  return 'zh-CN';
}

export function language(): Lang {
  return lang;
}

export function setLanguage(l: Lang): void {
  if (!LANGUAGES.includes(l) || l === lang) return;
  lang = l;
  try {
    globalThis.localStorage?.setItem(STORAGE_KEY, l);
  } catch {
    // not persisted; still switched
  }
  if (typeof document !== 'undefined') document.documentElement.lang = l;
  for (const f of listeners) f(l);
}

export function onLanguage(f: (l: Lang) => void): () => void {
  listeners.add(f);
  return () => listeners.delete(f);
}

export function fill(s: string, params?: Params): string {
  return params ? s.replace(/\{(\w+)\}/g, (m, k: string) => (k in params ? String(params[k]) : m)) : s;
}

export function t(key: Key, params?: Params): string {
  const s = OWN[lang][key];
  return s === undefined ? `⟦${key}⟧` : fill(s, params);
}

/** A key built at run time (`violation.type.${slug}`): the page's own, then ui/'s shared terms;
 * else `fallback` (e.g. the raw slug) or the marked key. */
export function tk(key: string, params?: Params, fallback?: string): string {
  const own = (OWN[lang] as Record<string, string>)[key];
  if (own !== undefined) return fill(own, params);
  const shared = SHARED[lang][key];
  if (shared !== undefined) return fill(shared, params);
  return fallback ?? `⟦${key}⟧`;
}

export function hasKey(key: string): boolean {
  return key in OWN[lang] || key in SHARED[lang];
}

/** The label of a field HQ names in a refusal (`address`, `target.lat`, a device's `name`);
 * a field the page has no label for is shown as HQ wrote it. */
export function tField(path: string): string {
  if (path === 'name') return t('devices.name');
  return tk(`dispatch.field.${path}`, undefined, path);
}

/** A value HQ refused by a rule, in the operator's language (“地址”不能超过 200 个字): the rule
 * is HQ's `invalid.code`, translated as `validation.<code>` with its params, never guessed from
 * HQ's English. A rule the page does not know yet gives `fallback` (HQ's own words). */
export function tInvalid(inv: Invalid, fallback: string): string {
  const key = `validation.${inv.code}`;
  if (!hasKey(key)) return fallback;
  return t('error.invalid', { field: tField(inv.field), reason: tk(key, inv.params) });
}

/** Intl locale of the current language. */
export function locale(): string {
  return lang === 'zh-CN' ? 'zh-CN' : 'en-GB';
}

/** The dictionaries, for the key-parity test. */
export const DICTIONARIES = OWN;
export const SHARED_TERMS = SHARED;
