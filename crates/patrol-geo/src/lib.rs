//! Pure geometry and time arithmetic for patrols, shared by the device and HQ: route length and
//! display simplification ([`track`]), which grid cell a point lies in ([`grid`]), when a post was
//! held ([`fence`]) and how many minutes of each duty window that covers ([`duty`]).
//!
//! Everything here is a pure function of its inputs: no SQLite, no I/O, no clock (callers pass
//! `now_ms`). Inputs are the domain types of `patrol-model`; coordinates are WGS 84 degrees and
//! distances are geodesic metres on the WGS 84 ellipsoid (Karney's algorithm, via `geo`).
//! Nothing in this crate fails: degenerate input (an empty track, an invalid window) gives an
//! empty or zero answer, documented where it happens. Validate with `patrol-model` first.

pub mod duty;
pub mod fence;
pub mod grid;
pub mod track;

mod plane;

pub use duty::{WindowInterval, WindowMinutes};
pub use fence::{FenceParams, FenceSide, Visit};
pub use grid::GridIndex;

use geo::{Distance, Geodesic, Point};
use patrol_model::LatLon;

/// Geodesic distance in metres between two points on the WGS 84 ellipsoid.
///
/// Steps shorter than about a kilometre (both differences under [`SHORT_STEP_DEG`]) — every
/// step of a route at 1 Hz — are measured on the ellipsoid's tangent plane at their mid
/// latitude (meridional and prime-vertical radii of curvature): within 0.1 mm of Karney's
/// geodesic there (a test holds it), at a twentieth of the cost, which is most of what HQ spends
/// on a shift's rollups. Longer lines use Karney's algorithm (`geo::Geodesic`). Device and HQ
/// both measure through this one function, so their figures agree to the last bit.
pub fn distance_m(a: LatLon, b: LatLon) -> f64 {
    let (dlat, dlon) = (b.lat - a.lat, b.lon - a.lon);
    if dlat.abs() < SHORT_STEP_DEG && dlon.abs() < SHORT_STEP_DEG {
        const A: f64 = 6_378_137.0;
        const F: f64 = 1.0 / 298.257_223_563;
        const E2: f64 = F * (2.0 - F);
        let mid = ((a.lat + b.lat) / 2.0).to_radians();
        let s = mid.sin();
        let w = 1.0 - E2 * s * s;
        let meridional = A * (1.0 - E2) / (w * w.sqrt());
        let prime_vertical = A / w.sqrt();
        let north = meridional * dlat.to_radians();
        let east = prime_vertical * mid.cos() * dlon.to_radians();
        north.hypot(east)
    } else {
        Geodesic.distance(point(a), point(b))
    }
}

/// Largest latitude or longitude difference, in degrees, measured on the tangent plane by
/// [`distance_m`] (about 1.1 km north–south).
pub const SHORT_STEP_DEG: f64 = 0.01;

/// `geo` puts longitude on x and latitude on y; our types say `lat`/`lon` by name.
pub(crate) fn point(p: LatLon) -> Point<f64> {
    Point::new(p.lon, p.lat)
}

#[cfg(test)]
mod distance_tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// The tangent-plane shortcut against Karney's geodesic, for every step it takes: random
    /// starts from the equator to 70°, steps up to the shortcut's limit in any direction.
    #[test]
    fn short_steps_are_within_a_tenth_of_a_millimetre_of_the_geodesic() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut worst = 0.0_f64;
        for _ in 0..200_000 {
            let a = LatLon {
                lat: rng.random_range(-70.0..70.0),
                lon: rng.random_range(-180.0..180.0),
            };
            let scale = [1e-6, 1e-5, 1e-4, 1e-3, 0.0099][rng.random_range(0..5)];
            let b = LatLon {
                lat: a.lat + rng.random_range(-scale..scale),
                lon: a.lon + rng.random_range(-scale..scale),
            };
            let exact = Geodesic.distance(point(a), point(b));
            worst = worst.max((distance_m(a, b) - exact).abs());
        }
        assert!(worst < 1e-4, "worst difference {worst} m");
    }

    #[test]
    fn long_lines_are_the_geodesic() {
        let (a, b) = (
            LatLon {
                lat: 29.03,
                lon: 111.69,
            },
            LatLon {
                lat: 39.9,
                lon: 116.4,
            },
        );
        assert_eq!(distance_m(a, b), Geodesic.distance(point(a), point(b)));
    }
}
