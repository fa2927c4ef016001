//! Import of the real-world GPX shapes that the `gpx` crate 0.10 rejects or that are easy to
//! get wrong: GPX 1.0 `<speed>`/`<course>` and foreign elements, extensions, missing or odd
//! namespaces, times with offsets, entities, empty segments, routes beside tracks, ISO-8859-1.
//! The snippets are written for these tests in the shapes those apps produce.

mod common;

use common::{gpx11, import, ms, one_segment};
use patrol_gpx::{EXTENSIONS_NS, TrackKind, read_gpx};
use patrol_model::PositionFix;

fn only_fix(text: &str) -> PositionFix {
    let gpx = import(text);
    assert_eq!(gpx.fix_count(), 1, "{gpx:?}");
    gpx.tracks[0].segments[0][0]
}

#[test]
fn gpx_1_0_speed_and_course_become_speed_and_heading() {
    // As GPSLogger for Android writes it: course before speed, then hdop and friends.
    let text = r#"<?xml version="1.0" encoding="UTF-8"?>
<gpx version="1.0" creator="GPSLogger 131 - http://gpslogger.mendhak.com/"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://www.topografix.com/GPX/1/0"
  xsi:schemaLocation="http://www.topografix.com/GPX/1/0 http://www.topografix.com/GPX/1/0/gpx.xsd">
<time>2016-08-21T12:24:27.000Z</time>
<trk><trkseg>
<trkpt lat="48.19948359" lon="16.40371021"><ele>212.0</ele><time>2016-08-21T12:24:31.000Z</time><course>298.6</course><speed>0.7424285</speed><geoidheight>43.0</geoidheight><src>gps</src><sat>2</sat><hdop>0.7</hdop><vdop>0.8</vdop><pdop>1.1</pdop></trkpt>
</trkseg></trk></gpx>"#;
    let fix = only_fix(text);
    assert_eq!(fix.heading_deg, Some(298.6));
    assert_eq!(fix.speed_mps, Some(0.7424285));
    assert_eq!(fix.altitude_m, Some(212.0));
    assert_eq!(fix.time_ms, Some(ms("2016-08-21T12:24:31Z")));
    assert_eq!(
        fix.accuracy_m, None,
        "hdop is not turned into an accuracy radius"
    );
}

#[test]
fn gpx_1_0_foreign_elements_anywhere_are_skipped() {
    let text = r#"<gpx version="1.0" creator="x" xmlns="http://www.topografix.com/GPX/1/0"
  xmlns:ext="http://example.com/ext">
<ext:note>top level</ext:note>
<trk><ext:color>red</ext:color><trkseg>
<trkpt lat="1.5" lon="2.5"><ext:speed>99</ext:speed><ext:hr>120</ext:hr><speed>1.25</speed></trkpt>
</trkseg></trk></gpx>"#;
    let fix = only_fix(text);
    assert_eq!(fix.speed_mps, Some(1.25), "only the GPX <speed> counts");
}

#[test]
fn garmin_track_point_extension_v2_speed_and_course() {
    let text = gpx11(
        r#"<trk><trkseg>
<trkpt lat="1" lon="2" xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"><time>2024-05-01T08:30:00Z</time>
<extensions><gpxtpx:TrackPointExtension><gpxtpx:hr>97</gpxtpx:hr><gpxtpx:speed>3.5</gpxtpx:speed><gpxtpx:course>12.5</gpxtpx:course></gpxtpx:TrackPointExtension></extensions></trkpt>
</trkseg></trk>"#,
    );
    let fix = only_fix(&text);
    assert_eq!((fix.speed_mps, fix.heading_deg), (Some(3.5), Some(12.5)));
}

#[test]
fn patrol_extensions_are_read_back() {
    let text = one_segment(&format!(
        r#"<trkpt lat="29.03" lon="111.69" xmlns:p="{EXTENSIONS_NS}"><time>2025-11-29T07:06:40.250Z</time>
<extensions><p:accuracy>4.5</p:accuracy><p:speed>1.25</p:speed><p:heading>359.9</p:heading><p:gnss_time>2025-11-29T07:06:40.000Z</p:gnss_time></extensions></trkpt>"#
    ));
    let fix = only_fix(&text);
    assert_eq!(fix.accuracy_m, Some(4.5));
    assert_eq!(fix.speed_mps, Some(1.25));
    assert_eq!(fix.heading_deg, Some(359.9));
    assert_eq!(fix.gnss_ms, Some(ms("2025-11-29T07:06:40Z")));
    assert_eq!(fix.time_ms, Some(ms("2025-11-29T07:06:40.250Z")));
}

#[test]
fn files_without_a_namespace_or_with_an_invented_one() {
    let bare = r#"<gpx version="1.1" creator="x"><trk><trkseg><trkpt lat="1" lon="2"/></trkseg></trk></gpx>"#;
    assert_eq!(import(bare).fix_count(), 1);
    // GPSResults uses its own default namespace.
    let invented = r#"<?xml version="1.0" encoding="UTF-8" standalone="no" ?>
<gpx xmlns="https://www.gps-speed.com" creator="GPSResults V6.185"><trk><trkseg>
<trkpt lat="50.1544252" lon="-5.0273649"><ele>-0.60</ele><time>2022-09-29T10:44:55.000Z</time><sat>18</sat><speed>2.295</speed></trkpt>
</trkseg></trk></gpx>"#;
    let fix = only_fix(invented);
    assert_eq!((fix.altitude_m, fix.speed_mps), (Some(-0.6), Some(2.295)));
}

#[test]
fn times_in_every_form_are_utc_milliseconds() {
    let check = |time: &str, expected: &str| {
        let text = one_segment(&format!(
            r#"<trkpt lat="1" lon="2"><time>{time}</time></trkpt>"#
        ));
        assert_eq!(only_fix(&text).time_ms, Some(ms(expected)), "{time}");
    };
    check("2024-05-01T08:30:00Z", "2024-05-01T08:30:00Z");
    check("2024-05-01T10:30:00+02:00", "2024-05-01T08:30:00Z");
    check("2024-05-01T05:30:00.125-03:00", "2024-05-01T08:30:00.125Z");
    check("2024-05-01T08:30:00", "2024-05-01T08:30:00Z");
    check(" 2024-05-01T08:30:00.9999Z ", "2024-05-01T08:30:00.999Z");
}

#[test]
fn empty_values_are_absent_not_zero() {
    let text = one_segment(r#"<trkpt lat="1" lon="2"><ele></ele><time/><speed> </speed></trkpt>"#);
    let fix = only_fix(&text);
    assert_eq!(
        (fix.altitude_m, fix.time_ms, fix.speed_mps),
        (None, None, None)
    );
}

#[test]
fn names_resolve_entities_and_cdata() {
    let text = r#"<gpx version="1.1" creator="a &amp; b" xmlns="http://www.topografix.com/GPX/1/1">
<metadata><name> Night &amp; day &#8211; &lt;north&gt; </name></metadata>
<trk><name><![CDATA[Patrol <7>]]></name><trkseg><trkpt lat="1" lon="2"/></trkseg></trk></gpx>"#;
    let gpx = import(text);
    assert_eq!(gpx.creator.as_deref(), Some("a & b"));
    assert_eq!(gpx.name.as_deref(), Some("Night & day \u{2013} <north>"));
    assert_eq!(gpx.tracks[0].name.as_deref(), Some("Patrol <7>"));
}

#[test]
fn structure_is_kept_empty_segments_included_and_duplicates_kept() {
    let text = gpx11(
        r#"<trk><name>a</name>
  <trkseg><trkpt lat="1" lon="1"/><trkpt lat="1" lon="1"/></trkseg>
  <trkseg></trkseg>
  <trkseg><trkpt lat="2" lon="2"/></trkseg>
</trk>
<trk><name>b</name><trkseg><trkpt lat="3" lon="3"/></trkseg></trk>
<!-- a comment --><?processing instruction?>
<rte><name>planned</name><rtept lat="9" lon="9"/></rte>"#,
    );
    let gpx = import(&text);
    let shape: Vec<Vec<usize>> = gpx
        .tracks
        .iter()
        .map(|t| t.segments.iter().map(Vec::len).collect())
        .collect();
    assert_eq!(
        shape,
        vec![vec![2, 0, 1], vec![1]],
        "routes are ignored when tracks have points"
    );
    assert!(gpx.tracks.iter().all(|t| t.kind == TrackKind::Track));
}

#[test]
fn routes_are_used_when_the_tracks_hold_no_point() {
    let text = gpx11(
        r#"<trk><name>empty</name><trkseg/></trk>
<rte><name>r1</name><rtept lat="1" lon="1"/><rtept lat="2" lon="2"/></rte>
<rte><name>r2</name><rtept lat="3" lon="3"/></rte>"#,
    );
    let gpx = import(&text);
    let names: Vec<_> = gpx
        .tracks
        .iter()
        .map(|t| (t.name.as_deref(), t.kind))
        .collect();
    assert_eq!(
        names,
        vec![
            (Some("r1"), TrackKind::Route),
            (Some("r2"), TrackKind::Route)
        ]
    );
    assert_eq!(gpx.fix_count(), 3);
}

#[test]
fn waypoints_alone_import_as_nothing() {
    let gpx = import(&gpx11(r#"<wpt lat="1" lon="2"><name>post 7</name></wpt>"#));
    assert_eq!(gpx.fix_count(), 0);
    assert!(gpx.tracks.is_empty());
}

#[test]
fn the_ends_of_the_coordinate_ranges_are_accepted() {
    let text = one_segment(
        r#"<trkpt lat="90" lon="180"/><trkpt lat="-90" lon="-180"/><trkpt lat=" 0.0 " lon="+1e-7"/>"#,
    );
    let fixes = &import(&text).tracks[0].segments[0];
    let coords: Vec<_> = fixes.iter().map(|f| (f.lat, f.lon)).collect();
    assert_eq!(coords, vec![(90.0, 180.0), (-90.0, -180.0), (0.0, 1e-7)]);
}

#[test]
fn deep_unknown_extensions_are_skipped() {
    let deep = "<a:x>".repeat(50) + &"</a:x>".repeat(50);
    let text = one_segment(&format!(
        r#"<trkpt lat="1" lon="2" xmlns:a="urn:a"><extensions>{deep}</extensions><ele>5</ele></trkpt>"#
    ));
    assert_eq!(only_fix(&text).altitude_m, Some(5.0));
}

#[test]
fn iso_8859_1_files_and_byte_order_marks() {
    let mut latin1 = br#"<?xml version="1.0" encoding="ISO-8859-1"?>
<gpx version="1.1" creator="x"><trk><name>Z"#
        .to_vec();
    latin1.push(0xFC); // ü
    latin1
        .extend_from_slice(br#"rich</name><trkseg><trkpt lat="1" lon="2"/></trkseg></trk></gpx>"#);
    let gpx = read_gpx(latin1.as_slice()).unwrap();
    assert_eq!(gpx.tracks[0].name.as_deref(), Some("Zürich"));

    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(one_segment(r#"<trkpt lat="1" lon="2"/>"#).as_bytes());
    assert_eq!(read_gpx(bom.as_slice()).unwrap().fix_count(), 1);
}
