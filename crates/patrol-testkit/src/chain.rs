//! Ledgers sealed as a device seals them, for tests and benches that feed HQ directly.

use patrol_model::{
    DeviceId, Entry, EntryId, Hash, Record, UnsealedEntry, ViolationTally, ViolationType,
};

/// `records` (each with its time) sealed as `device`'s chain from seq 1: GNSS time = wall time =
/// the given time, monotonic time counted from the first — a ledger as a phone would have
/// written it.
pub fn sealed(device: DeviceId, records: Vec<(i64, Record)>) -> Vec<Entry> {
    let start_ms = records.first().map_or(0, |r| r.0);
    let mut prev = Hash::GENESIS;
    records
        .into_iter()
        .enumerate()
        .map(|(i, (t, r))| {
            let e = UnsealedEntry {
                device_id: device,
                seq: i as u64 + 1,
                id: EntryId::new(),
                kind: r.kind(),
                wall_ms: t,
                mono_ms: t - start_ms,
                gnss_ms: Some(t),
                cell: None,
                payload: r.encode_payload(),
                prev_hash: prev,
            }
            .seal()
            .expect("test records seal");
            prev = e.hash;
            e
        })
        .collect()
}

/// A violation tally of each type in turn, noted 第N起 (the Nth), at `now_ms` + N ms.
pub fn tally(n: u64) -> Record {
    Record::Violation(ViolationTally {
        note: Some(format!("第{n}起")),
        ..ViolationTally::new(ViolationType::ALL[n as usize % ViolationType::ALL.len()])
    })
}

/// `n` violation tallies sealed as `device`'s chain, one millisecond apart from `now_ms`.
pub fn tallies(device: DeviceId, n: u64, now_ms: i64) -> Vec<Entry> {
    sealed(
        device,
        (1..=n).map(|i| (now_ms + i as i64, tally(i))).collect(),
    )
}
