//! The web view may call exactly the commands of docs/app-api.md: the contract's table, the
//! command list build.rs turns into permissions, and the capability granting them agree.

use patrol_app_lib::commands::names::ALL;
use std::collections::BTreeSet;

fn repo_file(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Command names in the contract's table: rows like "| `home` | …" or "| `a` / `b` | …".
fn contract_commands() -> BTreeSet<String> {
    let doc = repo_file("../docs/app-api.md");
    let table = doc
        .split("## Commands")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("docs/app-api.md has a Commands section");
    table
        .lines()
        .filter_map(|l| l.strip_prefix("| "))
        .filter_map(|l| l.split(" |").next())
        .flat_map(|cell| cell.split(" / ").map(str::to_owned).collect::<Vec<_>>())
        .filter_map(|c| c.strip_prefix('`')?.strip_suffix('`').map(str::to_owned))
        .collect()
}

#[test]
fn the_commands_are_the_contracts() {
    let ours: BTreeSet<String> = ALL.iter().map(|s| s.to_string()).collect();
    assert_eq!(ours.len(), ALL.len(), "a command is listed twice");
    assert_eq!(ours, contract_commands());
}

#[test]
fn the_capability_grants_exactly_the_commands() {
    let cap: serde_json::Value =
        serde_json::from_str(&repo_file("capabilities/default.json")).unwrap();
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    let granted: BTreeSet<String> = cap["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_owned())
        .collect();
    let mut expected: BTreeSet<String> = ALL
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    // Events (listen/unlisten) and the app version for the about line; nothing else.
    expected.insert("core:event:default".into());
    expected.insert("core:app:allow-version".into());
    assert_eq!(granted, expected);
}

/// Phones get the save buzz and the QR scan of the enrolment code, nothing more; desktops never
/// see the capability (the plugins are not even dependencies there).
#[test]
fn the_mobile_capability_grants_only_feedback_and_the_scan_and_only_on_phones() {
    let cap: serde_json::Value =
        serde_json::from_str(&repo_file("capabilities/mobile.json")).unwrap();
    assert_eq!(cap["platforms"], serde_json::json!(["android", "iOS"]));
    assert_eq!(cap["windows"], serde_json::json!(["main"]));
    assert_eq!(
        cap["permissions"],
        serde_json::json!([
            "haptics:allow-impact-feedback",
            "haptics:allow-notification-feedback",
            "barcode-scanner:allow-scan",
            "barcode-scanner:allow-cancel",
            "barcode-scanner:allow-check-permissions",
            "barcode-scanner:allow-request-permissions"
        ])
    );
    let manifest = repo_file("Cargo.toml");
    let mobile = manifest
        .split("[target.'cfg(any(target_os = \"android\", target_os = \"ios\"))'.dependencies]")
        .nth(1)
        .expect("a phones-only dependency section");
    let deps: Vec<&str> = mobile
        .lines()
        .take_while(|l| !l.starts_with('['))
        .filter(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split('=').next().map(str::trim))
        .collect();
    assert_eq!(
        deps,
        ["tauri-plugin-haptics", "tauri-plugin-barcode-scanner"],
        "{mobile}"
    );
}

#[test]
fn the_csp_allows_no_remote_or_inline_script() {
    let conf: serde_json::Value = serde_json::from_str(&repo_file("tauri.conf.json")).unwrap();
    let csp = conf["app"]["security"]["csp"].as_str().unwrap();
    let directive = |name: &str| {
        csp.split(';')
            .map(str::trim)
            .find(|d| d.starts_with(&format!("{name} ")))
            .unwrap_or_else(|| panic!("no {name} in {csp}"))
            .to_owned()
    };
    assert_eq!(directive("script-src"), "script-src 'self'");
    assert_eq!(directive("default-src"), "default-src 'self'");
    assert_eq!(directive("object-src"), "object-src 'none'");
    assert_eq!(
        directive("connect-src"),
        "connect-src ipc: http://ipc.localhost"
    );
    assert!(
        !csp.contains("http://*") && !csp.contains("https:"),
        "{csp}"
    );
}
