//! The fake backend's state: an append-only list of entries (seq 1, 2, 3 …), drafts, photo
//! metadata, settings and the open patrol — serializable so `npm run dev` keeps it across
//! reloads like the real app keeps its SQLite file. Corrections never edit an entry: a
//! supplement is appended and `effective()` applies it when reading.

import type {
  BundleExported, DispatchOrder, Draft, Fix, GroupId, Invalid, Language, PatrolMode, PositionSource, Reference, Receipt, Supplement,
  SyncState,
} from './types';
import { historyRecord, recordOf, type EntryKind, type HistoryRecord, type RecordOf } from '../lib/record';

/**
 * An entry as the fake keeps it. Its `kind` names the generated type of its `record` — the
 * types `history` sends (a track segment kept as its summary: the fake keeps the fixes on the
 * open patrol) — so the compiler checks what each command commits and what `history` answers.
 */
export type FakeEntry = {
  seq: number;
  id: string;
  wall_ms: number;
  cell: string | null;
  sync: SyncState;
  /** Why the fake HQ quarantined it: its code, its English reason, the rule it named. */
  quarantine?: FakeQuarantine;
} & HistoryRecord;

/** An entry of one kind. */
export type FakeEntryOf<K extends EntryKind> = FakeEntry & { kind: K; record: RecordOf<K> };

export type FakeQuarantine = { code: string; reason: string; invalid?: Invalid };

export type FakeOpenPatrol = {
  patrol_id: string;
  group: GroupId;
  mode: PatrolMode;
  started_ms: number;
  distance_m: number;
  fixes: number;
  cell: string | null;
  route: Fix[];
  unsealed: number;
};

/** One message of this unit's inbox at the fake HQ, as the device stores it (patrol-model's
 * `InboxMessage`): an order, or HQ taking one back. Kept by HQ's seq, oldest first. */
export type FakeInboxItem = {
  seq: number;
  received_ms: number;
  message: ({ message: 'order' } & DispatchOrder) | { message: 'withdrawn'; dispatch_id: string; reason: string };
};

export type FakeState = {
  version: 1;
  device_id: string;
  device_name: string | null;
  enrolled: boolean;
  hq_url: string | null;
  language: Language;
  reference: Reference | null;
  entries: FakeEntry[];
  drafts: Draft[];
  photos: Record<string, { size: number; mime: string; synced: boolean }>;
  open: FakeOpenPatrol | null;
  last_receipt: Receipt | null;
  last_sync_ms: number | null;
  position_source: PositionSource;
  sim_progress_m: number;
  /** Dispatches HQ sent this device (absent in states saved before dispatch existed). */
  inbox: FakeInboxItem[];
  /** What `export_bundle` wrote, oldest first: the fake's record of the station files it was
   * asked for (absent in states saved before export existed). */
  exports: BundleExported[];
};

let counter = 0;

/** A UUIDv7-shaped id (time-ordered), as the Rust side uses. */
export function uuid7(now: number): string {
  const hex = (n: number, len: number) => n.toString(16).padStart(len, '0').slice(-len);
  const rand = (len: number) => {
    const bytes = new Uint8Array(Math.ceil(len / 2));
    globalThis.crypto.getRandomValues(bytes);
    return [...bytes].map((b) => hex(b, 2)).join('').slice(0, len);
  };
  counter = (counter + 1) & 0xfff;
  const t = hex(now, 12);
  return `${t.slice(0, 8)}-${t.slice(8, 12)}-7${hex(counter, 3)}-${hex(0x8 | (Math.random() * 4), 1)}${rand(3)}-${rand(12)}`;
}

export function newState(now: number): FakeState {
  return {
    version: 1,
    device_id: uuid7(now),
    device_name: null,
    enrolled: false,
    hq_url: null,
    language: 'zh-CN',
    reference: null,
    entries: [],
    drafts: [],
    photos: {},
    open: null,
    last_receipt: null,
    last_sync_ms: null,
    position_source: 'simulated',
    sim_progress_m: 0,
    inbox: [],
    exports: [],
  };
}

export function loadState(storage: Storage | null | undefined, key: string): FakeState | null {
  if (!storage) return null;
  try {
    const raw = storage.getItem(key);
    const parsed = raw ? (JSON.parse(raw) as FakeState) : null;
    if (parsed && parsed.version === 1) {
      parsed.inbox ??= [];
      parsed.exports ??= [];
    }
    return parsed && parsed.version === 1 ? parsed : null;
  } catch {
    return null;
  }
}

export function saveState(storage: Storage | null | undefined, key: string, s: FakeState): void {
  if (!storage) return;
  try {
    storage.setItem(key, JSON.stringify(s));
  } catch {
    // storage full or unavailable: the fake still works in memory
  }
}

/** The supplements of entry `seq`, oldest first, each with its own seq. */
function supplementsOf(entries: FakeEntry[], seq: number): { seq: number; supplement: Supplement }[] {
  return entries.flatMap((e) => (e.kind === 'supplement' && e.record.target_seq === seq ? [{ seq: e.seq, supplement: e.record }] : []));
}

export function withdrawnBy(entries: FakeEntry[], seq: number): number | null {
  const w = supplementsOf(entries, seq).find((x) => !x.supplement.correction);
  return w ? w.seq : null;
}

export function correctedBy(entries: FakeEntry[], seq: number): number[] {
  return supplementsOf(entries, seq)
    .filter((x) => x.supplement.correction)
    .map((x) => x.seq);
}

/** The record as it stands: the last correction's body (a correction has its target's kind), or the original. */
export function effective<K extends EntryKind>(entries: FakeEntry[], e: FakeEntryOf<K>): RecordOf<K> {
  const last = supplementsOf(entries, e.seq)
    .flatMap((x) => (x.supplement.correction ? [x.supplement.correction] : []))
    .at(-1);
  return (last && recordOf(historyRecord(last), e.kind)) ?? e.record;
}

/** Entries that count: not supplements, not withdrawn. */
export function standing(entries: FakeEntry[]): FakeEntry[] {
  return entries.filter((e) => e.kind !== 'supplement' && withdrawnBy(entries, e.seq) === null);
}

export function clone<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}
