//! Pure planning of an upload: given HQ's head for a device, the hashes it already holds and a
//! batch of entries, decide what is new, duplicate, conflicting, quarantined or rejected. No I/O
//! — [`crate::service`] feeds it from storage and commits the resulting [`IngestPlan`]
//! atomically.
//!
//! Rules (SPINE.md): a re-sent entry with the same hash is a no-op; the same seq with another
//! hash is a conflict, kept aside, never overwriting — but only once HQ has recomputed that the
//! device's bytes really hash to what it claims, so no device can fill the operators' conflict
//! list with forged rows (and storage keeps at most [`MAX_CONFLICTS_PER_DEVICE`] per device);
//! the next seq must hash correctly and link to the head, or it is rejected and the upload
//! stops there (HQ cannot chain past it); an entry that chains but whose record does not decode
//! or validate, or whose grid cell is not a valid cell code, is stored *quarantined*: it holds
//! its seq so the queue moves on, and stays out of every figure. Clock problems are flagged,
//! never dropped; every sum and difference of device-supplied times is checked, so a forged
//! `i64::MIN` can neither panic HQ nor wrap into a believable time.

use crate::model::{Flag, IngestPlan, StoredEntry};
use patrol_model::fix::plausible_time;
use patrol_model::v1::{Conflict, EntryProblem, Head, Invalid};
use patrol_model::{Entry, Hash, Record};
use rayon::prelude::*;
use std::collections::HashMap;

/// Beyond this difference between clocks an entry is flagged.
pub const CLOCK_TOLERANCE_MS: i64 = 5 * 60 * 1000;

/// Conflicts HQ keeps per device. A real fork (a cloned or restored phone) shows within a few;
/// beyond this the device is misbehaving and more rows would only bury the operators' list.
pub const MAX_CONFLICTS_PER_DEVICE: u32 = 64;

#[derive(Debug, Clone)]
pub struct Planned {
    pub plan: IngestPlan,
    /// Each new entry's record as decoded while planning (`decoded[i]` is `plan.new[i]`'s;
    /// `None` when the entry is quarantined), so the rollups need not decode it again.
    pub decoded: Vec<Option<Record>>,
    pub duplicates: u32,
    pub quarantined: Vec<EntryProblem>,
    pub rejected: Vec<EntryProblem>,
    pub conflicts: Vec<Conflict>,
}

/// What HQ makes of the device's clock at this upload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeviceClock {
    /// Device − HQ, ms; saturating, so a forged `device_now_ms` cannot overflow it.
    pub skew_ms: i64,
    /// `device_now_ms` was a plausible time; otherwise the skew means nothing.
    pub plausible: bool,
}

impl DeviceClock {
    pub fn estimate(now_ms: i64, device_now_ms: i64) -> Self {
        Self {
            skew_ms: device_now_ms.saturating_sub(now_ms),
            plausible: plausible_time(device_now_ms),
        }
    }

    /// Off by more than the tolerance (or not a believable clock at all).
    pub fn skewed(&self) -> bool {
        !self.plausible || self.skew_ms.unsigned_abs() > CLOCK_TOLERANCE_MS.unsigned_abs()
    }
}

/// What an entry says by itself: its recomputed hash (or why it has none) and, for an entry
/// above the head whose hash holds, its stored form and decoded record (see [`stored_entry`]).
type Alone = (Result<Hash, String>, Option<(StoredEntry, Option<Record>)>);

/// Plan one upload. `held` maps seqs ≤ `head.seq` present in the batch to HQ's hashes;
/// `conflicts_held` is how many conflicts HQ already keeps for this device.
pub fn plan(
    head: Head,
    held: &HashMap<u64, Hash>,
    entries: &[Entry],
    now_ms: i64,
    device_now_ms: i64,
    conflicts_held: u32,
) -> Planned {
    let clock = DeviceClock::estimate(now_ms, device_now_ms);
    let mut sorted: Vec<&Entry> = entries.iter().collect();
    sorted.sort_by_key(|e| e.seq);
    sorted.dedup_by(|a, b| a.seq == b.seq && a.hash == b.hash);

    let mut out = Planned {
        plan: IngestPlan {
            expected_head: head.seq,
            skew_ms: clock.skew_ms,
            seen_ms: now_ms,
            max_conflicts: MAX_CONFLICTS_PER_DEVICE,
            ..IngestPlan::default()
        },
        decoded: vec![],
        duplicates: 0,
        quarantined: vec![],
        rejected: vec![],
        conflicts: vec![],
    };
    // What each entry says by itself — its recomputed hash and, above the head, its stored
    // form with the record decoded once — is worked out on every core; the walk along the
    // chain below stays in order. A batch is ~1,500 entries of 30 fixes each: the hashing and
    // decoding are most of HQ's time at ingest.
    let mut alone: Vec<Alone> = sorted
        .par_iter()
        .with_min_len(32)
        .map(|e| {
            let hash = e.compute_hash().map_err(|err| err.to_string());
            let stored = (e.seq > head.seq && hash.as_ref().is_ok_and(|h| *h == e.hash))
                .then(|| stored_entry(e, now_ms, clock));
            (hash, stored)
        })
        .collect();
    let mut conflict_room = MAX_CONFLICTS_PER_DEVICE.saturating_sub(conflicts_held);
    let (mut next, mut prev) = (head.seq.saturating_add(1), head.hash);
    for (i, e) in sorted.into_iter().enumerate() {
        let problem = |code: &str, reason: String| EntryProblem::new(e.seq, code, reason);
        // The device's claimed hash is believed only once recomputed from its bytes.
        let hash_ok = match &alone[i].0 {
            Ok(h) => *h == e.hash,
            Err(err) => {
                out.rejected.push(problem(
                    "bad_encoding",
                    format!("the entry has no canonical encoding: {err}"),
                ));
                break;
            }
        };
        if !hash_ok {
            out.rejected.push(problem(
                "bad_hash",
                "the entry's hash does not match its contents".into(),
            ));
            break;
        }
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
                    if conflict_room > 0 {
                        conflict_room -= 1;
                        out.plan.conflicts.push((c, e.clone()));
                    }
                }
                // Below the head but not handed to us: the caller always passes them.
                None => out.duplicates += 1,
            }
            continue;
        }
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
        if e.prev_hash != prev {
            out.rejected.push(problem(
                "bad_link",
                format!(
                    "prev_hash does not match HQ's hash of seq {}",
                    e.seq.saturating_sub(1)
                ),
            ));
            break;
        }
        let (stored, record) = alone[i]
            .1
            .take()
            .unwrap_or_else(|| stored_entry(e, now_ms, clock));
        if let Some(q) = &stored.quarantine {
            out.quarantined.push(q.clone());
        }
        prev = e.hash;
        next = next.saturating_add(1);
        out.plan.new.push(stored);
        out.decoded.push(record);
    }
    out
}

/// Flag the new patrol starts of `plan` whose group the city's reference data does not know.
/// The device warned the officer and saved anyway (a patrol is never refused in the street);
/// HQ keeps and counts it, and flags it so the command centre sees it.
pub fn flag_unknown_groups(plan: &mut IngestPlan, city: &patrol_model::City) {
    // Only patrol starts are read (decoding every track segment again would cost more than
    // the rest of the check).
    let starts = plan.new.iter_mut().filter(|s| {
        s.quarantine.is_none() && s.entry.kind == patrol_model::EntryKind::PatrolStarted
    });
    for s in starts {
        if let Ok(patrol_model::Record::PatrolStarted(p)) = s.entry.record()
            && !city.groups.iter().any(|g| g.id == p.group)
            && !s.flags.contains(&Flag::UnknownGroup)
        {
            s.flags.push(Flag::UnknownGroup);
        }
    }
}

/// Why a chained entry stays out of the figures, if it does, with the rule it broke.
fn quarantine_reason(e: &Entry) -> Option<(&'static str, String, Option<Invalid>)> {
    quarantine_of(e, &e.record()).err()
}

/// [`quarantine_reason`] for an entry whose payload was decoded once already (`record`).
fn quarantine_of(
    e: &Entry,
    record: &Result<patrol_model::Record, patrol_model::DecodeError>,
) -> Result<(), (&'static str, String, Option<Invalid>)> {
    if let Some(cell) = &e.cell
        && let Err(v) = patrol_model::validate_code("cell", cell.as_str())
    {
        let mut shown: String = v.reason.chars().take(120).collect();
        if shown.len() < v.reason.len() {
            shown.push('…');
        }
        return Err((
            "invalid_cell",
            format!("invalid cell: {shown}"),
            Some((&v).into()),
        ));
    }
    match record {
        Ok(r) => match r.validate() {
            Ok(()) => Ok(()),
            Err(v) => Err(("invalid_payload", format!("invalid {v}"), Some((&v).into()))),
        },
        Err(err) => Err(("invalid_payload", err.to_string(), None)),
    }
}

/// The rule a stored quarantined entry broke, worked out again from its bytes (HQ keeps the
/// code and the reason; the rule is never stored twice).
pub fn invalid_of(e: &Entry) -> Option<Invalid> {
    quarantine_reason(e).and_then(|(_, _, invalid)| invalid)
}

/// The flags and the event time of a chained entry. Times are believed only when plausible:
/// GNSS time first; else the wall clock, corrected by the skew when the clock is off; at worst
/// HQ's receipt time, flagged.
fn clock_of(e: &Entry, now_ms: i64, clock: DeviceClock) -> (Vec<Flag>, i64) {
    let mut flags = Vec::new();
    let wall_ok = plausible_time(e.wall_ms);
    let gnss = e.gnss_ms.filter(|g| plausible_time(*g));
    if !wall_ok || e.gnss_ms.is_some_and(|g| !plausible_time(g)) || !clock.plausible {
        flags.push(Flag::ImplausibleTime);
    }
    if wall_ok && e.wall_ms > now_ms.saturating_add(CLOCK_TOLERANCE_MS) {
        flags.push(Flag::Future);
    }
    if let Some(g) = gnss
        && wall_ok
        && e.wall_ms.abs_diff(g) > CLOCK_TOLERANCE_MS.unsigned_abs()
    {
        flags.push(Flag::GnssMismatch);
    }
    let skewed = clock.skewed();
    if skewed {
        flags.push(Flag::SkewedClock);
    }
    // The skew is worth applying even to a clock reset to 1970: what the device said at
    // upload is off by the same amount as what it stamped at capture (unless it was reset in
    // between, which no estimate can see).
    let corrected = if skewed {
        e.wall_ms.checked_sub(clock.skew_ms)
    } else {
        Some(e.wall_ms)
    }
    .filter(|t| plausible_time(*t));
    let event_ms = gnss.or(corrected).unwrap_or(now_ms);
    (flags, event_ms)
}

/// The stored form of a chained entry (event time, patrol, clock flags, quarantine) and its
/// record when it decodes and passes the rules (`None` when it is quarantined).
fn stored_entry(e: &Entry, now_ms: i64, clock: DeviceClock) -> (StoredEntry, Option<Record>) {
    // The payload is decoded once, for both the rules and the patrol.
    let record = e.record();
    let quarantine = quarantine_of(e, &record).err();
    let patrol_id = match (&quarantine, &record) {
        (None, Ok(r)) => r.patrol_id(),
        _ => None,
    };
    let (flags, event_ms) = clock_of(e, now_ms, clock);
    let kept = match quarantine {
        None => record.ok(),
        Some(_) => None,
    };
    let stored = StoredEntry {
        entry: e.clone(),
        received_ms: now_ms,
        event_ms,
        patrol_id,
        flags,
        quarantine: quarantine.map(|(code, reason, invalid)| EntryProblem {
            invalid,
            ..EntryProblem::new(e.seq, code, reason)
        }),
    };
    (stored, kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::flags;
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
        Record::Violation(ViolationTally::new(t))
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
        .expect("test entries encode")
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
        let p = plan(head_of(&e, 3), &held(&e, 3), &e[1..], NOW, NOW, 0);
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
        forged.hash = forged.compute_hash().expect("test entries encode");
        let p = plan(head_of(&e, 3), &held(&e, 3), &[forged.clone()], NOW, NOW, 0);
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
            let p = plan(head_of(&e, head), &held(&e, head), &entries, NOW, NOW, 0);
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
        relinked.hash = relinked.compute_hash().expect("test entries encode");
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
            0,
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
        // The records decoded while planning stand beside the new entries, one each: none for
        // the quarantined one, the entry's own record for the other.
        assert_eq!(p.decoded.len(), p.plan.new.len());
        assert!(p.decoded[0].is_none());
        assert_eq!(
            p.decoded[1].as_ref(),
            p.plan.new[1].entry.record().ok().as_ref()
        );
    }

    /// A batch long enough to be checked on every core plans as the same batch one entry at
    /// a time: the same new entries in order, each with its own record, and a break in the
    /// chain still stops the upload at the same seq.
    #[test]
    fn a_long_batch_plans_as_its_entries_one_by_one() {
        let d = DeviceId::new();
        let e = chain(d, 400);
        let whole = plan(head_of(&e, 0), &HashMap::new(), &e, NOW, NOW, 0);
        assert_eq!(whole.plan.new.len(), 400);
        assert_eq!(whole.decoded.len(), 400);
        let mut head = head_of(&e, 0);
        for (i, one) in e.iter().enumerate() {
            let p = plan(head, &held(&e, i), std::slice::from_ref(one), NOW, NOW, 0);
            assert_eq!(p.plan.new.len(), 1);
            assert_eq!(p.plan.new[0].entry, whole.plan.new[i].entry);
            assert_eq!(p.plan.new[0].event_ms, whole.plan.new[i].event_ms);
            assert_eq!(p.decoded, whole.decoded[i..=i]);
            head = head_of(&e, i + 1);
        }
        let mut broken = e.clone();
        broken[250].payload = violation(ViolationType::RedLight).encode_payload();
        let p = plan(head_of(&e, 0), &HashMap::new(), &broken, NOW, NOW, 0);
        assert_eq!(p.plan.new.len(), 250);
        assert_eq!(p.decoded.len(), 250);
        assert_eq!(p.rejected[0].seq, 251);
        assert_eq!(p.rejected[0].code, "bad_hash");
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
        .seal()
        .expect("test entries encode");
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
            0,
        );
        let s = &p.plan.new[0];
        assert_eq!(
            s.flags,
            [flags::FUTURE, flags::GNSS_MISMATCH, flags::SKEWED_CLOCK]
        );
        assert_eq!(s.event_ms, NOW, "GNSS time wins");
        assert_eq!(p.plan.skew_ms, 3_600_000);
    }

    fn genesis() -> Head {
        Head {
            seq: 0,
            hash: Hash::GENESIS,
        }
    }

    /// A device claiming a conflict must send bytes that really hash to what it claims, or
    /// nothing is kept aside; and no more than the cap is ever kept per device.
    #[test]
    fn conflicts_are_recomputed_and_capped() {
        let d = DeviceId::new();
        let e = chain(d, 3);
        let mut forged = e[1].clone();
        forged.payload = violation(ViolationType::RedLight).encode_payload();
        // The hash of the original, not of the new bytes: a forged conflict row.
        let p = plan(head_of(&e, 3), &held(&e, 3), &[forged.clone()], NOW, NOW, 0);
        assert!(p.conflicts.is_empty() && p.plan.conflicts.is_empty());
        assert_eq!(p.rejected[0].code, "bad_hash");

        forged.hash = forged.compute_hash().expect("encodes");
        let p = plan(head_of(&e, 3), &held(&e, 3), &[forged.clone()], NOW, NOW, 0);
        assert_eq!(p.plan.conflicts.len(), 1);
        assert_eq!(p.plan.max_conflicts, MAX_CONFLICTS_PER_DEVICE);
        let full = plan(
            head_of(&e, 3),
            &held(&e, 3),
            &[forged],
            NOW,
            NOW,
            MAX_CONFLICTS_PER_DEVICE,
        );
        assert_eq!(full.conflicts.len(), 1, "still reported to the device");
        assert!(
            full.plan.conflicts.is_empty(),
            "but not stored past the cap"
        );
    }

    /// Forged extreme times neither panic nor wrap into believable ones: the skew saturates,
    /// the entry is flagged, and its event time falls back to what HQ can believe.
    #[test]
    fn extreme_device_times_are_flagged_with_checked_arithmetic() {
        #[track_caller]
        fn check(
            wall_ms: i64,
            gnss_ms: Option<i64>,
            device_now_ms: i64,
            want: &[Flag],
            event: i64,
        ) {
            let d = DeviceId::new();
            let r = violation(ViolationType::NoHelmet);
            let e = UnsealedEntry {
                device_id: d,
                seq: 1,
                id: EntryId::new(),
                kind: r.kind(),
                wall_ms,
                mono_ms: i64::MIN,
                gnss_ms,
                cell: None,
                payload: r.encode_payload(),
                prev_hash: Hash::GENESIS,
            }
            .seal()
            .expect("encodes");
            let p = plan(genesis(), &HashMap::new(), &[e], NOW, device_now_ms, 0);
            let s = &p.plan.new[0];
            assert_eq!(
                s.flags, want,
                "wall {wall_ms} gnss {gnss_ms:?} now {device_now_ms}"
            );
            assert_eq!(s.event_ms, event);
        }
        use Flag::*;
        check(NOW, None, NOW, &[], NOW);
        check(NOW, None, i64::MIN, &[ImplausibleTime, SkewedClock], NOW);
        check(
            i64::MIN,
            None,
            i64::MIN,
            &[ImplausibleTime, SkewedClock],
            NOW,
        );
        check(
            i64::MAX,
            Some(i64::MIN),
            i64::MAX,
            &[ImplausibleTime, SkewedClock],
            NOW,
        );
        check(i64::MIN, Some(NOW - 5), NOW, &[ImplausibleTime], NOW - 5);
        // A phone that lost its battery and booted in 1970: the skew corrects its clock.
        let boot = 60_000;
        check(
            boot,
            None,
            boot + 1_000,
            &[ImplausibleTime, SkewedClock],
            NOW - 1_000,
        );
        // An hour slow but believable: corrected by the skew.
        check(NOW - 3_600_000, None, NOW - 3_600_000, &[SkewedClock], NOW);
        let p = plan(genesis(), &HashMap::new(), &[], NOW, i64::MIN, 0);
        assert_eq!(p.plan.skew_ms, i64::MIN);
    }

    /// A cell that is no cell code (too long, control characters) is quarantined: the entry
    /// chains, keeps its seq, and stays out of every figure.
    #[test]
    fn a_bad_cell_is_quarantined() {
        let d = DeviceId::new();
        let r = violation(ViolationType::NoHelmet);
        let make = |seq: u64, prev: Hash, cell: &str| {
            UnsealedEntry {
                device_id: d,
                seq,
                id: EntryId::new(),
                kind: r.kind(),
                wall_ms: NOW,
                mono_ms: 1,
                gnss_ms: None,
                cell: Some(patrol_model::CellId(cell.into())),
                payload: r.encode_payload(),
                prev_hash: prev,
            }
            .seal()
            .expect("encodes")
        };
        let long = make(1, Hash::GENESIS, &"x".repeat(70));
        let ctrl = make(2, long.hash, "WL\u{202e}01");
        let good = make(3, ctrl.hash, "WL-03-07");
        let p = plan(genesis(), &HashMap::new(), &[long, ctrl, good], NOW, NOW, 0);
        assert_eq!(p.plan.new.len(), 3);
        let codes: Vec<_> = p
            .quarantined
            .iter()
            .map(|q| (q.seq, q.code.as_str()))
            .collect();
        assert_eq!(codes, [(1, "invalid_cell"), (2, "invalid_cell")]);
        assert!(p.plan.new[2].quarantine.is_none());
    }

    #[test]
    fn a_start_with_a_group_the_city_lacks_is_flagged() {
        let d = DeviceId::new();
        let start = |group: &str| {
            patrol_model::Record::PatrolStarted(patrol_model::PatrolStart {
                patrol_id: patrol_model::PatrolId::new(),
                mode: patrol_model::PatrolMode::Foot,
                group: group.into(),
                officers: vec![],
                volunteers: Default::default(),
                vehicle_plate: None,
            })
        };
        let a = UnsealedEntry {
            device_id: d,
            seq: 1,
            id: EntryId::new(),
            kind: patrol_model::EntryKind::PatrolStarted,
            wall_ms: NOW,
            mono_ms: 1,
            gnss_ms: None,
            cell: None,
            payload: start("G07").encode_payload(),
            prev_hash: Hash::GENESIS,
        }
        .seal()
        .expect("encodes");
        let b = UnsealedEntry {
            seq: 2,
            id: EntryId::new(),
            payload: start("G99").encode_payload(),
            prev_hash: a.hash,
            device_id: d,
            kind: patrol_model::EntryKind::PatrolStarted,
            wall_ms: NOW,
            mono_ms: 2,
            gnss_ms: None,
            cell: None,
        }
        .seal()
        .expect("encodes");
        let mut p = plan(genesis(), &HashMap::new(), &[a, b], NOW, NOW, 0);
        let city: patrol_model::City = serde_json::from_value(serde_json::json!({
            "name": "常德", "timezone": "Asia/Shanghai",
            "groups": [{"id": "G07", "name": "第七组"}]
        }))
        .unwrap();
        flag_unknown_groups(&mut p.plan, &city);
        assert!(p.plan.new[0].flags.is_empty());
        assert_eq!(p.plan.new[1].flags, [Flag::UnknownGroup]);
    }
}
