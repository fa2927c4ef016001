//! The city's map pack: one MBTiles file of raster tiles (PNG, JPEG or WebP) that the operator
//! supplies with `patrol-hq serve --map-pack FILE` (or draws from the city's own grid with
//! `patrol-hq map-pack render`). HQ serves it two ways:
//! - tile by tile at `/api/v1/map/tiles/{z}/{x}/{y}` to the command-centre page;
//! - whole, in byte ranges, at `/api/v1/reference/map-pack` to devices, which resume a broken
//!   download and check the file against the SHA-256 announced in the reference data.
//!
//! The file is hashed once when HQ starts and read through the handle opened then, so the
//! bytes a device receives are those the hash describes even if the file is replaced on disk.
//! Without a pack the page and the app draw their overlays on a plain background. How a city
//! makes a pack: docs/map-pack.md.

use patrol_map::{MbTiles, local::sha256_file};
use patrol_model::v1::MapPackRef;
use serde::Serialize;
use std::fs::File;
use std::path::Path;

/// What the page needs to draw the pack.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MapPackInfo {
    pub name: String,
    /// `png`, `jpg` or `webp`.
    pub format: String,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// `[west, south, east, north]` in degrees, when the pack says.
    pub bounds: Option<[f64; 4]>,
}

/// An open pack, hashed.
#[derive(Debug)]
pub struct MapPack {
    pub info: MapPackInfo,
    /// What devices are told to download.
    pub reference: MapPackRef,
    tiles: MbTiles,
    file: File,
}

impl MapPack {
    /// Open `path` read-only, check it is a raster MBTiles file HQ can serve, and hash it.
    pub fn open(path: &Path) -> Result<MapPack, String> {
        let tiles = MbTiles::open(path).map_err(|e| e.to_string())?;
        let file = File::open(path)
            .map_err(|e| format!("cannot open the map pack {}: {e}", path.display()))?;
        let bytes = file
            .metadata()
            .map_err(|e| format!("cannot read the map pack {}: {e}", path.display()))?
            .len();
        let sha256 = sha256_file(path).map_err(|e| e.to_string())?;
        let i = tiles.info.clone();
        Ok(MapPack {
            reference: MapPackRef {
                sha256,
                bytes,
                name: i.name.clone(),
                format: i.format.clone(),
                minzoom: i.minzoom,
                maxzoom: i.maxzoom,
                bounds: i.bounds,
            },
            info: MapPackInfo {
                name: i.name,
                format: i.format,
                minzoom: i.minzoom,
                maxzoom: i.maxzoom,
                bounds: i.bounds,
            },
            tiles,
            file,
        })
    }

    /// The tile at `z/x/y` in the web (XYZ) scheme, when the pack has it.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, String> {
        self.tiles.tile(z, x, y).map_err(|e| e.to_string())
    }

    /// The content type of this pack's tiles.
    pub fn mime(&self) -> &'static str {
        self.tiles.mime()
    }

    /// `len` bytes of the file from `offset` (fewer at its end), from the handle hashed at start.
    pub fn read_at(&self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
        let mut buf = vec![0u8; len];
        let mut done = 0;
        while done < len {
            let n = read_at(&self.file, &mut buf[done..], offset + done as u64)?;
            if n == 0 {
                break;
            }
            done += n;
        }
        buf.truncate(done);
        Ok(buf)
    }
}

#[cfg(unix)]
fn read_at(f: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(f, buf, offset)
}

#[cfg(windows)]
fn read_at(f: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(f, buf, offset)
}

/// A `Range` header HQ answers: one range of bytes, `a-b`, `a-` or the last `-n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// Inclusive start and end, within the file.
    Part(u64, u64),
    /// Starts past the end: 416.
    Unsatisfiable,
}

/// Parse `value` for a file of `len` bytes; `None` when it is not a single byte range (the
/// whole file is sent then, as HTTP allows).
pub fn parse_range(value: &str, len: u64) -> Option<ByteRange> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let (start, end) = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 {
            return Some(ByteRange::Unsatisfiable);
        }
        (len.saturating_sub(n), len.checked_sub(1)?)
    } else {
        let start: u64 = a.parse().ok()?;
        let end = if b.is_empty() {
            len.saturating_sub(1)
        } else {
            b.parse::<u64>().ok()?.min(len.saturating_sub(1))
        };
        if start >= len {
            return Some(ByteRange::Unsatisfiable);
        }
        if end < start {
            return None;
        }
        (start, end)
    };
    Some(ByteRange::Part(start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_http_means_them() {
        use ByteRange::*;
        assert_eq!(parse_range("bytes=0-99", 1000), Some(Part(0, 99)));
        assert_eq!(parse_range("bytes=500-", 1000), Some(Part(500, 999)));
        assert_eq!(parse_range("bytes=900-5000", 1000), Some(Part(900, 999)));
        assert_eq!(parse_range("bytes=-100", 1000), Some(Part(900, 999)));
        assert_eq!(parse_range("bytes=1000-", 1000), Some(Unsatisfiable));
        assert_eq!(parse_range("bytes=-0", 1000), Some(Unsatisfiable));
        assert_eq!(parse_range("bytes=5-2", 1000), None);
        assert_eq!(parse_range("bytes=0-1,5-6", 1000), None);
        assert_eq!(parse_range("items=0-1", 1000), None);
        assert_eq!(parse_range("bytes=x-", 1000), None);
    }

    #[test]
    fn a_rendered_pack_is_hashed_and_read_back_by_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("city.mbtiles");
        let city: patrol_model::City =
            serde_json::from_str(include_str!("../../../demo/changde-city.json")).unwrap();
        patrol_map::render::render_city(&city, &path, 12, 13).unwrap();
        let pack = MapPack::open(&path).unwrap();
        let whole = std::fs::read(&path).unwrap();
        assert_eq!(pack.reference.bytes, whole.len() as u64);
        assert_eq!(pack.reference.sha256, sha256_file(&path).unwrap());
        assert_eq!(pack.read_at(10, 20).unwrap(), whole[10..30]);
        let tail = pack.read_at(whole.len() as u64 - 5, 100).unwrap();
        assert_eq!(tail, whole[whole.len() - 5..]);
        assert_eq!(pack.info.name, city.name);
        let err = MapPack::open(&dir.path().join("none.mbtiles")).unwrap_err();
        assert!(err.contains("none.mbtiles"), "{err}");
    }
}
