//! Sync: one big button; progress streamed over a Channel; what waits on this device (by
//! kind, photos and their size, the front of the queue's failed attempts, when syncs were tried
//! and when the app tries next — read offline from `sync_queue`); the receipt — what HQ holds
//! (seq range, photos), what is pending, what was quarantined and why, and a warning when the
//! queue is stuck. Entries are never at risk here: they stay on the device until HQ holds them.
//! A row says which city map pack the map draws, or that a (newer) one is still downloading
//! (`map_pack`, read again while it downloads and after each sync).
//! Below, set apart: "no network? export to file" — the station bundle (`export_bundle`), its
//! path, what it holds and what to do with it, for a phone that cannot reach HQ at all.

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, toApiError } from '../api';
import type { BundleExported, MapPackView, Quarantined, Receipt, SyncPhase, SyncProgress, SyncQueueView } from '../api/types';
import { AppHeader } from '../components/AppHeader';
import { fmtBytes, fmtDateTime, fmtMB, fmtRelative, fmtSeq, fmtTime, t, tError, tk } from '../i18n';
import { useNow } from '../lib/hooks';
import { quarantineText } from '../lib/quarantine';
import { refreshHome, refreshMapPack, refreshQueue, refreshReference, setState, stuckOf, toast, useApp } from '../state/store';

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
      <TechFold text={x.detail} />
    </li>
  );
}

/** Rust's raw words (English), folded away under 技术详情. */
function TechFold(p: { text: string }) {
  return (
    <details class="tech-details">
      <summary>{t('quarantine.details')}</summary>
      <p class="tech-text mono" lang="en">
        {p.text}
      </p>
    </details>
  );
}

/** A time as "2 分钟前（07:18）" / "约 30 秒后（07:21）"; the clock time says which day when not today. */
function When(p: { ms: number | null; now: number; testid: string }) {
  if (p.ms === null) return <dd data-testid={p.testid}>{t('sync.not_yet')}</dd>;
  const sameDay = new Date(p.ms).toDateString() === new Date(p.now).toDateString();
  return (
    <dd data-testid={p.testid} data-ms={p.ms}>
      {t('time.ago_at', { ago: fmtRelative(p.ms, p.now), time: sameDay ? fmtTime(p.ms) : fmtDateTime(p.ms) })}
    </dd>
  );
}

/** What waits on this device to reach HQ, and how the syncs have gone. Works offline. */
function QueueCard(p: { q: SyncQueueView; stuck: boolean; stuckText: string | null; ledgerProblem: string | null }) {
  const { q } = p;
  const now = useNow(5000);
  const nothing = q.entries_waiting === 0 && q.photos_waiting === 0;
  const errKind = q.last_error_kind ? tk(`error.kind.${q.last_error_kind}`, undefined, t('error.kind.unknown')) : null;
  const raw = [p.stuck ? p.stuckText : null, q.front_error, q.last_error].filter((x, i, all): x is string => !!x && all.indexOf(x) === i);
  return (
    <section class={'card queue' + (p.stuck ? ' is-stuck' : '')} aria-labelledby="queue-title" data-testid="sync-queue">
      <h2 id="queue-title" class="card-kicker">
        {t('sync.queue')}
      </h2>
      {p.ledgerProblem ? (
        <div class="banner banner-error" role="alert" data-testid="ledger-problem">
          <strong>{t('sync.ledger_problem')}</strong>
          <p>{t('sync.ledger_problem_help')}</p>
          <TechFold text={p.ledgerProblem} />
        </div>
      ) : null}
      {nothing ? (
        <p class="card-title">{t('sync.queue_empty')}</p>
      ) : (
        <ul class="queue-list">
          {q.waiting.map((w) => (
            <li key={w.kind} class="queue-row" data-kind={w.kind}>
              <span class="queue-what">{t('sync.queue_kind', { kind: tk(`entry.kind.${w.kind}`), n: w.count })}</span>
              <span class="queue-when">{t('sync.queue_oldest', { ago: fmtRelative(w.oldest_ms, now) })}</span>
            </li>
          ))}
          {q.photos_waiting > 0 ? (
            <li class="queue-row" data-kind="photos">
              <span class="queue-what">{t('sync.queue_photos', { n: q.photos_waiting })}</span>
              <span class="queue-when">{fmtBytes(q.photo_bytes_waiting)}</span>
            </li>
          ) : null}
        </ul>
      )}
      {q.quarantined > 0 ? <p class="queue-note">{t('sync.queue_quarantined', { n: q.quarantined })}</p> : null}
      {q.front_seq !== null && q.front_attempts > 0 ? (
        <p class="queue-note queue-front" data-testid="queue-front">
          {t('sync.front_failed', { seq: fmtSeq(q.front_seq), n: q.front_attempts })}
        </p>
      ) : null}
      {p.stuck ? (
        <div class="banner banner-warn" role="alert">
          <strong>{t('sync.stuck')}</strong>
          <p>{t('sync.stuck_help')}</p>
        </div>
      ) : null}
      {errKind ? (
        <p class="queue-note queue-error" data-testid="queue-error">
          {t('sync.last_error', { kind: errKind })}
        </p>
      ) : null}
      {raw.length > 0 ? <TechFold text={raw.join('\n')} /> : null}
      <dl class="queue-times">
        <div>
          <dt>{t('sync.last_attempt')}</dt>
          <When ms={q.last_attempt_ms} now={now} testid="queue-last-attempt" />
        </div>
        <div>
          <dt>{t('sync.last_ok')}</dt>
          <When ms={q.last_ok_ms} now={now} testid="queue-last-ok" />
        </div>
        {q.next_attempt_ms !== null ? (
          <div>
            <dt>{t('sync.next_attempt')}</dt>
            <When ms={q.next_attempt_ms} now={now} testid="queue-next" />
          </div>
        ) : null}
      </dl>
    </section>
  );
}

/** How much of a download has come: whole percent, 100 only once all of it has. */
const percent = (have: number, total: number) => (total > 0 ? Math.max(0, Math.min(100, Math.floor((have * 100) / total))) : 0);

/** The city map pack: the one the map draws (name, size), none (the schematic), and one still
 * downloading (how far, in MB), which each sync carries on. */
function MapPackRow(p: { v: MapPackView | null }) {
  const ready = p.v?.ready ?? null;
  const down = p.v?.downloading ?? null;
  const pct = down ? percent(down.have, down.total) : 0;
  return (
    <section class="card map-pack" aria-label={t('sync.map_pack')} data-testid="map-pack" data-state={ready ? 'ready' : down ? 'downloading' : 'none'}>
      {ready ? (
        <p class="map-pack-line" data-testid="map-pack-ready">
          {t('sync.map_ready', { name: ready.name, mb: fmtMB(ready.bytes) })}
        </p>
      ) : down ? null : (
        <p class="map-pack-line muted" data-testid="map-pack-none">
          {t('sync.map_none')}
        </p>
      )}
      {down ? (
        <div class="map-pack-download" data-testid="map-pack-downloading" data-percent={pct}>
          <p class="map-pack-line">
            {t(ready ? 'sync.map_updating' : 'sync.map_downloading', { name: down.name, pct, have: fmtMB(down.have), total: fmtMB(down.total) })}
          </p>
          <div class="progress" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
            <div class="progress-bar" style={{ width: `${pct}%` }} />
          </div>
          <p class="muted small">{t('sync.map_resume')}</p>
        </div>
      ) : null}
    </section>
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

/** The file's name without its folders, for the station's import command. */
const fileName = (path: string) => path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);

/** What `export_bundle` wrote, or that there was nothing to write. */
function BundleResult(p: { b: BundleExported }) {
  const { b } = p;
  if (b.to_seq < b.from_seq && b.photos === 0) {
    return (
      <p class="card-title" data-testid="bundle-summary">
        {t('bundle.nothing')}
      </p>
    );
  }
  return (
    <div class="bundle-result" data-testid="bundle-result">
      <p class="card-title" data-testid="bundle-summary">
        {t('bundle.summary', { entries: b.entries, photos: b.photos })} · <span class="nowrap">{fmtBytes(b.bytes)}</span>
      </p>
      <p class="field-label">{t('bundle.file')}</p>
      <p class="bundle-path mono" lang="en" data-testid="bundle-path">
        {b.path}
      </p>
      <ol class="bundle-steps">
        <li>{t('bundle.step_copy')}</li>
        <li>
          {t('bundle.step_import')}
          <code class="bundle-command mono" lang="en" data-testid="bundle-command">
            {t('bundle.command', { file: fileName(b.path) })}
          </code>
        </li>
        <li>{t('bundle.step_wait')}</li>
      </ol>
    </div>
  );
}

/** Station sync without a network: one button writes the bundle file; works offline. */
function BundleCard() {
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<BundleExported | null>(null);
  const [err, setErr] = useState<ApiError | null>(null);
  const run = async () => {
    setBusy(true);
    setErr(null);
    setDone(null);
    try {
      setDone(await api().exportBundle());
    } catch (e) {
      setErr(toApiError(e));
    } finally {
      setBusy(false);
    }
  };
  const te = err ? tError(err) : null;
  return (
    <section class="card bundle" aria-labelledby="bundle-title" data-testid="bundle">
      <h2 id="bundle-title" class="card-title">
        {t('bundle.title')}
      </h2>
      <p class="small bundle-help">{t('bundle.help')}</p>
      <button type="button" class="btn btn-secondary btn-wide" disabled={busy} onClick={() => void run()} data-testid="export-bundle">
        {busy ? t('bundle.exporting') : t('bundle.export')}
      </button>
      {te ? (
        <div class="banner banner-error" role="alert" data-testid="bundle-error">
          <strong>{te.title}</strong>
          <TechFold text={te.detail} />
        </div>
      ) : null}
      {done ? <BundleResult b={done} /> : null}
    </section>
  );
}

export function Sync() {
  const home = useApp((s) => s.home);
  const queue = useApp((s) => s.queue);
  const mapPack = useApp((s) => s.mapPack);
  const stuck = useApp(stuckOf);
  const [receipt, setReceipt] = useState<Receipt | null>(null);
  const [progress, setProgress] = useState<SyncProgress | null>(null);
  const [running, setRunning] = useState(false);
  const [err, setErr] = useState<ApiError | null>(null);
  // A sync downloads the map pack last (in ranges): its row follows while one is on its way.
  const packMoving = running || mapPack?.downloading != null;

  useEffect(() => {
    void api()
      .syncStatus()
      .then(setReceipt)
      .catch(() => undefined);
    // Offline too; again every 15 s, since the app's own syncs change the times without a commit.
    void refreshQueue();
    const id = setInterval(() => void refreshQueue(), 15_000);
    return () => clearInterval(id);
  }, []);
  // A new entry refreshes the queue through the store's ledger-changed handler (refreshHome).
  // The map pack: read on opening, and every few seconds while a sync runs or one downloads.
  useEffect(() => {
    void refreshMapPack();
    if (!packMoving) return;
    const id = setInterval(() => void refreshMapPack(), 3000);
    return () => clearInterval(id);
  }, [packMoving]);

  const run = async () => {
    setRunning(true);
    setErr(null);
    setProgress({ phase: 'connecting', sent: 0, total: 0 });
    try {
      const r = await api().syncNow(setProgress);
      setReceipt(r);
      setState({ receipt: r });
      setProgress({ phase: 'done', sent: 0, total: 0 });
      toast(t('sync.phase.done'));
      await Promise.all([refreshHome(), refreshReference(), refreshMapPack()]);
    } catch (e) {
      setErr(toApiError(e));
      setProgress(null);
    } finally {
      setRunning(false);
      // A failed attempt changes the queue's times and counts without a ledger change.
      void refreshQueue();
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
            // Why, in the officer's words; Rust's own (English) message only inside the fold.
            <div class="banner banner-error" role="alert" data-testid="sync-error">
              <strong>{te.title}</strong>
              {err?.kind === 'network' ? <p class="banner-detail">{t('sync.offline_safe')}</p> : null}
              <TechFold text={te.detail} />
            </div>
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
          {queue ? <QueueCard q={queue} stuck={stuck} stuckText={receipt?.stuck ?? null} ledgerProblem={home?.ledger_problem ?? null} /> : null}
          <MapPackRow v={mapPack} />
          {receipt ? <ReceiptCard r={receipt} /> : <p class="muted">{t('sync.never')}</p>}
          <BundleCard />
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
