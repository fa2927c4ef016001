//! Uploading photos the entries name: offer by SHA-256, then send the bytes in chunks from the
//! offset HQ reports (resuming from the 409 body when the offsets disagree), until HQ verified
//! the whole file. A photo HQ refuses is a problem in the report, not the end of the sync.

use crate::engine::{Session, StoreAccess};
use crate::plan::{self, Outcome};
use crate::report::Progress;
use crate::{Error, Result};
use patrol_model::v1::{PhotoOffer, PhotoUpload, UPLOAD_OFFSET_HEADER};
use patrol_model::{EntryKind, PhotoRef};
use reqwest::Method;

/// Entry kinds that can name photos.
pub(crate) const PHOTO_KINDS: &[EntryKind] = &[
    EntryKind::Violation,
    EntryKind::LostPerson,
    EntryKind::TrafficAccident,
    EntryKind::Incident,
    EntryKind::Supplement,
];

/// The photos still on the device alone, and which of them the entries name.
pub(crate) struct Waiting {
    /// Every photo on the device HQ has not confirmed (a draft's among them).
    pub pending: Vec<PhotoRef>,
    /// Every photo the entries name; empty when none is pending (then the reports are not
    /// read: most of the time everything is at HQ, and a month of reports costs nothing here).
    pub referenced: Vec<PhotoRef>,
    /// The pending photos the entries name: what goes to HQ.
    pub todo: Vec<PhotoRef>,
}

/// What waits to go, for the photo step and the officer's sync screen alike.
pub(crate) fn waiting(store: &patrol_device::Store) -> patrol_device::Result<Waiting> {
    let pending = store.pending_photos()?;
    if pending.is_empty() {
        return Ok(Waiting {
            pending,
            referenced: Vec::new(),
            todo: Vec::new(),
        });
    }
    let referenced = plan::referenced_photos(&store.entries_of(PHOTO_KINDS)?);
    let todo = plan::photos_to_upload(&referenced, &pending);
    Ok(Waiting {
        pending,
        referenced,
        todo,
    })
}

/// What the photo step did.
#[derive(Debug, Default)]
pub(crate) struct PhotosDone {
    /// Every photo the entries name; empty when no photo was waiting (then none is needed:
    /// what is left to send is what the entries name among the photos waiting).
    pub referenced: Vec<PhotoRef>,
    /// The photos waiting when the step began (at most the receipt's limit): what the receipt
    /// is asked about, so it confirms each one HQ now holds however it got there.
    pub asked: Vec<String>,
    pub uploaded: u32,
}

impl<S: StoreAccess, P: FnMut(Progress)> Session<'_, S, P> {
    pub(crate) async fn upload_photos(&mut self) -> Result<PhotosDone> {
        let Waiting {
            pending,
            referenced,
            todo,
        } = self.store.with_store(|s| waiting(s))?;
        // The ones the entries name first (a draft's photo may wait for months).
        let asked = todo
            .iter()
            .chain(pending.iter().filter(|p| !todo.contains(p)))
            .take(patrol_model::v1::RECEIPT_PHOTOS_MAX)
            .map(|p| p.sha256.clone())
            .collect();
        let mut uploaded = 0;
        for photo in todo {
            match self.upload_photo(&photo).await {
                Ok(()) => {
                    self.store
                        .with_store(|s| s.mark_photo_uploaded(&photo.sha256))?;
                    uploaded += 1;
                }
                Err(e @ (Error::Network(_) | Error::Auth(_) | Error::ProtocolMismatch { .. })) => {
                    return Err(e);
                }
                Err(e) => self
                    .problems
                    .push(format!("photo {}…: {e}", &photo.sha256[..12])),
            }
        }
        Ok(PhotosDone {
            referenced,
            asked,
            uploaded,
        })
    }

    async fn upload_photo(&mut self, photo: &PhotoRef) -> Result<()> {
        // Through the store: it opens a sealed file and checks the SHA-256 before any byte
        // leaves the device.
        let file = self
            .store
            .with_store(|s| s.read_photo(&photo.sha256))
            .map_err(damaged)?;
        if file.len() as u64 != photo.size {
            return Err(damaged(patrol_device::Error::NoSuchPhoto(format!(
                "{} has {} bytes, its entry says {}",
                photo.sha256,
                file.len(),
                photo.size
            ))));
        }
        let offer = PhotoOffer {
            sha256: photo.sha256.clone(),
            size: photo.size,
            mime: photo.mime.clone(),
        };
        let mut upload: PhotoUpload = self
            .call(|hq| hq.request(Method::POST, "/api/v1/photos").json(&offer))
            .await
            .map_err(|f| f.into_error())?;
        let chunk = self.options.chunk_bytes.max(1);
        let url = format!("/api/v1/photos/{}", photo.sha256);
        let max_steps = 2 * photo.size.div_ceil(chunk) + 8;
        let (mut steps, mut resets) = (0, 0);
        loop {
            if upload.complete {
                return Ok(());
            }
            let Some(range) = plan::next_chunk(&upload, chunk) else {
                return Err(refused(
                    "not_accepted",
                    "HQ holds every byte but did not accept the photo",
                ));
            };
            steps += 1;
            if steps > max_steps {
                return Err(refused(
                    "no_progress",
                    "the upload does not move forward; HQ keeps asking for the same bytes",
                ));
            }
            let bytes = usize::try_from(range.start)
                .ok()
                .zip(usize::try_from(range.end).ok())
                .and_then(|(a, b)| file.get(a..b))
                .ok_or_else(|| refused("bad_range", "HQ asked for bytes past the photo's end"))?
                .to_vec();
            let answer: Result<PhotoUpload, _> = self
                .call(|hq| {
                    hq.request(Method::PATCH, &url)
                        .header(UPLOAD_OFFSET_HEADER, range.start.to_string())
                        .header(
                            reqwest::header::CONTENT_TYPE,
                            "application/offset+octet-stream",
                        )
                        .body(bytes.clone())
                })
                .await;
            let next = match answer {
                Ok(next) => next,
                // HQ stands elsewhere (an earlier, interrupted upload): resume from its offset.
                Err(f) if f.outcome == Outcome::Conflict => {
                    match serde_json::from_slice::<PhotoUpload>(&f.body) {
                        Ok(at) => at,
                        Err(_) => return Err(f.into_error()),
                    }
                }
                Err(f) => return Err(f.into_error()),
            };
            if range.end == photo.size && !next.complete && next.offset == 0 {
                // HQ had every byte, the SHA-256 did not match, and it started over.
                resets += 1;
                if resets > 1 {
                    return Err(refused(
                        "sha256_mismatch",
                        "HQ found the received bytes do not match the photo's SHA-256, twice",
                    ));
                }
            }
            (self.progress)(Progress::Photo {
                sha256: photo.sha256.clone(),
                sent: if next.complete {
                    photo.size
                } else {
                    next.offset
                },
                size: photo.size,
            });
            upload = next;
        }
    }
}

fn refused(code: &str, message: &str) -> Error {
    Error::Rejected {
        status: 0,
        code: code.into(),
        message: message.into(),
    }
}

/// A photo that cannot be read whole and true from this device's store.
fn damaged(e: patrol_device::Error) -> Error {
    Error::Store(e)
}
