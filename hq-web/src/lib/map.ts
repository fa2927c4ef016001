//! Leaflet without anything from the network: no default marker images (circle markers and
//! divIcons only), no attribution link, a plain dark background when the city has no map pack,
//! and HQ's own tiles under the overlays when it has one.

import L from 'leaflet';
import 'leaflet/dist/leaflet.css';
import type { City, LatLon } from '../api/types';
import { mapPack, TILE_URL } from '../api/hq';

export const ll = (p: LatLon): L.LatLngTuple => [p.lat, p.lon];

/** The bounds of every cell and post of the city (the demo's centre if it has none). */
export function cityBounds(city: City | null): L.LatLngBounds {
  const pts: L.LatLngTuple[] = [];
  for (const c of city?.cells ?? []) for (const p of c.ring) pts.push(ll(p));
  for (const p of city?.posts ?? []) pts.push(ll(p.location));
  if (pts.length === 0) return L.latLngBounds([29.0, 111.65], [29.06, 111.72]);
  return L.latLngBounds(pts);
}

/** A map in `el` fitted to the city, with HQ's tiles when a pack exists (404 = none). */
export function createMap(el: HTMLElement, city: City | null): L.Map {
  // No animations: a wall screen gains nothing from them, and a zoom or fade still running
  // when a view closes would touch a map already removed (Leaflet's `_leaflet_pos` errors).
  const map = L.map(el, {
    attributionControl: false,
    zoomControl: true,
    preferCanvas: true,
    zoomSnap: 0.25,
    zoomAnimation: false,
    fadeAnimation: false,
    markerZoomAnimation: false,
  });
  let alive = true;
  map.on('unload', () => {
    alive = false;
  });
  map.fitBounds(cityBounds(city), { padding: [16, 16] });
  mapPack().then(
    (m) => {
      // The view may have closed while HQ answered.
      if (!alive || !m.pack) return;
      const b = m.pack.bounds;
      L.tileLayer(TILE_URL, {
        minZoom: m.pack.minzoom,
        maxZoom: Math.max(m.pack.maxzoom, 19),
        maxNativeZoom: m.pack.maxzoom,
        ...(b ? { bounds: L.latLngBounds([b[1], b[0]], [b[3], b[2]]) } : {}),
      }).addTo(map).bringToBack();
    },
    () => undefined,
  );
  return map;
}

/** Grid cells as polygons, styled per cell. */
export function cellsLayer(
  city: City | null,
  style: (cellId: string) => L.PathOptions,
  label?: (cellId: string, name: string) => string,
): L.LayerGroup {
  const g = L.layerGroup();
  for (const c of city?.cells ?? []) {
    const poly = L.polygon(c.ring.map(ll), { weight: 1, ...style(c.id) });
    if (label) poly.bindTooltip(label(c.id, c.name), { sticky: true, className: 'map-tip' });
    poly.addTo(g);
  }
  return g;
}

export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
