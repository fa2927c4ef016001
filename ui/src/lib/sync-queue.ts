//! What the sync queue means for the officer: whether it is stuck (the same first entry failed
//! `STUCK_AFTER` times with HQ answering, as patrol-sync's `queue_state` calls it, or the last
//! receipt said so while entries still wait), and the warnings Home shows above the fold, each
//! with the screen where it is dealt with.

import type { Home, Receipt, SyncQueueView } from '../api/types';

/** patrol-sync's `plan::STUCK_AFTER`: failed attempts on the same first entry before it is stuck. */
export const STUCK_AFTER = 3;

export type QueueFacts = Pick<SyncQueueView, 'entries_waiting' | 'front_attempts'>;

/** Entries wait and retrying does not move them. Nothing waiting is never stuck. */
export function queueStuck(q: QueueFacts | null, receipt?: Pick<Receipt, 'stuck' | 'pending'> | null): boolean {
  const waiting = q ? q.entries_waiting : (receipt?.pending ?? 0);
  if (waiting === 0) return false;
  return (q?.front_attempts ?? 0) >= STUCK_AFTER || !!receipt?.stuck;
}

export type HomeWarning = {
  /** Stable name (also the row's `data-warning`). */
  id: 'ledger' | 'quarantined' | 'stuck' | 'drafts' | 'no_city';
  key: 'home.ledger_problem' | 'home.quarantined' | 'home.stuck' | 'home.stuck_plain' | 'home.drafts' | 'home.no_city';
  params?: Record<string, string | number>;
  /** Where it is dealt with. */
  to: '/sync' | '/report';
  tone: 'danger' | 'warn' | 'info';
};

/** What needs the officer, most serious first. */
export function homeWarnings(
  home: Pick<Home, 'quarantined' | 'drafts' | 'city_loaded' | 'ledger_problem'>,
  q: (QueueFacts & Pick<SyncQueueView, 'front_seq'>) | null,
  stuck: boolean,
): HomeWarning[] {
  const out: HomeWarning[] = [];
  if (home.ledger_problem) out.push({ id: 'ledger', key: 'home.ledger_problem', to: '/sync', tone: 'danger' });
  if (home.quarantined > 0) out.push({ id: 'quarantined', key: 'home.quarantined', params: { n: home.quarantined }, to: '/sync', tone: 'warn' });
  if (stuck) {
    out.push(
      q && q.front_seq !== null && q.front_attempts > 0
        ? { id: 'stuck', key: 'home.stuck', params: { seq: `#${q.front_seq}`, n: q.front_attempts }, to: '/sync', tone: 'warn' }
        : { id: 'stuck', key: 'home.stuck_plain', to: '/sync', tone: 'warn' },
    );
  }
  if (!home.city_loaded) out.push({ id: 'no_city', key: 'home.no_city', to: '/sync', tone: 'warn' });
  if (home.drafts > 0) out.push({ id: 'drafts', key: 'home.drafts', params: { n: home.drafts }, to: '/report', tone: 'info' });
  return out;
}
