// Pure helpers: fix-age thresholds, city-zone formatting, chart scaling, replay interpolation,
// posts held now, the heat ramp.
import { describe, expect, it } from 'vitest';
import { ageNow, freshness } from '../src/lib/age';
import { bandX, niceMax, scaleY, ticks } from '../src/lib/chart';
import { heatColour, ZERO_COLOUR } from '../src/lib/heat';
import { postNow } from '../src/lib/posts';
import { indexAt, positionAt } from '../src/lib/replay';
import { addDays, cityToday, fmtClock, fmtHms } from '../src/lib/time';
import type { PostCompliance, WindowCompliance } from '../src/api/types';

describe('fix age', () => {
  it('is fresh under 60 s, stale to 5 min, lost after', () => {
    expect(freshness(0)).toBe('fresh');
    expect(freshness(59_999)).toBe('fresh');
    expect(freshness(60_000)).toBe('stale');
    expect(freshness(299_999)).toBe('stale');
    expect(freshness(300_000)).toBe('lost');
  });
  it('is never negative', () => {
    expect(ageNow(2000, 1000)).toBe(0);
    expect(ageNow(1000, 4000)).toBe(3000);
  });
});

describe('city time zone', () => {
  // 2026-11-29 23:30 UTC is already 11-30 07:30 in Shanghai.
  const ms = Date.parse('2026-11-29T23:30:00Z');
  it('takes the day from the city, not the browser', () => {
    expect(cityToday('Asia/Shanghai', ms)).toBe('2026-11-30');
    expect(cityToday('UTC', ms)).toBe('2026-11-29');
  });
  it('formats clock times in the city zone', () => {
    expect(fmtClock(ms, 'Asia/Shanghai', 'en-GB')).toBe('07:30');
    expect(fmtClock(ms, 'UTC', 'en-GB')).toBe('23:30');
  });
  it('adds days across months and years', () => {
    expect(addDays('2026-11-30', 1)).toBe('2026-12-01');
    expect(addDays('2027-01-01', -1)).toBe('2026-12-31');
    expect(addDays('2026-11-30', -29)).toBe('2026-11-01');
  });
  it('writes durations', () => {
    expect(fmtHms(3725)).toBe('1:02:05');
    expect(fmtHms(-4)).toBe('0:00:00');
  });
});

describe('chart scaling', () => {
  it('rounds the axis up to a nice number', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(906)).toBe(1000);
    expect(niceMax(167)).toBe(200);
    expect(niceMax(230)).toBe(250);
    expect(niceMax(2000)).toBe(2000);
  });
  it('places values and bars', () => {
    expect(ticks(100, 4)).toEqual([0, 25, 50, 75, 100]);
    expect(scaleY(0, 100, 10, 210)).toBe(210);
    expect(scaleY(100, 100, 10, 210)).toBe(10);
    expect(scaleY(50, 100, 10, 210)).toBe(110);
    expect(scaleY(500, 100, 10, 210)).toBe(10);
    const b = bandX(1, 4, 0, 400, 0.2);
    expect(b.x).toBeCloseTo(110);
    expect(b.w).toBeCloseTo(80);
  });
});

describe('replay', () => {
  const pts: [number, number, number][] = [[1000, 29, 111], [2000, 29.1, 111.1], [4000, 29.1, 111.3]];
  it('finds the point at or before a time', () => {
    expect(indexAt(pts, 500)).toBe(-1);
    expect(indexAt(pts, 1000)).toBe(0);
    expect(indexAt(pts, 3999)).toBe(1);
    expect(indexAt(pts, 9000)).toBe(2);
  });
  it('interpolates and clamps', () => {
    expect(positionAt(pts, 1500)).toEqual([29.05, 111.05]);
    expect(positionAt(pts, 0)).toEqual([29, 111]);
    expect(positionAt(pts, 5000)).toEqual([29.1, 111.3]);
    expect(positionAt([], 1)).toBeNull();
  });
});

describe('posts held now', () => {
  const w = (start: number, end: number, last: number | null): WindowCompliance => ({
    window: { start: '06:00', end: '09:00' }, start_ms: start, end_ms: end, on_post_ms: 0, minutes_on_post: 0,
    held_fraction: 0, status: 'in_progress', first_arrival_ms: last, last_on_post_ms: last, officers: [], volunteers: {}, devices: [],
  });
  const pc = (ws: WindowCompliance[]): PostCompliance => ({ post_id: 'P01', name: 'x', date: '2026-11-30', windows: ws, devices: [] });
  it('uses the window containing now', () => {
    expect(postNow(pc([w(0, 1000, null)]), 5000)).toBe('off_duty');
    expect(postNow(pc([w(0, 10_000_000, 5_000_000)]), 5_060_000)).toBe('held');
    expect(postNow(pc([w(0, 10_000_000, 5_000_000)]), 5_500_000)).toBe('not_held');
    expect(postNow(pc([w(0, 10_000_000, null)]), 5_000_000)).toBe('not_held');
    expect(postNow(undefined, 1)).toBe('off_duty');
  });
});

describe('heat', () => {
  it('marks zero apart and ramps up', () => {
    expect(heatColour(0, 100)).toBe(ZERO_COLOUR);
    expect(heatColour(100, 100)).toBe('rgb(250, 230, 80)');
    expect(heatColour(1, 1000)).toMatch(/^rgb\(/);
  });
});
