//! The day's "1-3-5 minute" dispatch figures, one row per tier: calls, on scene, the share on
//! scene within the tier's minutes, and the 90th percentiles of call→send, send→accept and
//! send→on scene. Each cell carries `data-field` (its DispatchTierStats field) and `data-value`
//! (HQ's number as it is, empty for none), so the page test compares them with the API.

import type { DispatchTierStats } from '../api/types';
import { t } from '../i18n';
import { fmtSeconds, fmtShare, tierRow, TIERS } from '../lib/dispatch';
import { TierBadge } from './DispatchBits';

type Field = keyof DispatchTierStats;
const raw = (v: number | null | undefined) => (v == null ? '' : String(v));

export function TierFigures({ figures, date }: { figures: readonly DispatchTierStats[] | undefined; date: string }) {
  const cell = (f: DispatchTierStats, field: Field, text: string, title?: string) => (
    <td data-field={field} data-value={raw(f[field] as number | null | undefined)} title={title}>{text}</td>
  );
  return (
    <div class="card tier-figures" data-figures="dispatch" data-date={date}>
      <h3>{t('figures.title')}</h3>
      <div class="table-wrap">
        <table class="list-table figures-table">
          <thead>
            <tr>
              <th>{t('figures.tier')}</th>
              <th>{t('figures.dispatches')}</th>
              <th>{t('figures.on_scene')}</th>
              <th>{t('figures.within')}</th>
              <th>{t('figures.call_to_send')} <span class="p90">{t('figures.p90')}</span></th>
              <th>{t('figures.send_to_accept')} <span class="p90">{t('figures.p90')}</span></th>
              <th>{t('figures.send_to_on_scene')} <span class="p90">{t('figures.p90')}</span></th>
            </tr>
          </thead>
          <tbody>
            {TIERS.map((tier) => {
              const f = tierRow(figures, tier);
              return (
                <tr key={tier} data-tier={tier}>
                  <th><TierBadge tier={tier} /></th>
                  {cell(f, 'dispatches', String(f.dispatches), t('figures.sent_n', { n: f.sent }))}
                  {cell(f, 'on_scene', String(f.on_scene), t('figures.accepted_n', { n: f.accepted }))}
                  <td data-field="within_target_share" data-value={raw(f.within_target_share)} title={t('figures.within_hint', { n: f.tier })}>
                    <b class={`share ${f.within_target_share == null ? '' : f.within_target_share >= 0.9 ? 'good' : 'poor'}`}>{fmtShare(f.within_target_share)}</b>
                    <span class="muted small" data-field="within_target" data-value={String(f.within_target)}>
                      {' '}{t('figures.of', { n: f.within_target, of: f.judged })}
                    </span>
                  </td>
                  {cell(f, 'call_to_send_p90_s', fmtSeconds(f.call_to_send_p90_s))}
                  {cell(f, 'send_to_accept_p90_s', fmtSeconds(f.send_to_accept_p90_s))}
                  {cell(f, 'send_to_on_scene_p90_s', fmtSeconds(f.send_to_on_scene_p90_s))}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <p class="muted small">{t('figures.note')}</p>
    </div>
  );
}
