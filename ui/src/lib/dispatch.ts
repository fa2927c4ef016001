//! Dispatch (派警) rules the UI needs, as pure functions: a mirror of patrol-model's
//! `dispatch.rs` (the next-steps table, the furthest step) for the fake backend, and what the
//! screens decide from the list Rust returns — which dispatch the full-screen card shows, which
//! ones the "进行中的派警" strip shows, how late a unit is. Rust's `state` and `next` are
//! authoritative; nothing here is evidence.

import type {
  Dispatch,
  DispatchOrder,
  DispatchState,
  DispatchStepKind,
  DispatchSteps,
} from '../api/types';

/** patrol-model's `next_steps`: the steps an officer can take from a state, in the order offered. */
export const NEXT_STEPS: Record<DispatchState, readonly DispatchStepKind[]> = {
  // HQ's states before the order reached a device: nothing to do on one yet.
  created: [],
  sent: [],
  delivered: ['accepted', 'declined'],
  accepted: ['en-route', 'on-scene'],
  'en-route': ['on-scene'],
  'on-scene': ['cleared'],
  cleared: [],
  declined: [],
  reassigned: [],
};

/** Where each step's time is kept in `steps`. */
export const STEP_FIELD: Record<DispatchStepKind, keyof DispatchSteps> = {
  accepted: 'accepted_ms',
  'en-route': 'en_route_ms',
  'on-scene': 'on_scene_ms',
  cleared: 'cleared_ms',
  declined: 'declined_ms',
};

const has = (v: unknown): boolean => v !== null && v !== undefined;

/** patrol-model's `StepTimes::furthest`: the furthest step reached (a decline alone ends it). */
export function furthest(s: DispatchSteps): DispatchState | null {
  if (has(s.cleared_ms)) return 'cleared';
  if (has(s.on_scene_ms)) return 'on-scene';
  if (has(s.en_route_ms)) return 'en-route';
  if (has(s.accepted_ms)) return 'accepted';
  if (has(s.declined_ms)) return 'declined';
  return null;
}

/** The device store's rule: cleared stays cleared, else a withdrawal wins, else the furthest step. */
export function stateOf(withdrawn: string | null | undefined, s: DispatchSteps): DispatchState {
  const f = furthest(s);
  if (f === 'cleared') return 'cleared';
  if (has(withdrawn)) return 'reassigned';
  return f ?? 'delivered';
}

/** Rust leaves `address` / `note` out when absent and may send steps as null or not at all:
 * make every optional field an explicit null so the screens read one shape. */
export function normalizeDispatch(d: Dispatch): Dispatch {
  const s = (d.steps ?? {}) as DispatchSteps;
  const order: DispatchOrder = { ...d.order, address: d.order.address ?? null, note: d.order.note ?? null };
  return {
    ...d,
    order,
    withdrawn: d.withdrawn ?? null,
    steps: {
      accepted_ms: s.accepted_ms ?? null,
      en_route_ms: s.en_route_ms ?? null,
      on_scene_ms: s.on_scene_ms ?? null,
      cleared_ms: s.cleared_ms ?? null,
      declined_ms: s.declined_ms ?? null,
      outcome: s.outcome ?? null,
      reason: s.reason ?? null,
    },
    next: d.next ?? [],
  };
}

/** Still needs the officer: not cleared, declined or withdrawn. */
export function isActive(d: Dispatch): boolean {
  return d.state !== 'cleared' && d.state !== 'declined' && d.state !== 'reassigned';
}

/** The officer is on it: accepted, en route or on scene (the strip shows these). */
export function isCommitted(d: Dispatch): boolean {
  return d.state === 'accepted' || d.state === 'en-route' || d.state === 'on-scene';
}

/** A key for "the officer has seen this withdrawal": an order HQ sends again is a new one. */
export function withdrawalKey(d: Dispatch): string {
  return `${d.order.id}@${d.order.sent_ms}`;
}

/** HQ took back an order the officer should hear about: not one the officer had only declined. */
export function showsWithdrawal(d: Dispatch): boolean {
  if (d.state !== 'reassigned') return false;
  const s = d.steps;
  const committed = has(s.accepted_ms) || has(s.en_route_ms) || has(s.on_scene_ms);
  return committed || !has(s.declined_ms);
}

export type CardMode = 'withdrawn' | 'new' | 'opened';
export type CardChoice = { dispatch: Dispatch; mode: CardMode };

/**
 * Which dispatch the full-screen card shows, if any. In order: a withdrawal the officer has not
 * acknowledged (they may be on the way: stop them first), then an order not yet answered — the
 * tightest tier first, then the newest — then the one the officer opened from the strip, while it
 * is still active. `list` is newest first, as `dispatches` returns it.
 */
export function cardToShow(
  list: readonly Dispatch[],
  opts: { dismissed: ReadonlySet<string> | readonly string[]; opened: string | null },
): CardChoice | null {
  const dismissed = new Set(opts.dismissed);
  const withdrawn = list.find((d) => showsWithdrawal(d) && !dismissed.has(withdrawalKey(d)));
  if (withdrawn) return { dispatch: withdrawn, mode: 'withdrawn' };
  const waiting = list
    .filter((d) => d.state === 'delivered')
    .sort((a, b) => a.order.tier - b.order.tier || b.order.sent_ms - a.order.sent_ms);
  if (waiting.length) return { dispatch: waiting[0], mode: 'new' };
  const opened = opts.opened === null ? undefined : list.find((d) => d.order.id === opts.opened);
  return opened && isActive(opened) ? { dispatch: opened, mode: 'opened' } : null;
}

/** The dispatches the officer is on (accepted, en route, on scene), newest first. */
export function committedDispatches(list: readonly Dispatch[]): Dispatch[] {
  return list.filter(isCommitted);
}

/** On-scene deadline of the 1-3-5 circle: call time + tier minutes. */
export function deadlineMs(o: DispatchOrder): number {
  return o.call_ms + o.tier * 60_000;
}

/**
 * How the unit stands against its tier: `left` ms before the deadline (negative once overdue),
 * or null once on scene or no longer active (the clock matters only on the way).
 */
export function timeLeftMs(d: Dispatch, now: number): number | null {
  if (has(d.steps.on_scene_ms) || !isActive(d)) return null;
  return deadlineMs(d.order) - now;
}

/** The step times that happened, in the order they happened (for History's dispatch list). */
export function stepTimeline(s: DispatchSteps): { step: DispatchStepKind; ms: number }[] {
  return (Object.keys(STEP_FIELD) as DispatchStepKind[])
    .map((step) => ({ step, ms: s[STEP_FIELD[step]] as number | null | undefined }))
    .filter((x): x is { step: DispatchStepKind; ms: number } => typeof x.ms === 'number')
    .sort((a, b) => a.ms - b.ms);
}
