//! The layering ARCHITECTURE.md promises, checked from `cargo metadata` (direct dependencies):
//! `tauri` only in the app shell, `axum` only in HQ, no network and no UI in the device core, a
//! pure domain model, crate-to-crate edges that only run downward (the CLI and the app never link
//! HQ), the test kit only ever a dev-dependency, and default members that build without WebKit.

use serde_json::Value;
use std::collections::BTreeMap;
use std::process::Command;

fn metadata() -> Value {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Package name → names of its direct dependencies (all kinds but dev).
fn deps(meta: &Value) -> BTreeMap<String, Vec<String>> {
    meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let names = p["dependencies"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|d| d["kind"].as_str() != Some("dev"))
                .map(|d| d["name"].as_str().unwrap().to_owned())
                .collect();
            (p["name"].as_str().unwrap().to_owned(), names)
        })
        .collect()
}

#[test]
fn layering_holds() {
    let meta = metadata();
    let deps = deps(&meta);
    let check = |package: &str, forbidden: &[&str]| {
        let Some(d) = deps.get(package) else {
            panic!("no package {package}")
        };
        for f in forbidden {
            assert!(
                !d.iter().any(|x| x == f),
                "{package} must not depend on {f}"
            );
        }
    };
    check(
        "patrol-model",
        &["rusqlite", "reqwest", "axum", "tauri", "tokio"],
    );
    check("patrol-geo", &["rusqlite", "reqwest", "axum", "tauri"]);
    check("patrol-gpx", &["rusqlite", "reqwest", "axum", "tauri"]);
    check("patrol-device", &["reqwest", "axum", "tauri", "tokio"]);
    check("patrol-sync", &["axum", "tauri"]);
    for (package, d) in &deps {
        if d.iter().any(|x| x == "tauri") {
            // The app shell and its own mobile plugin (src-tauri/plugins/) only.
            assert!(
                package == "patrol-app" || package.starts_with("tauri-plugin-patrol-"),
                "only the app shell depends on tauri, not {package}"
            );
        }
        if d.iter().any(|x| x == "axum") {
            assert_eq!(package, "patrol-hq", "only HQ depends on axum");
        }
    }
}

#[test]
fn default_members_build_without_webkit() {
    let meta = metadata();
    let by_id: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
        .collect();
    let defaults: Vec<&str> = meta["workspace_default_members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| by_id[id.as_str().unwrap()])
        .collect();
    assert!(defaults.contains(&"patrol-device") && defaults.contains(&"patrol-hq"));
    assert!(
        !defaults.contains(&"patrol-app"),
        "the Tauri shell must not be a default member"
    );
}

/// The floors of the house, crate by crate: each may use only the crates below it (direct,
/// non-dev dependencies among the workspace's own). Tests may use HQ as a dev-dependency; no
/// shipped device-side binary links HQ, and HQ never links the device store or the sync engine.
#[test]
fn crate_edges_run_downward_only() {
    let meta = metadata();
    let ours: Vec<String> = meta["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    let allowed: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("patrol-model", &[][..]),
        ("patrol-geo", &["patrol-model"][..]),
        ("patrol-gpx", &["patrol-model"][..]),
        // The map pack: read by HQ, the sync engine and the app; drawn (feature) by HQ only.
        ("patrol-map", &["patrol-model"][..]),
        (
            "patrol-device",
            &["patrol-model", "patrol-geo", "patrol-gpx"][..],
        ),
        (
            "patrol-sync",
            &["patrol-model", "patrol-device", "patrol-map"][..],
        ),
        (
            "patrol-hq",
            &["patrol-model", "patrol-geo", "patrol-gpx", "patrol-map"][..],
        ),
        (
            "patrol-cli",
            &[
                "patrol-model",
                "patrol-geo",
                "patrol-gpx",
                "patrol-device",
                "patrol-sync",
            ][..],
        ),
        (
            "patrol-sim",
            &["patrol-model", "patrol-geo", "patrol-device", "patrol-sync"][..],
        ),
        (
            "patrol-app",
            &[
                "patrol-model",
                "patrol-geo",
                "patrol-gpx",
                "patrol-device",
                "patrol-sync",
                "patrol-map",
                "tauri-plugin-patrol-location",
            ][..],
        ),
        ("tauri-plugin-patrol-location", &[][..]),
        // The test kit links HQ and the device store but not the sync engine, whose own tests
        // use it (a kit linking patrol-sync would put a second copy of it in their build).
        (
            "patrol-testkit",
            &["patrol-model", "patrol-device", "patrol-hq", "patrol-map"][..],
        ),
        ("patrol-e2e", &["patrol-sync"][..]),
    ]);
    for (package, d) in deps(&meta) {
        let Some(may) = allowed.get(package.as_str()) else {
            panic!("{package} is new: say in this test which crates it may use");
        };
        for dep in d.iter().filter(|d| ours.contains(d)) {
            assert!(
                may.contains(&dep.as_str()),
                "{package} must not depend on {dep} (ARCHITECTURE.md, code map)"
            );
        }
    }
}

/// The test kit is for tests: every crate that uses it does so as a dev-dependency, so no
/// shipped binary links it (or the HQ it starts).
#[test]
fn the_test_kit_is_only_a_dev_dependency() {
    let meta = metadata();
    let mut users = Vec::new();
    for p in meta["packages"].as_array().unwrap() {
        for d in p["dependencies"].as_array().unwrap() {
            if d["name"] == "patrol-testkit" {
                let name = p["name"].as_str().unwrap();
                assert_eq!(
                    d["kind"], "dev",
                    "{name} must use patrol-testkit as a dev-dependency only"
                );
                users.push(name.to_owned());
            }
        }
    }
    assert!(
        users.len() >= 4,
        "the sync crate, HQ, the CLI, the app shell and the end-to-end tests share the kit: {users:?}"
    );
}
