//! GeoJSON output (RFC 7946): a `FeatureCollection` with one `Feature` per track. Positions are
//! `[lon, lat]` rounded to 1e-7 degree, with the elevation as a third number only when every fix
//! of that track has one. Per-fix times go in the `coordTimes` property, shaped like the
//! coordinates (one array per segment, RFC 3339 strings or `null`), as common GPX converters do.
//!
//! Geometry: a `MultiLineString`, one line per segment. RFC 7946 requires at least two positions
//! in a line, so when some segment holds a single fix the geometry is instead a
//! `GeometryCollection` of the segments in order, that segment becoming a `Point`: every fix is
//! kept and the output stays valid. Empty segments are left out (of `coordTimes` too); a track
//! with no fix has a `null` geometry.

use super::ExportTrack;
use crate::time::format_time;
use patrol_model::PositionFix;
use serde_json::{Map, Value, json};

/// The collection as a JSON value; serialize it with `serde_json`.
pub fn write_geojson(tracks: &[ExportTrack]) -> Value {
    let features: Vec<Value> = tracks.iter().map(feature).collect();
    json!({ "type": "FeatureCollection", "features": features })
}

fn feature(track: &ExportTrack) -> Value {
    let segments: Vec<Vec<PositionFix>> = track
        .segments
        .iter()
        .filter(|s| !s.is_empty())
        .map(|s| s.iter().map(|f| f.quantized()).collect())
        .collect();
    let with_ele = segments
        .iter()
        .flatten()
        .all(|f| f.altitude_m.is_some_and(f64::is_finite));
    let position = |f: &PositionFix| match f.altitude_m {
        Some(ele) if with_ele => json!([f.lon, f.lat, ele]),
        _ => json!([f.lon, f.lat]),
    };
    let line = |s: &Vec<PositionFix>| Value::Array(s.iter().map(position).collect());

    let geometry = if segments.is_empty() {
        Value::Null
    } else if segments.iter().all(|s| s.len() >= 2) {
        json!({ "type": "MultiLineString", "coordinates": segments.iter().map(line).collect::<Vec<_>>() })
    } else {
        let members: Vec<Value> = segments
            .iter()
            .map(|s| match s.as_slice() {
                [only] => json!({ "type": "Point", "coordinates": position(only) }),
                _ => json!({ "type": "LineString", "coordinates": line(s) }),
            })
            .collect();
        json!({ "type": "GeometryCollection", "geometries": members })
    };

    let times: Vec<Vec<Option<String>>> = segments
        .iter()
        .map(|s| s.iter().map(|f| f.time_ms.and_then(format_time)).collect())
        .collect();
    let mut properties = Map::new();
    properties.insert("name".into(), json!(track.name));
    if let Some(desc) = &track.description {
        properties.insert("description".into(), json!(desc));
    }
    properties.insert("fixCount".into(), json!(track.fix_count()));
    properties.insert("coordTimes".into(), json!(times));
    json!({ "type": "Feature", "geometry": geometry, "properties": properties })
}
