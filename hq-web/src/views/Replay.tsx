//! 轨迹回放 — route replay: pick a patrol of the day; its route is drawn with the stops marked
//! (with their durations), a time slider and play/pause at 1×–32× that follows the unit, and
//! the totals HQ measured (distance, moving time).

import L from 'leaflet';
import { useEffect, useRef, useState } from 'preact/hooks';
import * as hq from '../api/hq';
import type { Track } from '../api/types';
import { CityMap } from '../components/CityMap';
import { DateField, rememberDay, rememberedDay } from '../components/DateField';
import { ErrorLine, Loading, Raw } from '../components/Status';
import { t, tk } from '../i18n';
import { cellsLayer, esc } from '../lib/map';
import { positionAt, SPEEDS } from '../lib/replay';
import { fmtClock, fmtClockSeconds, fmtHms } from '../lib/time';
import { useApp, useLoad } from '../state';

const TICK_MS = 100;

export function ReplayView() {
  const { city, tz } = useApp();
  const [date, setDate] = useState(rememberedDay(tz));
  const [map, setMap] = useState<L.Map | null>(null);
  const [patrolId, setPatrolId] = useState<string | null>(null);
  const list = useLoad(() => hq.patrols(date), [date]);
  const track = useLoad<Track | null>(() => (patrolId ? hq.track(patrolId) : Promise.resolve(null)), [patrolId]);
  const [time, setTime] = useState(0);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(8);
  const [follow, setFollow] = useState(true);
  const cursor = useRef<L.Marker | null>(null);

  const tr = track.data ?? null;
  const t0 = tr?.points[0]?.[0] ?? 0;
  const t1 = tr?.points[tr.points.length - 1]?.[0] ?? 0;

  useEffect(() => {
    setTime(t0);
    setPlaying(false);
  }, [tr]);

  useEffect(() => {
    if (!playing) return;
    const id = setInterval(() => {
      setTime((x) => {
        const next = x + TICK_MS * speed;
        if (next >= t1) {
          setPlaying(false);
          return t1;
        }
        return next;
      });
    }, TICK_MS);
    return () => clearInterval(id);
  }, [playing, speed, t1]);

  // Cells, the route, and the stops with their durations.
  useEffect(() => {
    if (!map) return;
    const layer = L.layerGroup();
    cellsLayer(city, () => ({ color: '#3a4a60', fillColor: '#1d2a3a', fillOpacity: 0.1 })).addTo(layer);
    if (tr && tr.points.length > 0) {
      const line = L.polyline(tr.points.map(([, a, b]) => [a, b] as L.LatLngTuple), { color: '#4fc3f7', weight: 4 }).addTo(layer);
      for (const s of tr.stops) {
        const mins = Math.round((s.to_ms - s.from_ms) / 60_000);
        L.marker([s.lat, s.lon], {
          icon: L.divIcon({ className: 'stop-icon', html: `<span>${esc(t('replay.stop_min', { n: mins }))}</span>`, iconSize: [56, 22] }),
          keyboard: false,
        })
          .bindTooltip(esc(`${fmtClock(s.from_ms, tz)}–${fmtClock(s.to_ms, tz)}`), { className: 'map-tip' })
          .addTo(layer);
      }
      map.fitBounds(line.getBounds(), { padding: [30, 30], maxZoom: 16 });
      cursor.current = L.marker([tr.points[0][1], tr.points[0][2]], {
        icon: L.divIcon({ className: 'cursor-icon', html: '', iconSize: [18, 18] }),
        keyboard: false,
        zIndexOffset: 1000,
      }).addTo(layer);
    } else cursor.current = null;
    layer.addTo(map);
    return () => void layer.remove();
  }, [map, city, tr]);

  // The cursor follows the time.
  useEffect(() => {
    if (!tr || !cursor.current || !map) return;
    const p = positionAt(tr.points, time);
    if (!p) return;
    cursor.current.setLatLng(p);
    if (follow && playing) map.panTo(p, { animate: false });
  }, [time, tr, map, follow, playing]);

  const stoppedS = (tr?.stops ?? []).reduce((a, s) => a + (s.to_ms - s.from_ms) / 1000, 0);
  return (
    <section class="split" data-view-root="replay">
      <CityMap city={city} onMap={setMap} label={t('nav.replay')} />
      <aside class="panel">
        <header class="page-head">
          <h2>{t('nav.replay')}</h2>
          <DateField value={date} onChange={(d) => (rememberDay(d), setDate(d), setPatrolId(null))} />
        </header>
        <ErrorLine error={list.error} />
        <Loading on={list.loading && !list.data} />
        <label>
          {t('replay.patrol')}{' '}
          <select value={patrolId ?? ''} onChange={(e) => setPatrolId((e.target as HTMLSelectElement).value || null)} data-field="patrol">
            <option value="">{t('replay.pick', { n: list.data?.length ?? 0 })}</option>
            {(list.data ?? []).map((p) => (
              <option key={p.patrol_id} value={p.patrol_id}>
                {`${p.group} · ${tk(`patrol.mode.${p.mode}`, undefined, p.mode)} · ${fmtClock(p.started_ms, tz)}${p.stopped_ms ? `–${fmtClock(p.stopped_ms, tz)}` : ''} · ${p.officers.join('、')}`}
              </option>
            ))}
          </select>
        </label>
        <ErrorLine error={track.error} />
        <Loading on={track.loading && !!patrolId} />
        {tr && (
          <div class="card" data-track={tr.summary.patrol_id}>
            <h3><Raw>{tr.summary.group}</Raw> · {tk(`patrol.mode.${tr.summary.mode}`, undefined, tr.summary.mode)}</h3>
            <p>{tr.summary.officers.join('、') || '—'}</p>
            <dl class="totals">
              <dt>{t('replay.distance')}</dt><dd data-key="distance_km">{t('unit.km', { n: tr.distance_km.toFixed(2) })}</dd>
              <dt>{t('replay.moving')}</dt><dd data-key="moving_s">{fmtHms(tr.moving_s)}</dd>
              <dt>{t('replay.stops')}</dt><dd>{t('replay.stops_n', { n: tr.stops.length, d: fmtHms(stoppedS) })}</dd>
              <dt>{t('replay.points')}</dt><dd>{tr.points.length}</dd>
            </dl>
            {tr.points.length > 1 && (
              <>
                <input
                  class="slider"
                  type="range"
                  min={t0}
                  max={t1}
                  step={1000}
                  value={time}
                  onInput={(e) => setTime(Number((e.target as HTMLInputElement).value))}
                  aria-label={t('replay.time')}
                />
                <p class="clock" data-time={Math.round(time)}>{fmtClockSeconds(time, tz)}</p>
                <div class="row">
                  <button class="btn primary" onClick={() => (time >= t1 && setTime(t0), setPlaying(!playing))} data-action="play">
                    {playing ? t('replay.pause') : t('replay.play')}
                  </button>
                  {SPEEDS.map((s) => (
                    <button key={s} class={`btn small ${speed === s ? 'primary' : ''}`} onClick={() => setSpeed(s)}>{`${s}×`}</button>
                  ))}
                </div>
                <label class="toggle">
                  <input type="checkbox" checked={follow} onChange={(e) => setFollow((e.target as HTMLInputElement).checked)} />
                  {t('replay.follow')}
                </label>
              </>
            )}
          </div>
        )}
      </aside>
    </section>
  );
}
