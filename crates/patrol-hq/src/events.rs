//! What changed at HQ, pushed to every open command-centre page (Server-Sent Events at
//! `/api/v1/events`): an upload reaching HQ, a device enrolled or revoked, the city replaced.
//! The page refetches what an event touches, so events stay small and carry no personal data.
//!
//! One broadcast channel per HQ process. A page that falls behind gets a `lagged` event and
//! refetches everything; a page that connects later misses nothing it needs, because what it
//! shows is always read fresh from the ledger.
//!
//! Several HQ processes over one PostgreSQL (behind a load balancer) tell each other: what one
//! publishes also goes to its [`Events::relay`], which the PostgreSQL store sends on with
//! `NOTIFY`, and what the others sent comes back through [`Events::arrived`] to this process's
//! pages and waiting inboxes. Best effort, like the channel itself: an event lost on the way
//! (the database unreachable for a moment) costs a page nothing it cannot read fresh, since the
//! page also polls every minute and a waiting inbox looks at the database every few seconds.

use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use tokio::sync::{broadcast, mpsc, watch};

/// Events kept for a page that reads slowly before it is told it lagged.
const BUFFER: usize = 256;

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum HqEvent {
    /// A device's upload was committed: its ledger now ends at `head_seq`.
    Upload {
        device_id: String,
        head_seq: u64,
        /// Entries this upload added.
        entries: u32,
    },
    /// A device was enrolled or revoked.
    Devices,
    /// The reference data (grid, posts, groups) was replaced.
    City,
    /// A dispatch was created, sent, delivered, resent, reassigned or closed.
    Dispatch { dispatch_id: String },
    /// Events may have been missed (this process stopped hearing the other HQ processes for a
    /// while): refetch everything, as after a page's own `lagged`. Never sent to other
    /// processes.
    Lagged,
}

impl HqEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            HqEvent::Upload { .. } => "upload",
            HqEvent::Devices => "devices",
            HqEvent::City => "city",
            HqEvent::Dispatch { .. } => "dispatch",
            HqEvent::Lagged => "lagged",
        }
    }
}

/// What one HQ process tells the others: a page event, or a device whose inbox has a new
/// message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Shared {
    Page(HqEvent),
    Inbox(patrol_model::DeviceId),
}

/// Events waiting to leave for the other processes before new ones are dropped (the database
/// unreachable): the others' pages then catch up by their own polling.
pub const RELAY_BUFFER: usize = 4096;

/// The channel, and the switch that ends every open stream when HQ shuts down (an open
/// stream would otherwise keep a graceful shutdown waiting forever).
#[derive(Debug, Clone)]
pub struct Events {
    tx: broadcast::Sender<HqEvent>,
    closed: watch::Sender<bool>,
    /// Devices whose inbox has a new message: wakes their long-polls.
    inbox: broadcast::Sender<patrol_model::DeviceId>,
    /// Where this process's events leave for the other HQ processes, once a store that
    /// several processes share has asked for them ([`Events::relay`]).
    outbound: Arc<OnceLock<mpsc::Sender<Shared>>>,
    /// The relay's queue was full at the last try (warned once per spell, not per event).
    piling: Arc<AtomicBool>,
}

impl Default for Events {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(BUFFER).0,
            closed: watch::channel(false).0,
            inbox: broadcast::channel(BUFFER).0,
            outbound: Arc::default(),
            piling: Arc::default(),
        }
    }
}

impl Events {
    /// Tell every open page, here and (with a relay) in the other HQ processes. Nobody
    /// listening is fine.
    pub fn publish(&self, event: HqEvent) {
        self.send_on(Shared::Page(event.clone()));
        let _ = self.tx.send(event);
    }

    /// From now on, everything published here is also handed to the receiver this returns,
    /// to send on to the other HQ processes. `None` when a relay was asked for already (one
    /// per process).
    pub fn relay(&self) -> Option<mpsc::Receiver<Shared>> {
        let (tx, rx) = mpsc::channel(RELAY_BUFFER);
        self.outbound.set(tx).ok().map(|()| rx)
    }

    /// What another HQ process published: told to this process's pages and inboxes, and not
    /// sent on again.
    pub fn arrived(&self, shared: Shared) {
        match shared {
            Shared::Page(event) => {
                let _ = self.tx.send(event);
            }
            Shared::Inbox(device) => {
                let _ = self.inbox.send(device);
            }
        }
    }

    fn send_on(&self, shared: Shared) {
        if let Some(out) = self.outbound.get() {
            let full = matches!(
                out.try_send(shared),
                Err(mpsc::error::TrySendError::Full(_))
            );
            if full && !self.piling.swap(true, Ordering::Relaxed) {
                tracing::warn!(
                    "events for the other HQ processes are piling up (is the database \
                     reachable?); their pages catch up by polling"
                );
            } else if !full {
                self.piling.store(false, Ordering::Relaxed);
            }
        }
    }

    pub fn subscribe(&self) -> (broadcast::Receiver<HqEvent>, watch::Receiver<bool>) {
        (self.tx.subscribe(), self.closed.subscribe())
    }

    /// Wake the device's open inbox long-poll, if it has one.
    pub fn inbox_changed(&self, device: patrol_model::DeviceId) {
        self.send_on(Shared::Inbox(device));
        let _ = self.inbox.send(device);
    }

    pub fn subscribe_inbox(&self) -> broadcast::Receiver<patrol_model::DeviceId> {
        self.inbox.subscribe()
    }

    /// Whether HQ is shutting down (long-polls answer at once).
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closed.subscribe()
    }

    /// End every open stream (HQ is shutting down).
    pub fn close(&self) {
        self.closed.send_replace(true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn subscribers_get_what_is_published_after_they_subscribe() {
        let events = Events::default();
        events.publish(HqEvent::City);
        let (mut rx, closed) = events.subscribe();
        events.publish(HqEvent::Upload {
            device_id: "d".into(),
            head_seq: 7,
            entries: 2,
        });
        assert_eq!(rx.recv().await.unwrap().name(), "upload");
        assert!(!*closed.borrow());
        events.close();
        assert!(*closed.borrow());
        assert_eq!(
            serde_json::to_value(HqEvent::Upload {
                device_id: "d".into(),
                head_seq: 7,
                entries: 2
            })
            .unwrap(),
            serde_json::json!({"event": "upload", "device_id": "d", "head_seq": 7, "entries": 2})
        );
    }
}
