//! GeoJSON export (RFC 7946): a FeatureCollection with one Feature per track, positions in
//! `[lon, lat]` order, every fix kept, times parallel to the coordinates.

mod common;

use common::{fixture, import};
use patrol_gpx::{ExportTrack, write_geojson};
use patrol_model::PositionFix;
use serde_json::{Value, json};

const T0: i64 = 1_764_400_000_000; // 2025-11-29T07:06:40Z

fn fix(i: i64) -> PositionFix {
    PositionFix {
        altitude_m: Some(50.0 + i as f64),
        ..PositionFix::at(
            T0 + i * 1000,
            29.031_234_567,
            111.691_234_567 + i as f64 * 1e-4,
        )
    }
}

fn track(name: &str, segments: Vec<Vec<PositionFix>>) -> ExportTrack {
    ExportTrack {
        name: name.into(),
        description: Some(format!("patrol {name}")),
        segments,
    }
}

/// Every position of a geometry, in order.
fn positions(geometry: &Value) -> Vec<Vec<f64>> {
    let numbers = |p: &Value| {
        p.as_array()
            .unwrap()
            .iter()
            .map(|n| n.as_f64().unwrap())
            .collect::<Vec<_>>()
    };
    match geometry["type"].as_str().unwrap() {
        "Point" => vec![numbers(&geometry["coordinates"])],
        "LineString" => geometry["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .map(numbers)
            .collect(),
        "MultiLineString" => geometry["coordinates"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|l| l.as_array().unwrap())
            .map(numbers)
            .collect(),
        "GeometryCollection" => geometry["geometries"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(positions)
            .collect(),
        other => panic!("unexpected geometry {other}"),
    }
}

/// The parts of the RFC 7946 structure every output must have.
fn assert_feature_collection(value: &Value, tracks: &[ExportTrack]) {
    // Serializes and parses back as JSON.
    let reparsed: Value = serde_json::from_str(&serde_json::to_string(value).unwrap()).unwrap();
    assert_eq!(&reparsed, value);
    assert_eq!(value["type"], "FeatureCollection");
    let features = value["features"].as_array().unwrap();
    assert_eq!(features.len(), tracks.len());
    for (feature, track) in features.iter().zip(tracks) {
        assert_eq!(feature["type"], "Feature");
        assert_eq!(feature["properties"]["name"], track.name.as_str());
        assert_eq!(feature["properties"]["fixCount"], track.fix_count());
        let times: Vec<&Value> = feature["properties"]["coordTimes"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s.as_array().unwrap())
            .collect();
        assert_eq!(times.len(), track.fix_count(), "one time (or null) per fix");
        if track.fix_count() == 0 {
            assert!(feature["geometry"].is_null());
            continue;
        }
        let positions = positions(&feature["geometry"]);
        assert_eq!(
            positions.len(),
            track.fix_count(),
            "every fix is a position"
        );
        let fixes: Vec<&PositionFix> = track.segments.iter().flatten().collect();
        for ((p, f), t) in positions.iter().zip(&fixes).zip(&times) {
            let f = f.quantized();
            assert_eq!((p[0], p[1]), (f.lon, f.lat), "[lon, lat] at 1e-7 degree");
            match f.time_ms {
                Some(ms) => assert_eq!(
                    chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap())
                        .unwrap()
                        .timestamp_millis(),
                    ms
                ),
                None => assert!(t.is_null()),
            }
        }
    }
}

#[test]
fn tracks_become_multi_line_strings_in_lon_lat_order() {
    let tracks = vec![
        track(
            "a",
            vec![(0..3).map(fix).collect(), vec![], (3..5).map(fix).collect()],
        ),
        track("b", vec![(0..2).map(fix).collect()]),
    ];
    let value = write_geojson(&tracks);
    assert_feature_collection(&value, &tracks);
    let a = &value["features"][0];
    assert_eq!(a["geometry"]["type"], "MultiLineString");
    assert_eq!(
        a["geometry"]["coordinates"].as_array().unwrap().len(),
        2,
        "the empty segment is left out"
    );
    assert_eq!(
        a["geometry"]["coordinates"][0][0],
        json!([111.6912346, 29.0312346, 50.0])
    );
    assert_eq!(
        a["properties"]["coordTimes"][0][1],
        "2025-11-29T07:06:41.000Z"
    );
    assert_eq!(a["properties"]["description"], "patrol a");
}

#[test]
fn elevation_is_a_third_number_only_when_every_fix_has_one() {
    let mut fixes: Vec<PositionFix> = (0..3).map(fix).collect();
    fixes[1].altitude_m = None;
    fixes[2].time_ms = None;
    let tracks = vec![
        track("partly", vec![fixes]),
        track("all", vec![(0..2).map(fix).collect()]),
    ];
    let value = write_geojson(&tracks);
    assert_feature_collection(&value, &tracks);
    assert!(
        positions(&value["features"][0]["geometry"])
            .iter()
            .all(|p| p.len() == 2)
    );
    assert!(
        positions(&value["features"][1]["geometry"])
            .iter()
            .all(|p| p.len() == 3)
    );
    assert!(value["features"][0]["properties"]["coordTimes"][0][2].is_null());
}

#[test]
fn a_lone_fix_stays_a_valid_point_and_an_empty_track_has_no_geometry() {
    let tracks = vec![
        track("lone", vec![(0..3).map(fix).collect(), vec![fix(7)]]),
        track("empty", vec![vec![]]),
        track("none", vec![]),
    ];
    let value = write_geojson(&tracks);
    assert_feature_collection(&value, &tracks);
    let geometry = &value["features"][0]["geometry"];
    assert_eq!(geometry["type"], "GeometryCollection");
    let kinds: Vec<&str> = geometry["geometries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["LineString", "Point"]);
    assert!(value["features"][1]["geometry"].is_null());
    assert!(value["features"][2]["geometry"].is_null());
}

#[test]
fn a_real_recording_keeps_every_point() {
    let gpx = import(&fixture("garmin-activity.gpx"));
    let tracks: Vec<ExportTrack> = gpx
        .tracks
        .iter()
        .map(|t| track(t.name.as_deref().unwrap_or(""), t.segments.clone()))
        .collect();
    let value = write_geojson(&tracks);
    assert_feature_collection(&value, &tracks);
    assert_eq!(positions(&value["features"][0]["geometry"]).len(), 988);
    assert!(
        positions(&value["features"][0]["geometry"])
            .iter()
            .all(|p| p.len() == 3)
    );
    assert_eq!(
        value["features"][0]["properties"]["coordTimes"][0][0],
        "2017-07-29T14:46:35.000Z"
    );
}
