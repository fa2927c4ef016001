//! Dispatch (派警) wording shared by the card, the strip and History: the direction to the
//! scene from where the officer is, and a refused step in the officer's words.

import type { ApiError } from '../api/errors';
import type { LatLon } from '../api/types';
import { fmtDistance, t, tError, tk } from '../i18n';
import { distanceAndDirection } from './geo';

/** The preset reasons to decline, offered as big chips (translation keys `dispatch.decline_reason.*`). */
export const DECLINE_REASONS = ['busy', 'far', 'vehicle', 'short'] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

/** "东北方向 350 米" from where the officer last was, or that the position is not known. */
export function directionText(here: LatLon | null | undefined, target: LatLon): string {
  const dd = distanceAndDirection(here, target);
  return dd
    ? t('dispatch.direction', { compass: tk(`dispatch.compass.${dd.compass}`), distance: fmtDistance(dd.metres) })
    : t('dispatch.here_unknown');
}

/** The reason sent with a decline: the preset chip (in the officer's language) and the free text. */
export function declineReasonText(preset: DeclineReason | null, more: string): string {
  return [preset ? tk(`dispatch.decline_reason.${preset}`) : '', more.trim()].filter(Boolean).join(t('format.list_sep'));
}

/** A refused step in the officer's words: what to do about it, not the raw message. */
export function stepErrorText(err: ApiError): string {
  if (err.kind === 'invalid' && err.code === 'required' && (err.field === 'reason' || err.field === 'outcome')) {
    return t(err.field === 'reason' ? 'dispatch.reason_required' : 'dispatch.outcome_required');
  }
  const te = tError(err);
  return te.reason ? t('format.label_value', { label: te.title, value: te.reason }) : te.title;
}
