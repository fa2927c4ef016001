//! Details for a one-tap violation (plate, vehicle, seized items, note, photos) sent with
//! `add_violation_details`; from history (`?correct=1`) the same form corrects the entry with
//! `supplement` and a required reason. Nothing is edited in place.

import { useEffect, useState } from 'preact/hooks';
import { api, ApiError, errorFor, toApiError } from '../api';
import { MAX_PHOTOS, VIOLATION_TYPES, type PhotoRef, type VehicleKind, type ViolationTally, type ViolationType } from '../api/types';
import { AppHeader } from '../components/AppHeader';
import { Choice } from '../components/Choice';
import { ErrorBanner, Field, TextArea } from '../components/Field';
import { PhotoList } from '../components/PhotoPicker';
import { PlateInput } from '../components/PlateInput';
import { Stepper } from '../components/Stepper';
import { fmtSeq, t, tError, tField, tIssue } from '../i18n';
import { recordOf } from '../lib/record';
import { violationIssue } from '../lib/rules';
import { first, textIssue, type Issue } from '../lib/validate';
import { vehicleKindsFor } from '../lib/vehicle-order';
import { goBack, type Route } from '../router';
import { focusField, standingEntry } from '../state/report-form';
import { toast } from '../state/store';

/** The violation `seq` as it stands; null when there is none (or `seq` is another kind). */
async function standingViolation(seq: number): Promise<ViolationTally | null> {
  const found = await standingEntry(seq);
  return found && recordOf(found, 'violation');
}

export function ViolationDetails(p: { route: Route }) {
  const seq = Number(p.route.seg[1]);
  const correcting = p.route.params.has('correct');
  // The type as recorded orders the vehicle kinds; the pad passes it (`?type=`) so the order is
  // right from the first frame, and it stays put while a correction changes the type.
  const hinted = p.route.params.get('type');
  const [recorded, setRecorded] = useState<ViolationType | null>(
    (VIOLATION_TYPES as readonly string[]).includes(hinted ?? '') ? (hinted as ViolationType) : null,
  );
  const [type, setType] = useState<ViolationType>(recorded ?? 'other-traffic');
  const [plate, setPlate] = useState('');
  const [vehicle, setVehicle] = useState<VehicleKind | null>(null);
  const [seized, setSeized] = useState(0);
  const [note, setNote] = useState('');
  const [photos, setPhotos] = useState<PhotoRef[]>([]);
  const [reason, setReason] = useState('');
  const [issue, setIssue] = useState<Issue | null>(null);
  const [err, setErr] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    void standingViolation(seq)
      .then((b) => {
        if (!b) return;
        setType(b.type);
        setRecorded(b.type);
        setPlate(b.plate ?? '');
        setVehicle(b.vehicle ?? null);
        setSeized(b.seized_items ?? 0);
        setNote(b.note ?? '');
        setPhotos(b.photos ?? []);
      })
      .catch((e) => setErr(toApiError(e)));
  }, [seq]);

  const fieldErr = (f: string) => {
    const strip = (x: string) => x.replace(/^correction\./, '');
    if (issue && strip(issue.field).startsWith(f)) return tIssue(issue);
    const e = err?.field ? errorFor(err.at(strip(err.field)), f) : null;
    return e ? (tError(e).reason ?? tError(e).title) : null;
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    const details = {
      ...(plate.trim() ? { plate: plate.trim() } : {}),
      ...(vehicle ? { vehicle } : {}),
      seized_items: seized,
      ...(note.trim() ? { note: note.trim() } : {}),
      photos,
    };
    const found = first(violationIssue(details), correcting ? textIssue('reason', reason, true, 500) : null);
    setIssue(found);
    setErr(null);
    if (found) return focusField(found.field);
    setBusy(true);
    try {
      if (correcting) {
        const before = await standingViolation(seq);
        const correction: Partial<ViolationTally> = { ...before, ...details, type };
        for (const k of ['plate', 'vehicle', 'note'] as const) if (!(k in details)) delete correction[k];
        await api().supplement({ seq, reason: reason.trim(), correction });
        toast(t('report.corrected', { seq: fmtSeq(seq) }));
      } else {
        await api().addViolationDetails({ seq, ...details });
        toast(t('details.saved', { seq: fmtSeq(seq) }));
      }
      goBack();
    } catch (x) {
      const ae = toApiError(x);
      setErr(ae);
      if (ae.field) focusField(ae.field.replace(/^correction\./, ''));
    } finally {
      setBusy(false);
    }
  };

  const changePlate = (v: string) => {
    setPlate(v);
    const strip = (x?: string) => x?.replace(/^correction\./, '');
    if (strip(issue?.field) === 'plate') setIssue(null);
    if (strip(err?.field) === 'plate') setErr(null);
  };

  const te = err ? tError(err) : null;
  return (
    <>
      <AppHeader title={correcting ? t('details.correct_title') : t('details.title')} />
      <main class="screen form-screen">
        <p class="lead">{t('details.of', { seq: fmtSeq(seq), type: t(`violation.type.${type}`) })}</p>
        {te ? <ErrorBanner title={err?.field ? t('report.fix_errors') : te.title} detail={err?.field ? t('format.label_value', { label: tField(err.field), value: te.reason ?? '' }) : te.detail} /> : null}
        <form class="form cols" noValidate onSubmit={submit}>
          {correcting ? (
            <Field id="type" label={t('details.type')} error={fieldErr('type')}>
              <Choice id="type" options={VIOLATION_TYPES} value={type} onChange={setType} labelPrefix="violation.type" columns={2} />
            </Field>
          ) : null}
          <PlateInput id="plate" label={t('details.plate')} hint={t('details.plate_hint')} error={fieldErr('plate')} optional value={plate} onChange={changePlate} />
          <Field id="vehicle" label={t('details.vehicle')} error={fieldErr('vehicle')} optional>
            <Choice id="vehicle" options={vehicleKindsFor(recorded)} value={vehicle} onChange={setVehicle} labelPrefix="vehicle.kind" columns={3} />
          </Field>
          <div class="field" data-field="seized_items">
            <Stepper id="seized_items" label={t('details.seized')} value={seized} max={100} onChange={setSeized} />
            {fieldErr('seized_items') ? <p class="field-error">{fieldErr('seized_items')}</p> : null}
          </div>
          <Field id="note" label={t('details.note')} error={fieldErr('note')} optional>
            <TextArea id="note" value={note} onInput={setNote} invalid={!!fieldErr('note')} rows={2} maxLength={500} />
          </Field>
          <Field id="photos" label={t('details.photos')} optional>
            <PhotoList id="photos" photos={photos} onChange={setPhotos} max={MAX_PHOTOS} error={fieldErr('photos')} />
          </Field>
          {correcting ? (
            <Field id="reason" label={t('report.correct_reason')} hint={t('report.correct_reason_hint')} error={fieldErr('reason')}>
              <TextArea id="reason" value={reason} onInput={setReason} invalid={!!fieldErr('reason')} rows={2} maxLength={500} />
            </Field>
          ) : null}
          <div class="actionbar span-all">
            <button type="submit" class="btn btn-primary" disabled={busy}>
              {correcting ? t('report.submit_correction') : t('details.save')}
            </button>
          </div>
        </form>
      </main>
    </>
  );
}
