// The GPS line's words: ages in seconds, then minutes; every tracking state has its words in
// both languages.
import { describe, expect, it } from 'vitest';
import { gpsAge } from '../src/components/GpsStatus';
import { has, setLanguage } from '../src/i18n';

describe('GPS health', () => {
  it('says the age of the last fix in seconds, then minutes', () => {
    setLanguage('zh-CN');
    expect(gpsAge(3_400)).toBe('3 秒前');
    expect(gpsAge(119_000)).toBe('119 秒前');
    expect(gpsAge(185_000)).toBe('3 分钟前');
    setLanguage('en');
    expect(gpsAge(185_000)).toBe('3 min ago');
    setLanguage('zh-CN');
  });

  it('has words for every tracking state Rust can send', () => {
    for (const s of ['recording', 'ready', 'waiting_for_fix', 'simulated', 'permission_missing', 'paused_by_system', 'no_source']) {
      expect(has(`gps.state.${s}`), s).toBe(true);
    }
  });
});
