//! A confirm sheet (bottom of the screen on phones, within thumb reach), optionally asking for
//! a required reason — used to stop a patrol, withdraw an entry, discard a draft.

import { useState } from 'preact/hooks';
import { Field, TextArea } from './Field';
import { t } from '../i18n';

export type ConfirmProps = {
  title: string;
  body?: string;
  confirmLabel: string;
  danger?: boolean;
  reasonLabel?: string;
  error?: string | null;
  busy?: boolean;
  onConfirm: (reason: string) => void;
  onCancel: () => void;
};

export function ConfirmDialog(p: ConfirmProps) {
  const [reason, setReason] = useState('');
  const [touched, setTouched] = useState(false);
  const missing = p.reasonLabel !== undefined && reason.trim() === '';
  const err = p.error ?? (touched && missing ? t('validation.required') : null);
  return (
    <div class="overlay" role="presentation">
      <div class="sheet" role="dialog" aria-modal="true" aria-labelledby="dialog-title">
        <h2 id="dialog-title" class="sheet-title">
          {p.title}
        </h2>
        {p.body ? <p class="sheet-body">{p.body}</p> : null}
        {p.reasonLabel !== undefined ? (
          <Field id="dialog-reason" label={p.reasonLabel} error={err}>
            <TextArea id="dialog-reason" value={reason} onInput={setReason} invalid={!!err} rows={2} maxLength={500} />
          </Field>
        ) : null}
        <div class="sheet-actions">
          <button type="button" class="btn btn-secondary" onClick={p.onCancel} disabled={p.busy}>
            {t('common.cancel')}
          </button>
          <button
            type="button"
            class={'btn ' + (p.danger ? 'btn-danger' : 'btn-primary')}
            disabled={p.busy}
            onClick={() => {
              setTouched(true);
              if (!missing) p.onConfirm(reason.trim());
            }}
          >
            {p.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}
