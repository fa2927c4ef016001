//! The commands of docs/app-api.md through Tauri's mock runtime: real IPC dispatch (argument
//! names, error shape), a real store in a temp dir, and the real HQ on 127.0.0.1:0.

mod common;

use common::{Hq, TestApp, channel};
use serde_json::{Value, json};

#[track_caller]
fn check_invalid(app: &TestApp, cmd: &str, args: Value, field: &str) {
    let e = app.err(cmd, args);
    assert_eq!(e["kind"], "invalid", "{cmd}: {e}");
    assert_eq!(e["field"], field, "{cmd}: {e}");
    // Every refusal names its rule, so the UI translates instead of reading English.
    assert!(e["code"].is_string(), "{cmd}: no rule code in {e}");
    assert!(
        e["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{field}: ")),
        "{cmd}: {e}"
    );
}

#[test]
fn bad_input_is_refused_naming_the_field() {
    let app = TestApp::new();
    let e = app.err(
        "record_violation",
        json!({"type": "no-helmet", "plate": "ABC"}),
    );
    assert_eq!(
        e,
        json!({
            "kind": "invalid",
            "message": "plate: `ABC` must start with a province abbreviation such as 湘 or 京",
            "field": "plate",
            "code": "plate_province",
            "params": {"value": "ABC"}
        })
    );
    check_invalid(&app, "record_violation", json!({"type": "no-hat"}), "type");
    check_invalid(
        &app,
        "record_violation",
        json!({"type": "no-helmet", "vehicle": "tank"}),
        "vehicle",
    );
    check_invalid(
        &app,
        "start_patrol",
        json!({"mode": "jet", "group": "G07", "officers": [], "volunteers": {}}),
        "mode",
    );
    check_invalid(
        &app,
        "start_patrol",
        json!({"mode": "foot", "group": "G 7", "officers": [], "volunteers": {}}),
        "group",
    );
    check_invalid(
        &app,
        "start_patrol",
        json!({"mode": "foot", "group": "G07", "officers": [], "volunteers": {"aliens": 2}}),
        "volunteers",
    );
    check_invalid(
        &app,
        "start_patrol",
        json!({"mode": "foot", "group": "G07", "officers": [], "volunteers": {}, "vehicle_plate": "X1"}),
        "vehicle_plate",
    );
    check_invalid(
        &app,
        "submit_report",
        json!({"kind": "lost_person", "body": {"outcome": "ongoing"}}),
        "description",
    );
    check_invalid(
        &app,
        "submit_report",
        json!({"kind": "lost_person", "body": {"description": " ", "outcome": "ongoing"}}),
        "description",
    );
    check_invalid(
        &app,
        "submit_report",
        json!({"kind": "traffic_accident", "body": {"vehicles": [{"kind": "car"}, {"kind": "car", "plate": "ABC"}]}}),
        "vehicles[1].plate",
    );
    // Without the checklist's photos the officer says why, or the accident is not saved.
    check_invalid(
        &app,
        "submit_report",
        json!({"kind": "traffic_accident", "body": {"vehicles": [{"kind": "car"}]}}),
        "photos_missing_reason",
    );
    check_invalid(
        &app,
        "submit_report",
        json!({"kind": "parking", "body": {}}),
        "kind",
    );
    check_invalid(
        &app,
        "add_photo",
        json!({"data_base64": "not base64!"}),
        "data_base64",
    );
    check_invalid(
        &app,
        "add_photo",
        json!({"data_base64": "aGVsbG8="}),
        "photo",
    );
    check_invalid(
        &app,
        "set_settings",
        json!({"language": "fr", "hq_url": null}),
        "language",
    );
    check_invalid(
        &app,
        "set_settings",
        json!({"language": "en", "hq_url": "ftp://hq"}),
        "hq_url",
    );
    check_invalid(
        &app,
        "enroll",
        json!({"hq_url": "http://127.0.0.1:9", "code": " "}),
        "code",
    );
    check_invalid(
        &app,
        "start_position_source",
        json!({"kind": "gpx-replay"}),
        "gpx_path",
    );
    check_invalid(
        &app,
        "start_position_source",
        json!({"kind": "teleport"}),
        "kind",
    );
    // The web view may replay only a file of the store's replays/ folder, named plainly: never a
    // path of its choosing.
    for path in [
        "/etc/passwd",
        "../device.sqlite",
        "/nonexistent.gpx",
        "a/b.gpx",
        "missing.gpx",
    ] {
        check_invalid(
            &app,
            "start_position_source",
            json!({"kind": "gpx-replay", "gpx_path": path}),
            "gpx_path",
        );
    }

    assert_eq!(app.err("stop_patrol", json!({}))["kind"], "no_open_patrol");
    assert_eq!(
        app.err(
            "supplement",
            json!({"seq": 9, "reason": "typo", "correction": null})
        )["kind"],
        "no_such_entry"
    );
    assert_eq!(
        app.err("sync_now", json!({"on_progress": channel()}))["kind"],
        "not_enrolled"
    );
    assert_eq!(app.ok("sync_status", json!({})), Value::Null);
    // Nothing was written by any of it (the failed sync still announced the ledger as it is).
    assert_eq!(app.ok("home", json!({}))["unsynced"], 0);
    let events = app.ledger_events.lock().unwrap().clone();
    assert!(events.iter().all(|e| e["head"] == 0), "{events:?}");
}

#[test]
fn a_patrol_with_violations_and_a_report_is_kept_and_listed() {
    let app = TestApp::new();
    let home = app.ok("home", json!({}));
    assert_eq!(home["enrolled"], false);
    assert_eq!(home["open_patrol"], Value::Null);
    assert_eq!(home["position_source"], "none");
    // No source: the GPS line says so, amber off patrol (red once a patrol runs).
    assert_eq!(home["gps"]["state"], "no_source");
    assert_eq!(home["gps"]["level"], "amber");
    assert_eq!(app.ok("last_shift", json!({})), Value::Null, "a new phone");
    // Nobody named: refused, naming the field and the rule; nothing saved.
    check_invalid(
        &app,
        "start_patrol",
        json!({"mode": "foot", "group": "G07", "officers": [], "volunteers": {}}),
        "officers",
    );
    let queue = app.ok("sync_queue", json!({}));
    assert_eq!(queue["entries_waiting"], 0, "{queue}");

    let started = app.ok(
        "start_patrol",
        json!({"mode": "foot", "group": "G07", "officers": ["张伟", "李娜"],
               "volunteers": {"red-vest": 2}, "vehicle_plate": null}),
    );
    assert_eq!(
        (started["seq"].as_u64(), started["kind"].as_str()),
        (Some(1), Some("patrol_started"))
    );
    let again = app.err(
        "start_patrol",
        json!({"mode": "car", "group": "G07", "officers": ["李警官"], "volunteers": {}}),
    );
    assert_eq!(again["kind"], "patrol_already_open");
    // The next start offers the same crew with one tap.
    assert_eq!(
        app.ok("last_shift", json!({})),
        json!({"group": "G07", "mode": "foot", "officers": ["张伟", "李娜"],
               "volunteers": {"red-vest": 2}, "vehicle_plate": null})
    );

    let first = app.ok("record_violation", json!({"type": "no-helmet"}));
    let second = app.ok(
        "record_violation",
        json!({"type": "umbrella-rig", "seized_items": 1, "plate": "湘j 12345"}),
    );
    assert_eq!(
        (first["seq"].as_u64(), second["seq"].as_u64()),
        (Some(2), Some(3))
    );
    let details = app.ok(
        "add_violation_details",
        json!({"seq": 2, "plate": "湘J54321", "vehicle": "e-bike"}),
    );
    assert_eq!(details["kind"], "supplement");
    let bad = app.err(
        "add_violation_details",
        json!({"seq": 1, "plate": "湘J54321"}),
    );
    assert_eq!(bad["kind"], "bad_supplement", "{bad}");

    app.ok(
        "save_draft",
        json!({"id": "lost-1", "kind": "lost_person", "body": {"description": "老人"}}),
    );
    assert_eq!(app.ok("drafts", json!({})).as_array().unwrap().len(), 1);
    let report = app.ok(
        "submit_report",
        json!({"kind": "lost_person", "draft_id": "lost-1",
               "body": {"description": "老人，戴手环", "identifying_code": "CD-0042", "outcome": "reunited-with-family"}}),
    );
    assert_eq!(report["kind"], "lost_person");
    assert_eq!(
        app.ok("drafts", json!({})),
        json!([]),
        "the draft went with the report"
    );

    let home = app.ok("home", json!({}));
    let open = &home["open_patrol"];
    assert_eq!(
        (open["group"].as_str(), open["mode"].as_str()),
        (Some("G07"), Some("foot"))
    );
    assert_eq!(
        home["today"]["violations"],
        json!({"no-helmet": 1, "umbrella-rig": 1})
    );
    assert_eq!(home["today"]["seized_items"], 1);
    assert_eq!(home["today"]["entries"]["lost_person"], 1);
    assert_eq!(home["unsynced"], 5);
    assert!(
        app.ok("live_patrol", json!({}))["route"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    let stopped = app.ok("stop_patrol", json!({}));
    assert_eq!(
        stopped.as_array().unwrap().last().unwrap()["kind"],
        "patrol_stopped"
    );
    assert_eq!(app.ok("live_patrol", json!({})), Value::Null);

    let history = app.ok("history", json!({}));
    let kinds: Vec<&str> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "patrol_stopped",
            "lost_person",
            "supplement",
            "violation",
            "violation",
            "patrol_started"
        ]
    );
    let tally = &history[4];
    assert_eq!(tally["seq"], 2);
    assert_eq!(
        tally["record"]["plate"], "湘J54321",
        "the details are applied"
    );
    assert_eq!(tally["record"]["vehicle"], "e-bike");
    assert_eq!(tally["corrected_by"], json!([4]));
    assert_eq!(tally["sync"], "pending");
    assert_eq!(
        history[3]["record"]["plate"], "湘J12345",
        "plates are normalized"
    );
    assert_eq!(
        app.ok("history", json!({"limit": 2}))
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // Withdraw the lost-person report: it stays in history, marked, and leaves the tally.
    app.ok(
        "supplement",
        json!({"seq": 5, "reason": "entered twice", "correction": null}),
    );
    let history = app.ok("history", json!({"limit": 3}));
    assert_eq!(history[2]["withdrawn_by"], 7);
    assert_eq!(
        app.ok("home", json!({}))["today"]["entries"].get("lost_person"),
        None
    );
    let e = app.err(
        "supplement",
        json!({"seq": 2, "reason": "fix", "correction": {"type": "no-helmet", "plate": "ABC"}}),
    );
    // The core's report reader names the field inside the correction.
    assert_eq!(
        (e["kind"].as_str(), e["field"].as_str()),
        (Some("invalid"), Some("correction.plate")),
        "{e}"
    );

    // Every commit announced itself exactly once (the refused supplement did not); the last one
    // says what the screens need.
    let events = app.ledger_events.lock().unwrap().clone();
    let heads: Vec<u64> = events.iter().map(|e| e["head"].as_u64().unwrap()).collect();
    assert_eq!(heads, (1..=7).collect::<Vec<_>>(), "{events:?}");
    assert_eq!(
        events.last().unwrap(),
        &json!({"head": 7, "unsynced": 7, "open_patrol": false})
    );
}

#[test]
fn settings_photos_and_posts() {
    let app = TestApp::new();
    assert_eq!(
        app.ok("get_settings", json!({})),
        json!({"language": "zh-CN", "hq_url": null})
    );
    assert_eq!(
        app.ok(
            "set_settings",
            json!({"language": "en", "hq_url": "https://hq.example:8080/"})
        ),
        json!({"language": "en", "hq_url": "https://hq.example:8080"})
    );
    // A 1×1 PNG.
    let png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    let photo = app.ok(
        "add_photo",
        json!({"data_base64": format!("data:image/png;base64,{png}")}),
    );
    assert_eq!(photo["mime"], "image/png");
    let saved = app.ok(
        "record_violation",
        json!({"type": "red-light", "photos": [photo]}),
    );
    assert_eq!(saved["seq"], 1);
    let missing = json!({"sha256": "ab".repeat(32), "size": 10, "mime": "image/jpeg"});
    assert_eq!(
        app.err(
            "record_violation",
            json!({"type": "red-light", "photos": [missing]})
        )["kind"],
        "no_such_photo"
    );

    // Without reference data there are no posts to show, but a manual check-in still works.
    assert_eq!(app.ok("post_duty", json!({})), json!([]));
    assert_eq!(app.ok("reference", json!({})), Value::Null);
    app.ok("post_arrive", json!({"post_id": "P09"}));
    check_invalid(&app, "post_arrive", json!({"post_id": "P09"}), "post_id");
    app.ok("post_leave", json!({"post_id": "P09"}));
    check_invalid(&app, "post_leave", json!({"post_id": "P09"}), "post_id");
}

#[test]
fn fixes_are_recorded_only_while_a_patrol_runs() {
    use patrol_app_lib::state::AppState;
    use tauri::Manager;
    let app = TestApp::new();
    let handle = app.app.handle().clone();
    let state = app.app.state::<AppState>();
    let now = state.clock.wall_ms();
    let fix = |i: i64| patrol_model::PositionFix {
        accuracy_m: Some(5.0),
        ..patrol_model::PositionFix::at(now + i * 1000, 29.024 + i as f64 * 1e-4, 111.688)
    };
    assert_eq!(state.position.deliver(&handle, &state.store, fix(0)), None);
    app.ok(
        "start_patrol",
        json!({"mode": "car", "group": "G03", "officers": ["李警官"], "volunteers": {}}),
    );
    for i in 1..=3 {
        assert_eq!(
            state.position.deliver(&handle, &state.store, fix(i)),
            Some(patrol_model::PatrolMode::Car)
        );
    }
    let live = app.ok("live_patrol", json!({}));
    assert_eq!(
        live["patrol"]["fixes"], 3,
        "the fix before the patrol is not part of it"
    );
    assert_eq!(
        live["route"].as_array().unwrap().len(),
        2,
        "a straight line simplifies to its ends"
    );
    let d = live["patrol"]["distance_m"].as_f64().unwrap();
    assert!((20.0..25.0).contains(&d), "{d}");
    assert_eq!(app.position_events.lock().unwrap().len(), 4);
    // The violation is stamped with where the officer is.
    app.ok("record_violation", json!({"type": "red-light"}));
    let history = app.ok("history", json!({"limit": 1}));
    assert_eq!(history[0]["record"]["at"]["lat"], json!(29.0243));
    let stopped = app.ok("stop_patrol", json!({}));
    let kinds: Vec<&str> = stopped
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["track_segment", "patrol_stopped"]);
    // The History screen leaves track segments out, and its limit counts what it lists.
    let kinds = |args: Value| -> Vec<String> {
        app.ok("history", args)
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["kind"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        kinds(json!({"limit": 3})),
        ["patrol_stopped", "track_segment", "violation"]
    );
    assert_eq!(
        kinds(json!({"limit": 3, "tracks": false})),
        ["patrol_stopped", "violation", "patrol_started"]
    );
}

#[test]
fn enrol_record_and_sync_with_the_real_hq_then_restart() {
    let hq = Hq::start();
    let app = TestApp::new();
    let code = hq.enrollment_code("CD-TEST-01");
    let bad = app.err("enroll", json!({"hq_url": hq.url(), "code": "WRONG-CODE"}));
    assert_eq!(bad["kind"], "rejected", "{bad}");
    let enrolled = app.ok("enroll", json!({"hq_url": hq.url(), "code": code}));
    assert_eq!(enrolled["device_name"], "CD-TEST-01");
    let home = app.ok("home", json!({}));
    assert_eq!(home["enrolled"], true);
    assert_eq!(
        home["city_loaded"], true,
        "enrolment pulls the reference data"
    );
    let reference = app.ok("reference", json!({}));
    assert!(
        reference["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["id"] == "G07")
    );
    assert!(
        !app.ok("post_duty", json!({}))
            .as_array()
            .unwrap()
            .is_empty()
    );
    let unknown = app.err("post_arrive", json!({"post_id": "P99"}));
    assert_eq!(
        (unknown["kind"].as_str(), unknown["field"].as_str()),
        (Some("not_found"), Some("post_id"))
    );
    // The secret never reaches the web view.
    let everything = format!("{home}{}{}", app.ok("get_settings", json!({})), enrolled);
    assert!(!everything.contains("secret"), "{everything}");

    app.ok(
        "start_patrol",
        json!({"mode": "foot", "group": "G07", "officers": ["张伟"], "volunteers": {}}),
    );
    app.ok("record_violation", json!({"type": "no-helmet"}));
    app.ok("record_violation", json!({"type": "no-helmet"}));
    app.ok("submit_report", json!({"kind": "lost_person", "body": {"description": "迷路老人", "outcome": "handed-to-station"}}));
    app.ok("stop_patrol", json!({}));
    // Before the sync: what waits, by kind, oldest first by kind name; no attempt yet.
    let queue = app.ok("sync_queue", json!({}));
    assert_eq!(queue["entries_waiting"], 5, "{queue}");
    let kinds: Vec<(&str, u64)> = queue["waiting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["kind"].as_str().unwrap(), w["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("lost_person", 1),
            ("patrol_started", 1),
            ("patrol_stopped", 1),
            ("violation", 2)
        ]
    );
    assert_eq!(queue["last_attempt_ms"], Value::Null);
    assert_eq!(queue["front_seq"], 1);

    let receipt = app.ok("sync_now", json!({"on_progress": channel()}));
    assert_eq!(receipt["hq_head_seq"], 5, "{receipt}");
    assert_eq!(receipt["pending"], 0);
    assert_eq!(receipt["quarantined"], json!([]));
    assert!(
        receipt["text"]
            .as_str()
            .unwrap()
            .starts_with("HQ holds seq 1–5"),
        "{receipt}"
    );
    let status = app.ok("sync_status", json!({}));
    assert_eq!(status["hq_head_seq"], 5);
    let queue = app.ok("sync_queue", json!({}));
    assert_eq!(queue["entries_waiting"], 0, "{queue}");
    assert_eq!(queue["front_seq"], Value::Null);
    assert!(queue["last_attempt_ms"].is_i64(), "{queue}");
    assert!(
        queue["last_ok_ms"].as_i64() >= queue["last_attempt_ms"].as_i64(),
        "{queue}"
    );
    assert_eq!(queue["last_error_kind"], Value::Null);
    let home = app.ok("home", json!({}));
    assert_eq!(home["unsynced"], 0);
    assert!(home["last_sync_ms"].is_i64());
    assert!(
        app.ok("history", json!({}))
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["sync"] == "acked")
    );
    assert_eq!(
        app.ledger_events.lock().unwrap().last().unwrap()["unsynced"],
        0
    );

    // HQ holds them, by its operator API.
    let devices = hq.get_json("/api/v1/devices");
    assert_eq!(devices[0]["head"]["seq"], 5, "{devices}");
    let date = home["today"]["date"].as_str().unwrap();
    let stats = hq.get_json(&format!("/api/v1/stats/daily?date={date}"));
    assert_eq!(stats["violations_total"], 2, "{stats}");
    assert_eq!(stats["lost_persons"], 1, "{stats}");

    // Restart on the same data folder: everything is still there, still synced.
    let dir = app.close();
    let app = TestApp::in_dir(dir);
    let home = app.ok("home", json!({}));
    assert_eq!(
        (home["enrolled"].as_bool(), home["unsynced"].as_u64()),
        (Some(true), Some(0))
    );
    assert_eq!(home["ledger_problem"], Value::Null, "a clean shutdown");
    assert_eq!(app.ok("history", json!({})).as_array().unwrap().len(), 5);
}

#[test]
fn the_core_decides_groups_posts_and_the_live_distance() {
    // A device with the demo city's reference data.
    let dir = tempfile::tempdir().unwrap();
    let city: patrol_model::City = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../demo/changde-city.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let post = city.posts[0].id.to_string();
    {
        let clock = std::sync::Arc::new(patrol_model::SystemClock::new());
        let mut store = patrol_device::Store::open(dir.path(), clock).unwrap();
        store.set_city(&city, None).unwrap();
    }
    let app = TestApp::in_dir(dir);

    // A group the reference data lacks is saved, with the core's warning for the UI.
    let saved = app.ok(
        "start_patrol",
        json!({"mode": "foot", "group": "G99", "officers": ["李警官"], "volunteers": {}}),
    );
    assert_eq!(saved["kind"], "patrol_started");
    assert_eq!(
        saved["warning"],
        "group G99 is not in the reference data; saved anyway (check the group with HQ)"
    );
    app.ok("stop_patrol", json!({}));
    let saved = app.ok(
        "start_patrol",
        json!({"mode": "foot", "group": "G07", "officers": ["李警官"], "volunteers": {}}),
    );
    assert!(saved.get("warning").is_none(), "{saved}");

    // Post rules: the core's, with the contract's codes.
    let e = app.err("post_leave", json!({"post_id": post}));
    assert_eq!(
        (e["kind"].as_str(), e["field"].as_str()),
        (Some("invalid"), Some("post_id"))
    );
    app.ok("post_arrive", json!({"post_id": post}));
    let e = app.err("post_arrive", json!({"post_id": post}));
    assert_eq!(
        (e["kind"].as_str(), e["field"].as_str()),
        (Some("invalid"), Some("post_id"))
    );

    // The live distance leaves out a ±80 m fix.
    use patrol_app_lib::state::AppState;
    use tauri::Manager;
    let handle = app.app.handle().clone();
    let state = app.app.state::<AppState>();
    let now = state.clock.wall_ms();
    let fixes = [
        (29.030, 111.690, 5.0),
        (29.031, 111.690, 5.0),
        (29.0315, 111.700, 80.0),
        (29.032, 111.690, 5.0),
    ];
    for (i, (lat, lon, acc)) in (0i64..).zip(fixes) {
        let fix = patrol_model::PositionFix {
            accuracy_m: Some(acc),
            ..patrol_model::PositionFix::at(now + i * 5_000, lat, lon)
        };
        state.position.deliver(&handle, &state.store, fix);
    }
    let live = app.ok("live_patrol", json!({}));
    let m = live["patrol"]["distance_m"].as_f64().unwrap();
    assert!((m - 221.7).abs() < 2.0, "{m} m: {live}");
    assert_eq!(live["patrol"]["fixes"], 4);
}

#[test]
fn the_geofence_suggests_a_check_in_and_a_confirmed_one_records_its_evidence() {
    use patrol_app_lib::state::AppState;
    use tauri::Manager;
    let dir = tempfile::tempdir().unwrap();
    let city: patrol_model::City = serde_json::from_value(json!({
        "name": "常德 (test)",
        "timezone": "Asia/Shanghai",
        "posts": [{"id": "P05", "name": "洞庭大道/光荣路", "location": {"lat": 29.03, "lon": 111.69},
                   "radius_m": 40, "duty_windows": [{"start": "06:00", "end": "09:00"},
                                                     {"start": "17:00", "end": "21:00"}]}],
        "groups": [{"id": "G07", "name": "第七巡逻组"}]
    }))
    .unwrap();
    {
        let clock = std::sync::Arc::new(patrol_model::SystemClock::new());
        let mut store = patrol_device::Store::open(dir.path(), clock).unwrap();
        store.set_city(&city, None).unwrap();
    }
    let app = TestApp::in_dir(dir);
    // No patrol, no fixes: nothing to suggest.
    assert_eq!(app.ok("post_suggestion", json!({})), Value::Null);

    app.ok(
        "start_patrol",
        json!({"mode": "foot", "group": "G07", "officers": ["李警官"], "volunteers": {}}),
    );
    let handle = app.app.handle().clone();
    let state = app.app.state::<AppState>();
    let now = state.clock.wall_ms();
    let deliver = |from_s: i64, to_s: i64, north_m: f64, accuracy_m: f64| {
        for t in (from_s..=to_s).step_by(5) {
            let fix = patrol_model::PositionFix {
                accuracy_m: Some(accuracy_m),
                ..patrol_model::PositionFix::at(now + t * 1000, 29.03 + north_m / 111_195.0, 111.69)
            };
            state.position.deliver(&handle, &state.store, fix);
        }
    };
    // ±80 m dead centre proves nothing.
    deliver(-300, -200, 0.0, 80.0);
    assert_eq!(app.ok("post_suggestion", json!({})), Value::Null);
    // A good minute and a half inside: the arrival is suggested.
    deliver(-150, -60, 5.0, 5.0);
    let s = app.ok("post_suggestion", json!({}));
    assert_eq!(s["action"], "arrive", "{s}");
    assert_eq!(s["post_id"], "P05");
    assert_eq!(s["name"], "洞庭大道/光荣路");
    assert_eq!(s["evidence"]["source"], "geofence");
    assert_eq!(s["evidence"]["dwell_s"], 90);
    assert_eq!(s["evidence"]["best_accuracy_m"], 5.0);

    // Evidence that is not the fence's is refused.
    let mut forged = s["evidence"].clone();
    forged["source"] = json!("manual");
    check_invalid(
        &app,
        "post_arrive",
        json!({"post_id": "P05", "evidence": forged}),
        "evidence.source",
    );
    // One tap confirms it with the crew; the post shows how it was checked in.
    app.ok(
        "post_arrive",
        json!({"post_id": "P05", "officers": ["李警官"], "volunteers": {"red-vest": 2},
               "evidence": s["evidence"]}),
    );
    let history = app.ok("history", json!({"limit": 1}));
    assert_eq!(history[0]["kind"], "post_arrived");
    assert_eq!(history[0]["record"]["evidence"]["source"], "geofence");
    assert_eq!(history[0]["record"]["evidence"]["fixes_inside"], 19);
    assert_eq!(history[0]["record"]["volunteers"]["red-vest"], 2);
    let duty = app.ok("post_duty", json!({}));
    assert_eq!(duty[0]["on_post"], true);
    assert_eq!(duty[0]["arrival_source"], "geofence");
    assert_eq!(app.ok("post_suggestion", json!({})), Value::Null);

    // Walking away: the departure is suggested; the manual leave still works and says so.
    deliver(5, 85, 400.0, 5.0);
    let s = app.ok("post_suggestion", json!({}));
    assert_eq!(s["action"], "leave", "{s}");
    app.ok("post_leave", json!({"post_id": "P05"}));
    let history = app.ok("history", json!({"limit": 1}));
    assert_eq!(history[0]["record"]["evidence"]["source"], "manual");
    let duty = app.ok("post_duty", json!({}));
    assert_eq!(duty[0]["arrival_source"], Value::Null);
    assert_eq!(app.ok("post_suggestion", json!({})), Value::Null);
}

#[test]
fn a_dispatch_from_hq_reaches_the_app_and_each_step_is_a_synced_entry() {
    let hq = Hq::start();
    let app = TestApp::new();
    app.ok(
        "enroll",
        json!({"hq_url": hq.url(), "code": hq.enrollment_code("CD-DISPATCH")}),
    );
    assert_eq!(app.ok("dispatches", json!({})), json!([]));
    let device = app.ok("home", json!({}))["device_id"].clone();
    let created = hq.block_on(hq.post_json(
        "/api/v1/dispatches",
        json!({"kind": "theft", "tier": 3, "address": "人民路 18 号",
               "target": {"lat": 29.0315, "lon": 111.6985}, "units": [device]}),
    ));
    let id = created["id"].as_str().unwrap().to_owned();
    app.ok("sync_now", json!({"on_progress": channel()}));
    let list = app.ok("dispatches", json!({}));
    assert_eq!(list[0]["order"]["id"], id.as_str(), "{list}");
    assert_eq!(list[0]["state"], "delivered");
    assert_eq!(list[0]["next"], json!(["accepted", "declined"]));

    let card = app.ok("dispatch_step", json!({"id": id, "step": "accepted"}));
    assert_eq!(card["state"], "accepted");
    let twice = app.err("dispatch_step", json!({"id": id, "step": "accepted"}));
    assert_eq!(twice["kind"], "dispatch_step_done", "{twice}");
    check_invalid(
        &app,
        "dispatch_step",
        json!({"id": id, "step": "cleared"}),
        "outcome",
    );
    check_invalid(
        &app,
        "dispatch_step",
        json!({"id": id, "step": "teleported"}),
        "step",
    );
    app.ok("dispatch_step", json!({"id": id, "step": "on-scene"}));
    let card = app.ok(
        "dispatch_step",
        json!({"id": id, "step": "cleared", "outcome": "arrest-made"}),
    );
    assert_eq!(card["state"], "cleared");
    assert_eq!(card["steps"]["outcome"], "arrest-made");
    assert_eq!(app.ok("scene_suggestion", json!({})), Value::Null);
    assert_eq!(app.ok("home", json!({}))["unsynced"], 3);

    app.ok("sync_now", json!({"on_progress": channel()}));
    let v = hq.get_json(&format!("/api/v1/dispatches/{id}"));
    assert_eq!(v["state"], "cleared", "{v}");
    assert_eq!(v["outcome"], "arrest-made");
    assert!(v["on_scene_ms"].is_i64());
}

/// "Export to file" for a phone that cannot reach HQ: not before enrolment; after it, a bundle
/// of what HQ does not hold, in `exports/`, that HQ ingests exactly once.
#[test]
fn export_bundle_writes_what_hq_does_not_hold() {
    let hq = Hq::start();
    let app = TestApp::new();
    let err = app.err("export_bundle", json!({}));
    assert_eq!(err["kind"], "not_enrolled", "{err}");
    let code = hq.enrollment_code("CD-EXPORT");
    app.ok("enroll", json!({"hq_url": hq.url(), "code": code}));
    app.ok("record_violation", json!({"type": "no-helmet"}));
    app.ok("record_violation", json!({"type": "umbrella-rig"}));

    let done = app.ok("export_bundle", json!({}));
    assert_eq!(
        (&done["from_seq"], &done["to_seq"], &done["entries"]),
        (&json!(1), &json!(2), &json!(2)),
        "{done}"
    );
    assert_eq!(done["hq_url"], hq.url().as_str());
    let path = std::path::PathBuf::from(done["path"].as_str().unwrap());
    assert!(path.starts_with(app.dir.path().join("exports")), "{done}");
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(done["bytes"], bytes.len() as u64);
    assert_eq!(hq.import_bundle(&bytes).accepted, 2);
    // Nothing on the device changed: the queue still waits for a sync, which settles it.
    assert_eq!(app.ok("sync_queue", json!({}))["entries_waiting"], 2);
}

/// The map draws the city's pack once a sync brought it: nothing before, the pack's name and
/// hash after, and its tiles as raw bytes (empty where it has none), all offline.
#[test]
fn the_map_pack_arrives_with_a_sync_and_serves_tiles() {
    let maps = tempfile::tempdir().unwrap();
    let file = patrol_testkit::city::demo_map_pack(maps.path());
    let hq = Hq::from_builder(patrol_testkit::Hq::builder().map_pack(file.clone()));
    let app = TestApp::new();
    assert_eq!(
        app.ok("map_pack", json!({})),
        json!({"ready": null, "downloading": null})
    );
    assert!(
        app.bytes("map_tile", json!({"z": 14, "x": 0, "y": 0}))
            .is_empty()
    );

    let code = hq.enrollment_code("CD-MAP");
    app.ok("enroll", json!({"hq_url": hq.url(), "code": code}));
    app.ok("sync_now", json!({"on_progress": channel()}));
    let view = app.ok("map_pack", json!({}));
    assert_eq!(view["downloading"], Value::Null, "{view}");
    let ready = &view["ready"];
    assert_eq!(ready["format"], "png", "{view}");
    assert_eq!(
        (&ready["minzoom"], &ready["maxzoom"]),
        (&json!(12), &json!(14))
    );
    assert_eq!(
        ready["sha256"],
        patrol_map::local::sha256_file(&file).unwrap().as_str()
    );
    assert_eq!(ready["bytes"], std::fs::metadata(&file).unwrap().len());

    let (x, y) = patrol_map::tiles::point_to_tile(29.03, 111.69, 14);
    let tile = app.bytes("map_tile", json!({"z": 14, "x": x as u32, "y": y as u32}));
    assert_eq!(&tile[..4], b"\x89PNG");
    assert!(
        app.bytes("map_tile", json!({"z": 14, "x": 0, "y": 0}))
            .is_empty()
    );
    assert!(
        app.bytes("map_tile", json!({"z": 18, "x": x as u32, "y": y as u32}))
            .is_empty()
    );
    let err = app.err("map_tile", json!({"z": "far", "x": 0, "y": 0}));
    assert!(err.to_string().contains("z"), "{err}");
}
