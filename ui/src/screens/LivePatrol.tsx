//! The patrol in progress: elapsed time, distance, grid cell, the route on a map, one-tap
//! violation buttons (each with today's count) and stop, behind a confirmation. After a tap the
//! "last saved" slot says 已保存 and offers 添加详情 (add_violation_details) and an undo for a
//! mis-tap (a withdrawal) — in the layout, so it never covers a button.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, toApiError } from '../api';
import { VIOLATION_TYPES, type LiveRoute, type ViolationType } from '../api/types';
import { AppHeader } from '../components/AppHeader';
import { ConfirmDialog } from '../components/Dialog';
import { MapView } from '../components/MapView';
import { fmtDistance, fmtDuration, fmtSeq, t, tError, tk } from '../i18n';
import { useMedia, useNow } from '../lib/hooks';
import { navigate } from '../router';
import { errorToast, refreshHome, toast, useApp, useLedger } from '../state/store';

const describe = (e: ReturnType<typeof toApiError>) => tError(e).title;

type Last = { seq: number; type: ViolationType; undone: boolean; at: number };

/** Where the result of the last tap shows, in the layout (never over the buttons): a fixed
 * slot, so nothing moves under the officer's thumb when it appears. */
function LastSaved(p: { last: Last | null; onDetails: () => void; onUndo: () => void }) {
  const l = p.last;
  return (
    <div class={'last-saved' + (l ? (l.undone ? ' is-undone' : ' is-saved') : '')} aria-live="polite" data-testid="last-saved">
      {!l ? (
        <p class="tap-hint">{t('live.tap_hint')}</p>
      ) : l.undone ? (
        <p class="last-text">{t('live.undone', { seq: fmtSeq(l.seq) })}</p>
      ) : (
        <>
          <p class="last-text">
            {t('live.saved_toast', { type: t(`violation.type.${l.type}`) })} {fmtSeq(l.seq)}
          </p>
          <button type="button" class="btn btn-strong last-btn" onClick={p.onDetails}>
            {t('live.add_details')}
          </button>
          <button type="button" class="btn btn-secondary last-btn" onClick={p.onUndo}>
            {t('live.undo')}
          </button>
        </>
      )}
    </div>
  );
}

export function LivePatrol() {
  const home = useApp((s) => s.home);
  const ref = useApp((s) => s.reference);
  const [live, setLive] = useState<LiveRoute | null | undefined>(undefined);
  const [confirmStop, setConfirmStop] = useState(false);
  const [stopping, setStopping] = useState(false);
  const [last, setLast] = useState<Last | null>(null);
  const busy = useRef(new Set<ViolationType>());
  const lastLoad = useRef(0);
  const now = useNow();
  const wide = useMedia('(min-width: 768px)');

  const load = useCallback(async () => {
    lastLoad.current = Date.now();
    try {
      setLive(await api().livePatrol());
    } catch (e) {
      errorToast(e, describe);
    }
  }, []);

  useEffect(() => {
    void load();
    let unlisten: (() => void) | null = null;
    let cancelled = false;
    void api()
      .on('position', () => {
        if (Date.now() - lastLoad.current > 2000) void load();
      })
      .then((u) => (cancelled ? u() : (unlisten = u)));
    return () => {
      cancelled = true;
      unlisten?.();
    };
  }, [load]);
  useLedger(useCallback(() => void load(), [load]));

  const tap = async (type: ViolationType) => {
    if (busy.current.has(type)) return; // one tap, one record: ignore a bounce while saving
    busy.current.add(type);
    try {
      const saved = await api().recordViolation({ type });
      void refreshHome();
      setLast({ seq: saved.seq, type, undone: false, at: Date.now() });
    } catch (e) {
      errorToast(e, describe);
    } finally {
      setTimeout(() => busy.current.delete(type), 400);
    }
  };

  const undo = async (l: Last) => {
    try {
      await api().supplement({ seq: l.seq, reason: t('live.undo_reason'), correction: null });
      setLast({ ...l, undone: true, at: Date.now() });
      void refreshHome();
    } catch (e) {
      errorToast(e, describe);
    }
  };

  // The slot goes back to the hint a while after the last tap.
  useEffect(() => {
    if (!last) return;
    const id = setTimeout(() => setLast((l) => (l === last ? null : l)), 15_000);
    return () => clearTimeout(id);
  }, [last]);

  const stop = async () => {
    setStopping(true);
    try {
      const distance = live?.patrol.distance_m ?? 0;
      await api().stopPatrol();
      await refreshHome();
      toast(t('live.stopped', { distance: fmtDistance(distance) }));
      navigate('/', { replace: true });
    } catch (e) {
      errorToast(e, describe);
    } finally {
      setStopping(false);
      setConfirmStop(false);
    }
  };

  if (live === undefined) {
    return (
      <>
        <AppHeader title={t('live.title')} />
        <main class="screen">
          <p class="muted">{t('common.loading')}</p>
        </main>
      </>
    );
  }
  if (live === null) {
    return (
      <>
        <AppHeader title={t('live.title')} />
        <main class="screen">
          <p class="lead">{t('live.none')}</p>
          <div class="actionbar">
            <button type="button" class="btn btn-primary" onClick={() => navigate('/patrol/start', { replace: true })}>
              {t('home.start_patrol')}
            </button>
          </div>
        </main>
      </>
    );
  }

  const p = live.patrol;
  const counts = home?.today.violations ?? {};
  return (
    <>
      <AppHeader title={t('live.title')} />
      <main class="screen live">
        <div class="live-left">
          <dl class="stats stats-live">
            <div class="stat">
              <dt>{t('live.elapsed')}</dt>
              <dd data-testid="elapsed">{fmtDuration(now - p.started_ms)}</dd>
            </div>
            <div class="stat">
              <dt>{t('live.distance')}</dt>
              <dd>{fmtDistance(p.distance_m)}</dd>
            </div>
            <div class="stat">
              <dt>{t('live.cell')}</dt>
              <dd>{p.last_fix ? (p.cell ?? t('live.cell_none')) : '—'}</dd>
            </div>
          </dl>
          <MapView route={live.route} cells={ref?.cells ?? []} posts={ref?.posts ?? []} currentCell={p.cell} label={t('live.map_label')} tall={wide} />
          <p class="muted small">
            {tk(`patrol.mode.${p.mode}`)} · {p.last_fix ? t('live.fixes', { n: p.fixes }) : t('live.no_fix')}
            {home && home.position_source !== 'gnss' ? <strong class="sim-note"> · {t('header.simulated')}</strong> : null}
          </p>
        </div>
        <div class="live-right">
          <LastSaved last={last} onDetails={() => last && navigate(`/violation/${last.seq}`)} onUndo={() => last && void undo(last)} />
          <div class="vgrid">
            {VIOLATION_TYPES.map((v) => (
              <button type="button" key={v} class="vbtn" data-violation={v} onClick={() => void tap(v)}>
                <span class="vbtn-label">{t(`violation.type.${v}`)}</span>
                <span class="vbtn-count" data-testid={`count-${v}`}>
                  {t('live.today', { n: counts[v] ?? 0 })}
                </span>
              </button>
            ))}
          </div>
          <div class="actionbar">
            <button type="button" class="btn btn-danger btn-wide" onClick={() => setConfirmStop(true)}>
              {t('live.stop')}
            </button>
          </div>
        </div>
      </main>
      {confirmStop ? (
        <ConfirmDialog
          title={t('live.stop_title')}
          body={t('live.stop_body')}
          confirmLabel={t('live.stop_confirm')}
          danger
          busy={stopping}
          onConfirm={() => void stop()}
          onCancel={() => setConfirmStop(false)}
        />
      ) : null}
    </>
  );
}
