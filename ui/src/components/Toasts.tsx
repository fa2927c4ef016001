//! Notifications. "已保存 #5" and other confirmations show over the header's title — never
//! over the content or the thumb zone — and let taps through; errors show under the header,
//! stay longer and can be closed.

import { dismissToast, useApp } from '../state/store';
import { t } from '../i18n';

export function Toasts() {
  const toasts = useApp((s) => s.toasts);
  const notes = toasts.filter((x) => x.tone !== 'error');
  const errors = toasts.filter((x) => x.tone === 'error');
  return (
    <>
      {notes.length ? (
        <div class="toasts toasts-note" aria-live="polite">
          {notes.slice(-1).map((x) => (
            <div key={x.id} class={`toast toast-${x.tone}`} role="status">
              <p class="toast-text">{x.text}</p>
            </div>
          ))}
        </div>
      ) : null}
      {errors.length ? (
        <div class="toasts toasts-error" aria-live="assertive">
          {errors.map((x) => (
            <div key={x.id} class="toast toast-error" role="alert">
              <p class="toast-text">{x.text}</p>
              <button type="button" class="toast-close" onClick={() => dismissToast(x.id)}>
                {t('common.close')}
              </button>
            </div>
          ))}
        </div>
      ) : null}
    </>
  );
}
