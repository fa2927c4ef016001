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
pub fn distance_m(a: LatLon, b: LatLon) -> f64 {
    Geodesic.distance(point(a), point(b))
}

/// `geo` puts longitude on x and latitude on y; our types say `lat`/`lon` by name.
pub(crate) fn point(p: LatLon) -> Point<f64> {
    Point::new(p.lon, p.lat)
}
