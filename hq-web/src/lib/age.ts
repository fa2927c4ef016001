//! How fresh a unit's position is: fresh under 60 s, stale (amber) to 5 min, lost (grey) after
//! — the default the dispatch systems use. Ages are recomputed from `seen_ms` and the clock.

export type Freshness = 'fresh' | 'stale' | 'lost';

export const FRESH_MS = 60_000;
export const STALE_MS = 5 * 60_000;

export function freshness(ageMs: number): Freshness {
  if (ageMs < FRESH_MS) return 'fresh';
  if (ageMs < STALE_MS) return 'stale';
  return 'lost';
}

/** Marker colours on the dark map. */
export const FRESHNESS_COLOUR: Record<Freshness, string> = {
  fresh: '#3ddc84',
  stale: '#ffb300',
  lost: '#8a8f98',
};

/** The age now of a position HQ saw at `seenMs` (never negative). */
export function ageNow(seenMs: number, nowMs: number): number {
  return Math.max(0, nowMs - seenMs);
}
