//! A subset of the demo city of Changde (../demo/changde-city.json) for the fake backend:
//! the same 0.01° grid of cells (武陵 rows 1–5, 德山 rows 6–8), twelve posts on 洞庭大道 and
//! 人民路, and the first twelve patrol groups. Names are illustrative data, not UI text.

import type { GridCell, Group, PatrolMode, Post, Reference } from './types';

/** The cell id at a row and column of the grid (`WL-03-07`). */
const cellId = (row: number, col: number) =>
  `${row <= 5 ? 'WL' : 'DS'}-${String(row).padStart(2, '0')}-${String(col).padStart(2, '0')}`;

function cells(): GridCell[] {
  const out: GridCell[] = [];
  for (let row = 1; row <= 8; row++) {
    const dname = row <= 5 ? '武陵' : '德山';
    for (let col = 1; col <= 10; col++) {
      const lat0 = 28.995 + (row - 1) * 0.01;
      const lon0 = 111.645 + (col - 1) * 0.01;
      const r = (x: number) => Math.round(x * 1e6) / 1e6;
      out.push({
        id: cellId(row, col),
        name: `${dname} ${row}-${col}`,
        ring: [
          { lat: r(lat0), lon: r(lon0) },
          { lat: r(lat0), lon: r(lon0 + 0.01) },
          { lat: r(lat0 + 0.01), lon: r(lon0 + 0.01) },
          { lat: r(lat0 + 0.01), lon: r(lon0) },
        ],
      });
    }
  }
  return out;
}

const ROADS_EW: [string, number][] = [
  ['洞庭大道', 29.007],
  ['人民路', 29.024],
];
const ROADS_NS: [string, number][] = [
  ['光荣路', 111.656],
  ['武陵大道', 111.672],
  ['皂果路', 111.688],
  ['紫缘路', 111.704],
  ['柳叶大道', 111.72],
  ['芙蓉路', 111.736],
];

function posts(): Post[] {
  const out: Post[] = [];
  for (const [ew, lat] of ROADS_EW) {
    for (const [ns, lon] of ROADS_NS) {
      out.push({
        id: `P${String(out.length + 1).padStart(2, '0')}`,
        name: `${ew}/${ns}`,
        location: { lat, lon },
        radius_m: 60,
        duty_windows: [
          { start: '06:00', end: '09:00' },
          { start: '17:00', end: '21:00' },
        ],
      });
    }
  }
  return out;
}

const MODES: PatrolMode[] = ['foot', 'foot', 'car', 'foot', 'foot', 'car', 'motorcycle', 'foot', 'car', 'foot', 'foot', 'car'];

/** As in the demo city: group n patrols two neighbouring cells of row n (mod 8). */
function groups(): Group[] {
  return MODES.map((mode, i) => {
    const row = (i % 8) + 1;
    const col = ((3 * i) % 10) + 1;
    return {
      id: `G${String(i + 1).padStart(2, '0')}`,
      name: `第${i + 1}巡逻组`,
      mode,
      cells: [cellId(row, col), cellId(row, (col % 10) + 1)],
    };
  });
}

export function demoCity(): Reference {
  return {
    name: '常德市 (演示)',
    timezone: 'Asia/Shanghai',
    cells: cells(),
    posts: posts(),
    groups: groups(),
    campaign_start: '2026-08-26',
  };
}

/** The loop the simulated position source drives: 洞庭大道 → 皂果路 → 人民路 → 武陵大道. */
export const DEMO_LOOP: [number, number][] = [
  [29.0071, 111.6722],
  [29.0071, 111.6881],
  [29.0239, 111.6881],
  [29.0239, 111.6722],
  [29.0071, 111.6722],
];
