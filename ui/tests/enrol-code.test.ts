// The enrolment code in a scanned QR code: HQ's code in any case, with or without dashes or
// spaces, comes out as HQ prints it; anything else (an address, a plate, text) is no code.
import { describe, expect, it } from 'vitest';
import { ENROL_CODE_ALPHABET, enrolCodeFromQr } from '../src/lib/enrol-code';

describe('enrolCodeFromQr', () => {
  it.each([
    ['K7QM-3XPA-9RTW', 'K7QM-3XPA-9RTW'],
    ['K7QM3XPA9RTW', 'K7QM-3XPA-9RTW'],
    ['k7qm-3xpa-9rtw', 'K7QM-3XPA-9RTW'],
    ['k7qm3xpa9rtw', 'K7QM-3XPA-9RTW'],
    ['K7QM 3XPA 9RTW', 'K7QM-3XPA-9RTW'],
    ['  K7QM-3XPA-9RTW\n', 'K7QM-3XPA-9RTW'],
    ['K7QM - 3XPA - 9RTW', 'K7QM-3XPA-9RTW'],
    ['K7qm-3XPA9rtw', 'K7QM-3XPA-9RTW'],
    // Eight, as earlier HQ versions issued (still redeemed until they expire).
    ['ABCD2345', 'ABCD-2345'],
    ['abcd-2345', 'ABCD-2345'],
  ])('%j is the code %s', (text, code) => {
    expect(enrolCodeFromQr(text)).toBe(code);
  });

  it.each([
    ['an HQ address', 'https://evil.example/x'],
    ['an address with the code in it', 'https://hq.example.cn/enrol?code=K7QM-3XPA-9RTW'],
    ['a code with HQ address after it', 'K7QM-3XPA-9RTW https://evil.example'],
    ['a plate', '湘J12345'],
    ['a plate without its province', 'JA1234'],
    ['text', 'hello world'],
    ['empty', ''],
    ['only spaces', '   '],
    ['too short', 'K7QM-3XPA-9RT'],
    ['too long', 'K7QM-3XPA-9RTW-ABCD'],
    ['a fourth group', 'K7QM3XPA9RTWABCD'],
    ['groups not of four', 'K7Q-M3XP-A9RTW'],
    ['0, O, 1 and I are never in a code', 'K7QM-3XPA-9RT0'],
    ['the letter O', 'K7QM-3XPA-9RTO'],
    ['the digit 1', 'K7QM-3XPA-9RT1'],
    ['the letter I', 'K7QM-3XPA-9RTI'],
    ['an underscore', 'K7QM_3XPA_9RTW'],
    ['a dot', 'K7QM.3XPA.9RTW'],
    ['full-width letters', 'Ｋ７ＱＭ-３ＸＰＡ-９ＲＴＷ'],
    ['a letter that upper-cases to ASCII', 'K7QM-3XPA-9RTſ'],
    ['a zero-width space inside', 'K7QM\u200b-3XPA-9RTW'],
    ['JSON', '{"code":"K7QM-3XPA-9RTW"}'],
  ])('%s is no code', (_, text) => {
    expect(enrolCodeFromQr(text)).toBeNull();
  });

  it('takes every character HQ draws codes from, and only those', () => {
    expect(ENROL_CODE_ALPHABET).toHaveLength(32);
    const all = ENROL_CODE_ALPHABET + ENROL_CODE_ALPHABET.slice(0, 4);
    for (let i = 0; i < all.length; i += 12) {
      const chunk = all.slice(i, i + 12).padEnd(12, 'A');
      expect(enrolCodeFromQr(chunk)).toBe(chunk.match(/.{4}/g)!.join('-'));
    }
    for (const c of '01IO') expect(enrolCodeFromQr(`K7QM-3XPA-9RT${c}`)).toBeNull();
  });
});
