//! The screen switch. Until the device is enrolled every route shows enrolment; each screen is
//! keyed by its full route so a new `?draft=`/`?correct=` starts a fresh form.

import { useEffect } from 'preact/hooks';
import { DispatchLayer } from './components/DispatchCard';
import { Toasts } from './components/Toasts';
import { t } from './i18n';
import { useRoute, type Route } from './router';
import { Accident } from './screens/Accident';
import { Assistance } from './screens/Assistance';
import { Enrol } from './screens/Enrol';
import { History } from './screens/History';
import { Home } from './screens/Home';
import { Incident } from './screens/Incident';
import { LivePatrol } from './screens/LivePatrol';
import { LostPerson } from './screens/LostPerson';
import { PostDuty } from './screens/PostDuty';
import { ReportMenu } from './screens/ReportMenu';
import { Settings } from './screens/Settings';
import { StartPatrol } from './screens/StartPatrol';
import { Sync } from './screens/Sync';
import { ViolationDetails } from './screens/ViolationDetails';
import { currentCard, useDispatch } from './state/dispatch';
import { refreshHome, useApp } from './state/store';

function screen(route: Route, hasPatrol: boolean) {
  switch (route.path) {
    case '/':
      return <Home />;
    case '/enrol':
      return <Enrol />;
    case '/patrol/start':
      return hasPatrol ? <LivePatrol /> : <StartPatrol />;
    case '/patrol/live':
      return <LivePatrol />;
    case '/report':
      return <ReportMenu />;
    case '/report/lost-person':
      return <LostPerson route={route} />;
    case '/report/accident':
      return <Accident route={route} />;
    case '/report/assistance':
      return <Assistance route={route} />;
    case '/report/incident':
      return <Incident route={route} />;
    case '/posts':
      return <PostDuty />;
    case '/history':
      return <History />;
    case '/sync':
      return <Sync />;
    case '/settings':
      return <Settings />;
    default:
      return route.seg[0] === 'violation' && Number(route.seg[1]) > 0 ? <ViolationDetails route={route} /> : <Home />;
  }
}

export function App() {
  const route = useRoute();
  const home = useApp((s) => s.home);
  const lang = useApp((s) => s.language);
  const key = `${route.path}?${route.params.toString()}`;
  // While the dispatch card is up, the screen under it takes no taps and no focus.
  const cardUp = useDispatch((s) => currentCard(s) !== null);
  useEffect(() => {
    void refreshHome();
    window.scrollTo(0, 0);
  }, [key]);

  if (!home) {
    return (
      <main class="screen">
        <p class="lead">{t('common.loading')}</p>
      </main>
    );
  }
  const view = !home.enrolled && route.path !== '/settings' ? <Enrol /> : screen(route, home.open_patrol !== null);
  return (
    <div class="app" data-lang={lang} key={lang}>
      <div class="view" key={key} inert={cardUp && home.enrolled ? true : undefined}>
        {view}
      </div>
      <Toasts />
      {home.enrolled ? <DispatchLayer /> : null}
    </div>
  );
}
