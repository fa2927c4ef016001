//! The report menu: one big entry per kind of report ("纠纷" is its own entry that preselects
//! dispute-resolved), and the unfinished drafts, which survive restarts, to resume or discard.

import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api';
import type { Draft } from '../api/types';
import { AppHeader } from '../components/AppHeader';
import { ConfirmDialog } from '../components/Dialog';
import { fmtDateTime, t, tError, tk } from '../i18n';
import { navigate } from '../router';
import { errorToast, refreshHome } from '../state/store';

export const REPORT_PATHS: Record<string, string> = {
  lost_person: '/report/lost-person',
  traffic_accident: '/report/accident',
  assistance: '/report/assistance',
  incident: '/report/incident',
};

const ENTRIES: { label: Parameters<typeof t>[0]; to: string }[] = [
  { label: 'report.accident', to: '/report/accident' },
  { label: 'report.lost_person', to: '/report/lost-person' },
  { label: 'report.dispute', to: '/report/assistance?kind=dispute-resolved' },
  { label: 'report.medical', to: '/report/assistance?kind=medical-escort' },
  { label: 'report.incident', to: '/report/incident' },
  { label: 'report.assistance', to: '/report/assistance?kind=other-help' },
];

function summary(d: Draft): string {
  const form = (d.body as { form?: Record<string, unknown> } | null)?.form ?? {};
  const text = [form.description, form.note, form.found_place].find((x) => typeof x === 'string' && x.trim());
  return typeof text === 'string' ? (text.length > 40 ? text.slice(0, 40) + '…' : text) : t('report.draft_empty');
}

export function ReportMenu() {
  const [drafts, setDrafts] = useState<Draft[]>([]);
  const [discard, setDiscard] = useState<Draft | null>(null);
  const load = useCallback(() => {
    void api()
      .drafts()
      .then(setDrafts)
      .catch((e) => errorToast(e, (x) => tError(x).title));
  }, []);
  useEffect(load, [load]);

  return (
    <>
      <AppHeader title={t('report.title')} />
      <main class="screen report-menu">
        {drafts.length > 0 ? (
          <section class="card drafts" aria-labelledby="drafts-title">
            <h2 id="drafts-title" class="card-kicker">
              {t('report.drafts')}
            </h2>
            <ul class="draft-list">
              {drafts.map((d) => (
                <li key={d.id} class="draft">
                  <p class="draft-title">
                    <strong>{tk(`entry.kind.${d.kind}`)}</strong> · {t('report.draft_updated', { time: fmtDateTime(d.updated_ms) })}
                  </p>
                  <p class="draft-summary">{summary(d)}</p>
                  <div class="row-actions">
                    <button type="button" class="btn btn-strong" onClick={() => navigate(`${REPORT_PATHS[d.kind] ?? '/report'}?draft=${encodeURIComponent(d.id)}`)}>
                      {t('report.resume')}
                    </button>
                    <button type="button" class="btn btn-secondary" onClick={() => setDiscard(d)}>
                      {t('report.discard')}
                    </button>
                  </div>
                </li>
              ))}
            </ul>
          </section>
        ) : null}
        <nav class="report-grid">
          {ENTRIES.map((e) => (
            <button type="button" key={e.to} class="btn btn-tile btn-tile-tall" onClick={() => navigate(e.to)}>
              {t(e.label)}
            </button>
          ))}
        </nav>
      </main>
      {discard ? (
        <ConfirmDialog
          title={t('report.discard_title')}
          body={t('report.discard_body')}
          confirmLabel={t('report.discard')}
          danger
          onCancel={() => setDiscard(null)}
          onConfirm={() => {
            void api()
              .discardDraft(discard.id)
              .then(() => {
                setDiscard(null);
                load();
                void refreshHome();
              });
          }}
        />
      ) : null}
    </>
  );
}
