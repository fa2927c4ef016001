//! Theft or other incident (盗窃/案事件): description, value, video reviewed, outcome, photos.

import { INCIDENT_KINDS, INCIDENT_OUTCOMES, MAX_PHOTOS, type IncidentKind, type IncidentOutcome, type IncidentReport, type PhotoRef } from '../api/types';
import { Choice, Toggle } from '../components/Choice';
import { Field, TextArea, TextInput } from '../components/Field';
import { PhotoList } from '../components/PhotoPicker';
import { PositionNote, ReportShell } from '../components/ReportShell';
import { t } from '../i18n';
import { incidentIssues } from '../lib/rules';
import type { Route } from '../router';
import { useReportForm, type FormSpec } from '../state/report-form';
import { useApp } from '../state/store';

type Form = { kind: IncidentKind; description: string; value_yuan: string; video_reviewed: boolean; outcome: IncidentOutcome; photos: PhotoRef[] };

export const incidentSpec: FormSpec<Form, 'incident'> = {
  kind: 'incident',
  positionKey: 'at',
  empty: () => ({ kind: 'theft', description: '', value_yuan: '', video_reviewed: false, outcome: 'open', photos: [] }),
  toBody: (f): IncidentReport => {
    const v = f.value_yuan.trim() === '' ? undefined : Number(f.value_yuan.replace(/[\s,\uff0c]/g, ''));
    return {
      kind: f.kind,
      description: f.description.trim(),
      ...(v === undefined ? {} : { value_yuan: Number.isFinite(v) ? v : -1 }),
      video_reviewed: f.video_reviewed,
      outcome: f.outcome,
      photos: f.photos,
    };
  },
  fromBody: (b) => ({
    kind: b.kind ?? 'theft',
    description: b.description ?? '',
    value_yuan: b.value_yuan === undefined || b.value_yuan === null ? '' : String(b.value_yuan),
    video_reviewed: b.video_reviewed ?? false,
    outcome: b.outcome ?? 'open',
    photos: b.photos ?? [],
  }),
  validate: (b) => incidentIssues(b as IncidentReport),
  labels: { kind: 'incident.kind', description: 'incident.description', value_yuan: 'incident.value', outcome: 'incident.outcome', photos: 'lost.photos' },
};

export function Incident(p: { route: Route }) {
  const f = useReportForm(incidentSpec, p.route);
  const fix = useApp((s) => s.home?.open_patrol?.last_fix);
  const e = f.errorOf;
  return (
    <ReportShell title={t('incident.title')} route={p.route} f={f}>
      <div>
        <Field id="kind" label={t('incident.kind')} error={e('kind')}>
          <Choice id="kind" options={INCIDENT_KINDS} value={f.form.kind} onChange={(v) => f.update({ kind: v })} labelPrefix="incident.kind" columns={2} />
        </Field>
        <Field id="description" label={t('incident.description')} hint={t('incident.description_hint')} error={e('description')}>
          <TextArea id="description" value={f.form.description} onInput={(v) => f.update({ description: v })} invalid={!!e('description')} rows={4} maxLength={1000} />
        </Field>
        <Field id="value_yuan" label={t('incident.value')} error={e('value_yuan')} optional>
          <TextInput id="value_yuan" inputMode="numeric" value={f.form.value_yuan} onInput={(v) => f.update({ value_yuan: v })} invalid={!!e('value_yuan')} maxLength={12} />
        </Field>
        <div class="field" data-field="video_reviewed">
          <Toggle id="video_reviewed" label={t('incident.video')} value={f.form.video_reviewed} onChange={(v) => f.update({ video_reviewed: v })} />
        </div>
      </div>
      <div>
        <Field id="outcome" label={t('incident.outcome')} error={e('outcome')}>
          <Choice id="outcome" options={INCIDENT_OUTCOMES} value={f.form.outcome} onChange={(v) => f.update({ outcome: v })} labelPrefix="incident.outcome" columns={2} />
        </Field>
        <Field id="photos" label={t('lost.photos')} optional>
          <PhotoList id="photos" photos={f.form.photos} onChange={(v) => f.update({ photos: v })} max={MAX_PHOTOS} error={e('photos')} />
        </Field>
        <PositionNote fix={fix} />
      </div>
    </ReportShell>
  );
}
