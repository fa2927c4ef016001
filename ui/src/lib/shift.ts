//! The start-patrol form as data: empty, filled from the last shift ("与上次相同", one tap fills
//! group, mode, officers, volunteers and plate), and the `start_patrol` arguments it becomes —
//! the name still in the officer box counts, so typing one name and tapping start is enough.

import {
  PATROL_MODES, VOLUNTEER_CATEGORIES,
  type LastShift, type PatrolMode, type StartPatrolArgs, type VolunteerCategory,
} from '../api/types';

export type StartForm = {
  mode: PatrolMode;
  group: string;
  /** The officers added. */
  officers: string[];
  /** What is typed in the officer box, not yet added. */
  officer: string;
  volunteers: Record<VolunteerCategory, number>;
  plate: string;
};

const noVolunteers = (): Record<VolunteerCategory, number> =>
  Object.fromEntries(VOLUNTEER_CATEGORIES.map((c) => [c, 0])) as Record<VolunteerCategory, number>;

/** Trimmed names, blanks dropped, each once, in order. */
export function cleanNames(names: readonly string[]): string[] {
  return [...new Set(names.map((o) => o.trim()).filter(Boolean))];
}

export function emptyStartForm(): StartForm {
  return { mode: 'foot', group: '', officers: [], officer: '', volunteers: noVolunteers(), plate: '' };
}

/**
 * The form as the last shift had it. A group the reference no longer lists is left to choose
 * (when `groups` is given); a mode or volunteer category this build does not know is dropped.
 */
export function formFromLastShift(last: LastShift, groups?: readonly { id: string }[]): StartForm {
  const f = emptyStartForm();
  const groupKnown = !groups || groups.length === 0 || groups.some((g) => g.id === last.group);
  f.group = groupKnown ? last.group : '';
  if ((PATROL_MODES as readonly string[]).includes(last.mode)) f.mode = last.mode;
  f.officers = cleanNames(last.officers);
  for (const c of VOLUNTEER_CATEGORIES) {
    const n = last.volunteers[c];
    if (typeof n === 'number' && Number.isFinite(n) && n > 0) f.volunteers[c] = Math.floor(n);
  }
  f.plate = last.vehicle_plate ?? '';
  return f;
}

/** Whether the last shift has a crew worth offering ("与上次相同" needs a group or an officer). */
export function offersLastShift(last: LastShift | null): last is LastShift {
  return !!last && (cleanNames(last.officers).length > 0 || last.group !== '');
}

/** The officers the form will send: those added, then the name still in the box. */
export function formOfficers(f: Pick<StartForm, 'officers' | 'officer'>): string[] {
  return cleanNames([...f.officers, f.officer]);
}

export function startArgs(f: StartForm): StartPatrolArgs {
  const plate = f.plate.trim();
  return {
    mode: f.mode,
    group: f.group,
    officers: formOfficers(f),
    volunteers: Object.fromEntries(Object.entries(f.volunteers).filter(([, n]) => n > 0)),
    ...(plate ? { vehicle_plate: plate } : {}),
  };
}

/** Whether the form says what the last shift said (the button then reads as done). */
export function sameAsLast(f: StartForm, last: LastShift, groups?: readonly { id: string }[]): boolean {
  const want = startArgs(formFromLastShift(last, groups));
  const have = startArgs(f);
  return JSON.stringify(want) === JSON.stringify(have);
}
