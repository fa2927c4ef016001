// The post arrival sheet's crew: rows, the one-officer rule, the post_arrive arguments.
import { describe, expect, it } from 'vitest';
import { arriveArgs, crewIssue, newCrew, officerNames, volunteerTotal } from '../src/lib/crew';
import type { VisitEvidence } from '../src/api/types';

describe('arrival crew', () => {
  it('starts with one empty row, or the officers given', () => {
    expect(newCrew().officers).toEqual(['']);
    expect(newCrew([' 张伟 ', '', '李强']).officers).toEqual(['张伟', '李强']);
    expect(volunteerTotal(newCrew())).toBe(0);
  });

  it.each([
    [[''], 'officer_required'],
    [['  ', ''], 'officer_required'],
    [['张伟'], null],
    [['', '李强 '], null],
  ])('officers %j → %s', (officers, code) => {
    expect(crewIssue({ ...newCrew(), officers })?.code ?? null).toBe(code);
  });

  it('becomes post_arrive arguments: trimmed names once, volunteers above zero, evidence when confirmed', () => {
    const c = newCrew();
    c.officers = [' 张伟', '李强', '张伟 ', ''];
    c.volunteers['red-vest'] = 2;
    expect(officerNames(c)).toEqual(['张伟', '李强']);
    expect(volunteerTotal(c)).toBe(2);
    expect(arriveArgs('P05', c)).toEqual({ post_id: 'P05', officers: ['张伟', '李强'], volunteers: { 'red-vest': 2 } });
    const evidence: VisitEvidence = { source: 'geofence', fixes_inside: 19, dwell_s: 90, best_accuracy_m: 5 };
    expect(arriveArgs('P05', c, evidence).evidence).toBe(evidence);
  });
});
