//! The one way the page talks to HQ: same-origin JSON with the session cookie. Unsafe requests
//! carry `X-Requested-With: hq-web` (HQ refuses cookie-authenticated ones without it). A 401
//! from any call tells the app to go back to sign-in. No token is ever kept by the page.

import type { ErrorBody, Invalid } from './types';

export class HqError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** For a value refused by a rule: which field, which rule, with what (the body's `invalid`). */
    readonly invalid?: Invalid,
  ) {
    super(message);
  }
}

/** The `invalid` part of an error body, when it is there and well formed. */
function invalidOf(v: unknown): Invalid | undefined {
  if (v === null || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  if (typeof o.field !== 'string' || typeof o.code !== 'string') return undefined;
  const out: Invalid = { field: o.field, code: o.code };
  if (o.params !== null && typeof o.params === 'object' && !Array.isArray(o.params)) {
    const params = Object.entries(o.params as Record<string, unknown>)
      .filter(([, x]) => typeof x === 'string' || typeof x === 'number')
      .map(([k, x]) => [k, String(x)] as const);
    if (params.length) out.params = Object.fromEntries(params);
  }
  return out;
}

let onUnauthorized: ((e: HqError) => void) | null = null;

/** The app's handler for a 401 (session missing, expired or revoked). */
export function setUnauthorizedHandler(f: ((e: HqError) => void) | null): void {
  onUnauthorized = f;
}

export type RequestOptions = { body?: unknown; quiet401?: boolean };

export async function request<T>(method: string, path: string, opts: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && method !== 'HEAD') headers['x-requested-with'] = 'hq-web';
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  } catch (e) {
    throw new HqError(0, 'network', String(e));
  }
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: reported below with the status
  }
  if (!res.ok) {
    const body = (json ?? {}) as Partial<ErrorBody>;
    const err = new HqError(
      res.status,
      body.code ?? (res.status === 404 ? 'not_found' : `http_${res.status}`),
      body.message ?? text.slice(0, 200),
      invalidOf(body.invalid),
    );
    if (res.status === 401 && !opts.quiet401) onUnauthorized?.(err);
    throw err;
  }
  return json as T;
}

export const get = <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, opts);
export const post = <T>(path: string, body?: unknown) => request<T>('POST', path, { body: body ?? {} });

/** A query string from the defined values. */
export function qs(params: Record<string, string | number | undefined | null>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}
