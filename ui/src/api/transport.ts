//! What the api client needs from a backend: call a command, make a progress channel, listen
//! to an event. `tauri.ts` implements it over IPC, `fake.ts` in memory.

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
}
