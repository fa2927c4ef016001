//! The city's base map for the command-centre page: one MBTiles file of raster tiles (PNG, JPEG
//! or WebP) that the operator supplies with `patrol-hq serve --map-pack FILE`. HQ reads it with
//! SQLite (MBTiles is a SQLite database) and serves tiles at `/api/v1/map/tiles/{z}/{x}/{y}`;
//! the page draws them under its overlays. Without a pack the page still works: grid cells,
//! posts and units on a plain background. How a city makes a pack: docs/map-pack.md.

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::Serialize;
use std::path::Path;
use std::sync::Mutex;

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

/// An open MBTiles file.
#[derive(Debug)]
pub struct MapPack {
    pub info: MapPackInfo,
    conn: Mutex<Connection>,
}

impl MapPack {
    /// Open `path` read-only and check it is a raster MBTiles file HQ can serve.
    pub fn open(path: &Path) -> Result<MapPack, String> {
        let shown = path.display();
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| format!("cannot open the map pack {shown}: {e}"))?;
        let meta = |key: &str| -> Result<Option<String>, String> {
            conn.query_row("SELECT value FROM metadata WHERE name = ?1", [key], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .map_err(|e| format!("{shown} is not an MBTiles file (no metadata table): {e}"))
        };
        let format = meta("format")?
            .ok_or_else(|| format!("{shown}: the MBTiles metadata names no `format`"))?
            .to_ascii_lowercase();
        let format = match format.as_str() {
            "png" | "webp" => format,
            "jpg" | "jpeg" => "jpg".to_owned(),
            "pbf" => {
                return Err(format!(
                    "{shown} holds vector tiles (pbf); HQ serves raster packs (png, jpg, webp) — \
                     render the city to raster first (docs/map-pack.md)"
                ));
            }
            other => return Err(format!("{shown}: unknown tile format `{other}`")),
        };
        let zoom = |key: &str, default: u8| -> Result<u8, String> {
            Ok(meta(key)?
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(default))
        };
        let (minzoom, maxzoom) = (zoom("minzoom", 0)?, zoom("maxzoom", 22)?);
        let bounds = meta("bounds")?.and_then(|b| {
            let v: Vec<f64> = b.split(',').filter_map(|n| n.trim().parse().ok()).collect();
            <[f64; 4]>::try_from(v).ok()
        });
        let name = meta("name")?.unwrap_or_else(|| {
            path.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        });
        // The tiles table (or view) must be there.
        conn.query_row(
            "SELECT count(*) FROM tiles WHERE zoom_level = -1",
            [],
            |r| r.get::<_, i64>(0),
        )
        .map_err(|e| format!("{shown} has no tiles table: {e}"))?;
        Ok(MapPack {
            info: MapPackInfo {
                name,
                format,
                minzoom,
                maxzoom,
                bounds,
            },
            conn: Mutex::new(conn),
        })
    }

    /// The tile at `z/x/y` in the web (XYZ) scheme, when the pack has it. MBTiles rows count
    /// from the south (TMS), so `y` is flipped.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>, String> {
        if z > 30 || u64::from(x) >= 1u64 << z || u64::from(y) >= 1u64 << z {
            return Ok(None);
        }
        let row = (1i64 << z) - 1 - i64::from(y);
        let conn = self
            .conn
            .lock()
            .map_err(|_| "the map pack's lock was poisoned".to_owned())?;
        conn.query_row(
            "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
            rusqlite::params![i64::from(z), i64::from(x), row],
            |r| r.get::<_, Vec<u8>>(0),
        )
        .optional()
        .map_err(|e| format!("reading the map pack: {e}"))
    }

    /// The content type of this pack's tiles.
    pub fn mime(&self) -> &'static str {
        match self.info.format.as_str() {
            "png" => "image/png",
            "webp" => "image/webp",
            _ => "image/jpeg",
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A one-tile MBTiles file, as `gdal_translate -of MBTILES` or `mb-util` would write.
    pub(crate) fn write_pack(path: &Path, format: &str) {
        let c = Connection::open(path).unwrap();
        c.execute_batch(
            "CREATE TABLE metadata (name TEXT, value TEXT);
             CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);",
        )
        .unwrap();
        for (k, v) in [
            ("name", "常德"),
            ("format", format),
            ("minzoom", "1"),
            ("maxzoom", "16"),
            ("bounds", "111.6,28.9,111.8,29.1"),
        ] {
            c.execute("INSERT INTO metadata VALUES (?1, ?2)", [k, v])
                .unwrap();
        }
        // z=1, x=1, y=0 in XYZ is TMS row 1.
        c.execute("INSERT INTO tiles VALUES (1, 1, 1, x'89504e47')", [])
            .unwrap();
    }

    #[test]
    fn tiles_are_found_by_xyz_and_absent_ones_are_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("city.mbtiles");
        write_pack(&path, "png");
        let pack = MapPack::open(&path).unwrap();
        assert_eq!(pack.info.name, "常德");
        assert_eq!(pack.info.bounds, Some([111.6, 28.9, 111.8, 29.1]));
        assert_eq!(
            pack.tile(1, 1, 0).unwrap(),
            Some(vec![0x89, 0x50, 0x4e, 0x47])
        );
        assert_eq!(pack.tile(1, 1, 1).unwrap(), None);
        assert_eq!(pack.tile(1, 2, 0).unwrap(), None, "out of range");
        assert_eq!(pack.mime(), "image/png");
    }

    #[test]
    fn vector_and_non_mbtiles_files_are_refused_with_a_reason() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vector.mbtiles");
        write_pack(&path, "pbf");
        assert!(MapPack::open(&path).unwrap_err().contains("vector tiles"));
        let junk = dir.path().join("junk.mbtiles");
        std::fs::write(&junk, "not sqlite").unwrap();
        assert!(MapPack::open(&junk).is_err());
    }
}
