//! Why a GPX file could not be imported. Every message is lower case, says what is wrong and what
//! the officer (or whoever runs the import) can do about it; a bad point is named by where it
//! sits in the file, counting from 1 as a person reading the file would.

use std::fmt;

/// Result of this crate's fallible functions.
pub type Result<T, E = GpxError> = std::result::Result<T, E>;

/// A GPX import that failed.
#[derive(Debug, thiserror::Error)]
pub enum GpxError {
    /// The bytes could not be read at all.
    #[error("could not read the gpx file: {0}; check that the file exists and is readable")]
    Io(#[from] std::io::Error),

    /// The bytes are neither UTF-8 nor ISO-8859-1 text (a binary file, or another encoding).
    #[error(
        "the file is not utf-8 or iso-8859-1 text ({declared}); if it is a gpx file, save it \
         again as utf-8, otherwise choose a .gpx file exported by a gps device or app"
    )]
    Encoding {
        /// What the file says about its encoding, for the message.
        declared: String,
    },

    /// The XML is broken: truncated, mismatched tags, bad characters.
    #[error(
        "the gpx file is not well-formed xml at line {line}: {message}; the file may be \
         truncated or damaged, so export it again from the device or app that recorded it"
    )]
    Xml { line: usize, message: String },

    /// Well-formed XML, but not a GPX document.
    #[error("the file is not gpx: {found}; choose a .gpx file exported by a gps device or app")]
    NotGpx { found: String },

    /// One point of a track or route is unusable: a missing or unreadable attribute or value, or
    /// a value outside what a position fix may hold.
    #[error(
        "{at}: {field}: {reason}; correct or delete this point in the file and import it again"
    )]
    BadPoint {
        at: PointLocation,
        /// The name in the file: `lat`, `lon`, `ele`, `time`, `speed`, `course`, `accuracy`,
        /// `gnss_time`.
        field: String,
        reason: String,
    },
}

/// Whether points came from a track (`<trk>`, recorded) or a route (`<rte>`, planned).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TrackKind {
    Track,
    Route,
}

/// Where a point sits in the file. Indices count from 0 here and from 1 in messages; a route
/// has a single segment, 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PointLocation {
    pub kind: TrackKind,
    /// Index of the `<trk>` or `<rte>` among its kind.
    pub track: usize,
    /// Index of the `<trkseg>` within its track.
    pub segment: usize,
    /// Index of the `<trkpt>` or `<rtept>` within its segment or route.
    pub point: usize,
    /// Line of the file where the point starts, from 1.
    pub line: usize,
}

impl fmt::Display for PointLocation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            TrackKind::Track => write!(
                f,
                "track {} segment {} point {} (line {})",
                self.track + 1,
                self.segment + 1,
                self.point + 1,
                self.line
            ),
            TrackKind::Route => write!(
                f,
                "route {} point {} (line {})",
                self.track + 1,
                self.point + 1,
                self.line
            ),
        }
    }
}
