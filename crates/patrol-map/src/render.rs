//! A small raster pack drawn from the city's own reference data, with tiny-skia: the grid's
//! cell edges as streets (cells follow streets in a police grid), cells tinted by district and
//! posts as junctions. No labels are baked in: the app and the page draw names over the tiles
//! with the device's own fonts, at a size that does not change with the zoom.
//!
//! It is what the demo city ships and what the tests download, so the whole path (render,
//! serve by byte ranges, resume, hash check, draw) runs without any outside data. A real city
//! makes its pack from survey imagery or OpenStreetMap instead (docs/map-pack.md).

use crate::mbtiles::{create, insert_tile};
use crate::tiles::{covering, metres_per_pixel, point_to_tile};
use crate::{Error, PackInfo, Result};
use patrol_model::{City, LatLon};
use std::path::Path;
use tiny_skia::{
    Color, FillRule, LineCap, LineJoin, Paint, PathBuilder, Pixmap, Stroke, Transform,
};

const TILE: u32 = 256;

/// Zooms the demo pack covers: the whole city on a phone (12) to a street corner (16).
pub const DEMO_ZOOMS: (u8, u8) = (12, 16);

/// What [`render_city`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub info: PackInfo,
    pub tiles: usize,
}

/// Draw `city` into a new MBTiles file at `path` for zooms `minzoom..=maxzoom`. The file is
/// written beside `path` and renamed into place at the end: whole or not at all.
pub fn render_city(city: &City, path: &Path, minzoom: u8, maxzoom: u8) -> Result<Rendered> {
    if minzoom > maxzoom || maxzoom > 19 {
        return Err(Error::Render(format!(
            "zooms {minzoom}–{maxzoom}: the smallest must not exceed the largest, and 19 is the most"
        )));
    }
    let bounds = city_bounds(city).ok_or_else(|| {
        Error::Render("the city has no grid cells to draw; import the city first".into())
    })?;
    let info = PackInfo {
        name: city.name.clone(),
        format: "png".into(),
        minzoom,
        maxzoom,
        bounds: Some(bounds),
    };
    let tmp = path.with_extension("mbtiles.tmp");
    let _ = std::fs::remove_file(&tmp);
    let conn = create(&tmp, &info)?;
    conn.execute_batch("BEGIN")?;
    let mut tiles = 0;
    for z in minzoom..=maxzoom {
        for (x, y) in covering(bounds, z) {
            let png = draw_tile(city, z, x, y)?;
            insert_tile(&conn, z, x, y, &png)?;
            tiles += 1;
        }
    }
    conn.execute_batch("COMMIT")?;
    drop(conn);
    std::fs::rename(&tmp, path).map_err(Error::io(path))?;
    Ok(Rendered { info, tiles })
}

/// The cells' box, widened by about 500 m so the edge of the grid is not the edge of the map.
pub fn city_bounds(city: &City) -> Option<[f64; 4]> {
    let mut pts = city.cells.iter().flat_map(|c| c.ring.iter());
    let first = pts.next()?;
    let (mut w, mut s, mut e, mut n) = (first.lon, first.lat, first.lon, first.lat);
    for p in pts {
        w = w.min(p.lon);
        e = e.max(p.lon);
        s = s.min(p.lat);
        n = n.max(p.lat);
    }
    let pad = 0.005;
    Some([w - pad, s - pad, e + pad, n + pad])
}

/// One 256-pixel PNG tile.
pub fn draw_tile(city: &City, z: u8, x: u32, y: u32) -> Result<Vec<u8>> {
    let mut px = Pixmap::new(TILE, TILE).expect("a 256-pixel tile");
    px.fill(rgb(0xef, 0xeb, 0xe4));
    let to_px = |p: &LatLon| {
        let (tx, ty) = point_to_tile(p.lat, p.lon, z);
        (
            ((tx - f64::from(x)) * f64::from(TILE)) as f32,
            ((ty - f64::from(y)) * f64::from(TILE)) as f32,
        )
    };
    let lat = city
        .cells
        .first()
        .and_then(|c| c.ring.first())
        .map_or(0.0, |p| p.lat);
    let mpp = metres_per_pixel(lat, z) as f32;
    let road = (14.0 / mpp).max(1.0);

    let rings: Vec<(&str, tiny_skia::Path)> = city
        .cells
        .iter()
        .filter_map(|c| {
            let mut pb = PathBuilder::new();
            let mut pts = c.ring.iter().map(to_px);
            let (x0, y0) = pts.next()?;
            pb.move_to(x0, y0);
            for (x, y) in pts {
                pb.line_to(x, y);
            }
            pb.close();
            Some((district(c.id.as_str()), pb.finish()?))
        })
        .collect();
    let mut paint = Paint {
        anti_alias: true,
        ..Paint::default()
    };
    for (d, path) in &rings {
        paint.set_color(tint(d));
        px.fill_path(path, &paint, FillRule::Winding, Transform::identity(), None);
    }
    let stroke = |width: f32| Stroke {
        width,
        line_cap: LineCap::Round,
        line_join: LineJoin::Round,
        ..Stroke::default()
    };
    if road > 1.5 {
        paint.set_color(rgb(0xc8, 0xc0, 0xb4));
        for (_, path) in &rings {
            px.stroke_path(
                path,
                &paint,
                &stroke(road + 2.0),
                Transform::identity(),
                None,
            );
        }
    }
    paint.set_color(rgb(0xff, 0xff, 0xff));
    for (_, path) in &rings {
        px.stroke_path(path, &paint, &stroke(road), Transform::identity(), None);
    }
    // Posts are junctions: a paler square the size of the crossing.
    if z >= 14 {
        paint.set_color(rgb(0xfa, 0xf2, 0xd8));
        let half = (road * 1.4).max(2.0);
        for p in &city.posts {
            let (cx, cy) = to_px(&p.location);
            if let Some(r) =
                tiny_skia::Rect::from_xywh(cx - half, cy - half, half * 2.0, half * 2.0)
            {
                px.fill_rect(r, &paint, Transform::identity(), None);
            }
        }
    }
    px.encode_png().map_err(|e| Error::Render(e.to_string()))
}

/// The district a cell belongs to: its id up to the first `-` (`WL-01-01` → `WL`).
fn district(id: &str) -> &str {
    id.split('-').next().unwrap_or(id)
}

/// A pale tint per district, stable for a given name.
fn tint(district: &str) -> Color {
    const TINTS: [(u8, u8, u8); 5] = [
        (0xf4, 0xee, 0xe2),
        (0xe9, 0xef, 0xe6),
        (0xec, 0xe9, 0xf2),
        (0xf2, 0xe8, 0xe6),
        (0xe6, 0xee, 0xf0),
    ];
    let h = district
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    let (r, g, b) = TINTS[h as usize % TINTS.len()];
    rgb(r, g, b)
}

fn rgb(r: u8, g: u8, b: u8) -> Color {
    Color::from_rgba8(r, g, b, 0xff)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MbTiles;
    use patrol_model::{CellId, GridCell};

    fn city() -> City {
        let cell = |id: &str, lat: f64, lon: f64| GridCell {
            id: CellId::from(id),
            name: id.into(),
            ring: vec![
                LatLon { lat, lon },
                LatLon {
                    lat,
                    lon: lon + 0.01,
                },
                LatLon {
                    lat: lat + 0.01,
                    lon: lon + 0.01,
                },
                LatLon {
                    lat: lat + 0.01,
                    lon,
                },
            ],
        };
        City {
            name: "常德".into(),
            timezone: "Asia/Shanghai".into(),
            cells: vec![
                cell("WL-01-01", 29.0, 111.65),
                cell("DC-01-01", 29.0, 111.66),
            ],
            posts: vec![],
            groups: vec![],
            settings: Default::default(),
        }
    }

    #[test]
    fn the_city_becomes_a_pack_the_readers_open() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("city.mbtiles");
        let r = render_city(&city(), &path, 12, 15).unwrap();
        assert!(r.tiles >= 4, "{r:?}");
        let pack = MbTiles::open(&path).unwrap();
        assert_eq!(pack.info, r.info);
        let (x, y) = point_to_tile(29.005, 111.655, 15);
        let png = pack
            .tile(15, x as u32, y as u32)
            .unwrap()
            .expect("a tile over the grid");
        assert_eq!(&png[..4], b"\x89PNG");
        let img = Pixmap::decode_png(&png).unwrap();
        assert_eq!((img.width(), img.height()), (256, 256));
        // Deterministic: the same city draws the same bytes.
        assert_eq!(draw_tile(&city(), 15, x as u32, y as u32).unwrap(), png);
        assert!(!tmp.path().join("city.mbtiles.tmp").exists());
    }

    #[test]
    fn a_city_without_cells_or_bad_zooms_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let mut empty = city();
        empty.cells.clear();
        let err = render_city(&empty, &tmp.path().join("a.mbtiles"), 12, 14).unwrap_err();
        assert!(err.to_string().contains("no grid cells"), "{err}");
        let err = render_city(&city(), &tmp.path().join("b.mbtiles"), 15, 14).unwrap_err();
        assert!(err.to_string().contains("zooms 15–14"), "{err}");
        assert!(!tmp.path().join("a.mbtiles").exists());
    }
}
