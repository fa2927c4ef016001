//! Small geometry for display: distances, point-in-ring, and a local flat projection for the
//! inline SVG map. Nothing here is evidence; Rust computes the recorded figures.

import type { GridCell, LatLon } from '../api/types';

const R = 6_371_008.8;
const rad = (d: number) => (d * Math.PI) / 180;

/** Great-circle distance in metres. */
export function distanceM(a: LatLon, b: LatLon): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * R * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Ray casting; the ring may or may not repeat its first vertex. */
export function inRing(p: LatLon, ring: LatLon[]): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const a = ring[i];
    const b = ring[j];
    if (a.lat > p.lat !== b.lat > p.lat && p.lon < ((b.lon - a.lon) * (p.lat - a.lat)) / (b.lat - a.lat) + a.lon) {
      inside = !inside;
    }
  }
  return inside;
}

export function cellAt(p: LatLon, cells: GridCell[]): GridCell | null {
  return cells.find((c) => inRing(p, c.ring)) ?? null;
}

export type Box = { minLat: number; maxLat: number; minLon: number; maxLon: number };

export function bbox(points: LatLon[]): Box | null {
  if (points.length === 0) return null;
  const b = { minLat: Infinity, maxLat: -Infinity, minLon: Infinity, maxLon: -Infinity };
  for (const p of points) {
    b.minLat = Math.min(b.minLat, p.lat);
    b.maxLat = Math.max(b.maxLat, p.lat);
    b.minLon = Math.min(b.minLon, p.lon);
    b.maxLon = Math.max(b.maxLon, p.lon);
  }
  return b;
}

export function intersects(a: Box, b: Box): boolean {
  return a.minLat <= b.maxLat && b.minLat <= a.maxLat && a.minLon <= b.maxLon && b.minLon <= a.maxLon;
}

/**
 * A viewport around `points`, at least `minSpanM` across and padded, with the aspect of a
 * `width`×`height` drawing. Returns a projector to SVG user units (north up).
 */
export function viewport(points: LatLon[], width: number, height: number, minSpanM = 800) {
  const b = bbox(points) ?? { minLat: 29.03, maxLat: 29.03, minLon: 111.69, maxLon: 111.69 };
  const lat0 = (b.minLat + b.maxLat) / 2;
  const lon0 = (b.minLon + b.maxLon) / 2;
  const k = Math.cos(rad(lat0));
  const mPerDeg = (Math.PI * R) / 180;
  // extent in metres, padded 15% each side
  let wM = Math.max((b.maxLon - b.minLon) * k * mPerDeg * 1.3, minSpanM);
  let hM = Math.max((b.maxLat - b.minLat) * mPerDeg * 1.3, minSpanM * (height / width));
  if (wM / hM > width / height) hM = (wM * height) / width;
  else wM = (hM * width) / height;
  const scale = width / wM;
  const project = (p: LatLon): [number, number] => [
    width / 2 + (p.lon - lon0) * k * mPerDeg * scale,
    height / 2 - (p.lat - lat0) * mPerDeg * scale,
  ];
  const halfLat = hM / 2 / mPerDeg;
  const halfLon = wM / 2 / (k * mPerDeg);
  const box: Box = { minLat: lat0 - halfLat, maxLat: lat0 + halfLat, minLon: lon0 - halfLon, maxLon: lon0 + halfLon };
  return { project, box, metresPerUnit: 1 / scale };
}

/** Initial great-circle bearing from `a` to `b`, degrees clockwise from true north, in [0, 360). */
export function bearingDeg(a: LatLon, b: LatLon): number {
  const p1 = rad(a.lat);
  const p2 = rad(b.lat);
  const dl = rad(b.lon - a.lon);
  const y = Math.sin(dl) * Math.cos(p2);
  const x = Math.cos(p1) * Math.sin(p2) - Math.sin(p1) * Math.cos(p2) * Math.cos(dl);
  if (x === 0 && y === 0) return 0;
  const deg = (Math.atan2(y, x) * 180) / Math.PI;
  return ((deg % 360) + 360) % 360;
}

/** The eight compass points, as slugs for translation keys (`dispatch.compass.ne`). */
export const COMPASS_POINTS = ['n', 'ne', 'e', 'se', 's', 'sw', 'w', 'nw'] as const;
export type CompassPoint = (typeof COMPASS_POINTS)[number];

/** The nearest of the eight compass points to a bearing (any number of degrees, any sign). */
export function compassPoint(deg: number): CompassPoint {
  const d = ((deg % 360) + 360) % 360;
  return COMPASS_POINTS[Math.round(d / 45) % 8];
}

/** Distance and compass direction from `from` to `to`; null when either is unknown. */
export function distanceAndDirection(
  from: LatLon | null | undefined,
  to: LatLon | null | undefined,
): { metres: number; bearing: number; compass: CompassPoint } | null {
  if (!from || !to || ![from.lat, from.lon, to.lat, to.lon].every(Number.isFinite)) return null;
  const bearing = bearingDeg(from, to);
  return { metres: distanceM(from, to), bearing, compass: compassPoint(bearing) };
}

/**
 * Which way the officer is heading: the receiver's course when it gives one and the officer is
 * moving (≥ 0.5 m/s; a standing receiver's course is noise), else the bearing from the route's
 * last point back to the nearest earlier point at least `minM` metres away (a stroll's jitter
 * names no direction); null when neither says anything (just started, standing still).
 */
export function headingOf(
  route: [number, number][],
  lastFix: { heading_deg?: number | null; speed_mps?: number | null } | null | undefined,
  minM = 15,
): number | null {
  const h = lastFix?.heading_deg;
  const v = lastFix?.speed_mps;
  if (typeof h === 'number' && Number.isFinite(h) && (typeof v !== 'number' || v >= 0.5)) return ((h % 360) + 360) % 360;
  const last = route[route.length - 1];
  if (!last) return null;
  const here = { lat: last[0], lon: last[1] };
  for (let i = route.length - 2; i >= 0; i--) {
    const q = { lat: route[i][0], lon: route[i][1] };
    if (distanceM(q, here) >= minM) return bearingDeg(q, here);
  }
  return null;
}
