//! Dispatches (派警) as app state: the list Rust keeps (`dispatches`), the on-scene suggestion
//! (`scene_suggestion`), where the officer last was (`position` events), which dispatch the
//! officer opened from the strip, and which withdrawals they have acknowledged ("知道了").
//!
//! Loaded at start, on `dispatch-new` (HQ's orders, or a withdrawal, reached the device), after
//! every ledger change (a step, a sync) and every 15 s — a withdrawal pulled by a sync comes
//! with no event of its own, so the app also looks for it. The on-scene suggestion is polled the same way, and on fixes at most every 5 s,
//! while a dispatch waits for its arrival.

import { useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import type { Dispatch, DispatchStepArgs, LatLon, SceneSuggestion } from '../api/types';
import { cardToShow, isActive, withdrawalKey, type CardChoice } from '../lib/dispatch';
import { getState } from './store';

export type DispatchUi = {
  list: Dispatch[];
  loaded: boolean;
  scene: SceneSuggestion | null;
  /** The dispatch the officer opened from the strip (the card collapses when null). */
  opened: string | null;
  /** Withdrawals the officer acknowledged (`withdrawalKey`). */
  dismissed: string[];
  /** The officer's last known position. */
  here: LatLon | null;
};

const DISMISSED_KEY = 'patrol-ui.dispatch-dismissed';
const POLL_MS = 15_000;
const SCENE_MIN_GAP_MS = 5_000;

function loadDismissed(): string[] {
  try {
    const raw = globalThis.localStorage?.getItem(DISMISSED_KEY);
    const v = raw ? (JSON.parse(raw) as unknown) : [];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function saveDismissed(keys: string[]): void {
  try {
    // The newest 200 are plenty: older orders are long settled.
    globalThis.localStorage?.setItem(DISMISSED_KEY, JSON.stringify(keys.slice(-200)));
  } catch {
    // storage unavailable: the acknowledgement lasts until the app restarts
  }
}

let ui: DispatchUi = { list: [], loaded: false, scene: null, opened: null, dismissed: loadDismissed(), here: null };
const listeners = new Set<() => void>();
const alerted = new Set<string>();
let lastScene = 0;

function set(patch: Partial<DispatchUi>): void {
  ui = { ...ui, ...patch };
  for (const f of listeners) f();
}

export function dispatchUi(): DispatchUi {
  return ui;
}

/** Subscribe a component to a slice of the dispatch state. */
export function useDispatch<T>(select: (s: DispatchUi) => T): T {
  const [value, setValue] = useState(() => select(ui));
  useEffect(() => {
    const on = () => setValue(() => select(ui));
    listeners.add(on);
    on();
    return () => void listeners.delete(on);
  }, []);
  return value;
}

/** The card to show now (see `cardToShow`). */
export function currentCard(s: DispatchUi = ui): CardChoice | null {
  return cardToShow(s.list, { dismissed: s.dismissed, opened: s.opened });
}

/**
 * Make a new order impossible to miss. On the desktop build this is `navigator.vibrate` where
 * the webview has it, and nothing else. On phones the alert comes from the Tauri mobile plugin
 * (design only, not built yet): a strong vibration pattern, an alarm sound that plays even in
 * silent mode, and a high-priority notification with a full-screen intent, so the card shows
 * over the lock screen.
 */
function alertOfficer(): void {
  try {
    globalThis.navigator?.vibrate?.([500, 200, 500, 200, 500]);
  } catch {
    // no vibration here
  }
}

function alertNew(list: Dispatch[]): void {
  let fresh = false;
  for (const d of list) {
    if (d.state === 'delivered' && !alerted.has(d.order.id)) {
      alerted.add(d.order.id);
      fresh = true;
    }
  }
  if (fresh) alertOfficer();
}

/** A dispatch still waits for its on-scene step (the only time a suggestion can come). */
function waitingForScene(list: Dispatch[]): boolean {
  return list.some((d) => isActive(d) && (d.steps.on_scene_ms ?? null) === null);
}

export async function reloadDispatches(): Promise<Dispatch[]> {
  try {
    const list = await api().dispatches();
    const opened = ui.opened !== null && list.some((d) => d.order.id === ui.opened && isActive(d)) ? ui.opened : null;
    set({ list, loaded: true, opened });
    alertNew(list);
    if (!waitingForScene(list) && ui.scene !== null) set({ scene: null });
    return list;
  } catch {
    return ui.list; // keep what we had; the next look tries again
  }
}

export async function reloadScene(): Promise<void> {
  lastScene = Date.now();
  if (!waitingForScene(ui.list)) {
    if (ui.scene !== null) set({ scene: null });
    return;
  }
  try {
    const scene = await api().sceneSuggestion();
    // Only for a dispatch still waiting; a hint only, never an error toast.
    const fits = scene !== null && ui.list.some((d) => d.order.id === scene.dispatch_id && isActive(d) && (d.steps.on_scene_ms ?? null) === null);
    set({ scene: fits ? scene : null });
  } catch {
    set({ scene: null });
  }
}

/** Open the card of an active dispatch (from the strip or History). */
export function openDispatch(id: string): void {
  set({ opened: id });
}

/** Collapse the card to the strip. */
export function collapseDispatch(): void {
  set({ opened: null });
}

/** "知道了" on a withdrawal: it is not shown again. */
export function dismissWithdrawal(d: Dispatch): void {
  const key = withdrawalKey(d);
  if (ui.dismissed.includes(key)) return;
  const dismissed = [...ui.dismissed, key];
  saveDismissed(dismissed);
  set({ dismissed, opened: ui.opened === d.order.id ? null : ui.opened });
}

/** Record one step; the list is updated with the dispatch as it stands after. Rejects with
 * the `ApiError` as Rust refused it (nothing written). */
export async function recordStep(a: DispatchStepArgs): Promise<Dispatch> {
  const d = await api().dispatchStep(a);
  set({ list: ui.list.map((x) => (x.order.id === d.order.id ? d : x)) });
  if (a.step === 'on-scene' || !isActive(d)) set({ scene: null });
  void reloadDispatches();
  return d;
}

let started = false;

/** Wire dispatches to Rust: first load, the events, the poll. Once. */
export async function startDispatches(): Promise<void> {
  if (started) return;
  started = true;
  const a = api();
  const fix = getState().home?.open_patrol?.last_fix;
  if (fix) set({ here: { lat: fix.lat, lon: fix.lon } });
  await a.on('dispatch-new', (e) => {
    void reloadDispatches().then((list) => {
      // An order sent again after a withdrawal may not be `delivered`: open it all the same.
      const again = list.find((d) => e.ids.includes(d.order.id) && isActive(d) && d.state !== 'delivered');
      if (again && ui.opened === null) {
        set({ opened: again.order.id });
        alertOfficer();
      }
      void reloadScene();
    });
  });
  await a.on('ledger-changed', () => {
    void reloadDispatches().then(() => reloadScene());
  });
  await a.on('position', (f) => {
    set({ here: { lat: f.lat, lon: f.lon } });
    if (Date.now() - lastScene > SCENE_MIN_GAP_MS) void reloadScene();
  });
  await reloadDispatches();
  await reloadScene();
  setInterval(() => {
    void reloadDispatches().then(() => reloadScene());
  }, POLL_MS);
}
