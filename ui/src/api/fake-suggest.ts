//! The fake's post suggestion: a simplified mirror of patrol-device's `suggest` (store/suggest.rs)
//! over patrol-geo's fence. A fix is inside when its whole accuracy circle is within the post's
//! radius, outside when wholly beyond it, else uncertain (and uncertain fixes, or fixes worse
//! than the 50 m accuracy gate, decide nothing). Arrival: a run of inside fixes dwelt 60 s at a
//! post this device is not on, begun after its last check-out there. Departure: outside fixes
//! after the last inside one, dwelt 60 s, begun after the check-in. Last 15 minutes only.

import type { Fix, Post, PostSuggestion, SuggestedAction } from './types';
import { distanceM } from '../lib/geo';

export const WINDOW_MS = 15 * 60_000;
const DWELL_MS = 60_000;
const GATE_M = 50;
const DEFAULT_ACCURACY_M = 10;

export type Standing = { on_post: boolean; since_ms: number };
type Side = 'inside' | 'outside' | 'uncertain';

export function side(post: Post, f: Fix): Side {
  const acc = f.accuracy_m ?? DEFAULT_ACCURACY_M;
  if (!Number.isFinite(acc) || acc < 0 || acc > GATE_M) return 'uncertain';
  const d = distanceM(post.location, f);
  if (d + acc <= post.radius_m) return 'inside';
  if (d - acc > post.radius_m) return 'outside';
  return 'uncertain';
}

type Run = { first: number; last: Fix; fixes: number; best?: number };
const better = (a: number | undefined, b: number | null | undefined) => (b == null ? a : a === undefined ? b : Math.min(a, b));
const extend = (r: Run | null, f: Fix): Run =>
  r
    ? { first: r.first, last: f, fixes: r.fixes + 1, best: better(r.best, f.accuracy_m) }
    : { first: f.time_ms as number, last: f, fixes: 1, best: f.accuracy_m ?? undefined };

function suggestion(action: SuggestedAction, post: Post, run: Run, inside: number): PostSuggestion {
  const at = { lat: run.last.lat, lon: run.last.lon };
  return {
    action,
    post_id: post.id,
    name: post.name,
    since_ms: run.first,
    evidence: {
      source: 'geofence',
      fixes_inside: inside,
      dwell_s: Math.floor(((run.last.time_ms ?? run.first) - run.first) / 1000),
      ...(run.best === undefined ? {} : { best_accuracy_m: run.best }),
      at,
    },
  };
}

export function suggestPost(posts: Post[], standing: Map<string, Standing>, fixes: Fix[], now: number): PostSuggestion | null {
  const recent = fixes
    .filter((f) => f.time_ms != null && f.time_ms >= now - WINDOW_MS)
    .sort((a, b) => (a.time_ms ?? 0) - (b.time_ms ?? 0));
  let arrival: PostSuggestion | null = null;
  for (const post of posts) {
    const st = standing.get(post.id);
    const after = st?.since_ms ?? -Infinity;
    let inRun: Run | null = null;
    let outRun: Run | null = null;
    let inside = 0;
    for (const f of recent) {
      const s = side(post, f);
      if (s === 'inside') {
        inside++;
        outRun = null;
        inRun = extend(inRun, f);
      } else if (s === 'outside') {
        inRun = null;
        outRun = extend(outRun, f);
      }
    }
    const dwelt = (r: Run | null): r is Run => r !== null && (r.last.time_ms ?? 0) - r.first >= DWELL_MS && r.first > after;
    if (st?.on_post) {
      if (dwelt(outRun)) return suggestion('leave', post, outRun, inside);
    } else if (dwelt(inRun) && (!arrival || inRun.first > arrival.since_ms)) {
      arrival = suggestion('arrive', post, inRun, inRun.fixes);
    }
  }
  return arrival;
}
