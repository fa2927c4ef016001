//! Start a patrol: mode, group (from the reference data), officers, volunteers by category,
//! and the vehicle plate when there is one.

import { useState } from 'preact/hooks';
import { api, ApiError, errorFor, toApiError } from '../api';
import { PATROL_MODES, VOLUNTEER_CATEGORIES, type PatrolMode, type VolunteerCategory } from '../api/types';
import { AppHeader } from '../components/AppHeader';
import { Choice } from '../components/Choice';
import { ErrorBanner, Field, TextInput } from '../components/Field';
import { Stepper } from '../components/Stepper';
import { t, tError, tField, tIssue } from '../i18n';
import { startPatrolIssue } from '../lib/rules';
import type { Issue } from '../lib/validate';
import { navigate } from '../router';
import { focusField } from '../state/report-form';
import { refreshHome, toast, useApp } from '../state/store';

export function StartPatrol() {
  const ref = useApp((s) => s.reference);
  const [mode, setMode] = useState<PatrolMode>('foot');
  const [group, setGroup] = useState('');
  const [officers, setOfficers] = useState<string[]>([]);
  const [officer, setOfficer] = useState('');
  const [volunteers, setVolunteers] = useState<Record<VolunteerCategory, number>>(
    Object.fromEntries(VOLUNTEER_CATEGORIES.map((c) => [c, 0])) as Record<VolunteerCategory, number>,
  );
  const [plate, setPlate] = useState('');
  const [issue, setIssue] = useState<Issue | null>(null);
  const [err, setErr] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  const fieldErr = (f: string) => {
    if (issue && (issue.field === f || issue.field.startsWith(f + '[') || issue.field.startsWith(f + '.'))) return tIssue(issue);
    const e = errorFor(err, f);
    return e ? (tError(e).reason ?? tError(e).title) : null;
  };
  const total = Object.values(volunteers).reduce((a, b) => a + b, 0);

  const pickGroup = (id: string) => {
    setGroup(id);
    const planned = ref?.groups.find((g) => g.id === id)?.mode;
    if (planned && (PATROL_MODES as readonly string[]).includes(planned)) setMode(planned as PatrolMode);
  };
  const addOfficer = () => {
    const name = officer.trim();
    if (name && !officers.includes(name)) setOfficers([...officers, name]);
    setOfficer('');
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const args = {
      mode,
      group,
      officers: officer.trim() && !officers.includes(officer.trim()) ? [...officers, officer.trim()] : officers,
      volunteers: Object.fromEntries(Object.entries(volunteers).filter(([, n]) => n > 0)),
      ...(plate.trim() ? { vehicle_plate: plate.trim() } : {}),
    };
    const found = startPatrolIssue(args);
    setIssue(found);
    setErr(null);
    if (found) return focusField(found.field);
    setBusy(true);
    try {
      await api().startPatrol(args);
      await refreshHome();
      toast(t('home.patrol_running'));
      navigate('/patrol/live', { replace: true });
    } catch (x) {
      const ae = toApiError(x);
      setErr(ae);
      if (ae.field) focusField(ae.field);
    } finally {
      setBusy(false);
    }
  };

  const banner = err ? tError(err) : null;
  return (
    <>
      <AppHeader title={t('start.title')} />
      <main class="screen form-screen">
        {banner ? (
          <ErrorBanner title={err?.field ? t('report.fix_errors') : banner.title} detail={err?.field ? t('format.label_value', { label: tField(err.field), value: banner.reason ?? '' }) : banner.detail} />
        ) : null}
        <form class="form cols" noValidate onSubmit={submit}>
          <div>
            <Field id="group" label={t('start.group')} error={fieldErr('group')}>
              <select id="group" value={group} aria-invalid={fieldErr('group') ? 'true' : undefined} onChange={(e) => pickGroup((e.currentTarget as HTMLSelectElement).value)}>
                <option value="">{t('start.group_pick')}</option>
                {(ref?.groups ?? []).map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name} ({g.id})
                  </option>
                ))}
              </select>
            </Field>
            <Field id="mode" label={t('start.mode')} error={fieldErr('mode')}>
              <Choice id="mode" options={PATROL_MODES} value={mode} onChange={setMode} labelPrefix="patrol.mode" columns={3} />
            </Field>
            <Field id="officers" label={t('start.officers')} error={fieldErr('officers')}>
              <ul class="officer-list">
                {officers.length === 0 ? <li class="muted">{t('start.officers_none')}</li> : null}
                {officers.map((o) => (
                  <li key={o} class="officer">
                    <span>{o}</span>
                    <button type="button" class="btn btn-secondary btn-small" aria-label={t('start.officer_remove', { name: o })} onClick={() => setOfficers(officers.filter((x) => x !== o))}>
                      {t('common.remove')}
                    </button>
                  </li>
                ))}
              </ul>
              <div class="input-row">
                <input
                  id="officers"
                  value={officer}
                  placeholder={t('start.officer_placeholder')}
                  maxLength={40}
                  onInput={(e) => setOfficer((e.currentTarget as HTMLInputElement).value)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') {
                      e.preventDefault();
                      addOfficer();
                    }
                  }}
                />
                <button type="button" class="btn btn-secondary" onClick={addOfficer}>
                  {t('common.add')}
                </button>
              </div>
            </Field>
            <Field id="vehicle_plate" label={t('start.vehicle_plate')} hint={t('details.plate_hint')} error={fieldErr('vehicle_plate')} optional>
              <TextInput id="vehicle_plate" value={plate} onInput={setPlate} invalid={!!fieldErr('vehicle_plate')} autoCapitalize="characters" maxLength={12} />
            </Field>
          </div>
          <fieldset class="fieldset" data-field="volunteers">
            <legend class="field-label">
              {t('start.volunteers')} · {t('start.volunteers_total', { n: total })}
            </legend>
            {VOLUNTEER_CATEGORIES.map((c) => (
              <Stepper
                key={c}
                id={`volunteers.${c}`}
                label={t(`volunteer.category.${c}`)}
                value={volunteers[c]}
                max={500}
                onChange={(n) => setVolunteers({ ...volunteers, [c]: n })}
              />
            ))}
            {fieldErr('volunteers') ? <p class="field-error">{fieldErr('volunteers')}</p> : null}
          </fieldset>
          <div class="actionbar span-all">
            <button type="submit" class="btn btn-primary" disabled={busy}>
              {t('start.submit')}
            </button>
          </div>
        </form>
      </main>
    </>
  );
}
