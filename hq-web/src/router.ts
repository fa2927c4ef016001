//! Hash routes, one per view (`#/live`, `#/today`, …). No token or session ever goes in a URL.

import { useEffect, useState } from 'preact/hooks';

export const VIEWS = ['live', 'dispatch', 'today', 'posts', 'coverage', 'presence', 'replay', 'reports', 'devices'] as const;
export type View = (typeof VIEWS)[number];

export function parseView(hash: string): View {
  const v = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return (VIEWS as readonly string[]).includes(v) ? (v as View) : 'live';
}

export function useView(): View {
  const [view, setView] = useState<View>(parseView(location.hash));
  useEffect(() => {
    const f = () => setView(parseView(location.hash));
    addEventListener('hashchange', f);
    return () => removeEventListener('hashchange', f);
  }, []);
  return view;
}
