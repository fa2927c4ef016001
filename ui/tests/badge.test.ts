// The sync badge never says "all synced" while something needs the officer: a problem in the
// ledger, entries HQ returned for review, or a queue that does not move.
import { afterEach, describe, expect, it } from 'vitest';
import { syncBadge } from '../src/lib/badge';
import { setLanguage, t } from '../src/i18n';

const home = (over: Partial<{ unsynced: number; quarantined: number; ledger_problem: string | null }> = {}) => ({
  unsynced: 0,
  quarantined: 0,
  ledger_problem: null,
  ...over,
});
const say = (b: ReturnType<typeof syncBadge>) => t(b.key, { n: b.n });

afterEach(() => setLanguage('zh-CN'));

describe('the sync badge', () => {
  it('puts entries returned for review before pending ones, and says all synced only when nothing is left', () => {
    expect(syncBadge({ unsynced: 0, quarantined: 0 }).key).toBe('header.all_synced');
    expect(syncBadge({ unsynced: 3, quarantined: 0 })).toEqual({ key: 'header.unsynced', n: 3, tone: 'pending' });
    expect(syncBadge({ unsynced: 0, quarantined: 2 })).toEqual({ key: 'header.attention', n: 2, tone: 'attention' });
    expect(syncBadge({ unsynced: 5, quarantined: 1 }).tone).toBe('attention');
    setLanguage('zh-CN');
    const b = syncBadge({ unsynced: 0, quarantined: 2 });
    expect(t(b.key, { n: b.n })).toBe('2 条待核查');
  });

  it('a problem found in the ledger comes first, whatever else is true', () => {
    for (const h of [home({ ledger_problem: 'the ledger is broken at 12' }), home({ ledger_problem: 'x', unsynced: 4, quarantined: 2 })]) {
      expect(syncBadge(h, true)).toEqual({ key: 'header.ledger_problem', n: 0, tone: 'attention' });
      expect(syncBadge(h, false).key).toBe('header.ledger_problem');
    }
    expect(say(syncBadge(home({ ledger_problem: 'x' })))).toBe('本机记录异常');
    setLanguage('en');
    expect(say(syncBadge(home({ ledger_problem: 'x' })))).toBe('Ledger problem');
  });

  it('a stuck queue is attention, after entries returned for review', () => {
    expect(syncBadge(home({ unsynced: 7 }), true)).toEqual({ key: 'header.stuck', n: 7, tone: 'attention' });
    expect(syncBadge(home({ unsynced: 7, quarantined: 1 }), true).key).toBe('header.attention');
    expect(say(syncBadge(home({ unsynced: 7 }), true))).toBe('同步受阻');
    // Even with the count not yet caught up, a stuck queue is never "all synced".
    expect(syncBadge(home({ unsynced: 0 }), true).key).toBe('header.stuck');
  });

  it('never reads "all synced" while anything needs attention, nor before the summary is known', () => {
    const cases = [
      [home({ quarantined: 1 }), false],
      [home({ ledger_problem: 'integrity' }), false],
      [home({ unsynced: 2 }), true],
      [home({ unsynced: 2 }), false],
    ] as const;
    for (const [h, stuck] of cases) expect(syncBadge(h, stuck).key).not.toBe('header.all_synced');
    expect(syncBadge(null)).toEqual({ key: 'home.sync', n: 0, tone: 'pending' });
    expect(say(syncBadge(null))).toBe('同步');
  });
});
