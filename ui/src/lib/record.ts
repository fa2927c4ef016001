//! Reading history records by kind. Rust sends `HistoryItem` as a union on `kind`: each kind
//! names the generated type of its `record` (a supplement's correction is a `LedgerRecord`, its
//! `body` typed by the same kind), so the screens narrow on `kind` instead of guessing at JSON.

import type { HistoryItem, LedgerRecord, Supplement } from '../api/types';

export type EntryKind = HistoryItem['kind'];
/** Each kind's record type. */
type RecordMap = { [K in EntryKind]: Extract<HistoryItem, { kind: K }>['record'] };
/** The record type a history item of kind `K` carries. */
export type RecordOf<K extends EntryKind> = RecordMap[K];
/** The history item of one kind (its `record` typed by that kind). */
export type ItemOf<K extends EntryKind> = HistoryItem & { kind: K; record: RecordMap[K] };
/** The part of a history item that varies by kind: the kind and its record. */
export type HistoryRecord = { [K in EntryKind]: { kind: K; record: RecordOf<K> } }[EntryKind];

/** Whether `x` (a history item, or any kind with its record) is of kind `kind`: narrows a generic
 * kind the way `x.kind === 'violation'` narrows a literal one. */
export function isKind<T extends HistoryRecord, K extends EntryKind>(x: T, kind: K): x is T & { kind: K; record: RecordOf<K> } {
  return x.kind === kind;
}

/** The record of `x` when it is of kind `kind`, else null. */
export function recordOf<K extends EntryKind>(x: HistoryRecord, kind: K): RecordOf<K> | null {
  return isKind(x, kind) ? x.record : null;
}

/** The supplement a `supplement` entry holds; null for any other entry. */
export function supplementOf(item: HistoryItem): Supplement | null {
  return item.kind === 'supplement' ? item.record : null;
}

/**
 * A ledger record (a correction's) as the history shows it: the same body, except that a track
 * segment is summarized to its count of fixes and their first and last times (Rust's
 * `HistoryRecord::from`).
 */
export function historyRecord(r: LedgerRecord): HistoryRecord {
  switch (r.kind) {
    case 'track_segment': {
      const times = r.body.fixes.map((f) => f.time_ms).filter((ms): ms is number => ms !== null && ms !== undefined);
      return {
        kind: r.kind,
        record: {
          patrol_id: r.body.patrol_id,
          fixes: r.body.fixes.length,
          first_ms: times.length ? Math.min(...times) : null,
          last_ms: times.length ? Math.max(...times) : null,
        },
      };
    }
    case 'patrol_started':
      return { kind: r.kind, record: r.body };
    case 'patrol_stopped':
      return { kind: r.kind, record: r.body };
    case 'violation':
      return { kind: r.kind, record: r.body };
    case 'lost_person':
      return { kind: r.kind, record: r.body };
    case 'traffic_accident':
      return { kind: r.kind, record: r.body };
    case 'assistance':
      return { kind: r.kind, record: r.body };
    case 'incident':
      return { kind: r.kind, record: r.body };
    case 'post_arrived':
      return { kind: r.kind, record: r.body };
    case 'post_left':
      return { kind: r.kind, record: r.body };
    case 'supplement':
      return { kind: r.kind, record: r.body };
    case 'dispatch_step':
      return { kind: r.kind, record: r.body };
    case 'track_gap':
      return { kind: r.kind, record: r.body };
  }
}

/**
 * The item as it stands: its record replaced by the newest correction's body (the supplement
 * found in `all`), else the item itself. A correction has the same kind as its target; one that
 * does not (Rust refuses it) is ignored.
 */
export function standing(item: HistoryItem, all: readonly HistoryItem[]): HistoryItem {
  const last = Math.max(0, ...item.corrected_by);
  const supp = last ? all.find((i) => i.seq === last) : undefined;
  const c = supp && supplementOf(supp)?.correction;
  if (!c || c.kind !== item.kind) return item;
  return { ...item, ...historyRecord(c) };
}

/** The record as it stands (the newest correction's body, else the original), typed by the item's kind. */
export function standingRecord<K extends EntryKind>(item: ItemOf<K>, all: readonly HistoryItem[]): RecordOf<K> {
  return recordOf(standing(item, all), item.kind) ?? item.record;
}
