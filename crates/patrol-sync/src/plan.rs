//! Sync planning: pure functions that decide *what* to send and what an answer means — batches,
//! backoff, the meaning of an HTTP status, whether the queue is stuck, how an upload answer or a
//! receipt changes the outbox, which photos and which bytes go next. Nothing here does I/O or
//! reads a clock; the engine does the HTTP and SQLite around these decisions.

use patrol_device::Quarantined;
use patrol_model::v1::{
    Conflict, EntryProblem, Head, PhotoUpload, Receipt, SyncNews, UploadResponse,
};
use patrol_model::{Entry, Hash, PhotoRef};
use std::ops::{Range, RangeInclusive};
use std::time::Duration;

/// How many of its newest entries a forked device shows HQ, so HQ records the fork as
/// conflicts (HQ keeps at most 64 per device).
pub const FORK_REPORT: u64 = 64;

/// First retry waits up to this long …
pub const BACKOFF_BASE: Duration = Duration::from_millis(500);
/// … doubling each attempt, never more than this.
pub const BACKOFF_CAP: Duration = Duration::from_secs(30);

/// How big one upload may be. HQ refuses bodies over 4 MiB (413); the byte limit is on the
/// estimate of [`entry_wire_bytes`], kept well below that.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchLimits {
    pub max_entries: usize,
    pub max_bytes: u64,
}

impl Default for BatchLimits {
    fn default() -> Self {
        Self {
            max_entries: 500,
            max_bytes: 1024 * 1024,
        }
    }
}

/// Estimated JSON size of one entry on the wire: fixed fields plus its base64 payload.
pub fn entry_wire_bytes(payload_len: u64) -> u64 {
    512 + payload_len.div_ceil(3) * 4
}

/// [`entry_wire_bytes`] by seq, from `payloads`: the payload sizes of seq `first` on.
pub fn wire_bytes_from(first: u64, payloads: &[u64]) -> impl Fn(u64) -> u64 + '_ {
    move |seq| {
        let payload = seq
            .checked_sub(first)
            .and_then(|i| payloads.get(usize::try_from(i).ok()?))
            .copied()
            .unwrap_or(0);
        entry_wire_bytes(payload)
    }
}

/// The seqs to send, in order, as batches within `limits`: from HQ's head + 1 through the local
/// head. `wire_bytes(seq)` estimates one entry's size. A batch always holds at least one entry,
/// even one over the byte limit (HQ's 413 then says so).
pub fn batches(
    hq_head: u64,
    local_head: u64,
    limits: BatchLimits,
    wire_bytes: impl Fn(u64) -> u64,
) -> Vec<RangeInclusive<u64>> {
    let max_entries = limits.max_entries.max(1) as u64;
    let mut out = Vec::new();
    let mut start = hq_head + 1;
    while start <= local_head {
        let mut end = start;
        let mut bytes = wire_bytes(start);
        while end < local_head && end - start + 1 < max_entries {
            let next = wire_bytes(end + 1);
            if bytes + next > limits.max_bytes {
                break;
            }
            bytes += next;
            end += 1;
        }
        out.push(start..=end);
        start = end + 1;
    }
    out
}

/// The longest wait before retry number `attempt` (0 = the first retry).
pub fn backoff_ceiling(attempt: u32) -> Duration {
    backoff_ceiling_with(attempt, BACKOFF_BASE, BACKOFF_CAP)
}

/// How long to wait before retry number `attempt`: "full jitter", uniform between zero and the
/// exponential ceiling, so a station full of devices coming back online does not retry in step.
pub fn backoff(attempt: u32, rng: &mut impl rand::Rng) -> Duration {
    backoff_with(attempt, BACKOFF_BASE, BACKOFF_CAP, rng)
}

/// `base · 2^attempt`, at most `cap`.
pub fn backoff_ceiling_with(attempt: u32, base: Duration, cap: Duration) -> Duration {
    let factor = 1u32 << attempt.min(16);
    base.saturating_mul(factor).min(cap)
}

/// [`backoff`] with another base and cap (tests use milliseconds).
pub fn backoff_with(
    attempt: u32,
    base: Duration,
    cap: Duration,
    rng: &mut impl rand::Rng,
) -> Duration {
    let ceiling = backoff_ceiling_with(attempt, base, cap).as_millis() as u64;
    Duration::from_millis(rng.random_range(0..=ceiling))
}

/// What an HTTP answer means for the sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Ok,
    /// Network trouble, timeouts, overload, 5xx: try again later with backoff.
    Transient,
    /// HQ refused this request as it is; retrying the same bytes will not help.
    Rejected,
    /// Credentials missing, wrong or revoked.
    Auth,
    /// The body was too large (413): send less at once.
    TooLarge,
    /// Device and HQ speak different protocol versions.
    ProtocolMismatch,
    /// 409: the request does not fit HQ's state (e.g. a photo offset); the body says where
    /// HQ stands.
    Conflict,
}

/// Classify a status and, when HQ sent one, the error body's `code`.
pub fn classify(status: u16, code: Option<&str>) -> Outcome {
    match status {
        200..=299 => Outcome::Ok,
        _ if code == Some("protocol_mismatch") => Outcome::ProtocolMismatch,
        // Forbidden for one photo (another device started it), not for this device.
        403 if code == Some("not_your_photo") => Outcome::Rejected,
        401 | 403 => Outcome::Auth,
        409 => Outcome::Conflict,
        413 => Outcome::TooLarge,
        408 | 425 | 429 => Outcome::Transient,
        400..=499 => Outcome::Rejected,
        // 5xx, and anything odd a proxy or captive portal might answer.
        _ => Outcome::Transient,
    }
}

/// How HQ's head relates to the local ledger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeadCheck {
    /// HQ holds everything.
    UpToDate,
    /// HQ holds a prefix; send from `from`.
    Behind { from: u64 },
    /// HQ holds more entries than this device has (restored from an old backup, or a second
    /// device under this id).
    HqAhead { hq: u64, local: u64 },
    /// HQ's entry at `seq` is not this device's entry at `seq`.
    Diverged { seq: u64 },
}

impl HeadCheck {
    /// Why the queue cannot move, for the officer and HQ.
    pub fn problem(&self) -> Option<String> {
        match self {
            HeadCheck::UpToDate | HeadCheck::Behind { .. } => None,
            HeadCheck::HqAhead { hq, local } => Some(format!(
                "HQ holds seq 1–{hq} but this device has only {local} entries; \
                 report this device to HQ (restored from a backup?)"
            )),
            HeadCheck::Diverged { seq } => Some(format!(
                "HQ's entry at seq {seq} is not this device's; nothing after it can be \
                 chained; report this device to HQ"
            )),
        }
    }
}

/// Compare HQ's head with the local ledger; `local_hash_at_hq` is the local hash at `hq.seq`.
pub fn check_head(hq: Head, local_head: u64, local_hash_at_hq: Option<Hash>) -> HeadCheck {
    if hq.seq > local_head {
        return HeadCheck::HqAhead {
            hq: hq.seq,
            local: local_head,
        };
    }
    let expected = if hq.seq == 0 {
        Some(Hash::GENESIS)
    } else {
        local_hash_at_hq
    };
    if expected != Some(hq.hash) {
        return HeadCheck::Diverged { seq: hq.seq };
    }
    if hq.seq == local_head {
        HeadCheck::UpToDate
    } else {
        HeadCheck::Behind { from: hq.seq + 1 }
    }
}

/// Whether a sync may send at once, without asking HQ's head first (the live path: a patrol's
/// sync every 30 s, one request instead of two). `known` is HQ's head as this engine's last
/// clean sync of this device left it; it must still be this ledger's (`local_hash_at_known` is
/// the local entry at its seq) with entries after it. No photo may wait (the upload's answer
/// then carries the receipt that ends the sync), and what waits must go in one batch (a backlog
/// goes the usual way, which pulls orders before the evidence). The batch, or `None` for the
/// usual way.
pub fn live_batch(
    known: Head,
    local_head: u64,
    local_hash_at_known: Option<Hash>,
    photos_waiting: bool,
    limits: BatchLimits,
    wire_bytes: impl Fn(u64) -> u64,
) -> Option<RangeInclusive<u64>> {
    if photos_waiting
        || !matches!(
            check_head(known, local_head, local_hash_at_known),
            HeadCheck::Behind { .. }
        )
    {
        return None;
    }
    let mut batches = batches(known.seq, local_head, limits, wire_bytes);
    (batches.len() == 1).then(|| batches.remove(0))
}

/// Whether the live path's answer ends the sync: HQ refused nothing, holds this ledger through
/// `through` (the batch's end; `local_hash_at_head` is the local entry at the answer's head),
/// and sent the receipt. Anything else (HQ's head moved under the engine: a restored HQ, a
/// second device under this id) and the sync goes the usual way, HQ's head first, which says
/// what is wrong; what HQ took from the batch stays taken, and nothing of the answer is
/// recorded.
pub fn live_settles(resp: &UploadResponse, through: u64, local_hash_at_head: Option<Hash>) -> bool {
    resp.rejected.is_empty()
        && resp.conflicts.is_empty()
        && resp.receipt.is_some()
        && check_head(resp.head, through, local_hash_at_head) == HeadCheck::UpToDate
}

/// How one upload answer changes the outbox, and whether the queue can go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadUpdate {
    /// Acknowledge pending entries through this seq (HQ's new head).
    pub acked_through: u64,
    /// Entries HQ named: quarantined, refused or in conflict.
    pub quarantine: Vec<Quarantined>,
    /// HQ refused an entry or found a conflict: the queue stops here.
    pub refused: Option<String>,
    /// HQ's head moved forward.
    pub advanced: bool,
}

pub fn upload_update(hq_head_before: u64, resp: &UploadResponse) -> UploadUpdate {
    let quarantine = problems(&resp.quarantined)
        .chain(problems(&resp.rejected))
        .chain(conflicts(&resp.conflicts))
        .collect();
    let refused = resp
        .rejected
        .first()
        .map(|r| {
            format!(
                "HQ refused seq {} ({}): {}; the entries after it wait",
                r.seq, r.code, r.reason
            )
        })
        .or_else(|| {
            resp.conflicts.first().map(|c| {
                format!(
                    "HQ holds a different entry at seq {}; the entries after it wait",
                    c.seq
                )
            })
        });
    UploadUpdate {
        acked_through: resp.head.seq,
        quarantine,
        refused,
        advanced: resp.head.seq > hq_head_before,
    }
}

/// The entries a receipt says HQ keeps out of its figures or in conflict.
pub fn receipt_problems(receipt: &Receipt) -> Vec<Quarantined> {
    problems(&receipt.quarantined)
        .chain(conflicts(&receipt.conflicts))
        .collect()
}

fn problems(list: &[EntryProblem]) -> impl Iterator<Item = Quarantined> + '_ {
    list.iter().map(|p| Quarantined {
        seq: p.seq,
        code: p.code.clone(),
        reason: p.reason.clone(),
        invalid: p.invalid.clone(),
    })
}

fn conflicts(list: &[Conflict]) -> impl Iterator<Item = Quarantined> + '_ {
    list.iter().map(|c| Quarantined {
        seq: c.seq,
        code: "conflict".into(),
        reason: format!(
            "HQ holds a different entry at this seq and keeps its copy (HQ {}, device {})",
            &c.hq_hash.to_hex()[..12],
            &c.device_hash.to_hex()[..12]
        ),
        invalid: None,
    })
}

/// Where the queue stands after the upload step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueCheck<'a> {
    pub local_head: u64,
    pub hq_head_before: u64,
    pub hq_head_after: u64,
    /// Failed attempts so far to deliver the first entry HQ lacks (kept across syncs).
    pub front_attempts: u32,
    pub last_error: Option<&'a str>,
    /// HQ refused an entry, or the heads do not fit together: retrying cannot help.
    pub refused: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueState {
    /// HQ holds every entry.
    Drained,
    /// HQ took entries in this sync; the rest follow next time.
    Moving,
    /// Nothing moved this time, not yet often enough to call it stuck.
    Waiting { reason: String },
    /// Entries wait and retrying will not move them: a bug to report, shown to the officer.
    Stuck { reason: String },
}

/// Attempts on the same first entry, with HQ answering, before the queue is called stuck.
pub const STUCK_AFTER: u32 = 3;

/// Why the queue is stuck at its first entry `front`, when sending it failed `stuck_after`
/// times or more (the attempts are kept in the store, so this holds across restarts).
pub fn stuck_at_front(
    front: u64,
    attempts: u32,
    last_error: Option<&str>,
    stuck_after: u32,
) -> Option<String> {
    (attempts >= stuck_after).then(|| {
        format!(
            "HQ has not taken seq {front} after {attempts} attempts: {}",
            last_error.unwrap_or("no reason given")
        )
    })
}

pub fn queue_state(c: QueueCheck<'_>, stuck_after: u32) -> QueueState {
    if let Some(r) = c.refused {
        return QueueState::Stuck { reason: r.into() };
    }
    if c.hq_head_after >= c.local_head {
        return QueueState::Drained;
    }
    let front = c.hq_head_after + 1;
    let why = c.last_error.unwrap_or("no reason given");
    if let Some(reason) = stuck_at_front(front, c.front_attempts, c.last_error, stuck_after) {
        return QueueState::Stuck { reason };
    }
    if c.hq_head_after > c.hq_head_before {
        QueueState::Moving
    } else {
        QueueState::Waiting {
            reason: format!("seq {front} waits: {why}"),
        }
    }
}

/// Photos the entries refer to, each once, in the order the entries name them.
pub fn referenced_photos(entries: &[Entry]) -> Vec<PhotoRef> {
    let mut out: Vec<PhotoRef> = Vec::new();
    for e in entries {
        let Ok(record) = e.record() else { continue };
        for p in record.photos() {
            if !out.iter().any(|o| o.sha256 == p.sha256) {
                out.push(p.clone());
            }
        }
    }
    out
}

/// The photos to upload: those entries refer to that HQ does not hold yet (as the store knows
/// them), in the entries' order. Photos no entry names (drafts' photos) stay on the device.
pub fn photos_to_upload(referenced: &[PhotoRef], pending: &[PhotoRef]) -> Vec<PhotoRef> {
    referenced
        .iter()
        .filter_map(|r| pending.iter().find(|p| p.sha256 == r.sha256))
        .cloned()
        .collect()
}

/// The byte range to send next, from where HQ says it stands; `None` when HQ has it all.
pub fn next_chunk(upload: &PhotoUpload, chunk: u64) -> Option<Range<u64>> {
    if upload.complete || upload.offset >= upload.size {
        return None;
    }
    Some(upload.offset..(upload.offset + chunk.max(1)).min(upload.size))
}

/// Which of the optional downloads a sync makes, from what HQ's head answer said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    /// Reference data: HQ's cursor is not the one the device holds.
    pub reference: bool,
    /// The dispatch inbox: a message the device has not stored, or one HQ has not seen it
    /// store (its acknowledgement lost: asking again acknowledges it).
    pub inbox: bool,
}

/// What to download besides the ledger's upload. An HQ that sends no `news` (older than it)
/// gets asked for both, every sync, as before; HQ without a city has no reference data to give.
pub fn wanted(
    news: Option<&SyncNews>,
    reference_cursor: Option<&str>,
    inbox_cursor: u64,
) -> Wanted {
    let Some(n) = news else {
        return Wanted {
            reference: true,
            inbox: true,
        };
    };
    Wanted {
        reference: n
            .reference
            .as_deref()
            .is_some_and(|hq| Some(hq) != reference_cursor),
        inbox: n.inbox_head > inbox_cursor || n.inbox_undelivered.is_some(),
    }
}

#[cfg(test)]
mod tests;

/// A patrolling device syncs this often by itself, so its position reaches HQ's live map within
/// a minute: track segments seal every 30 s (`FlushPolicy`), and the next sync takes them.
pub const LIVE_SYNC_EVERY: Duration = Duration::from_secs(30);
/// Off patrol with something unsent (a report, a check-out), it tries this often.
pub const PENDING_SYNC_EVERY: Duration = Duration::from_secs(120);
/// With nothing to send it still looks in now and then, for reference data (posts, grid).
pub const IDLE_SYNC_EVERY: Duration = Duration::from_secs(600);
/// Failed syncs back off, doubling, up to this (the officer's "sync now" never waits).
pub const AUTO_SYNC_BACKOFF_CAP: Duration = Duration::from_secs(300);

/// How long the app waits before its next sync on its own, from whether a patrol is running,
/// how many entries are unsent and how many automatic syncs in a row have failed.
///
/// Battery: a sync with nothing new is two small requests; the radio is already up every 30 s
/// while patrolling because the live map needs it, and off patrol the device mostly sleeps.
/// A failure (no network) doubles the wait each time up to five minutes, so a phone in a dead
/// zone does not keep waking its modem.
pub fn next_auto_sync(patrolling: bool, pending: u64, failures: u32) -> Duration {
    let base = if patrolling {
        LIVE_SYNC_EVERY
    } else if pending > 0 {
        PENDING_SYNC_EVERY
    } else {
        IDLE_SYNC_EVERY
    };
    if failures == 0 {
        return base;
    }
    let factor = 1u32 << failures.min(10);
    base.saturating_mul(factor)
        .min(AUTO_SYNC_BACKOFF_CAP.max(base))
}

#[cfg(test)]
mod auto_sync_tests {
    use super::*;

    #[test]
    fn a_patrolling_device_syncs_every_30_s_so_the_live_map_is_within_a_minute() {
        assert_eq!(next_auto_sync(true, 0, 0), LIVE_SYNC_EVERY);
        assert_eq!(next_auto_sync(true, 500, 0), LIVE_SYNC_EVERY);
        assert_eq!(next_auto_sync(false, 3, 0), PENDING_SYNC_EVERY);
        assert_eq!(next_auto_sync(false, 0, 0), IDLE_SYNC_EVERY);
    }

    #[test]
    fn failures_back_off_doubling_up_to_five_minutes_but_never_below_the_base() {
        assert_eq!(next_auto_sync(true, 0, 1), Duration::from_secs(60));
        assert_eq!(next_auto_sync(true, 0, 2), Duration::from_secs(120));
        assert_eq!(next_auto_sync(true, 0, 4), AUTO_SYNC_BACKOFF_CAP);
        assert_eq!(next_auto_sync(true, 0, u32::MAX), AUTO_SYNC_BACKOFF_CAP);
        // Idle is already longer than the cap: failures never make it shorter.
        assert_eq!(next_auto_sync(false, 0, 3), IDLE_SYNC_EVERY);
    }
}
