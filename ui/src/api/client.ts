//! The typed api over a Transport: one method per contract command, every rejection normalized
//! to `ApiError`. Screens import `api` from `./index` and never see the transport.

import { toApiError } from './errors';
import type { Transport, Unlisten } from './transport';
import type { Command, Commands, Dispatch, EventName, Events, Receipt, SyncProgress, VisitEvidence } from './types';
import { normalizeDispatch } from '../lib/dispatch';

export type Api = ReturnType<typeof makeApi>;

/** The commands that save something the officer did: each answer is felt (issue 12: "a haptic
 * confirmation on every saved tap"), a buzz when kept and another when refused. */
export const SAVING: ReadonlySet<Command> = new Set<Command>([
  'start_patrol',
  'stop_patrol',
  'record_violation',
  'add_violation_details',
  'submit_report',
  'post_arrive',
  'post_leave',
  'supplement',
  'dispatch_step',
]);

/**
 * A tile's bytes as an ArrayBuffer: Rust's raw `ipc::Response` arrives as one; a typed array
 * or a plain number array (an older IPC path, JSON) is copied into one; anything else is "no tile".
 */
export function tileBytes(v: unknown): ArrayBuffer {
  if (v instanceof ArrayBuffer) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength).slice().buffer;
  if (Array.isArray(v)) return Uint8Array.from(v as number[]).buffer;
  return new ArrayBuffer(0);
}

export function makeApi(t: Transport) {
  async function call<C extends Command>(cmd: C, args?: Commands[C]['args']): Promise<Commands[C]['ret']> {
    try {
      const out = (await t.invoke(cmd, args as Record<string, unknown> | undefined)) as Commands[C]['ret'];
      if (SAVING.has(cmd)) t.feedback?.('saved');
      return out;
    } catch (e) {
      if (SAVING.has(cmd)) t.feedback?.('refused');
      throw toApiError(e);
    }
  }
  return {
    backend: t.name,
    call,
    home: () => call('home'),
    reference: () => call('reference'),
    enroll: (a: Commands['enroll']['args']) => call('enroll', a),
    startPatrol: (a: Commands['start_patrol']['args']) => call('start_patrol', a),
    lastShift: () => call('last_shift'),
    stopPatrol: () => call('stop_patrol'),
    livePatrol: () => call('live_patrol'),
    recordViolation: (a: Commands['record_violation']['args']) => call('record_violation', a),
    addViolationDetails: (a: Commands['add_violation_details']['args']) => call('add_violation_details', a),
    submitReport: (a: Commands['submit_report']['args']) => call('submit_report', a),
    addPhoto: (data_base64: string) => call('add_photo', { data_base64 }),
    saveDraft: (a: Commands['save_draft']['args']) => call('save_draft', a),
    drafts: () => call('drafts'),
    discardDraft: (id: string) => call('discard_draft', { id }),
    postDuty: () => call('post_duty'),
    postArrive: (a: Commands['post_arrive']['args']) => call('post_arrive', a),
    postLeave: (post_id: string, evidence?: VisitEvidence) =>
      call('post_leave', evidence ? { post_id, evidence } : { post_id }),
    postSuggestion: () => call('post_suggestion'),
    /** `tracks: false` leaves track segments out, so `limit` counts what the officer reads. */
    history: (limit?: number, tracks?: boolean) =>
      call('history', { ...(limit === undefined ? {} : { limit }), ...(tracks === undefined ? {} : { tracks }) }),
    supplement: (a: Commands['supplement']['args']) => call('supplement', a),
    syncNow: (onProgress: (p: SyncProgress) => void): Promise<Receipt> =>
      call('sync_now', { on_progress: t.channel<SyncProgress>(onProgress) }),
    syncStatus: () => call('sync_status'),
    syncQueue: () => call('sync_queue'),
    /** Write the station bundle (everything HQ does not yet hold) to a file; works offline. */
    exportBundle: () => call('export_bundle'),
    getSettings: () => call('get_settings'),
    setSettings: (s: Commands['set_settings']['args']) => call('set_settings', s),
    startPositionSource: (a: Commands['start_position_source']['args']) => call('start_position_source', a),
    /** Every dispatch on this device, newest order first; optional fields Rust omits come back as null. */
    dispatches: async (): Promise<Dispatch[]> => (await call('dispatches')).map(normalizeDispatch),
    /** One step of the officer (`cleared` needs `outcome`, `declined` needs `reason`); the dispatch as it stands after. */
    dispatchStep: async (a: Commands['dispatch_step']['args']): Promise<Dispatch> => normalizeDispatch(await call('dispatch_step', a)),
    sceneSuggestion: () => call('scene_suggestion'),
    /** The map pack on this device (null draws the schematic) and one still downloading. */
    mapPack: () => call('map_pack'),
    /** One tile's bytes (`z/x/y`, y from the north); empty when the pack has none there. */
    mapTile: async (z: number, x: number, y: number): Promise<ArrayBuffer> => tileBytes(await call('map_tile', { z, x, y })),
    on<E extends EventName>(event: E, handler: (payload: Events[E]) => void): Promise<Unlisten> {
      return t.listen(event, handler);
    },
    appVersion: () => t.appVersion().catch(() => __APP_VERSION__),
    /** The camera's QR scanner where the device has one (phones), else null: one code's text,
     * null when the officer cancelled; rejects with a `ScanError`. */
    scanQr: scanner(t),
  };
}

/** The transport's scanner as a plain function, or null when it has none. */
function scanner(t: Transport): (() => Promise<string | null>) | null {
  const scan = t.scanQr;
  return scan ? () => scan.call(t) : null;
}
