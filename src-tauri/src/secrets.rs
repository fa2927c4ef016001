//! Where the device secret lives, and the only code that reads it. The secret (issued once at
//! enrolment, HQ keeps only its hash) authenticates every sync; it stays in Rust and is never
//! returned to the web view — no command's answer contains it.
//!
//! Today it is kept in the store's settings, exactly as the `patrol` CLI keeps it (that is what
//! `SyncEngine::enroll` writes). The mobile build moves it into the OS keystore per MOBILE.md:
//! Android Keystore (an AES key that never leaves the keystore wraps the secret) and the iOS
//! Keychain with `kSecAttrAccessibleAfterFirstUnlockThisDeviceOnly`, so background syncs work
//! while the phone is locked and a backup restored on another phone cannot sync as this one.
//! Only [`credentials`] changes then: the engine already takes them through
//! `SyncEngine::sync_with`.
//!
//! The secret is bound to the HQ that issued it: the store keeps that address
//! (`Store::enrolled_hq_url`, written only by enrolment), `set_settings` cannot change it, and
//! `sync_with` refuses credentials naming any other address before sending anything. A keystore
//! version must keep pairing the secret with that address.

use patrol_device::Store;
use patrol_sync::Credentials;

/// The device secret and the HQ address it was issued for, for a sync.
pub fn credentials(store: &Store) -> patrol_sync::Result<Credentials> {
    Credentials::from_store(store)
}

/// Enrolled means: the device holds a secret HQ issued.
pub fn enrolled(store: &Store) -> patrol_device::Result<bool> {
    Ok(store.device_secret()?.is_some())
}
