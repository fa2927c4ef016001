//! A hash router: `#/report/lost-person?draft=…`. Hash routes need no server support, so the
//! same build works from Tauri's asset protocol and from a static server.

import { useEffect, useState } from 'preact/hooks';

export type Route = { path: string; seg: string[]; params: URLSearchParams };

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [p, q = ''] = raw.split('?');
  const path = '/' + p.split('/').filter(Boolean).join('/');
  return { path, seg: path.split('/').filter(Boolean), params: new URLSearchParams(q) };
}

export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  const hash = '#' + to;
  if (opts.replace) history.replaceState(null, '', hash);
  else history.pushState(null, '', hash);
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}

/** Back within the app, or home when there is nothing to go back to. */
export function goBack(): void {
  if (history.length > 1 && parseHash(location.hash).path !== '/') history.back();
  else navigate('/');
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseHash(location.hash));
    window.addEventListener('hashchange', on);
    window.addEventListener('popstate', on);
    return () => {
      window.removeEventListener('hashchange', on);
      window.removeEventListener('popstate', on);
    };
  }, []);
  return route;
}
