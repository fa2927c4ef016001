//! Scaling for the inline SVG chart: a "nice" axis maximum and ticks, and value → pixel.

/** The smallest 1/2/2.5/5 × 10^k at or above `v` (1 for nothing to show). */
export function niceMax(v: number): number {
  if (!(v > 0) || !Number.isFinite(v)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

/** `n`+1 evenly spaced ticks from 0 to `max`. */
export function ticks(max: number, n = 4): number[] {
  return Array.from({ length: n + 1 }, (_, i) => (max * i) / n);
}

/** Pixel y of `v` on an axis 0…max drawn from `bottom` up to `top`. */
export function scaleY(v: number, max: number, top: number, bottom: number): number {
  const m = max > 0 ? max : 1;
  return bottom - (Math.max(0, Math.min(v, m)) / m) * (bottom - top);
}

/** Left x of bar `i` of `n` across `[left, right]`, and the bar width (with a gap). */
export function bandX(i: number, n: number, left: number, right: number, gap = 0.2): { x: number; w: number } {
  const step = (right - left) / Math.max(1, n);
  return { x: left + i * step + (step * gap) / 2, w: step * (1 - gap) };
}
