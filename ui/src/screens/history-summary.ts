//! One line saying what an entry is about, from its record body (as corrected), for history.

import type { Dispatch, HistoryItem, Reference } from '../api/types';
import { t, tk } from '../i18n';
import { standingRecord } from '../lib/record';

type Body = Record<string, any>;

const clip = (s: unknown, n = 60) => {
  const v = typeof s === 'string' ? s : '';
  return v.length > n ? v.slice(0, n) + '…' : v;
};

/** `dispatches` (optional) names the call a dispatch step was about: its kind and address. */
export function summarize(kind: string, b: Body | null | undefined, ref: Reference | null, dispatches?: readonly Dispatch[]): string {
  if (!b) return '';
  switch (kind) {
    case 'violation':
      return [
        tk(`violation.type.${b.type}`),
        b.plate,
        b.vehicle ? tk(`vehicle.kind.${b.vehicle}`) : null,
        b.seized_items ? t('history.seized', { n: b.seized_items }) : null,
      ]
        .filter(Boolean)
        .join(' · ');
    case 'lost_person':
      return [clip(b.description), b.outcome ? tk(`lost.outcome.${b.outcome}`) : null].filter(Boolean).join(' · ');
    case 'traffic_accident':
      return [
        ((b.vehicles ?? []) as Body[]).map((v) => v.plate || tk(`vehicle.kind.${v.kind}`)).join(' / '),
        ((b.outcomes ?? []) as string[]).map((o) => tk(`accident.outcome.${o}`)).join(t('format.list_sep')),
      ]
        .filter(Boolean)
        .join(' · ');
    case 'assistance':
      return [tk(`assist.kind.${b.kind}`), clip(b.description), b.people ? t('history.people', { n: b.people }) : null].filter(Boolean).join(' · ');
    case 'incident':
      return [tk(`incident.kind.${b.kind}`), clip(b.description), tk(`incident.outcome.${b.outcome}`)].filter(Boolean).join(' · ');
    case 'post_arrived':
    case 'post_left':
      return ref?.posts.find((p) => p.id === b.post_id)?.name ?? String(b.post_id ?? '');
    case 'patrol_started': {
      const vol = Object.values((b.volunteers ?? {}) as Record<string, number>).reduce((a, n) => a + n, 0);
      return [
        ref?.groups.find((g) => g.id === b.group)?.name ?? b.group,
        tk(`patrol.mode.${b.mode}`),
        t('history.officers', { n: (b.officers ?? []).length }),
        vol ? t('history.volunteers', { n: vol }) : null,
        b.vehicle_plate,
      ]
        .filter(Boolean)
        .join(' · ');
    }
    case 'dispatch_step': {
      const d = dispatches?.find((x) => x.order.id === b.dispatch_id);
      return [
        tk(`dispatch.step.${b.step}`),
        b.outcome ? tk(`dispatch.outcome.${b.outcome}`) : null,
        b.reason ? t('history.reason', { reason: clip(b.reason, 80) }) : null,
        b.suggested ? t('dispatch.suggested') : null,
        d ? tk(`dispatch.kind.${d.order.kind}`) : null,
        d?.order.address ? clip(d.order.address, 40) : null,
      ]
        .filter(Boolean)
        .join(' · ');
    }
    case 'track_segment':
      return b.fixes ? t('history.fixes', { n: b.fixes }) : '';
    case 'track_gap':
      return t('history.gap', {
        cause: tk(`gap.cause.${b.cause}`),
        min: Math.max(1, Math.round((Number(b.to_ms) - Number(b.from_ms)) / 60_000)),
      });
    case 'supplement':
      return t('history.reason', { reason: clip(b.reason, 80) });
    default:
      return '';
  }
}

/** The body as it stands: the newest correction's, else the original. */
export function standingOf(item: HistoryItem, all: HistoryItem[]): Body {
  return standingRecord(item, all);
}
