use std::path::PathBuf;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What can go wrong with a map pack, said so an operator knows what to fix.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot open the map pack {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("{path} is not an MBTiles file ({reason})")]
    NotMbtiles { path: PathBuf, reason: String },
    #[error(
        "{0} holds vector tiles (pbf); the map pack must be raster (png, jpg, webp) — render the \
         city to raster first (docs/map-pack.md)"
    )]
    Vector(PathBuf),
    #[error("{path}: unknown tile format `{format}` (png, jpg or webp)")]
    UnknownFormat { path: PathBuf, format: String },
    #[error("reading the map pack: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("map pack file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// The downloaded bytes are not the pack HQ announced; they were thrown away.
    #[error(
        "the downloaded map pack does not match HQ's hash (expected {expected}, got {actual}); \
         it was discarded and will be downloaded again"
    )]
    HashMismatch { expected: String, actual: String },
    /// A chunk that does not continue the download where it stopped.
    #[error("map pack chunk at byte {offset} does not continue the download at byte {have}")]
    OutOfOrder { offset: u64, have: u64 },
    #[error("map pack download is {have} bytes, more than the {total} HQ announced")]
    TooLong { have: u64, total: u64 },
    #[error("drawing the map pack: {0}")]
    Render(String),
}

impl Error {
    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }
}
