//! Times and days in the city's IANA zone (from /api/v1/city `timezone`), never the browser's:
//! the command centre's day is the city's day. Intl only; `localDate` is shared with ui/.

import { localDate, tzOffsetMs } from '../../../ui/src/lib/time';
import { locale, t } from '../i18n';

export { localDate, tzOffsetMs };

/** The city's local date (YYYY-MM-DD) now. */
export function cityToday(tz: string, now = Date.now()): string {
  return localDate(now, tz);
}

/** `date` shifted by `days` (calendar arithmetic on the date alone). */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** HH:MM of instant `ms` in zone `tz`. */
export function fmtClock(ms: number, tz: string, loc = locale()): string {
  return new Intl.DateTimeFormat(loc, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: tz }).format(ms);
}

/** HH:MM:SS of instant `ms` in zone `tz`. */
export function fmtClockSeconds(ms: number, tz: string, loc = locale()): string {
  return new Intl.DateTimeFormat(loc, {
    hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZone: tz,
  }).format(ms);
}

/** Month, day, HH:MM of instant `ms` in zone `tz`. */
export function fmtDateTime(ms: number, tz: string, loc = locale()): string {
  return new Intl.DateTimeFormat(loc, {
    month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: tz,
  }).format(ms);
}

/** A short label for a local date (MM-DD), for chart axes. */
export function shortDate(date: string): string {
  return date.slice(5);
}

/** "h:mm:ss" style duration of `s` seconds. */
export function fmtHms(s: number): string {
  const v = Math.max(0, Math.round(s));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${Math.floor(v / 3600)}:${pad(Math.floor(v / 60) % 60)}:${pad(v % 60)}`;
}

/** "3 min ago" for an age in ms (seconds under a minute, hours above an hour). */
export function fmtAge(ageMs: number): string {
  const s = Math.max(0, Math.floor(ageMs / 1000));
  if (s < 60) return t('age.seconds', { n: s });
  const m = Math.floor(s / 60);
  if (m < 60) return t('age.minutes', { n: m });
  return t('age.hours', { h: Math.floor(m / 60), m: m % 60 });
}

/** Minutes as a whole number for tables (minutes held). */
export function fmtMinutes(min: number): string {
  return t('unit.minutes', { n: Math.round(min) });
}
