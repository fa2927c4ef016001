//! Sign-in: an operator token becomes an HttpOnly session cookie (POST /api/v1/session). The
//! token lives only in this form's field: never stored, never put in a URL.

import { useState } from 'preact/hooks';
import { HqError } from '../api/client';
import * as hq from '../api/hq';
import type { Session } from '../api/types';
import { language, setLanguage, t, type Key } from '../i18n';
import { errorText } from '../state';

export function SignIn({ notice, onSignedIn }: { notice: Key | null; onSignedIn: (s: Session) => void }) {
  const [token, setToken] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: Event) => {
    e.preventDefault();
    if (!token.trim()) return setError(t('signin.empty'));
    setBusy(true);
    setError(null);
    try {
      const s = await hq.session.signIn(token.trim());
      setToken('');
      onSignedIn(s);
    } catch (err) {
      setError(err instanceof HqError && err.status === 401 ? t('signin.refused') : err instanceof HqError ? errorText(err) : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="signin-page" data-screen="signin">
      <form class="signin" onSubmit={submit} autocomplete="off">
        <h1>{t('app.title')}</h1>
        <p class="muted">{t('signin.lead')}</p>
        {notice && <p class="note warn" role="status" data-notice={notice}>{t(notice)}</p>}
        <label for="token">{t('signin.token')}</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="off"
          spellcheck={false}
          value={token}
          onInput={(e) => setToken((e.target as HTMLInputElement).value)}
        />
        {error && <p class="note error" role="alert">{error}</p>}
        <button class="btn primary" type="submit" disabled={busy}>
          {busy ? t('common.loading') : t('signin.submit')}
        </button>
        <button type="button" class="btn link" onClick={() => setLanguage(language() === 'zh-CN' ? 'en' : 'zh-CN')} data-action="lang" lang={language() === 'zh-CN' ? 'en' : 'zh-CN'}>
          {t('lang.switch')}
        </button>
      </form>
    </div>
  );
}
