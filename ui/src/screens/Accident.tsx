//! Traffic accident (刮擦事故): a guided photo checklist — front, rear, point of impact, then
//! extras up to six — the vehicles (plate + kind), injuries, what was done on the spot.
//! Submitted without the checklist's three photos, the form asks why right under the checklist
//! (Rust's `build_report` refuses it without a reason), with chips of the common reasons.

import { useEffect, useState } from 'preact/hooks';
import {
  ACCIDENT_OUTCOMES, MAX_PHOTOS, REQUIRED_ACCIDENT_SLOTS, VEHICLE_KINDS,
  type AccidentOutcome, type AccidentPhoto, type PhotoRef, type PhotoSlot, type TrafficAccidentReport, type VehicleKind,
} from '../api/types';
import { Choice, MultiChoice, Toggle } from '../components/Choice';
import { Field, TextArea } from '../components/Field';
import { CaptureButton, PhotoThumb } from '../components/PhotoPicker';
import { PlateInput } from '../components/PlateInput';
import { PositionNote, ReportShell } from '../components/ReportShell';
import { t, tk } from '../i18n';
import { MISSING_PHOTO_REASONS } from '../lib/photo';
import { accidentIssues, missingSlots } from '../lib/rules';
import type { Route } from '../router';
import { useReportForm, type FormSpec } from '../state/report-form';
import { useApp } from '../state/store';

type Vehicle = { plate: string; kind: VehicleKind };
type Form = {
  vehicles: Vehicle[];
  injuries: boolean;
  photos: AccidentPhoto[];
  outcomes: AccidentOutcome[];
  note: string;
  /** Why required photos are missing; kept in the draft, sent only while some are missing. */
  photos_missing_reason: string;
};
const EXTRA_SLOTS = ['plate', 'scene', 'other'] as const;

export const accidentSpec: FormSpec<Form, 'traffic_accident'> = {
  kind: 'traffic_accident',
  positionKey: 'at',
  empty: () => ({ vehicles: [{ plate: '', kind: 'car' }, { plate: '', kind: 'car' }], injuries: false, photos: [], outcomes: [], note: '', photos_missing_reason: '' }),
  toBody: (f): TrafficAccidentReport => ({
    vehicles: f.vehicles.map((v) => (v.plate.trim() ? { plate: v.plate.trim(), kind: v.kind } : { kind: v.kind })),
    injuries: f.injuries,
    photos: f.photos,
    outcomes: f.outcomes,
    ...(f.note.trim() ? { note: f.note.trim() } : {}),
    // A reason only while a required photo is missing: never a stale one once all three are taken.
    ...(f.photos_missing_reason.trim() && missingSlots(f.photos).length ? { photos_missing_reason: f.photos_missing_reason.trim() } : {}),
  }),
  fromBody: (b) => ({
    vehicles: (b.vehicles ?? []).map((v) => ({ plate: v.plate ?? '', kind: v.kind })),
    injuries: b.injuries ?? false,
    photos: b.photos ?? [],
    outcomes: b.outcomes ?? [],
    note: b.note ?? '',
    photos_missing_reason: b.photos_missing_reason ?? '',
  }),
  validate: (b) => accidentIssues(b as TrafficAccidentReport),
  labels: {
    photos: 'accident.photos',
    photos_missing_reason: 'accident.missing_reason',
    injuries: 'accident.injuries',
    outcomes: 'accident.outcomes',
    vehicles: 'accident.vehicles',
    note: 'accident.note',
  },
};

/**
 * Asked for once the officer submits without the checklist's required photos: which are
 * missing (the checklist's own slot names), why (a text, filled in by a chip or typed), under
 * the checklist. `data-field` lets the form scroll here and focus the text.
 */
function MissingPhotos(p: { missing: PhotoSlot[]; value: string; onChange: (v: string) => void; error: string | null }) {
  const presets = MISSING_PHOTO_REASONS.map((r) => ({ r, text: tk(`accident.missing_preset.${r}`) }));
  const current = p.value.trim();
  const pick = (text: string) => {
    // A chip fills an empty reason or replaces another chip's; a typed reason gets it added.
    if (!current || presets.some((x) => x.text === current)) p.onChange(text);
    else if (!current.includes(text)) p.onChange(current + t('accident.missing_join') + text);
  };
  const slots = p.missing.map((s) => tk(`accident.slot.${s}`)).join(t('format.list_sep'));
  return (
    <div class={'missing-photos' + (p.error ? ' has-error' : '')} data-field="photos_missing_reason" data-testid="photos-missing-prompt">
      <p class="missing-photos-title">{t('accident.missing_title')}</p>
      <p class="missing-photos-slots" data-testid="photos-missing-slots">
        {t('accident.missing_slots', { slots })}
      </p>
      <label for="photos_missing_reason" class="field-label">
        {t('accident.missing_reason')}
      </label>
      <TextArea
        id="photos_missing_reason"
        testId="photos-missing-reason"
        value={p.value}
        onInput={p.onChange}
        invalid={!!p.error}
        rows={2}
        maxLength={500}
      />
      {p.error ? (
        <p class="field-error" id="photos_missing_reason-error" role="alert">
          {p.error}
        </p>
      ) : (
        <p class="field-hint" id="photos_missing_reason-hint">
          {t('accident.missing_ask')}
        </p>
      )}
      <p class="field-label missing-photos-presets-label" id="photos-missing-presets-label">
        {t('accident.missing_presets')}
      </p>
      <div class="choices missing-photos-presets" role="group" aria-labelledby="photos-missing-presets-label">
        {presets.map(({ r, text }) => (
          <button
            type="button"
            key={r}
            class={'chip' + (current.includes(text) ? ' on' : '')}
            aria-pressed={current.includes(text)}
            data-value={r}
            data-testid={`photos-missing-preset-${r}`}
            onClick={() => pick(text)}
          >
            {text}
          </button>
        ))}
      </div>
    </div>
  );
}

function PhotoChecklist(p: { photos: AccidentPhoto[]; onChange: (v: AccidentPhoto[]) => void; error: string | null }) {
  const [extraSlot, setExtraSlot] = useState<PhotoSlot>('scene');
  const [err, setErr] = useState<string | null>(null);
  const full = p.photos.length >= MAX_PHOTOS;
  const nextRequired = REQUIRED_ACCIDENT_SLOTS.find((s) => !p.photos.some((x) => x.slot === s));
  const extras = p.photos.filter((x) => !REQUIRED_ACCIDENT_SLOTS.includes(x.slot));
  const remove = (ph: AccidentPhoto) => p.onChange(p.photos.filter((x) => x !== ph));
  const add = (slot: PhotoSlot) => (ref: PhotoRef) => {
    setErr(null);
    p.onChange([...p.photos, { slot, ...ref }]);
  };
  return (
    <div class="checklist" data-field="photos">
      <p class="field-hint">
        {t('accident.photos_hint')} · {t('accident.photo_count', { n: p.photos.length, max: MAX_PHOTOS })}
      </p>
      <ol class="checklist-steps">
        {REQUIRED_ACCIDENT_SLOTS.map((slot, i) => {
          const ph = p.photos.find((x) => x.slot === slot);
          return (
            <li key={slot} class={'check-step' + (ph ? ' done' : '')}>
              <span class="check-num" aria-hidden="true">{ph ? '✓' : i + 1}</span>
              {ph ? (
                <PhotoThumb photo={ph} n={i + 1} caption={tk(`accident.slot.${slot}`)} onRemove={() => remove(ph)} />
              ) : (
                <CaptureButton
                  id={`photo-${slot}`}
                  label={t('accident.take', { slot: tk(`accident.slot.${slot}`) })}
                  primary={slot === nextRequired}
                  disabled={full}
                  onPhoto={add(slot)}
                  onError={setErr}
                />
              )}
            </li>
          );
        })}
      </ol>
      {extras.length ? (
        <div class="thumbs">
          {extras.map((ph, i) => (
            <PhotoThumb key={ph.sha256 + i} photo={ph} n={REQUIRED_ACCIDENT_SLOTS.length + i + 1} caption={tk(`accident.slot.${ph.slot}`)} onRemove={() => remove(ph)} />
          ))}
        </div>
      ) : null}
      {!full ? (
        <div class="extra-photo">
          <Choice id="extra-slot" options={EXTRA_SLOTS} value={extraSlot as (typeof EXTRA_SLOTS)[number]} onChange={setExtraSlot} labelPrefix="accident.slot" columns={3} />
          <CaptureButton id="photo-extra" label={t('accident.add_more')} onPhoto={add(extraSlot)} onError={setErr} />
        </div>
      ) : null}
      {err || p.error ? <p class="field-error" role="alert">{err ?? p.error}</p> : null}
    </div>
  );
}

export function Accident(p: { route: Route }) {
  const f = useReportForm(accidentSpec, p.route);
  const fix = useApp((s) => s.home?.open_patrol?.last_fix);
  const e = f.errorOf;
  const vehicles = f.form.vehicles;
  const setVehicle = (i: number, patch: Partial<Vehicle>) => f.update({ vehicles: vehicles.map((v, k) => (k === i ? { ...v, ...patch } : v)) });
  // The reason is asked for once a submission (the form's or Rust's answer) needed it, or when
  // a draft or a correction has one; it stays while a required photo is missing.
  const missing = missingSlots(f.form.photos);
  const reasonErr = e('photos_missing_reason');
  const [asked, setAsked] = useState(false);
  useEffect(() => {
    if (reasonErr) setAsked(true);
  }, [reasonErr]);
  const askReason = missing.length > 0 && (asked || !!reasonErr || f.form.photos_missing_reason.trim() !== '');
  return (
    <ReportShell title={t('accident.title')} route={p.route} f={f}>
      <div>
        <fieldset class="fieldset">
          <legend class="field-label">{t('accident.photos')}</legend>
          <PhotoChecklist photos={f.form.photos} onChange={(v) => f.update({ photos: v })} error={e('photos')} />
          {askReason ? (
            <MissingPhotos
              missing={missing}
              value={f.form.photos_missing_reason}
              onChange={(v) => f.update({ photos_missing_reason: v })}
              error={reasonErr}
            />
          ) : null}
        </fieldset>
        <div class="field" data-field="injuries">
          <Toggle id="injuries" label={t('accident.injuries')} value={f.form.injuries} onChange={(v) => f.update({ injuries: v })} />
        </div>
        <Field id="outcomes" label={t('accident.outcomes')} error={e('outcomes')} optional>
          <MultiChoice id="outcomes" options={ACCIDENT_OUTCOMES} value={f.form.outcomes} onChange={(v) => f.update({ outcomes: v })} labelPrefix="accident.outcome" />
        </Field>
      </div>
      <div>
        <fieldset class="fieldset" data-field="vehicles">
          <legend class="field-label">{t('accident.vehicles')}</legend>
          {vehicles.map((v, i) => (
            <div class="vehicle" key={i}>
              <p class="vehicle-title">{t('accident.vehicle_n', { n: i + 1 })}</p>
              <PlateInput
                id={`vehicles[${i}].plate`}
                label={t('details.plate')}
                hint={t('details.plate_hint')}
                error={e(`vehicles[${i}].plate`)}
                optional
                value={v.plate}
                onChange={(x) => setVehicle(i, { plate: x })}
              />
              <Field id={`vehicles[${i}].kind`} label={t('details.vehicle')} error={e(`vehicles[${i}].kind`)}>
                <select id={`vehicles[${i}].kind`} value={v.kind} onChange={(x) => setVehicle(i, { kind: (x.currentTarget as HTMLSelectElement).value as VehicleKind })}>
                  {VEHICLE_KINDS.map((k) => (
                    <option key={k} value={k}>
                      {t(`vehicle.kind.${k}`)}
                    </option>
                  ))}
                </select>
              </Field>
              {vehicles.length > 1 ? (
                <button type="button" class="btn btn-secondary btn-small" onClick={() => f.update({ vehicles: vehicles.filter((_, k) => k !== i) })}>
                  {t('accident.remove_vehicle', { n: i + 1 })}
                </button>
              ) : null}
            </div>
          ))}
          {e('vehicles') && !vehicles.some((_, i) => e(`vehicles[${i}].plate`)) ? <p class="field-error">{e('vehicles')}</p> : null}
          {vehicles.length < 20 ? (
            <button type="button" class="btn btn-secondary btn-block" onClick={() => f.update({ vehicles: [...vehicles, { plate: '', kind: 'car' }] })}>
              {t('accident.add_vehicle')}
            </button>
          ) : null}
        </fieldset>
        <Field id="note" label={t('accident.note')} error={e('note')} optional>
          <TextArea id="note" value={f.form.note} onInput={(v) => f.update({ note: v })} invalid={!!e('note')} rows={2} maxLength={1000} />
        </Field>
        <PositionNote fix={fix} />
      </div>
    </ReportShell>
  );
}
