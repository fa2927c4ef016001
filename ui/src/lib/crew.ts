//! The arrival sheet's crew (who holds the post): officer rows and volunteers by category, the
//! one check (at least one officer, a hint: Rust accepts an empty crew as "the device's one
//! officer") and the `post_arrive` arguments it becomes.

import { VOLUNTEER_CATEGORIES, type PostArriveArgs, type VisitEvidence, type VolunteerCategory } from '../api/types';
import type { HintCode, Issue } from './validate';

export type Crew = { officers: string[]; volunteers: Record<VolunteerCategory, number> };

/** A fresh sheet: the officers given (e.g. the last patrol's), else one empty row. */
export function newCrew(officers: string[] = []): Crew {
  const names = officers.map((o) => o.trim()).filter(Boolean);
  return {
    officers: names.length ? names : [''],
    volunteers: Object.fromEntries(VOLUNTEER_CATEGORIES.map((c) => [c, 0])) as Record<VolunteerCategory, number>,
  };
}

/** The names entered, trimmed, blanks dropped, each once. */
export function officerNames(c: Crew): string[] {
  return [...new Set(c.officers.map((o) => o.trim()).filter(Boolean))];
}

export function crewIssue(c: Crew): Issue<HintCode> | null {
  return officerNames(c).length === 0 ? { field: 'officers', code: 'officer_required', message: 'at least one officer is required' } : null;
}

export function volunteerTotal(c: Crew): number {
  return Object.values(c.volunteers).reduce((a, b) => a + b, 0);
}

export function arriveArgs(post_id: string, c: Crew, evidence?: VisitEvidence): PostArriveArgs {
  const volunteers = Object.fromEntries(Object.entries(c.volunteers).filter(([, n]) => n > 0));
  return { post_id, officers: officerNames(c), volunteers, ...(evidence ? { evidence } : {}) };
}
