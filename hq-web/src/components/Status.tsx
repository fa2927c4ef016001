//! Small shared bits: the error / "not available" line and a loading line.

import type { HqError } from '../api/client';
import { t } from '../i18n';
import { errorText, isMissing } from '../state';

export function ErrorLine({ error }: { error: HqError | undefined }) {
  if (!error) return null;
  if (isMissing(error)) return <p class="note not-available" data-missing="1">{t('common.not_available')}</p>;
  return <p class="note error" role="alert">{errorText(error)}</p>;
}

export function Loading({ on }: { on: boolean }) {
  return on ? <p class="note muted">{t('common.loading')}</p> : null;
}

/** Text that is an identifier (device, cell, plate, code): kept as it is in every language. */
export function Raw({ children }: { children: string | number | null | undefined }) {
  return <span class="raw" translate={false}>{children ?? '—'}</span>;
}
