// The map's tile cache: one fetch per tile however many ask, an empty answer kept as "none",
// a failed fetch not kept, the least recently used dropped past its capacity with its URL
// revoked, and every tile dropped when a pack with another sha256 takes over; and the bytes
// `map_tile` answers, however the IPC hands them over.
import { describe, expect, it } from 'vitest';
import { SAVING, tileBytes } from '../src/api/client';
import { TileCache, tileMime } from '../src/lib/tile-cache';
import type { TileId } from '../src/lib/tiles';

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const PNG = 'image/png';
const tile = (x: number, y = 0, z = 15): TileId => ({ z, x, y });

/** A cache over a fake `map_tile`: tiles with x ≥ 100 are "none", x = 99 fails; every URL made
 * and revoked is noted. */
function setup(capacity?: number) {
  const fetched: string[] = [];
  const made: string[] = [];
  const revoked: string[] = [];
  const waiting: (() => void)[] = [];
  let hold = false;
  let n = 0;
  const cache = new TileCache({
    capacity,
    fetch: (t) => {
      fetched.push(`${t.z}/${t.x}/${t.y}`);
      const answer = () => (t.x === 99 ? Promise.reject(new Error('io')) : Promise.resolve(new ArrayBuffer(t.x >= 100 ? 0 : 8)));
      if (!hold) return answer();
      return new Promise<ArrayBuffer>((resolve, reject) => waiting.push(() => void answer().then(resolve, reject)));
    },
    createUrl: (bytes, mime) => {
      const url = `blob:test/${++n}-${mime}-${bytes.byteLength}`;
      made.push(url);
      return url;
    },
    revokeUrl: (url) => void revoked.push(url),
  });
  return {
    cache, fetched, made, revoked,
    hold: () => (hold = true),
    release: () => waiting.splice(0).forEach((f) => f()),
  };
}

describe('tile cache', () => {
  it('loads a tile once and answers it from the cache after', async () => {
    const { cache, fetched } = setup();
    expect(cache.get(A, tile(1))).toBeUndefined();
    const url = await cache.load(A, tile(1), PNG);
    expect(url).toMatch(/^blob:test\/1-image\/png-8$/);
    expect(cache.get(A, tile(1))).toBe(url);
    expect(await cache.load(A, tile(1), PNG)).toBe(url);
    expect(fetched).toEqual(['15/1/0']);
  });

  it('asks Rust once for a tile many views want at the same time', async () => {
    const { cache, fetched, hold, release } = setup();
    hold();
    const all = Promise.all([cache.load(A, tile(1), PNG), cache.load(A, tile(1), PNG), cache.load(A, tile(1), PNG)]);
    release();
    const urls = await all;
    expect(new Set(urls).size).toBe(1);
    expect(fetched).toEqual(['15/1/0']);
  });

  it('keeps "no tile there" as null and does not ask again', async () => {
    const { cache, fetched, made } = setup();
    expect(await cache.load(A, tile(100), PNG)).toBeNull();
    expect(cache.get(A, tile(100))).toBeNull();
    expect(await cache.load(A, tile(100), PNG)).toBeNull();
    expect(fetched).toEqual(['15/100/0']);
    expect(made).toEqual([]);
  });

  it('does not keep a failed fetch: the next view asks again', async () => {
    const { cache, fetched } = setup();
    expect(await cache.load(A, tile(99), PNG)).toBeNull();
    expect(cache.get(A, tile(99))).toBeUndefined();
    await cache.load(A, tile(99), PNG);
    expect(fetched).toEqual(['15/99/0', '15/99/0']);
  });

  it('drops the least recently used past its capacity and revokes its URL', async () => {
    const { cache, revoked } = setup(3);
    const u1 = await cache.load(A, tile(1), PNG);
    const u2 = await cache.load(A, tile(2), PNG);
    await cache.load(A, tile(3), PNG);
    cache.get(A, tile(1)); // used again: tile 2 is now the oldest
    await cache.load(A, tile(4), PNG);
    expect(cache.size).toBe(3);
    expect(revoked).toEqual([u2]);
    expect(cache.get(A, tile(2))).toBeUndefined();
    expect(cache.get(A, tile(1))).toBe(u1);
    // A "none" counts as an entry too, and has no URL to revoke.
    await cache.load(A, tile(100), PNG);
    await cache.load(A, tile(5), PNG);
    expect(cache.size).toBe(3);
    expect(revoked.length).toBe(3);
  });

  it('drops every tile of the old pack (revoking its URLs) when a pack with another sha256 comes', async () => {
    const { cache, made, revoked, fetched } = setup();
    await cache.load(A, tile(1), PNG);
    await cache.load(A, tile(2), PNG);
    await cache.load(A, tile(100), PNG);
    expect(cache.get(B, tile(1))).toBeUndefined();
    const b1 = await cache.load(B, tile(1), PNG);
    expect([...revoked].sort()).toEqual([...made.slice(0, 2)].sort());
    expect(cache.size).toBe(1);
    expect(cache.get(A, tile(1))).toBeUndefined();
    expect(cache.get(B, tile(1))).toBe(b1);
    expect(fetched.filter((k) => k === '15/1/0').length).toBe(2);
  });

  it("makes no URL for an old pack's tile that arrives after the new pack took over", async () => {
    const { cache, made, hold, release } = setup();
    hold();
    const old = cache.load(A, tile(1), PNG);
    cache.use(B);
    release();
    expect(await old).toBeNull();
    expect(made).toEqual([]);
    expect(cache.get(B, tile(1))).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('gives each format its MIME type', () => {
    expect(tileMime('png')).toBe('image/png');
    expect(tileMime('jpg')).toBe('image/jpeg');
    expect(tileMime('JPEG')).toBe('image/jpeg');
    expect(tileMime('webp')).toBe('image/webp');
  });
});

describe("map_tile's answer over IPC", () => {
  it('is an ArrayBuffer however the IPC hands the bytes over; anything else is "no tile"', () => {
    const buf = new Uint8Array([1, 2, 3]).buffer;
    expect(tileBytes(buf)).toBe(buf);
    expect([...new Uint8Array(tileBytes(new Uint8Array([9, 1, 2, 3]).subarray(1)))]).toEqual([1, 2, 3]);
    expect([...new Uint8Array(tileBytes([1, 2, 3]))]).toEqual([1, 2, 3]);
    expect(tileBytes(null).byteLength).toBe(0);
  });

  it('is not a saving command: no buzz for a tile', () => {
    expect(SAVING.has('map_tile')).toBe(false);
    expect(SAVING.has('map_pack')).toBe(false);
  });
});
