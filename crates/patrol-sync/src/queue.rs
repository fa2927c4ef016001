//! What is waiting to reach HQ, for the officer's sync screen: entries by kind, the photos the
//! ledger names that HQ does not hold (with their bytes), and the front of the queue with its
//! failed attempts. Read from the store alone: it answers offline.

use patrol_device::Store;
use patrol_model::EntryKind;
use serde::Serialize;

/// Entries of one kind not yet at HQ.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct KindWaiting {
    pub kind: EntryKind,
    pub count: u64,
    /// When the oldest of them was saved (the device's clock).
    pub oldest_ms: i64,
}

/// The sync queue as the officer sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncQueue {
    /// By kind, in kind order; empty when everything saved is at HQ.
    pub waiting: Vec<KindWaiting>,
    pub entries_waiting: u64,
    /// Photos the ledger names that HQ does not hold yet, and their bytes.
    pub photos_waiting: u64,
    pub photo_bytes_waiting: u64,
    /// Entries HQ keeps out of its figures (to check on the sync screen).
    pub quarantined: u64,
    /// The first entry waiting, how often sending it failed, and the last failure.
    pub front_seq: Option<u64>,
    pub front_attempts: u32,
    pub front_error: Option<String>,
}

/// The queue of `store` now.
pub fn sync_queue(store: &Store) -> patrol_device::Result<SyncQueue> {
    let waiting: Vec<KindWaiting> = store
        .pending_by_kind()?
        .into_iter()
        .map(|(kind, count, oldest_ms)| KindWaiting {
            kind,
            count,
            oldest_ms,
        })
        .collect();
    // The same photos the next sync sends (the reports are read only when one waits).
    let photos = crate::photos::waiting(store)?.todo;
    let front = store.front_of_queue()?;
    Ok(SyncQueue {
        entries_waiting: waiting.iter().map(|w| w.count).sum(),
        waiting,
        photos_waiting: photos.len() as u64,
        photo_bytes_waiting: photos.iter().map(|p| p.size).sum(),
        quarantined: store.outbox_counts()?.quarantined,
        front_seq: front.as_ref().map(|f| f.0),
        front_attempts: front.as_ref().map_or(0, |f| f.1),
        front_error: front.and_then(|f| f.2),
    })
}
