//! Photos as files named by their SHA-256 under `photos/`. A photo is written to a temporary
//! file, synced, then renamed into place, so a crash never leaves a half photo under a real name;
//! entries carry only the hash, size and type.

use super::Store;
use crate::{Error, Result};
use patrol_model::PhotoRef;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::PathBuf;

/// Recognize the photo type from the file's first bytes.
pub fn sniff_mime(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xD8, 0xFF, ..] => Some("image/jpeg"),
        [0x89, b'P', b'N', b'G', ..] => Some("image/png"),
        [
            b'R',
            b'I',
            b'F',
            b'F',
            _,
            _,
            _,
            _,
            b'W',
            b'E',
            b'B',
            b'P',
            ..,
        ] => Some("image/webp"),
        [
            _,
            _,
            _,
            _,
            b'f',
            b't',
            b'y',
            b'p',
            b'h',
            b'e',
            b'i',
            b'c',
            ..,
        ] => Some("image/heic"),
        _ => None,
    }
}

impl Store {
    /// Store a photo; idempotent for the same bytes.
    pub fn add_photo(&self, bytes: &[u8]) -> Result<PhotoRef> {
        let mime = sniff_mime(bytes).ok_or_else(|| {
            patrol_model::ValidationError::new("photo", "is not a JPEG, PNG, WebP or HEIC image")
        })?;
        let sha = hex::encode(Sha256::digest(bytes));
        let photo = PhotoRef {
            sha256: sha.clone(),
            size: bytes.len() as u64,
            mime: mime.into(),
        };
        photo.validate()?;
        let path = self.photo_path(&sha);
        if !path.exists() {
            let tmp = self.dir.join("photos").join(format!(".{sha}.tmp"));
            let mut f = super::private_file(&tmp).map_err(|e| Error::io(&tmp, e))?;
            f.write_all(bytes)
                .and_then(|_| f.sync_all())
                .map_err(|e| Error::io(&tmp, e))?;
            std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
            if let Ok(d) = std::fs::File::open(self.dir.join("photos")) {
                let _ = d.sync_all();
            }
        }
        self.conn.execute(
            "INSERT INTO photos (sha256, size, mime, created_ms) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (sha256) DO NOTHING",
            params![sha, photo.size as i64, mime, self.clock.wall_ms()],
        )?;
        Ok(photo)
    }

    pub fn photo_path(&self, sha256: &str) -> PathBuf {
        self.dir.join("photos").join(sha256)
    }

    pub fn photo(&self, sha256: &str) -> Result<PhotoRef> {
        self.conn
            .query_row(
                "SELECT sha256, size, mime FROM photos WHERE sha256 = ?1",
                [sha256],
                |r| {
                    Ok(PhotoRef {
                        sha256: r.get(0)?,
                        size: r.get::<_, i64>(1)? as u64,
                        mime: r.get(2)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| Error::NoSuchPhoto(sha256.into()))
    }

    /// Read a photo back, checking it still matches its name.
    pub fn read_photo(&self, sha256: &str) -> Result<Vec<u8>> {
        let path = self.photo_path(sha256);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(Error::io(
                &path,
                std::io::Error::other("photo file does not match its sha256"),
            ));
        }
        Ok(bytes)
    }
}
