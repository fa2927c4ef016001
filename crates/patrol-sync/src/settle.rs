//! The end of a sync: make the outbox agree with HQ's receipt, keep the receipt, and build the
//! officer's [`SyncReport`]. When HQ's head does not fit the local chain (a restored backup, a
//! diverged ledger) nothing is settled: the outbox keeps what it knew and the queue is stuck.

use crate::Result;
use crate::engine::{Session, StoreAccess};
use crate::photos::PhotosDone;
use crate::plan::{self, HeadCheck, QueueCheck, QueueState};
use crate::report::{Progress, SyncReport};
use crate::upload::Uploaded;
use patrol_model::v1::{Head, Receipt};

impl<S: StoreAccess, P: FnMut(Progress)> Session<'_, S, P> {
    pub(crate) fn finish(
        &mut self,
        head_before: Head,
        upload: Uploaded,
        photos: PhotosDone,
        receipt: Receipt,
    ) -> Result<SyncReport> {
        let problems = plan::receipt_problems(&receipt);
        let hq = receipt.head;
        let (local_head, check, quarantined, front_attempts, photos_pending, outbox_pending) =
            self.store.with_store(|s| -> Result<_> {
                let local_head = s.head()?.0;
                let local_hash = match hq.seq {
                    0 => None,
                    seq => s.entry(seq)?.map(|e| e.hash),
                };
                let check = plan::check_head(hq, local_head, local_hash);
                if matches!(check, HeadCheck::UpToDate | HeadCheck::Behind { .. }) {
                    s.settle_outbox(hq.seq, &problems)?;
                }
                s.save_receipt(&serde_json::to_string(&receipt).expect("receipts serialize"))?;
                for p in s.pending_photos()? {
                    if receipt.photos.contains(&p.sha256) {
                        s.mark_photo_uploaded(&p.sha256)?;
                    }
                }
                let left = plan::photos_to_upload(&photos.referenced, &s.pending_photos()?);
                Ok((
                    local_head,
                    check,
                    s.quarantined()?,
                    s.attempts(hq.seq + 1)?,
                    left.len() as u64,
                    s.outbox_counts()?.pending,
                ))
            })?;
        let head_problem = check.problem();
        let state = plan::queue_state(
            QueueCheck {
                local_head,
                hq_head_before: head_before.seq,
                hq_head_after: hq.seq,
                front_attempts,
                last_error: upload.last_error.as_deref(),
                refused: upload.refused.as_deref().or(head_problem.as_deref()),
            },
            self.options.stuck_after,
        );
        let (stuck, waiting) = match state {
            QueueState::Stuck { reason } => (Some(reason), None),
            QueueState::Waiting { reason } => (None, Some(reason)),
            QueueState::Drained | QueueState::Moving => (None, None),
        };
        let pending = match head_problem {
            None => local_head.saturating_sub(hq.seq),
            // HQ's seqs are not this device's: count what the outbox still waits for.
            Some(_) => outbox_pending,
        };
        Ok(SyncReport {
            pending,
            receipt,
            local_head,
            quarantined,
            photos_pending,
            stuck,
            waiting,
            problems: std::mem::take(&mut self.problems),
            new_dispatches: std::mem::take(&mut self.new_dispatches),
            uploaded: upload.accepted,
            duplicates: upload.duplicates,
            photos_uploaded: photos.uploaded,
            attempts: self.requests,
            retries: self.retries,
        })
    }
}
