//! Pure planning of an upload: given HQ's head for a device, the hashes it already holds and a
//! batch of entries, decide what is new, duplicate, conflicting, quarantined or rejected. No I/O
//! — the handler feeds it from storage and commits the resulting [`IngestPlan`] atomically.
//!
//! Rules (SPINE.md): a re-sent entry with the same hash is a no-op; the same seq with another
//! hash is a conflict, kept aside, never overwriting; the next seq must hash correctly and link
//! to the head, or it is rejected and the upload stops there (HQ cannot chain past it); an entry
//! that chains but whose record does not decode or validate is stored *quarantined*: it holds its
//! seq so the queue moves on, and stays out of every figure. Clock problems are flagged, never
//! dropped.

use crate::storage::{IngestPlan, StoredEntry, flags};
use patrol_model::v1::{Conflict, EntryProblem, Head};
use patrol_model::{Entry, Hash};
use std::collections::HashMap;

/// Beyond this difference between clocks an entry is flagged.
pub const CLOCK_TOLERANCE_MS: i64 = 5 * 60 * 1000;

#[derive(Debug, Clone)]
pub struct Planned {
    pub plan: IngestPlan,
    pub duplicates: u32,
    pub quarantined: Vec<EntryProblem>,
    pub rejected: Vec<EntryProblem>,
    pub conflicts: Vec<Conflict>,
}

/// Plan one upload. `held` maps seqs ≤ `head.seq` present in the batch to HQ's hashes.
pub fn plan(
    head: Head,
    held: &HashMap<u64, Hash>,
    entries: &[Entry],
    now_ms: i64,
    device_now_ms: i64,
) -> Planned {
    let skew_ms = device_now_ms - now_ms;
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by_key(|e| e.seq);
    sorted.dedup_by(|a, b| a.seq == b.seq && a.hash == b.hash);

    let mut out = Planned {
        plan: IngestPlan {
            expected_head: head.seq,
            skew_ms,
            seen_ms: now_ms,
            ..IngestPlan::default()
        },
        duplicates: 0,
        quarantined: vec![],
        rejected: vec![],
        conflicts: vec![],
    };
    let (mut next, mut prev) = (head.seq + 1, head.hash);
    for e in sorted {
        if e.seq < next {
            let ours = held.get(&e.seq).copied().or_else(|| {
                out.plan
                    .new
                    .iter()
                    .find(|s| s.entry.seq == e.seq)
                    .map(|s| s.entry.hash)
            });
            match ours {
                Some(h) if h == e.hash => out.duplicates += 1,
                Some(h) => {
                    let c = Conflict {
                        seq: e.seq,
                        hq_hash: h,
                        device_hash: e.hash,
                    };
                    out.conflicts.push(c.clone());
                    out.plan.conflicts.push((c, e.clone()));
                }
                // Below the head but not handed to us: the caller always passes them.
                None => out.duplicates += 1,
            }
            continue;
        }
        let problem = |code: &str, reason: String| EntryProblem {
            seq: e.seq,
            code: code.into(),
            reason,
        };
        if e.seq > next {
            out.rejected.push(problem(
                "gap",
                format!(
                    "expected seq {next} next, got {}; send from HQ's head",
                    e.seq
                ),
            ));
            break;
        }
        if e.compute_hash() != e.hash {
            out.rejected.push(problem(
                "bad_hash",
                "the entry's hash does not match its contents".into(),
            ));
            break;
        }
        if e.prev_hash != prev {
            out.rejected.push(problem(
                "bad_link",
                format!("prev_hash does not match HQ's hash of seq {}", e.seq - 1),
            ));
            break;
        }
        let stored = stored_entry(e, now_ms, skew_ms);
        if let Some(q) = &stored.quarantine {
            out.quarantined.push(q.clone());
        }
        prev = e.hash;
        next += 1;
        out.plan.new.push(stored);
    }
    out
}

/// The stored form of a chained entry: event time, patrol, clock flags, quarantine.
fn stored_entry(e: &Entry, now_ms: i64, skew_ms: i64) -> StoredEntry {
    let (record, quarantine) = match e.record() {
        Ok(r) => match r.validate() {
            Ok(()) => (Some(r), None),
            Err(v) => (None, Some(("invalid_payload", format!("invalid {v}")))),
        },
        Err(err) => (None, Some(("invalid_payload", err.to_string()))),
    };
    let mut f = Vec::new();
    if e.wall_ms > now_ms + CLOCK_TOLERANCE_MS {
        f.push(flags::FUTURE.to_string());
    }
    if e.gnss_ms
        .is_some_and(|g| (e.wall_ms - g).abs() > CLOCK_TOLERANCE_MS)
    {
        f.push(flags::GNSS_MISMATCH.to_string());
    }
    let skewed = skew_ms.abs() > CLOCK_TOLERANCE_MS;
    if skewed {
        f.push(flags::SKEWED_CLOCK.to_string());
    }
    // GNSS time when known; else the wall clock, corrected by the skew seen now when it is large.
    let event_ms = e.gnss_ms.unwrap_or(if skewed {
        e.wall_ms - skew_ms
    } else {
        e.wall_ms
    });
    StoredEntry {
        entry: e.clone(),
        received_ms: now_ms,
        event_ms,
        patrol_id: record.as_ref().and_then(|r| r.patrol_id()),
        flags: f,
        quarantine: quarantine.map(|(code, reason)| EntryProblem {
            seq: e.seq,
            code: code.into(),
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use patrol_model::{DeviceId, EntryId, Record, UnsealedEntry, ViolationTally, ViolationType};

    const NOW: i64 = 1_764_374_400_000;

    fn chain(device: DeviceId, n: u64) -> Vec<Entry> {
        let mut prev = Hash::GENESIS;
        (1..=n)
            .map(|seq| {
                let r = violation(ViolationType::NoHelmet);
                let e = entry(device, seq, prev, r.encode_payload(), NOW - 60_000);
                prev = e.hash;
                e
            })
            .collect()
    }

    fn violation(t: ViolationType) -> Record {
        Record::Violation(ViolationTally {
            patrol_id: None,
            violation: t,
            plate: None,
            vehicle: None,
            seized_items: 0,
            photos: vec![],
            at: None,
            note: None,
        })
    }

    fn entry(device: DeviceId, seq: u64, prev: Hash, payload: Vec<u8>, wall_ms: i64) -> Entry {
        UnsealedEntry {
            device_id: device,
            seq,
            id: EntryId::new(),
            kind: patrol_model::EntryKind::Violation,
            wall_ms,
            mono_ms: 1,
            gnss_ms: None,
            cell: None,
            payload,
            prev_hash: prev,
        }
        .seal()
    }

    fn head_of(entries: &[Entry], n: usize) -> Head {
        if n == 0 {
            Head {
                seq: 0,
                hash: Hash::GENESIS,
            }
        } else {
            Head {
                seq: n as u64,
                hash: entries[n - 1].hash,
            }
        }
    }

    fn held(entries: &[Entry], n: usize) -> HashMap<u64, Hash> {
        entries[..n].iter().map(|e| (e.seq, e.hash)).collect()
    }

    #[test]
    fn new_duplicate_and_conflict() {
        let d = DeviceId::new();
        let e = chain(d, 5);
        // HQ holds 1–3; the device re-sends 2–5.
        let p = plan(head_of(&e, 3), &held(&e, 3), &e[1..], NOW, NOW);
        assert_eq!(p.duplicates, 2);
        assert_eq!(
            p.plan.new.iter().map(|s| s.entry.seq).collect::<Vec<_>>(),
            [4, 5]
        );
        assert!(p.rejected.is_empty() && p.conflicts.is_empty());

        // Same seq 3, different bytes: conflict, kept aside; 4 and 5 link to HQ's 3? No: they
        // link to the device's original 3, which is HQ's — still fine.
        let mut forged = e[2].clone();
        forged.payload = violation(ViolationType::RedLight).encode_payload();
        forged.hash = forged.compute_hash();
        let p = plan(head_of(&e, 3), &held(&e, 3), &[forged.clone()], NOW, NOW);
        assert_eq!(
            p.conflicts,
            [Conflict {
                seq: 3,
                hq_hash: e[2].hash,
                device_hash: forged.hash
            }]
        );
        assert!(p.plan.new.is_empty());
    }

    #[test]
    fn rejections_stop_the_upload() {
        let d = DeviceId::new();
        let e = chain(d, 4);
        let check = |entries: Vec<Entry>, head: usize, code: &str, accepted: usize| {
            let p = plan(head_of(&e, head), &held(&e, head), &entries, NOW, NOW);
            assert_eq!(
                p.rejected.first().map(|r| r.code.as_str()),
                Some(code),
                "{:?}",
                p.rejected
            );
            assert_eq!(p.plan.new.len(), accepted);
        };
        check(e[2..].to_vec(), 0, "gap", 0);
        let mut tampered = e[1].clone();
        tampered.payload[3] ^= 1;
        check(vec![e[0].clone(), tampered, e[2].clone()], 0, "bad_hash", 1);
        let mut relinked = e[1].clone();
        relinked.prev_hash = Hash([9; 32]);
        relinked.hash = relinked.compute_hash();
        check(vec![e[0].clone(), relinked], 0, "bad_link", 1);
    }

    #[test]
    fn invalid_payload_is_quarantined_and_the_queue_moves_on() {
        let d = DeviceId::new();
        let bad_payload = br#"{"type":"no-helmet","at":{"lat":95.0,"lon":111.0}}"#.to_vec();
        let first = entry(d, 1, Hash::GENESIS, bad_payload, NOW);
        let second = entry(
            d,
            2,
            first.hash,
            violation(ViolationType::RedLight).encode_payload(),
            NOW,
        );
        let p = plan(
            Head {
                seq: 0,
                hash: Hash::GENESIS,
            },
            &HashMap::new(),
            &[first, second],
            NOW,
            NOW,
        );
        assert_eq!(p.plan.new.len(), 2);
        assert_eq!(p.quarantined.len(), 1);
        assert_eq!(p.quarantined[0].seq, 1);
        assert!(
            p.quarantined[0].reason.contains("lat"),
            "{}",
            p.quarantined[0].reason
        );
        assert!(p.plan.new[1].quarantine.is_none());
    }

    #[test]
    fn clock_problems_are_flagged_not_dropped() {
        let d = DeviceId::new();
        let mut future = entry(
            d,
            1,
            Hash::GENESIS,
            violation(ViolationType::Jaywalking).encode_payload(),
            NOW + 3_600_000,
        );
        future.gnss_ms = Some(NOW);
        let future = UnsealedEntry {
            device_id: d,
            seq: 1,
            id: future.id,
            kind: future.kind,
            wall_ms: future.wall_ms,
            mono_ms: 1,
            gnss_ms: Some(NOW),
            cell: None,
            payload: future.payload,
            prev_hash: Hash::GENESIS,
        }
        .seal();
        // The device says it is an hour ahead.
        let p = plan(
            Head {
                seq: 0,
                hash: Hash::GENESIS,
            },
            &HashMap::new(),
            &[future],
            NOW,
            NOW + 3_600_000,
        );
        let s = &p.plan.new[0];
        assert_eq!(
            s.flags,
            [flags::FUTURE, flags::GNSS_MISMATCH, flags::SKEWED_CLOCK]
        );
        assert_eq!(s.event_ms, NOW, "GNSS time wins");
        assert_eq!(p.plan.skew_ms, 3_600_000);
    }
}
