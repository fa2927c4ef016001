//! The unit's dispatch inbox at HQ: pull the messages after the stored cursor, store them, and
//! acknowledge them — every sync does it, and an open app long-polls it. Storing before
//! acknowledging is what makes delivery exactly-once on the device: an answer lost on the way
//! is pulled again and skipped by seq; an acknowledgement lost is sent again next time.

use crate::Result;
use crate::client::Failure;
use crate::engine::{Session, StoreAccess};
use crate::report::Progress;
use patrol_model::DispatchId;
use patrol_model::dispatch::{InboxAck, InboxPage};
use reqwest::Method;

/// Pages one pull follows at most (100 messages each): a unit never has more waiting.
const MAX_PAGES: u32 = 20;

impl<S: StoreAccess, P: FnMut(Progress)> Session<'_, S, P> {
    /// Pull, store and acknowledge until HQ has nothing newer. `wait_s` applies to the first
    /// request only (the long-poll); later pages are fetched at once.
    pub(crate) async fn pull_inbox(&mut self, wait_s: u64) -> Result<Vec<DispatchId>> {
        let device = self.device_id;
        let path = format!("/api/v1/devices/{device}/inbox");
        let mut fresh = Vec::new();
        let mut wait = wait_s;
        for _ in 0..MAX_PAGES {
            let after = self.store.with_store(|s| s.inbox_cursor())?;
            let (after_s, wait_str) = (after.to_string(), wait.to_string());
            let page: InboxPage = self
                .call(|hq| {
                    hq.request_query(
                        Method::GET,
                        &path,
                        &[("after", after_s.as_str()), ("wait", wait_str.as_str())],
                    )
                })
                .await
                .map_err(Failure::into_error)?;
            wait = 0;
            let Some(last) = page.items.last().map(|i| i.seq) else {
                return Ok(fresh);
            };
            let new = self.store.with_store(|s| s.save_inbox(&page.items))?;
            self.inbox_messages += page.items.len();
            let ack = InboxAck { through: last };
            let _: InboxAck = self
                .call(|hq| {
                    hq.request(Method::POST, &format!("/api/v1/devices/{device}/inbox/ack"))
                        .json(&ack)
                })
                .await
                .map_err(Failure::into_error)?;
            if !new.is_empty() {
                (self.progress)(Progress::Dispatches { new: new.len() });
            }
            self.new_dispatches.extend(new.iter().copied());
            fresh.extend(new);
            if last >= page.head {
                return Ok(fresh);
            }
        }
        Ok(fresh)
    }
}
