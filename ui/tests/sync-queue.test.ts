// What the sync queue means for the officer: stuck or not, and Home's warnings, each leading
// to where it is dealt with.
import { describe, expect, it } from 'vitest';
import { homeWarnings, queueStuck, STUCK_AFTER } from '../src/lib/sync-queue';
import { setLanguage, t } from '../src/i18n';

const q = (entries_waiting: number, front_attempts: number, front_seq: number | null = entries_waiting ? 5 : null) => ({
  entries_waiting,
  front_attempts,
  front_seq,
});
const home = (over: Partial<{ quarantined: number; drafts: number; city_loaded: boolean; ledger_problem: string | null }> = {}) => ({
  quarantined: 0,
  drafts: 0,
  city_loaded: true,
  ledger_problem: null,
  ...over,
});

describe('a stuck queue', () => {
  it('mirrors patrol-sync: the same first entry failed STUCK_AFTER (3) times', () => {
    expect(STUCK_AFTER).toBe(3);
    expect(queueStuck(q(4, 0))).toBe(false);
    expect(queueStuck(q(4, 2))).toBe(false);
    expect(queueStuck(q(4, 3))).toBe(true);
    expect(queueStuck(q(4, 9))).toBe(true);
  });

  it('or the last receipt said so while entries still wait; nothing waiting is never stuck', () => {
    expect(queueStuck(q(2, 0), { stuck: 'HQ refused seq 5', pending: 2 })).toBe(true);
    expect(queueStuck(q(0, 0), { stuck: 'HQ refused seq 5', pending: 0 })).toBe(false);
    expect(queueStuck(q(0, 7))).toBe(false);
    expect(queueStuck(null, { stuck: 'x', pending: 3 })).toBe(true);
    expect(queueStuck(null, { stuck: 'x', pending: 0 })).toBe(false);
    expect(queueStuck(null, null)).toBe(false);
  });
});

describe("Home's warnings", () => {
  it('none when all is well', () => {
    expect(homeWarnings(home(), q(3, 0), false)).toEqual([]);
  });

  it('most serious first, each with where it is dealt with', () => {
    const w = homeWarnings(home({ ledger_problem: 'the ledger is broken at 12', quarantined: 2, drafts: 1, city_loaded: false }), q(4, 3), true);
    expect(w.map((x) => [x.id, x.to, x.tone])).toEqual([
      ['ledger', '/sync', 'danger'],
      ['quarantined', '/sync', 'warn'],
      ['stuck', '/sync', 'warn'],
      ['no_city', '/sync', 'warn'],
      ['drafts', '/report', 'info'],
    ]);
  });

  it('say it in the officer’s words: counts, the front of the queue, no raw Rust text', () => {
    setLanguage('zh-CN');
    const w = homeWarnings(home({ ledger_problem: 'database integrity check: malformed', quarantined: 2, drafts: 3 }), q(4, 3), true);
    const text = w.map((x) => t(x.key, x.params));
    expect(text).toEqual([
      '本机记录校验发现问题，相关记录暂停同步，请查看同步页',
      '2 条记录待核查（指挥中心退回），请查看同步页',
      '同步受阻：#5 已 3 次未送达，请查看同步页',
      '3 份草稿未完成',
    ]);
    expect(text.join('')).not.toMatch(/[A-Za-z]{2,}/);
    // Stuck by the receipt alone (no failed attempts counted): said without a number.
    expect(homeWarnings(home(), q(4, 0), true).map((x) => t(x.key, x.params))).toEqual(['同步受阻，请查看同步页']);
    setLanguage('en');
    expect(t(w[2].key, w[2].params)).toBe('Sync stuck: #5 not delivered after 3 tries; see Sync');
    setLanguage('zh-CN');
  });
});
