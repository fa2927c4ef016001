//! Where the store key and the device secret live, and the only code that reads them. The
//! secret (issued once at enrolment, HQ keeps only its hash) authenticates every sync; it stays
//! in Rust and is never returned to the web view — no command's answer contains it.
//!
//! On a desktop both sit in the OS keystore ([`Keystore::Os`], the `keyring` crate): the Secret
//! Service on Linux, the Keychain on macOS, the Credential Manager on Windows, as two entries of
//! service [`KEYRING_SERVICE`] named after the data folder (`store-key <folder>`,
//! `device-secret <folder>`). Enrolment writes the secret into the store's settings (that is
//! what `SyncEngine::enroll` does, as for the CLI); [`secure_device_secret`] then moves it into
//! the keystore — written, read back, and only then deleted from the settings — and does the
//! same for a secret an older version left there.
//!
//! Where no keystore answers (Linux without a running Secret Service: CI, Xvfb, a kiosk
//! session), or when `PATROL_KEY_FILE` names a file, the store key is kept in a 0600 key file
//! ([`Keystore::File`], `<data dir>.key` beside the folder) and the device secret stays in the
//! settings of the store, which that key encrypts. A key file once used stays in use, so a
//! keystore that appears later never leads to a second key.
//!
//! Losing the store key makes the store unreadable, with the evidence HQ does not hold yet:
//! the key is made once and never replaced, and an encrypted store whose key is missing is not
//! opened (`key_missing`) rather than given a new one. Phones keep both in the Android Keystore
//! and the iOS Keychain, readable after first unlock (mobile/README.md).
//!
//! The secret is bound to the HQ that issued it: the store keeps that address
//! (`Store::enrolled_hq_url`, written only by enrolment), `set_settings` cannot change it, and
//! `sync_with` refuses credentials naming any other address before sending anything.

use patrol_device::{FileKeySource, KeySource, Store, StoreKey};
use patrol_sync::Credentials;
use std::path::{Path, PathBuf};

/// The OS keystore's service name for this app's entries (the app's identifier).
pub const KEYRING_SERVICE: &str = "cn.changde.patrol";

/// Where the store key (and, in the OS keystore, the device secret) of one data folder is kept.
#[derive(Debug, Clone)]
pub enum Keystore {
    /// The OS keystore; `folder` is the data folder the entries are named after.
    Os { folder: String },
    /// A key file; the device secret stays in the (encrypted) store.
    File(FileKeySource),
}

impl Keystore {
    /// Where the keys of `data_dir` live: `key_file` when given (`PATROL_KEY_FILE`), else a key
    /// file already beside the folder, else the OS keystore when it answers, else a new key file
    /// beside the folder (logged).
    pub fn for_data_dir(
        data_dir: &Path,
        key_file: Option<&Path>,
    ) -> Result<Keystore, crate::error::ShellError> {
        if let Some(path) = key_file {
            return Ok(Keystore::File(FileKeySource::new(path)));
        }
        let beside = FileKeySource::beside(data_dir)
            .map_err(|e| crate::error::ShellError::Keys(e.to_string()))?;
        if beside.path().exists() {
            return Ok(Keystore::File(beside));
        }
        let folder = std::path::absolute(data_dir)
            .unwrap_or_else(|_| data_dir.to_path_buf())
            .display()
            .to_string();
        match os::probe(&folder) {
            Ok(()) => Ok(Keystore::Os { folder }),
            Err(why) => {
                log::warn!(
                    "no OS keystore ({why}); the store key is kept in {}",
                    beside.path().display()
                );
                Ok(Keystore::File(beside))
            }
        }
    }

    /// A key file (tests, `PATROL_KEY_FILE`).
    pub fn file(path: impl Into<PathBuf>) -> Keystore {
        Keystore::File(FileKeySource::new(path))
    }

    fn describe(&self) -> String {
        match self {
            Keystore::Os { folder } => format!("OS keystore ({KEYRING_SERVICE}, {folder})"),
            Keystore::File(f) => format!("key file {}", f.path().display()),
        }
    }
}

impl KeySource for Keystore {
    fn load(&self) -> patrol_device::Result<Option<StoreKey>> {
        match self {
            Keystore::File(f) => f.load(),
            Keystore::Os { folder } => match os::get(os::STORE_KEY, folder)? {
                None => Ok(None),
                Some(hex) => StoreKey::from_hex(&hex)
                    .map(Some)
                    .map_err(|reason| store_error(self, reason)),
            },
        }
    }

    fn load_or_create(&self) -> patrol_device::Result<StoreKey> {
        match self {
            Keystore::File(f) => f.load_or_create(),
            Keystore::Os { folder } => {
                if let Some(key) = self.load()? {
                    return Ok(key);
                }
                let key = StoreKey::generate()?;
                os::set(os::STORE_KEY, folder, &key.to_hex())?;
                // Used only once it reads back: a keystore that drops what it was given must
                // not be trusted with the one key to the evidence.
                match self.load()? {
                    Some(stored) if stored == key => Ok(key),
                    _ => Err(store_error(
                        self,
                        "the new store key did not read back".into(),
                    )),
                }
            }
        }
    }
}

fn store_error(keys: &Keystore, reason: String) -> patrol_device::Error {
    patrol_device::Error::KeyStore {
        place: keys.describe(),
        reason,
    }
}

/// Move a device secret from the store's settings into the OS keystore (after enrolment, and on
/// open for a secret an older version kept there): write it, read it back, then delete it
/// from the settings. With a key file there is no keystore: the secret stays in the encrypted
/// store. A failure leaves the secret where it was.
pub fn secure_device_secret(keys: &Keystore, store: &Store) -> patrol_device::Result<()> {
    let Keystore::Os { folder } = keys else {
        return Ok(());
    };
    let Some(secret) = store.device_secret()?.map(zeroize::Zeroizing::new) else {
        return Ok(());
    };
    os::set(os::DEVICE_SECRET, folder, &secret)?;
    match os::get(os::DEVICE_SECRET, folder)? {
        Some(stored) if *stored == *secret => store.forget_device_secret(),
        _ => Err(store_error(
            keys,
            "the device secret did not read back; it stays in the store".into(),
        )),
    }
}

/// The device secret: the settings' (not moved yet, or a key file is in use), else the OS
/// keystore's.
fn device_secret(keys: &Keystore, store: &Store) -> patrol_device::Result<Option<String>> {
    if let Some(secret) = store.device_secret()? {
        return Ok(Some(secret));
    }
    match keys {
        Keystore::Os { folder } => Ok(os::get(os::DEVICE_SECRET, folder)?.map(|s| s.to_string())),
        Keystore::File(_) => Ok(None),
    }
}

/// The device secret and the HQ address it was issued for, for a sync.
pub fn credentials(keys: &Keystore, store: &Store) -> patrol_sync::Result<Credentials> {
    match (store.enrolled_hq_url()?, device_secret(keys, store)?) {
        (Some(hq_url), Some(secret)) => Ok(Credentials { hq_url, secret }),
        _ => Err(patrol_sync::Error::NotEnrolled),
    }
}

/// Enrolled means: the device holds a secret HQ issued, and knows which HQ issued it.
pub fn enrolled(keys: &Keystore, store: &Store) -> patrol_device::Result<bool> {
    Ok(store.enrolled_hq_url()?.is_some() && device_secret(keys, store)?.is_some())
}

/// The OS keystore through `keyring` (desktops).
#[cfg(not(any(target_os = "android", target_os = "ios")))]
mod os {
    use zeroize::Zeroizing;

    pub const STORE_KEY: &str = "store-key";
    pub const DEVICE_SECRET: &str = "device-secret";

    fn entry(kind: &str, folder: &str) -> keyring::Result<keyring::Entry> {
        keyring::Entry::new(super::KEYRING_SERVICE, &format!("{kind} {folder}"))
    }

    fn failed(kind: &str, e: keyring::Error) -> patrol_device::Error {
        patrol_device::Error::KeyStore {
            place: format!("OS keystore entry {kind}"),
            reason: e.to_string(),
        }
    }

    /// Whether the keystore answers at all: reading our entry succeeds or finds nothing.
    pub fn probe(folder: &str) -> patrol_device::Result<()> {
        match entry(STORE_KEY, folder).and_then(|e| e.get_password()) {
            Ok(_) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(failed(STORE_KEY, e)),
        }
    }

    pub fn get(kind: &str, folder: &str) -> patrol_device::Result<Option<Zeroizing<String>>> {
        match entry(kind, folder).and_then(|e| e.get_password()) {
            Ok(s) => Ok(Some(Zeroizing::new(s))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(failed(kind, e)),
        }
    }

    pub fn set(kind: &str, folder: &str, value: &str) -> patrol_device::Result<()> {
        entry(kind, folder)
            .and_then(|e| e.set_password(value))
            .map_err(|e| failed(kind, e))
    }
}

/// Phones: the Android Keystore and iOS Keychain entries are designed (mobile/README.md) but not
/// built here, so there is no OS keystore and the key file in the app's private storage is used.
#[cfg(any(target_os = "android", target_os = "ios"))]
mod os {
    use zeroize::Zeroizing;

    pub const STORE_KEY: &str = "store-key";
    pub const DEVICE_SECRET: &str = "device-secret";

    pub fn probe(_folder: &str) -> patrol_device::Result<()> {
        Err(patrol_device::Error::KeyStore {
            place: "the phone's keystore".into(),
            reason: "the Android Keystore and iOS Keychain entries are not built yet".into(),
        })
    }

    pub fn get(_kind: &str, _folder: &str) -> patrol_device::Result<Option<Zeroizing<String>>> {
        Ok(None)
    }

    pub fn set(kind: &str, _folder: &str, _value: &str) -> patrol_device::Result<()> {
        Err(patrol_device::Error::KeyStore {
            place: format!("OS keystore entry {kind}"),
            reason: "the phone keystores are not built yet".into(),
        })
    }
}
