//! Errors from Rust arrive as `{kind, message, field?}`; anything else that rejects (a string
//! from the IPC layer, a thrown Error, nothing at all) is normalized to the same shape here,
//! so screens only ever branch on `ApiError.kind` and show `field` inline.

import { ERROR_KINDS, type ErrorKind } from './types';

export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly field?: string;

  constructor(kind: ErrorKind, message: string, field?: string) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    if (field !== undefined && field !== '') this.field = field;
  }

  toJSON(): { kind: ErrorKind; message: string; field?: string } {
    return this.field === undefined
      ? { kind: this.kind, message: this.message }
      : { kind: this.kind, message: this.message, field: this.field };
  }
}

function knownKind(k: unknown): ErrorKind {
  return typeof k === 'string' && (ERROR_KINDS as readonly string[]).includes(k)
    ? (k as ErrorKind)
    : 'unknown';
}

function fromObject(o: Record<string, unknown>): ApiError | null {
  if (typeof o.kind !== 'string') return null;
  const message = typeof o.message === 'string' ? o.message : String(o.kind);
  const field = typeof o.field === 'string' ? o.field : undefined;
  return new ApiError(knownKind(o.kind), message, field);
}

/** Turn whatever a command rejected with into an `ApiError`. Never throws. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (typeof e === 'string') {
    const s = e.trim();
    if (s.startsWith('{')) {
      try {
        const parsed = fromObject(JSON.parse(s) as Record<string, unknown>);
        if (parsed) return parsed;
      } catch {
        // not JSON: fall through and keep the text
      }
    }
    return new ApiError('unknown', s || 'unknown error');
  }
  if (e !== null && typeof e === 'object') {
    const parsed = fromObject(e as Record<string, unknown>);
    if (parsed) return parsed;
    if (e instanceof TypeError && /fetch|network/i.test(e.message)) {
      return new ApiError('network', e.message);
    }
    if (e instanceof Error) return new ApiError('unknown', e.message || e.name);
  }
  return new ApiError('unknown', e === undefined ? 'unknown error' : String(e));
}

/** For `invalid` errors: does this error concern `field` (or one of its children)? */
export function errorFor(err: ApiError | null | undefined, field: string): ApiError | null {
  if (!err || err.field === undefined) return null;
  const f = err.field;
  return f === field || f.startsWith(field + '.') || f.startsWith(field + '[') ? err : null;
}
