//! The validation of each record body, mirrored from patrol-model's `build_report` (what it
//! refuses while reading the body, such as plates, then `Record::validate`): same order, same
//! field paths, same rule codes and params; then `build_report`'s submission rule (an accident
//! without its required photos says why). Forms run it before sending, listing every fault
//! (`…Issues`, the first being Rust's); the fake backend rejects with the first (`…Issue`). tests/shared-cases.test.ts holds it to tests/contract/validation-cases.json.

import type {
  AccidentPhoto,
  AssistanceBody,
  IncidentBody,
  LostPersonBody,
  LostPersonOutcome,
  PhotoRef,
  PhotoSlot,
  ReportKind,
  StartPatrolArgs,
  TrafficAccidentBody,
  ViolationDetails,
} from '../api/types';
import { MAX_PHOTOS, REQUIRED_ACCIDENT_SLOTS } from '../api/types';
import { countIssue, every, first, plateIssue, presentIssue, rangeIssue, textIssue, type Issue } from './validate';

const MAX_PHOTO_BYTES = 50 * 1024 * 1024;

function photoIssue(p: PhotoRef, field: string): Issue | null {
  if (!/^[0-9a-f]{64}$/.test(p.sha256)) {
    return { field: `${field}.sha256`, code: 'hash', message: 'must be 64 lower-case hex characters' };
  }
  if (!['image/jpeg', 'image/png', 'image/webp', 'image/heic'].includes(p.mime)) {
    return {
      field: `${field}.mime`,
      code: 'photo_type',
      params: { value: p.mime },
      message: `\`${p.mime}\` is not a photo type (jpeg, png, webp, heic)`,
    };
  }
  if (typeof p.size === 'number' && !(p.size >= 1 && p.size <= MAX_PHOTO_BYTES)) {
    return {
      field: `${field}.size`,
      code: 'range',
      params: { min: '1 B', max: '50 MiB' },
      message: 'must be between 1 byte and 50 MiB',
    };
  }
  return null;
}

function photosIssue(photos: PhotoRef[] | undefined, max = MAX_PHOTOS): Issue | null {
  const list = photos ?? [];
  return first(countIssue('photos', list.length, max), ...list.map((p, i) => photoIssue(p, `photos[${i}]`)));
}

const optPlate = (v: string | null | undefined, field = 'plate') =>
  v === undefined || v === null || v === '' ? null : plateIssue(v, field);

export function violationIssues(d: ViolationDetails): Issue[] {
  return every(
    optPlate(d.plate),
    rangeIssue('seized_items', d.seized_items, 0, 100),
    photosIssue(d.photos),
    textIssue('note', d.note, false, 500),
  );
}

/** A lost-person body as a form may hold it: the outcome not chosen yet (Rust refuses that). */
export type LostPersonDraftBody = Omit<LostPersonBody, 'outcome'> & { outcome?: LostPersonOutcome | null };

export function lostPersonIssues(r: LostPersonDraftBody): Issue[] {
  return every(
    // Read before the record's checks: a body without them is refused as it is read, the
    // description first (serde names the first missing field in declaration order).
    presentIssue('description', r.description),
    presentIssue('outcome', r.outcome),
    textIssue('description', r.description, true, 1000),
    textIssue('identifying_code', r.identifying_code, false, 64),
    textIssue('found_place', r.found_place, false, 200),
    textIssue('handed_to', r.handed_to, false, 200),
    photosIssue(r.photos),
  );
}

/** The checklist's required photo slots with no photo, in checklist order. */
export function missingSlots(photos: readonly Pick<AccidentPhoto, 'slot'>[] | undefined): PhotoSlot[] {
  return REQUIRED_ACCIDENT_SLOTS.filter((s) => !(photos ?? []).some((p) => p.slot === s));
}

/** patrol-model's submission rule (`build_report`, after the record's checks): an accident
 * without the checklist's required photos says why. `missing` names the slots, in checklist
 * order, as slugs joined by ", " (the form shows its own labels instead). */
export function missingPhotosIssue(r: Pick<TrafficAccidentBody, 'photos' | 'photos_missing_reason'>): Issue | null {
  const missing = missingSlots(r.photos);
  if (missing.length === 0 || (r.photos_missing_reason ?? '').trim() !== '') return null;
  const slots = missing.join(', ');
  return {
    field: 'photos_missing_reason',
    code: 'required',
    params: { missing: slots },
    message: `is required when the ${slots} photo${missing.length === 1 ? ' is' : 's are'} missing`,
  };
}

export function accidentIssues(r: TrafficAccidentBody): Issue[] {
  const vehicles = r.vehicles ?? [];
  return every(
    // Plates are refused while the body is read, before the record's own checks.
    ...vehicles.map((v, i) => optPlate(v.plate, `vehicles[${i}].plate`)),
    vehicles.length === 0 ? { field: 'vehicles', code: 'required', message: 'at least one vehicle is required' } : null,
    countIssue('vehicles', vehicles.length, 20),
    photosIssue(r.photos),
    textIssue('note', r.note, false, 1000),
    textIssue('photos_missing_reason', r.photos_missing_reason, false, 500),
    // The submission rule, once the record passes.
    missingPhotosIssue(r),
  );
}

export function assistanceIssues(r: AssistanceBody): Issue[] {
  return every(
    textIssue('description', r.description, true, 1000),
    rangeIssue('people', r.people ?? 1, 1, 1000),
    textIssue('outcome', r.outcome, false, 500),
  );
}

export function incidentIssues(r: IncidentBody): Issue[] {
  return every(
    textIssue('description', r.description, true, 1000),
    rangeIssue('value_yuan', r.value_yuan, 0, 100_000_000),
    photosIssue(r.photos),
  );
}

/** Every fault the app can tell in a report body, one per field, in Rust's order: the first
 * is the one Rust answers with (what a form lists; the fake rejects with the first). */
export function reportIssues(kind: ReportKind, body: unknown): Issue[] {
  switch (kind) {
    case 'lost_person':
      return lostPersonIssues(body as LostPersonDraftBody);
    case 'traffic_accident':
      return accidentIssues(body as TrafficAccidentBody);
    case 'assistance':
      return assistanceIssues(body as AssistanceBody);
    case 'incident':
      return incidentIssues(body as IncidentBody);
  }
}

// The first fault of each, the one Rust answers with.
const firstOf = (issues: Issue[]): Issue | null => issues[0] ?? null;
export const violationIssue = (d: ViolationDetails) => firstOf(violationIssues(d));
export const lostPersonIssue = (r: LostPersonDraftBody) => firstOf(lostPersonIssues(r));
export const accidentIssue = (r: TrafficAccidentBody) => firstOf(accidentIssues(r));
export const assistanceIssue = (r: AssistanceBody) => firstOf(assistanceIssues(r));
export const incidentIssue = (r: IncidentBody) => firstOf(incidentIssues(r));
export const reportIssue = (kind: ReportKind, body: unknown) => firstOf(reportIssues(kind, body));

const CODE_RE = /^[\p{L}\p{N}_-]{1,32}$/u;

/** `start_patrol`'s checks in the shell's order: the plate as it is read, then the record's. */
export function startPatrolIssue(a: StartPatrolArgs): Issue | null {
  const plate = optPlate(a.vehicle_plate, 'vehicle_plate');
  if (plate) return plate;
  if (!CODE_RE.test(a.group ?? '')) {
    return a.group
      ? {
          field: 'group',
          code: 'code',
          params: { value: [...a.group].slice(0, 40).join('') },
          message: `\`${a.group}\` is not a valid code (1–32 letters, digits, \`-\` or \`_\`)`,
        }
      : { field: 'group', code: 'required', message: 'is required' };
  }
  return first(
    countIssue('officers', a.officers.length, 20),
    ...a.officers.map((o, i) => textIssue(`officers[${i}]`, o, true, 40)),
    ...Object.entries(a.volunteers).map(([cat, n]) => rangeIssue(`volunteers.${cat}`, n, 0, 500)),
    // The app's own rule after the record's: a patrol has someone on it.
    a.officers.length === 0 ? { field: 'officers', code: 'required', message: 'name at least one officer' } : null,
  );
}
