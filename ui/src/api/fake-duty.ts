//! Post duty for the fake: visits paired from arrive/leave entries, minutes on post inside each
//! of today's duty windows, in the order the officer looks for them (the post they are on, then
//! their group's, then the nearest). A simplified mirror of patrol-geo's duty module and
//! patrol-device's `post_duty`.

import type { GridCell, LatLon, Post, PostDuty, VisitSource, WindowMinutes } from './types';
import { cellAt, distanceM } from '../lib/geo';
import { localDate, localTimeMs } from '../lib/time';

export type Visit = { post_id: string; start: number; end: number | null; source: VisitSource };

const overlapMin = (a0: number, a1: number, b0: number, b1: number) =>
  Math.max(0, Math.min(a1, b1) - Math.max(a0, b0)) / 60_000;

/** Where the officer stands (a fresh fix of the running patrol) and their group's cells. */
export type PostContext = { here: LatLon | null; assignedCells: readonly string[]; cells: GridCell[] };

export function postDuty(posts: Post[], visits: Visit[], now: number, tz: string, ctx: PostContext): PostDuty[] {
  const today = localDate(now, tz);
  const out = posts.map((post): PostDuty => {
    const mine = visits.filter((v) => v.post_id === post.id);
    const open = mine.find((v) => v.end === null);
    const onPost = open !== undefined;
    const windows = post.duty_windows.map((w) => {
      const start_ms = localTimeMs(today, w.start, tz);
      const end_ms = localTimeMs(today, w.end, tz);
      const minutes = mine.reduce((sum, v) => sum + overlapMin(v.start, v.end ?? now, start_ms, Math.min(end_ms, now)), 0);
      // Like Rust: exact ms, and the same in fractional minutes (the screen rounds for display).
      const held: WindowMinutes = {
        window: w,
        start_ms,
        end_ms,
        on_post_ms: Math.round(minutes * 60_000),
        minutes_on_post: minutes,
        held_fraction: Math.min(1, minutes / ((end_ms - start_ms) / 60_000)),
      };
      return held;
    });
    const cur = windows.find((w) => w.start_ms <= now && now < w.end_ms) ?? null;
    return {
      post_id: post.id,
      name: post.name,
      on_post: onPost,
      windows,
      current_window: cur && { start_ms: cur.start_ms, end_ms: cur.end_ms, minutes_on_post: cur.minutes_on_post },
      arrival_source: open?.source ?? null,
      assigned: ctx.assignedCells.length > 0 && ctx.assignedCells.includes(cellAt(post.location, ctx.cells)?.id ?? ''),
      distance_m: ctx.here ? Math.round(distanceM(ctx.here, post.location) * 10) / 10 : null,
    };
  });
  // Stable: equal posts keep the city's order (off patrol: all of them).
  const far = (d: PostDuty) => d.distance_m ?? Number.POSITIVE_INFINITY;
  const nearer = (a: PostDuty, b: PostDuty) => (far(a) === far(b) ? 0 : far(a) - far(b));
  return out.sort((a, b) => Number(b.on_post) - Number(a.on_post) || Number(b.assigned) - Number(a.assigned) || nearer(a, b));
}
