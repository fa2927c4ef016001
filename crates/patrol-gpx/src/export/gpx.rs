//! GPX 1.1 output, valid against the official TopoGrafix schema (`gpx.xsd`): `<metadata>` with
//! the bounds of all fixes, then one `<trk>` per track and one `<trkseg>` per segment. A fix's
//! accuracy, speed, heading and GNSS time, which GPX 1.1 has no element for, go into the point's
//! `<extensions>` in the [`EXTENSIONS_NS`] namespace, which the schema allows (`xsd:any`,
//! `##other`, lax).
//!
//! Longitude 180° is written as -180°, the same meridian, because the schema's `longitudeType`
//! excludes 180.

use super::ExportTrack;
use crate::EXTENSIONS_NS;
use crate::time::format_time;
use patrol_model::PositionFix;
use std::fmt::Write;

/// The document as a string, ending with a newline.
pub fn write_gpx(tracks: &[ExportTrack]) -> String {
    let fixes: usize = tracks.iter().map(ExportTrack::fix_count).sum();
    let mut out = String::with_capacity(512 + fixes * 160);
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<gpx version=\"1.1\" creator=\"patrol\" xmlns=\"http://www.topografix.com/GPX/1/1\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://www.topografix.com/GPX/1/1 \
         http://www.topografix.com/GPX/1/1/gpx.xsd\" xmlns:patrol=\"{EXTENSIONS_NS}\">"
    );
    metadata(&mut out, tracks);
    for track in tracks {
        out.push_str("  <trk>\n");
        if !track.name.is_empty() {
            let _ = writeln!(out, "    <name>{}</name>", escape(&track.name));
        }
        if let Some(desc) = track.description.as_deref().filter(|d| !d.is_empty()) {
            let _ = writeln!(out, "    <desc>{}</desc>", escape(desc));
        }
        for segment in &track.segments {
            out.push_str("    <trkseg>\n");
            for fix in segment {
                point(&mut out, &fix.quantized());
            }
            out.push_str("    </trkseg>\n");
        }
        out.push_str("  </trk>\n");
    }
    out.push_str("</gpx>\n");
    out
}

/// The name when there is exactly one track, and the bounds when there is any fix.
fn metadata(out: &mut String, tracks: &[ExportTrack]) {
    out.push_str("  <metadata>\n");
    if let [only] = tracks
        && !only.name.is_empty()
    {
        let _ = writeln!(out, "    <name>{}</name>", escape(&only.name));
    }
    let mut fixes = tracks
        .iter()
        .flat_map(|t| &t.segments)
        .flatten()
        .map(|f| f.quantized());
    if let Some(first) = fixes.next() {
        let lon = wrap_lon(first.lon);
        let start = (first.lat, first.lat, lon, lon);
        let (min_lat, max_lat, min_lon, max_lon) = fixes.fold(start, |(a, b, c, d), f| {
            let lon = wrap_lon(f.lon);
            (a.min(f.lat), b.max(f.lat), c.min(lon), d.max(lon))
        });
        let _ = writeln!(
            out,
            "    <bounds minlat=\"{min_lat:.7}\" minlon=\"{min_lon:.7}\" \
             maxlat=\"{max_lat:.7}\" maxlon=\"{max_lon:.7}\"/>"
        );
    }
    out.push_str("  </metadata>\n");
}

/// One `<trkpt>`, its children in the order the schema requires (ele, time, …, extensions).
fn point(out: &mut String, fix: &PositionFix) {
    let _ = write!(
        out,
        "      <trkpt lat=\"{:.7}\" lon=\"{:.7}\">",
        fix.lat,
        wrap_lon(fix.lon)
    );
    if let Some(ele) = fix.altitude_m.filter(|v| v.is_finite()) {
        let _ = write!(out, "<ele>{ele:.1}</ele>");
    }
    if let Some(time) = fix.time_ms.and_then(format_time) {
        let _ = write!(out, "<time>{time}</time>");
    }
    let accuracy = fix.accuracy_m.filter(|v| v.is_finite());
    let speed = fix.speed_mps.filter(|v| v.is_finite());
    let heading = fix.heading_deg.filter(|v| v.is_finite());
    let gnss = fix.gnss_ms.and_then(format_time);
    if accuracy.is_some() || speed.is_some() || heading.is_some() || gnss.is_some() {
        out.push_str("<extensions>");
        if let Some(v) = accuracy {
            let _ = write!(out, "<patrol:accuracy>{v:.1}</patrol:accuracy>");
        }
        if let Some(v) = speed {
            let _ = write!(out, "<patrol:speed>{v:.2}</patrol:speed>");
        }
        if let Some(v) = heading {
            let _ = write!(out, "<patrol:heading>{v:.1}</patrol:heading>");
        }
        if let Some(t) = gnss {
            let _ = write!(out, "<patrol:gnss_time>{t}</patrol:gnss_time>");
        }
        out.push_str("</extensions>");
    }
    out.push_str("</trkpt>\n");
}

fn wrap_lon(lon: f64) -> f64 {
    if lon >= 180.0 { lon - 360.0 } else { lon }
}

/// Text safe inside an element or attribute: markup characters escaped, and characters XML 1.0
/// cannot hold at all (most control characters) replaced by U+FFFD.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c < ' ' || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_characters_xml_cannot_hold() {
        assert_eq!(
            escape("A&B <\"x\"> 'y'"),
            "A&amp;B &lt;&quot;x&quot;&gt; &apos;y&apos;"
        );
        assert_eq!(escape("bell\u{7}\tok"), "bell\u{FFFD}\tok");
    }

    #[test]
    fn longitude_180_is_the_antimeridian_the_schema_accepts() {
        assert_eq!(wrap_lon(180.0), -180.0);
        assert_eq!(wrap_lon(-180.0), -180.0);
        assert_eq!(wrap_lon(179.9999999), 179.9999999);
    }
}
