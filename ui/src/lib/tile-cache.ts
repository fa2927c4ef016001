//! The map pack's tiles as blob: URLs (the CSP allows `img-src blob:`), one per `z/x/y` of the
//! current pack: fetched once however many views ask at the same time, the least recently used
//! dropped past `capacity` (its URL revoked), and every tile of a pack dropped when a pack with
//! another sha256 takes its place. A tile the pack does not have is kept as `null` ("none"), so
//! it is not asked for again; a failed fetch is not kept, so the next view asks again.

import { tileKey, type TileId } from './tiles';

/** A tile as the cache holds it: its blob: URL, `null` for "the pack has none", `undefined`
 * while not (yet) loaded. */
export type TileUrl = string | null | undefined;

export type TileCacheDeps = {
  /** The tile's bytes (`map_tile`); empty when the pack has no tile there. */
  fetch(t: TileId): Promise<ArrayBuffer>;
  /** A URL for the bytes (`URL.createObjectURL` of a Blob of type `mime`). */
  createUrl(bytes: ArrayBuffer, mime: string): string;
  /** Free a URL made by `createUrl`. */
  revokeUrl(url: string): void;
  /** How many tiles to keep (default 256). */
  capacity?: number;
};

/** The MIME type of a pack's `format` (`png`, `jpg`, `webp`). */
export function tileMime(format: string): string {
  const f = format.toLowerCase();
  return f === 'jpg' || f === 'jpeg' ? 'image/jpeg' : f === 'webp' ? 'image/webp' : 'image/png';
}

export class TileCache {
  /** The pack the cached tiles belong to. */
  private sha: string | null = null;
  /** Tiles by key, least recently used first (a Map keeps insertion order). */
  private tiles = new Map<string, string | null>();
  private inflight = new Map<string, Promise<string | null>>();
  private readonly deps: TileCacheDeps;
  private readonly capacity: number;

  constructor(deps: TileCacheDeps) {
    this.deps = deps;
    this.capacity = Math.max(1, deps.capacity ?? 256);
  }

  /** How many tiles are kept (URLs and "none"s). */
  get size(): number {
    return this.tiles.size;
  }

  /** Make `sha` the current pack: another pack's tiles are all dropped and their URLs revoked. */
  use(sha: string): void {
    if (sha === this.sha) return;
    this.clear();
    this.sha = sha;
  }

  /** The tile as cached for pack `sha`, marked as just used; `undefined` when not loaded. */
  get(sha: string, t: TileId): TileUrl {
    if (sha !== this.sha) return undefined;
    const key = tileKey(t);
    if (!this.tiles.has(key)) return undefined;
    const url = this.tiles.get(key) ?? null;
    this.tiles.delete(key);
    this.tiles.set(key, url);
    return url;
  }

  /** Load a tile of pack `sha` (once, however many ask): its URL, or `null` when it has none. */
  load(sha: string, t: TileId, mime: string): Promise<string | null> {
    this.use(sha);
    const cached = this.get(sha, t);
    if (cached !== undefined) return Promise.resolve(cached);
    const key = tileKey(t);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const p = this.deps.fetch(t).then(
      (bytes) => {
        // The pack changed while the tile was on its way: it belongs to no one now.
        if (this.sha !== sha || this.inflight.get(key) !== p) return null;
        this.inflight.delete(key);
        const url = bytes.byteLength > 0 ? this.deps.createUrl(bytes, mime) : null;
        this.put(key, url);
        return url;
      },
      () => {
        if (this.inflight.get(key) === p) this.inflight.delete(key);
        return null;
      },
    );
    this.inflight.set(key, p);
    return p;
  }

  /** Drop every tile and revoke every URL. */
  clear(): void {
    for (const url of this.tiles.values()) if (url) this.deps.revokeUrl(url);
    this.tiles.clear();
    this.inflight.clear();
  }

  private put(key: string, url: string | null): void {
    const old = this.tiles.get(key);
    if (old && old !== url) this.deps.revokeUrl(old);
    this.tiles.delete(key);
    this.tiles.set(key, url);
    while (this.tiles.size > this.capacity) {
      const [oldest, gone] = this.tiles.entries().next().value as [string, string | null];
      this.tiles.delete(oldest);
      if (gone) this.deps.revokeUrl(gone);
    }
  }
}
