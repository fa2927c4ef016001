//! A Leaflet map filling its box, fitted to the city. The map lives as long as the component
//! (refitted, not recreated, when the city arrives or changes), so views never hold a removed
//! map. Views add their own layers to the map they get through `onMap` (called once it exists,
//! and with null when it goes away).

import L from 'leaflet';
import { useEffect, useRef } from 'preact/hooks';
import type { City } from '../api/types';
import { cityBounds, createMap } from '../lib/map';

export function CityMap({ city, onMap, label }: { city: City | null; onMap: (m: L.Map | null) => void; label: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const map = useRef<L.Map | null>(null);
  useEffect(() => {
    if (!ref.current) return;
    const m = createMap(ref.current, city);
    map.current = m;
    onMap(m);
    const ro = new ResizeObserver(() => m.invalidateSize());
    ro.observe(ref.current);
    return () => {
      ro.disconnect();
      map.current = null;
      onMap(null);
      m.remove();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  useEffect(() => {
    if (city) map.current?.fitBounds(cityBounds(city), { padding: [16, 16] });
  }, [city]);
  return <div class="map" ref={ref} role="region" aria-label={label} />;
}
