//! The shell: decides sign-in vs app from GET /api/v1/session, loads the city, keeps the push
//! channel open and turns its events into ticks (uploads and dispatch changes debounced ~300 ms),
//! and lays out the header (live indicator, operator, language, sign-out), the nav and the
//! current view.

import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { setUnauthorizedHandler } from './api/client';
import { connectEvents } from './api/events';
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

const UPLOAD_DEBOUNCE_MS = 300;
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
  const [ticks, setTicks] = useState<Ticks>({ upload: 0, devices: 0, city: 0, dispatch: 0 });
  const [live, setLive] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const dispatchTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    hq.city().then(setCity, () => setCity(null));
  }, [ticks.city]);

  useEffect(() => {
    const id = setInterval(() => hq.session.check().catch(() => undefined), SESSION_CHECK_MS);
    return () => clearInterval(id);
  }, []);

  const bump = useCallback((k: keyof Ticks) => setTicks((x) => ({ ...x, [k]: x[k] + 1 })), []);
  useEffect(() => {
    const close = connectEvents({
      upload: () => {
        if (timer.current) clearTimeout(timer.current);
        timer.current = setTimeout(() => bump('upload'), UPLOAD_DEBOUNCE_MS);
      },
      devices: () => bump('devices'),
      city: () => bump('city'),
      // A send to several units, or a close telling each, comes as a burst: one refetch.
      dispatch: () => {
        if (dispatchTimer.current) clearTimeout(dispatchTimer.current);
        dispatchTimer.current = setTimeout(() => bump('dispatch'), UPLOAD_DEBOUNCE_MS);
      },
      onState: (on) => {
        setLive(on);
        // A dropped channel may mean the session ended: ask, and go to sign-in on a 401.
        if (!on) hq.session.check().catch(() => undefined);
      },
    });
    return () => {
      close();
      if (timer.current) clearTimeout(timer.current);
      if (dispatchTimer.current) clearTimeout(dispatchTimer.current);
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
