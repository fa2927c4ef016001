//! Start a patrol: mode, group (from the reference data), officers, volunteers by category,
//! and the vehicle plate when there is one. When this device has started a patrol before, one
//! big "与上次相同" button fills the whole form from `last_shift`; the officer still taps start.
//! At least one officer: said under the officers field, in the form's own words, before
//! sending — and the same way when Rust refuses (`invalid`, field `officers`, code `required`).

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorFor, toApiError } from '../api';
import { PATROL_MODES, VOLUNTEER_CATEGORIES, type LastShift, type PatrolMode } from '../api/types';
import { AppHeader } from '../components/AppHeader';
import { Choice } from '../components/Choice';
import { ErrorBanner, Field } from '../components/Field';
import { PlateInput } from '../components/PlateInput';
import { Stepper } from '../components/Stepper';
import { t, tError, tField, tIssue, tk } from '../i18n';
import { startPatrolIssue } from '../lib/rules';
import { cleanNames, emptyStartForm, formFromLastShift, offersLastShift, sameAsLast, startArgs, type StartForm } from '../lib/shift';
import type { Issue } from '../lib/validate';
import { navigate } from '../router';
import { focusField } from '../state/report-form';
import { refreshHome, toast, useApp } from '../state/store';

/** The officers rule in the form's own words ("至少填写一名参巡民警"), whoever found it. */
const officersRequired = () => t('start.officers_required', { label: t('start.officers') });
const NO_OFFICER: Issue = { field: 'officers', code: 'required', message: 'name at least one officer' };
const isOfficersRequired = (field: string | undefined, code: string | undefined) =>
  field === 'officers' && (code === 'required' || code === 'officer_required' || code === 'too_few');

export function StartPatrol() {
  const ref = useApp((s) => s.reference);
  const [form, setForm] = useState<StartForm>(emptyStartForm);
  const [last, setLast] = useState<LastShift | null>(null);
  const [issues, setIssues] = useState<Issue[]>([]);
  const [err, setErr] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    void api()
      .lastShift()
      .then((l) => live && setLast(l))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, []);

  const set = (patch: Partial<StartForm>) => setForm((f) => ({ ...f, ...patch }));
  const fieldErr = (f: string) => {
    const issue = issues.find((i) => i.field === f || i.field.startsWith(f + '[') || i.field.startsWith(f + '.'));
    if (issue) return isOfficersRequired(issue.field, issue.code) ? officersRequired() : tIssue(issue);
    const e = errorFor(err, f);
    if (!e) return null;
    return isOfficersRequired(e.field, e.code) ? officersRequired() : (tError(e).reason ?? tError(e).title);
  };
  const total = Object.values(form.volunteers).reduce((a, b) => a + b, 0);
  const groups = ref?.groups ?? [];
  const groupName = (id: string) => groups.find((g) => g.id === id)?.name ?? id;

  const pickGroup = (id: string) => {
    const planned = groups.find((g) => g.id === id)?.mode;
    set({ group: id, ...(planned && (PATROL_MODES as readonly string[]).includes(planned) ? { mode: planned as PatrolMode } : {}) });
  };
  const changePlate = (plate: string) => {
    set({ plate });
    // The plate's warning goes with the plate it was about.
    setIssues((is) => is.filter((i) => i.field !== 'vehicle_plate'));
    setErr((e) => (e?.field === 'vehicle_plate' ? null : e));
  };
  const addOfficer = () => setForm((f) => ({ ...f, officers: cleanNames([...f.officers, f.officer]), officer: '' }));
  const fillLast = () => {
    if (!last) return;
    setForm(formFromLastShift(last, groups));
    setIssues([]);
    setErr(null);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const args = startArgs(form);
    // Everything the form can tell before sending, each under its field (the officers rule
    // too, even when the group is also missing).
    const found = [startPatrolIssue(args), args.officers.length === 0 ? NO_OFFICER : null]
      .filter((i): i is Issue => !!i)
      .filter((i, n, all) => all.findIndex((j) => j.field === i.field) === n);
    setIssues(found);
    setErr(null);
    if (found.length) return focusField(found[0].field);
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
  const offered = offersLastShift(last) ? last : null;
  const filled = offered ? sameAsLast(form, offered, groups) : false;
  const lastVolunteers = offered ? Object.values(offered.volunteers).reduce<number>((a, b) => a + (b ?? 0), 0) : 0;
  const lastSummary = offered
    ? [
        offered.group ? `${groupName(offered.group)} (${offered.group})` : null,
        tk(`patrol.mode.${offered.mode}`),
        cleanNames(offered.officers).join(t('format.list_sep')) || null,
        lastVolunteers > 0 ? t('history.volunteers', { n: lastVolunteers }) : null,
        offered.vehicle_plate,
      ]
        .filter(Boolean)
        .join(' · ')
    : '';
  return (
    <>
      <AppHeader title={t('start.title')} />
      <main class="screen form-screen">
        {banner ? (
          <ErrorBanner
            title={err?.field ? t('report.fix_errors') : banner.title}
            detail={
              err?.field
                ? isOfficersRequired(err.field, err.code)
                  ? officersRequired()
                  : t('format.label_value', { label: tField(err.field), value: banner.reason ?? '' })
                : banner.detail
            }
          />
        ) : null}
        {offered ? (
          <div class="same-last">
            <button
              type="button"
              class={'btn btn-wide same-last-btn' + (filled ? ' is-filled' : ' btn-strong')}
              data-testid="start-same-as-last"
              aria-pressed={filled}
              onClick={fillLast}
            >
              <span class="same-last-label">
                {filled ? <span aria-hidden="true">✓ </span> : null}
                {t('start.same_as_last')}
              </span>
              <span class="same-last-summary">{lastSummary}</span>
            </button>
            {filled ? (
              <p class="same-last-done" role="status">
                {t('start.same_as_last_done')}
              </p>
            ) : null}
          </div>
        ) : null}
        <form class="form cols" noValidate onSubmit={submit}>
          <div>
            <Field id="group" label={t('start.group')} error={fieldErr('group')}>
              <select
                id="group"
                data-testid="start-group"
                value={form.group}
                aria-invalid={fieldErr('group') ? 'true' : undefined}
                onChange={(e) => pickGroup((e.currentTarget as HTMLSelectElement).value)}
              >
                <option value="">{t('start.group_pick')}</option>
                {groups.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.name} ({g.id})
                  </option>
                ))}
              </select>
            </Field>
            <Field id="mode" label={t('start.mode')} error={fieldErr('mode')}>
              <Choice id="mode" options={PATROL_MODES} value={form.mode} onChange={(mode) => set({ mode })} labelPrefix="patrol.mode" columns={3} />
            </Field>
            <Field id="officers" label={t('start.officers')} error={fieldErr('officers')}>
              <ul class="officer-list">
                {form.officers.length === 0 ? <li class="muted">{t('start.officers_none')}</li> : null}
                {form.officers.map((o) => (
                  <li key={o} class="officer">
                    <span>{o}</span>
                    <button
                      type="button"
                      class="btn btn-secondary btn-small"
                      aria-label={t('start.officer_remove', { name: o })}
                      onClick={() => setForm((f) => ({ ...f, officers: f.officers.filter((x) => x !== o) }))}
                    >
                      {t('common.remove')}
                    </button>
                  </li>
                ))}
              </ul>
              <div class="input-row">
                <input
                  id="officers"
                  data-testid="start-officer"
                  value={form.officer}
                  placeholder={t('start.officer_placeholder')}
                  maxLength={40}
                  aria-invalid={fieldErr('officers') ? 'true' : undefined}
                  aria-describedby={fieldErr('officers') ? 'officers-error' : undefined}
                  onInput={(e) => {
                    const officer = (e.currentTarget as HTMLInputElement).value;
                    set({ officer });
                    // A name typed clears the "at least one" warning at once.
                    if (officer.trim()) setIssues((is) => is.filter((i) => !isOfficersRequired(i.field, i.code)));
                  }}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') {
                      e.preventDefault();
                      addOfficer();
                    }
                  }}
                />
                <button type="button" class="btn btn-secondary" data-testid="start-officer-add" onClick={addOfficer}>
                  {t('common.add')}
                </button>
              </div>
            </Field>
            <PlateInput
              id="vehicle_plate"
              label={t('start.vehicle_plate')}
              hint={t('details.plate_hint')}
              error={fieldErr('vehicle_plate')}
              optional
              value={form.plate}
              onChange={changePlate}
            />
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
                value={form.volunteers[c]}
                max={500}
                onChange={(n) => setForm((f) => ({ ...f, volunteers: { ...f.volunteers, [c]: n } }))}
              />
            ))}
            {fieldErr('volunteers') ? <p class="field-error">{fieldErr('volunteers')}</p> : null}
          </fieldset>
          <div class="actionbar span-all">
            <button type="submit" class="btn btn-primary" data-testid="start-submit" disabled={busy}>
              {t('start.submit')}
            </button>
          </div>
        </form>
      </main>
    </>
  );
}
