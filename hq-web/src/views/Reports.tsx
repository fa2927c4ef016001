//! 报告 — the day's reports, newest first a page at a time (a city's day holds tens of
//! thousands), with filters (kind, group, grid cell, day), a detail pane with the
//! photos HQ serves (cookie auth) and the supplements as a history, the day's CSV / GeoJSON /
//! GPX downloads as plain links, and 派警 on a report: the Dispatch view opens with the form
//! filled from it (HQ takes the report's place and time for the call).

import { useEffect, useState } from 'preact/hooks';
import * as hq from '../api/hq';
import type { Report } from '../api/types';
import { DateField, rememberDay, rememberedDay } from '../components/DateField';
import { ErrorLine, Loading, Raw } from '../components/Status';
import { t, tk, type Key } from '../i18n';
import { canDispatchFrom } from '../lib/dispatch';
import { REPORT_KINDS } from '../lib/reports';
import { fmtDateTime } from '../lib/time';
import { useApp, useLoad } from '../state';
import { dispatchFromReport } from './Dispatch';

/** Reports per page, and the most the list holds (HQ's page limit). */
const PAGE = 200;
const MAX_SHOWN = 2000;

/** A slug of a report's `type` in words, whichever dictionary knows it. */
function typeText(r: Report): string {
  if (!r.type) return '';
  const keys =
    r.kind === 'dispatch_step'
      ? [`dispatch.step.${r.type}`]
      : [`violation.type.${r.type}`, `report.type.${r.type}`, `incident.kind.${r.type}`];
  for (const k of keys) {
    const s = tk(k, undefined, '');
    if (s) return s;
  }
  return r.type;
}

export function ReportsView() {
  const { city, tz, ticks } = useApp();
  const [date, setDate] = useState(rememberedDay(tz));
  const [kind, setKind] = useState('');
  const [group, setGroup] = useState('');
  const [cell, setCell] = useState('');
  const [open, setOpen] = useState<Report | null>(null);
  // The newest PAGE first, PAGE more per "earlier" tap: a city's day holds tens of thousands of
  // reports (20 MB as one list), which no one reads row by row; the filters and the CSV are
  // there for the rest.
  const [shown, setShown] = useState(PAGE);
  useEffect(() => setShown(PAGE), [date, kind, group, cell]);
  const page = useLoad(() => hq.reportsPage({ date, kind, group, cell, limit: shown }), [date, kind, group, cell, shown, ticks.figures]);
  const list = { ...page, data: page.data?.items };
  const total = page.data?.total ?? 0;

  return (
    <section class="split wide-panel reverse" data-view-root="reports">
      <div class="page">
        <header class="page-head">
          <h2>{t('nav.reports')}</h2>
          <DateField value={date} onChange={(d) => (rememberDay(d), setDate(d), setOpen(null))} />
        </header>
        <div class="row filters">
          <label>
            {t('reports.kind')}{' '}
            <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value)} data-field="kind">
              <option value="">{t('common.all')}</option>
              {REPORT_KINDS.map((k) => <option key={k} value={k}>{tk(`report.kind.${k}`)}</option>)}
            </select>
          </label>
          <label>
            {t('reports.group')}{' '}
            <select value={group} onChange={(e) => setGroup((e.target as HTMLSelectElement).value)} data-field="group">
              <option value="">{t('common.all')}</option>
              {(city?.groups ?? []).map((g) => <option key={g.id} value={g.id}>{`${g.id} ${g.name}`}</option>)}
            </select>
          </label>
          <label>
            {t('reports.cell')}{' '}
            <select value={cell} onChange={(e) => setCell((e.target as HTMLSelectElement).value)} data-field="cell">
              <option value="">{t('common.all')}</option>
              {(city?.cells ?? []).map((c) => <option key={c.id} value={c.id}>{`${c.id} ${c.name}`}</option>)}
            </select>
          </label>
        </div>
        <div class="row downloads">
          <span>{t('reports.downloads')}</span>
          <a class="btn small" href={hq.exportUrl('reports.csv', date)} download={`reports-${date}.csv`}>{t('reports.csv')}</a>
          <a class="btn small" href={hq.exportUrl('routes.geojson', date)} download={`routes-${date}.geojson`}>{t('reports.geojson')}</a>
          <a class="btn small" href={hq.exportUrl('routes.gpx', date)} download={`routes-${date}.gpx`}>{t('reports.gpx')}</a>
        </div>
        <ErrorLine error={list.error} />
        <Loading on={list.loading && !list.data} />
        {list.data && (
          <p class="muted" data-count={total} data-shown={list.data.length}>
            {list.data.length < total ? t('reports.count_of', { n: total, shown: list.data.length }) : t('reports.count', { n: total })}
          </p>
        )}
        <div class="table-wrap">
          <table class="list-table" data-table="reports">
            <thead>
              <tr>
                <th>{t('reports.time')}</th>
                <th>{t('reports.kind')}</th>
                <th>{t('reports.type')}</th>
                <th>{t('reports.group')}</th>
                <th>{t('reports.cell')}</th>
                <th>{t('reports.summary')}</th>
                <th>{t('reports.action')}</th>
              </tr>
            </thead>
            <tbody>
              {(list.data ?? []).map((r) => (
                <tr key={`${r.device_id}:${r.seq}`} class={open?.entry_id === r.entry_id ? 'sel' : ''} onClick={() => setOpen(r)} data-entry={r.entry_id}>
                  <td>{fmtDateTime(r.event_ms, tz)}</td>
                  <td>{tk(`report.kind.${r.kind}`, undefined, r.kind)}{r.history.length > 0 && <span class="badge">{t('reports.supplemented')}</span>}</td>
                  <td>{typeText(r)}</td>
                  <td><Raw>{r.group}</Raw></td>
                  <td><Raw>{r.cell}</Raw></td>
                  <td class="summary">{r.plate ? <Raw>{r.plate}</Raw> : null} <span class="user">{r.summary ?? ''}</span></td>
                  <td>
                    {canDispatchFrom(r.kind) && (
                      <button class="btn small" onClick={(e) => (e.stopPropagation(), dispatchFromReport(r))} data-action="dispatch-report">
                        {t('reports.dispatch')}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        {list.data && list.data.length < total && (
          shown < MAX_SHOWN ? (
            <div class="row more">
              <button class="btn" onClick={() => setShown((n) => Math.min(n + PAGE, MAX_SHOWN))} disabled={page.loading} data-action="more">
                {t('reports.more', { n: Math.min(PAGE, total - list.data.length) })}
              </button>
            </div>
          ) : (
            <p class="muted" data-note="more">{t('reports.more_limit')}</p>
          )
        )}
      </div>
      <aside class="panel">
        {open ? <Detail r={open} tz={tz} /> : <p class="muted">{t('reports.pick')}</p>}
      </aside>
    </section>
  );
}

function Detail({ r, tz }: { r: Report; tz: string }) {
  return (
    <div class="detail" data-detail={r.entry_id}>
      <h3>{tk(`report.kind.${r.kind}`, undefined, r.kind)} · {fmtDateTime(r.event_ms, tz)}</h3>
      <dl class="totals">
        <dt>{t('reports.type')}</dt><dd>{typeText(r) || '—'}</dd>
        <dt>{t('reports.group')}</dt><dd><Raw>{r.group}</Raw></dd>
        <dt>{t('reports.cell')}</dt><dd><Raw>{r.cell}</Raw></dd>
        <dt>{t('reports.plate')}</dt><dd><Raw>{r.plate}</Raw></dd>
        <dt>{t('reports.outcome')}</dt><dd>{r.outcome ? outcomeText(r.outcome) : '—'}</dd>
        <dt>{t('reports.summary')}</dt><dd class="user">{r.summary || '—'}</dd>
        <dt>{t('reports.device')}</dt><dd><Raw>{r.device_id}</Raw> · {t('reports.seq', { n: r.seq })}</dd>
        {typeof r.lat === 'number' && typeof r.lon === 'number' && (<><dt>{t('reports.position')}</dt><dd><Raw>{`${r.lat.toFixed(5)}, ${r.lon.toFixed(5)}`}</Raw></dd></>)}
      </dl>
      {canDispatchFrom(r.kind) && (
        <div class="row">
          <button class="btn primary" onClick={() => dispatchFromReport(r)} data-action="dispatch-report">{t('reports.dispatch')}</button>
        </div>
      )}
      {r.photos.length > 0 && (
        <>
          <h4>{t('reports.photos', { n: r.photos.length })}</h4>
          <div class="photos">
            {r.photos.map((sha) => (
              <a key={sha} href={hq.photoUrl(sha)} target="_blank" rel="noopener">
                <img src={hq.photoUrl(sha)} alt={t('reports.photo')} loading="lazy" />
              </a>
            ))}
          </div>
        </>
      )}
      <h4>{t('reports.history')}</h4>
      {r.history.length === 0 ? (
        <p class="muted">{t('reports.no_history')}</p>
      ) : (
        <ol class="history">
          {r.history.map((h) => (
            <li key={h.seq} data-kind={h.kind}>
              <b>{t(`reports.history.${h.kind}` as Key)}</b>
              {h.at_ms != null && <> · {fmtDateTime(h.at_ms, tz)}</>} · {t('reports.seq', { n: h.seq })}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

function outcomeText(slug: string): string {
  return slug
    .split(';')
    .map((s) => tk(`lost.outcome.${s}`, undefined, '') || tk(`incident.outcome.${s}`, undefined, '') || tk(`accident.outcome.${s}`, undefined, '') || tk(`dispatch.outcome.${s}`, undefined, '') || s)
    .join('、');
}
