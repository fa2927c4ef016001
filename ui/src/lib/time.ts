//! Local days and times of day in the city's IANA time zone (Asia/Shanghai for the demo), for
//! the fake's tallies and duty windows and for labels. Uses Intl only; no date library.

/** Offset of `tz` from UTC at instant `ms`, in milliseconds. */
export function tzOffsetMs(ms: number, tz: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: tz,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** The local calendar date (YYYY-MM-DD) of instant `ms` in `tz`. */
export function localDate(ms: number, tz: string): string {
  return new Date(ms + tzOffsetMs(ms, tz)).toISOString().slice(0, 10);
}

/** The instant of local time `hhmm` on local `date` in `tz`. */
export function localTimeMs(date: string, hhmm: string, tz: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  const guess = Date.parse(`${date}T00:00:00Z`) + (h * 60 + m) * 60_000;
  return guess - tzOffsetMs(guess, tz);
}

/** RFC 3339 with the device's own offset, e.g. `2026-11-29T08:40:00+08:00`, from a
 * `datetime-local` input value (which is in device local time). */
export function localInputToRfc3339(value: string): string | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value)) return undefined;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return undefined;
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const abs = Math.abs(off);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  return `${value.slice(0, 16)}:00${sign}${hh}:${mm}`;
}

/** The `datetime-local` input value for an RFC 3339 time, in device local time. */
export function rfc3339ToLocalInput(s: string | undefined): string {
  if (!s) return '';
  const d = new Date(s);
  if (Number.isNaN(d.getTime())) return '';
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
}

export function nowLocalInput(now = Date.now()): string {
  return rfc3339ToLocalInput(new Date(now).toISOString());
}
