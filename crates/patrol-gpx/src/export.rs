//! Export of patrol routes: GPX 1.1 for GPS tools and GeoJSON for maps and GIS. It owns the
//! output formats only; which patrols and segments to export is the caller's choice. Every fix
//! given is written, in order, at the stored precision of [`PositionFix`] (1e-7 degree, 0.1 m,
//! 1 ms); fixes are expected to be valid (see [`PositionFix::validate`]).

mod geojson;
mod gpx;

pub use geojson::write_geojson;
pub use gpx::write_gpx;

use patrol_model::PositionFix;

/// One route to export: a patrol's track, split where recording was interrupted.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportTrack {
    pub name: String,
    pub description: Option<String>,
    /// Runs of fixes in the order taken; each becomes a `<trkseg>` or a line string.
    pub segments: Vec<Vec<PositionFix>>,
}

impl ExportTrack {
    /// How many fixes the track holds, over all segments.
    pub fn fix_count(&self) -> usize {
        self.segments.iter().map(Vec::len).sum()
    }
}
