//! The validation of each record body, mirrored from patrol-model's `build_report` (what it
//! refuses while reading the body, such as plates, then `Record::validate`): same order, same
//! field paths, same rule codes and params. Forms run it before sending; the fake backend
//! rejects with it. tests/shared-cases.test.ts holds it to tests/contract/validation-cases.json.

import type {
  AssistanceBody,
  IncidentBody,
  LostPersonBody,
  PhotoRef,
  ReportKind,
  StartPatrolArgs,
  TrafficAccidentBody,
  ViolationDetails,
} from '../api/types';
import { MAX_PHOTOS } from '../api/types';
import { countIssue, first, plateIssue, rangeIssue, textIssue, type Issue } from './validate';

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

export function violationIssue(d: ViolationDetails): Issue | null {
  return first(
    optPlate(d.plate),
    rangeIssue('seized_items', d.seized_items, 0, 100),
    photosIssue(d.photos),
    textIssue('note', d.note, false, 500),
  );
}

export function lostPersonIssue(r: LostPersonBody): Issue | null {
  return first(
    textIssue('description', r.description, true, 1000),
    textIssue('identifying_code', r.identifying_code, false, 64),
    textIssue('found_place', r.found_place, false, 200),
    textIssue('handed_to', r.handed_to, false, 200),
    photosIssue(r.photos),
  );
}

export function accidentIssue(r: TrafficAccidentBody): Issue | null {
  const vehicles = r.vehicles ?? [];
  // Plates are refused while the body is read, before the record's own checks.
  const plate = first(...vehicles.map((v, i) => optPlate(v.plate, `vehicles[${i}].plate`)));
  if (plate) return plate;
  if (vehicles.length === 0) {
    return { field: 'vehicles', code: 'required', message: 'at least one vehicle is required' };
  }
  return first(
    countIssue('vehicles', vehicles.length, 20),
    photosIssue(r.photos),
    textIssue('note', r.note, false, 1000),
  );
}

export function assistanceIssue(r: AssistanceBody): Issue | null {
  return first(
    textIssue('description', r.description, true, 1000),
    rangeIssue('people', r.people ?? 1, 1, 1000),
    textIssue('outcome', r.outcome, false, 500),
  );
}

export function incidentIssue(r: IncidentBody): Issue | null {
  return first(
    textIssue('description', r.description, true, 1000),
    rangeIssue('value_yuan', r.value_yuan, 0, 100_000_000),
    photosIssue(r.photos),
  );
}

export function reportIssue(kind: ReportKind, body: unknown): Issue | null {
  switch (kind) {
    case 'lost_person':
      return lostPersonIssue(body as LostPersonBody);
    case 'traffic_accident':
      return accidentIssue(body as TrafficAccidentBody);
    case 'assistance':
      return assistanceIssue(body as AssistanceBody);
    case 'incident':
      return incidentIssue(body as IncidentBody);
  }
}

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
