//! What a sync tells the officer: progress while it runs, and the receipt at the end — what HQ
//! holds (seq range, photos), what is pending, what is quarantined, and a stuck queue plainly.

use patrol_device::{Quarantined, Store};
use patrol_model::v1::Receipt;
use std::fmt;
use std::time::Duration;

/// Steps of a running sync, for a progress line or bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    /// The local chain verified: the whole ledger when its check was due, else the entries
    /// about to be sent (`entries` read either way).
    Checked { entries: u64 },
    /// HQ answered and speaks this device's protocol.
    Connected { server: String, version: String },
    /// Reference data changed since the last cursor and was saved.
    Reference {
        cells: usize,
        posts: usize,
        groups: usize,
        removed: usize,
    },
    /// HQ now holds entries through `through` of `of`.
    Uploaded { through: u64, of: u64 },
    /// A request failed in a way worth retrying; waiting before the next try.
    Retrying {
        attempt: u32,
        wait: Duration,
        error: String,
    },
    /// Photo bytes HQ holds so far.
    Photo {
        sha256: String,
        sent: u64,
        size: u64,
    },
    /// HQ's receipt arrived.
    Receipt { head: u64 },
    /// Dispatch orders new to this device arrived from HQ.
    Dispatches { new: usize },
    /// Map pack bytes saved on the device so far, of its size.
    MapPack { have: u64, total: u64 },
}

/// The end of a sync: HQ's receipt and what is left on the device.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncReport {
    /// What HQ says it holds of this device.
    pub receipt: Receipt,
    /// The newest local seq.
    pub local_head: u64,
    /// Entries HQ does not hold yet (local head − HQ's head).
    pub pending: u64,
    /// Entries HQ keeps out of its figures, refused, or holds differently; with reasons.
    pub quarantined: Vec<Quarantined>,
    /// Photos named by entries that HQ does not hold yet.
    pub photos_pending: u64,
    /// Why the queue cannot move on its own; a bug to report. `None` when it is fine.
    pub stuck: Option<String>,
    /// Why entries still wait although the queue is not (yet) called stuck.
    pub waiting: Option<String>,
    /// Things that went wrong without stopping the sync (a photo, the reference data).
    pub problems: Vec<String>,
    /// Entries HQ newly stored in this sync.
    pub uploaded: u32,
    /// Entries HQ already held (re-sent after an interrupted sync).
    pub duplicates: u32,
    /// Photos completed in this sync.
    pub photos_uploaded: u32,
    /// HTTP requests made, retries included.
    pub attempts: u32,
    /// Requests retried after a transient failure.
    pub retries: u32,
    /// Dispatch orders new to this device, pulled in this sync (alert the officer).
    pub new_dispatches: Vec<patrol_model::DispatchId>,
}

impl SyncReport {
    /// Everything reached HQ and nothing went wrong.
    pub fn is_clean(&self) -> bool {
        self.stuck.is_none()
            && self.problems.is_empty()
            && self.pending == 0
            && self.photos_pending == 0
    }
}

/// "HQ holds seq 1–42 (42 entries), 3 photos"
pub fn receipt_summary(r: &Receipt) -> String {
    let photos = plural(r.photo_count(), "photo", "photos");
    if r.head.seq == 0 {
        format!("HQ holds no entries yet, {photos}")
    } else {
        format!(
            "HQ holds seq 1–{} ({}), {photos}",
            r.head.seq,
            plural(r.entries_held, "entry", "entries")
        )
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

impl fmt::Display for SyncReport {
    /// The officer's receipt: one summary line, then one line per quarantined entry, problem,
    /// and the queue's state when it is not moving.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; pending {}; quarantined {}",
            receipt_summary(&self.receipt),
            self.pending,
            self.quarantined.len()
        )?;
        if self.photos_pending > 0 {
            write!(f, "; photos pending {}", self.photos_pending)?;
        }
        for q in &self.quarantined {
            write!(
                f,
                "\n  quarantined seq {} ({}): {}",
                q.seq, q.code, q.reason
            )?;
        }
        for p in &self.problems {
            write!(f, "\n  problem: {p}")?;
        }
        if let Some(w) = &self.waiting {
            write!(f, "\n  waiting: {w}; the next sync tries again")?;
        }
        if let Some(s) = &self.stuck {
            write!(f, "\n  STUCK: {s}; report this to HQ")?;
        }
        Ok(())
    }
}

/// The receipt of the last sync and when (device clock, ms) it arrived.
pub fn last_receipt(store: &Store) -> crate::Result<Option<(Receipt, i64)>> {
    let Some(saved) = store.last_receipt()? else {
        return Ok(None);
    };
    // A receipt this build cannot read (written by a newer app) is treated as absent.
    Ok(serde_json::from_str(&saved.json)
        .ok()
        .map(|r| (r, saved.saved_ms)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use patrol_model::v1::Head;
    use patrol_model::{DeviceId, Hash};

    fn report(seq: u64, photos: usize) -> SyncReport {
        SyncReport {
            receipt: Receipt {
                device_id: DeviceId::new(),
                head: Head {
                    seq,
                    hash: Hash::GENESIS,
                },
                entries_held: seq,
                photos: vec!["ab".repeat(32); photos],
                photos_held: 0,
                quarantined: vec![],
                conflicts: vec![],
                skew_ms: 0,
                hq_time_ms: 0,
            },
            local_head: seq,
            pending: 0,
            quarantined: vec![],
            photos_pending: 0,
            stuck: None,
            waiting: None,
            problems: vec![],
            uploaded: 0,
            duplicates: 0,
            photos_uploaded: 0,
            attempts: 0,
            retries: 0,
            new_dispatches: vec![],
        }
    }

    #[test]
    fn the_receipt_reads_as_the_officer_expects() {
        #[track_caller]
        fn check(r: SyncReport, expected: &str) {
            assert_eq!(r.to_string(), expected);
        }
        check(
            report(42, 3),
            "HQ holds seq 1–42 (42 entries), 3 photos; pending 0; quarantined 0",
        );
        check(
            report(1, 1),
            "HQ holds seq 1–1 (1 entry), 1 photo; pending 0; quarantined 0",
        );
        check(
            report(0, 0),
            "HQ holds no entries yet, 0 photos; pending 0; quarantined 0",
        );
        // An HQ that counts its photos lists only those asked about.
        let mut r = report(42, 1);
        r.receipt.photos_held = 3;
        check(
            r,
            "HQ holds seq 1–42 (42 entries), 3 photos; pending 0; quarantined 0",
        );
        let mut r = report(41, 0);
        r.pending = 2;
        r.photos_pending = 1;
        r.quarantined.push(Quarantined {
            seq: 42,
            code: "bad_link".into(),
            reason: "prev_hash does not match".into(),
            invalid: None,
        });
        r.stuck = Some("HQ refused seq 42 (bad_link): prev_hash does not match".into());
        check(
            r,
            "HQ holds seq 1–41 (41 entries), 0 photos; pending 2; quarantined 1; photos pending 1\n  \
             quarantined seq 42 (bad_link): prev_hash does not match\n  \
             STUCK: HQ refused seq 42 (bad_link): prev_hash does not match; report this to HQ",
        );
        let mut r = report(5, 0);
        r.pending = 1;
        r.waiting = Some("seq 6 waits: HQ answered 503".into());
        r.problems.push("photo abab…: HQ refused".into());
        assert!(!r.is_clean());
        check(
            r,
            "HQ holds seq 1–5 (5 entries), 0 photos; pending 1; quarantined 0\n  \
             problem: photo abab…: HQ refused\n  \
             waiting: seq 6 waits: HQ answered 503; the next sync tries again",
        );
        assert!(report(3, 0).is_clean());
    }
}
