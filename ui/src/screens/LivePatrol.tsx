//! The patrol in progress: elapsed time, distance, grid cell, the route on a map, the one-tap
//! violation buttons (`ViolationPad`, shared with post duty) and stop, behind a confirmation.
//! Ending a patrol is the rarest and most destructive action, so its button sits at the top,
//! beside the group and mode, away from the thumb that taps the violations at the bottom.
//! On a phone the eight buttons come first, under the figures, so all of them are on the first
//! screen without scrolling (360×640 in both languages); the GPS line follows, then the map folded
//! into a strip (cell and heading, `MapStrip`) that one tap opens. Tablets, and phones held in
//! landscape, get two columns: the figures and the full map beside the buttons.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { api, toApiError } from '../api';
import type { LiveRoute } from '../api/types';
import { AppHeader } from '../components/AppHeader';
import { ConfirmDialog } from '../components/Dialog';
import { DispatchStrip } from '../components/DispatchStrip';
import { MapStrip } from '../components/MapStrip';
import { MapView } from '../components/MapView';
import { PatrolStats } from '../components/PatrolStats';
import { ViolationPad } from '../components/ViolationPad';
import { GpsStatus } from '../components/GpsStatus';
import { fmtDistance, t, tError, tk } from '../i18n';
import { headingOf } from '../lib/geo';
import { useMedia, useNow } from '../lib/hooks';
import { navigate } from '../router';
import { committedDispatches } from '../lib/dispatch';
import { useDispatch } from '../state/dispatch';
import { errorToast, refreshHome, toast, useApp, useLedger } from '../state/store';

const describe = (e: ReturnType<typeof toApiError>) => tError(e).title;

export function LivePatrol() {
  const ref = useApp((s) => s.reference);
  const [live, setLive] = useState<LiveRoute | null | undefined>(undefined);
  const [confirmStop, setConfirmStop] = useState(false);
  const [stopping, setStopping] = useState(false);
  const lastLoad = useRef(0);
  const now = useNow();
  // Two columns on a tablet, and on a phone turned sideways (the buttons would not fit under
  // the figures in 360 px of height, the map has room beside them).
  const wide = useMedia('(min-width: 768px), (orientation: landscape) and (min-width: 560px)');
  // The dispatch the unit is on: its scene is kept on the map with the route.
  const onDispatch = useDispatch((s) => committedDispatches(s.list)[0] ?? null);

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
  const stats = <PatrolStats patrol={p} now={now} live />;
  const map = (
    <MapView route={live.route} cells={ref?.cells ?? []} posts={ref?.posts ?? []} currentCell={p.cell} label={t('live.map_label')} tall={wide} target={onDispatch?.order.target} targetRadiusM={onDispatch?.order.radius_m} />
  );
  // One line: the GPS state, then the patrol's mode and fixes.
  const gpsLine = (
    <GpsStatus gps={live.gps}>
      <span class="gps-extra">
        {' · '}
        {p.last_fix ? t('live.fixes', { n: p.fixes }) : t('live.no_fix')}
      </span>
    </GpsStatus>
  );
  const groupName = ref?.groups.find((g) => g.id === p.group)?.name ?? p.group;
  const stopBar = (
    <div class="live-stop">
      <span class="live-stop-who" data-testid="live-group">
        {groupName} · {tk(`patrol.mode.${p.mode}`)}
      </span>
      <button type="button" class="btn btn-danger live-stop-btn" data-testid="live-stop" onClick={() => setConfirmStop(true)}>
        {t('live.stop')}
      </button>
    </div>
  );
  return (
    <>
      <AppHeader title={t('live.title')} />
      {wide ? (
        <main class="screen live live-two">
          <div class="live-left">
            <DispatchStrip />
            {stats}
            {map}
            {gpsLine}
          </div>
          <div class="live-right">
            {stopBar}
            <ViolationPad />
          </div>
        </main>
      ) : (
        // A phone: stop at the top, out of the thumb's way; the eight violation buttons right
        // under the figures, all on the first screen (360×640 too); the GPS line and the folded
        // map follow.
        <main class="screen live live-phone">
          <DispatchStrip />
          {stopBar}
          {stats}
          <div class="live-pad">
            <ViolationPad />
          </div>
          {gpsLine}
          <MapStrip cell={!p.last_fix ? '—' : (p.cell ?? t('live.cell_none'))} heading={headingOf(live.route, p.last_fix)} dispatch={onDispatch?.order.id ?? null}>
            {map}
          </MapStrip>
        </main>
      )}
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
