// Sizes and relative times for people, in both languages.
import { afterEach, describe, expect, it } from 'vitest';
import { fmtBytes, fmtRelative, setLanguage } from '../src/i18n';

afterEach(() => setLanguage('zh-CN'));

const NOW = Date.parse('2026-11-29T07:20:00+08:00');
const s = (n: number) => n * 1000;
const min = (n: number) => n * 60_000;

describe('fmtBytes', () => {
  it.each([
    [0, '0 B'],
    [69, '69 B'],
    [1023, '1023 B'],
    [1024, '1 KB'],
    [1536, '1.5 KB'],
    [9.96 * 1024, '10 KB'],
    [81_000, '79 KB'],
    [999 * 1024, '999 KB'],
    [1000 * 1024, '1 MB'],
    [1.44 * 1024 * 1024, '1.4 MB'],
    [50 * 1024 * 1024, '50 MB'],
    [250 * 1024 * 1024, '250 MB'],
  ])('%d bytes → %s', (n, want) => {
    expect(fmtBytes(n)).toBe(want);
  });

  it('never goes negative or fractional in bytes', () => {
    expect(fmtBytes(-5)).toBe('0 B');
    expect(fmtBytes(12.6)).toBe('13 B');
  });
});

describe('fmtRelative', () => {
  it.each([
    [0, '刚刚', 'just now'],
    [-s(9), '刚刚', 'just now'],
    [-s(42), '42 秒前', '42 s ago'],
    [-min(2), '2 分钟前', '2 min ago'],
    [-min(59) - s(59), '59 分钟前', '59 min ago'],
    [-min(60), '1 小时前', '1 h ago'],
    [-min(60 * 26), '1 天前', '1 d ago'],
    [s(0.5), '刚刚', 'just now'],
    [s(3), '马上', 'any moment'],
    [s(28.6), '约 30 秒后', 'in about 30 s'],
    [s(12), '约 10 秒后', 'in about 10 s'],
    [s(58), '约 1 分钟后', 'in about 1 min'],
    [min(5) + s(10), '约 5 分钟后', 'in about 5 min'],
    [min(150), '约 3 小时后', 'in about 3 h'],
  ])('%d ms from now → %s / %s', (d, zh, en) => {
    setLanguage('zh-CN');
    expect(fmtRelative(NOW + d, NOW)).toBe(zh);
    setLanguage('en');
    expect(fmtRelative(NOW + d, NOW)).toBe(en);
  });

  it('has no Latin in Chinese', () => {
    setLanguage('zh-CN');
    for (const d of [-min(3), -s(20), s(30), min(12)]) expect(fmtRelative(NOW + d, NOW)).not.toMatch(/[A-Za-z]/);
  });
});
