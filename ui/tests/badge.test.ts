// The sync badge never says "all synced" while something needs the officer.
import { describe, expect, it } from 'vitest';
import { syncBadge } from '../src/lib/badge';
import { setLanguage, t } from '../src/i18n';

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
});
