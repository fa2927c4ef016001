//! Sync without a network (站内导出): everything HQ does not yet hold — entries after the last
//! receipt's head, photos not yet uploaded — written to one signed file (see
//! [`patrol_model::bundle`]) that `patrol-hq import bundle` ingests exactly as an upload. Nothing
//! on the device changes: the entries stay queued, and the next sync (or the next bundle)
//! settles them against HQ's receipt, so a bundle lost on the way loses nothing.

use crate::{Error, Result, last_receipt};
use patrol_device::Store;
use patrol_model::bundle::{self, Manifest};
use std::io::Write;
use std::path::Path;

/// Entries read from the store at a time while writing.
const PAGE: usize = 2000;

/// What HQ does not yet hold, by this device's last receipt: from the seq after the receipt's
/// head (1 without one) to the store's head, and the photos not marked uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pending {
    pub from_seq: u64,
    pub to_seq: u64,
    pub photos: usize,
}

/// What [`export`] would write, without writing it.
pub fn pending(store: &Store) -> Result<Pending> {
    let from_seq = last_receipt(store)?.map_or(0, |(r, _)| r.head.seq) + 1;
    let (to_seq, _) = store.head()?;
    Ok(Pending {
        from_seq,
        to_seq,
        photos: store.pending_photos()?.len(),
    })
}

/// Write a signed bundle of everything HQ does not yet hold to `out`, signed with the device
/// secret (the CLI reads it from the store; the app from the OS keystore). The ledger is
/// verified first: a broken ledger is never exported, as it is never synced.
pub fn export(store: &Store, device_secret: &str, out: impl Write) -> Result<Manifest> {
    let enrollment = store.enrollment()?.ok_or(Error::NotEnrolled)?;
    store.ensure_intact()?;
    let p = pending(store)?;
    let mut entries = Vec::new();
    let mut next = p.from_seq;
    while next <= p.to_seq {
        let page = store.entries(next, PAGE)?;
        let Some(last) = page.last() else { break };
        next = last.seq + 1;
        entries.extend(page.into_iter().filter(|e| e.seq <= p.to_seq));
    }
    let mut photos = Vec::new();
    for photo in store.pending_photos()? {
        let bytes = store.read_photo(&photo.sha256)?;
        photos.push((photo, bytes));
    }
    let now = store.clock().wall_ms();
    Ok(bundle::write(
        out,
        store.device_id(),
        &enrollment.hq_url,
        now,
        &entries,
        &photos,
        device_secret,
    )?)
}

/// [`export`] to `file`, written beside it first (`FILE.partial`), flushed to disk and renamed
/// when complete: a full disk or a pulled cable never leaves a file that looks like a bundle.
pub fn export_to_file(store: &Store, device_secret: &str, file: &Path) -> Result<Manifest> {
    let mut partial = file.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let io = |what: &str, path: &Path, e: std::io::Error| {
        Error::Bundle(bundle::BundleError::Io(std::io::Error::new(
            e.kind(),
            format!("{what} {}: {e}", path.display()),
        )))
    };
    let written = (|| {
        let f = std::fs::File::create(&partial).map_err(|e| io("cannot write", &partial, e))?;
        let mut w = std::io::BufWriter::new(f);
        let m = export(store, device_secret, &mut w)?;
        w.flush().map_err(|e| io("cannot write", &partial, e))?;
        let f = w
            .into_inner()
            .map_err(|e| io("cannot write", &partial, e.into_error()))?;
        f.sync_all().map_err(|e| io("cannot flush", &partial, e))?;
        std::fs::rename(&partial, file).map_err(|e| io("cannot move the bundle to", file, e))?;
        Ok(m)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}
