//! Sync: one big button; progress streamed over a Channel; the receipt — what HQ holds (seq
//! range, photos), what is pending, what was quarantined and why, and a warning when the queue
//! is stuck. Entries are never at risk here: they stay on the device until HQ holds them.

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, toApiError } from '../api';
import type { Quarantined, Receipt, SyncPhase, SyncProgress } from '../api/types';
import { AppHeader } from '../components/AppHeader';
import { ErrorBanner } from '../components/Field';
import { fmtDateTime, t, tError, tk } from '../i18n';
import { quarantineText } from '../lib/quarantine';
import { refreshHome, refreshReference, toast, useApp } from '../state/store';

const PHASES: SyncPhase[] = ['connecting', 'reference', 'uploading', 'photos', 'receipt', 'done'];

/** One entry HQ keeps out of its figures: why, in the officer's language; HQ's own English
 * words only inside the collapsed technical fold. */
function QuarantineItem(p: { q: Quarantined }) {
  const x = quarantineText(p.q);
  return (
    <li class="quarantine-item" data-seq={p.q.seq}>
      <p class="quarantine-title">
        <strong>{x.title}</strong>
      </p>
      <p>{x.what}</p>
      {x.rule ? <p class="quarantine-rule">{x.rule}</p> : null}
      <details class="tech-details">
        <summary>{t('quarantine.details')}</summary>
        <p class="tech-text mono" lang="en">
          {x.detail}
        </p>
      </details>
    </li>
  );
}

function ReceiptCard(p: { r: Receipt }) {
  const r = p.r;
  return (
    <section class="card receipt" aria-labelledby="receipt-title" data-testid="receipt">
      <h2 id="receipt-title" class="card-kicker">
        {t('sync.receipt')}
      </h2>
      <p class="card-title">{r.hq_head_seq > 0 ? t('sync.hq_holds', { seq: r.hq_head_seq }) : t('sync.hq_holds_none')}</p>
      <dl class="stats">
        <div class="stat">
          <dt>{t('sync.entries_held')}</dt>
          <dd>{r.entries_held}</dd>
        </div>
        <div class="stat">
          <dt>{t('sync.photos_held')}</dt>
          <dd>{r.photos_held}</dd>
        </div>
        <div class="stat">
          <dt>{t('sync.pending')}</dt>
          <dd>{r.pending}</dd>
        </div>
      </dl>
      {r.stuck ? (
        <div class="banner banner-warn" role="alert">
          <strong>{t('sync.stuck')}</strong>
          <p>{r.stuck}</p>
          <p>{t('sync.stuck_help')}</p>
        </div>
      ) : null}
      {r.quarantined.length > 0 ? (
        <div class="quarantine" data-testid="quarantine">
          <h3 class="field-label">
            {t('sync.quarantined')} ({r.quarantined.length})
          </h3>
          <p class="small">{t('quarantine.help')}</p>
          <ul class="quarantine-list">
            {r.quarantined.map((q) => (
              <QuarantineItem key={q.seq} q={q} />
            ))}
          </ul>
        </div>
      ) : null}
      <p class="muted small">{t('sync.hq_time', { time: fmtDateTime(r.hq_time_ms) })}</p>
    </section>
  );
}

export function Sync() {
  const home = useApp((s) => s.home);
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  const [running, setRunning] = useState(false);
  const [err, setErr] = useState<ApiError | null>(null);

  useEffect(() => {
    void api()
      .syncStatus()
      .then(setReceipt)
      .catch(() => undefined);
  }, []);

  const run = async () => {
    setRunning(true);
    setErr(null);
    setProgress({ phase: 'connecting', sent: 0, total: 0 });
    try {
      const r = await api().syncNow(setProgress);
      setReceipt(r);
      setProgress({ phase: 'done', sent: 0, total: 0 });
      toast(t('sync.phase.done'));
      await Promise.all([refreshHome(), refreshReference()]);
    } catch (e) {
      setErr(toApiError(e));
      setProgress(null);
    } finally {
      setRunning(false);
    }
  };

  const te = err ? tError(err) : null;
  const phaseIdx = progress ? (PHASES as readonly string[]).indexOf(progress.phase) : -1;
  const frac = progress && progress.total > 0 ? progress.sent / progress.total : progress?.phase === 'done' ? 1 : 0;
  return (
    <>
      <AppHeader title={t('sync.title')} />
      <main class="screen sync">
        <div class="sync-top">
          <p class="lead">
            {t('sync.unsynced_now', { n: home?.unsynced ?? 0 })}
            {home?.last_sync_ms ? ` · ${t('sync.last', { time: fmtDateTime(home.last_sync_ms) })}` : ''}
          </p>
          {te ? (
            <ErrorBanner title={te.title} detail={(err?.kind === 'network' ? t('sync.offline_safe') + ' ' : '') + t('common.detail', { message: te.detail })} />
          ) : null}
          {progress ? (
            <section class="card sync-progress" aria-live="polite">
              <p class="card-title">
                {tk(`sync.phase.${progress.phase}`)}
                {progress.total > 0 ? ` · ${t('sync.progress', { sent: progress.sent, total: progress.total })}` : ''}
              </p>
              <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(frac * 100)}>
                <div class="progress-bar" style={{ width: `${Math.round(frac * 100)}%` }} />
              </div>
              <ol class="phases">
                {PHASES.slice(0, -1).map((ph, i) => (
                  <li key={ph} class={i < phaseIdx ? 'done' : i === phaseIdx ? 'now' : ''}>
                    {tk(`sync.phase.${ph}`)}
                  </li>
                ))}
              </ol>
            </section>
          ) : null}
          {receipt ? <ReceiptCard r={receipt} /> : <p class="muted">{t('sync.never')}</p>}
        </div>
        <div class="actionbar">
          <button type="button" class="btn btn-primary btn-huge" disabled={running} onClick={() => void run()} data-testid="sync-now">
            {running ? t('sync.running') : t('sync.now')}
          </button>
        </div>
      </main>
    </>
  );
}
