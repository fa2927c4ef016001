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
use sha2::{Digest, Sha256};
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Entry kinds that can name photos.
const PHOTO_KINDS: &[EntryKind] = &[
    EntryKind::Violation,
    EntryKind::LostPerson,
    EntryKind::TrafficAccident,
    EntryKind::Incident,
    EntryKind::Supplement,
];

/// What the photo step did.
#[derive(Debug, Default)]
pub(crate) struct PhotosDone {
    /// Every photo the entries name.
    pub referenced: Vec<PhotoRef>,
    pub uploaded: u32,
}

impl<S: StoreAccess, P: FnMut(Progress)> Session<'_, S, P> {
    pub(crate) async fn upload_photos(&mut self) -> Result<PhotosDone> {
        let (referenced, todo) = self.store.with_store(|s| -> patrol_device::Result<_> {
            let referenced = plan::referenced_photos(&s.entries_of(PHOTO_KINDS)?);
            let todo = plan::photos_to_upload(&referenced, &s.pending_photos()?);
            let todo: Vec<(PhotoRef, PathBuf)> = todo
                .into_iter()
                .map(|p| {
                    let path = s.photo_path(&p.sha256);
                    (p, path)
                })
                .collect();
            Ok((referenced, todo))
        })?;
        let mut uploaded = 0;
        for (photo, path) in todo {
            match self.upload_photo(&photo, &path).await {
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
            uploaded,
        })
    }

    async fn upload_photo(&mut self, photo: &PhotoRef, path: &Path) -> Result<()> {
        check_file(photo, path)?;
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
            let bytes = read_range(path, range.clone())?;
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

fn io_error(path: &Path, source: std::io::Error) -> Error {
    Error::Store(patrol_device::Error::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The file must still be the photo its name says before any byte leaves the device.
fn check_file(photo: &PhotoRef, path: &Path) -> Result<()> {
    let mut file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf).map_err(|e| io_error(path, e))?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    let sha = format!("{:x}", hasher.finalize());
    if sha != photo.sha256 || size != photo.size {
        return Err(io_error(
            path,
            std::io::Error::other(
                "the photo file on this device is damaged (SHA-256 or size differ)",
            ),
        ));
    }
    Ok(())
}

fn read_range(path: &Path, range: Range<u64>) -> Result<Vec<u8>> {
    let mut file = std::fs::File::open(path).map_err(|e| io_error(path, e))?;
    file.seek(SeekFrom::Start(range.start))
        .map_err(|e| io_error(path, e))?;
    let mut buf = vec![0u8; (range.end - range.start) as usize];
    file.read_exact(&mut buf).map_err(|e| io_error(path, e))?;
    Ok(buf)
}
