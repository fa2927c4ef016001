//! The fake's city map pack: a pack over the demo city's grid (its bounds, zooms 12–17) whose
//! every tile is one small light PNG of streets and blocks, so the map draws a base under its
//! overlays in the browser, in unit tests and in the page tests. Scenarios (`?fake-map=…`):
//! `none` (the schematic), `downloading` (no pack yet; the next sync finishes it) and `updating`
//! (a pack, and a newer one with another sha256 coming down, which the next sync switches in).

import type { MapPack, MapPackView, MapTileArgs, Reference } from './types';
import { bbox } from '../lib/geo';
import { tileCorners } from '../lib/tiles';

/** The pack on the fake device: none, coming down, there, there with a newer one coming down,
 * or the newer one there. A sync finishes a download: `downloading` → `ready`, `updating` →
 * `updated`. */
export type FakeMapState = 'none' | 'downloading' | 'ready' | 'updating' | 'updated';
export const FAKE_MAP_STATES: readonly FakeMapState[] = ['none', 'downloading', 'ready', 'updating', 'updated'];

/** A 64×64 PNG (213 bytes): light ground and blocks, white streets, a main road each way and a
 * park, so a tile reads as a town plan. */
const TILE_PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAEAAAABACAMAAACdt4HsAAAAD1BMVEXu7OTi39b////746jV6MhiL7GCAAAAgUlEQVR42u2X4QqAIAyEl9v7P3OsJBfWMBSydQf+mccHDrkpLVmkSnRoKyZm5lLT/coPQAjASZWhAHZgrhs/ALpcKcB3TNSDa4MCvItm/AB8GoBMHADozgPuVAQABgv9ai6IiCSxCgMY9j547wjNmVgDHoYqADMDmgMlAAD/hVvACoJpEaIQqs/2AAAAAElFTkSuQmCC';

/** A pack of a size like a real city's (JPEG zooms 12–17 over about 8 × 10 km). */
const PACK_BYTES = 186 * 1024 * 1024;
/** How far a download has come in the `downloading` and `updating` scenarios. */
const DOWNLOADED = 0.42;

/** The pack over the city's cells (a little wider), or null when the city has no cells; its
 * second edition has another name, size and sha256. */
export function fakePack(ref: Reference | null, edition: 1 | 2 = 1): MapPack | null {
  const b = bbox((ref?.cells ?? []).flatMap((c) => c.ring));
  if (!ref || !b) return null;
  const pad = 0.005;
  const name = `${ref.name.replace(/\s*\(.*\)$/, '')}城区地图`;
  return {
    name: edition === 1 ? name : `${name}（2027 版）`,
    format: 'png',
    minzoom: 12,
    maxzoom: 17,
    bounds: [b.minLon - pad, b.minLat - pad, b.maxLon + pad, b.maxLat + pad],
    sha256: edition === 1 ? 'c0ffee'.repeat(10) + 'c0de' : 'decade'.repeat(10) + 'f00d',
    bytes: PACK_BYTES + (edition - 1) * 9 * 1024 * 1024,
  };
}

/** A pack part way down. */
const coming = (pack: MapPack): MapPackView['downloading'] => ({
  name: pack.name,
  have: Math.ceil(pack.bytes * DOWNLOADED),
  total: pack.bytes,
});

/** `map_pack`: nothing before the city is loaded; then as the scenario says. */
export function mapPackView(ref: Reference | null, state: FakeMapState): MapPackView {
  const first = fakePack(ref, 1);
  const second = fakePack(ref, 2);
  if (!first || !second) return { ready: null, downloading: null };
  switch (state) {
    case 'none':
      return { ready: null, downloading: null };
    case 'downloading':
      return { ready: null, downloading: coming(first) };
    case 'ready':
      return { ready: first, downloading: null };
    case 'updating':
      return { ready: first, downloading: coming(second) };
    case 'updated':
      return { ready: second, downloading: null };
  }
}

/** What a sync leaves: the download that was on its way finished (and checked). */
export function afterSync(state: FakeMapState): FakeMapState {
  return state === 'downloading' ? 'ready' : state === 'updating' ? 'updated' : state;
}

/** Whether tile `t` is in the pack: within its zooms and touching its bounds. */
export function packHas(pack: MapPack, t: MapTileArgs): boolean {
  const n = 2 ** t.z;
  if (!Number.isInteger(t.z) || t.z < pack.minzoom || t.z > pack.maxzoom) return false;
  if (!Number.isInteger(t.x) || !Number.isInteger(t.y) || t.x < 0 || t.y < 0 || t.x >= n || t.y >= n) return false;
  if (!pack.bounds) return true;
  const [west, south, east, north] = pack.bounds;
  const { nw, se } = tileCorners(t);
  return se.lon >= west && nw.lon <= east && nw.lat >= south && se.lat <= north;
}

/** The tile's bytes, or an empty buffer when the pack has none there (or there is no pack). */
export function mapTile(ref: Reference | null, state: FakeMapState, t: MapTileArgs): ArrayBuffer {
  const pack = mapPackView(ref, state).ready;
  if (!pack || !packHas(pack, t)) return new ArrayBuffer(0);
  return Uint8Array.from(atob(TILE_PNG), (c) => c.charCodeAt(0)).buffer;
}
