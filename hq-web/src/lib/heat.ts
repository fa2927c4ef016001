//! A presence heat colour: zero minutes is its own colour (the cells no patrol was seen in);
//! otherwise a ramp from deep blue to bright yellow by the share of the busiest cell.

export const ZERO_COLOUR = '#e53935';
const RAMP: [number, number, number][] = [
  [30, 60, 120],
  [40, 140, 170],
  [120, 200, 90],
  [250, 230, 80],
];

export function heatColour(minutes: number, max: number): string {
  if (!(minutes > 0)) return ZERO_COLOUR;
  const x = Math.min(1, minutes / Math.max(1, max)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const c = RAMP[i].map((v, k) => Math.round(v + (RAMP[i + 1][k] - v) * f));
  return `rgb(${c[0]}, ${c[1]}, ${c[2]})`;
}
