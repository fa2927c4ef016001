//! The real `patrol` binary, run as a user would, against a temp data folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Device {
    dir: tempfile::TempDir,
}

impl Device {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_patrol"))
            .arg("--data")
            .arg(self.dir.path())
            .args(args)
            .env_remove("PATROL_DATA")
            .env("PATROL_KEY_FILE", key_file(self.dir.path()))
            .output()
            .unwrap()
    }

    /// Run and expect success; returns stdout.
    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Run and expect failure with exactly one line on stderr containing `fragment`; the ledger
    /// must be unchanged.
    fn fails(&self, args: &[&str], fragment: &str) {
        let before = self.head();
        let out = self.run(args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?}: one line expected, got:\n{err}"
        );
        assert!(
            err.contains(fragment),
            "{args:?}: `{err}` lacks `{fragment}`"
        );
        assert_eq!(self.head(), before, "{args:?} wrote something");
    }

    fn head(&self) -> u64 {
        let v: serde_json::Value = serde_json::from_str(&self.ok(&["status", "--json"])).unwrap();
        v["head"]["seq"].as_u64().unwrap()
    }

    fn file(&self, name: &str, content: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, content).unwrap();
        p
    }
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../patrol-gpx/tests/fixtures")
        .join(name)
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

#[test]
fn a_live_patrol_is_recorded_and_verifies() {
    let d = Device::new();
    d.ok(&[
        "city",
        "import",
        repo("demo/changde-city.json").to_str().unwrap(),
    ]);
    let patrol = d.ok(&[
        "start",
        "--mode",
        "foot",
        "--group",
        "G07",
        "--officer",
        "张伟",
        "--volunteers",
        "red-vest=2",
    ]);
    assert_eq!(patrol.trim().len(), 36, "prints the patrol id");
    for i in 0..5 {
        let at = format!("2026-11-29T08:30:0{i}+08:00");
        let lat = format!("{}", 29.03 + i as f64 * 1e-4);
        d.ok(&["fix", &lat, "111.69", "--accuracy", "5", "--at", &at]);
    }
    d.ok(&[
        "report",
        "violation",
        "--type",
        "no-helmet",
        "--plate",
        "湘J12345",
        "--vehicle",
        "e-bike",
    ]);
    d.ok(&[
        "report",
        "violation",
        "--type",
        "umbrella-rig",
        "--seized",
        "1",
    ]);
    d.ok(&["stop"]);
    assert!(d.ok(&["verify"]).starts_with("ok: 5 entries"));

    let log: serde_json::Value = serde_json::from_str(&d.ok(&["log", "--json"])).unwrap();
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "patrol_started",
            "violation",
            "violation",
            "track_segment",
            "patrol_stopped"
        ]
    );
    assert_eq!(log[1]["record"]["body"]["plate"], "湘J12345");
    assert_eq!(
        log[1]["record"]["body"]["patrol_id"].as_str(),
        Some(patrol.trim()),
        "tied to the running patrol"
    );

    let status: serde_json::Value = serde_json::from_str(&d.ok(&["status", "--json"])).unwrap();
    assert_eq!(status["unsynced"], 5);
    assert!(status["open_patrol"].is_null());

    let geojson: serde_json::Value = serde_json::from_str(&d.ok(&["export", "geojson"])).unwrap();
    let text = geojson.to_string();
    assert!(text.contains("111.69"), "lon first: {text}");
    assert_eq!(count_coordinates(&geojson), 5, "every fix exported");
}

fn count_coordinates(v: &serde_json::Value) -> usize {
    match v {
        serde_json::Value::Array(a) if a.first().is_some_and(|x| x.is_number()) => 1,
        serde_json::Value::Array(a) => a.iter().map(count_coordinates).sum(),
        serde_json::Value::Object(o) => o
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "properties" | "bbox"))
            .map(|(_, v)| count_coordinates(v))
            .sum(),
        _ => 0,
    }
}

#[test]
fn every_report_kind_is_accepted_from_json() {
    let d = Device::new();
    let cases = [
        (
            "violation",
            r#"{"type": "red-light", "plate": "湘JD12345", "vehicle": "car"}"#,
        ),
        (
            "lost-person",
            &std::fs::read_to_string(repo("demo/lost-person.json")).unwrap(),
        ),
        (
            "accident",
            r#"{"vehicles": [{"plate": "湘J12345", "kind": "car"}, {"kind": "e-bike"}],
                "outcomes": ["cars-moved", "insurance-advised"],
                "photos_missing_reason": "伤员优先，先送医"}"#,
        ),
        (
            "assistance",
            r#"{"kind": "medical-escort", "description": "孕妇临产，开辟绿色通道送医"}"#,
        ),
        (
            "assistance",
            r#"{"kind": "dispute-resolved", "description": "邻里纠纷，现场调解握手言和"}"#,
        ),
        (
            "incident",
            r#"{"kind": "theft", "description": "电动车电瓶被盗", "value_yuan": 800,
                "video_reviewed": true, "outcome": "suspect-caught"}"#,
        ),
    ];
    for (i, (kind, json)) in cases.iter().enumerate() {
        let f = d.file(&format!("r{i}.json"), json);
        d.ok(&["report", kind, "--json", f.to_str().unwrap()]);
    }
    assert_eq!(d.head(), cases.len() as u64);
    d.ok(&["verify"]);
}

#[test]
fn bad_input_is_one_clear_line_and_writes_nothing() {
    let d = Device::new();
    d.ok(&["report", "violation", "--type", "red-light"]);
    d.fails(
        &["report", "violation", "--type", "speeding"],
        "unknown value `speeding`",
    );
    d.fails(
        &[
            "report",
            "violation",
            "--type",
            "no-helmet",
            "--plate",
            "ABC123",
        ],
        "plate",
    );
    d.fails(
        &[
            "report",
            "violation",
            "--type",
            "no-helmet",
            "--vehicle",
            "rocket",
        ],
        "unknown value `rocket`",
    );
    d.fails(&["report", "violation"], "--type");
    d.fails(&["report", "burglary", "--json", "x.json"], "cannot read");
    let bad_json = d.file("bad.json", "{ not json");
    d.fails(
        &[
            "report",
            "lost-person",
            "--json",
            bad_json.to_str().unwrap(),
        ],
        "not valid JSON",
    );
    let missing_field = d.file("missing.json", r#"{"outcome": "ongoing"}"#);
    d.fails(
        &[
            "report",
            "lost-person",
            "--json",
            missing_field.to_str().unwrap(),
        ],
        "description",
    );
    let blank = d.file(
        "blank.json",
        r#"{"description": " ", "outcome": "ongoing"}"#,
    );
    d.fails(
        &["report", "lost-person", "--json", blank.to_str().unwrap()],
        "description: is required",
    );
    d.fails(&["fix", "29.0", "111.0"], "no patrol is running");
    d.ok(&["start", "--mode", "car", "--group", "G03"]);
    d.fails(&["fix", "95.0", "111.0"], "lat");
    d.fails(&["fix", "29.0", "111.0", "--accuracy", "-3"], "accuracy_m");
    d.fails(&["fix", "29.0", "111.0", "--at", "yesterday"], "RFC 3339");
    d.fails(
        &["start", "--mode", "foot", "--group", "G07"],
        "already running",
    );
    d.fails(
        &["start", "--mode", "hovercraft", "--group", "G07"],
        "unknown value",
    );
    d.fails(&["track", "import", "/nonexistent/ride.gpx"], "cannot read");
    let broken = d.file(
        "broken.gpx",
        "<gpx version=\"1.1\"><trk><trkseg><trkpt lat=\"29\"",
    );
    d.fails(&["track", "import", broken.to_str().unwrap()], "broken.gpx");
    d.fails(
        &["supplement", "99", "--withdraw", "--reason", "x"],
        "no entry with seq 99",
    );
    d.fails(&["export", "gpx", "--patrol", "not-a-uuid"], "not a uuid");
    d.fails(&["frobnicate"], "unrecognized subcommand");
}

#[test]
fn a_tampered_ledger_fails_verify_naming_the_seq() {
    let d = Device::new();
    for t in ["jaywalking", "red-light", "no-helmet", "umbrella-rig"] {
        d.ok(&["report", "violation", "--type", t]);
    }
    flip_one_payload_byte(d.dir.path());
    let out = d.run(&["verify"]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("seq 2"), "{err}");
}

/// The store's key for a test folder: inside it, so the temp folder takes it along when it goes
/// (the default, `<data dir>.key` beside the folder, is tested on its own).
fn key_file(dir: &Path) -> PathBuf {
    dir.join("store.key")
}

/// Change one byte of seq 2's payload behind the ledger's back. The store is encrypted, so a
/// flipped byte in the file is only a damaged page; this is the attacker who also holds the
/// key: SQL on the decrypted store, past the triggers that refuse updates.
fn flip_one_payload_byte(dir: &Path) {
    let key = std::fs::read_to_string(key_file(dir)).unwrap();
    let conn = rusqlite::Connection::open(dir.join("device.sqlite")).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\";", key.trim()))
        .unwrap();
    conn.execute_batch("DROP TRIGGER ledger_no_update;")
        .unwrap();
    // Case flip inside "red-light" (only seq 2 has it): still valid JSON and UTF-8, but not
    // what was hashed.
    let n = conn
        .execute(
            r#"UPDATE ledger SET payload = CAST(replace(CAST(payload AS TEXT),
                 '"type":"red-light"', '"type":"rEd-light"') AS BLOB) WHERE seq = 2"#,
            [],
        )
        .unwrap();
    assert_eq!(n, 1);
    let changed: i64 = conn
        .query_row(
            "SELECT count(*) FROM ledger WHERE instr(CAST(payload AS TEXT), 'rEd-light') > 0",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(changed, 1);
}

#[test]
fn the_store_is_encrypted_with_a_private_key_file_beside_the_data_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let out = Command::new(env!("CARGO_BIN_EXE_patrol"))
        .arg("--data")
        .arg(&data)
        .args(["report", "violation", "--type", "red-light"])
        .env_remove("PATROL_DATA")
        .env_remove("PATROL_KEY_FILE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = tmp.path().join("data.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let db = std::fs::read(data.join("device.sqlite")).unwrap();
    assert_ne!(&db[..16], b"SQLite format 3\0");
    assert!(!db.windows(9).any(|w| w == b"red-light"));

    // Without its key file the store is not opened, and no new key is made.
    let moved = tmp.path().join("elsewhere.key");
    std::fs::rename(&key, &moved).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_patrol"))
        .arg("--data")
        .arg(&data)
        .arg("verify")
        .env_remove("PATROL_DATA")
        .env_remove("PATROL_KEY_FILE")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("its key is missing"), "{err}");
    assert!(!key.exists());
    let out = Command::new(env!("CARGO_BIN_EXE_patrol"))
        .arg("--data")
        .arg(&data)
        .arg("verify")
        .env_remove("PATROL_DATA")
        .env("PATROL_KEY_FILE", &moved)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_real_gpx_file_imports_with_every_point_and_exports_valid_gpx() {
    let d = Device::new();
    let dir = fixture("");
    let mut gpx_files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "gpx"))
        .collect();
    gpx_files.sort();
    assert!(
        !gpx_files.is_empty(),
        "no GPX fixtures in {}",
        dir.display()
    );
    let mut imported = 0;
    for file in &gpx_files {
        let text = std::fs::read_to_string(file).unwrap();
        let points = text.matches("<trkpt").count();
        if points == 0 {
            continue;
        }
        let id = d.ok(&["track", "import", file.to_str().unwrap()]);
        let geojson: serde_json::Value =
            serde_json::from_str(&d.ok(&["export", "geojson", "--patrol", id.trim()])).unwrap();
        assert_eq!(
            count_coordinates(&geojson),
            points,
            "{}: every point kept",
            file.display()
        );
        let gpx = d.ok(&["export", "gpx", "--patrol", id.trim()]);
        assert_eq!(gpx.matches("<trkpt").count(), points);
        let out_file = d.file("export.gpx", &gpx);
        let xsd = fixture("gpx.xsd");
        let lint = Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(&xsd)
            .arg(&out_file)
            .output()
            .expect("xmllint is needed (apt-get install libxml2-utils; scripts/test installs it)");
        assert!(
            lint.status.success(),
            "{}",
            String::from_utf8_lossy(&lint.stderr)
        );
        imported += 1;
    }
    assert!(imported > 0);
    d.ok(&["verify"]);
}

#[test]
fn supplements_withdraw_and_correct_through_the_cli() {
    let d = Device::new();
    d.ok(&["report", "violation", "--type", "no-helmet"]);
    d.ok(&["report", "violation", "--type", "no-helmet"]);
    d.ok(&["supplement", "1", "--withdraw", "--reason", "重复录入"]);
    let fixed = d.file("fixed.json", r#"{"type": "illegal-passenger"}"#);
    d.ok(&[
        "supplement",
        "2",
        "--json",
        fixed.to_str().unwrap(),
        "--reason",
        "类型选错",
    ]);
    let status: serde_json::Value = serde_json::from_str(&d.ok(&["status", "--json"])).unwrap();
    let v = &status["today"]["violations"];
    assert_eq!(v["illegal-passenger"], 1, "{status}");
    assert!(v.get("no-helmet").is_none(), "{status}");
    let log = d.ok(&["log"]);
    assert!(
        log.contains("withdrawn by seq 3") && log.contains("corrected by seq 4"),
        "{log}"
    );
    d.fails(
        &["supplement", "3", "--withdraw", "--reason", "x"],
        "cannot supplement seq 3",
    );
    let wrong = d.file(
        "wrong.json",
        r#"{"kind": "theft", "description": "x", "outcome": "open"}"#,
    );
    d.fails(
        &[
            "supplement",
            "2",
            "--json",
            wrong.to_str().unwrap(),
            "--reason",
            "x",
        ],
        "not a valid correction of a violation: correction.type: missing field",
    );
}

#[test]
fn post_check_ins_are_refused_as_in_the_app() {
    let d = Device::new();
    // Without reference data any post goes, but a check-in must still change something.
    d.fails(&["post", "leave", "P99"], "not on post P99");
    d.ok(&["post", "arrive", "P99"]);
    d.fails(&["post", "arrive", "P99"], "already on post P99");

    let d = Device::new();
    d.ok(&[
        "city",
        "import",
        repo("demo/changde-city.json").to_str().unwrap(),
    ]);
    let city: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(repo("demo/changde-city.json")).unwrap())
            .unwrap();
    let post = city["posts"][0]["id"].as_str().unwrap().to_owned();
    let table: [(&str, &str, String); 3] = [
        (
            "arrive",
            "NOPE-1",
            "post NOPE-1 is not in the reference data".into(),
        ),
        ("leave", &post, format!("not on post {post}")),
        (
            "leave",
            "NOPE-1",
            "post NOPE-1 is not in the reference data".into(),
        ),
    ];
    for (action, p, fragment) in &table {
        d.fails(&["post", action, p], fragment);
    }
    d.ok(&["post", "arrive", &post]);
    d.fails(
        &["post", "arrive", &post],
        &format!("already on post {post}; leave it first"),
    );
    d.ok(&["post", "leave", &post]);
    let log: serde_json::Value = serde_json::from_str(&d.ok(&["log", "--json"])).unwrap();
    let kinds: Vec<&str> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["post_arrived", "post_left"],
        "refusals wrote nothing"
    );
}

#[test]
fn slug_flags_name_the_flag_in_their_errors() {
    let d = Device::new();
    let table: [(&[&str], &str); 6] = [
        (
            &["report", "violation", "--type", "speeding"],
            "--type: unknown value `speeding` (expected one of: ",
        ),
        (
            &[
                "report",
                "violation",
                "--type",
                "no-helmet",
                "--vehicle",
                "rocket",
            ],
            "--vehicle: unknown value `rocket` (expected one of: ",
        ),
        (
            &["start", "--mode", "hovercraft", "--group", "G07"],
            "--mode: unknown value `hovercraft` (expected one of: foot, car",
        ),
        (
            &[
                "start",
                "--mode",
                "foot",
                "--group",
                "G07",
                "--volunteers",
                "clowns=3",
            ],
            "--volunteers: unknown value `clowns` (expected one of: ",
        ),
        (
            &["track", "import", "--mode", "skates", "x.gpx"],
            "--mode: unknown value `skates`",
        ),
        (
            &["report", "violation", "--type", "NoHelmet"],
            "--type: unknown value `NoHelmet`",
        ),
    ];
    for (args, fragment) in table {
        d.fails(args, fragment);
        let err = String::from_utf8(d.run(args).stderr).unwrap();
        for rust_type in [
            "ViolationType",
            "VehicleKind",
            "PatrolMode",
            "VolunteerCategory",
        ] {
            assert!(!err.contains(rust_type), "{args:?}: {err}");
        }
    }
}

#[test]
fn an_unknown_group_is_saved_with_a_warning() {
    let d = Device::new();
    // No reference data: nothing to say.
    let out = d.run(&["start", "--mode", "foot", "--group", "G99"]);
    assert!(out.status.success());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
    d.ok(&["stop"]);

    d.ok(&[
        "city",
        "import",
        repo("demo/changde-city.json").to_str().unwrap(),
    ]);
    let out = d.run(&["start", "--mode", "foot", "--group", "G99"]);
    assert!(out.status.success(), "an officer is never blocked");
    let err = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(
        warnings,
        [
            "patrol: warning: group G99 is not in the reference data; saved anyway (check the group with HQ)"
        ],
        "{err}"
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim().len(), 36);
    d.ok(&["stop"]);
    let out = d.run(&["start", "--mode", "foot", "--group", "G07"]);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("warning"));
}

#[test]
fn an_imported_track_is_a_patrol_on_its_own_day() {
    let d = Device::new();
    let gpx = d.file(
        "walk.gpx",
        r#"<?xml version="1.0"?>
<gpx version="1.1" creator="test" xmlns="http://www.topografix.com/GPX/1/1">
  <trk><trkseg>
    <trkpt lat="29.0300" lon="111.6900"><time>2024-03-05T01:00:00Z</time></trkpt>
    <trkpt lat="29.0310" lon="111.6900"><time>2024-03-05T01:30:00Z</time></trkpt>
    <trkpt lat="29.0320" lon="111.6900"><time>2024-03-05T02:15:00Z</time></trkpt>
  </trkseg></trk>
</gpx>"#,
    );
    let id = d.ok(&["track", "import", gpx.to_str().unwrap()]);
    let log: serde_json::Value = serde_json::from_str(&d.ok(&["log", "--json"])).unwrap();
    let times: Vec<(&str, i64)> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["gnss_ms"].as_i64().unwrap_or(-1),
            )
        })
        .collect();
    let t0 = 1_709_600_400_000; // 2024-03-05T01:00:00Z
    assert_eq!(
        times,
        [
            ("patrol_started", t0),
            ("track_segment", t0 + 75 * 60_000),
            ("patrol_stopped", t0 + 75 * 60_000),
        ]
    );
    assert_eq!(log[0]["record"]["body"]["patrol_id"], id.trim());
}

#[test]
fn a_correction_keeps_the_reports_patrol() {
    let d = Device::new();
    let patrol = d.ok(&["start", "--mode", "foot", "--group", "G07"]);
    d.ok(&["report", "violation", "--type", "no-helmet"]);
    let fixed = d.file("fixed.json", r#"{"type": "red-light"}"#);
    d.ok(&[
        "supplement",
        "2",
        "--json",
        fixed.to_str().unwrap(),
        "--reason",
        "类型选错",
    ]);
    let log: serde_json::Value = serde_json::from_str(&d.ok(&["log", "--json"])).unwrap();
    let correction = &log[2]["record"]["body"]["correction"]["body"];
    assert_eq!(correction["type"], "red-light", "{log}");
    assert_eq!(
        correction["patrol_id"].as_str(),
        Some(patrol.trim()),
        "{log}"
    );
}

#[test]
fn a_closed_stdout_ends_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let d = Device::new();
    d.ok(&["report", "violation", "--type", "no-helmet"]);
    // A long log (every fix of a real track), larger than a pipe's buffer.
    d.ok(&[
        "track",
        "import",
        fixture("garmin-activity.gpx").to_str().unwrap(),
    ]);
    // (command, bytes read before closing): 0 closes before the command writes anything, 10 is
    // `| head -c 10` on an output too long to fit in the pipe.
    let table: [(&[&str], usize); 4] = [
        (&["status", "--json"], 0),
        (&["log", "--json"], 0),
        (&["log", "--json"], 10),
        (&["log"], 10),
    ];
    for (args, read) in table {
        let mut child = Command::new(env!("CARGO_BIN_EXE_patrol"))
            .arg("--data")
            .arg(d.dir.path())
            .args(args)
            .env_remove("PATROL_DATA")
            .env("PATROL_KEY_FILE", key_file(d.dir.path()))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = vec![0u8; read];
        stdout.read_exact(&mut first).unwrap();
        drop(stdout);
        let mut err = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut err)
            .unwrap();
        let status = child.wait().unwrap();
        assert!(err.is_empty(), "{args:?} after {read} bytes: {err}");
        assert!(status.success(), "{args:?} after {read} bytes: {status}");
    }
    let log = d.ok(&["log", "--json"]);
    assert!(
        log.len() > 1 << 17,
        "the log must outgrow the pipe: {} bytes",
        log.len()
    );
}

#[test]
fn the_live_distance_leaves_out_fixes_worse_than_the_gate() {
    let d = Device::new();
    d.ok(&["start", "--mode", "foot", "--group", "G07"]);
    // Three good fixes 0.001° (≈111 m) apart going north, and a ±80 m fix 1 km east between
    // the second and the third.
    let fixes: [(&str, &str, &str, &str); 4] = [
        ("29.0300", "111.6900", "5", "2026-11-29T08:30:00+08:00"),
        ("29.0310", "111.6900", "5", "2026-11-29T08:30:10+08:00"),
        ("29.0315", "111.7000", "80", "2026-11-29T08:30:15+08:00"),
        ("29.0320", "111.6900", "5", "2026-11-29T08:30:20+08:00"),
    ];
    for (lat, lon, acc, at) in fixes {
        d.ok(&["fix", lat, lon, "--accuracy", acc, "--at", at]);
    }
    let status: serde_json::Value = serde_json::from_str(&d.ok(&["status", "--json"])).unwrap();
    let m = status["distance_m"].as_f64().unwrap();
    assert!(
        (m - 221.7).abs() < 2.0,
        "{m} m: the ±80 m fix must not count"
    );
    assert_eq!(status["buffered_fixes"], 4, "the poor fix is still kept");
}

#[test]
fn dispatch_steps_are_refused_clearly_without_an_order() {
    let d = Device::new();
    assert!(d.ok(&["dispatch", "list", "--json"]).trim() == "[]");
    d.fails(
        &["dispatch", "accept", "0193a1b2"],
        "no dispatch `0193a1b2`",
    );
    d.fails(&["dispatch", "accept", "0193"], "at least 8 digits");
    d.fails(
        &["dispatch", "clear", "0193a1b2"],
        "not provided: --outcome <OUTCOME>",
    );
    d.fails(
        &["dispatch", "clear", "0193a1b2", "--outcome", "won"],
        "--outcome: unknown value `won`",
    );
}

/// `patrol export bundle FILE` for a device that cannot reach HQ: the file HQ ingests as an
/// upload, written whole or not at all, and clear refusals for what is not a bundle export.
#[test]
fn export_bundle_writes_what_hq_does_not_hold_and_hq_ingests_it() {
    let hq = patrol_testkit::BlockingHq::start();
    let d = Device::new();
    d.fails(&["export", "bundle", "x.bundle"], "not enrolled with HQ");
    d.ok(&[
        "enroll",
        "--hq",
        &hq.url(),
        "--code",
        &hq.enrollment_code("CLI 站内"),
    ]);
    for t in ["no-helmet", "umbrella-rig", "red-light"] {
        d.ok(&["report", "violation", "--type", t]);
    }
    d.fails(&["export", "bundle"], "name the file to write");
    d.fails(
        &["export", "bundle", "x.bundle", "--patrol", "p"],
        "--patrol is for routes",
    );

    let file = d.dir.path().join("to-station.bundle");
    let out = d.ok(&["export", "bundle", file.to_str().unwrap()]);
    assert_eq!(out.trim(), file.to_str().unwrap());
    let partial = d.dir.path().join("to-station.bundle.partial");
    assert!(file.is_file() && !partial.exists());

    let bytes = std::fs::read(&file).unwrap();
    let b = patrol_model::bundle::read(bytes.as_slice()).unwrap();
    assert_eq!((b.manifest.from_seq, b.manifest.to_seq), (1, 3));
    let done = hq.import_bundle(&bytes);
    assert_eq!((done.accepted, done.receipt.entries_held), (3, 3));
}
