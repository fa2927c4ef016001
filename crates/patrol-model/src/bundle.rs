//! A station bundle (离线导出包): what a device that cannot reach HQ carries to it on a cable or a
//! USB stick — every entry and photo HQ does not yet hold — in one file HQ ingests exactly as it
//! would an upload.
//!
//! The file is a gzip'd tar (readable with `tar tzf`): `manifest.json`, `entries.json` (the
//! entries in their wire form, seq order) and `photos/<sha256>`. The manifest names the device,
//! the HQ the device is enrolled with, the seq range and the SHA-256 of `entries.json` and of
//! every photo, and carries an HMAC-SHA256 over all of that. Its key is the SHA-256 of the
//! device secret, which is what HQ keeps of the secret, so HQ can check the bundle while the
//! secret itself stays on the device; making a bundle HQ accepts needs the device's secret (or
//! HQ's own database). The entries' canonical bytes are untouched, so every hash still verifies.
//!
//! [`Bundle::check`] finds the first thing wrong, in the order a person can act on: a changed
//! entry (named by its seq), a broken chain inside the bundle, entries or photos that are not
//! the ones signed, and last the signature itself.

use crate::{DeviceId, Entry, Hash, PhotoRef};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};

/// The format this build writes and reads.
pub const FORMAT: &str = "patrol-bundle/1";

/// The largest bundle file read (photos included), so a wrong file cannot exhaust memory.
pub const MAX_BYTES: u64 = 2 * 1024 * 1024 * 1024;

const MANIFEST: &str = "manifest.json";
const ENTRIES: &str = "entries.json";
const PHOTOS: &str = "photos/";

/// What the bundle holds and who made it; `mac` signs everything else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub format: String,
    pub device_id: DeviceId,
    /// The HQ the device is enrolled with (the bundle is for it and no other).
    pub hq_url: String,
    /// The device's clock when it wrote the bundle.
    pub created_ms: i64,
    /// The entries held: `from_seq..=to_seq` (none when `to_seq < from_seq`).
    pub from_seq: u64,
    pub to_seq: u64,
    /// The hash of the entry at `to_seq` (the device's head when it wrote the bundle).
    pub head_hash: Hash,
    /// Lower-case hex SHA-256 of `entries.json` as stored in the bundle.
    pub entries_sha256: String,
    /// The photos in `photos/`, each named by its SHA-256.
    pub photos: Vec<PhotoRef>,
    /// HMAC-SHA256 (hex) of this manifest without `mac`, keyed by [`mac_key`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}

impl Manifest {
    /// How many entries the bundle holds (`from_seq..=to_seq`; 0 when nothing was pending).
    pub fn entry_count(&self) -> u64 {
        (self.to_seq + 1).saturating_sub(self.from_seq)
    }
}

/// A bundle as read from its file, not yet checked.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub manifest: Manifest,
    pub entries: Vec<Entry>,
    /// Photo bytes by SHA-256 name, in the manifest's order.
    pub photos: Vec<(PhotoRef, Vec<u8>)>,
    entries_bytes: Vec<u8>,
}

/// Why a bundle cannot be written, read or trusted. Each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("cannot read or write the bundle file: {0}")]
    Io(#[from] std::io::Error),
    #[error("not a patrol bundle: {0}")]
    NotABundle(String),
    #[error("bundle format {found} is not {FORMAT}: import it with a build that reads it")]
    Format { found: String },
    #[error("the bundle is larger than {MAX_BYTES} bytes")]
    TooLarge,
    #[error("entry seq {seq} was changed after the device sealed it: {reason}")]
    BadEntry { seq: u64, reason: String },
    #[error("entry seq {seq} belongs to device {found}, not to the bundle's device {expected}")]
    WrongDevice {
        seq: u64,
        expected: DeviceId,
        found: DeviceId,
    },
    #[error("the entries do not match the manifest: {0}")]
    Entries(String),
    #[error("photo {sha256}: {reason}")]
    BadPhoto { sha256: String, reason: String },
    #[error(
        "the signature does not verify: the bundle was not made by device {device} with its \
         current secret, or was changed after it was made"
    )]
    BadSignature { device: DeviceId },
}

/// The key a bundle is signed with: SHA-256 of the device secret (hex-decoded, what HQ keeps).
pub fn mac_key(device_secret: &str) -> [u8; 32] {
    Sha256::digest(device_secret.as_bytes()).into()
}

fn mac_of(manifest: &Manifest, key: &[u8]) -> Result<String, BundleError> {
    let unsigned = Manifest {
        mac: None,
        ..manifest.clone()
    };
    let bytes = serde_json::to_vec(&unsigned)
        .map_err(|e| BundleError::NotABundle(format!("manifest: {e}")))?;
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .map_err(|e| BundleError::NotABundle(format!("key: {e}")))?;
    m.update(&bytes);
    Ok(hex::encode(m.finalize().into_bytes()))
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Write a signed bundle of `entries` (consecutive seqs of `device`, oldest first) and `photos`
/// to `out`. Returns the manifest written.
pub fn write(
    out: impl Write,
    device: DeviceId,
    hq_url: &str,
    created_ms: i64,
    entries: &[Entry],
    photos: &[(PhotoRef, Vec<u8>)],
    device_secret: &str,
) -> Result<Manifest, BundleError> {
    let entries_bytes = serde_json::to_vec(entries)
        .map_err(|e| BundleError::Entries(format!("cannot encode: {e}")))?;
    let (from_seq, to_seq, head_hash) = match (entries.first(), entries.last()) {
        (Some(a), Some(b)) => (a.seq, b.seq, b.hash),
        _ => (1, 0, Hash::GENESIS),
    };
    let mut manifest = Manifest {
        format: FORMAT.into(),
        device_id: device,
        hq_url: hq_url.into(),
        created_ms,
        from_seq,
        to_seq,
        head_hash,
        entries_sha256: sha256_hex(&entries_bytes),
        photos: photos.iter().map(|(p, _)| p.clone()).collect(),
        mac: None,
    };
    manifest.mac = Some(mac_of(&manifest, &mac_key(device_secret))?);
    let manifest_bytes = serde_json::to_vec_pretty(&manifest)
        .map_err(|e| BundleError::NotABundle(format!("manifest: {e}")))?;
    let gz = flate2::write::GzEncoder::new(out, flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    let mut add = |name: &str, bytes: &[u8]| -> std::io::Result<()> {
        let mut h = tar::Header::new_gnu();
        h.set_size(bytes.len() as u64);
        h.set_mode(0o600);
        h.set_mtime(u64::try_from(created_ms / 1000).unwrap_or(0));
        h.set_cksum();
        tar.append_data(&mut h, name, bytes)
    };
    add(MANIFEST, &manifest_bytes)?;
    add(ENTRIES, &entries_bytes)?;
    for (p, bytes) in photos {
        add(&format!("{PHOTOS}{}", p.sha256), bytes)?;
    }
    tar.into_inner()?.finish()?.flush()?;
    Ok(manifest)
}

/// Read a bundle from `input` (at most [`MAX_BYTES`]) without trusting it: see [`Bundle::check`].
pub fn read(input: impl Read) -> Result<Bundle, BundleError> {
    let limited = input.take(MAX_BYTES + 1);
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(limited));
    let (mut manifest, mut entries_bytes) = (None, None);
    let mut photo_bytes = std::collections::HashMap::new();
    let mut total: u64 = 0;
    let entries = tar
        .entries()
        .map_err(|e| BundleError::NotABundle(format!("not a gzip'd tar: {e}")))?;
    for item in entries {
        let mut item = item.map_err(|e| BundleError::NotABundle(format!("damaged: {e}")))?;
        let name = item
            .path()
            .map_err(|e| BundleError::NotABundle(format!("a file name: {e}")))?
            .to_string_lossy()
            .into_owned();
        total = total.saturating_add(item.size());
        if total > MAX_BYTES {
            return Err(BundleError::TooLarge);
        }
        let mut bytes = Vec::with_capacity(usize::try_from(item.size()).unwrap_or(0));
        item.read_to_end(&mut bytes)
            .map_err(|e| BundleError::NotABundle(format!("{name}: {e}")))?;
        if name == MANIFEST {
            let m: Manifest = serde_json::from_slice(&bytes)
                .map_err(|e| BundleError::NotABundle(format!("{MANIFEST}: {e}")))?;
            if m.format != FORMAT {
                return Err(BundleError::Format { found: m.format });
            }
            manifest = Some(m);
        } else if name == ENTRIES {
            entries_bytes = Some(bytes);
        } else if let Some(sha) = name.strip_prefix(PHOTOS) {
            photo_bytes.insert(sha.to_owned(), bytes);
        } else {
            return Err(BundleError::NotABundle(format!("unexpected file {name}")));
        }
    }
    let manifest = manifest.ok_or_else(|| BundleError::NotABundle(format!("no {MANIFEST}")))?;
    let entries_bytes =
        entries_bytes.ok_or_else(|| BundleError::NotABundle(format!("no {ENTRIES}")))?;
    let entries: Vec<Entry> = serde_json::from_slice(&entries_bytes)
        .map_err(|e| BundleError::Entries(format!("{ENTRIES} does not parse: {e}")))?;
    let mut photos = Vec::with_capacity(manifest.photos.len());
    for p in &manifest.photos {
        let bytes = photo_bytes
            .remove(&p.sha256)
            .ok_or_else(|| BundleError::BadPhoto {
                sha256: p.sha256.clone(),
                reason: "named in the manifest but not in the bundle".into(),
            })?;
        photos.push((p.clone(), bytes));
    }
    if let Some(extra) = photo_bytes.keys().next() {
        return Err(BundleError::BadPhoto {
            sha256: extra.clone(),
            reason: "in the bundle but not in the manifest".into(),
        });
    }
    Ok(Bundle {
        manifest,
        entries,
        photos,
        entries_bytes,
    })
}

impl Bundle {
    /// Check everything against the key HQ holds for the device (`mac_key`, i.e. the SHA-256
    /// of its secret): each entry's own hash, the chain inside the bundle, the seq range, the
    /// entries' and photos' SHA-256, and the signature. Whether the first entry links to what HQ
    /// holds is the upload's business, as for any upload.
    pub fn check(&self, key: &[u8]) -> Result<(), BundleError> {
        let m = &self.manifest;
        let mut prev: Option<&Entry> = None;
        for e in &self.entries {
            if e.device_id != m.device_id {
                return Err(BundleError::WrongDevice {
                    seq: e.seq,
                    expected: m.device_id,
                    found: e.device_id,
                });
            }
            let (expected_seq, prev_hash) = match prev {
                Some(p) => (p.seq + 1, p.hash),
                None => (e.seq, e.prev_hash),
            };
            e.verify_link(expected_seq, prev_hash)
                .map_err(|err| BundleError::BadEntry {
                    seq: e.seq,
                    reason: err.to_string(),
                })?;
            prev = Some(e);
        }
        let (from, to, head) = match (self.entries.first(), self.entries.last()) {
            (Some(a), Some(b)) => (a.seq, b.seq, b.hash),
            _ => (m.from_seq, m.to_seq, m.head_hash),
        };
        if (from, to, head) != (m.from_seq, m.to_seq, m.head_hash) {
            return Err(BundleError::Entries(format!(
                "the manifest says seqs {}..={} ending in {}, the bundle holds {from}..={to} \
                 ending in {}",
                m.from_seq,
                m.to_seq,
                m.head_hash.to_hex(),
                head.to_hex()
            )));
        }
        if sha256_hex(&self.entries_bytes) != m.entries_sha256 {
            return Err(BundleError::Entries(
                "entries.json is not the one the device signed".into(),
            ));
        }
        for (p, bytes) in &self.photos {
            let reason = if bytes.len() as u64 != p.size {
                format!("{} bytes, the manifest says {}", bytes.len(), p.size)
            } else if sha256_hex(bytes) != p.sha256 {
                "its bytes do not hash to its name".into()
            } else {
                continue;
            };
            return Err(BundleError::BadPhoto {
                sha256: p.sha256.clone(),
                reason,
            });
        }
        let expected = mac_of(m, key)?;
        let given = m.mac.as_deref().unwrap_or_default();
        // Constant time: a forger learns nothing from how long the refusal took.
        let same = expected.len() == given.len()
            && expected
                .bytes()
                .zip(given.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0;
        if !same {
            return Err(BundleError::BadSignature {
                device: m.device_id,
            });
        }
        Ok(())
    }
}
