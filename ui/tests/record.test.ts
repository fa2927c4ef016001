// Reading history records by kind (src/lib/record.ts): a supplement is the generated
// `Supplement`, a record as it stands is the newest correction's body typed by the item's kind,
// a withdrawal corrects nothing, a track segment is its summary; and history's one line reads
// the record as it stands.
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryItem, LedgerRecord, Supplement, ViolationTally } from '../src/api/types';
import { setLanguage } from '../src/i18n';
import { historyRecord, recordOf, standing, standingRecord, supplementOf, type ItemOf } from '../src/lib/record';
import { summarize } from '../src/screens/history-summary';

afterEach(() => setLanguage('zh-CN'));

const base = (seq: number) => ({
  seq,
  id: `0190c0de-0000-7000-8000-${String(seq).padStart(12, '0')}`,
  wall_ms: Date.parse('2026-11-29T07:30:00+08:00') + seq * 60_000,
  cell: 'WL-02-03',
  corrected_by: [] as number[],
  withdrawn_by: null as number | null,
  sync: 'pending' as const,
});

const violation = (seq: number, record: ViolationTally, corrected_by: number[] = [], withdrawn_by: number | null = null): ItemOf<'violation'> => ({
  ...base(seq),
  corrected_by,
  withdrawn_by,
  kind: 'violation',
  record,
});

const supplement = (seq: number, target: HistoryItem, reason: string, correction?: LedgerRecord): ItemOf<'supplement'> => {
  const record: Supplement = { target_id: target.id, target_seq: target.seq, reason };
  if (correction) record.correction = correction;
  return { ...base(seq), kind: 'supplement', record };
};

const tapped: ViolationTally = { type: 'no-helmet', seized_items: 0, photos: [] };

describe('supplementOf', () => {
  it('is the supplement a supplement entry holds, null for any other kind', () => {
    const v = violation(2, tapped);
    const s = supplement(3, v, '误触');
    expect(supplementOf(s)).toEqual({ target_id: v.id, target_seq: 2, reason: '误触' });
    expect(supplementOf(v)).toBeNull();
  });
});

describe('standingRecord', () => {
  it('a corrected violation reads as its newest correction’s body', () => {
    const first: ViolationTally = { ...tapped, plate: '湘J12345', vehicle: 'e-bike' };
    const second: ViolationTally = { ...first, type: 'illegal-passenger', seized_items: 2 };
    const v = violation(2, tapped, [3, 5]);
    const all: HistoryItem[] = [
      supplement(5, v, '类型选错', { kind: 'violation', body: second }),
      supplement(3, v, 'details added', { kind: 'violation', body: first }),
      v,
    ];
    const r = standingRecord(v, all);
    expect(r).toEqual(second);
    // Typed by the kind: no cast to read a violation's fields.
    expect(r.type).toBe('illegal-passenger');
    expect(standing(v, all)).toMatchObject({ seq: 2, kind: 'violation', corrected_by: [3, 5], record: second });
    expect(summarize(standing(v, all), null)).toBe('违规载人 · 湘J12345 · 电动车 · 收缴 2 件');
  });

  it('reads the original when the correction is not in the list (or not of its kind)', () => {
    const v = violation(2, tapped, [3]);
    expect(standingRecord(v, [v])).toEqual(tapped);
    const odd = supplement(3, v, 'x', { kind: 'patrol_stopped', body: { patrol_id: 'p' } });
    expect(standingRecord(v, [odd, v])).toEqual(tapped);
  });

  it('a withdrawal corrects nothing: the withdrawn entry reads as recorded, its supplement has no correction', () => {
    const v = violation(2, tapped, [], 3);
    const w = supplement(3, v, '误触');
    expect(supplementOf(w)?.correction ?? null).toBeNull();
    expect(standingRecord(v, [w, v])).toEqual(tapped);
    expect(summarize(standing(w, [w, v]), null)).toBe('原因：误触');
  });

  it('a track segment is its summary; a corrected one is summarized from the correction’s fixes', () => {
    const seg: ItemOf<'track_segment'> = {
      ...base(4),
      kind: 'track_segment',
      record: { patrol_id: 'p1', fixes: 30, first_ms: 1000, last_ms: 30_000 },
    };
    expect(standingRecord(seg, [seg])).toEqual({ patrol_id: 'p1', fixes: 30, first_ms: 1000, last_ms: 30_000 });
    expect(summarize(seg, null)).toBe('30 个定位点');

    const fix = (time_ms: number | null) => ({ time_ms, lat: 29.0071, lon: 111.6722 });
    const body = { patrol_id: 'p1', fixes: [fix(5000), fix(null), fix(2000), fix(9000)] };
    expect(historyRecord({ kind: 'track_segment', body })).toEqual({
      kind: 'track_segment',
      record: { patrol_id: 'p1', fixes: 4, first_ms: 2000, last_ms: 9000 },
    });
    expect(historyRecord({ kind: 'track_segment', body: { patrol_id: 'p1', fixes: [fix(null)] } }).record).toEqual({
      patrol_id: 'p1', fixes: 1, first_ms: null, last_ms: null,
    });
    const corrected = { ...seg, corrected_by: [6] };
    const s = supplement(6, seg, '补正', { kind: 'track_segment', body });
    expect(standingRecord(corrected, [s, corrected])).toEqual({ patrol_id: 'p1', fixes: 4, first_ms: 2000, last_ms: 9000 });
  });
});

describe('recordOf', () => {
  it('is the record when the item is of that kind, else null', () => {
    const v = violation(2, tapped);
    const item: HistoryItem = v;
    expect(recordOf(item, 'violation')?.type).toBe('no-helmet');
    expect(recordOf(item, 'incident')).toBeNull();
  });
});
