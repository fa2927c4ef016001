//! Lost-person report (走失人员): description, wristband/ID code, where found, handed to whom
//! and when, outcome, photos. Autosaved as a draft; corrections go through `supplement`. The
//! outcome has no default: the officer picks one (Rust refuses a body without it).

import { LOST_PERSON_OUTCOMES, MAX_PHOTOS, type LostPersonOutcome, type LostPersonReport, type PhotoRef } from '../api/types';
import { Choice } from '../components/Choice';
import { Field, TextArea, TextInput } from '../components/Field';
import { PhotoList } from '../components/PhotoPicker';
import { PositionNote, ReportShell } from '../components/ReportShell';
import { t } from '../i18n';
import { lostPersonIssues, type LostPersonDraftBody } from '../lib/rules';
import { localInputToRfc3339, rfc3339ToLocalInput } from '../lib/time';
import type { Route } from '../router';
import { useReportForm, type FormSpec } from '../state/report-form';
import { useApp } from '../state/store';

type Form = {
  description: string;
  identifying_code: string;
  found_place: string;
  handed_to: string;
  handed_over_at: string;
  /** Not chosen yet: null (also in a draft). */
  outcome: LostPersonOutcome | null;
  photos: PhotoRef[];
};

const opt = (s: string) => (s.trim() ? s.trim() : undefined);

export const lostPersonSpec: FormSpec<Form, 'lost_person'> = {
  kind: 'lost_person',
  positionKey: 'found_at',
  empty: () => ({ description: '', identifying_code: '', found_place: '', handed_to: '', handed_over_at: '', outcome: null, photos: [] }),
  // Without an outcome the body leaves it out, and the form refuses it before sending.
  toBody: (f) => {
    const b: LostPersonDraftBody = { description: f.description.trim(), photos: f.photos };
    if (f.outcome) b.outcome = f.outcome;
    const extra = {
      identifying_code: opt(f.identifying_code),
      found_place: opt(f.found_place),
      handed_to: opt(f.handed_to),
      handed_over_at: localInputToRfc3339(f.handed_over_at),
    };
    for (const [k, v] of Object.entries(extra)) if (v !== undefined) (b as Record<string, unknown>)[k] = v;
    return b as LostPersonReport;
  },
  fromBody: (b) => ({
    description: b.description ?? '',
    identifying_code: b.identifying_code ?? '',
    found_place: b.found_place ?? '',
    handed_to: b.handed_to ?? '',
    handed_over_at: rfc3339ToLocalInput(b.handed_over_at ?? undefined),
    outcome: b.outcome ?? null,
    photos: b.photos ?? [],
  }),
  validate: (b) => lostPersonIssues(b as LostPersonDraftBody),
  labels: {
    description: 'lost.description',
    identifying_code: 'lost.identifying_code',
    found_place: 'lost.found_place',
    handed_to: 'lost.handed_to',
    handed_over_at: 'lost.handed_over_at',
    outcome: 'lost.outcome',
    photos: 'lost.photos',
  },
};

export function LostPerson(p: { route: Route }) {
  const f = useReportForm(lostPersonSpec, p.route);
  const fix = useApp((s) => s.home?.open_patrol?.last_fix);
  const e = f.errorOf;
  return (
    <ReportShell title={t('lost.title')} route={p.route} f={f}>
      <div>
        <Field id="description" label={t('lost.description')} hint={t('lost.description_hint')} error={e('description')}>
          <TextArea id="description" value={f.form.description} onInput={(v) => f.update({ description: v })} invalid={!!e('description')} rows={4} maxLength={1000} />
        </Field>
        <Field id="identifying_code" label={t('lost.identifying_code')} error={e('identifying_code')} optional>
          <TextInput id="identifying_code" value={f.form.identifying_code} onInput={(v) => f.update({ identifying_code: v })} invalid={!!e('identifying_code')} maxLength={64} />
        </Field>
        <Field id="found_place" label={t('lost.found_place')} error={e('found_place')} optional>
          <TextInput id="found_place" value={f.form.found_place} onInput={(v) => f.update({ found_place: v })} invalid={!!e('found_place')} maxLength={200} />
        </Field>
        <PositionNote fix={fix} />
      </div>
      <div>
        <Field id="outcome" label={t('lost.outcome')} error={e('outcome')}>
          <Choice
            id="outcome"
            options={LOST_PERSON_OUTCOMES}
            value={f.form.outcome}
            onChange={(v) => f.update({ outcome: v })}
            labelPrefix="lost.outcome"
            columns={2}
            invalid={!!e('outcome')}
            testIdPrefix="lost-outcome"
          />
        </Field>
        <Field id="handed_to" label={t('lost.handed_to')} error={e('handed_to')} optional>
          <TextInput id="handed_to" value={f.form.handed_to} onInput={(v) => f.update({ handed_to: v })} invalid={!!e('handed_to')} maxLength={200} />
        </Field>
        <Field id="handed_over_at" label={t('lost.handed_over_at')} error={e('handed_over_at')} optional>
          <TextInput id="handed_over_at" type="datetime-local" value={f.form.handed_over_at} onInput={(v) => f.update({ handed_over_at: v })} invalid={!!e('handed_over_at')} />
        </Field>
        <Field id="photos" label={t('lost.photos')} optional>
          <PhotoList id="photos" photos={f.form.photos} onChange={(v) => f.update({ photos: v })} max={MAX_PHOTOS} error={e('photos')} />
        </Field>
      </div>
    </ReportShell>
  );
}
