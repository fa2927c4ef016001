//! Enrolment: the HQ address and the enrolment code, typed. QR scanning comes with the mobile
//! barcode plugin; on desktop the button is shown disabled with a note saying so.

import { useState } from 'preact/hooks';
import { api, ApiError, toApiError } from '../api';
import { AppHeader } from '../components/AppHeader';
import { ErrorBanner, Field, TextInput } from '../components/Field';
import { t, tError, tIssue } from '../i18n';
import { first, hqUrlIssue, textIssue, type Issue } from '../lib/validate';
import { navigate } from '../router';
import { refreshHome, refreshReference, toast } from '../state/store';

export function Enrol() {
  const [hqUrl, setHqUrl] = useState('https://');
  const [code, setCode] = useState('');
  const [issue, setIssue] = useState<Issue | null>(null);
  const [err, setErr] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const fieldErr = (f: string) =>
    issue?.field === f ? tIssue(issue) : err?.field === f ? (tError(err).reason ?? tError(err).title) : null;

  const submit = async (e: Event) => {
    e.preventDefault();
    const found = first(hqUrlIssue(hqUrl), textIssue('code', code, true, 32));
    setIssue(found);
    setErr(null);
    if (found) return;
    setBusy(true);
    try {
      const r = await api().enroll({ hq_url: hqUrl.trim(), code: code.trim() });
      toast(t('enrol.done', { name: r.device_name }));
      await Promise.all([refreshHome(), refreshReference()]);
      navigate('/', { replace: true });
    } catch (x) {
      setErr(toApiError(x));
    } finally {
      setBusy(false);
    }
  };

  const te = err && !err.field ? tError(err) : null;
  return (
    <>
      <AppHeader title={t('enrol.title')} back={false} />
      <main class="screen">
        <p class="lead">{t('enrol.intro')}</p>
        {te ? <ErrorBanner title={te.title} detail={t('common.detail', { message: te.detail })} /> : null}
        <form class="form" noValidate onSubmit={submit}>
          <Field id="hq_url" label={t('enrol.hq_url')} hint={t('enrol.hq_url_hint')} error={fieldErr('hq_url')}>
            <TextInput id="hq_url" type="url" inputMode="url" value={hqUrl} onInput={setHqUrl} invalid={!!fieldErr('hq_url')} autoCapitalize="none" />
          </Field>
          <Field id="code" label={t('enrol.code')} hint={t('enrol.code_hint')} error={fieldErr('code')}>
            <TextInput id="code" value={code} onInput={setCode} invalid={!!fieldErr('code')} autoCapitalize="characters" maxLength={32} />
          </Field>
          <div class="scan-box">
            <button type="button" class="btn btn-secondary btn-block" disabled aria-describedby="scan-note">
              {t('enrol.scan')}
            </button>
            <p class="field-hint" id="scan-note">
              {t('enrol.scan_note')}
            </p>
          </div>
          <div class="actionbar">
            <button type="submit" class="btn btn-primary" disabled={busy}>
              {busy ? t('enrol.submitting') : t('enrol.submit')}
            </button>
          </div>
        </form>
      </main>
    </>
  );
}
