//! Assistance (群众求助): medical escort (绿色通道), dispute resolved (纠纷调解, its own entry
//! on the report menu, preselected by `?kind=dispute-resolved`), other help.

import { ASSISTANCE_KINDS, type AssistanceKind, type AssistanceRecord } from '../api/types';
import { Choice } from '../components/Choice';
import { Field, TextArea, TextInput } from '../components/Field';
import { PositionNote, ReportShell } from '../components/ReportShell';
import { Stepper } from '../components/Stepper';
import { t } from '../i18n';
import { assistanceIssues } from '../lib/rules';
import type { Route } from '../router';
import { useReportForm, type FormSpec } from '../state/report-form';
import { useApp } from '../state/store';

type Form = { kind: AssistanceKind; description: string; people: number; outcome: string };

export function assistanceSpec(kind: AssistanceKind): FormSpec<Form, 'assistance'> {
  return {
    kind: 'assistance',
    positionKey: 'at',
    empty: () => ({ kind, description: '', people: kind === 'dispute-resolved' ? 2 : 1, outcome: '' }),
    toBody: (f): AssistanceRecord => ({
      kind: f.kind,
      description: f.description.trim(),
      people: f.people,
      ...(f.outcome.trim() ? { outcome: f.outcome.trim() } : {}),
    }),
    fromBody: (b) => ({
      kind: b.kind ?? kind,
      description: b.description ?? '',
      people: b.people ?? 1,
      outcome: b.outcome ?? '',
    }),
    validate: (b) => assistanceIssues(b as AssistanceRecord),
    labels: { kind: 'assist.kind', description: 'assist.description', people: 'assist.people', outcome: 'assist.outcome' },
  };
}

export function Assistance(p: { route: Route }) {
  const pre = p.route.params.get('kind') as AssistanceKind | null;
  const kind = pre && ASSISTANCE_KINDS.includes(pre) ? pre : 'medical-escort';
  const f = useReportForm(assistanceSpec(kind), p.route);
  const fix = useApp((s) => s.home?.open_patrol?.last_fix);
  const e = f.errorOf;
  return (
    <ReportShell title={t(`assist.kind.${f.form.kind}`)} route={p.route} f={f}>
      <div>
        <Field id="kind" label={t('assist.kind')} error={e('kind')}>
          <Choice id="kind" options={ASSISTANCE_KINDS} value={f.form.kind} onChange={(v) => f.update({ kind: v })} labelPrefix="assist.kind" columns={3} />
        </Field>
        <Field id="description" label={t('assist.description')} hint={t(`assist.description_hint.${f.form.kind}`)} error={e('description')}>
          <TextArea id="description" value={f.form.description} onInput={(v) => f.update({ description: v })} invalid={!!e('description')} rows={4} maxLength={1000} />
        </Field>
      </div>
      <div>
        <div class="field" data-field="people">
          <Stepper id="people" label={t('assist.people')} value={f.form.people} min={1} max={1000} onChange={(v) => f.update({ people: v })} />
          {e('people') ? <p class="field-error">{e('people')}</p> : null}
        </div>
        <Field id="outcome" label={t('assist.outcome')} hint={t('assist.outcome_hint')} error={e('outcome')} optional>
          <TextInput id="outcome" value={f.form.outcome} onInput={(v) => f.update({ outcome: v })} invalid={!!e('outcome')} maxLength={500} />
        </Field>
        <PositionNote fix={fix} />
      </div>
    </ReportShell>
  );
}
