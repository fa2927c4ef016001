//! 今日战果 — the day's figures in the story's terms, each exactly HQ's number (every figure
//! element carries `data-key` = its DailyStats field), the day's "1-3-5 minute" dispatch
//! figures (`dispatch`, per tier), a chart over 7/14/30 days, and the daily bulletin HQ writes,
//! with copy and download. Any day can be picked; the default is the city's today.

import { useState } from 'preact/hooks';
import * as hq from '../api/hq';
import type { DailyStats } from '../api/types';
import { BarChart } from '../components/BarChart';
import { DateField, rememberDay, rememberedDay } from '../components/DateField';
import { ErrorLine, Loading } from '../components/Status';
import { TierFigures } from '../components/TierFigures';
import { language, t, tk, type Key } from '../i18n';
import { addDays, shortDate } from '../lib/time';
import { useApp, useLoad } from '../state';

/** Headline figures, in the bulletin's order. */
const MAIN: (keyof DailyStats)[] = [
  'officer_trips', 'vehicle_trips', 'volunteers_total', 'patrols', 'km_patrolled', 'post_visits',
  'assistance_cases', 'medical_escorts', 'disputes_resolved', 'lost_persons', 'traffic_accidents',
  'thefts', 'incidents', 'violations_total', 'seized_items', 'flagged_entries',
];
export const VOLUNTEER_CATEGORIES = ['patrol-team', 'red-vest', 'community-cadre', 'grid-worker', 'property-staff', 'security-guard'];
export const VIOLATION_TYPES = ['drunk-driving', 'no-helmet', 'illegal-passenger', 'umbrella-rig', 'red-light', 'illegal-parking', 'jaywalking', 'other-traffic'];
const CHART_METRICS: (keyof DailyStats)[] = ['officer_trips', 'vehicle_trips', 'volunteers_total', 'violations_total', 'km_patrolled'];
const SPANS = [7, 14, 30];

export function TodayView() {
  const { tz, ticks } = useApp();
  const [date, setDate] = useState(rememberedDay(tz));
  const pick = (d: string) => {
    rememberDay(d);
    setDate(d);
  };
  const stats = useLoad(() => hq.daily(date), [date, ticks.figures, ticks.dispatch]);
  return (
    <section class="page" data-view-root="today">
      <header class="page-head">
        <h2>{t('nav.today')}</h2>
        <DateField value={date} onChange={pick} />
      </header>
      <ErrorLine error={stats.error} />
      <Loading on={stats.loading && !stats.data} />
      {stats.data && <Figures s={stats.data} />}
      <div class="two">
        <Chart date={date} />
        <BulletinCard date={date} />
      </div>
    </section>
  );
}

function Figures({ s }: { s: DailyStats }) {
  return (
    <div class="figures" data-date={s.date}>
      <div class="tiles">
        {MAIN.map((k) => (
          <div class={`tile ${k === 'officer_trips' || k === 'vehicle_trips' || k === 'volunteers_total' ? 'big' : ''}`} key={k}>
            <span class="label">{t(`stat.${k}` as Key)}</span>
            <b class="num" data-key={k}>{String(s[k])}</b>
            <span class="unit">{t(`stat.unit.${k}` as Key)}</span>
          </div>
        ))}
      </div>
      {s.dispatch && <TierFigures figures={s.dispatch} date={s.date} />}
      <div class="two">
        <div class="card">
          <h3>{t('stat.volunteers_by_category')}</h3>
          <table class="kv">
            <tbody>
              {VOLUNTEER_CATEGORIES.map((c) => (
                <tr key={c}>
                  <th>{tk(`volunteer.category.${c}`, undefined, c)}</th>
                  <td><b class="num" data-key={`volunteers_by_category.${c}`}>{String(s.volunteers_by_category[c] ?? 0)}</b></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <div class="card">
          <h3>{t('stat.violations_by_type')}</h3>
          <table class="kv">
            <tbody>
              {VIOLATION_TYPES.map((v) => (
                <tr key={v}>
                  <th>{tk(`violation.type.${v}`, undefined, v)}</th>
                  <td><b class="num" data-key={`violations_by_type.${v}`}>{String(s.violations_by_type[v] ?? 0)}</b></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </div>
    </div>
  );
}

function Chart({ date }: { date: string }) {
  const { ticks } = useApp();
  const [span, setSpan] = useState(7);
  const [metric, setMetric] = useState<keyof DailyStats>('officer_trips');
  const from = addDays(date, -(span - 1));
  const range = useLoad(() => hq.range(from, date), [from, date, ticks.figures]);
  const bars = (range.data?.daily ?? []).map((d) => ({
    label: shortDate(d.date),
    value: Number(d[metric]) || 0,
    title: `${d.date}: ${String(d[metric])}`,
  }));
  return (
    <div class="card chart-card">
      <h3>{t('today.chart')}</h3>
      <div class="row">
        <select value={metric} onChange={(e) => setMetric((e.target as HTMLSelectElement).value as keyof DailyStats)} aria-label={t('today.metric')}>
          {CHART_METRICS.map((m) => (
            <option key={m} value={m}>{t(`stat.${m}` as Key)}</option>
          ))}
        </select>
        {SPANS.map((n) => (
          <button key={n} class={`btn small ${span === n ? 'primary' : ''}`} onClick={() => setSpan(n)}>{t('today.days', { n })}</button>
        ))}
      </div>
      <ErrorLine error={range.error} />
      {range.data && <BarChart bars={bars} label={t(`stat.${metric}` as Key)} />}
      {range.data && (
        <p class="muted small">
          {t('today.range_total', { from: range.data.from, to: range.data.to, total: String(range.data.totals[metric]) })}
        </p>
      )}
    </div>
  );
}

function BulletinCard({ date }: { date: string }) {
  const { ticks } = useApp();
  const lang = language();
  const b = useLoad(() => hq.bulletin(date, lang), [date, lang, ticks.figures]);
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    if (!b.data) return;
    try {
      await navigator.clipboard.writeText(b.data.text);
      setCopied(true);
      setTimeout(() => setCopied(false), 2000);
    } catch {
      setCopied(false);
    }
  };
  const download = () => {
    if (!b.data) return;
    const url = URL.createObjectURL(new Blob([b.data.text + '\n'], { type: 'text/plain;charset=utf-8' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `bulletin-${b.data.date}-${b.data.lang}.txt`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };
  return (
    <div class="card bulletin-card">
      <h3>{t('today.bulletin')}</h3>
      <ErrorLine error={b.error} />
      {b.data && <p class="bulletin" data-bulletin={b.data.lang}>{b.data.text}</p>}
      <div class="row">
        <button class="btn" onClick={copy} disabled={!b.data} data-action="copy">{copied ? t('today.copied') : t('today.copy')}</button>
        <button class="btn" onClick={download} disabled={!b.data} data-action="download">{t('today.download')}</button>
      </div>
    </div>
  );
}
