//! Import and export of patrol routes as GPX and GeoJSON, for the device CLI
//! (`patrol track import FILE.gpx`, `patrol export gpx|geojson`) and HQ exports.
//!
//! - [`import`] reads real-world GPX 1.1 and 1.0 files into [`PositionFix`]es, keeping every point.
//! - [`export`] writes tracks as schema-valid GPX 1.1 and as RFC 7946 GeoJSON, keeping every fix.
//!
//! A pure library: it reads from any [`std::io::Read`] and returns strings and JSON values; it
//! touches no files, no clock and no store.
//!
//! [`PositionFix`]: patrol_model::PositionFix

mod error;
pub mod export;
pub mod import;
mod time;

pub use error::{GpxError, PointLocation, Result, TrackKind};
pub use export::{ExportTrack, write_geojson, write_gpx};
pub use import::{ImportedGpx, ImportedTrack, read_gpx};

/// XML namespace of the patrol extensions in exported GPX (`<extensions>` of a `<trkpt>`):
/// `accuracy` (m), `speed` (m/s), `heading` (degrees) and `gnss_time` (RFC 3339), the fix fields
/// that GPX 1.1 has no element for. Import reads them back, so an export round-trips losslessly.
pub const EXTENSIONS_NS: &str = "urn:x-patrol:gpx-extensions:1";
