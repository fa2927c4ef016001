//! GPX export: valid against the official GPX 1.1 schema (checked with `xmllint`, from the
//! Debian package libxml2-utils), and lossless at the stored precision when imported again.

mod common;

use common::{fixture, fixture_path, import};
use patrol_gpx::{ExportTrack, read_gpx, write_gpx};
use patrol_model::PositionFix;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::process::Command;

const T0: i64 = 1_764_400_000_000; // 2025-11-29T07:06:40Z

/// Validates a GPX document against `tests/fixtures/gpx.xsd`. A missing `xmllint` fails the test:
/// a schema check that silently does not run is worse than none.
fn assert_schema_valid(gpx: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.gpx");
    std::fs::write(&file, gpx).unwrap();
    let output = match Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(fixture_path("gpx.xsd"))
        .arg(&file)
        .output()
    {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "xmllint is not installed, so the GPX schema check cannot run: install the Debian \
             package libxml2-utils (apt-get install -y libxml2-utils)"
        ),
        Err(e) => panic!("could not run xmllint: {e}"),
    };
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "export is not valid GPX 1.1:\n{stderr}\n--- document ---\n{gpx}"
    );
    assert!(stderr.contains("validates"), "{stderr}");
}

fn full_fix(i: i64) -> PositionFix {
    PositionFix {
        time_ms: Some(T0 + i * 1000 + 7),
        lat: 29.031_234_567 + i as f64 * 1e-5,
        lon: 111.691_234_567 - i as f64 * 1e-5,
        accuracy_m: Some(4.56),
        speed_mps: Some(1.234),
        heading_deg: Some(359.96),
        altitude_m: Some(-3.45),
        gnss_ms: Some(T0 + i * 1000),
    }
}

/// Tracks exercising every shape the exporter can meet.
fn awkward_tracks() -> Vec<ExportTrack> {
    let bare = PositionFix {
        time_ms: None,
        accuracy_m: None,
        speed_mps: None,
        heading_deg: None,
        altitude_m: None,
        gnss_ms: None,
        ..full_fix(0)
    };
    vec![
        ExportTrack {
            name: "Group 3 <foot> & \"bike\" 'patrol'\u{7}".into(),
            description: Some("patrol 0193… — night shift".into()),
            segments: vec![
                (0..5).map(full_fix).collect(),
                vec![],
                vec![
                    bare,
                    PositionFix {
                        lat: -90.0,
                        lon: 180.0,
                        ..bare
                    },
                ],
                vec![PositionFix {
                    lat: 90.0,
                    lon: -180.0,
                    ..full_fix(9)
                }],
            ],
        },
        ExportTrack {
            name: String::new(),
            description: None,
            segments: vec![],
        },
        ExportTrack {
            name: "only time".into(),
            description: Some(String::new()),
            segments: vec![vec![PositionFix::at(T0, 0.0, -0.0)]],
        },
    ]
}

#[test]
fn export_is_valid_gpx_1_1() {
    assert_schema_valid(&write_gpx(&awkward_tracks()));
    assert_schema_valid(&write_gpx(&[]));
}

#[test]
fn export_of_a_real_recording_is_valid_and_keeps_every_point() {
    let original = import(&fixture("garmin-activity.gpx"));
    let tracks: Vec<ExportTrack> = original
        .tracks
        .iter()
        .map(|t| ExportTrack {
            name: t.name.clone().unwrap_or_default(),
            description: None,
            segments: t.segments.clone(),
        })
        .collect();
    let gpx = write_gpx(&tracks);
    assert_schema_valid(&gpx);
    assert_eq!(gpx.matches("<trkpt").count(), 988);
    let again = import(&gpx);
    let quantized = |g: &patrol_gpx::ImportedGpx| -> Vec<PositionFix> {
        g.tracks
            .iter()
            .flat_map(|t| &t.segments)
            .flatten()
            .map(|f| f.quantized())
            .collect()
    };
    assert_eq!(quantized(&again), quantized(&original));
}

#[test]
fn document_shape_and_number_formats() {
    let gpx = write_gpx(&awkward_tracks());
    assert!(gpx.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<gpx version=\"1.1\" creator=\"patrol\" xmlns=\"http://www.topografix.com/GPX/1/1\""));
    assert!(gpx.contains("<metadata>"), "{gpx}");
    assert!(gpx.contains(r#"<bounds minlat="-90.0000000" minlon="-180.0000000" maxlat="90.0000000" maxlon="111.6912346"/>"#), "{gpx}");
    assert!(gpx.contains(r#"<trkpt lat="29.0312346" lon="111.6912346"><ele>-3.5</ele><time>2025-11-29T07:06:40.007Z</time>"#), "{gpx}");
    assert!(gpx.contains("<patrol:accuracy>4.6</patrol:accuracy><patrol:speed>1.23</patrol:speed><patrol:heading>0.0</patrol:heading><patrol:gnss_time>2025-11-29T07:06:40.000Z</patrol:gnss_time>"), "{gpx}");
    assert!(
        gpx.contains(
            "<name>Group 3 &lt;foot&gt; &amp; &quot;bike&quot; &apos;patrol&apos;\u{FFFD}</name>"
        ),
        "{gpx}"
    );
    assert!(
        gpx.contains(r#"<trkpt lat="-90.0000000" lon="-180.0000000"></trkpt>"#),
        "lon 180 is written as -180: {gpx}"
    );
    assert_eq!(gpx.matches("<trk>").count(), 3);
    assert_eq!(
        gpx.matches("<trkseg>").count(),
        5,
        "empty segments are kept"
    );
    assert_eq!(gpx.matches("<trkpt").count(), 9);
    assert!(!gpx.contains("<desc></desc>") && !gpx.contains("<name></name>"));
}

#[test]
fn round_trip_keeps_every_fix_at_the_stored_precision() {
    fn maybe(rng: &mut StdRng, range: std::ops::Range<f64>) -> Option<f64> {
        rng.random_bool(0.7).then(|| rng.random_range(range))
    }
    let fix = |rng: &mut StdRng| PositionFix {
        time_ms: rng
            .random_bool(0.9)
            .then(|| T0 + rng.random_range(-5_000_000_000..5_000_000_000)),
        lat: rng.random_range(-90.0..=90.0),
        lon: rng.random_range(-180.0..179.999),
        accuracy_m: maybe(rng, 0.0..500.0),
        speed_mps: maybe(rng, 0.0..150.0),
        heading_deg: maybe(rng, 0.0..360.0),
        altitude_m: maybe(rng, -500.0..9000.0),
        gnss_ms: rng
            .random_bool(0.3)
            .then(|| T0 + rng.random_range(0..1_000_000)),
    };
    let mut rng = StdRng::seed_from_u64(7);
    let tracks: Vec<ExportTrack> = (0..4)
        .map(|t| ExportTrack {
            name: format!("track {t}"),
            description: None,
            segments: (0..rng.random_range(1..4))
                .map(|_| {
                    (0..rng.random_range(0..300))
                        .map(|_| fix(&mut rng))
                        .collect()
                })
                .collect(),
        })
        .collect();

    let gpx = write_gpx(&tracks);
    assert_schema_valid(&gpx);
    let imported = read_gpx(gpx.as_bytes()).unwrap();
    assert_eq!(imported.tracks.len(), tracks.len());
    for (sent, got) in tracks.iter().zip(&imported.tracks) {
        assert_eq!(got.name.as_deref(), Some(sent.name.as_str()));
        let expected: Vec<Vec<PositionFix>> = sent
            .segments
            .iter()
            .map(|s| s.iter().map(|f| f.quantized()).collect())
            .collect();
        assert_eq!(got.segments, expected);
    }
}

#[test]
fn longitude_180_comes_back_as_minus_180() {
    let track = ExportTrack {
        name: "dateline".into(),
        description: None,
        segments: vec![vec![PositionFix::at(T0, 10.0, 180.0)]],
    };
    let fix = read_gpx(write_gpx(&[track]).as_bytes()).unwrap().tracks[0].segments[0][0];
    assert_eq!((fix.lat, fix.lon, fix.time_ms), (10.0, -180.0, Some(T0)));
}
