//! Broken input fails with a clear, lower-case message that says what is wrong, where, and
//! what to do; a bad point is named by track, segment, point, line and field.

mod common;

use common::{fixture, gpx11, one_segment};
use patrol_gpx::{GpxError, PointLocation, TrackKind, read_gpx};

fn error(input: &[u8]) -> GpxError {
    match read_gpx(input) {
        Ok(gpx) => panic!("expected an error, imported {gpx:?}"),
        Err(e) => {
            let message = e.to_string();
            eprintln!("{message}");
            assert!(message.starts_with(|c: char| c.is_lowercase()), "{message}");
            assert!(message.contains("; "), "says what to do: {message}");
            e
        }
    }
}

/// The error names a bad point at `expected` (indices from 0) and `field`, and says `reason`.
fn check_bad_point(
    text: &str,
    expected: (TrackKind, usize, usize, usize),
    field: &str,
    reason: &str,
) {
    match error(text.as_bytes()) {
        GpxError::BadPoint {
            at,
            field: f,
            reason: r,
        } => {
            let PointLocation {
                kind,
                track,
                segment,
                point,
                ..
            } = at;
            assert_eq!((kind, track, segment, point), expected, "{text}");
            assert_eq!(f, field, "{text}");
            assert!(r.contains(reason), "{r:?} should say {reason:?}");
        }
        other => panic!("expected a bad point, got {other:?}"),
    }
}

fn check_xml(input: &str, says: &str) {
    match error(input.as_bytes()) {
        GpxError::Xml { message, .. } => {
            assert!(message.contains(says), "{message:?} should say {says:?}")
        }
        other => panic!("expected an xml error, got {other:?}"),
    }
}

fn check_not_gpx(input: &str, says: &str) {
    match error(input.as_bytes()) {
        GpxError::NotGpx { found } => {
            assert!(found.contains(says), "{found:?} should say {says:?}")
        }
        other => panic!("expected not-gpx, got {other:?}"),
    }
}

#[test]
fn truncated_files_say_where_they_end() {
    let text = fixture("garmin-activity.gpx");
    for cut in [text.len() / 2, text.len() - 8, 200] {
        let message = error(&text.as_bytes()[..cut]).to_string();
        assert!(message.contains("not well-formed xml at line"), "{message}");
        assert!(message.contains("truncated"), "{message}");
    }
    check_xml(&text[..text.len() / 2], "the file ends before <");
    check_xml(
        r#"<gpx version="1.1"><trk><trkseg><trkpt lat="1"#,
        "attribute value not closed",
    );
}

#[test]
fn broken_xml_passes_on_what_the_parser_said() {
    check_xml(
        r#"<gpx version="1.1"><trk><trkseg><trkpt lat="1" lon="2"></trk></gpx>"#,
        "expected `</trkpt>`, but `</trk>` was found",
    );
    check_xml(
        &one_segment(r#"<trkpt lat="1" lon="2" lat="3"/>"#),
        "duplicated attribute",
    );
    check_xml(
        &one_segment(r#"<trkpt lat="1" lon="2"><ele>&nbsp;</ele></trkpt>"#),
        "unknown entity `&nbsp;`",
    );
    match error(one_segment("\n\n<trkpt lat=\"1\" lon=\"2\"><ele>1</elevation></trkpt>").as_bytes())
    {
        GpxError::Xml { line, .. } => assert_eq!(line, 6, "the line of the broken tag"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn other_documents_are_not_gpx() {
    check_not_gpx(
        r#"<?xml version="1.0"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document/></kml>"#,
        "<kml>",
    );
    check_not_gpx("<!DOCTYPE html><html><body>Sign in</body></html>", "<html>");
    check_not_gpx("", "no xml element");
    check_not_gpx("   \n", "no xml element");
    check_not_gpx(
        r#"{"type": "FeatureCollection", "features": []}"#,
        "no xml element",
    );
    assert!(matches!(
        error(b"\x0e\x10\x00\x00.FIT\xff\xfe\x00"),
        GpxError::Encoding { .. }
    ));
}

#[test]
fn a_bad_point_is_named_by_position_and_field() {
    use TrackKind::{Route, Track};
    let pt =
        |attrs: &str, children: &str| one_segment(&format!("<trkpt {attrs}>{children}</trkpt>"));
    let ok = r#"lat="29.03" lon="111.69""#;
    check_bad_point(
        &pt(r#"lat="95" lon="2""#, ""),
        (Track, 0, 0, 0),
        "lat",
        "95 is outside [-90, 90]",
    );
    check_bad_point(
        &pt(r#"lat="-90.5" lon="2""#, ""),
        (Track, 0, 0, 0),
        "lat",
        "outside",
    );
    check_bad_point(
        &pt(r#"lat="1" lon="180.1""#, ""),
        (Track, 0, 0, 0),
        "lon",
        "outside [-180, 180]",
    );
    check_bad_point(&pt(r#"lon="2""#, ""), (Track, 0, 0, 0), "lat", "is missing");
    check_bad_point(&pt(r#"lat="1""#, ""), (Track, 0, 0, 0), "lon", "is missing");
    check_bad_point(
        &pt(r#"lat="" lon="2""#, ""),
        (Track, 0, 0, 0),
        "lat",
        "is empty",
    );
    check_bad_point(
        &pt(r#"lat="north" lon="2""#, ""),
        (Track, 0, 0, 0),
        "lat",
        "`north` is not a number",
    );
    check_bad_point(
        &pt(r#"lat="NaN" lon="2""#, ""),
        (Track, 0, 0, 0),
        "lat",
        "not a number",
    );
    check_bad_point(
        &pt(ok, "<ele>twelve</ele>"),
        (Track, 0, 0, 0),
        "ele",
        "`twelve` is not a number",
    );
    check_bad_point(
        &pt(ok, "<ele>20000</ele>"),
        (Track, 0, 0, 0),
        "ele",
        "outside [-500, 9000]",
    );
    check_bad_point(
        &pt(ok, "<time>yesterday</time>"),
        (Track, 0, 0, 0),
        "time",
        "`yesterday` is not a date",
    );
    check_bad_point(
        &pt(ok, "<time>1970-01-01T00:00:00Z</time>"),
        (Track, 0, 0, 0),
        "time",
        "1970-01-01T00:00:00.000Z is outside the years",
    );
    check_bad_point(
        &pt(ok, "<speed>-1</speed>"),
        (Track, 0, 0, 0),
        "speed",
        "outside [0, 150]",
    );
    check_bad_point(
        &pt(ok, "<course>360</course>"),
        (Track, 0, 0, 0),
        "course",
        "outside [0, 360)",
    );

    // Position: the third point of the second segment of the second track.
    let text = gpx11(
        r#"<trk><trkseg><trkpt lat="1" lon="1"/></trkseg></trk>
<trk><trkseg><trkpt lat="1" lon="1"/></trkseg><trkseg><trkpt lat="1" lon="1"/><trkpt lat="1" lon="1"/>
<trkpt lat="95" lon="1"/></trkseg></trk>"#,
    );
    check_bad_point(&text, (Track, 1, 1, 2), "lat", "95");
    let message = error(text.as_bytes()).to_string();
    assert!(
        message.starts_with("track 2 segment 2 point 3 (line 5): lat: 95 is outside"),
        "{message}"
    );

    let route = gpx11(
        r#"<rte><rtept lat="1" lon="1"/><rtept lat="1" lon="1"><ele>high</ele></rtept></rte>"#,
    );
    check_bad_point(&route, (Route, 0, 0, 1), "ele", "not a number");
    assert!(
        error(route.as_bytes())
            .to_string()
            .starts_with("route 1 point 2 (line 3): ele:")
    );
}

#[test]
fn a_bad_point_in_a_real_file_is_found() {
    // Point 501 of the Garmin activity, moved to latitude 95.
    let text = fixture("garmin-activity.gpx");
    let start = text.match_indices("<trkpt lat=\"").nth(500).unwrap().0 + "<trkpt lat=\"".len();
    let end = start + text[start..].find('"').unwrap();
    let broken = format!("{}95{}", &text[..start], &text[end..]);
    check_bad_point(
        &broken,
        (TrackKind::Track, 0, 0, 500),
        "lat",
        "95 is outside [-90, 90]",
    );
}
