//! What the header's sync badge says. It is the officer's reassurance that nothing is lost, so
//! it never reads "all synced" while something needs the officer: a problem found in the
//! ledger, entries HQ returned for review, or a queue that does not move. Until the home
//! summary is known it says only "sync".

import type { Home } from '../api/types';

export type BadgeKey =
  | 'header.ledger_problem'
  | 'header.attention'
  | 'header.stuck'
  | 'header.unsynced'
  | 'header.all_synced'
  | 'home.sync';

export type Badge = { key: BadgeKey; n: number; tone: 'attention' | 'pending' | 'done' };

export function syncBadge(
  home: (Pick<Home, 'unsynced' | 'quarantined'> & Partial<Pick<Home, 'ledger_problem'>>) | null,
  stuck = false,
): Badge {
  if (!home) return { key: 'home.sync', n: 0, tone: 'pending' };
  const unsynced = home.unsynced ?? 0;
  if (home.ledger_problem) return { key: 'header.ledger_problem', n: 0, tone: 'attention' };
  if (home.quarantined > 0) return { key: 'header.attention', n: home.quarantined, tone: 'attention' };
  if (stuck) return { key: 'header.stuck', n: unsynced, tone: 'attention' };
  if (unsynced > 0) return { key: 'header.unsynced', n: unsynced, tone: 'pending' };
  return { key: 'header.all_synced', n: 0, tone: 'done' };
}
