//! Photo intake for the fake: base64 → bytes → SHA-256 and a MIME type sniffed from the magic
//! bytes, the way the shell names photo files by their hash.

import { ApiError } from './errors';
import type { PhotoRef } from './types';

export function decodeBase64(b64: string): Uint8Array {
  const clean = b64.replace(/^data:[^,]*,/, '').replace(/\s/g, '');
  let bin: string;
  try {
    bin = atob(clean);
  } catch {
    throw new ApiError('invalid', 'data_base64: is not valid base64', 'data_base64', 'format');
  }
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function sniffMime(b: Uint8Array): string | null {
  const at = (i: number, s: string) => [...s].every((c, k) => b[i + k] === c.charCodeAt(0));
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (b[0] === 0x89 && at(1, 'PNG')) return 'image/png';
  if (at(0, 'RIFF') && at(8, 'WEBP')) return 'image/webp';
  if (at(4, 'ftyp') && (at(8, 'heic') || at(8, 'heix') || at(8, 'mif1'))) return 'image/heic';
  return null;
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const subtle = globalThis.crypto?.subtle;
  if (subtle) {
    const buf = await subtle.digest('SHA-256', bytes as unknown as ArrayBuffer);
    return [...new Uint8Array(buf)].map((x) => x.toString(16).padStart(2, '0')).join('');
  }
  // Not a secure context (e.g. dev server opened over a LAN address): a stand-in name.
  let h = 0x811c9dc5;
  let out = '';
  for (let round = 0; round < 8; round++) {
    for (const x of bytes) h = Math.imul(h ^ x ^ round, 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, '0');
  }
  return out;
}

export async function photoRef(data_base64: string): Promise<PhotoRef> {
  const bytes = decodeBase64(data_base64);
  if (bytes.length === 0 || bytes.length > 50 * 1024 * 1024) {
    throw new ApiError('invalid', 'data_base64: must be between 1 byte and 50 MiB', 'data_base64', 'range', {
      min: '1 B',
      max: '50 MiB',
    });
  }
  const mime = sniffMime(bytes);
  if (!mime) {
    throw new ApiError('invalid', 'mime: not a photo type (jpeg, png, webp, heic)', 'mime', 'photo_type');
  }
  return { sha256: await sha256Hex(bytes), size: bytes.length, mime };
}
