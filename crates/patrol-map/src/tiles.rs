//! Web-mercator tile math in the XYZ scheme (row 0 at the north), as every web map and the
//! MBTiles readers here use it. Pure; degrees in, tile numbers out.

use std::f64::consts::PI;

/// The web-mercator latitude limit.
pub const MAX_LAT: f64 = 85.051_128_779_806_59;

/// Where a point falls at zoom `z`, in fractional tile units (`x` east, `y` south).
pub fn point_to_tile(lat: f64, lon: f64, z: u8) -> (f64, f64) {
    let n = f64::from(1u32 << z);
    let lat = lat.clamp(-MAX_LAT, MAX_LAT).to_radians();
    let x = (lon + 180.0) / 360.0 * n;
    let y = (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / PI) / 2.0 * n;
    (x, y)
}

/// The north-west corner of tile `x, y` (or any fractional position) at zoom `z`, as
/// `(lat, lon)`.
pub fn tile_to_point(x: f64, y: f64, z: u8) -> (f64, f64) {
    let n = f64::from(1u32 << z);
    let lon = x / n * 360.0 - 180.0;
    let lat = (PI * (1.0 - 2.0 * y / n)).sinh().atan().to_degrees();
    (lat, lon)
}

/// A tile's box: `[west, south, east, north]` in degrees.
pub fn tile_bounds(z: u8, x: u32, y: u32) -> [f64; 4] {
    let (north, west) = tile_to_point(f64::from(x), f64::from(y), z);
    let (south, east) = tile_to_point(f64::from(x + 1), f64::from(y + 1), z);
    [west, south, east, north]
}

/// The tiles at zoom `z` that touch `[west, south, east, north]`, row by row from the
/// north-west.
pub fn covering(bounds: [f64; 4], z: u8) -> Vec<(u32, u32)> {
    let [west, south, east, north] = bounds;
    let last = (1u32 << z) - 1;
    let clamp = |v: f64| (v.floor().max(0.0) as u32).min(last);
    let (x0, y0) = point_to_tile(north, west, z);
    let (x1, y1) = point_to_tile(south, east, z);
    let (x0, x1, y0, y1) = (clamp(x0), clamp(x1), clamp(y0), clamp(y1));
    (y0..=y1)
        .flat_map(|y| (x0..=x1).map(move |x| (x, y)))
        .collect()
}

/// Metres on the ground per pixel of a 256-pixel tile at `lat`, zoom `z`.
pub fn metres_per_pixel(lat: f64, z: u8) -> f64 {
    156_543.033_928 * lat.to_radians().cos() / f64::from(1u32 << z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_tiles_of_changde() {
        // Changde's centre (29.03 N, 111.69 E): z16 tile 53 100 / 27 241, as any slippy map numbers it.
        let (x, y) = point_to_tile(29.03, 111.69, 16);
        assert_eq!((x.floor() as u32, y.floor() as u32), (53100, 27241));
        let [w, s, e, n] = tile_bounds(16, 53100, 27241);
        assert!(w <= 111.69 && 111.69 < e && s <= 29.03 && 29.03 < n);
    }

    #[test]
    fn a_point_and_its_tile_corner_round_trip() {
        for z in [0u8, 5, 12, 17] {
            let (x, y) = point_to_tile(29.0, 111.7, z);
            let (lat, lon) = tile_to_point(x, y, z);
            assert!(
                (lat - 29.0).abs() < 1e-9 && (lon - 111.7).abs() < 1e-9,
                "z{z}"
            );
        }
        assert_eq!(tile_bounds(0, 0, 0)[0], -180.0);
        assert!((tile_bounds(0, 0, 0)[3] - MAX_LAT).abs() < 1e-9);
    }

    #[test]
    fn covering_lists_every_touching_tile_once() {
        let b = [111.645, 28.995, 111.745, 29.075];
        let tiles = covering(b, 14);
        for &(x, y) in &tiles {
            let [w, s, e, n] = tile_bounds(14, x, y);
            assert!(
                w <= b[2] && e >= b[0] && s <= b[3] && n >= b[1],
                "{x}/{y} misses"
            );
        }
        let mut sorted = tiles.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), tiles.len());
        assert_eq!(covering(b, 0), vec![(0, 0)]);
        assert_eq!(covering([-180.0, -89.0, 180.0, 89.0], 1).len(), 4);
    }

    #[test]
    fn ground_resolution_halves_per_zoom() {
        let r = metres_per_pixel(0.0, 0);
        assert!((r - 156_543.03).abs() < 0.01);
        assert!((metres_per_pixel(29.0, 16) * 2.0 - metres_per_pixel(29.0, 15)).abs() < 1e-9);
    }
}
