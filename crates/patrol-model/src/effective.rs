//! Supplements applied: what the ledger *means* now. A correction replaces the record of the
//! entry it names, a withdrawal hides it, and the original entry stays untouched in the ledger.
//! Device views and HQ projections both read entries through this one function.

use crate::{DecodeError, Entry, EntryKind, Record};

/// One entry as it currently stands.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    /// The original entry (its seq, times and cell are what was captured).
    pub entry: Entry,
    /// The record after the latest correction.
    pub record: Record,
    /// Seqs of supplements that corrected it, oldest first.
    pub corrected_by: Vec<u64>,
    /// Seq of the supplement that withdrew it.
    pub withdrawn_by: Option<u64>,
}

impl Effective {
    /// Best estimate of when it happened: GNSS time when known, else the device's wall clock.
    pub fn event_ms(&self) -> i64 {
        self.entry.gnss_ms.unwrap_or(self.entry.wall_ms)
    }
}

/// Apply the supplements among `entries` (any order; processed in seq order). Supplements
/// themselves are not returned; withdrawn entries are returned with `withdrawn_by` set.
/// A supplement naming an entry not in `entries` is ignored here (it may name an older one).
pub fn apply_supplements(entries: &[Entry]) -> Result<Vec<Effective>, DecodeError> {
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by_key(|e| e.seq);
    let mut out: Vec<Effective> = Vec::with_capacity(sorted.len());
    let mut index = std::collections::HashMap::new();
    for e in sorted {
        let record = e.record()?;
        if let Record::Supplement(s) = record {
            if let Some(&i) = index.get(&s.target_seq) {
                let target: &mut Effective = &mut out[i];
                if target.entry.id != s.target_id {
                    continue;
                }
                match s.correction {
                    Some(c) if c.kind() == target.entry.kind => {
                        target.record = *c;
                        target.corrected_by.push(e.seq);
                    }
                    Some(_) => {}
                    None => target.withdrawn_by = Some(e.seq),
                }
            }
            continue;
        }
        index.insert(e.seq, out.len());
        out.push(Effective {
            entry: e.clone(),
            record,
            corrected_by: vec![],
            withdrawn_by: None,
        });
    }
    Ok(out)
}

/// Only the entries that still stand.
pub fn standing(entries: &[Entry]) -> Result<Vec<Effective>, DecodeError> {
    Ok(apply_supplements(entries)?
        .into_iter()
        .filter(|e| e.withdrawn_by.is_none())
        .collect())
}

/// Kinds that supplements can act on when a view asks for `kinds`.
pub fn with_supplements(kinds: &[EntryKind]) -> Vec<EntryKind> {
    let mut k = kinds.to_vec();
    k.push(EntryKind::Supplement);
    k
}
