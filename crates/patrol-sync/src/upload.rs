//! Uploading entries: from HQ's head + 1, in the batches [`plan::batches`] picks, halving on 413,
//! recording each answer in the outbox. It stops — without quarantining anything HQ did not name —
//! when HQ refuses, and counts the failed attempt on the first waiting entry so a queue that
//! never moves is reported as stuck.

use crate::client::JsonBody;
use crate::engine::{Session, StoreAccess};
use crate::plan::{self, HeadCheck, Outcome};
use crate::report::Progress;
use crate::{Error, Result};
use patrol_model::v1::{Head, UploadRequest, UploadResponse};
use reqwest::Method;

/// What the upload step did.
#[derive(Debug, Default)]
pub(crate) struct Uploaded {
    pub accepted: u32,
    pub duplicates: u32,
    /// Retrying cannot help: HQ refused an entry, or the heads do not fit together.
    pub refused: Option<String>,
    /// The last failure that left entries waiting.
    pub last_error: Option<String>,
    /// The receipt HQ sent with the last batch, when asked for ([`Session::upload_entries`]).
    pub receipt: Option<patrol_model::v1::Receipt>,
}

impl<S: StoreAccess, P: FnMut(Progress)> Session<'_, S, P> {
    /// With `with_receipt`, the batch that reaches the local head asks HQ for the receipt in
    /// its answer (`?receipt=true`), sparing the sync its receipt request when nothing follows.
    pub(crate) async fn upload_entries(
        &mut self,
        head: Head,
        with_receipt: bool,
    ) -> Result<Uploaded> {
        let mut out = Uploaded::default();
        let local_head = self.store.with_store(|s| s.head())?.0;
        let mut hq_head = head.seq;
        match self.check(head, local_head)? {
            HeadCheck::Behind { .. } => self.check_unsent(head)?,
            HeadCheck::UpToDate => return Ok(out),
            bad => {
                let told = self.report_fork(head.seq, local_head).await;
                out.refused = bad.problem().map(|p| match told {
                    Some(n) if n > 0 => {
                        format!("{p} (HQ was shown {n} entries that differ from its own)")
                    }
                    _ => p,
                });
                return Ok(out);
            }
        }
        let first = hq_head + 1;
        let sizes = self
            .store
            .with_store(|s| s.payload_sizes(first, local_head))?;
        let wire_bytes = plan::wire_bytes_from(first, &sizes);
        let mut limits = self.options.batch;
        let device = self.device_id;
        let path = format!("/api/v1/devices/{device}/entries");

        while hq_head < local_head {
            let Some(range) = plan::batches(hq_head, local_head, limits, &wire_bytes)
                .into_iter()
                .next()
            else {
                break;
            };
            let (from, to) = (*range.start(), *range.end());
            let len = (to - from + 1) as usize;
            let request = self.store.with_store(|s| -> patrol_device::Result<_> {
                Ok(UploadRequest {
                    device_now_ms: s.clock().wall_ms(),
                    entries: s.entries(from, len)?,
                })
            })?;
            let body = JsonBody::new(&request, self.encoding);
            let query: &[(&str, &str)] = if with_receipt && to == local_head {
                &[("receipt", "true")]
            } else {
                &[]
            };
            let answer: Result<UploadResponse, _> = self
                .call(|hq| body.attach(hq.request_query(Method::POST, &path, query)))
                .await;
            let mut resp = match answer {
                Ok(resp) => resp,
                Err(f) => {
                    let reason = match f.outcome {
                        Outcome::TooLarge if len > 1 => {
                            limits.max_entries = len / 2;
                            continue;
                        }
                        Outcome::TooLarge => {
                            format!("seq {from} is larger than HQ accepts: {}", f.message)
                        }
                        Outcome::Auth | Outcome::ProtocolMismatch => return Err(f.into_error()),
                        // HQ never answered: nothing to learn about the entries.
                        Outcome::Transient if f.status.is_none() => return Err(f.into_error()),
                        Outcome::Transient => {
                            // HQ answers but keeps failing on this batch: stop the upload, still
                            // fetch the receipt, and count it against the first entry.
                            let msg = format!("HQ failed on seq {from}–{to}: {}", f.message);
                            self.bump(hq_head + 1, &msg)?;
                            out.last_error = Some(msg);
                            break;
                        }
                        Outcome::Rejected | Outcome::Conflict | Outcome::Ok => {
                            format!("HQ refused seq {from}–{to}: {} ({})", f.message, f.code)
                        }
                    };
                    self.bump(hq_head + 1, &reason)?;
                    out.refused = Some(reason);
                    break;
                }
            };

            out.accepted += resp.accepted;
            out.duplicates += resp.duplicates;
            out.receipt = resp.receipt.take();
            let update = plan::upload_update(hq_head, &resp);
            self.store
                .with_store(|s| s.record_upload(update.acked_through, &update.quarantine))?;
            let before = hq_head;
            hq_head = resp.head.seq;
            (self.progress)(Progress::Uploaded {
                through: hq_head,
                of: local_head,
            });
            match self.check(resp.head, local_head)? {
                HeadCheck::Behind { .. } | HeadCheck::UpToDate => {}
                bad => {
                    out.refused = bad.problem();
                    break;
                }
            }
            if let Some(reason) = update.refused {
                self.bump(hq_head + 1, &reason)?;
                out.refused = Some(reason);
                break;
            }
            if !update.advanced {
                let msg = format!(
                    "HQ answered seq {from}–{to} but its head stayed at seq {hq_head} (was {before})"
                );
                self.bump(hq_head + 1, &msg)?;
                out.last_error = Some(msg);
                break;
            }
        }
        Ok(out)
    }

    /// The live path ([`plan::live_batch`]): what waits, sent straight onto `known` (HQ's head
    /// as this engine's last clean sync left it) in one request, whose answer carries the
    /// receipt and the news the head's answer would have. `None` when the path does not apply
    /// or HQ's answer does not end the sync ([`plan::live_settles`]): then nothing of it is
    /// recorded and the sync goes the usual way, HQ's head first. Only a network that does not
    /// answer, or HQ refusing this device, ends the sync here, as it would the usual way.
    pub(crate) async fn upload_live(
        &mut self,
        known: Head,
    ) -> Result<Option<(Head, Uploaded, Option<patrol_model::v1::MapPackRef>)>> {
        let limits = self.options.batch;
        let batch = self.store.with_store(|s| -> Result<_> {
            let local_head = s.head()?.0;
            let at_known = match known.seq {
                0 => None,
                seq => s.entry(seq)?.map(|e| e.hash),
            };
            let waiting = !s.pending_photos()?.is_empty();
            // One batch at most is read: a longer backlog goes the usual way anyway.
            let first = known.seq + 1;
            let last = local_head.min(known.seq + limits.max_entries as u64);
            let sizes = if last >= first {
                s.payload_sizes(first, last)?
            } else {
                Vec::new()
            };
            Ok(plan::live_batch(
                known,
                local_head,
                at_known,
                waiting,
                limits,
                plan::wire_bytes_from(first, &sizes),
            ))
        })?;
        let Some(batch) = batch else {
            return Ok(None);
        };
        // Nothing broken is ever sent, this way or the usual one.
        self.check_unsent(known)?;
        let (from, through) = (*batch.start(), *batch.end());
        let request = self.store.with_store(|s| -> patrol_device::Result<_> {
            Ok(UploadRequest {
                device_now_ms: s.clock().wall_ms(),
                entries: s.entries(from, (through - from + 1) as usize)?,
            })
        })?;
        let body = JsonBody::new(&request, self.encoding);
        let path = format!("/api/v1/devices/{}/entries", self.device_id);
        let query = [("receipt", "true"), ("news", "true")];
        let answer: Result<UploadResponse, _> = self
            .call(|hq| body.attach(hq.request_query(Method::POST, &path, &query)))
            .await;
        let mut resp = match answer {
            Ok(resp) => resp,
            Err(f) => match f.outcome {
                Outcome::Auth | Outcome::ProtocolMismatch => return Err(f.into_error()),
                Outcome::Transient if f.status.is_none() => return Err(f.into_error()),
                // HQ answered, but not with a stored batch: the usual way says why.
                _ => return Ok(None),
            },
        };
        let at_head = self.store.with_store(|s| match resp.head.seq {
            0 => Ok(None),
            seq => s.entry(seq).map(|e| e.map(|e| e.hash)),
        })?;
        if !plan::live_settles(&resp, through, at_head) {
            return Ok(None);
        }
        let update = plan::upload_update(known.seq, &resp);
        self.store
            .with_store(|s| s.record_upload(update.acked_through, &update.quarantine))?;
        (self.progress)(Progress::Uploaded {
            through: resp.head.seq,
            of: through,
        });
        let map_pack = self.follow_news(resp.news.take()).await?;
        let upload = Uploaded {
            accepted: resp.accepted,
            duplicates: resp.duplicates,
            receipt: resp.receipt.take(),
            ..Uploaded::default()
        };
        Ok(Some((known, upload, map_pack)))
    }

    /// This ledger and HQ's disagree (a restored backup, a cloned phone): show HQ this device's
    /// own copies of the seqs both hold — the newest [`plan::FORK_REPORT`] of them — so HQ keeps
    /// the ones that differ aside as conflicts and the operators see the fork. Returns how many
    /// HQ found different (`None` when HQ could not be told; the queue is reported stuck anyway).
    async fn report_fork(&mut self, hq_head: u64, local_head: u64) -> Option<usize> {
        let top = hq_head.min(local_head);
        if top == 0 {
            return None;
        }
        let from = top.saturating_sub(plan::FORK_REPORT - 1).max(1);
        let len = usize::try_from(top - from + 1).ok()?;
        let request = self
            .store
            .with_store(|s| -> patrol_device::Result<_> {
                Ok(UploadRequest {
                    device_now_ms: s.clock().wall_ms(),
                    entries: s.entries(from, len)?,
                })
            })
            .ok()?;
        let path = format!("/api/v1/devices/{}/entries", self.device_id);
        let body = JsonBody::new(&request, self.encoding);
        let answer: Result<UploadResponse, _> = self
            .call(|hq| body.attach(hq.request(Method::POST, &path)))
            .await;
        answer.ok().map(|r| r.conflicts.len())
    }

    /// Compare HQ's head with the local ledger.
    /// Every entry after HQ's `head`, chained onto it (the head's hash was just found equal to
    /// this ledger's entry at that seq): nothing broken is ever sent. Skipped when this sync
    /// began with the whole ledger's check.
    fn check_unsent(&mut self, head: Head) -> Result<()> {
        if self.fully_checked {
            return Ok(());
        }
        let check = self
            .store
            .with_store(|s| s.verify_after(head.seq, head.hash))?;
        if let Some(b) = check.broken {
            return Err(Error::ChainBroken(b));
        }
        (self.progress)(Progress::Checked {
            entries: check.entries,
        });
        Ok(())
    }

    fn check(&self, head: Head, local_head: u64) -> Result<HeadCheck> {
        let local_hash = match head.seq {
            0 => None,
            seq if seq <= local_head => self.store.with_store(|s| s.entry(seq))?.map(|e| e.hash),
            _ => None,
        };
        Ok(plan::check_head(head, local_head, local_hash))
    }

    fn bump(&self, seq: u64, reason: &str) -> Result<u32, Error> {
        Ok(self.store.with_store(|s| s.bump_attempts(seq, reason))?)
    }
}
