//! Import of GPX files recorded by GPS devices and apps: GPX 1.1 and 1.0, with or without times,
//! with any extensions. It owns the mapping from GPX points to [`PositionFix`]es and keeps every
//! point of the file, in order, without dropping duplicates or smoothing: what was recorded is
//! evidence. It never guesses a value the file does not hold.
//!
//! Mapping of a `<trkpt>` (or `<rtept>`) to a fix:
//!
//! | GPX | fix |
//! | --- | --- |
//! | `lat`, `lon` attributes | `lat`, `lon` |
//! | `<ele>` (metres) | `altitude_m` |
//! | `<time>` (UTC; an offset is converted, none means UTC) | `time_ms` |
//! | `<speed>` (GPX 1.0, m/s) | `speed_mps` |
//! | `<course>` (GPX 1.0, degrees) | `heading_deg` |
//! | Garmin TrackPointExtension v2 `speed`/`course` | `speed_mps`/`heading_deg` when the above are absent |
//! | patrol extensions (see [`crate::EXTENSIONS_NS`]) | `accuracy_m`, `speed_mps`, `heading_deg`, `gnss_ms` |
//!
//! `<hdop>` is *not* turned into `accuracy_m`: HDOP is a unitless geometry factor, and making a
//! radius out of it needs an assumed receiver error (anything from 3 to 10 m) — a guess that
//! later code would treat as measured. Accuracy stays `None` unless the file states it.
//! Empty elements (`<ele/>`, which some apps write) are read as absent. Everything else —
//! heart rate, cadence, `<sat>`, names of points, waypoints — is skipped.
//!
//! Tracks are imported; routes (`<rte>`, planned rather than recorded) are used only when no
//! track of the file holds a point, each route becoming a track of one segment.

mod cursor;
mod walk;

use crate::{GpxError, Result, TrackKind};
use patrol_model::PositionFix;
use std::borrow::Cow;
use std::io::Read;

/// The routes of one GPX file.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedGpx {
    /// `<metadata><name>` (GPX 1.1) or `<name>` under `<gpx>` (GPX 1.0).
    pub name: Option<String>,
    /// The `creator` attribute: which device or app wrote the file.
    pub creator: Option<String>,
    /// Tracks in file order; the file's routes instead when no track holds a point.
    pub tracks: Vec<ImportedTrack>,
}

impl ImportedGpx {
    /// How many fixes the import holds, over all tracks and segments.
    pub fn fix_count(&self) -> usize {
        self.tracks
            .iter()
            .flat_map(|t| &t.segments)
            .map(Vec::len)
            .sum()
    }
}

/// One `<trk>` (or `<rte>`) of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedTrack {
    pub name: Option<String>,
    pub kind: TrackKind,
    /// One entry per `<trkseg>`, empty ones included so indices match the file; a route has one.
    pub segments: Vec<Vec<PositionFix>>,
}

/// Reads a whole GPX document. Every point is checked with [`PositionFix::validate`]; the first
/// bad one fails the import with its position in the file, since a partly trusted file is not
/// something to put in a ledger. The fixes are returned as read, not yet quantized.
pub fn read_gpx(mut reader: impl Read) -> Result<ImportedGpx> {
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes)?;
    walk::parse(&decode(&bytes)?)
}

/// UTF-8 (with or without a byte order mark), or ISO-8859-1 when the XML declaration says so.
fn decode(bytes: &[u8]) -> Result<Cow<'_, str>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let declared = declared_encoding(bytes);
    let latin1 = matches!(
        declared.as_deref(),
        Some("iso-8859-1" | "iso8859-1" | "iso_8859-1" | "latin1" | "latin-1" | "l1")
    );
    if latin1 {
        return Ok(Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(_) => Err(GpxError::Encoding {
            declared: match declared {
                Some(name) => format!("its xml declaration says `{name}`"),
                None => "no xml declaration names its encoding".into(),
            },
        }),
    }
}

/// The `encoding` of `<?xml version="1.0" encoding="..."?>`, lower case.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    let head = bytes.strip_prefix(b"<?xml")?;
    let decl = &head[..head.windows(2).position(|w| w == b"?>")?];
    let at = decl.windows(8).position(|w| w == b"encoding")?;
    let rest = decl[at + 8..]
        .trim_ascii_start()
        .strip_prefix(b"=")?
        .trim_ascii_start();
    let (&quote, rest) = rest.split_first()?;
    let end = rest.iter().position(|&b| b == quote)?;
    Some(String::from_utf8_lossy(&rest[..end]).to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_declared_encoding() {
        let decl = |s: &str| declared_encoding(s.as_bytes());
        assert_eq!(
            decl(r#"<?xml version="1.0" encoding="UTF-8"?><gpx/>"#).as_deref(),
            Some("utf-8")
        );
        assert_eq!(
            decl("<?xml version='1.0' encoding = 'ISO-8859-1' ?>").as_deref(),
            Some("iso-8859-1")
        );
        assert_eq!(decl(r#"<?xml version="1.0"?><gpx encoding="x"/>"#), None);
        assert_eq!(decl("<gpx/>"), None);
    }

    #[test]
    fn decodes_latin1_and_skips_a_byte_order_mark() {
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><n>Z\xfcrich</n>";
        assert!(decode(latin1).unwrap().ends_with("<n>Zürich</n>"));
        assert_eq!(decode(b"\xEF\xBB\xBF<gpx/>").unwrap(), "<gpx/>");
        assert!(matches!(
            decode(b"\xff\xfe<\0g\0"),
            Err(GpxError::Encoding { .. })
        ));
    }
}
