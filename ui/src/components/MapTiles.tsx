//! The city map pack's tiles under the map's overlays: the tiles a view needs (`tilesForView`),
//! each an SVG `<image>` from a blob: URL, placed by projecting its north-west and south-east
//! corners with the view's own projection (linear, fine at city scale). Tiles come from Rust
//! (`map_tile`) through one cache shared by every map; one still loading draws nothing, so the
//! SVG never changes size. No network.

import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import type { LatLon, MapPack } from '../api/types';
import type { Box } from '../lib/geo';
import { TileCache, tileMime } from '../lib/tile-cache';
import { tileCorners, tileKey, tilesForView, type TileId } from '../lib/tiles';

/** Every map's tiles, keyed by the pack's sha256 (a new pack replaces the old one's). */
const cache = new TileCache({
  fetch: (t: TileId) => api().mapTile(t.z, t.x, t.y),
  createUrl: (bytes, mime) => URL.createObjectURL(new Blob([bytes], { type: mime })),
  revokeUrl: (url) => URL.revokeObjectURL(url),
});

/** A hair of overlap so neighbouring tiles leave no seam where their edges are anti-aliased. */
const SEAM = 0.5;

/** Load the tiles not yet cached; re-render as each arrives. */
function useTileLoads(pack: MapPack, tiles: TileId[]): void {
  const [, setLoaded] = useState(0);
  const want = tiles.map(tileKey).join(' ');
  useEffect(() => {
    let live = true;
    const mime = tileMime(pack.format);
    for (const t of tiles) {
      if (cache.get(pack.sha256, t) !== undefined) continue;
      void cache.load(pack.sha256, t, mime).then((url) => {
        if (live && url) setLoaded((n) => n + 1);
      });
    }
    return () => {
      live = false;
    };
  }, [pack.sha256, pack.format, want]);
}

export function MapTiles(p: { pack: MapPack; box: Box; metresPerUnit: number; project: (q: LatLon) => [number, number] }) {
  const { z, tiles } = tilesForView(p.box, p.metresPerUnit, p.pack);
  useTileLoads(p.pack, tiles);
  cache.use(p.pack.sha256);
  return (
    <g class="map-tiles" data-z={z}>
      {tiles.map((t) => {
        const url = cache.get(p.pack.sha256, t);
        if (!url) return null;
        const { nw, se } = tileCorners(t);
        const [x0, y0] = p.project(nw);
        const [x1, y1] = p.project(se);
        return (
          <image
            key={tileKey(t)}
            data-testid="map-tile"
            data-tile={tileKey(t)}
            href={url}
            x={x0.toFixed(2)}
            y={y0.toFixed(2)}
            width={(x1 - x0 + SEAM).toFixed(2)}
            height={(y1 - y0 + SEAM).toFixed(2)}
            preserveAspectRatio="none"
          />
        );
      })}
    </g>
  );
}
