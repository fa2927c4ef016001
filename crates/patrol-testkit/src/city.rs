//! The cities tests load into HQ.

use patrol_model::City;

/// The demo city (`demo/changde-city.json`): Changde's grid, posts and groups as `scripts/run`
/// serves them.
pub fn demo() -> City {
    let path = crate::repo_file("demo/changde-city.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).expect("the demo city parses")
}

/// One cell (WL-01), one post (P01, on duty 06:00–09:00) and one group (G07): enough for the
/// sync tests, small enough to read in the test.
pub fn one_cell() -> City {
    serde_json::from_value(serde_json::json!({
        "name": "常德 (sync test)",
        "timezone": "Asia/Shanghai",
        "cells": [
            {"id": "WL-01", "ring": [{"lat": 29.00, "lon": 111.60}, {"lat": 29.00, "lon": 111.70},
                                      {"lat": 29.05, "lon": 111.70}, {"lat": 29.05, "lon": 111.60}]}
        ],
        "posts": [{"id": "P01", "name": "洞庭大道/光荣路", "location": {"lat": 29.03, "lon": 111.69},
                   "radius_m": 60, "duty_windows": [{"start": "06:00", "end": "09:00"}]}],
        "groups": [{"id": "G07", "name": "第七巡逻组"}]
    }))
    .expect("the one-cell city parses")
}

/// The demo city's map pack, drawn as `patrol-hq map-pack render` draws it (zooms 12–14, a
/// few hundred KiB), written into `dir`: what HQ offers devices in the tests.
pub fn demo_map_pack(dir: &std::path::Path) -> std::path::PathBuf {
    let file = dir.join("changde.mbtiles");
    patrol_map::render::render_city(&demo(), &file, 12, 14).expect("the demo map pack draws");
    file
}
