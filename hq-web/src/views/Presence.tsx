//! 见警率 — presence heatmap: minutes of patrol presence per cell on a day, by day or by night
//! ("白天见警察，晚上见警灯"), with the cells that saw no patrol listed and outlined.

import L from 'leaflet';
import { useEffect, useMemo, useState } from 'preact/hooks';
import * as hq from '../api/hq';
import { CityMap } from '../components/CityMap';
import { DateField, rememberDay, rememberedDay } from '../components/DateField';
import { ErrorLine, Loading, Raw } from '../components/Status';
import { t } from '../i18n';
import { heatColour, ZERO_COLOUR } from '../lib/heat';
import { cellsLayer, esc } from '../lib/map';
import { useApp, useLoad } from '../state';

type Part = 'day' | 'night';

export function PresenceView() {
  const { city, tz, ticks } = useApp();
  const [date, setDate] = useState(rememberedDay(tz));
  const [part, setPart] = useState<Part>('day');
  const [map, setMap] = useState<L.Map | null>(null);
  const pres = useLoad(() => hq.presence(date), [date, ticks.figures]);

  const minutes = useMemo(() => {
    const m = new Map<string, number>();
    for (const c of pres.data?.cells ?? []) m.set(c.cell_id, part === 'day' ? c.day_minutes : c.night_minutes);
    return m;
  }, [pres.data, part]);
  const max = Math.max(1, ...minutes.values());
  const zero = (city?.cells ?? []).filter((c) => !((minutes.get(c.id) ?? 0) > 0));

  useEffect(() => {
    if (!map || !pres.data) return;
    const layer = cellsLayer(
      city,
      (id) => {
        const v = minutes.get(id) ?? 0;
        return v > 0
          ? { color: '#0b1118', weight: 1, fillColor: heatColour(v, max), fillOpacity: 0.6 }
          : { color: ZERO_COLOUR, weight: 2, dashArray: '4 3', fillColor: ZERO_COLOUR, fillOpacity: 0.25 };
      },
      (id, name) => `<span class="raw">${esc(id)}</span> ${esc(name)} · ${esc(t('unit.minutes', { n: Math.round(minutes.get(id) ?? 0) }))}`,
    ).addTo(map);
    return () => void layer.remove();
  }, [map, city, minutes, max, pres.data]);

  const hours = pres.data?.day_hours ?? [6, 20];
  return (
    <section class="split" data-view-root="presence">
      <CityMap city={city} onMap={setMap} label={t('nav.presence')} />
      <aside class="panel">
        <header class="page-head">
          <h2>{t('nav.presence')}</h2>
          <DateField value={date} onChange={(d) => (rememberDay(d), setDate(d))} />
        </header>
        <p class="muted">{t('presence.lead')}</p>
        <div class="row" role="group">
          <button class={`btn ${part === 'day' ? 'primary' : ''}`} onClick={() => setPart('day')} data-part="day">
            {t('presence.day', { from: hours[0], to: hours[1] })}
          </button>
          <button class={`btn ${part === 'night' ? 'primary' : ''}`} onClick={() => setPart('night')} data-part="night">
            {t('presence.night', { from: hours[1], to: hours[0] })}
          </button>
        </div>
        <ErrorLine error={pres.error} />
        <Loading on={pres.loading && !pres.data} />
        {pres.data && (
          <>
            <div class="legend">
              <span class="chip"><i class="swatch heat-zero" />{t('presence.zero')}</span>
              <span class="chip"><i class="swatch heat-low" />{t('presence.low')}</span>
              <span class="chip"><i class="swatch heat-high" />{t('presence.high', { n: Math.round(max) })}</span>
            </div>
            <h3>{t('presence.zero_cells', { n: zero.length, total: city?.cells.length ?? 0 })}</h3>
            <ul class="outside full" data-zero={zero.length}>
              {zero.map((c) => (
                <li key={c.id}><Raw>{c.id}</Raw> {c.name}</li>
              ))}
            </ul>
          </>
        )}
      </aside>
    </section>
  );
}
