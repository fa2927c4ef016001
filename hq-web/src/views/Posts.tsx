//! 驻点 — post compliance: every post × duty window of a day with its status (on time, late,
//! left early, missed, …) and minutes held, and the same on the map for the chosen window
//! (the window containing now by default).

import L from 'leaflet';
import { useEffect, useMemo, useState } from 'preact/hooks';
import * as hq from '../api/hq';
import type { PostCompliance, WindowCompliance, WindowStatus } from '../api/types';
import { CityMap } from '../components/CityMap';
import { DateField, rememberDay, rememberedDay } from '../components/DateField';
import { ErrorLine, Loading, Raw } from '../components/Status';
import { t, type Key } from '../i18n';
import { cellsLayer, esc, ll } from '../lib/map';
import { STATUS_CLASS } from '../lib/posts';
import { fmtClock, fmtMinutes } from '../lib/time';
import { useApp, useLoad, useNow } from '../state';

const STATUS_COLOUR: Record<WindowStatus, string> = {
  upcoming: '#8a8f98',
  in_progress: '#4fc3f7',
  on_time: '#3ddc84',
  late: '#ffb300',
  left_early: '#ffb300',
  late_and_left_early: '#ff7043',
  missed: '#ff5252',
};

const slot = (w: WindowCompliance) => `${w.window.start}–${w.window.end}`;

export function PostsView() {
  const { city, tz, ticks } = useApp();
  const now = useNow(30_000);
  const [date, setDate] = useState(rememberedDay(tz));
  const [map, setMap] = useState<L.Map | null>(null);
  const rows = useLoad(() => hq.compliance(date), [date, ticks.figures, Math.floor(now / 60_000)]);
  const slots = useMemo(() => {
    const s = new Set<string>();
    for (const p of rows.data ?? []) for (const w of p.windows) s.add(slot(w));
    return [...s].sort();
  }, [rows.data]);
  const current = useMemo(() => {
    for (const p of rows.data ?? []) for (const w of p.windows) if (w.start_ms <= now && now < w.end_ms) return slot(w);
    return slots[0] ?? '';
  }, [rows.data, slots, now]);
  const [chosen, setChosen] = useState<string | null>(null);
  const active = chosen && slots.includes(chosen) ? chosen : current;

  useEffect(() => {
    if (!map) return;
    const cells = cellsLayer(city, () => ({ color: '#3a4a60', fillColor: '#1d2a3a', fillOpacity: 0.1 })).addTo(map);
    const layer = L.layerGroup();
    const byId = new Map((rows.data ?? []).map((p) => [p.post_id, p]));
    for (const p of city?.posts ?? []) {
      const w = byId.get(p.id)?.windows.find((x) => slot(x) === active);
      const colour = w ? STATUS_COLOUR[w.status] : '#555b66';
      L.circle(ll(p.location), { radius: Math.max(p.radius_m, 60), color: colour, weight: 3, fillColor: colour, fillOpacity: 0.45 })
        .bindTooltip(
          `<span class="raw">${esc(p.id)}</span> ${esc(p.name)}${w ? ` · ${esc(t(`status.${w.status}` as Key))} · ${esc(fmtMinutes(w.minutes_on_post))}` : ''}`,
          { className: 'map-tip' },
        )
        .addTo(layer);
    }
    layer.addTo(map);
    return () => {
      cells.remove();
      layer.remove();
    };
  }, [map, city, rows.data, active]);

  const totals = useMemo(() => tally(rows.data ?? []), [rows.data]);

  return (
    <section class="split wide-panel" data-view-root="posts">
      <CityMap city={city} onMap={setMap} label={t('nav.posts')} />
      <aside class="panel">
        <header class="page-head">
          <h2>{t('nav.posts')}</h2>
          <DateField value={date} onChange={(d) => (rememberDay(d), setDate(d))} />
        </header>
        <ErrorLine error={rows.error} />
        <Loading on={rows.loading && !rows.data} />
        <div class="legend">
          {(Object.keys(STATUS_COLOUR) as WindowStatus[]).map((s) => (
            <span class="chip" key={s}><i class={`swatch ${STATUS_CLASS[s]}`} />{t(`status.${s}` as Key)} {totals[s] ?? 0}</span>
          ))}
        </div>
        {rows.data && (
          <div class="table-wrap">
            <table class="grid-table" data-table="compliance">
              <thead>
                <tr>
                  <th>{t('posts.post')}</th>
                  {slots.map((s) => (
                    <th key={s} class={s === active ? 'active' : ''}>
                      <button class="btn link" onClick={() => setChosen(s)}>{s}</button>
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {rows.data.map((p) => (
                  <tr key={p.post_id} data-post={p.post_id}>
                    <th><Raw>{p.post_id}</Raw> {p.name}</th>
                    {slots.map((s) => {
                      const w = p.windows.find((x) => slot(x) === s);
                      return (
                        <td key={s} class={w ? STATUS_CLASS[w.status] : 'st-none'} data-status={w?.status ?? ''}>
                          {w ? (
                            <>
                              <span class="status">{t(`status.${w.status}` as Key)}</span>
                              <span class="minutes">{fmtMinutes(w.minutes_on_post)}</span>
                              {w.first_arrival_ms != null && <span class="muted small">{t('posts.arrived', { at: fmtClock(w.first_arrival_ms, tz) })}</span>}
                              {w.officers.length > 0 && <span class="muted small">{w.officers.join('、')}</span>}
                            </>
                          ) : (
                            '—'
                          )}
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </aside>
    </section>
  );
}

function tally(rows: PostCompliance[]): Partial<Record<WindowStatus, number>> {
  const out: Partial<Record<WindowStatus, number>> = {};
  for (const p of rows) for (const w of p.windows) out[w.status] = (out[w.status] ?? 0) + 1;
  return out;
}
