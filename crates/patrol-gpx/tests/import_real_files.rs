//! Import of GPX files written by real devices and apps (see `tests/fixtures/README.md`): every
//! point of the file arrives, in order, with the coordinates the file holds.

mod common;

use common::{coordinates, fixture, import, ms};
use patrol_gpx::TrackKind;
use patrol_model::PositionFix;

fn all_fixes(gpx: &patrol_gpx::ImportedGpx) -> Vec<PositionFix> {
    gpx.tracks
        .iter()
        .flat_map(|t| &t.segments)
        .flatten()
        .copied()
        .collect()
}

/// Every point counted in the text is imported, and the first and last match the file exactly.
fn keeps_every_point(file: &str, tag: &str) -> Vec<PositionFix> {
    let text = fixture(file);
    let gpx = import(&text);
    let fixes = all_fixes(&gpx);
    let in_file = coordinates(&text, tag);
    assert_eq!(
        fixes.len(),
        text.matches(&format!("<{tag}")).count(),
        "{file}"
    );
    assert_eq!(fixes.len(), gpx.fix_count());
    assert_eq!(fixes.len(), in_file.len());
    let first = (fixes[0].lat, fixes[0].lon);
    let last = (fixes[fixes.len() - 1].lat, fixes[fixes.len() - 1].lon);
    assert_eq!(first, in_file[0], "{file}: first point");
    assert_eq!(last, in_file[in_file.len() - 1], "{file}: last point");
    // Not just the ends: the whole sequence, in file order.
    let imported: Vec<(f64, f64)> = fixes.iter().map(|f| (f.lat, f.lon)).collect();
    assert_eq!(imported, in_file, "{file}: every point in order");
    fixes
}

#[test]
fn garmin_connect_activity_with_heart_rate_extensions() {
    let fixes = keeps_every_point("garmin-activity.gpx", "trkpt");
    assert_eq!(fixes.len(), 988);
    let gpx = import(&fixture("garmin-activity.gpx"));
    assert_eq!(gpx.creator.as_deref(), Some("Garmin Connect"));
    assert_eq!(gpx.tracks.len(), 1, "the empty <rte> is not a track");
    let track = &gpx.tracks[0];
    assert_eq!(
        (track.name.as_deref(), track.kind),
        (Some("casual stroll"), TrackKind::Track)
    );
    assert_eq!(track.segments.len(), 1);

    assert_eq!(fixes[0].time_ms, Some(ms("2017-07-29T14:46:35Z")));
    assert_eq!(fixes[0].altitude_m, Some(104.0));
    assert_eq!(fixes[987].time_ms, Some(ms("2017-07-29T16:18:13Z")));
    assert!(
        fixes
            .iter()
            .all(|f| f.time_ms.is_some() && f.altitude_m.is_some())
    );
    // Heart rate and cadence are skipped; nothing is invented for what the file lacks.
    assert!(
        fixes
            .iter()
            .all(|f| f.accuracy_m.is_none() && f.speed_mps.is_none())
    );
    assert!(
        fixes
            .iter()
            .all(|f| f.heading_deg.is_none() && f.gnss_ms.is_none())
    );
}

#[test]
fn gpsbabel_gpx_1_0_track() {
    let fixes = keeps_every_point("sloth-at-lemans.gpx", "trkpt");
    assert_eq!(fixes.len(), 17);
    let gpx = import(&fixture("sloth-at-lemans.gpx"));
    assert_eq!(
        gpx.creator.as_deref(),
        Some("GPSBabel - http://www.gpsbabel.org")
    );
    assert_eq!(gpx.name, None, "the file-level <time> is not a name");
    assert_eq!(gpx.tracks[0].name.as_deref(), Some("SlothLeMans"));
    assert_eq!(fixes[0].time_ms, Some(ms("2013-06-25T18:06:40Z")));
    assert_eq!(fixes[16].time_ms, Some(ms("2013-06-26T18:07:00Z")));
    assert!(fixes.iter().all(|f| f.altitude_m.is_none()));
}

#[test]
fn strava_export_without_times() {
    let fixes = keeps_every_point("strava_route_example.gpx", "trkpt");
    assert_eq!(fixes.len(), 113);
    let gpx = import(&fixture("strava_route_example.gpx"));
    assert_eq!(gpx.name.as_deref(), Some("Afternoon Run"));
    assert!(
        fixes
            .iter()
            .all(|f| f.time_ms.is_none() && f.altitude_m.is_some())
    );
}

#[test]
fn alltrails_route_is_imported_when_there_is_no_track() {
    let fixes = keeps_every_point("ecology-trail-and-lovers-lane-loop.gpx", "rtept");
    assert_eq!(fixes.len(), 139);
    let gpx = import(&fixture("ecology-trail-and-lovers-lane-loop.gpx"));
    let route = &gpx.tracks[0];
    assert_eq!(route.kind, TrackKind::Route);
    assert_eq!(
        route.name.as_deref(),
        Some("Trail Planner Map on AllTrails")
    );
    assert_eq!(route.segments.len(), 1);
    assert!(
        fixes
            .iter()
            .all(|f| f.time_ms.is_none() && f.altitude_m.is_some())
    );
}

#[test]
fn ride_with_gps_empty_elevation_elements_are_absent_values() {
    let fixes = keeps_every_point("wahoo_example.gpx", "trkpt");
    assert_eq!(fixes.len(), 3);
    assert!(fixes.iter().all(|f| f.altitude_m.is_none()));
    assert_eq!(fixes[2].time_ms, Some(ms("2022-04-24T20:54:35Z")));
    // The three points are identical but for time: all are kept, none merged.
    assert_eq!((fixes[0].lat, fixes[0].lon), (fixes[2].lat, fixes[2].lon));
}
