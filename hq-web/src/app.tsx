//! The shell: decides sign-in vs app from GET /api/v1/session, loads the city, keeps the push
//! channel open and turns its events into ticks (coalesced: a burst is one refetch, a steady
//! stream refetches live answers at most every 2 s and the day's heavier figures every 10 s),
//! and lays out the header (live indicator, operator, language, sign-out), the nav and the
//! current view.

import { useCallback, useEffect, useState } from 'preact/hooks';
import { setUnauthorizedHandler } from './api/client';
import { connectEvents } from './api/events';
import { coalescer } from './lib/coalesce';
import * as hq from './api/hq';
import type { City, Session } from './api/types';
import { language, onLanguage, setLanguage, t, type Key } from './i18n';
import { useView, VIEWS, type View } from './router';
import { AppCtx, type AppState, type Ticks } from './state';
import { SignIn } from './views/SignIn';
import { LiveView } from './views/Live';
import { TodayView } from './views/Today';
import { PostsView } from './views/Posts';
import { CoverageView } from './views/Coverage';
import { PresenceView } from './views/Presence';
import { ReplayView } from './views/Replay';
import { ReportsView } from './views/Reports';
import { DispatchBoardView } from './views/Dispatch';
import { DevicesView } from './views/Devices';

/** A burst of events (a send to several units, one device's batches) settles into one refetch. */
const SETTLE_MS = 300;
/** Live answers (units, devices, the dispatch board): at most one refetch per this, whatever
 * the city's upload rate. `/units` for 1,000 devices is ~30 ms at HQ (the city bench). */
const LIVE_GAP_MS = 2000;
/** The day's figures (statistics, compliance, coverage, presence, the reports list): heavier at
 * HQ (coverage ~100 ms for 1,000 devices' day) and slower to change, so refetched less often. */
const FIGURES_GAP_MS = 10_000;
/** How often the shell asks whether the session still stands (revoked or expired → sign-in). */
const SESSION_CHECK_MS = 30_000;

export function App() {
  const [, setLang] = useState(language());
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [notice, setNotice] = useState<Key | null>(null);

  useEffect(() => onLanguage(setLang), []);
  useEffect(() => {
    setUnauthorizedHandler(() => {
      setSession(null);
      setNotice('signin.ended');
    });
    hq.session.current().then(setSession, () => setSession(null));
    return () => setUnauthorizedHandler(null);
  }, []);

  if (session === undefined) return <p class="boot">{t('common.loading')}</p>;
  if (session === null)
    return (
      <SignIn
        notice={notice}
        onSignedIn={(s) => {
          setNotice(null);
          setSession(s);
        }}
      />
    );
  return <Signed session={session} onSignOut={() => setSession(null)} />;
}

function Signed({ session, onSignOut }: { session: Session; onSignOut: () => void }) {
  const view = useView();
  const [city, setCity] = useState<City | null>(null);
  const [ticks, setTicks] = useState<Ticks>({ upload: 0, figures: 0, devices: 0, city: 0, dispatch: 0 });
  const [live, setLive] = useState(false);

  useEffect(() => {
    hq.city().then(setCity, () => setCity(null));
  }, [ticks.city]);

  useEffect(() => {
    const id = setInterval(() => hq.session.check().catch(() => undefined), SESSION_CHECK_MS);
    return () => clearInterval(id);
  }, []);

  const bump = useCallback((k: keyof Ticks) => setTicks((x) => ({ ...x, [k]: x[k] + 1 })), []);
  useEffect(() => {
    const upload = coalescer(() => bump('upload'), SETTLE_MS, LIVE_GAP_MS);
    const figures = coalescer(() => bump('figures'), SETTLE_MS, FIGURES_GAP_MS);
    // A send to several units, or a close telling each, comes as a burst: one refetch.
    const dispatch = coalescer(() => bump('dispatch'), SETTLE_MS, LIVE_GAP_MS);
    const close = connectEvents({
      upload: () => {
        upload.push();
        figures.push();
      },
      devices: () => bump('devices'),
      city: () => bump('city'),
      dispatch: () => dispatch.push(),
      // The page fell behind HQ's channel and missed events: everything may have moved.
      lagged: () => {
        upload.push();
        figures.push();
        dispatch.push();
        bump('devices');
      },
      onState: (on) => {
        setLive(on);
        // A dropped channel may mean the session ended: ask, and go to sign-in on a 401.
        if (!on) hq.session.check().catch(() => undefined);
      },
    });
    return () => {
      close();
      upload.close();
      figures.close();
      dispatch.close();
    };
  }, [bump]);

  const state: AppState = { operator: session.operator, city, tz: city?.timezone ?? 'Asia/Shanghai', ticks, live };
  const signOut = async () => {
    await hq.session.signOut().catch(() => undefined);
    onSignOut();
  };

  return (
    <AppCtx.Provider value={state}>
      <div class="shell">
        <header class="top">
          <h1>{t('app.title')}</h1>
          <span class="city user">{city?.name ?? ''}</span>
          <span class={`live ${live ? 'on' : 'off'}`} data-live={live ? '1' : '0'} role="status">
            {live ? t('live.connected') : t('live.disconnected')}
          </span>
          <span class="spacer" />
          <span class="operator user" data-role={session.operator.role}>
            {session.operator.name} · {t(`role.${session.operator.role}` as Key)}
          </span>
          <button class="btn small" onClick={() => setLanguage(language() === 'zh-CN' ? 'en' : 'zh-CN')} data-action="lang" lang={language() === 'zh-CN' ? 'en' : 'zh-CN'}>
            {t('lang.switch')}
          </button>
          <button class="btn small" onClick={signOut} data-action="signout">
            {t('signin.signout')}
          </button>
        </header>
        <nav class="side" aria-label={t('nav.label')}>
          {VIEWS.map((v) => (
            <a key={v} href={`#/${v}`} class={v === view ? 'active' : ''} data-view={v} aria-current={v === view ? 'page' : undefined}>
              {t(`nav.${v}` as Key)}
            </a>
          ))}
        </nav>
        <main class="content" data-current={view}>
          <Current view={view} />
        </main>
      </div>
    </AppCtx.Provider>
  );
}

function Current({ view }: { view: View }) {
  switch (view) {
    case 'live':
      return <LiveView />;
    case 'dispatch':
      return <DispatchBoardView />;
    case 'today':
      return <TodayView />;
    case 'posts':
      return <PostsView />;
    case 'coverage':
      return <CoverageView />;
    case 'presence':
      return <PresenceView />;
    case 'replay':
      return <ReplayView />;
    case 'reports':
      return <ReportsView />;
    case 'devices':
      return <DevicesView />;
  }
}
