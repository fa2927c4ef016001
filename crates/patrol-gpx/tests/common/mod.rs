//! Helpers shared by the integration tests: fixtures, times, and reading coordinates straight
//! out of a GPX text so that expectations come from the file, not from the code under test.

#![allow(dead_code)]

use patrol_gpx::{ImportedGpx, read_gpx};
use std::path::PathBuf;

pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

pub fn fixture(name: &str) -> String {
    let path = fixture_path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn import(text: &str) -> ImportedGpx {
    read_gpx(text.as_bytes()).unwrap_or_else(|e| panic!("import failed: {e}"))
}

/// Milliseconds since the epoch of an RFC 3339 time.
pub fn ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339)
        .unwrap()
        .timestamp_millis()
}

/// `(lat, lon)` of every `<tag ` element, read with plain string search.
pub fn coordinates(text: &str, tag: &str) -> Vec<(f64, f64)> {
    let attribute = |element: &str, name: &str| -> f64 {
        let start = element.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        let end = start + element[start..].find('"').unwrap();
        element[start..end].parse().unwrap()
    };
    text.split(&format!("<{tag} "))
        .skip(1)
        .map(|rest| {
            let element = format!(" {}", &rest[..rest.find('>').unwrap()]);
            (attribute(&element, "lat"), attribute(&element, "lon"))
        })
        .collect()
}

/// A GPX 1.1 document around the given `<trk>`/`<rte>` markup.
pub fn gpx11(body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"test\" \
         xmlns=\"http://www.topografix.com/GPX/1/1\">\n{body}\n</gpx>\n"
    )
}

/// A GPX 1.1 document with one track of one segment holding the given `<trkpt>` markup.
pub fn one_segment(points: &str) -> String {
    gpx11(&format!("<trk><trkseg>\n{points}\n</trkseg></trk>"))
}
