//! The one door to Rust. Inside Tauri (`window.__TAURI_INTERNALS__` exists) commands go over
//! IPC; in a plain browser (`npm run dev`, screenshots, tests) the in-memory fake answers.
//! Each backend is its own chunk, loaded only when chosen.

import { makeApi, type Api } from './client';

export { ApiError, toApiError, errorFor } from './errors';
export type { Api } from './client';
export { ScanError, type ScanErrorKind } from './transport';

export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

let current: Api | null = null;

/** Pick and load the backend once; later calls return the same api. */
export async function initApi(): Promise<Api> {
  if (current) return current;
  if (inTauri()) {
    const { tauriTransport } = await import('./tauri');
    current = makeApi(tauriTransport);
  } else {
    const { createFake, fakeOptionsFromUrl } = await import('./fake');
    current = makeApi(createFake(fakeOptionsFromUrl()));
  }
  return current;
}

/** The api chosen by `initApi()`; screens render only after it resolved. */
export function api(): Api {
  if (!current) throw new Error('api() used before initApi() resolved');
  return current;
}
