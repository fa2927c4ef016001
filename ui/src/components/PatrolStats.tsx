//! The running patrol's three figures (elapsed, distance, cell), as Home's card and the live
//! screen show them. On the live screen the cell reads "—" until the first fix.

import type { OpenPatrol } from '../api/types';
import { fmtDistance, fmtDuration, t } from '../i18n';

export function PatrolStats({ patrol: p, now, live = false }: { patrol: OpenPatrol; now: number; live?: boolean }) {
  const cell = live && !p.last_fix ? '—' : (p.cell ?? t('live.cell_none'));
  return (
    <dl class={live ? 'stats stats-live' : 'stats'}>
      <div class="stat">
        <dt>{t('live.elapsed')}</dt>
        <dd data-testid={live ? 'elapsed' : undefined}>{fmtDuration(now - p.started_ms)}</dd>
      </div>
      <div class="stat">
        <dt>{t('live.distance')}</dt>
        <dd data-testid={live ? 'distance' : undefined}>{fmtDistance(p.distance_m)}</dd>
      </div>
      <div class="stat">
        <dt>{t('live.cell')}</dt>
        <dd>{cell}</dd>
      </div>
    </dl>
  );
}
