//! A read-only MBTiles file of raster tiles (PNG, JPEG or WebP): what `gdal_translate -of
//! MBTILES`, `mb-util` and [`crate::render`] write. MBTiles is a SQLite database with a
//! `metadata` table and a `tiles` table whose rows count from the south (TMS).

use crate::{Error, Result};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::sync::Mutex;

/// What a map needs to draw a pack.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PackInfo {
    pub name: String,
    /// `png`, `jpg` or `webp`.
    pub format: String,
    pub minzoom: u8,
    pub maxzoom: u8,
    /// `[west, south, east, north]` in degrees, when the pack says.
    pub bounds: Option<[f64; 4]>,
}

/// An open pack.
#[derive(Debug)]
pub struct MbTiles {
    pub info: PackInfo,
    conn: Mutex<Connection>,
}

impl MbTiles {
    /// Open `path` read-only and check it is a raster MBTiles file.
    pub fn open(path: &Path) -> Result<MbTiles> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|source| Error::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let not_mbtiles = |reason: String| Error::NotMbtiles {
            path: path.to_path_buf(),
            reason,
        };
        let meta = |key: &str| -> Result<Option<String>> {
            conn.query_row("SELECT value FROM metadata WHERE name = ?1", [key], |r| {
                r.get::<_, String>(0)
            })
            .optional()
            .map_err(|e| not_mbtiles(format!("no metadata table: {e}")))
        };
        let format = meta("format")?
            .ok_or_else(|| not_mbtiles("its metadata names no `format`".into()))?
            .to_ascii_lowercase();
        let format = match format.as_str() {
            "png" | "webp" => format,
            "jpg" | "jpeg" => "jpg".to_owned(),
            "pbf" | "mvt" => return Err(Error::Vector(path.to_path_buf())),
            _ => {
                return Err(Error::UnknownFormat {
                    path: path.to_path_buf(),
                    format,
                });
            }
        };
        let zoom = |key: &str, default: u8| -> Result<u8> {
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
        .map_err(|e| not_mbtiles(format!("no tiles table: {e}")))?;
        Ok(MbTiles {
            info: PackInfo {
                name,
                format,
                minzoom,
                maxzoom,
                bounds,
            },
            conn: Mutex::new(conn),
        })
    }

    /// The tile at `z/x/y` in the XYZ scheme, when the pack has it.
    pub fn tile(&self, z: u8, x: u32, y: u32) -> Result<Option<Vec<u8>>> {
        if z > 30 || u64::from(x) >= 1u64 << z || u64::from(y) >= 1u64 << z {
            return Ok(None);
        }
        let row = (1i64 << z) - 1 - i64::from(y);
        let conn = self.conn.lock().unwrap_or_else(|p| p.into_inner());
        Ok(conn
            .query_row(
                "SELECT tile_data FROM tiles WHERE zoom_level = ?1 AND tile_column = ?2 AND tile_row = ?3",
                rusqlite::params![i64::from(z), i64::from(x), row],
                |r| r.get::<_, Vec<u8>>(0),
            )
            .optional()?)
    }

    /// The content type of this pack's tiles.
    pub fn mime(&self) -> &'static str {
        mime(&self.info.format)
    }
}

/// The content type of tiles in `format`.
pub fn mime(format: &str) -> &'static str {
    match format {
        "png" => "image/png",
        "webp" => "image/webp",
        _ => "image/jpeg",
    }
}

/// Write an empty MBTiles file at `path` with `info` in its metadata (used by the renderer and
/// the tests). The caller inserts the tiles with [`insert_tile`].
pub fn create(path: &Path, info: &PackInfo) -> Result<Connection> {
    let conn = Connection::open(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    conn.execute_batch(
        "CREATE TABLE metadata (name TEXT, value TEXT);
         CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);
         CREATE UNIQUE INDEX tile_index ON tiles (zoom_level, tile_column, tile_row);",
    )?;
    let mut meta = vec![
        ("name", info.name.clone()),
        ("format", info.format.clone()),
        ("type", "baselayer".to_owned()),
        ("version", "1".to_owned()),
        ("minzoom", info.minzoom.to_string()),
        ("maxzoom", info.maxzoom.to_string()),
    ];
    if let Some([w, s, e, n]) = info.bounds {
        meta.push(("bounds", format!("{w},{s},{e},{n}")));
    }
    for (k, v) in meta {
        conn.execute("INSERT INTO metadata VALUES (?1, ?2)", [k, v.as_str()])?;
    }
    Ok(conn)
}

/// Store one tile given in the XYZ scheme.
pub fn insert_tile(conn: &Connection, z: u8, x: u32, y: u32, data: &[u8]) -> Result<()> {
    let row = (1i64 << z) - 1 - i64::from(y);
    conn.execute(
        "INSERT OR REPLACE INTO tiles VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![i64::from(z), i64::from(x), row, data],
    )?;
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A one-tile pack, as `gdal_translate -of MBTILES` or `mb-util` would write.
    pub(crate) fn write_pack(path: &Path, format: &str) {
        let info = PackInfo {
            name: "常德".into(),
            format: format.into(),
            minzoom: 1,
            maxzoom: 16,
            bounds: Some([111.6, 28.9, 111.8, 29.1]),
        };
        let c = create(path, &info).unwrap();
        // z=1, x=1, y=0 in XYZ is TMS row 1.
        insert_tile(&c, 1, 1, 0, &[0x89, 0x50, 0x4e, 0x47]).unwrap();
        let row: i64 = c
            .query_row("SELECT tile_row FROM tiles", [], |r| r.get(0))
            .unwrap();
        assert_eq!(row, 1);
    }

    #[test]
    fn tiles_are_found_by_xyz_and_absent_ones_are_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("city.mbtiles");
        write_pack(&path, "png");
        let pack = MbTiles::open(&path).unwrap();
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
        let err = MbTiles::open(&path).unwrap_err().to_string();
        assert!(err.contains("vector tiles"), "{err}");
        let junk = dir.path().join("junk.mbtiles");
        std::fs::write(&junk, "not sqlite").unwrap();
        assert!(MbTiles::open(&junk).is_err());
        let odd = dir.path().join("odd.mbtiles");
        write_pack(&odd, "tiff");
        let err = MbTiles::open(&odd).unwrap_err().to_string();
        assert!(err.contains("unknown tile format `tiff`"), "{err}");
    }
}
