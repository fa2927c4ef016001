//! 实时地图 — the live map: grid cells, posts coloured by whether they are held now, every unit
//! as a circle coloured by the age of its fix (fresh / amber / grey, recomputed from `seen_ms`
//! and the clock), a side list sortable by age, the coverage layer as a toggle, and a unit's
//! route today on click. Units refetch on pushed uploads (`ticks.upload`, at most every 2 s),
//! compliance and coverage on `ticks.figures` (at most every 10 s).
//! The coverage view (`coverage` prop) is the same map with the layer on and its panel.

import L from 'leaflet';
import { useEffect, useMemo, useState } from 'preact/hooks';
import * as hq from '../api/hq';
import type { HqError } from '../api/client';
import type { Coverage, Track, Unit } from '../api/types';
import { CityMap } from '../components/CityMap';
import { ErrorLine, Raw } from '../components/Status';
import { t, tk, type Key } from '../i18n';
import { ageNow, freshness, FRESHNESS_COLOUR } from '../lib/age';
import { BAND_COLOUR, BANDS } from '../lib/coverage';
import { cellsLayer, esc, ll } from '../lib/map';
import { postNow, POST_NOW_COLOUR } from '../lib/posts';
import { cityToday, fmtAge, fmtClock } from '../lib/time';
import { useApp, useLoad, useNow } from '../state';

type Sort = 'age' | 'group';

export function LiveView({ coverage: coverageMode = false }: { coverage?: boolean }) {
  const { city, tz, ticks } = useApp();
  const now = useNow(5000);
  const [map, setMap] = useState<L.Map | null>(null);
  const [showCoverage, setShowCoverage] = useState(coverageMode);
  const [sort, setSort] = useState<Sort>('age');
  const [selected, setSelected] = useState<Unit | null>(null);
  const [route, setRoute] = useState<Track | null>(null);
  const [routeError, setRouteError] = useState(false);
  const today = cityToday(tz, now);

  const units = useLoad(hq.units, [ticks.upload, ticks.devices]);
  const posts = useLoad(() => hq.compliance(today), [today, ticks.figures, Math.floor(now / 60_000)]);
  const cov = useLoad<Coverage | null>(() => (showCoverage ? hq.coverage() : Promise.resolve(null)), [showCoverage, ticks.figures]);

  // Cells: plain outlines, or coloured by band when the coverage layer is on.
  useEffect(() => {
    if (!map) return;
    const bands = new Map((cov.data?.cells ?? []).map((c) => [c.cell_id, c]));
    const layer = cellsLayer(
      city,
      (id) => {
        const c = bands.get(id);
        return c && showCoverage
          ? { color: '#5b6b80', fillColor: BAND_COLOUR[c.band], fillOpacity: 0.42 }
          : { color: '#4a5a70', fillColor: '#1d2a3a', fillOpacity: 0.15 };
      },
      (id, name) => {
        const c = bands.get(id);
        const eta = c && showCoverage ? ` · ${c.eta_s == null ? t('coverage.no_unit') : t('coverage.eta', { m: (c.eta_s / 60).toFixed(1) })}` : '';
        return `<span class="raw">${esc(id)}</span> ${esc(name)}${esc(eta)}`;
      },
    ).addTo(map);
    return () => void layer.remove();
  }, [map, city, cov.data, showCoverage]);

  // Posts, coloured by whether they are held now.
  useEffect(() => {
    if (!map || !city) return;
    const byId = new Map((posts.data ?? []).map((p) => [p.post_id, p]));
    const layer = L.layerGroup();
    for (const p of city.posts) {
      const state = postNow(byId.get(p.id), now);
      L.circle(ll(p.location), { radius: p.radius_m, color: POST_NOW_COLOUR[state], weight: 2, fillOpacity: 0.25 }).addTo(layer);
      L.marker(ll(p.location), {
        icon: L.divIcon({ className: `post-icon post-${state}`, html: '', iconSize: [14, 14] }),
        keyboard: false,
      })
        .bindTooltip(`<span class="raw">${esc(p.id)}</span> ${esc(p.name)} · ${esc(t(`post.now.${state}` as Key))}`, { className: 'map-tip' })
        .addTo(layer);
    }
    layer.addTo(map);
    return () => void layer.remove();
  }, [map, city, posts.data, Math.floor(now / 30_000)]);

  // Units as circle markers coloured by fix age.
  useEffect(() => {
    if (!map) return;
    const layer = L.layerGroup();
    for (const u of units.data ?? []) {
      const f = freshness(ageNow(u.seen_ms, now));
      const m = L.circleMarker([u.last_fix.lat, u.last_fix.lon], {
        radius: selected?.device_id === u.device_id ? 10 : 7,
        color: '#0b1118',
        weight: 2,
        fillColor: FRESHNESS_COLOUR[f],
        fillOpacity: 0.95,
      });
      m.bindTooltip(unitTip(u, now), { className: 'map-tip' });
      m.on('click', () => setSelected(u));
      m.addTo(layer);
    }
    layer.addTo(map);
    return () => void layer.remove();
  }, [map, units.data, now, selected]);

  // The selected unit's route today.
  useEffect(() => {
    setRoute(null);
    setRouteError(false);
    if (!selected) return;
    hq.track(selected.patrol_id).then(setRoute, () => setRouteError(true));
  }, [selected?.patrol_id, ticks.upload]);
  useEffect(() => {
    if (!map || !route || route.points.length === 0) return;
    const line = L.polyline(route.points.map(([, lat, lon]) => [lat, lon] as L.LatLngTuple), { color: '#4fc3f7', weight: 4, opacity: 0.9 }).addTo(map);
    return () => void line.remove();
  }, [map, route]);

  const list = useMemo(() => {
    const xs = [...(units.data ?? [])];
    if (sort === 'age') xs.sort((a, b) => b.seen_ms - a.seen_ms);
    else xs.sort((a, b) => a.group.localeCompare(b.group) || a.device_id.localeCompare(b.device_id));
    return xs;
  }, [units.data, sort]);
  const signature = (units.data ?? []).map((u) => `${u.device_id}:${u.seen_ms}`).join(',');
  const counts = { fresh: 0, stale: 0, lost: 0 };
  for (const u of units.data ?? []) counts[freshness(ageNow(u.seen_ms, now))]++;

  return (
    <section class="split" data-view-root={coverageMode ? 'coverage' : 'live'}>
      <CityMap city={city} onMap={setMap} label={t(coverageMode ? 'nav.coverage' : 'nav.live')} />
      <aside class="panel">
        <h2>{t(coverageMode ? 'nav.coverage' : 'nav.live')}</h2>
        <ErrorLine error={units.error} />
        <div class="legend">
          <span class="chip"><i class="dot fresh" />{t('age.fresh')} {counts.fresh}</span>
          <span class="chip"><i class="dot stale" />{t('age.stale')} {counts.stale}</span>
          <span class="chip"><i class="dot lost" />{t('age.lost')} {counts.lost}</span>
        </div>
        <p class="unit-count" data-count={units.data?.length ?? 0} data-signature={signature}>
          {t('live.units', { n: units.data?.length ?? 0 })}
        </p>
        <label class="toggle">
          <input type="checkbox" checked={showCoverage} onChange={(e) => setShowCoverage((e.target as HTMLInputElement).checked)} />
          {t('coverage.layer')}
        </label>
        {showCoverage && <CoveragePanel cov={cov.data ?? null} error={cov.error} full={coverageMode} />}
        {selected && (
          <div class="card selected" data-selected={selected.device_id}>
            <h3>{t('live.unit')} <Raw>{selected.group}</Raw> · {tk(`patrol.mode.${selected.mode}`, undefined, selected.mode)}</h3>
            <p>{t('live.officers')}: {(selected.officers ?? []).join('、') || '—'}</p>
            <p>{t('live.last_seen', { age: fmtAge(ageNow(selected.seen_ms, now)), at: fmtClock(selected.seen_ms, tz) })}</p>
            {route && <p>{t('live.route_today', { km: route.distance_km.toFixed(2), n: route.points.length })}</p>}
            {routeError && <p class="note not-available">{t('common.not_available')}</p>}
            <button class="btn small" onClick={() => setSelected(null)}>{t('common.close')}</button>
          </div>
        )}
        {!coverageMode && (
          <>
            <div class="row">
              <span>{t('live.sort')}</span>
              <button class={`btn small ${sort === 'age' ? 'primary' : ''}`} onClick={() => setSort('age')}>{t('live.sort_age')}</button>
              <button class={`btn small ${sort === 'group' ? 'primary' : ''}`} onClick={() => setSort('group')}>{t('live.sort_group')}</button>
            </div>
            <ul class="units">
              {list.map((u) => {
                const age = ageNow(u.seen_ms, now);
                return (
                  <li key={u.device_id} data-device={u.device_id} data-seen={u.seen_ms} class={selected?.device_id === u.device_id ? 'sel' : ''}>
                    <button class="unit" onClick={() => setSelected(u)}>
                      <i class={`dot ${freshness(age)}`} />
                      <Raw>{u.group}</Raw>
                      <span>{tk(`patrol.mode.${u.mode}`, undefined, u.mode)}</span>
                      <span class="officers user">{(u.officers ?? []).join('、')}</span>
                      <span class="age">{fmtAge(age)}</span>
                    </button>
                  </li>
                );
              })}
            </ul>
            {units.data && units.data.length === 0 && <p class="note muted">{t('live.none')}</p>}
          </>
        )}
      </aside>
    </section>
  );
}

function unitTip(u: Unit, now: number): string {
  const mode = tk(`patrol.mode.${u.mode}`, undefined, u.mode);
  const officers = (u.officers ?? []).join('、');
  return [
    `<b class="raw">${esc(u.group)}</b> · ${esc(mode)}`,
    officers ? esc(officers) : '',
    esc(t('live.last_seen_short', { age: fmtAge(ageNow(u.seen_ms, now)) })),
  ]
    .filter(Boolean)
    .join('<br>');
}

function CoveragePanel({ cov, error, full }: { cov: Coverage | null; error: HqError | undefined; full: boolean }) {
  const { tz, city } = useApp();
  const names = new Map((city?.cells ?? []).map((c) => [c.id, c.name]));
  return (
    <div class="coverage">
      <ErrorLine error={error} />
      <div class="legend" data-legend="coverage">
        {BANDS.map((b) => (
          <span class="chip" key={b}><i class="swatch" style={{ background: BAND_COLOUR[b] }} />{t(`coverage.band.${b}` as Key)}</span>
        ))}
      </div>
      <p class="note estimate">{t('coverage.estimate')}</p>
      {cov && (
        <>
          <p class="muted small">
            {t('coverage.model', {
              detour: cov.model.detour_factor,
              speeds: Object.entries(cov.model.speeds_kmh).map(([m, v]) => `${tk(`patrol.mode.${m}`, undefined, m)} ${v}`).join('、'),
              age: cov.model.max_fix_age_s,
            })}
          </p>
          <p class="muted small">{t('coverage.generated', { at: fmtClock(cov.generated_ms, tz) })}</p>
          <h3>{t('coverage.outside', { n: cov.outside.length })}</h3>
          <ul class={`outside ${full ? 'full' : ''}`} data-outside={cov.outside.length}>
            {cov.outside.map((id) => (
              <li key={id}><Raw>{id}</Raw> {names.get(id) ?? ''}</li>
            ))}
          </ul>
        </>
      )}
    </div>
  );
}

