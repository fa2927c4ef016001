//! What the api client needs from a backend: call a command, make a progress channel, listen
//! to an event; and, where the device has them, a buzz and the camera's QR scanner. `tauri.ts`
//! implements it over IPC, `fake.ts` in memory.

import type { Command, EventName, Events } from './types';

export type Unlisten = () => void;

/** What a save felt like under the thumb: it was kept, or it was refused. */
export type Feedback = 'saved' | 'refused';

export interface Transport {
  readonly name: 'tauri' | 'fake';
  invoke(cmd: Command, args?: Record<string, unknown>): Promise<unknown>;
  /** A value to pass as a command argument that forwards each message to `onMessage`. */
  channel<T>(onMessage: (msg: T) => void): unknown;
  listen<E extends EventName>(event: E, handler: (payload: Events[E]) => void): Promise<Unlisten>;
  appVersion(): Promise<string>;
  /** A short buzz on a phone; nothing where there is no such thing (desktop, the fake). */
  feedback?(kind: Feedback): void;
  /**
   * Read one QR code with the camera: its text as it is (the caller checks what it holds), or
   * null when the officer cancelled. Rejects with a `ScanError` only. Present only where there
   * is a scanner: phones (the barcode-scanner plugin), the fake with `?fake-scan=…`.
   */
  scanQr?(): Promise<string | null>;
}

/** Why a scan gave nothing: no camera permission, no code read in time, or anything else. */
export type ScanErrorKind = 'camera_denied' | 'timed_out' | 'failed';

/** A scan that failed; screens say `kind` in the officer's words (`message` is the plugin's). */
export class ScanError extends Error {
  readonly kind: ScanErrorKind;

  constructor(kind: ScanErrorKind, message: string) {
    super(message);
    this.name = 'ScanError';
    this.kind = kind;
  }
}
