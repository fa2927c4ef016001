//! Dispatch (派警) on the page: the slugs HQ uses, the tier colours, how the board is ordered,
//! the clocks and figures as text, the overdue flag in words, HQ's refusals in the operator's
//! language, and a report's kind and place as a dispatch's. Pure: HQ decides every state, time
//! and rank; the page only orders and words them.

import type { HqError } from '../api/client';
import type { DispatchTierStats, DispatchUnit, DispatchView, LatLon, NewDispatch, Report } from '../api/types';
import { hasKey, t, tField, tInvalid, tk, type Key } from '../i18n';

/** The "1-3-5 minute" circle: minutes from call to on scene. */
export const TIERS = [1, 3, 5] as const;
export type Tier = (typeof TIERS)[number];

/** patrol-model's `DispatchKind` slugs, in the order the form offers them. */
export const DISPATCH_KINDS = [
  'theft', 'robbery', 'fight', 'dispute', 'traffic-accident', 'lost-person', 'assistance', 'suspicious', 'other',
] as const;
export type DispatchKind = (typeof DISPATCH_KINDS)[number];

/** patrol-model's `DispatchState` slugs (a dispatch's and each unit's). */
export const DISPATCH_STATES = [
  'created', 'sent', 'delivered', 'accepted', 'en-route', 'on-scene', 'cleared', 'declined', 'reassigned',
] as const;
/** patrol-model's `DispatchOutcome` and `DispatchStepKind` slugs (officers' steps). */
export const DISPATCH_OUTCOMES = ['arrest-made', 'resolved', 'report-taken', 'handed-over', 'no-trace', 'false-alarm'] as const;
export const DISPATCH_STEPS = ['accepted', 'en-route', 'on-scene', 'cleared', 'declined'] as const;

/** Strong colours per tier (fill, and the text on it): 1 min red, 3 min orange, 5 min amber. */
export const TIER_COLOUR: Record<Tier, { bg: string; fg: string }> = {
  1: { bg: '#e53935', fg: '#ffffff' },
  3: { bg: '#f57c00', fg: '#ffffff' },
  5: { bg: '#fbc02d', fg: '#111111' },
};
const OTHER_TIER = { bg: '#607d8b', fg: '#ffffff' };

export function tierColour(tier: number): { bg: string; fg: string } {
  return TIER_COLOUR[tier as Tier] ?? OTHER_TIER;
}

/** How a state chip looks: waiting on HQ, on its way to the unit, the unit working, done, refused. */
export type Tone = 'idle' | 'pending' | 'working' | 'ok' | 'done' | 'bad';
export function stateTone(state: string): Tone {
  switch (state) {
    case 'sent':
    case 'delivered':
      return 'pending';
    case 'accepted':
    case 'en-route':
      return 'working';
    case 'on-scene':
      return 'ok';
    case 'cleared':
      return 'done';
    case 'declined':
      return 'bad';
    default:
      return 'idle';
  }
}

export const stateText = (state: string) => tk(`dispatch.state.${state}`, undefined, state);
export const kindText = (kind: string) => tk(`dispatch.kind.${kind}`, undefined, kind);
export const outcomeText = (outcome: string) => tk(`dispatch.outcome.${outcome}`, undefined, outcome);

/** Units still on the dispatch (not withdrawn by a reassignment or the close). */
export function activeUnits(d: DispatchView): DispatchUnit[] {
  return d.units.filter((u) => u.withdrawn_ms == null);
}

/** Still needs the control room: not closed by an operator and not cleared by a unit. */
export function isOpen(d: DispatchView): boolean {
  return d.closed_ms == null && d.state !== 'cleared';
}

/** The dispatch's target in ms (1, 3 or 5 minutes from the call). */
export const targetMs = (d: Pick<DispatchView, 'tier'>) => d.tier * 60_000;

/** Time since the call: to now while open, else to when it was closed or cleared. */
export function elapsedMs(d: DispatchView, nowMs: number): number {
  const end = isOpen(d) ? nowMs : (d.closed_ms ?? d.cleared_ms ?? nowMs);
  return Math.max(0, end - d.call_ms);
}

/** Was a unit on scene within the tier's minutes? `null` while it still can be. */
export function targetMet(d: DispatchView, nowMs: number): boolean | null {
  if (d.on_scene_ms != null) return d.on_scene_ms - d.call_ms <= targetMs(d);
  if (!isOpen(d)) return false;
  return nowMs - d.call_ms > targetMs(d) ? false : null;
}

/** The board's order: open and overdue first, then open by tier (1 before 3 before 5) and the
 * longest waiting first; finished ones after, the latest call first. */
export function sortBoard(ds: readonly DispatchView[]): DispatchView[] {
  const group = (d: DispatchView) => (isOpen(d) ? (d.overdue ? 0 : 1) : 2);
  return [...ds].sort((a, b) => {
    const g = group(a) - group(b);
    if (g) return g;
    if (group(a) < 2) return a.tier - b.tier || a.call_ms - b.call_ms || a.id.localeCompare(b.id);
    return b.call_ms - a.call_ms || a.id.localeCompare(b.id);
  });
}

/** A running clock: m:ss under an hour, h:mm:ss after. */
export function fmtClockDuration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const pad = (n: number) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor(s / 60) % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s % 60)}` : `${m}:${pad(s % 60)}`;
}

/** A duration in seconds for the figures: "8.5 s", "42 s", "1 min 05 s", "1 h 02 min"; "—" when
 * HQ has none. */
export function fmtSeconds(s: number | null | undefined): string {
  if (s == null || !Number.isFinite(s)) return '—';
  const v = Math.max(0, s);
  if (v < 10) return t('dur.seconds', { n: Number.isInteger(v) ? v : v.toFixed(1) });
  const whole = Math.round(v);
  if (whole < 60) return t('dur.seconds', { n: whole });
  if (whole < 3600) return t('dur.min_sec', { m: Math.floor(whole / 60), s: String(whole % 60).padStart(2, '0') });
  const min = Math.round(whole / 60);
  return t('dur.hour_min', { h: Math.floor(min / 60), m: String(min % 60).padStart(2, '0') });
}

/** A share 0–1 as a whole percentage; "—" when nothing could be judged. */
export function fmtShare(x: number | null | undefined): string {
  if (x == null || !Number.isFinite(x)) return '—';
  return `${Math.round(Math.min(1, Math.max(0, x)) * 100)}%`;
}

/** An estimated arrival in minutes, to a tenth. */
export function fmtEta(etaS: number): string {
  return t('dispatch.eta', { m: (Math.max(0, etaS) / 60).toFixed(1) });
}

/** Metres under a kilometre, kilometres to a tenth above. */
export function fmtDistance(m: number): string {
  const v = Math.max(0, m);
  return v < 1000 ? t('unit.m', { n: Math.round(v) }) : t('unit.km', { n: (v / 1000).toFixed(1) });
}

/** What keeps a unit overdue, in words (HQ decides that it is). */
export function unitOverdueText(u: DispatchUnit, ackTimeoutS: number): string | null {
  if (!u.overdue) return null;
  if (u.overdue === 'undelivered') return t('dispatch.overdue.undelivered', { s: ackTimeoutS });
  if (u.overdue === 'unaccepted') return t('dispatch.overdue.unaccepted', { s: 2 * ackTimeoutS });
  return t('dispatch.overdue.other');
}

/** The dispatch's overdue flag in words, or null when HQ does not flag it: how many units have
 * not had the order, how many have not accepted it, or that nobody was sent in time. */
export function overdueText(d: DispatchView, ackTimeoutS: number): string | null {
  if (!d.overdue) return null;
  const undelivered = d.units.filter((u) => u.overdue === 'undelivered').length;
  const unaccepted = d.units.filter((u) => u.overdue === 'unaccepted').length;
  const parts: string[] = [];
  if (undelivered) parts.push(t('dispatch.overdue.undelivered_n', { n: undelivered, s: ackTimeoutS }));
  if (unaccepted) parts.push(t('dispatch.overdue.unaccepted_n', { n: unaccepted, s: 2 * ackTimeoutS }));
  if (parts.length) return parts.join(t('list.sep'));
  if (activeUnits(d).length === 0) return t('dispatch.overdue.unsent', { s: ackTimeoutS });
  return t('dispatch.overdue.other');
}

/** The figures of one tier, or an empty row (HQ always sends 1, 3 and 5; an old HQ sends none). */
export function tierRow(figures: readonly DispatchTierStats[] | undefined, tier: Tier): DispatchTierStats {
  return (
    figures?.find((f) => f.tier === tier) ?? {
      tier, dispatches: 0, sent: 0, accepted: 0, on_scene: 0, judged: 0, within_target: 0,
      within_target_share: null, call_to_send_p90_s: null, send_to_accept_p90_s: null,
      send_to_on_scene_p90_s: null, call_to_on_scene_p90_s: null,
    }
  );
}

/** Where a report says it happened, as HQ reads it for a dispatch made from it (the record's
 * `at`, or where a lost person was found); null when it carries no position. */
export function reportPosition(r: Pick<Report, 'lat' | 'lon' | 'record'>): LatLon | null {
  if (typeof r.lat === 'number' && typeof r.lon === 'number') return { lat: r.lat, lon: r.lon };
  const body = (r.record as { body?: Record<string, unknown> } | null | undefined)?.body;
  for (const k of ['at', 'found_at']) {
    const p = body?.[k] as Partial<LatLon> | null | undefined;
    if (p && typeof p.lat === 'number' && typeof p.lon === 'number') return { lat: p.lat, lon: p.lon };
  }
  return null;
}

/** The dispatch kind a report suggests (the operator may change it). */
export function kindFromReport(kind: string, type: string | null | undefined): DispatchKind {
  switch (kind) {
    case 'traffic_accident':
      return 'traffic-accident';
    case 'lost_person':
      return 'lost-person';
    case 'assistance':
      return type === 'dispute-resolved' ? 'dispute' : 'assistance';
    case 'incident':
      return (DISPATCH_KINDS as readonly string[]).includes(type ?? '') ? (type as DispatchKind) : 'other';
    default:
      return 'other';
  }
}

/** Reports a dispatch can be made from: not post check-ins/-outs, not officers' own steps. */
export function canDispatchFrom(kind: string): boolean {
  return !['post_arrived', 'post_left', 'dispatch_step'].includes(kind);
}

/** What the form sends: empty text left out; the target only when the operator set one (with a
 * report and no target HQ takes the report's own position and time). */
export function newDispatchBody(f: {
  kind: DispatchKind;
  tier: Tier;
  address: string;
  note: string;
  target: LatLon | null;
  source: { device_id: string; seq: number } | null;
  units: string[];
}): NewDispatch {
  const body: NewDispatch = { kind: f.kind, tier: f.tier, units: f.units };
  if (f.target) body.target = { lat: f.target.lat, lon: f.target.lon };
  if (f.source) body.source = { device_id: f.source.device_id, seq: f.source.seq };
  if (f.address.trim()) body.address = f.address.trim();
  if (f.note.trim()) body.note = f.note.trim();
  return body;
}

/** A refusal from HQ in the operator's language. A value refused by a rule comes with HQ's
 * `invalid` {field, code, params} and is translated from that (a few fields have their own
 * sentence); the other dispatch errors HQ names by code and message are translated; anything
 * else gets a translated lead, with HQ's own words in `detail` (shown as they are, marked as
 * HQ's). */
export function dispatchError(e: HqError): { text: string; detail?: string } {
  const m = e.message ?? '';
  const key = (k: Key, params?: Record<string, string | number>) => ({ text: t(k, params) });
  const inv = e.invalid;
  if (inv) {
    if (inv.field === 'target' && inv.code === 'required') return key('dispatch.error.target_required');
    if (inv.field === 'radius_m') return key('dispatch.error.radius');
    if (inv.field.startsWith('target.')) return key('dispatch.error.bad_point');
    // HQ's one `format` rule on a label is the control / text-direction character.
    if (e.code === 'bad_name' && inv.code === 'format') return key('dispatch.error.bad_chars', { field: tField(inv.field) });
    if (hasKey(`validation.${inv.code}`)) return { text: tInvalid(inv, m) };
  }
  switch (e.code) {
    case 'invalid_dispatch': {
      if (/at least one unit/.test(m)) return key('dispatch.error.no_units');
      if (/is not with device/.test(m)) return key('dispatch.error.not_with_unit');
      if (/was closed/.test(m)) return key('dispatch.error.closed');
      if (/is revoked/.test(m)) return key('dispatch.error.revoked');
      break;
    }
    case 'bad_json':
      if (/\bkind\b/.test(m)) return key('dispatch.error.bad_kind');
      if (/\btier\b/.test(m)) return key('dispatch.error.bad_tier');
      return { text: t('dispatch.error.bad_request'), detail: m };
    case 'bad_dispatch_id':
      return key('dispatch.error.unknown_dispatch');
    case 'not_found':
      if (/^device /.test(m)) return key('dispatch.error.unknown_unit');
      if (/^dispatch /.test(m)) return key('dispatch.error.unknown_dispatch');
      if (/^report /.test(m)) return key('dispatch.error.unknown_report');
      break;
  }
  if (hasKey(`error.${e.code}`)) return { text: tk(`error.${e.code}`) };
  return { text: t('dispatch.error.refused'), detail: m || e.code };
}
