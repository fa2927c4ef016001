//! What changed at HQ, pushed to every open command-centre page (Server-Sent Events at
//! `/api/v1/events`): an upload reaching HQ, a device enrolled or revoked, the city replaced.
//! The page refetches what an event touches, so events stay small and carry no personal data.
//!
//! One broadcast channel per HQ process. A page that falls behind gets a `lagged` event and
//! refetches everything; a page that connects later misses nothing it needs, because what it
//! shows is always read fresh from the ledger. Across several HQ processes (issue 13) each
//! process only tells its own pages; the page also polls every minute, so a remote upload shows
//! within that.

use serde::Serialize;
use tokio::sync::{broadcast, watch};

/// Events kept for a page that reads slowly before it is told it lagged.
const BUFFER: usize = 256;

/// One change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
}

impl HqEvent {
    /// The SSE event name.
    pub fn name(&self) -> &'static str {
        match self {
            HqEvent::Upload { .. } => "upload",
            HqEvent::Devices => "devices",
            HqEvent::City => "city",
            HqEvent::Dispatch { .. } => "dispatch",
        }
    }
}

/// The channel, and the switch that ends every open stream when HQ shuts down (an open
/// stream would otherwise keep a graceful shutdown waiting forever).
#[derive(Debug, Clone)]
pub struct Events {
    tx: broadcast::Sender<HqEvent>,
    closed: watch::Sender<bool>,
    /// Devices whose inbox has a new message: wakes their long-polls.
    inbox: broadcast::Sender<patrol_model::DeviceId>,
}

impl Default for Events {
    fn default() -> Self {
        Self {
            tx: broadcast::channel(BUFFER).0,
            closed: watch::channel(false).0,
            inbox: broadcast::channel(BUFFER).0,
        }
    }
}

impl Events {
    /// Tell every open page. Nobody listening is fine.
    pub fn publish(&self, event: HqEvent) {
        let _ = self.tx.send(event);
    }

    pub fn subscribe(&self) -> (broadcast::Receiver<HqEvent>, watch::Receiver<bool>) {
        (self.tx.subscribe(), self.closed.subscribe())
    }

    /// Wake the device's open inbox long-poll, if it has one.
    pub fn inbox_changed(&self, device: patrol_model::DeviceId) {
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
