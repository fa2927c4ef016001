//! Errors from Rust arrive as `{kind, message, field?, code?, params?}`; anything else that
//! rejects (a string from the IPC layer, a thrown Error, nothing at all) is normalized to the
//! same shape here, so screens only ever branch on `ApiError.kind`, show `field` inline and
//! translate the broken rule (`code`, `validation.<code>`) with its `params`.

import { ERROR_KINDS, type CommandError, type ErrorKind, type ValidationCode } from './types';

/** What a translation of a rule fills in (`{max}`, `{value}`…); Rust sends them as text. */
export type ErrorParams = Record<string, string | number>;

/** The plain shape of an `ApiError`: Rust's `CommandError` (generated), `kind` narrowed to the kinds the UI knows. */
export type ApiErrorJson = Omit<CommandError, 'kind'> & { kind: ErrorKind };

export class ApiError extends Error {
  readonly kind: ErrorKind;
  readonly field?: string;
  /** For `invalid`: the rule broken (`required`, `too_long`, `plate_province`, …). */
  readonly code?: ValidationCode;
  /** For `invalid`: what the rule's translation fills in (`max`, `min`, `value`, `n`, …). */
  readonly params?: ErrorParams;

  constructor(kind: ErrorKind, message: string, field?: string, code?: ValidationCode, params?: ErrorParams) {
    super(message);
    this.name = 'ApiError';
    this.kind = kind;
    if (field !== undefined && field !== '') this.field = field;
    if (code !== undefined && (code as string) !== '') this.code = code;
    if (params !== undefined && Object.keys(params).length > 0) this.params = { ...params };
  }

  /** The same error at another field path (e.g. `description` for `correction.description`). */
  at(field: string | undefined): ApiError {
    return new ApiError(this.kind, this.message, field, this.code, this.params);
  }

  toJSON(): ApiErrorJson {
    const out: ApiErrorJson = { kind: this.kind, message: this.message };
    if (this.field !== undefined) out.field = this.field;
    if (this.code !== undefined) out.code = this.code;
    if (this.params !== undefined) out.params = Object.fromEntries(Object.entries(this.params).map(([k, v]) => [k, String(v)]));
    return out;
  }
}

function knownKind(k: unknown): ErrorKind {
  return typeof k === 'string' && (ERROR_KINDS as readonly string[]).includes(k)
    ? (k as ErrorKind)
    : 'unknown';
}

/** Text and number parameters of a rejection; anything else in `params` is dropped. */
function paramsOf(p: unknown): ErrorParams | undefined {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return undefined;
  const out: ErrorParams = {};
  for (const [k, v] of Object.entries(p as Record<string, unknown>)) {
    if (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v))) out[k] = v;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

function fromObject(o: Record<string, unknown>): ApiError | null {
  if (typeof o.kind !== 'string') return null;
  const message = typeof o.message === 'string' ? o.message : String(o.kind);
  const field = typeof o.field === 'string' ? o.field : undefined;
  // A code this UI does not know yet still travels: its translation falls back to `message`.
  const code = typeof o.code === 'string' ? (o.code as ValidationCode) : undefined;
  return new ApiError(knownKind(o.kind), message, field, code, paramsOf(o.params));
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
