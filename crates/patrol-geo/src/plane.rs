//! A local flat approximation of the Earth around one reference latitude (equirectangular
//! projection), in metres. It exists only so that tolerances given in metres can be used by
//! planar algorithms such as Ramer–Douglas–Peucker; it must never be used to *measure* anything
//! that is stored or reported (that is the geodesic's job).
//!
//! Over a city-sized area (tens of kilometres) the scale error is well under 1 %, far below any
//! display tolerance. Longitudes are unwrapped relative to the origin so a track that crosses the
//! antimeridian stays continuous.

use geo::Coord;
use patrol_model::LatLon;

/// Metres per degree of latitude on a sphere of the WGS 84 mean radius (6 371 008.8 m).
const METRES_PER_DEGREE: f64 = 6_371_008.8 * std::f64::consts::PI / 180.0;

/// Projects (lat, lon) to (x east, y north) metres around an origin.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LocalPlane {
    origin: LatLon,
    metres_per_degree_lon: f64,
}

impl LocalPlane {
    /// A plane centred on `origin`; longitude is scaled by the cosine of `reference_lat`
    /// (usually the mean latitude of the points to be projected).
    pub(crate) fn new(origin: LatLon, reference_lat: f64) -> Self {
        Self {
            origin,
            metres_per_degree_lon: METRES_PER_DEGREE * reference_lat.to_radians().cos(),
        }
    }

    pub(crate) fn project(&self, p: LatLon) -> Coord<f64> {
        // Unwrap the longitude difference into [-180, 180) so the antimeridian is not a cliff.
        let dlon = (p.lon - self.origin.lon + 180.0).rem_euclid(360.0) - 180.0;
        Coord {
            x: dlon * self.metres_per_degree_lon,
            y: (p.lat - self.origin.lat) * METRES_PER_DEGREE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_is_metric_near_the_origin() {
        let origin = LatLon {
            lat: 29.03,
            lon: 111.69,
        };
        let plane = LocalPlane::new(origin, origin.lat);
        let north = plane.project(LatLon {
            lat: 29.031,
            lon: 111.69,
        });
        assert!((north.y - 111.2).abs() < 0.1, "{north:?}");
        assert_eq!(north.x, 0.0);
        let across = LocalPlane::new(
            LatLon {
                lat: 0.0,
                lon: 179.999,
            },
            0.0,
        )
        .project(LatLon {
            lat: 0.0,
            lon: -179.999,
        });
        assert!((across.x - 222.4).abs() < 0.1, "{across:?}");
    }
}
