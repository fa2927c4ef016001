//! Web-mercator tile math for the city's map pack (XYZ scheme, `y` counted from the north, 256 px
//! tiles): where a point falls in the tile grid, a tile's corners, which tiles cover a view and at
//! which zoom. Pure: the map draws what this says, `MapTiles` fetches it.

import type { LatLon, MapPack } from '../api/types';
import type { Box } from './geo';

/** A tile of the XYZ scheme. */
export type TileId = { z: number; x: number; y: number };
/** A pack's `[west, south, east, north]` in degrees. */
export type PackBounds = [number, number, number, number];

/** Pixels across a tile. */
export const TILE_PX = 256;
/** Metres per pixel at the equator at zoom 0 (2π·6378137 m / 256 px). */
export const EQUATOR_M_PER_PX = 156543.03;
/** Tiles drawn at most for one view. */
export const MAX_TILES = 64;
/** The latitude web mercator stops at (a square world). */
const MAX_LAT = 85.0511287798;

const rad = (d: number) => (d * Math.PI) / 180;
const clampLat = (lat: number) => Math.max(-MAX_LAT, Math.min(MAX_LAT, lat));

/** `z/x/y`, the key a tile is cached and drawn under. */
export const tileKey = (t: TileId): string => `${t.z}/${t.x}/${t.y}`;

/** Where `p` falls in the tile grid at zoom `z`: fractional x (east) and y (south). */
export function tileXY(p: LatLon, z: number): { x: number; y: number } {
  const n = 2 ** z;
  const lat = rad(clampLat(p.lat));
  return {
    x: ((p.lon + 180) / 360) * n,
    y: ((1 - Math.log(Math.tan(lat) + 1 / Math.cos(lat)) / Math.PI) / 2) * n,
  };
}

/** The point at grid position `x`, `y` (fractional) at zoom `z`: the inverse of `tileXY`. */
export function tilePoint(x: number, y: number, z: number): LatLon {
  const n = 2 ** z;
  return {
    lat: (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / n))) * 180) / Math.PI,
    lon: (x / n) * 360 - 180,
  };
}

/** A tile's north-west and south-east corners. */
export function tileCorners(t: TileId): { nw: LatLon; se: LatLon } {
  return { nw: tilePoint(t.x, t.y, t.z), se: tilePoint(t.x + 1, t.y + 1, t.z) };
}

/** Metres on the ground per tile pixel at latitude `lat` and zoom `z`. */
export function groundResolution(lat: number, z: number): number {
  return (EQUATOR_M_PER_PX * Math.cos(rad(clampLat(lat)))) / 2 ** z;
}

/**
 * The zoom for a view showing `metresPerUnit` metres per screen unit: the closest one at which a
 * tile is drawn at least `TILE_PX` units across (its pixels no smaller than a unit), kept within
 * the pack's `minzoom`..`maxzoom`.
 */
export function zoomFor(metresPerUnit: number, lat: number, minzoom: number, maxzoom: number): number {
  const ideal = Math.floor(Math.log2((EQUATOR_M_PER_PX * Math.cos(rad(clampLat(lat)))) / metresPerUnit));
  const z = Number.isFinite(ideal) ? ideal : maxzoom;
  return Math.max(minzoom, Math.min(maxzoom, z));
}

/** The part of `box` inside the pack's bounds (all of it when the pack gives none); null when
 * they do not meet. */
export function clipToBounds(box: Box, bounds: PackBounds | null): Box | null {
  if (!bounds) return box;
  const [west, south, east, north] = bounds;
  const out = {
    minLat: Math.max(box.minLat, south),
    maxLat: Math.min(box.maxLat, north),
    minLon: Math.max(box.minLon, west),
    maxLon: Math.min(box.maxLon, east),
  };
  return out.minLat <= out.maxLat && out.minLon <= out.maxLon ? out : null;
}

/** Every tile at zoom `z` that `box` touches, row by row from the north-west. */
export function tilesCovering(box: Box, z: number): TileId[] {
  const last = 2 ** z - 1;
  const cell = (v: number) => Math.max(0, Math.min(last, Math.floor(v)));
  const nw = tileXY({ lat: box.maxLat, lon: box.minLon }, z);
  const se = tileXY({ lat: box.minLat, lon: box.maxLon }, z);
  const out: TileId[] = [];
  for (let y = cell(nw.y); y <= cell(se.y); y++) {
    for (let x = cell(nw.x); x <= cell(se.x); x++) out.push({ z, x, y });
  }
  return out;
}

/** How many tiles `tilesCovering` would list, without listing them. */
function countCovering(box: Box, z: number): number {
  const nw = tileXY({ lat: box.maxLat, lon: box.minLon }, z);
  const se = tileXY({ lat: box.minLat, lon: box.maxLon }, z);
  return (Math.floor(se.x) - Math.floor(nw.x) + 1) * (Math.floor(se.y) - Math.floor(nw.y) + 1);
}

/** The `cap` tiles nearest the middle of `box`, in their row order. */
function nearestMiddle(tiles: TileId[], box: Box, cap: number): TileId[] {
  if (tiles.length <= cap) return tiles;
  const z = tiles[0].z;
  const c = tileXY({ lat: (box.minLat + box.maxLat) / 2, lon: (box.minLon + box.maxLon) / 2 }, z);
  const d = (t: TileId) => (t.x + 0.5 - c.x) ** 2 + (t.y + 0.5 - c.y) ** 2;
  const kept = new Set([...tiles].sort((a, b) => d(a) - d(b)).slice(0, cap));
  return tiles.filter((t) => kept.has(t));
}

/**
 * The tiles to draw under a view of `box` at `metresPerUnit`: only where the pack has bounds,
 * at the zoom `zoomFor` picks, a zoom out (not below the pack's least) while that needs more
 * than `cap` tiles, and at most `cap` of them (those nearest the middle).
 */
export function tilesForView(
  box: Box,
  metresPerUnit: number,
  pack: Pick<MapPack, 'minzoom' | 'maxzoom' | 'bounds'>,
  cap = MAX_TILES,
): { z: number; tiles: TileId[] } {
  const lat = (box.minLat + box.maxLat) / 2;
  let z = zoomFor(metresPerUnit, lat, pack.minzoom, pack.maxzoom);
  const inside = clipToBounds(box, pack.bounds);
  if (!inside || cap <= 0) return { z, tiles: [] };
  while (z > pack.minzoom && countCovering(inside, z) > cap) z--;
  return { z, tiles: nearestMiddle(tilesCovering(inside, z), inside, cap) };
}
