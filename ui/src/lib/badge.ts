//! What the header's sync badge says. It is the officer's reassurance that nothing is lost, so
//! it never reads "all synced" while HQ has returned something for review.

import type { Home } from '../api/types';

export type Badge = { key: 'header.attention' | 'header.unsynced' | 'header.all_synced'; n: number; tone: 'attention' | 'pending' | 'done' };

export function syncBadge(home: Pick<Home, 'unsynced' | 'quarantined'> | null): Badge {
  const attention = home?.quarantined ?? 0;
  const unsynced = home?.unsynced ?? 0;
  if (attention > 0) return { key: 'header.attention', n: attention, tone: 'attention' };
  if (unsynced > 0) return { key: 'header.unsynced', n: unsynced, tone: 'pending' };
  return { key: 'header.all_synced', n: 0, tone: 'done' };
}
