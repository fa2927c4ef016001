//! Photos as files named by their SHA-256 under `photos/`. A photo is written to a temporary
//! file, synced, then renamed into place, so a crash never leaves a half photo under a real name;
//! entries carry only the hash, size and type.
//!
//! In an encrypted store each file is sealed with XChaCha20-Poly1305 under a key derived from
//! the store's key: [`SEALED`] (8 bytes), a random 24-byte nonce, then the ciphertext and its tag,
//! with the photo's name (its SHA-256) as associated data, so a file cannot be passed off under
//! another name. [`Store::read_photo`] opens either form and always checks the SHA-256.

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
            patrol_model::ValidationError::new(
                "photo",
                patrol_model::ValidationCode::PhotoType,
                "is not a JPEG, PNG, WebP or HEIC image",
            )
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
            let stored = match &self.photo_key {
                Some(key) => seal(key, &sha, bytes)?,
                None => bytes.to_vec(),
            };
            self.write_photo_file(&sha, &stored)?;
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

    /// Read a photo back (opening it when sealed), checking it still matches its name.
    pub fn read_photo(&self, sha256: &str) -> Result<Vec<u8>> {
        let path = self.photo_path(sha256);
        let stored = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let bytes = match (stored.starts_with(SEALED), &self.photo_key) {
            (false, _) => stored,
            (true, Some(key)) => open(key, sha256, &stored[SEALED.len()..]).ok_or_else(|| {
                Error::io(
                    &path,
                    std::io::Error::other("sealed photo does not open with this store's key"),
                )
            })?,
            (true, None) => return Err(Error::WrongKey),
        };
        if hex::encode(Sha256::digest(&bytes)) != sha256 {
            return Err(Error::io(
                &path,
                std::io::Error::other("photo file does not match its sha256"),
            ));
        }
        Ok(bytes)
    }
}

/// The first bytes of a sealed photo file.
pub const SEALED: &[u8; 8] = b"PTRLPH1\0";
const NONCE: usize = 24;

fn seal(key: &[u8; 32], sha256: &str, plain: &[u8]) -> Result<Vec<u8>> {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    use chacha20poly1305::{XChaCha20Poly1305, XNonce};
    use rand::TryRngCore;
    let mut nonce = [0u8; NONCE];
    rand::rngs::OsRng
        .try_fill_bytes(&mut nonce)
        .map_err(|e| Error::KeyStore {
            place: "photo nonce".into(),
            reason: format!("the system's random source failed: {e}"),
        })?;
    let cipher = XChaCha20Poly1305::new(key.into());
    let sealed = cipher
        .encrypt(
            &XNonce::from(nonce),
            Payload {
                msg: plain,
                aad: sha256.as_bytes(),
            },
        )
        .map_err(|_| Error::KeyStore {
            place: "photo".into(),
            reason: "the photo could not be sealed".into(),
        })?;
    let mut out = Vec::with_capacity(SEALED.len() + NONCE + sealed.len());
    out.extend_from_slice(SEALED);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    Ok(out)
}

/// The photo inside a sealed file (after [`SEALED`]), or `None` when the key, the name or the
/// bytes do not match.
fn open(key: &[u8; 32], sha256: &str, body: &[u8]) -> Option<Vec<u8>> {
    use chacha20poly1305::aead::{Aead, KeyInit, Payload};
    use chacha20poly1305::{XChaCha20Poly1305, XNonce};
    let (nonce, sealed) = (body.get(..NONCE)?, body.get(NONCE..)?);
    let nonce = XNonce::try_from(nonce).ok()?;
    XChaCha20Poly1305::new(key.into())
        .decrypt(
            &nonce,
            Payload {
                msg: sealed,
                aad: sha256.as_bytes(),
            },
        )
        .ok()
}

impl Store {
    /// Write a photo file whole or not at all: a synced temp file renamed into place.
    fn write_photo_file(&self, sha: &str, stored: &[u8]) -> Result<()> {
        let path = self.photo_path(sha);
        let tmp = self.dir.join("photos").join(format!(".{sha}.tmp"));
        let mut f = super::private_file(&tmp).map_err(|e| Error::io(&tmp, e))?;
        f.write_all(stored)
            .and_then(|_| f.sync_all())
            .map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        if let Ok(d) = std::fs::File::open(self.dir.join("photos")) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    /// Seal every photo file of an encrypted store still kept in the clear (taken before the
    /// store was encrypted). A file that does not match its name is left as it is for
    /// `read_photo` to report, never sealed and so never blessed.
    pub(super) fn seal_plain_photos(&self) -> Result<()> {
        let Some(key) = &self.photo_key else {
            return Ok(());
        };
        let dir = self.dir.join("photos");
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.len() != 64 || !name.bytes().all(|b| b.is_ascii_hexdigit()) {
                continue;
            }
            let path = entry.path();
            let stored = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            if stored.starts_with(SEALED) || hex::encode(Sha256::digest(&stored)) != name {
                continue;
            }
            self.write_photo_file(&name, &seal(key, &name, &stored)?)?;
        }
        Ok(())
    }
}
