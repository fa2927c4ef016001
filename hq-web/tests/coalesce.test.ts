import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vi } from 'vitest';
import { coalescer } from '../src/lib/coalesce';

describe('coalescer', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires once for one event, after it settles', () => {
    let n = 0;
    const c = coalescer(() => n++, 300, 2000);
    c.push();
    vi.advanceTimersByTime(299);
    expect(n).toBe(0);
    vi.advanceTimersByTime(1);
    expect(n).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(n).toBe(1);
  });

  it('turns a burst into one refetch', () => {
    let n = 0;
    const c = coalescer(() => n++, 300, 2000);
    for (let i = 0; i < 20; i++) {
      c.push();
      vi.advanceTimersByTime(10);
    }
    vi.advanceTimersByTime(5000);
    expect(n).toBe(1);
  });

  it('keeps refreshing under a steady stream of events, at most once per gap', () => {
    // A city's upload rate: an event every 80 ms for a minute. A debounce of 300 ms would
    // never have fired.
    let n = 0;
    const times: number[] = [];
    const t0 = Date.now();
    const c = coalescer(() => (n++, times.push(Date.now() - t0)), 300, 2000);
    for (let t = 0; t < 60_000; t += 80) {
      c.push();
      vi.advanceTimersByTime(80);
    }
    vi.advanceTimersByTime(2000);
    expect(n).toBeGreaterThanOrEqual(29);
    expect(n).toBeLessThanOrEqual(31);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(2000);
    // The last event of the stream is never left unanswered.
    expect(times[times.length - 1]).toBeGreaterThanOrEqual(60_000 - 80);
  });

  it('answers the first event after a quiet spell within the settle time', () => {
    let n = 0;
    const c = coalescer(() => n++, 300, 2000);
    c.push();
    vi.advanceTimersByTime(300);
    expect(n).toBe(1);
    vi.advanceTimersByTime(5000);
    c.push();
    vi.advanceTimersByTime(300);
    expect(n).toBe(2);
  });

  it('an event inside the gap is answered when the gap ends, not dropped', () => {
    let n = 0;
    const c = coalescer(() => n++, 300, 2000);
    c.push();
    vi.advanceTimersByTime(300);
    c.push();
    vi.advanceTimersByTime(1999);
    expect(n).toBe(1);
    vi.advanceTimersByTime(1);
    expect(n).toBe(2);
  });

  it('fires nothing after close', () => {
    let n = 0;
    const c = coalescer(() => n++, 300, 2000);
    c.push();
    c.close();
    c.push();
    vi.advanceTimersByTime(10_000);
    expect(n).toBe(0);
  });
});
