//! One line saying what an entry is about, from its record (as corrected), for history. Each
//! kind's record is the generated type its `kind` names.

import type { Dispatch, Reference } from '../api/types';
import { t, tk } from '../i18n';
import type { HistoryRecord } from '../lib/record';

const clip = (s: string | null | undefined, n = 60) => {
  const v = s ?? '';
  return v.length > n ? v.slice(0, n) + '…' : v;
};

const line = (parts: (string | null | undefined | false | 0)[]) => parts.filter(Boolean).join(' · ');

/** `r`: an entry's kind and record as it stands (a `HistoryItem` from `standing()` is one).
 * `dispatches` (optional) names the call a dispatch step was about: its kind and address. */
export function summarize(r: HistoryRecord, ref: Reference | null, dispatches?: readonly Dispatch[]): string {
  switch (r.kind) {
    case 'violation': {
      const b = r.record;
      return line([
        tk(`violation.type.${b.type}`),
        b.plate,
        b.vehicle ? tk(`vehicle.kind.${b.vehicle}`) : null,
        b.seized_items ? t('history.seized', { n: b.seized_items }) : null,
      ]);
    }
    case 'lost_person': {
      const b = r.record;
      return line([clip(b.description), b.outcome ? tk(`lost.outcome.${b.outcome}`) : null]);
    }
    case 'traffic_accident': {
      const b = r.record;
      return line([
        (b.vehicles ?? []).map((v) => v.plate || tk(`vehicle.kind.${v.kind}`)).join(' / '),
        (b.outcomes ?? []).map((o) => tk(`accident.outcome.${o}`)).join(t('format.list_sep')),
      ]);
    }
    case 'assistance': {
      const b = r.record;
      return line([tk(`assist.kind.${b.kind}`), clip(b.description), b.people ? t('history.people', { n: b.people }) : null]);
    }
    case 'incident': {
      const b = r.record;
      return line([tk(`incident.kind.${b.kind}`), clip(b.description), tk(`incident.outcome.${b.outcome}`)]);
    }
    case 'post_arrived':
    case 'post_left': {
      const id = r.record.post_id;
      return ref?.posts.find((p) => p.id === id)?.name ?? id;
    }
    case 'patrol_started': {
      const b = r.record;
      const vol = Object.values(b.volunteers ?? {}).reduce<number>((a, n) => a + (n ?? 0), 0);
      return line([
        ref?.groups.find((g) => g.id === b.group)?.name ?? b.group,
        tk(`patrol.mode.${b.mode}`),
        t('history.officers', { n: (b.officers ?? []).length }),
        vol ? t('history.volunteers', { n: vol }) : null,
        b.vehicle_plate,
      ]);
    }
    case 'dispatch_step': {
      const b = r.record;
      const d = dispatches?.find((x) => x.order.id === b.dispatch_id);
      return line([
        tk(`dispatch.step.${b.step}`),
        b.outcome ? tk(`dispatch.outcome.${b.outcome}`) : null,
        b.reason ? t('history.reason', { reason: clip(b.reason, 80) }) : null,
        b.suggested ? t('dispatch.suggested') : null,
        d ? tk(`dispatch.kind.${d.order.kind}`) : null,
        d?.order.address ? clip(d.order.address, 40) : null,
      ]);
    }
    case 'track_segment':
      return r.record.fixes ? t('history.fixes', { n: r.record.fixes }) : '';
    case 'track_gap':
      return t('history.gap', {
        cause: tk(`gap.cause.${r.record.cause}`),
        min: Math.max(1, Math.round((r.record.to_ms - r.record.from_ms) / 60_000)),
      });
    case 'supplement':
      return t('history.reason', { reason: clip(r.record.reason, 80) });
    case 'patrol_stopped':
      return '';
  }
}
