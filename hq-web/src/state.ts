//! What every view shares: the signed-in operator, the city (its zone decides the day), the
//! push channel's ticks (a view refetches when its tick moves) and small loading hooks.

import { createContext } from 'preact';
import { useContext, useEffect, useRef, useState } from 'preact/hooks';
import { HqError } from './api/client';
import type { City, Operator } from './api/types';
import { hasKey, tInvalid, tk } from './i18n';

/** `upload` moves for live answers (at most every 2 s under a steady stream of uploads),
 * `figures` for the day's heavier figures (at most every 10 s); see `app.tsx`. */
export type Ticks = { upload: number; figures: number; devices: number; city: number; dispatch: number };
export type AppState = {
  operator: Operator;
  city: City | null;
  tz: string;
  ticks: Ticks;
  live: boolean;
};

export const AppCtx = createContext<AppState | null>(null);

export function useApp(): AppState {
  const s = useContext(AppCtx);
  if (!s) throw new Error('useApp outside the app');
  return s;
}

export type Loaded<T> = { data: T | undefined; error: HqError | undefined; loading: boolean; reload: () => void };

/** Run `fn` when `deps` change (and on `reload`); keeps the last data while reloading, so a
 * refetch on a push event does not blank the view. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<HqError | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [n, setN] = useState(0);
  const seq = useRef(0);
  useEffect(() => {
    const mine = ++seq.current;
    setLoading(true);
    fn().then(
      (d) => {
        if (mine !== seq.current) return;
        setData(d);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (mine !== seq.current) return;
        setError(e instanceof HqError ? e : new HqError(0, 'unknown', String(e)));
        setLoading(false);
      },
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, n]);
  return { data, error, loading, reload: () => setN((x) => x + 1) };
}

/** The clock, ticking every `everyMs` (relative ages are recomputed from it). */
export function useNow(everyMs = 5000): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(id);
  }, [everyMs]);
  return now;
}

const KNOWN_CODES = ['unauthenticated', 'forbidden', 'admins_only', 'not_found', 'bad_date', 'bad_range', 'network'];

/** An error in the operator's language: known codes translated, a value refused by a rule
 * translated from HQ's `invalid` part, otherwise HQ's message. */
export function errorText(e: HqError): string {
  if (e.status === 404 && (e.code === 'not_found' || !e.message)) return tk('error.not_found');
  if (KNOWN_CODES.includes(e.code) && hasKey(`error.${e.code}`)) return tk(`error.${e.code}`);
  if (e.invalid) return tInvalid(e.invalid, e.message || e.code);
  return e.message || e.code;
}

/** True when the endpoint is not there (yet): views then show a "not available" line. */
export function isMissing(e: HqError | undefined): boolean {
  return !!e && e.status === 404;
}
