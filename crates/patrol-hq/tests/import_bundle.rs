//! `patrol-hq import bundle FILE`, the real binary: a station bundle is ingested once (a second
//! import changes nothing), a tampered one is refused naming the entry, exit codes and messages
//! as an operator at the station reads them.

use patrol_model::bundle;
use patrol_model::v1;
use patrol_testkit::chain::tallies;
use patrol_testkit::process::{HqProcess, enrol};
use std::process::Command;

fn import(data: &std::path::Path, file: &std::path::Path) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_patrol-hq"))
        .arg("--data")
        .arg(data)
        .args(["import", "bundle", "--json"])
        .arg(file)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_bundle_imports_once_and_a_tampered_one_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let mut hq = HqProcess::new(
        env!("CARGO_BIN_EXE_patrol-hq"),
        &["--data", data.path().to_str().unwrap()],
    );
    hq.start();
    let device = patrol_model::DeviceId::new();
    let token = enrol(&hq, device);
    hq.kill();
    let (_, secret) = v1::parse_device_token(&token).unwrap();
    let entries = tallies(device, 12, 1_764_374_400_000);
    let write = |entries: &[patrol_model::Entry], name: &str| {
        let path = data.path().join(name);
        let mut f = std::fs::File::create(&path).unwrap();
        bundle::write(&mut f, device, "http://hq", 0, entries, &[], secret).unwrap();
        path
    };

    let file = write(&entries, "station.bundle");
    let (ok, stdout, stderr) = import(data.path(), &file);
    assert!(ok, "{stderr}");
    let done: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(done["accepted"], 12, "{stdout}");
    assert_eq!(done["receipt"]["entries_held"], 12, "{stdout}");
    assert!(stderr.contains("12 stored, 0 already held"), "{stderr}");

    let (ok, stdout, stderr) = import(data.path(), &file);
    assert!(ok, "{stderr}");
    let again: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        (again["accepted"].as_u64(), again["duplicates"].as_u64()),
        (Some(0), Some(12))
    );

    // Seq 9 edited after sealing: refused by name, exit 1, one line.
    let mut changed = entries.clone();
    changed[8].payload = String::from_utf8(changed[8].payload.clone())
        .unwrap()
        .replace("第9起", "第99起")
        .into_bytes();
    let file = write(&changed, "tampered.bundle");
    let (ok, stdout, stderr) = import(data.path(), &file);
    assert!(!ok && stdout.is_empty());
    assert!(
        stderr.contains("entry seq 9 was changed after the device sealed it"),
        "{stderr}"
    );
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");

    // Not a bundle at all.
    let junk = data.path().join("junk.bundle");
    std::fs::write(&junk, b"not a bundle").unwrap();
    let (ok, _, stderr) = import(data.path(), &junk);
    assert!(!ok && stderr.contains("not a patrol bundle"), "{stderr}");
}
