//! The enrolment code in a scanned QR code. HQ's QR code holds the one-time code and nothing
//! else (never HQ's address: a sticker over it must not send a phone to another server), so a
//! scan may only ever fill the code field, and only with something that is a code.

/** The letters and digits HQ draws codes from (crates/patrol-hq/src/auth.rs
 * `enrollment_code`): no 0/O, no 1/I. */
export const ENROL_CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** Groups of four, with or without dashes or spaces between them: 12 characters
 * (`K7QM-3XPA-9RTW`), or 8 as earlier HQ versions issued (still redeemed until they expire). */
const SHAPE = /^[A-Za-z0-9]{4}(?:[ \t\r\n-]*[A-Za-z0-9]{4}){1,2}$/;

/**
 * The enrolment code a QR code holds, in the form HQ prints it and the officer types it into
 * the code field (`K7QM-3XPA-9RTW`: upper case, dashes between groups of four; HQ compares
 * codes without case or dashes); null when the text is not
 * an enrolment code (an address, a plate, anything else), so nothing unchecked reaches the field.
 */
export function enrolCodeFromQr(text: string): string | null {
  const t = text.trim();
  // Checked before upper-casing: only ASCII gets through (`ſ`.toUpperCase() is `S`).
  if (t.length > 64 || !SHAPE.test(t)) return null;
  const chars = t.replace(/[ \t\r\n-]/g, '').toUpperCase();
  if (![...chars].every((c) => ENROL_CODE_ALPHABET.includes(c))) return null;
  return chars.match(/.{4}/g)!.join('-');
}
