//! The route on an inline SVG: a flat local projection of the route polyline, the outlines of
//! the grid cells near it (the current one shaded), posts as squares, and a dispatch's target
//! (a ringed cross with its on-scene radius, a dashed line from where the officer is). Under
//! them, when the device holds the city's map pack, its tiles (`MapTiles`, from Rust, never the
//! network) behind a light veil, and the cell labels get a halo to read on any base map;
//! without a pack the plain schematic. `data-basemap` says which.

import type { GridCell, LatLon, Post } from '../api/types';
import { bbox, intersects, viewport } from '../lib/geo';
import { useApp } from '../state/store';
import { MapTiles } from './MapTiles';

const W = 400;

export function MapView(p: {
  route: [number, number][];
  cells: GridCell[];
  posts: Post[];
  currentCell: string | null;
  label: string;
  /** 4:3 (tablet column) instead of 2:1 (phone). */
  tall?: boolean;
  /** A dispatch's scene, kept in view with the route. */
  target?: LatLon | null;
  /** The scene's radius (on scene within it), in metres. */
  targetRadiusM?: number;
  /** The smallest span shown, in metres (default 2.4 km). */
  minSpanM?: number;
}) {
  const pack = useApp((s) => s.mapPack?.ready ?? null);
  const H = p.tall ? 300 : 200;
  const pts: LatLon[] = p.route.map(([lat, lon]) => ({ lat, lon }));
  const target = p.target ?? null;
  const { project, box, metresPerUnit } = viewport(target ? [...pts, target] : pts, W, H, p.minSpanM ?? 2400);
  const cells = p.cells.filter((c) => {
    const b = bbox(c.ring);
    return b !== null && intersects(b, box);
  });
  const posts = p.posts.filter((x) => intersects({ minLat: x.location.lat, maxLat: x.location.lat, minLon: x.location.lon, maxLon: x.location.lon }, box));
  const path = pts.map((q) => project(q).map((n) => n.toFixed(1)).join(',')).join(' ');
  const last = pts[pts.length - 1];
  const first = pts[0];
  return (
    <svg
      class={p.tall ? 'map map-tall' : 'map'}
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={p.label}
      preserveAspectRatio="xMidYMid meet"
      data-basemap={pack ? 'pack' : 'schematic'}
    >
      <rect x="0" y="0" width={W} height={H} class="map-bg" />
      {pack ? <MapTiles pack={pack} box={box} metresPerUnit={metresPerUnit} project={project} /> : null}
      {pack ? <rect x="0" y="0" width={W} height={H} class="map-veil" /> : null}
      {cells.map((c) => {
        const ring = c.ring.map((q) => project(q).map((n) => n.toFixed(1)).join(',')).join(' ');
        const [cx, cy] = project({
          lat: c.ring.reduce((s, q) => s + q.lat, 0) / c.ring.length,
          lon: c.ring.reduce((s, q) => s + q.lon, 0) / c.ring.length,
        });
        const on = c.id === p.currentCell;
        return (
          <g key={c.id}>
            <polygon points={ring} class={on ? 'map-cell on' : 'map-cell'} />
            <text x={cx.toFixed(1)} y={cy.toFixed(1)} class="map-cell-label" text-anchor="middle">
              {c.id}
            </text>
          </g>
        );
      })}
      {posts.map((x) => {
        const [px, py] = project(x.location);
        return <rect key={x.id} x={px - 5} y={py - 5} width="10" height="10" class="map-post" />;
      })}
      {pts.length > 1 ? <polyline points={path} class="map-route-halo" /> : null}
      {pts.length > 1 ? <polyline points={path} class="map-route" /> : null}
      {first && pts.length > 1 ? <circle cx={project(first)[0]} cy={project(first)[1]} r="6" class="map-start" /> : null}
      {target && last ? (
        <line x1={project(last)[0]} y1={project(last)[1]} x2={project(target)[0]} y2={project(target)[1]} class="map-target-line" />
      ) : null}
      {target ? <TargetMark at={project(target)} radius={(p.targetRadiusM ?? 0) / metresPerUnit} /> : null}
      {last ? <circle cx={project(last)[0]} cy={project(last)[1]} r="9" class="map-here" /> : null}
    </svg>
  );
}

/** The scene: its radius (when big enough to see), a ring and a cross, drawn over the route. */
function TargetMark(p: { at: [number, number]; radius: number }) {
  const [x, y] = p.at;
  return (
    <g class="map-target" data-testid="map-target">
      {p.radius > 12 ? <circle cx={x} cy={y} r={p.radius.toFixed(1)} class="map-target-area" /> : null}
      <circle cx={x} cy={y} r="12" class="map-target-ring" />
      <path d={`M${x - 18} ${y}H${x + 18}M${x} ${y - 18}V${y + 18}`} class="map-target-cross" />
    </g>
  );
}
