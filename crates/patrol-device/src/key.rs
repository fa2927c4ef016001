//! The store key: 32 random bytes that SQLCipher uses (as a raw key, no passphrase derivation)
//! to encrypt every page of `device.sqlite`. Where it is kept is a [`KeySource`]: the OS
//! keystore in the app, a 0600 file ([`FileKeySource`]) for the CLI and as the app's fallback.
//!
//! Losing the key makes the store unreadable, and the evidence in it that HQ does not hold yet
//! with it. So a key, once written, is never overwritten: [`FileKeySource`] creates its file
//! with create-new semantics (a fully written, fsynced file appears at once or not at all), and
//! [`crate::Store::open_with_source`] refuses to create a new key beside an encrypted store
//! (`key_missing`): the only way forward is restoring the key it was made with.

use crate::{Error, Result};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use zeroize::{Zeroize, Zeroizing};

/// Length of the key in bytes (SQLCipher's raw key).
pub const STORE_KEY_LEN: usize = 32;

/// The key of an encrypted store. `Debug` never prints it; its bytes are zeroed on drop.
#[derive(Clone, PartialEq, Eq)]
pub struct StoreKey([u8; STORE_KEY_LEN]);

impl StoreKey {
    /// A new key from the operating system's random source.
    pub fn generate() -> Result<StoreKey> {
        use rand::TryRngCore;
        let mut bytes = [0u8; STORE_KEY_LEN];
        rand::rngs::OsRng
            .try_fill_bytes(&mut bytes)
            .map_err(|e| Error::KeyStore {
                place: "new store key".into(),
                reason: format!("the system's random source failed: {e}"),
            })?;
        let key = StoreKey(bytes);
        bytes.zeroize();
        Ok(key)
    }

    pub fn from_bytes(bytes: [u8; STORE_KEY_LEN]) -> StoreKey {
        StoreKey(bytes)
    }

    /// Parse 64 hex digits (surrounding whitespace ignored), as [`StoreKey::to_hex`] writes them.
    pub fn from_hex(text: &str) -> std::result::Result<StoreKey, String> {
        let text = text.trim();
        let mut bytes = [0u8; STORE_KEY_LEN];
        match hex::decode_to_slice(text, &mut bytes) {
            Ok(()) => Ok(StoreKey(bytes)),
            Err(_) => {
                bytes.zeroize();
                Err(format!(
                    "not a store key ({} characters; expected {} hex digits)",
                    text.len(),
                    STORE_KEY_LEN * 2
                ))
            }
        }
    }

    /// The key as 64 lower-case hex digits (for a key file or a keystore entry).
    pub fn to_hex(&self) -> Zeroizing<String> {
        Zeroizing::new(hex::encode(self.0))
    }

    /// The key for photo files, derived from this one under its own label so the same bytes
    /// never key two ciphers.
    pub(crate) fn photo_key(&self) -> Zeroizing<[u8; 32]> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"patrol-device/photo-key/v1\n");
        h.update(self.0);
        Zeroizing::new(h.finalize().into())
    }

    /// SQLCipher's raw-key form, `x'…'`, for `PRAGMA key` and `ATTACH … KEY`.
    pub(crate) fn sqlcipher_literal(&self) -> Zeroizing<String> {
        Zeroizing::new(format!("x'{}'", hex::encode_upper(self.0)))
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("StoreKey(..)")
    }
}

impl Drop for StoreKey {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

/// Where a store key is kept.
pub trait KeySource {
    /// The key kept here, or `None` when there is none yet. Never creates one.
    fn load(&self) -> Result<Option<StoreKey>>;

    /// The key kept here, creating and keeping a new one when there is none. A key once kept
    /// is returned on every later call and never replaced.
    fn load_or_create(&self) -> Result<StoreKey>;
}

/// A key in a file of 64 hex digits, created 0600 and never overwritten.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileKeySource(pub PathBuf);

impl FileKeySource {
    pub fn new(path: impl Into<PathBuf>) -> FileKeySource {
        FileKeySource(path.into())
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// The default key file of the data folder `data_dir`: `<data dir>.key` beside it, not
    /// inside it, so copying the folder alone does not copy the key with it.
    pub fn beside(data_dir: &Path) -> Result<FileKeySource> {
        let bad = |reason: &str| Error::KeyStore {
            place: format!("data folder {}", data_dir.display()),
            reason: reason.to_owned(),
        };
        let abs = std::path::absolute(data_dir).map_err(|e| Error::io(data_dir, e))?;
        let mut clean = PathBuf::new();
        for c in abs.components() {
            match c {
                std::path::Component::CurDir => {}
                std::path::Component::ParentDir => {
                    clean.pop();
                }
                other => clean.push(other),
            }
        }
        let name = clean
            .file_name()
            .ok_or_else(|| bad("no key file beside the root folder; set one explicitly"))?;
        let mut file = name.to_os_string();
        file.push(".key");
        Ok(FileKeySource(clean.with_file_name(file)))
    }

    fn read(&self) -> Result<Option<StoreKey>> {
        let path = &self.0;
        let text = match std::fs::read_to_string(path) {
            Ok(t) => Zeroizing::new(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(path, e)),
        };
        StoreKey::from_hex(&text)
            .map(Some)
            .map_err(|reason| Error::KeyStore {
                place: format!("key file {}", path.display()),
                reason,
            })
    }

    /// Write `key` to the key file unless it exists: first to a private temporary file, fsynced,
    /// then hard-linked to its name (which fails if the name exists), so the key file is
    /// never seen half written and never replaced. Returns whether this call created it.
    fn create_new(&self, key: &StoreKey) -> Result<bool> {
        let path = &self.0;
        let dir = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let name = path
            .file_name()
            .map_or_else(|| "store.key".into(), |n| n.to_string_lossy().into_owned());
        let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        let written = (|| -> std::io::Result<()> {
            let mut f = new_private_file(&tmp)?;
            f.write_all(key.to_hex().as_bytes())?;
            f.write_all(b"\n")?;
            f.sync_all()
        })();
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::io(&tmp, e));
        }
        let linked = std::fs::hard_link(&tmp, path);
        let _ = std::fs::remove_file(&tmp);
        let created = match linked {
            Ok(()) => true,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
            // A file system without hard links: create-new on the name itself.
            Err(_) => match new_private_file(path) {
                Ok(mut f) => {
                    let done = f
                        .write_all(key.to_hex().as_bytes())
                        .and_then(|()| f.write_all(b"\n"))
                        .and_then(|()| f.sync_all());
                    done.map_err(|e| Error::io(path, e))?;
                    true
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => false,
                Err(e) => return Err(Error::io(path, e)),
            },
        };
        crate::store::sync_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        Ok(created)
    }
}

impl KeySource for FileKeySource {
    fn load(&self) -> Result<Option<StoreKey>> {
        self.read()
    }

    fn load_or_create(&self) -> Result<StoreKey> {
        if let Some(key) = self.read()? {
            return Ok(key);
        }
        self.create_new(&StoreKey::generate()?)?;
        // Whatever is on disk now is the key (ours, or one another process wrote first).
        self.read()?.ok_or_else(|| Error::KeyStore {
            place: format!("key file {}", self.0.display()),
            reason: "the key file vanished right after it was written".into(),
        })
    }
}

/// Create a new file (failing if it exists) readable and writable by its owner only.
fn new_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_key() {
        let key = StoreKey::from_bytes([0xab; 32]);
        let shown = format!("{key:?}");
        assert_eq!(shown, "StoreKey(..)");
        assert!(!shown.to_lowercase().contains("abab"));
    }

    #[test]
    fn the_default_key_file_sits_beside_the_data_folder() {
        let beside = |p: &str| FileKeySource::beside(Path::new(p)).unwrap().0;
        assert_eq!(
            beside("/var/patrol/data"),
            Path::new("/var/patrol/data.key")
        );
        assert_eq!(
            beside("/var/patrol/data/"),
            Path::new("/var/patrol/data.key")
        );
        assert_eq!(
            beside("/var/patrol/data/."),
            Path::new("/var/patrol/data.key")
        );
        assert_eq!(
            beside("/var/patrol/x/../data"),
            Path::new("/var/patrol/data.key")
        );
        assert!(FileKeySource::beside(Path::new("/")).is_err());
    }

    #[test]
    fn hex_round_trip_and_bad_hex() {
        let key = StoreKey::generate().unwrap();
        assert_eq!(StoreKey::from_hex(&key.to_hex()).unwrap(), key);
        assert!(StoreKey::from_hex("abc").is_err());
        assert!(StoreKey::from_hex(&"zz".repeat(32)).is_err());
        assert_ne!(StoreKey::generate().unwrap(), key);
    }
}
