//! Enrolment: the HQ address and the enrolment code. On a phone the code can be scanned from
//! HQ's QR code (the barcode-scanner plugin); the QR code holds the code only, never the
//! address, so a scan fills the code field and nothing else. On desktop the scan button is
//! shown disabled with a note saying so.

import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, ScanError, toApiError, type ScanErrorKind } from '../api';
import { AppHeader } from '../components/AppHeader';
import { ErrorBanner, Field, TextInput } from '../components/Field';
import { t, tError, tIssue, type Key } from '../i18n';
import { enrolCodeFromQr } from '../lib/enrol-code';
import { first, hqUrlIssue, textIssue, type Issue } from '../lib/validate';
import { navigate } from '../router';
import { refreshHome, refreshMapPack, refreshReference, toast } from '../state/store';

export function Enrol() {
  const [hqUrl, setHqUrl] = useState('https://');
  const [code, setCode] = useState('');
  const [issue, setIssue] = useState<Issue | null>(null);
  const [err, setErr] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const [scanning, setScanning] = useState(false);
  const [scanMsg, setScanMsg] = useState<{ ok: boolean; key: Key } | null>(null);
  const submitRef = useRef<HTMLButtonElement>(null);
  /** Where the officer goes once a scanned code is in: the address, or 登记. */
  const afterScan = useRef<'hq_url' | 'submit' | null>(null);
  const scanQr = api().scanQr;

  // What the scan said is brought above the pinned 登记 bar, then the next step takes the focus.
  useEffect(() => {
    if (!scanMsg) return;
    document.getElementById('scan-message')?.scrollIntoView({ block: 'nearest' });
    const next = afterScan.current;
    afterScan.current = null;
    if (next === 'submit') submitRef.current?.focus();
    if (next === 'hq_url') {
      const hq = document.getElementById('hq_url') as HTMLInputElement | null;
      hq?.focus();
      hq?.setSelectionRange(hq.value.length, hq.value.length);
    }
  }, [scanMsg]);

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
      await Promise.all([refreshHome(), refreshReference(), refreshMapPack()]);
      navigate('/', { replace: true });
    } catch (x) {
      setErr(toApiError(x));
    } finally {
      setBusy(false);
    }
  };

  /** Typed over: what the last scan said no longer applies. */
  const typeCode = (v: string) => {
    setCode(v);
    setScanMsg(null);
  };

  /** Scan HQ's QR code into the code field; a cancel changes nothing. */
  const scan = async () => {
    if (!scanQr || scanning) return;
    setScanning(true);
    try {
      const text = await scanQr();
      if (text === null) return;
      const found = enrolCodeFromQr(text);
      if (found === null) {
        setScanMsg({ ok: false, key: 'enrol.scan_not_code' });
        return;
      }
      setCode(found);
      if (issue?.field === 'code') setIssue(null);
      if (err?.field === 'code') setErr(null);
      // Next: the address if it is not one yet (the QR code never holds it), else enrolling.
      afterScan.current = hqUrlIssue(hqUrl) ? 'hq_url' : 'submit';
      setScanMsg({ ok: true, key: 'enrol.scan_done' });
    } catch (x) {
      setScanMsg({ ok: false, key: SCAN_ERRORS[x instanceof ScanError ? x.kind : 'failed'] });
    } finally {
      setScanning(false);
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
            <TextInput id="code" value={code} onInput={typeCode} invalid={!!fieldErr('code')} autoCapitalize="characters" maxLength={32} />
          </Field>
          {scanQr ? (
            <div class="scan-box">
              <button
                type="button"
                class="btn btn-secondary btn-wide"
                data-testid="enrol-scan"
                disabled={scanning || busy}
                aria-describedby={scanMsg ? 'scan-message' : undefined}
                onClick={scan}
              >
                {scanning ? t('enrol.scan_busy') : t('enrol.scan')}
              </button>
              {scanMsg ? (
                <p
                  id="scan-message"
                  class={'scan-message ' + (scanMsg.ok ? 'is-ok' : 'is-error')}
                  data-testid="enrol-scan-message"
                  role={scanMsg.ok ? 'status' : 'alert'}
                >
                  {t(scanMsg.key)}
                </p>
              ) : null}
            </div>
          ) : (
            <div class="scan-box">
              <button type="button" class="btn btn-secondary btn-block" data-testid="enrol-scan" disabled aria-describedby="scan-note">
                {t('enrol.scan')}
              </button>
              <p class="field-hint" id="scan-note">
                {t('enrol.scan_note')}
              </p>
            </div>
          )}
          <div class="actionbar">
            <button type="submit" class="btn btn-primary" disabled={busy} ref={submitRef}>
              {busy ? t('enrol.submitting') : t('enrol.submit')}
            </button>
          </div>
        </form>
      </main>
    </>
  );
}

/** What the officer reads when a scan gave no code. */
const SCAN_ERRORS: Record<ScanErrorKind, Key> = {
  camera_denied: 'enrol.scan_denied',
  timed_out: 'enrol.scan_timed_out',
  failed: 'enrol.scan_failed',
};
