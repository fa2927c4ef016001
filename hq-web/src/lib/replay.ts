//! Route replay arithmetic: where a unit was at time `t` along `[t_ms, lat, lon]` points
//! (linear between fixes), and how far a route has been drawn by then.

export type Point = [number, number, number];

/** Index of the last point at or before `t` (-1 before the first). Points are time-ordered. */
export function indexAt(points: Point[], t: number): number {
  let lo = 0;
  let hi = points.length - 1;
  if (hi < 0 || t < points[0][0]) return -1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (points[mid][0] <= t) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The interpolated position at `t`, clamped to the route's ends; null for no points. */
export function positionAt(points: Point[], t: number): [number, number] | null {
  if (points.length === 0) return null;
  const i = indexAt(points, t);
  if (i < 0) return [points[0][1], points[0][2]];
  if (i >= points.length - 1) return [points[i][1], points[i][2]];
  const [t0, a0, b0] = points[i];
  const [t1, a1, b1] = points[i + 1];
  const f = t1 > t0 ? (t - t0) / (t1 - t0) : 0;
  return [a0 + (a1 - a0) * f, b0 + (b1 - b0) * f];
}

export const SPEEDS = [1, 2, 4, 8, 16, 32];
