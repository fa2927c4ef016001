// Display geometry, local times in the city's zone, and the draft ids Rust will accept.
import { describe, expect, it } from 'vitest';
import { demoCity } from '../src/api/fake-city';
import { cellAt, distanceM, headingOf, inRing, viewport } from '../src/lib/geo';
import { localDate, localInputToRfc3339, localTimeMs, rfc3339ToLocalInput } from '../src/lib/time';
import { newDraftId } from '../src/state/report-form';

describe('geo', () => {
  it('heading: the receiver course when moving, else the route, else unknown', () => {
    const route: [number, number][] = [
      [29.03, 111.69],
      [29.0301, 111.69], // 11 m north: too short alone
      [29.0302, 111.69],
    ];
    expect(headingOf(route, { heading_deg: 90, speed_mps: 3 })).toBe(90);
    expect(headingOf(route, { heading_deg: -90 })).toBe(270);
    // Standing still: the receiver's course is noise, the route says north.
    expect(Math.round(headingOf(route, { heading_deg: 90, speed_mps: 0.1 })!)).toBe(0);
    expect(Math.round(headingOf([[29.03, 111.69], [29.03, 111.6903]], null)!)).toBe(90);
    expect(headingOf(route.slice(0, 2), null)).toBeNull();
    expect(headingOf([], undefined)).toBeNull();
  });

  it('measures metres', () => {
    expect(distanceM({ lat: 29, lon: 111.69 }, { lat: 29.01, lon: 111.69 })).toBeCloseTo(1112, -1);
  });
  it('finds the cell of a point', () => {
    const cells = demoCity().cells!;
    expect(cellAt({ lat: 29.0312, lon: 111.6905 }, cells)?.id).toBe('WL-04-05');
    expect(cellAt({ lat: 30, lon: 111 }, cells)).toBeNull();
    expect(inRing({ lat: 0.5, lon: 0.5 }, [{ lat: 0, lon: 0 }, { lat: 0, lon: 1 }, { lat: 1, lon: 1 }, { lat: 1, lon: 0 }])).toBe(true);
  });
  it('projects north up into the drawing, with a minimum span', () => {
    const { project, metresPerUnit } = viewport([{ lat: 29.0, lon: 111.69 }, { lat: 29.001, lon: 111.69 }], 400, 200, 2400);
    const [, yS] = project({ lat: 29.0, lon: 111.69 });
    const [, yN] = project({ lat: 29.001, lon: 111.69 });
    expect(yN).toBeLessThan(yS);
    expect(metresPerUnit * 400).toBeGreaterThanOrEqual(2399);
  });
});

describe('time', () => {
  it('local days and duty windows in Asia/Shanghai', () => {
    const ms = Date.parse('2026-11-29T23:30:00Z'); // 07:30 on the 30th in Changde
    expect(localDate(ms, 'Asia/Shanghai')).toBe('2026-11-30');
    expect(new Date(localTimeMs('2026-11-30', '06:00', 'Asia/Shanghai')).toISOString()).toBe('2026-11-29T22:00:00.000Z');
  });
  it('datetime-local ⇄ RFC 3339 with the device offset', () => {
    const rfc = localInputToRfc3339('2026-11-29T08:40')!;
    expect(rfc).toMatch(/^2026-11-29T08:40:00[+-]\d\d:\d\d$/);
    expect(rfc3339ToLocalInput(rfc)).toBe('2026-11-29T08:40');
    expect(localInputToRfc3339('')).toBeUndefined();
  });
});

describe('draft ids', () => {
  it('are codes Rust accepts (1–32 letters, digits, - or _)', () => {
    for (const kind of ['lost_person', 'traffic_accident', 'assistance', 'incident']) {
      expect(newDraftId(kind)).toMatch(/^[\p{L}\p{N}_-]{1,32}$/u);
    }
    expect(newDraftId('incident')).not.toBe(newDraftId('incident'));
  });
});
