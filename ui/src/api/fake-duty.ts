//! Post duty for the fake: visits paired from arrive/leave entries, minutes on post inside each
//! of today's duty windows. A simplified mirror of patrol-geo's duty module.

import type { Post, PostDuty } from './types';
import { localDate, localTimeMs } from '../lib/time';

export type Visit = { post_id: string; start: number; end: number | null; source: 'manual' | 'geofence' };

const overlapMin = (a0: number, a1: number, b0: number, b1: number) =>
  Math.max(0, Math.min(a1, b1) - Math.max(a0, b0)) / 60_000;

export function postDuty(posts: Post[], visits: Visit[], now: number, tz: string): PostDuty[] {
  const today = localDate(now, tz);
  return posts.map((post) => {
    const mine = visits.filter((v) => v.post_id === post.id);
    const open = mine.find((v) => v.end === null);
    const onPost = open !== undefined;
    const windows = post.duty_windows.map((w) => {
      const start_ms = localTimeMs(today, w.start, tz);
      const end_ms = localTimeMs(today, w.end, tz);
      const minutes = mine.reduce((sum, v) => sum + overlapMin(v.start, v.end ?? now, start_ms, Math.min(end_ms, now)), 0);
      const minutes_on_post = Math.floor(minutes);
      return {
        start_ms,
        end_ms,
        minutes_on_post,
        held_fraction: Math.min(1, minutes / ((end_ms - start_ms) / 60_000)),
        window: w,
      };
    });
    const cur = windows.find((w) => w.start_ms <= now && now < w.end_ms) ?? null;
    return {
      post_id: post.id,
      name: post.name,
      on_post: onPost,
      windows,
      current_window: cur && { start_ms: cur.start_ms, end_ms: cur.end_ms, minutes_on_post: cur.minutes_on_post },
      arrival_source: open?.source ?? null,
    };
  });
}
