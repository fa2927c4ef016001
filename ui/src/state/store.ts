//! App-wide state derived from Rust: the `home` summary (unsynced count, open patrol, today's
//! tallies), the sync queue (`sync_queue`, answered offline) and the last receipt this run got,
//! the reference data, the city's map pack (`map_pack`: read at start and after each sync), the
//! language, and transient toasts. Refreshed on every `ledger-changed` event; screens read it
//! with `useApp`.

import { useEffect, useState } from 'preact/hooks';
import { api, type ApiError, toApiError } from '../api';
import type { Home, LedgerChanged, MapPackView, Receipt, Reference, SyncQueueView } from '../api/types';
import { language, setLanguage } from '../i18n';
import { queueStuck } from '../lib/sync-queue';

export type Toast = { id: number; text: string; tone: 'ok' | 'error' | 'info' };
export type AppState = {
  home: Home | null;
  /** What waits to reach HQ (`sync_queue`); null until first read. */
  queue: SyncQueueView | null;
  /** The receipt of the last `sync_now` of this run (its `stuck` is only known then). */
  receipt: Receipt | null;
  reference: Reference | null;
  /** The map pack on this device and one downloading (`map_pack`); null until first read. */
  mapPack: MapPackView | null;
  language: string;
  toasts: Toast[];
  appVersion: string;
};

let state: AppState = {
  home: null, queue: null, receipt: null, reference: null, mapPack: null, language: language(), toasts: [], appVersion: '',
};
const listeners = new Set<() => void>();
const ledgerListeners = new Set<(e: LedgerChanged) => void>();

export function getState(): AppState {
  return state;
}

export function setState(patch: Partial<AppState>): void {
  state = { ...state, ...patch };
  for (const f of listeners) f();
}

/** Subscribe a component to a slice of the app state. */
export function useApp<T>(select: (s: AppState) => T): T {
  const [value, setValue] = useState(() => select(state));
  useEffect(() => {
    const on = () => setValue(() => select(state));
    listeners.add(on);
    on();
    return () => void listeners.delete(on);
  }, []);
  return value;
}

/** Run `f` after every ledger change (a commit or a sync), e.g. to refetch a list. */
export function useLedger(f: (e: LedgerChanged) => void): void {
  useEffect(() => {
    ledgerListeners.add(f);
    return () => void ledgerListeners.delete(f);
  }, [f]);
}

/** Read the home summary again, and the sync queue with it (the badge and Home use both). */
export async function refreshHome(): Promise<Home | null> {
  const [home] = await Promise.all([readHome(), refreshQueue()]);
  return home;
}

async function readHome(): Promise<Home | null> {
  try {
    const home = await api().home();
    setState({ home });
    return home;
  } catch {
    return state.home;
  }
}

/** Read the sync queue again (it answers offline). */
export async function refreshQueue(): Promise<SyncQueueView | null> {
  try {
    const queue = await api().syncQueue();
    setState({ queue });
    return queue;
  } catch {
    return state.queue;
  }
}

/** Entries wait and retrying does not move them (see `queueStuck`). */
export function stuckOf(s: AppState): boolean {
  return queueStuck(s.queue, s.receipt);
}

export async function refreshReference(): Promise<void> {
  try {
    setState({ reference: await api().reference() });
  } catch {
    // keep what we had; screens show "sync first" when there is none
  }
}

/** Read the map pack again (at start, after a sync, while one downloads); it answers offline. */
export async function refreshMapPack(): Promise<MapPackView | null> {
  try {
    const mapPack = await api().mapPack();
    setState({ mapPack });
    return mapPack;
  } catch {
    // keep what we had: the map draws the pack it drew, or the schematic
    return state.mapPack;
  }
}

let toastId = 0;
export function toast(text: string, opts: { tone?: Toast['tone']; ms?: number } = {}): number {
  const id = ++toastId;
  const item: Toast = { id, text, tone: opts.tone ?? 'ok' };
  setState({ toasts: [...state.toasts.filter((x) => x.tone === 'error'), item].slice(-2) });
  setTimeout(() => dismissToast(id), opts.ms ?? (item.tone === 'error' ? 8000 : 3500));
  return id;
}

export function dismissToast(id: number): void {
  if (state.toasts.some((x) => x.id === id)) setState({ toasts: state.toasts.filter((x) => x.id !== id) });
}

export function errorToast(e: unknown, describe: (err: ApiError) => string): void {
  toast(describe(toApiError(e)), { tone: 'error', ms: 6000 });
}

/** Wire the store to Rust: first load, settings, and the ledger-changed event. */
export async function startStore(): Promise<void> {
  const a = api();
  try {
    const settings = await a.getSettings();
    setLanguage(settings.language);
  } catch {
    // default language
  }
  setState({ language: language(), appVersion: await a.appVersion() });
  await Promise.all([refreshHome(), refreshReference(), refreshMapPack()]);
  await a.on('ledger-changed', (e) => {
    const lastSync = state.home?.last_sync_ms ?? null;
    if (state.home) setState({ home: { ...state.home, unsynced: e.unsynced } });
    // A sync (the Sync screen's or the app's own) may have brought or finished a map pack.
    void refreshHome().then((h) => {
      if (h && h.last_sync_ms !== lastSync) void refreshMapPack();
    });
    if (!state.reference) void refreshReference();
    for (const f of ledgerListeners) f(e);
  });
}
