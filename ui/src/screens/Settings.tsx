//! Settings: language (persisted by Rust via set_settings), the HQ address, and device facts —
//! device id, app version, and the position source, clearly marked when it is simulated.

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, inTauri, toApiError } from '../api';
import type { Language } from '../api/types';
import { AppHeader } from '../components/AppHeader';
import { Choice } from '../components/Choice';
import { Field, TextInput } from '../components/Field';
import { LANGUAGES, setLanguage, t, tError, tIssue, tk } from '../i18n';
import { hqUrlIssue, type Issue } from '../lib/validate';
import { refreshHome, setState, toast, useApp } from '../state/store';

export function Settings() {
  const home = useApp((s) => s.home);
  const lang = useApp((s) => s.language) as Language;
  const version = useApp((s) => s.appVersion);
  const [hq, setHq] = useState(home?.hq_url ?? '');
  const [issue, setIssue] = useState<Issue | null>(null);
  const [err, setErr] = useState<ApiError | null>(null);
  useEffect(() => setHq(home?.hq_url ?? ''), [home?.hq_url]);

  const save = async (language: Language, hq_url: string | null) => {
    try {
      const s = await api().setSettings({ language, hq_url });
      setLanguage(s.language);
      setState({ language: s.language });
      await refreshHome();
      return true;
    } catch (e) {
      setErr(toApiError(e));
      return false;
    }
  };

  const saveHq = async () => {
    const found = hqUrlIssue(hq);
    setIssue(found);
    setErr(null);
    if (!found && (await save(lang, hq.trim()))) toast(t('settings.hq_saved'));
  };

  const source = home?.position_source ?? 'none';
  const hqErr = issue ? tIssue(issue) : err ? (tError(err).reason ?? tError(err).title) : null;
  return (
    <>
      <AppHeader title={t('settings.title')} />
      <main class="screen cols">
        <div>
          <Field id="language" label={t('settings.language')}>
            <Choice id="language" options={LANGUAGES} value={lang} onChange={(l) => void save(l, home?.hq_url ?? null)} labelPrefix="settings.lang" columns={2} />
          </Field>
          <Field id="hq_url" label={t('settings.hq')} error={hqErr}>
            <TextInput id="hq_url" type="url" inputMode="url" value={hq} onInput={setHq} invalid={!!hqErr} autoCapitalize="none" />
          </Field>
          <button type="button" class="btn btn-secondary btn-block" onClick={() => void saveHq()}>
            {t('settings.hq_save')}
          </button>
        </div>
        <section class="card device" aria-labelledby="device-title">
          <h2 id="device-title" class="card-kicker">
            {t('settings.device')}
          </h2>
          <dl class="facts">
            <dt>{t('settings.position')}</dt>
            <dd>
              <span class={'source source-' + source} data-testid="position-source">
                {tk(`settings.position.${source}`)}
              </span>
              {source !== 'gnss' ? <p class="banner banner-warn">{t('settings.simulated_warning')}</p> : null}
            </dd>
            <dt>{t('settings.device_name')}</dt>
            <dd>{home?.device_name ?? '—'}</dd>
            <dt>{t('settings.device_id')}</dt>
            <dd class="mono">{home?.device_id ?? '—'}</dd>
            <dt>{t('settings.app_version')}</dt>
            <dd class="mono">{version}</dd>
            <dt>{t('settings.backend')}</dt>
            <dd>{inTauri() ? t('settings.backend.tauri') : t('settings.backend.fake')}</dd>
          </dl>
          {source === 'none' ? (
            <button
              type="button"
              class="btn btn-secondary btn-block"
              onClick={() =>
                void api()
                  .startPositionSource({ kind: 'simulated' })
                  .then(refreshHome)
                  .catch((e) => toast(tError(toApiError(e)).title, { tone: 'error' }))
              }
            >
              {t('settings.start_sim')}
            </button>
          ) : null}
        </section>
      </main>
    </>
  );
}
