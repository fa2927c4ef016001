// The accident and lost-person forms as bodies: what they send, keep in a draft and refuse
// (with the same faults as the core, each failing field listed under the form's own label).
import { afterEach, describe, expect, it } from 'vitest';
import type { AccidentPhoto, PhotoSlot } from '../src/api/types';
import { setLanguage, t } from '../src/i18n';
import { accidentSpec } from '../src/screens/Accident';
import { lostPersonSpec } from '../src/screens/LostPerson';

afterEach(() => setLanguage('zh-CN'));

const photo = (slot: PhotoSlot, n = 0): AccidentPhoto => ({ slot, sha256: String(n).repeat(64), size: 1200, mime: 'image/jpeg' });
const accident = (patch: Partial<ReturnType<typeof accidentSpec.empty>> = {}) => ({
  ...accidentSpec.empty(),
  vehicles: [{ plate: '湘J12345', kind: 'car' as const }],
  ...patch,
});

describe('accident form', () => {
  it('starts with no reason and asks for one when submitted without the three photos', () => {
    const f = accident();
    expect(f.photos_missing_reason).toBe('');
    const body = accidentSpec.toBody(f);
    expect(body).not.toHaveProperty('photos_missing_reason');
    expect(accidentSpec.validate(body)).toEqual([
      expect.objectContaining({ field: 'photos_missing_reason', code: 'required', params: { missing: 'front, rear, point-of-impact' } }),
    ]);
  });

  it('sends the reason, trimmed, while a required photo is missing', () => {
    const body = accidentSpec.toBody(accident({ photos: [photo('front', 1)], photos_missing_reason: '  伤员优先，先救人 ' }));
    expect(body).toMatchObject({ photos_missing_reason: '伤员优先，先救人' });
    expect(accidentSpec.validate(body)).toEqual([]);
  });

  it('drops a stale reason once the three photos are taken (the draft keeps it)', () => {
    const f = accident({ photos: [photo('front', 1), photo('rear', 2), photo('point-of-impact', 3)], photos_missing_reason: '相机故障' });
    const body = accidentSpec.toBody(f);
    expect(body).not.toHaveProperty('photos_missing_reason');
    expect(accidentSpec.validate(body)).toEqual([]);
  });

  it('a correction reads the reason back', () => {
    const b = { vehicles: [{ kind: 'car' as const }], injuries: false, photos: [], outcomes: [], photos_missing_reason: '车辆已驶离现场' };
    expect(accidentSpec.fromBody(b).photos_missing_reason).toBe('车辆已驶离现场');
    expect(accidentSpec.fromBody({ ...b, photos_missing_reason: undefined }).photos_missing_reason).toBe('');
  });

  it('labels every field it can fail on, the reason too', () => {
    for (const f of ['photos', 'photos_missing_reason', 'vehicles', 'note']) expect(accidentSpec.labels?.[f], f).toBeTruthy();
    expect(t(accidentSpec.labels!.photos_missing_reason!)).toBe('未拍照片的原因');
    setLanguage('en');
    expect(t(accidentSpec.labels!.photos_missing_reason!)).toBe('Why the photos are missing');
  });
});

describe('lost-person form', () => {
  it('starts with no outcome, and a body without one is refused on `outcome`', () => {
    const f = { ...lostPersonSpec.empty(), description: '穿红衣服的小孩，约五岁' };
    expect(f.outcome).toBeNull();
    const body = lostPersonSpec.toBody(f);
    expect(body).not.toHaveProperty('outcome');
    expect(lostPersonSpec.validate(body)).toEqual([expect.objectContaining({ field: 'outcome', code: 'required' })]);
    expect(t(lostPersonSpec.labels!.outcome!)).toBe('处置结果');
  });

  it('lists every failing field: no description and no outcome', () => {
    const body = lostPersonSpec.toBody(lostPersonSpec.empty());
    expect(lostPersonSpec.validate(body).map((i) => i.field)).toEqual(['outcome', 'description']);
  });

  it('an outcome picked is sent; a draft without one restores without one', () => {
    const f = { ...lostPersonSpec.empty(), description: '老人走失', outcome: 'handed-to-station' as const };
    expect(lostPersonSpec.validate(lostPersonSpec.toBody(f))).toEqual([]);
    // What a draft holds is the form as JSON: no outcome stays no outcome.
    const draft = JSON.parse(JSON.stringify({ ...lostPersonSpec.empty(), description: '老人走失' }));
    expect({ ...lostPersonSpec.empty(), ...draft }.outcome).toBeNull();
  });
});
