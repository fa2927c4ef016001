// The map pack's tile math: web-mercator XYZ positions and corners, the zoom for a view's scale
// (a tile drawn at 256 units or more, within the pack's zooms), and the tiles that cover a view
// (only inside the pack's bounds, never more than the cap).
import { describe, expect, it } from 'vitest';
import { viewport, type Box } from '../src/lib/geo';
import {
  EQUATOR_M_PER_PX, MAX_TILES, TILE_PX, clipToBounds, groundResolution, tileCorners, tileKey, tilePoint, tileXY, tilesCovering,
  tilesForView, zoomFor, type PackBounds,
} from '../src/lib/tiles';

const CHANGDE = { lat: 29.03, lon: 111.69 };
/** The demo city's grid, a little wider (what the fake pack says). */
const CITY: PackBounds = [111.64, 28.99, 111.75, 29.08];
const pack = { minzoom: 12, maxzoom: 17, bounds: CITY };

describe('positions and corners', () => {
  it('puts the origin and the corners of the world where web mercator has them', () => {
    expect(tileXY({ lat: 0, lon: 0 }, 0)).toEqual({ x: 0.5, y: 0.5 });
    expect(tileXY({ lat: 0, lon: 0 }, 1)).toEqual({ x: 1, y: 1 });
    expect(tileXY({ lat: 0, lon: -180 }, 3).x).toBe(0);
    const nw = tileXY({ lat: 85.0511287798, lon: -180 }, 4);
    expect(nw.x).toBe(0);
    expect(nw.y).toBeCloseTo(0, 6);
  });

  it('finds the tiles everyone knows (London at z10, Changde at z14)', () => {
    const london = tileXY({ lat: 51.5074, lon: -0.1278 }, 10);
    expect([Math.floor(london.x), Math.floor(london.y)]).toEqual([511, 340]);
    const cd = tileXY(CHANGDE, 14);
    expect([Math.floor(cd.x), Math.floor(cd.y)]).toEqual([13275, 6810]);
  });

  it('counts y from the north: further south is a bigger y', () => {
    expect(tileXY({ lat: 29.0, lon: 111.69 }, 15).y).toBeGreaterThan(tileXY({ lat: 29.1, lon: 111.69 }, 15).y);
  });

  it('tilePoint undoes tileXY', () => {
    for (const z of [0, 5, 12, 17]) {
      const { x, y } = tileXY(CHANGDE, z);
      const p = tilePoint(x, y, z);
      expect(p.lat).toBeCloseTo(CHANGDE.lat, 9);
      expect(p.lon).toBeCloseTo(CHANGDE.lon, 9);
    }
  });

  it("gives a tile's NW and SE corners, the SE one the next tile's NW", () => {
    const t = { z: 14, x: 13275, y: 6810 };
    const { nw, se } = tileCorners(t);
    expect(nw.lat).toBeGreaterThan(se.lat);
    expect(nw.lon).toBeLessThan(se.lon);
    expect(nw.lat).toBeGreaterThanOrEqual(CHANGDE.lat);
    expect(se.lat).toBeLessThanOrEqual(CHANGDE.lat);
    expect(nw.lon).toBeLessThanOrEqual(CHANGDE.lon);
    expect(se.lon).toBeGreaterThanOrEqual(CHANGDE.lon);
    expect(tileCorners({ z: 14, x: 13276, y: 6811 }).nw).toEqual(se);
    expect(se.lon - nw.lon).toBeCloseTo(360 / 2 ** 14, 12);
    expect(tileCorners({ z: 0, x: 0, y: 0 }).nw).toEqual({ lat: expect.closeTo(85.0511, 4), lon: -180 });
  });

  it('keys a tile as z/x/y', () => expect(tileKey({ z: 15, x: 26551, y: 13651 })).toBe('15/26551/13651'));
});

describe('zoom for a scale', () => {
  it('has the ground resolution of web mercator', () => {
    expect(groundResolution(0, 0)).toBeCloseTo(EQUATOR_M_PER_PX, 6);
    expect(groundResolution(60, 1)).toBeCloseTo(EQUATOR_M_PER_PX / 4, 3);
    expect(groundResolution(CHANGDE.lat, 14)).toBeCloseTo(8.35, 2);
  });

  it('draws a tile at 256 units or more, and not twice that', () => {
    for (const mpu of [0.4, 1, 2.5, 6, 9.5, 20, 50]) {
      const z = zoomFor(mpu, CHANGDE.lat, 0, 22);
      const drawn = (zz: number) => (TILE_PX * groundResolution(CHANGDE.lat, zz)) / mpu;
      expect(drawn(z), `mpu ${mpu}`).toBeGreaterThanOrEqual(TILE_PX);
      expect(drawn(z + 1), `mpu ${mpu}`).toBeLessThan(TILE_PX);
    }
  });

  it("picks z14 for the live map's default 2.4 km across 400 units in Changde", () => {
    const { metresPerUnit } = viewport([CHANGDE], 400, 200, 2400);
    expect(zoomFor(metresPerUnit, CHANGDE.lat, 12, 17)).toBe(14);
  });

  it("keeps to the pack's zooms", () => {
    expect(zoomFor(0.05, CHANGDE.lat, 12, 17)).toBe(17);
    expect(zoomFor(500, CHANGDE.lat, 12, 17)).toBe(12);
    expect(zoomFor(0, CHANGDE.lat, 12, 17)).toBe(17);
  });
});

describe('tiles for a view', () => {
  const box = (lat: number, lon: number, d: number): Box => ({ minLat: lat - d, maxLat: lat + d, minLon: lon - d, maxLon: lon + d });

  it('lists every tile a box touches, row by row from the north-west', () => {
    const b = box(CHANGDE.lat, CHANGDE.lon, 0.01);
    const tiles = tilesCovering(b, 14);
    const xs = [...new Set(tiles.map((t) => t.x))];
    const ys = [...new Set(tiles.map((t) => t.y))];
    expect(tiles.length).toBe(xs.length * ys.length);
    expect(tiles[0]).toEqual({ z: 14, x: Math.min(...xs), y: Math.min(...ys) });
    for (const corner of [{ lat: b.maxLat, lon: b.minLon }, { lat: b.minLat, lon: b.maxLon }, CHANGDE]) {
      const p = tileXY(corner, 14);
      expect(tiles.some((t) => t.x === Math.floor(p.x) && t.y === Math.floor(p.y))).toBe(true);
    }
  });

  it("clips a view to the pack's bounds", () => {
    expect(clipToBounds(box(CHANGDE.lat, CHANGDE.lon, 1), CITY)).toEqual({ minLat: 28.99, maxLat: 29.08, minLon: 111.64, maxLon: 111.75 });
    expect(clipToBounds(box(30.5, 114.3, 0.05), CITY)).toBeNull();
    const b = box(CHANGDE.lat, CHANGDE.lon, 0.01);
    expect(clipToBounds(b, null)).toBe(b);
  });

  it("draws a few tiles for the live map's view, all touching the pack's bounds", () => {
    const { box: view, metresPerUnit } = viewport([CHANGDE], 400, 200, 2400);
    const { z, tiles } = tilesForView(view, metresPerUnit, pack);
    expect(z).toBe(14);
    expect(tiles.length).toBeGreaterThan(0);
    expect(tiles.length).toBeLessThanOrEqual(6);
    for (const t of tiles) {
      const { nw, se } = tileCorners(t);
      expect(se.lon >= CITY[0] && nw.lon <= CITY[2] && nw.lat >= CITY[1] && se.lat <= CITY[3]).toBe(true);
    }
  });

  it("draws nothing outside the pack's bounds", () => {
    const { box: view, metresPerUnit } = viewport([{ lat: 30.59, lon: 114.3 }], 400, 200, 2400);
    expect(tilesForView(view, metresPerUnit, pack).tiles).toEqual([]);
  });

  it('draws only the part of a view the pack covers', () => {
    // A view centred on the pack's east edge: no tile wholly east of it.
    const { box: view, metresPerUnit } = viewport([{ lat: 29.03, lon: 111.75 }], 400, 200, 2400);
    const { tiles } = tilesForView(view, metresPerUnit, pack);
    expect(tiles.length).toBeGreaterThan(0);
    expect(tiles.every((t) => tileCorners(t).nw.lon <= CITY[2])).toBe(true);
    expect(tiles.length).toBeLessThan(tilesCovering(view, 14).length);
  });

  it('zooms out rather than draw more than the cap, and never more than the cap', () => {
    const wide = box(CHANGDE.lat, CHANGDE.lon, 0.5);
    const loose = { minzoom: 8, maxzoom: 17, bounds: null };
    const { z, tiles } = tilesForView(wide, 0.5, loose);
    expect(tiles.length).toBeLessThanOrEqual(MAX_TILES);
    expect(z).toBeLessThan(17);
    expect(tilesCovering(wide, z + 1).length).toBeGreaterThan(MAX_TILES);
    // The pack's least zoom still needs too many: the cap's worth nearest the middle.
    const capped = tilesForView(wide, 0.5, { minzoom: 15, maxzoom: 17, bounds: null }, 9);
    expect(capped.z).toBe(15);
    expect(capped.tiles.length).toBe(9);
    const mid = tileXY(CHANGDE, 15);
    for (const t of capped.tiles) {
      expect(Math.abs(t.x + 0.5 - mid.x)).toBeLessThanOrEqual(2);
      expect(Math.abs(t.y + 0.5 - mid.y)).toBeLessThanOrEqual(2);
    }
  });
});
