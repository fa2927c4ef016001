//! The frame every report form shares: header, "resume your draft?" offer, correction notice
//! with its required reason, error banner, autosave status, and the submit button in the
//! thumb zone.

import type { ComponentChildren } from 'preact';
import type { LatLon, ReportKind } from '../api/types';
import { AppHeader } from './AppHeader';
import { ErrorBanner, Field, TextArea } from './Field';
import { fmtDateTime, fmtTime, t } from '../i18n';
import { navigate, type Route } from '../router';
import type { useReportForm } from '../state/report-form';

type FormApi = Pick<
  ReturnType<typeof useReportForm<object, ReportKind>>,
  'loading' | 'otherDrafts' | 'correctSeq' | 'banner' | 'submit' | 'errorOf' | 'reason' | 'setReason' | 'draft' | 'submitting'
>;

export function ReportShell(p: { title: string; route: Route; f: FormApi; children: ComponentChildren }) {
  const { f } = p;
  const banner = f.banner();
  return (
    <>
      <AppHeader title={f.correctSeq ? `${p.title} · ${t('history.correct')}` : p.title} />
      <main class="screen form-screen">
        {f.loading ? <p class="muted">{t('common.loading')}</p> : null}
        {f.otherDrafts.length > 0 ? (
          <div class="banner banner-info">
            <strong>{t('report.drafts')}</strong>
            {f.otherDrafts.slice(0, 2).map((d) => (
              <button
                type="button"
                key={d.id}
                class="btn btn-secondary btn-block"
                onClick={() => navigate(`${p.route.path}?draft=${encodeURIComponent(d.id)}`, { replace: true })}
              >
                {t('report.resume')} · {t('report.draft_updated', { time: fmtDateTime(d.updated_ms) })}
              </button>
            ))}
          </div>
        ) : null}
        {f.correctSeq ? <div class="banner banner-info">{t('report.correcting', { seq: '#' + f.correctSeq })}</div> : null}
        {banner ? <ErrorBanner title={banner.title} detail={banner.detail} items={banner.items} /> : null}
        <form
          hidden={f.loading}
          class="form cols"
          noValidate
          onSubmit={(e) => {
            e.preventDefault();
            void f.submit();
          }}
        >
          {p.children}
          {f.correctSeq ? (
            <Field id="reason" label={t('report.correct_reason')} hint={t('report.correct_reason_hint')} error={f.errorOf('reason')}>
              <TextArea id="reason" value={f.reason} onInput={f.setReason} invalid={!!f.errorOf('reason')} rows={2} maxLength={500} />
            </Field>
          ) : null}
          <div class="actionbar span-all">
            <p class="draft-status" aria-live="polite">
              {f.draft.state === 'saving'
                ? t('report.draft_saving')
                : f.draft.state === 'saved' && f.draft.at
                  ? t('report.draft_saved', { time: fmtTime(f.draft.at) })
                  : f.draft.state === 'failed'
                    ? t('report.draft_failed', { error: f.draft.error ?? '' })
                    : ''}
            </p>
            <button type="submit" class="btn btn-primary" disabled={f.submitting || f.loading}>
              {f.submitting ? t('report.submitting') : f.correctSeq ? t('report.submit_correction') : t('report.submit')}
            </button>
          </div>
        </form>
      </main>
    </>
  );
}

/** A line saying where the position of the report comes from. */
export function PositionNote(p: { fix: LatLon | null | undefined }) {
  return (
    <p class="position-note span-all">
      <strong>{t('report.position')}</strong>{' '}
      {p.fix ? `${t('report.position_auto')} (${p.fix.lat.toFixed(5)}, ${p.fix.lon.toFixed(5)})` : t('report.position_none')}
    </p>
  );
}
