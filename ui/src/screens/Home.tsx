//! Home: the current patrol at a glance, today's tallies, and the big buttons. The primary
//! action (start / continue patrol) sits lowest, under the thumb.

import { useEffect } from 'preact/hooks';
import { REPORT_KINDS } from '../api/types';
import { AppHeader } from '../components/AppHeader';
import { DispatchStrip } from '../components/DispatchStrip';
import { GpsStatus } from '../components/GpsStatus';
import { PatrolStats } from '../components/PatrolStats';
import { PostSuggestionBanner } from '../components/PostSuggestionBanner';
import { fmtDateTime, t, tk } from '../i18n';
import { navigate } from '../router';
import { stuckOf, useApp } from '../state/store';
import { useNow } from '../lib/hooks';
import { homeWarnings } from '../lib/sync-queue';

/** What needs the officer, most serious first: each a row that opens where it is dealt with. */
function HomeWarnings() {
  const home = useApp((s) => s.home);
  const queue = useApp((s) => s.queue);
  const stuck = useApp(stuckOf);
  if (!home) return null;
  const rows = homeWarnings(home, queue, stuck);
  if (rows.length === 0) return null;
  return (
    <ul class="warn-rows" aria-label={t('home.warnings')} data-testid="home-warnings">
      {rows.map((w) => (
        <li key={w.id}>
          <button
            type="button"
            class={`warn-row warn-${w.tone}`}
            data-warning={w.id}
            data-testid={w.id === 'quarantined' ? 'quarantine-banner' : `warning-${w.id}`}
            onClick={() => navigate(w.to)}
          >
            <span class="warn-text">{t(w.key, w.params)}</span>
            <span class="warn-chev" aria-hidden="true" />
          </button>
        </li>
      ))}
    </ul>
  );
}

export function Home() {
  const home = useApp((s) => s.home);
  const ref = useApp((s) => s.reference);
  const now = useNow();
  const loaded = home !== null;
  useEffect(() => {
    // When the officer can first act: the end-to-end run prints the cold start up to here.
    if (loaded && performance.getEntriesByName('home-interactive').length === 0) {
      performance.mark('home-interactive');
    }
  }, [loaded]);
  if (!home) return null;
  const p = home.open_patrol;
  const today = home.today;
  const violations = Object.values(today.violations).reduce((a, b) => a + b, 0);
  const reports = REPORT_KINDS.reduce((a, k) => a + (today.entries[k] ?? 0), 0);
  const groupName = (id: string) => ref?.groups.find((g) => g.id === id)?.name ?? id;

  return (
    <>
      <AppHeader title={t('app.title')} back={false} />
      <main class="screen home">
        <GpsStatus gps={home.gps} />
        <div class="home-top">
          {/* What needs the officer first: above the fold, before the cards. */}
          <DispatchStrip />
          <HomeWarnings />
          <section class={'card patrol-card' + (p ? ' is-live' : '')} aria-live="polite">
            {p ? (
              <>
                <p class="card-kicker">{t('home.patrol_running')}</p>
                <p class="card-title">
                  {groupName(p.group)} · {tk(`patrol.mode.${p.mode}`)}
                </p>
                <PatrolStats patrol={p} now={now} />
              </>
            ) : (
              <p class="card-title">{t('home.patrol_none')}</p>
            )}
          </section>
          <section class="card today">
            <h2 class="card-kicker">
              {t('home.today')} · {today.date}
            </h2>
            <dl class="stats">
              <div class="stat">
                <dt>{t('home.today_violations')}</dt>
                <dd data-testid="today-violations">{violations}</dd>
              </div>
              <div class="stat">
                <dt>{t('home.today_reports')}</dt>
                <dd>{reports}</dd>
              </div>
              <div class="stat">
                <dt>{t('home.today_seized')}</dt>
                <dd>{today.seized_items}</dd>
              </div>
            </dl>
            <p class="muted small">
              {home.last_sync_ms ? t('home.last_sync', { time: fmtDateTime(home.last_sync_ms) }) : t('home.never_synced')}
            </p>
          </section>
          {p && home.city_loaded ? <PostSuggestionBanner /> : null}
        </div>
        <nav class="home-actions" aria-label={t('home.title')}>
          <div class="home-grid">
            <button type="button" class="btn btn-tile" onClick={() => navigate('/report')}>
              {t('home.report')}
            </button>
            <button type="button" class="btn btn-tile" onClick={() => navigate('/posts')}>
              {t('home.post_duty')}
            </button>
            <button type="button" class="btn btn-tile" onClick={() => navigate('/history')}>
              {t('home.history')}
            </button>
            <button type="button" class="btn btn-tile" onClick={() => navigate('/sync')}>
              {t('home.sync')}
            </button>
            <button type="button" class="btn btn-tile span-2-mobile" onClick={() => navigate('/settings')}>
              {t('home.settings')}
            </button>
          </div>
          <button type="button" class="btn btn-primary" data-testid="home-start-patrol" onClick={() => navigate(p ? '/patrol/live' : '/patrol/start')}>
            {p ? t('home.continue_patrol') : t('home.start_patrol')}
          </button>
        </nav>
      </main>
    </>
  );
}
