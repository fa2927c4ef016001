//! The device's copy of the map pack: a download that resumes where it stopped, across syncs
//! and app restarts, and is switched in only when its SHA-256 is the one HQ announced.
//!
//! In `dir`:
//! - `pack-<sha256>.mbtiles`: packs checked against their hash, named by it;
//! - `pack.json`: the [`MapPackRef`] of the one in use, written atomically after its file is in
//!   place, so a crash leaves either the old pack or the new one, never half of one;
//! - `next.part` and `next.json`: the download in progress and what it is meant to become.
//!
//! HQ's file never changes under one hash, so bytes saved for a hash stay good: each chunk is
//! appended and flushed before the next is asked for. A download for a different hash starts
//! over. Only [`LocalPack::finish`] reads the whole file (to hash it).

use crate::{Error, MbTiles, Result};
use patrol_model::v1::MapPackRef;
use sha2::{Digest, Sha256};
use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

/// The map pack folder of one device.
#[derive(Debug, Clone)]
pub struct LocalPack {
    dir: PathBuf,
}

impl LocalPack {
    pub fn new(dir: impl Into<PathBuf>) -> LocalPack {
        LocalPack { dir: dir.into() }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    fn pack_path(&self, sha256: &str) -> PathBuf {
        self.path(&format!("pack-{sha256}.mbtiles"))
    }

    /// The pack in use, with its file, when there is one.
    pub fn ready(&self) -> Result<Option<(MapPackRef, PathBuf)>> {
        let Some(r) = read_json(&self.path("pack.json"))? else {
            return Ok(None);
        };
        let file = self.pack_path(&r.sha256);
        Ok(file.is_file().then_some((r, file)))
    }

    /// The download in progress: what it is for and how many bytes are saved.
    pub fn downloading(&self) -> Result<Option<(MapPackRef, u64)>> {
        let Some(r) = read_json(&self.path("next.json"))? else {
            return Ok(None);
        };
        let have = fs::metadata(self.path("next.part")).map_or(0, |m| m.len());
        Ok(Some((r, have)))
    }

    /// Whether `want` is already the pack in use.
    pub fn has(&self, want: &MapPackRef) -> Result<bool> {
        Ok(self
            .ready()?
            .is_some_and(|(r, _)| r.sha256 == want.sha256 && r.bytes == want.bytes))
    }

    /// Where the download of `want` goes on from: the bytes already saved for the same hash, or
    /// 0 after clearing a download meant for another one.
    pub fn resume(&self, want: &MapPackRef) -> Result<u64> {
        fs::create_dir_all(&self.dir).map_err(Error::io(&self.dir))?;
        if let Some((r, have)) = self.downloading()?
            && r.sha256 == want.sha256
            && r.bytes == want.bytes
            && have <= want.bytes
        {
            return Ok(have);
        }
        self.forget_download()?;
        write_json(&self.path("next.json"), want)?;
        let part = self.path("next.part");
        File::create(&part).map_err(Error::io(&part))?;
        Ok(0)
    }

    /// Append `bytes`, which HQ sent for `offset`: it must continue the download exactly. The
    /// bytes are on disk (flushed) when this returns. Answers the new length.
    pub fn append(&self, want: &MapPackRef, offset: u64, bytes: &[u8]) -> Result<u64> {
        let part = self.path("next.part");
        let have = fs::metadata(&part).map_err(Error::io(&part))?.len();
        if offset != have {
            return Err(Error::OutOfOrder { offset, have });
        }
        let total = have + bytes.len() as u64;
        if total > want.bytes {
            return Err(Error::TooLong {
                have: total,
                total: want.bytes,
            });
        }
        let mut f = OpenOptions::new()
            .append(true)
            .open(&part)
            .map_err(Error::io(&part))?;
        f.write_all(bytes).map_err(Error::io(&part))?;
        f.sync_data().map_err(Error::io(&part))?;
        Ok(total)
    }

    /// The download is complete: check its hash and that it is a pack this device can draw,
    /// then make it the pack in use. On a wrong hash the bytes are thrown away (the next sync
    /// starts over) and the pack in use stays.
    pub fn finish(&self, want: &MapPackRef) -> Result<PathBuf> {
        let part = self.path("next.part");
        let actual = sha256_file(&part)?;
        if actual != want.sha256 {
            self.forget_download()?;
            return Err(Error::HashMismatch {
                expected: want.sha256.clone(),
                actual,
            });
        }
        if let Err(e) = MbTiles::open(&part) {
            self.forget_download()?;
            return Err(e);
        }
        let file = self.pack_path(&want.sha256);
        fs::rename(&part, &file).map_err(Error::io(&file))?;
        sync_dir(&self.dir);
        write_json(&self.path("pack.json"), want)?;
        let _ = fs::remove_file(self.path("next.json"));
        // Older packs go; one still open elsewhere stays until the next switch (Windows).
        if let Ok(list) = fs::read_dir(&self.dir) {
            for e in list.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.starts_with("pack-") && name.ends_with(".mbtiles") && e.path() != file {
                    let _ = fs::remove_file(e.path());
                }
            }
        }
        Ok(file)
    }

    /// Drop a download in progress (the pack in use stays).
    pub fn forget_download(&self) -> Result<()> {
        for name in ["next.part", "next.json"] {
            match fs::remove_file(self.path(name)) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io(self.path(name))(e)),
            }
        }
        Ok(())
    }
}

/// SHA-256 of a file, lowercase hex, read in 256 KiB steps.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = File::open(path).map_err(Error::io(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f.read(&mut buf).map_err(Error::io(path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

fn read_json(path: &Path) -> Result<Option<MapPackRef>> {
    match fs::read(path) {
        Ok(bytes) => Ok(serde_json::from_slice(&bytes).ok()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path)(e)),
    }
}

/// Write `value` to `path` through a temporary file and a rename: whole or not at all.
fn write_json(path: &Path, value: &MapPackRef) -> Result<()> {
    let tmp = path.with_extension("json.tmp");
    let bytes = serde_json::to_vec_pretty(value).expect("a MapPackRef serializes");
    let mut f = File::create(&tmp).map_err(Error::io(&tmp))?;
    f.write_all(&bytes).map_err(Error::io(&tmp))?;
    f.sync_all().map_err(Error::io(&tmp))?;
    fs::rename(&tmp, path).map_err(Error::io(path))?;
    if let Some(dir) = path.parent() {
        sync_dir(dir);
    }
    Ok(())
}

/// Make a rename durable where the platform allows opening a folder (not on Windows).
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mbtiles::tests::write_pack;

    fn pack_bytes(dir: &Path, format: &str) -> (Vec<u8>, MapPackRef) {
        let src = dir.join(format!("src-{format}.mbtiles"));
        write_pack(&src, format);
        let bytes = fs::read(&src).unwrap();
        let r = MapPackRef {
            sha256: sha256_file(&src).unwrap(),
            bytes: bytes.len() as u64,
            name: "常德".into(),
            format: format.into(),
            minzoom: 1,
            maxzoom: 16,
            bounds: None,
        };
        (bytes, r)
    }

    #[test]
    fn a_download_resumes_across_restarts_and_switches_in_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let (bytes, want) = pack_bytes(tmp.path(), "png");
        let local = LocalPack::new(tmp.path().join("map"));
        assert!(local.ready().unwrap().is_none());
        assert_eq!(local.resume(&want).unwrap(), 0);
        let half = bytes.len() / 2;
        local.append(&want, 0, &bytes[..half]).unwrap();
        // "The app is killed": a new handle resumes at the saved length.
        let again = LocalPack::new(tmp.path().join("map"));
        assert_eq!(again.resume(&want).unwrap(), half as u64);
        assert_eq!(again.downloading().unwrap().unwrap().1, half as u64);
        let err = again.append(&want, 0, &bytes[..10]).unwrap_err();
        assert!(matches!(err, Error::OutOfOrder { offset: 0, .. }), "{err}");
        again.append(&want, half as u64, &bytes[half..]).unwrap();
        let file = again.finish(&want).unwrap();
        let (r, path) = again.ready().unwrap().unwrap();
        assert_eq!((r, path.clone()), (want.clone(), file));
        assert!(again.has(&want).unwrap());
        assert!(again.downloading().unwrap().is_none());
        assert_eq!(MbTiles::open(&path).unwrap().info.name, "常德");
    }

    #[test]
    fn a_wrong_hash_is_discarded_and_the_pack_in_use_stays() {
        let tmp = tempfile::tempdir().unwrap();
        let (bytes, want) = pack_bytes(tmp.path(), "png");
        let local = LocalPack::new(tmp.path().join("map"));
        local.resume(&want).unwrap();
        local.append(&want, 0, &bytes).unwrap();
        local.finish(&want).unwrap();

        let (other, mut next) = pack_bytes(tmp.path(), "jpg");
        next.sha256 = "0".repeat(64);
        assert_eq!(local.resume(&next).unwrap(), 0, "another hash starts over");
        local.append(&next, 0, &other).unwrap();
        let err = local.finish(&next).unwrap_err();
        assert!(matches!(err, Error::HashMismatch { .. }), "{err}");
        assert!(local.downloading().unwrap().is_none(), "bad bytes are gone");
        assert_eq!(
            local.ready().unwrap().unwrap().0,
            want,
            "the old pack stays in use"
        );
        let err = local.append(&next, 0, &other);
        assert!(err.is_err(), "nothing to append to after a discard");
    }

    #[test]
    fn more_bytes_than_announced_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (bytes, mut want) = pack_bytes(tmp.path(), "png");
        want.bytes = 10;
        let local = LocalPack::new(tmp.path().join("map"));
        local.resume(&want).unwrap();
        let err = local.append(&want, 0, &bytes).unwrap_err();
        assert!(matches!(err, Error::TooLong { total: 10, .. }), "{err}");
    }

    #[test]
    fn a_file_with_the_right_hash_that_is_no_pack_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let junk = b"not an mbtiles file".to_vec();
        let want = MapPackRef {
            sha256: hex::encode(Sha256::digest(&junk)),
            bytes: junk.len() as u64,
            name: "x".into(),
            format: "png".into(),
            minzoom: 0,
            maxzoom: 1,
            bounds: None,
        };
        let local = LocalPack::new(tmp.path().join("map"));
        local.resume(&want).unwrap();
        local.append(&want, 0, &junk).unwrap();
        assert!(local.finish(&want).is_err());
        assert!(local.ready().unwrap().is_none());
        assert!(local.downloading().unwrap().is_none());
    }
}
