//! A small inline SVG bar chart (no chart library): one bar per day, a nice axis, values on hover.

import { bandX, niceMax, scaleY, ticks } from '../lib/chart';

export type Bar = { label: string; value: number; title: string };

const W = 760;
const H = 240;
const PAD = { left: 48, right: 12, top: 12, bottom: 32 };

export function BarChart({ bars, label }: { bars: Bar[]; label: string }) {
  const max = niceMax(Math.max(0, ...bars.map((b) => b.value)));
  const bottom = H - PAD.bottom;
  const every = Math.ceil(bars.length / 15);
  return (
    <svg class="chart" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={label} preserveAspectRatio="xMidYMid meet">
      {ticks(max).map((v) => {
        const y = scaleY(v, max, PAD.top, bottom);
        return (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} class="grid" />
            <text x={PAD.left - 6} y={y + 4} text-anchor="end" class="axis">{Number.isInteger(v) ? v : v.toFixed(1)}</text>
          </g>
        );
      })}
      {bars.map((b, i) => {
        const { x, w } = bandX(i, bars.length, PAD.left, W - PAD.right);
        const y = scaleY(b.value, max, PAD.top, bottom);
        return (
          <g key={b.label}>
            <rect x={x} y={y} width={w} height={bottom - y} class="bar" data-value={b.value}>
              <title>{b.title}</title>
            </rect>
            {i % every === 0 && (
              <text x={x + w / 2} y={H - 12} text-anchor="middle" class="axis">{b.label}</text>
            )}
          </g>
        );
      })}
    </svg>
  );
}
