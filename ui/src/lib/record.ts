//! Reading ledger record bodies. Rust sends `HistoryItem.record` as plain JSON (`JsonValue`:
//! a record's body depends on its kind, and the supplement's shape is not a generated type), so
//! the screens read it through these few helpers instead of assuming an object.

import type { HistoryItem, JsonValue } from '../api/types';

export type JsonObject = { [key: string]: JsonValue };

/** `v` when it is a JSON object, else null. */
export function asObject(v: JsonValue | undefined): JsonObject | null {
  return v !== null && v !== undefined && typeof v === 'object' && !Array.isArray(v) ? v : null;
}

/** patrol-model's `Supplement`: a correction (with the corrected body) or, without one, a withdrawal. */
export type SupplementRecord = {
  target_seq: number;
  reason: string;
  correction: { kind: string; body: JsonObject } | null;
};

/** The supplement a `supplement` entry holds; null for any other entry. */
export function supplementOf(item: HistoryItem): SupplementRecord | null {
  const r = item.kind === 'supplement' ? asObject(item.record) : null;
  if (!r) return null;
  const c = asObject(r.correction);
  const body = c && asObject(c.body);
  return {
    target_seq: Number(r.target_seq),
    reason: typeof r.reason === 'string' ? r.reason : '',
    correction: c && body ? { kind: String(c.kind ?? ''), body } : null,
  };
}

/** The body as it stands: the newest correction's (found in `all`), else the original. */
export function standingRecord(item: HistoryItem, all: readonly HistoryItem[]): JsonObject {
  const last = Math.max(0, ...item.corrected_by);
  const supp = last ? all.find((i) => i.seq === last) : undefined;
  return (supp && supplementOf(supp)?.correction?.body) ?? asObject(item.record) ?? {};
}
