//! The command-centre page's side of HQ over real HTTP on 127.0.0.1: sign-in that becomes a
//! session cookie, sign-out, revocation and expiry refused at once, the cross-site guard on
//! changes, the live channel (an upload reaches an open stream), the layers the page draws
//! (units with officers, coverage, presence, replay, reports, bulletin), and the page itself
//! under its Content-Security-Policy.

use patrol_device::{Capture, ManualClock, Store};
use patrol_model::v1::{self, UploadRequest};
use patrol_model::*;
use patrol_testkit::Hq;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Duration;

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// A device at the real time of day, so its patrol is "now" for the live map.
struct Device {
    _dir: tempfile::TempDir,
    store: Store,
    clock: Arc<ManualClock>,
    token: String,
}

impl Device {
    async fn enrolled(hq: &Hq) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(now_ms() - 600_000));
        let store = Store::open(dir.path(), clock.clone()).unwrap();
        Device {
            _dir: dir,
            token: hq.enrol(store.device_id(), "快警三大队").await,
            store,
            clock,
        }
    }

    /// A car patrol of group G01 with two officers: ten minutes of fixes near the city centre
    /// ending now, a stop of three minutes in it, and a violation with a correction.
    fn patrol(&mut self) -> PatrolId {
        let start = PatrolStart {
            patrol_id: PatrolId::new(),
            mode: PatrolMode::Car,
            group: "G01".into(),
            officers: vec!["张伟".into(), "李娜".into()],
            volunteers: Default::default(),
            vehicle_plate: Some("湘J12345".parse().unwrap()),
        };
        let id = start.patrol_id;
        let here = Capture {
            gnss_ms: None,
            position: Some(LatLon {
                lat: 29.03,
                lon: 111.69,
            }),
        };
        self.store.start_patrol(start, here).unwrap();
        let t0 = self.store.clock().wall_ms();
        for i in 0..600 {
            // Moving north for 5 minutes, standing 3, moving on for 2.
            let step = if i < 300 {
                i
            } else if i < 480 {
                300
            } else {
                i - 180
            };
            let mut f = PositionFix::at(t0 + i * 1000, 29.03 + step as f64 * 2e-5, 111.69);
            f.accuracy_m = Some(5.0);
            self.store.record_fix(f).unwrap();
            self.clock.advance_ms(1000);
        }
        let v = self
            .store
            .append(
                &Record::Violation(ViolationTally {
                    patrol_id: Some(id),
                    ..ViolationTally::new(ViolationType::NoHelmet)
                }),
                here,
            )
            .unwrap();
        self.store
            .append(
                &Record::Supplement(Supplement {
                    target_id: v.id,
                    target_seq: v.seq,
                    reason: "补充详情".into(),
                    correction: Some(Box::new(Record::Violation(ViolationTally {
                        patrol_id: Some(id),
                        plate: Some("湘J54321".parse().unwrap()),
                        ..ViolationTally::new(ViolationType::NoHelmet)
                    }))),
                }),
                here,
            )
            .unwrap();
        id
    }

    async fn upload_all(&self, hq: &Hq) {
        let entries = self.store.entries(1, 100_000).unwrap();
        let r = http()
            .post(format!(
                "{}/api/v1/devices/{}/entries",
                hq.url(),
                self.store.device_id()
            ))
            .bearer_auth(&self.token)
            .json(&UploadRequest {
                device_now_ms: now_ms(),
                entries,
            })
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
}

/// Sign in with `token`; the session cookie as a `Cookie` header value.
async fn sign_in(hq: &Hq, token: &str, ttl_s: Option<u32>) -> (String, Value) {
    let r = http()
        .post(format!("{}/api/v1/session", hq.url()))
        .json(&json!({ "token": token, "ttl_s": ttl_s }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let set = r
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age="] {
        assert!(set.contains(attr), "{set}");
    }
    let cookie = set.split(';').next().unwrap().to_owned();
    assert!(cookie.starts_with("hq_session="), "{set}");
    (cookie, r.json().await.unwrap())
}

async fn get(hq: &Hq, path: &str, cookie: &str) -> reqwest::Response {
    http()
        .get(format!("{}{path}", hq.url()))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_token_becomes_a_session_that_signs_out_and_is_refused_when_revoked_or_expired() {
    let hq = Hq::start().await;
    let (cookie, who) = sign_in(&hq, &hq.operator_token, None).await;
    assert_eq!(who["operator"]["name"], "test");
    assert_eq!(who["operator"]["role"], "admin");
    let ttl = who["expires_ms"].as_i64().unwrap() - now_ms();
    assert!(
        (11 * 3600 * 1000..=12 * 3600 * 1000).contains(&ttl),
        "{ttl}"
    );

    // The cookie reads what a token reads.
    assert_eq!(
        get(&hq, "/api/v1/session", &cookie).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get(&hq, "/api/v1/units", &cookie).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        get(&hq, "/api/v1/session", "hq_session=forged")
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );

    // A change with the cookie must carry X-Requested-With (a forged cross-site form cannot).
    let enrol = |with_header: bool| {
        let mut b = http()
            .post(format!("{}/api/v1/enrollments", hq.url()))
            .header("cookie", &cookie)
            .json(&json!({ "name": "新终端" }));
        if with_header {
            b = b.header("x-requested-with", "hq-web");
        }
        b.send()
    };
    let r = enrol(false).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "csrf");
    let r = enrol(true).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["qr_svg"].as_str().unwrap().starts_with("<?xml")
            || body["qr_svg"].as_str().unwrap().contains("<svg")
    );

    // Sign-out ends the session and clears the cookie.
    let r = http()
        .delete(format!("{}/api/v1/session", hq.url()))
        .header("cookie", &cookie)
        .header("x-requested-with", "hq-web")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    assert_eq!(
        get(&hq, "/api/v1/units", &cookie).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Revoking one session (as `patrol-hq operator revoke s-…` does) refuses it at once; the
    // operator's other sessions go on.
    let (a, _) = sign_in(&hq, &hq.operator_token, None).await;
    let (b, _) = sign_in(&hq, &hq.operator_token, None).await;
    let live = hq.storage.sessions(now_ms()).await.unwrap();
    assert_eq!(live.len(), 2);
    let secret_a = a.trim_start_matches("hq_session=");
    let hash_a = patrol_hq::auth::hash_secret(secret_a);
    let id_a = live
        .iter()
        .find(|s| hash_a.starts_with(s.id.trim_start_matches("s-")))
        .unwrap()
        .id
        .clone();
    hq.storage
        .end_session(&id_a, now_ms())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        get(&hq, "/api/v1/units", &a).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(get(&hq, "/api/v1/units", &b).await.status(), StatusCode::OK);

    // Revoking the operator refuses every session it signed in, at the next request.
    let op = hq.storage.operators().await.unwrap().remove(0);
    hq.storage
        .revoke_operator(&op.id, now_ms())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        get(&hq, "/api/v1/units", &b).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(&hq, "/api/v1/session", &b).await.status(),
        StatusCode::UNAUTHORIZED
    );
    // …and the revoked token cannot sign in again.
    let r = http()
        .post(format!("{}/api/v1/session", hq.url()))
        .json(&json!({ "token": hq.operator_token }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_expired_session_and_bad_sign_ins_are_refused_clearly() {
    let hq = Hq::start().await;
    // A session whose time is up (stored directly: no test waits for a clock).
    let op_hash = patrol_hq::auth::hash_secret(&hq.operator_token);
    let secret = "expired-session-secret";
    hq.storage
        .create_session(
            &patrol_hq::auth::hash_secret(secret),
            &op_hash,
            now_ms() - 60_000,
            now_ms() - 1,
            None,
        )
        .await
        .unwrap();
    let cookie = format!("hq_session={secret}");
    let r = get(&hq, "/api/v1/units", &cookie).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("expired"));

    // A shorter session when asked for; never shorter than 5 s, never longer than 12 h.
    let (_, who) = sign_in(&hq, &hq.operator_token, Some(60)).await;
    let ttl = who["expires_ms"].as_i64().unwrap() - now_ms();
    assert!((50_000..=60_000).contains(&ttl), "{ttl}");
    for (body, status, code) in [
        (
            json!({ "token": hq.operator_token, "ttl_s": 1 }),
            400,
            "bad_ttl",
        ),
        (json!({ "token": "op_nobody" }), 401, "unauthenticated"),
        (json!({ "token": "d1.x.y" }), 403, "operators_only"),
        (json!({ "nope": 1 }), 400, "bad_json"),
    ] {
        let r = http()
            .post(format!("{}/api/v1/session", hq.url()))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), status, "{body}");
        assert_eq!(r.json::<Value>().await.unwrap()["code"], code, "{body}");
    }
}

#[tokio::test]
async fn an_upload_reaches_an_open_live_channel() {
    let hq = Hq::start().await;
    let mut d = Device::enrolled(&hq).await;
    let (cookie, _) = sign_in(&hq, &hq.operator_token, None).await;
    let mut stream = get(&hq, "/api/v1/events", &cookie).await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(
        stream.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    // nginx, the documented proxy, buffers an answer unless told not to: a buffered stream
    // would reach the page only when the buffer fills.
    assert_eq!(stream.headers()["x-accel-buffering"], "no");
    let cache: Vec<_> = stream.headers().get_all("cache-control").iter().collect();
    assert_eq!(cache, ["no-cache"]);
    d.patrol();
    d.upload_all(&hq).await;
    let mut seen = String::new();
    let got = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(chunk) = stream.chunk().await.unwrap() {
            seen.push_str(&String::from_utf8_lossy(&chunk));
            if seen.contains("event: upload") {
                return;
            }
        }
    })
    .await;
    assert!(got.is_ok(), "no upload event within 5 s: {seen:?}");
    assert!(seen.contains(&d.store.device_id().to_string()), "{seen}");

    // Without a session there is no stream.
    assert_eq!(
        get(&hq, "/api/v1/events", "").await.status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn the_layers_the_page_draws() {
    let hq = Hq::start().await;
    let mut d = Device::enrolled(&hq).await;
    let patrol = d.patrol();
    d.upload_all(&hq).await;
    let (cookie, _) = sign_in(&hq, &hq.operator_token, None).await;
    let json = |path: &'static str| {
        let cookie = cookie.clone();
        let hq = &hq;
        async move {
            let r = get(hq, path, &cookie).await;
            assert_eq!(r.status(), StatusCode::OK, "{path}");
            r.json::<Value>().await.unwrap()
        }
    };

    let units = json("/api/v1/units").await;
    assert_eq!(units[0]["officers"], json!(["张伟", "李娜"]), "{units}");
    assert_eq!(units[0]["vehicle_plate"], "湘J12345");

    // The unit is fresh and in the city: the cells around it are within the circles.
    let cov = json("/api/v1/coverage").await;
    assert_eq!(cov["available_units"], 1, "{cov}");
    assert_eq!(cov["model"]["detour_factor"], 1.4);
    let cells = cov["cells"].as_array().unwrap();
    assert_eq!(cells.len(), patrol_testkit::city::demo().cells.len());
    assert!(
        cells.iter().any(|c| c["band"] == "1" || c["band"] == "3"),
        "{cov}"
    );
    assert!(cells.iter().all(|c| c["band"] != "none"));

    let presence = json("/api/v1/presence").await;
    let minutes: f64 = presence["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["day_minutes"].as_f64().unwrap() + c["night_minutes"].as_f64().unwrap())
        .sum::<f64>()
        + presence["outside_grid_minutes"].as_f64().unwrap();
    // Ten minutes of route, unless it ran over local midnight (then part is yesterday's).
    assert!(minutes > 0.0 && minutes <= 10.0, "{presence}");

    let r = get(&hq, &format!("/api/v1/patrols/{patrol}/track"), &cookie).await;
    assert_eq!(r.status(), StatusCode::OK);
    let track: Value = r.json().await.unwrap();
    // Every sealed fix (the last few seconds are still in the device's open segment).
    let points = track["points"].as_array().unwrap().len();
    assert!((560..=600).contains(&points), "{points}");
    assert_eq!(
        track["stops"].as_array().unwrap().len(),
        1,
        "{}",
        track["stops"]
    );
    let stop = &track["stops"][0];
    assert!(stop["to_ms"].as_i64().unwrap() - stop["from_ms"].as_i64().unwrap() >= 170_000);
    assert!(track["moving_s"].as_i64().unwrap() < 600 - 170);
    let r = get(&hq, "/api/v1/patrols/not-an-id/track", &cookie).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = get(
        &hq,
        &format!("/api/v1/patrols/{}/track", PatrolId::new()),
        &cookie,
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);

    // The corrected violation, with its patrol's group and its history.
    let reports = json("/api/v1/reports?kind=violation").await;
    let list = reports.as_array().unwrap();
    assert_eq!(list.len(), 1, "{reports}");
    assert_eq!(list[0]["plate"], "湘J54321");
    assert_eq!(list[0]["group"], "G01");
    assert_eq!(list[0]["corrected"], true);
    assert_eq!(list[0]["history"].as_array().unwrap().len(), 1);
    assert_eq!(json("/api/v1/reports?group=G99").await, json!([]));

    // The bulletin says the day's own numbers.
    let stats = json("/api/v1/stats/daily").await;
    let b = json("/api/v1/bulletin").await;
    assert_eq!(b["stats"], stats);
    let text = b["text"].as_str().unwrap();
    assert!(
        text.contains(&format!(
            "全市共出动巡逻防控警力{}人次",
            stats["officer_trips"]
        )),
        "{text}"
    );
    let en = json("/api/v1/bulletin?lang=en").await;
    assert!(en["text"].as_str().unwrap().starts_with("On "), "{en}");
    assert_eq!(
        get(&hq, "/api/v1/bulletin?lang=fr", &cookie).await.status(),
        StatusCode::BAD_REQUEST
    );

    assert_eq!(json("/api/v1/map").await, json!({ "pack": null }));
    assert_eq!(
        get(&hq, "/api/v1/map/tiles/1/1/0.png", &cookie)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn the_page_is_served_under_a_strict_policy_and_unknown_api_paths_are_json_404s() {
    let hq = Hq::start().await;
    // The page from a folder (`serve --web-dir`), through the same router.
    let web = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(web.path().join("assets")).unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>指挥中心</title>",
    )
    .unwrap();
    std::fs::write(web.path().join("assets/app-1234.js"), "console.log(1)").unwrap();
    let mut state = patrol_hq::AppState::new(hq.storage.clone());
    state.web = Arc::new(patrol_hq::web::WebAssets::Dir(web.path().to_path_buf()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(patrol_hq::serve(listener, state));

    for path in ["/", "/live", "/reports/abc"] {
        let r = http().get(format!("{url}{path}")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let csp = r.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            csp.contains("default-src 'none'") && csp.contains("script-src 'self'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe"), "{csp}");
        assert_eq!(r.headers()["x-frame-options"], "DENY");
        assert!(r.text().await.unwrap().contains("指挥中心"));
    }
    let r = http()
        .get(format!("{url}/assets/app-1234.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    assert_eq!(
        http()
            .get(format!("{url}/assets/missing.js"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let r = http()
        .get(format!("{url}/api/v1/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "not_found");

    // The embedded page (when this build has one) is served the same way.
    let r = http().get(format!("{}/", hq.url())).send().await.unwrap();
    match r.status() {
        StatusCode::OK => assert!(r.headers().contains_key("content-security-policy")),
        StatusCode::SERVICE_UNAVAILABLE => {
            assert!(r.text().await.unwrap().contains("npm run build"))
        }
        other => panic!("/ answered {other}"),
    }
}

#[tokio::test]
async fn every_endpoint_the_page_uses_is_documented_with_a_response_schema() {
    let hq = Hq::start().await;
    let doc = hq.get_json("/api/openapi.json").await;
    for (path, method) in [
        ("/api/v1/session", "post"),
        ("/api/v1/session", "get"),
        ("/api/v1/session", "delete"),
        ("/api/v1/events", "get"),
        ("/api/v1/coverage", "get"),
        ("/api/v1/presence", "get"),
        ("/api/v1/patrols/{patrol_id}/track", "get"),
        ("/api/v1/reports", "get"),
        ("/api/v1/reports/page", "get"),
        ("/api/v1/bulletin", "get"),
        ("/api/v1/map", "get"),
        ("/api/v1/stats/daily", "get"),
        ("/api/v1/units", "get"),
        ("/api/v1/posts/compliance", "get"),
        ("/api/v1/city", "get"),
        ("/api/v1/devices", "get"),
    ] {
        let op = &doc["paths"][path][method];
        assert!(
            op.is_object(),
            "{method} {path} is not in the OpenAPI document"
        );
        let ok = op["responses"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(code, _)| code.starts_with('2'))
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| panic!("{method} {path}: no success response"));
        let has_body = ok.get("content").is_some() || method == "delete";
        assert!(
            has_body,
            "{method} {path}: the success response has no schema: {ok}"
        );
    }
}

/// The day's figures come from the track rollups and the report counts, kept upload by upload;
/// they equal a full recompute from the raw ledger after uploads in several batches, a
/// correction and a withdrawn segment, and a rebuild from the ledger gives the same answer again.
#[tokio::test]
async fn the_days_figures_from_rollups_equal_a_full_recompute_and_a_rebuild() {
    let hq = Hq::start().await;
    let mut d = Device::enrolled(&hq).await;
    d.patrol();
    // Withdraw one sealed track segment (a recorded stretch the officer says was wrong).
    let seg = d
        .store
        .entries_of(&[EntryKind::TrackSegment])
        .unwrap()
        .into_iter()
        .nth(3)
        .unwrap();
    d.store
        .append(
            &Record::Supplement(Supplement {
                target_id: seg.id,
                target_seq: seg.seq,
                reason: "误录".into(),
                correction: None,
            }),
            Capture::default(),
        )
        .unwrap();
    let entries = d.store.entries(1, 100_000).unwrap();
    // Three uploads: the first segments, the rest, then the withdrawal on its own.
    let n = entries.len();
    for batch in [&entries[..6], &entries[6..n - 1], &entries[n - 1..]] {
        let r = http()
            .post(format!(
                "{}/api/v1/devices/{}/entries",
                hq.url(),
                d.store.device_id()
            ))
            .bearer_auth(&d.token)
            .json(&UploadRequest {
                device_now_ms: now_ms(),
                entries: batch.to_vec(),
            })
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }

    let city = patrol_testkit::city::demo();
    let tz = city.tz();
    // The day the patrol started (ten minutes ago): just after local midnight its last minutes
    // fall on the next day, and this day is still the one holding its start and the withdrawal.
    let day = chrono::TimeZone::timestamp_millis_opt(&tz, now_ms() - 600_000)
        .unwrap()
        .date_naive();
    let midnight = |d: chrono::NaiveDate| {
        chrono::TimeZone::from_local_datetime(&tz, &d.and_hms_opt(0, 0, 0).unwrap())
            .unwrap()
            .timestamp_millis()
    };
    let (start, end) = (midnight(day), midnight(day.succ_opt().unwrap()));
    let recompute = || async {
        let window = hq
            .storage
            .entries_between(start - 24 * 3600 * 1000, end, None)
            .await
            .unwrap();
        let sup = hq.storage.supplements().await.unwrap();
        patrol_hq::projections::daily_stats(&window, &sup, Some(&city), tz, day)
    };
    // The ledger's figures; the dispatch figures come from HQ's dispatch board (all three tiers,
    // zero here) and are checked in tests/dispatch.rs.
    let ledger_only = |mut s: v1::DailyStats| {
        assert_eq!(s.dispatch.len(), 3, "{s:?}");
        s.dispatch.clear();
        s
    };
    let daily = || async {
        let v = hq
            .get_json(&format!("/api/v1/stats/daily?date={day}"))
            .await;
        ledger_only(serde_json::from_value::<v1::DailyStats>(v).unwrap())
    };
    let expected = recompute().await;
    assert!(expected.km_patrolled > 0.0, "{expected:?}");
    assert!(hq.storage.rollups_built().await.unwrap());
    let rows = hq.storage.day_rollups(day, day).await.unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().any(|r| r.dirty),
        "the withdrawal made its row dirty: {rows:?}"
    );
    // The reports come from the report-count rows, kept upload by upload.
    assert!(hq.storage.counts_built().await.unwrap());
    let counted = hq.storage.day_counts(day, day).await.unwrap();
    assert_eq!(counted.len(), 1, "{counted:?}");
    assert_eq!(counted[0].counts.patrols, expected.patrols);
    assert_eq!(
        daily().await,
        expected,
        "rollups (a dirty row recomputed) and report counts = full recompute"
    );
    let range = hq
        .get_json(&format!("/api/v1/stats/range?from={day}&to={day}"))
        .await;
    assert_eq!(
        ledger_only(serde_json::from_value::<v1::DailyStats>(range["daily"][0].clone()).unwrap()),
        expected
    );

    // Presence and the patrols list read the rollups too: the same as from the raw ledger.
    let presence_rolled = hq.get_json(&format!("/api/v1/presence?date={day}")).await;
    let patrols_rolled = hq.get_json(&format!("/api/v1/patrols?date={day}")).await;
    let raw_patrols = {
        let entries = hq
            .storage
            .entries_between(start - 24 * 3600 * 1000, end + 24 * 3600 * 1000, None)
            .await
            .unwrap();
        let sup = hq.storage.supplements().await.unwrap();
        patrol_hq::projections::patrols(&entries, &sup, Some(&city))
    };
    assert_eq!(patrols_rolled.as_array().unwrap().len(), raw_patrols.len());
    for (got, want) in patrols_rolled.as_array().unwrap().iter().zip(&raw_patrols) {
        assert_eq!(got["fixes"].as_u64().unwrap() as usize, want.fixes, "{got}");
        assert!(
            (got["km"].as_f64().unwrap() - want.km).abs() < 0.0015,
            "{got} vs {want:?}"
        );
    }

    // Without report counts (a ledger stored before them) the figures count the raw reports;
    // without rollups either, they read the raw segments too: the same answer each time.
    hq.storage
        .replace_counts(d.store.device_id(), &[])
        .await
        .unwrap();
    hq.storage.set_counts_built(false).await.unwrap();
    assert_eq!(daily().await, expected);
    hq.storage
        .replace_rollups(d.store.device_id(), &[])
        .await
        .unwrap();
    hq.storage.set_rollups_built(false).await.unwrap();
    assert_eq!(daily().await, expected);
    assert_eq!(
        hq.get_json(&format!("/api/v1/presence?date={day}")).await,
        presence_rolled,
        "presence from rollups (a dirty row rebuilt) = presence from the segments"
    );
    // The rebuild makes clean rows from the ledger; the answer stays the same.
    let state = patrol_hq::AppState::new(hq.storage.clone());
    assert!(patrol_hq::service::rebuild_rollups(&state).await.unwrap() > 0);
    let rebuilt = hq.storage.day_rollups(day, day).await.unwrap();
    assert!(rebuilt.iter().all(|r| !r.dirty), "{rebuilt:?}");
    assert_eq!(daily().await, expected);
    assert!(patrol_hq::service::rebuild_counts(&state).await.unwrap() > 0);
    assert_eq!(hq.storage.day_counts(day, day).await.unwrap(), counted);
    assert_eq!(daily().await, expected);
}

/// The command-centre page's types come from HQ's OpenAPI document: `hq-web/src/api/openapi.json`
/// is this document as HQ serves it, and `npm run gen:api` in `hq-web/` turns it into
/// TypeScript that the page's types are checked against when it compiles. A change to HQ's
/// types that the snapshot does not have fails here; `UPDATE_CONTRACT=1 cargo test -p patrol-e2e
/// --test command_centre contract` writes the new snapshot (then run `npm run gen:api`).
#[tokio::test]
async fn the_pages_contract_is_hqs_openapi_document() {
    let hq = Hq::start().await;
    let doc = hq.get_json("/api/openapi.json").await;
    let text = format!("{}\n", serde_json::to_string_pretty(&doc).unwrap());
    let path = patrol_testkit::repo_file("hq-web/src/api/openapi.json");
    if std::env::var_os("UPDATE_CONTRACT").is_some() {
        std::fs::write(&path, &text).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == text,
        "{} is stale: HQ's API changed. Run `UPDATE_CONTRACT=1 cargo test -p patrol-e2e --test \
         command_centre contract`, then `npm run gen:api` in hq-web/, and fix what the page's \
         type check then says.",
        path.display()
    );
}

/// A city's raster MBTiles pack is served tile by tile to signed-in operators, rows flipped from
/// the file's TMS to the web's XYZ; without a session there are no tiles.
#[tokio::test]
async fn the_map_pack_is_served_to_operators_only() {
    let hq = Hq::start().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("changde.mbtiles");
    {
        let c = rusqlite::Connection::open(&file).unwrap();
        c.execute_batch(
            "CREATE TABLE metadata (name TEXT, value TEXT);
             CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER,
                                 tile_data BLOB);
             INSERT INTO metadata VALUES ('name', '常德'), ('format', 'png'), ('minzoom', '12'),
                                         ('maxzoom', '16'), ('bounds', '111.6,28.9,111.8,29.1');
             INSERT INTO tiles VALUES (12, 3317, 2757, x'89504e470d0a1a0a');",
        )
        .unwrap();
    }
    let mut state = patrol_hq::AppState::new(hq.storage.clone());
    state.map_pack = Some(Arc::new(patrol_hq::map::MapPack::open(&file).unwrap()));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(patrol_hq::serve(listener, state));
    let get = |path: String| {
        http()
            .get(format!("{url}{path}"))
            .bearer_auth(&hq.operator_token)
            .send()
    };
    let info: Value = get("/api/v1/map".into())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["pack"]["name"], "常德");
    assert_eq!(info["pack"]["format"], "png");
    assert_eq!(info["pack"]["bounds"], json!([111.6, 28.9, 111.8, 29.1]));
    // XYZ row 1338 at zoom 12 is TMS row 4095 - 1338 = 2757.
    let r = get("/api/v1/map/tiles/12/3317/1338.png".into())
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(&r.bytes().await.unwrap()[..4], b"\x89PNG");
    assert_eq!(
        get("/api/v1/map/tiles/12/3317/1339".into())
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get("/api/v1/map/tiles/12/3317/x".into())
            .await
            .unwrap()
            .status(),
        StatusCode::BAD_REQUEST
    );
    let anonymous = http()
        .get(format!("{url}/api/v1/map/tiles/12/3317/1338.png"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

/// Devices get the pack HQ serves as reference data: its hash and size in `/reference`, the
/// file in byte ranges (206 with `Content-Range`), whole when the range is for another pack
/// (`If-Range`), 416 past the end. Operators read tiles; the file is for devices.
#[tokio::test]
async fn devices_download_the_map_pack_in_byte_ranges() {
    let maps = tempfile::tempdir().unwrap();
    let file = patrol_testkit::city::demo_map_pack(maps.path());
    let whole = std::fs::read(&file).unwrap();
    let hq = Hq::builder().map_pack(file).start().await;
    let token = hq.enrol(DeviceId::new(), "巡逻终端 07").await;
    let url = hq.url();
    let get = |range: Option<&str>, if_range: Option<&str>| {
        let mut rb = http()
            .get(format!("{url}/api/v1/reference/map-pack"))
            .bearer_auth(&token);
        if let Some(r) = range {
            rb = rb.header("range", r);
        }
        if let Some(r) = if_range {
            rb = rb.header("if-range", r);
        }
        rb.send()
    };
    let reference: Value = http()
        .get(format!("{url}/api/v1/reference"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sha = reference["map_pack"]["sha256"].as_str().unwrap().to_owned();
    assert_eq!(
        sha,
        patrol_map::local::sha256_file(&maps.path().join("changde.mbtiles")).unwrap()
    );
    assert_eq!(reference["map_pack"]["bytes"], whole.len());
    assert_eq!(reference["map_pack"]["minzoom"], 12);
    let etag = format!("\"{sha}\"");

    let r = get(Some("bytes=100-199"), Some(&etag)).await.unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 100-199/{}", whole.len())
    );
    assert_eq!(r.headers()["etag"], etag.as_str());
    assert_eq!(r.bytes().await.unwrap(), whole[100..200]);
    let r = get(Some(&format!("bytes={}-", whole.len() - 10)), None)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.bytes().await.unwrap(), whole[whole.len() - 10..]);
    let r = get(Some("bytes=0-99"), Some("\"another pack\""))
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "a range for another pack gets the whole file"
    );
    assert_eq!(r.bytes().await.unwrap(), whole);
    let r = get(None, None).await.unwrap();
    assert_eq!(r.headers()["accept-ranges"], "bytes");
    assert_eq!(r.bytes().await.unwrap(), whole);
    let r = get(Some(&format!("bytes={}-", whole.len())), None)
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes */{}", whole.len())
    );

    let operator = http()
        .get(format!("{url}/api/v1/reference/map-pack"))
        .bearer_auth(&hq.operator_token)
        .send()
        .await
        .unwrap();
    assert!(operator.status().is_client_error());
    let anonymous = http()
        .get(format!("{url}/api/v1/reference/map-pack"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    // An HQ without a pack says so, and its reference data names none.
    let bare = Hq::start().await;
    let token = bare.enrol(DeviceId::new(), "巡逻终端 08").await;
    let r = http()
        .get(format!("{}/api/v1/reference/map-pack", bare.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let reference: Value = http()
        .get(format!("{}/api/v1/reference", bare.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(reference.get("map_pack").is_none());
}

/// A phone that lost its fix for ten minutes and found it again 3 km on records the silence as
/// a tracking gap: HQ counts no distance across it (the day's km from rollups and from the raw
/// ledger agree), the patrols list says the same, and the route is drawn in two pieces.
#[tokio::test]
async fn a_tracking_gap_is_a_gap_in_the_km_and_in_the_route() {
    let hq = Hq::start().await;
    let mut d = Device::enrolled(&hq).await;
    let patrol = PatrolStart {
        patrol_id: PatrolId::new(),
        mode: PatrolMode::Foot,
        group: "G02".into(),
        officers: vec!["王芳".into()],
        volunteers: Default::default(),
        vehicle_plate: None,
    };
    d.store.start_patrol(patrol, Capture::default()).unwrap();
    let t0 = d.clock.wall_ms();
    let fix = |t_s: i64, north_m: f64| PositionFix {
        accuracy_m: Some(5.0),
        ..PositionFix::at(t0 + t_s * 1000, 29.03 + north_m / 111_320.0, 111.69)
    };
    // Upload in two parts: the walk before the gap, then the gap and the walk after it.
    for i in 0..=24 {
        d.store.record_fix(fix(i * 5, i as f64 * 5.0)).unwrap();
    }
    d.upload_all(&hq).await;
    for i in 0..=24 {
        let out = d
            .store
            .record_fix(fix(720 + i * 5, 3_000.0 + i as f64 * 5.0))
            .unwrap();
        assert_eq!(out.gap.is_some(), i == 0);
    }
    d.store.stop_patrol(None, Capture::default()).unwrap();
    d.upload_all(&hq).await;

    let tz = patrol_testkit::city::demo().tz();
    let day = chrono::TimeZone::timestamp_millis_opt(&tz, t0)
        .unwrap()
        .date_naive();
    let stats: v1::DailyStats = serde_json::from_value(
        hq.get_json(&format!("/api/v1/stats/daily?date={day}"))
            .await,
    )
    .unwrap();
    // 120 m before and 120 m after; not the 3 km between.
    assert!(
        (stats.km_patrolled - 0.24).abs() < 0.003,
        "{}",
        stats.km_patrolled
    );
    let patrols = hq.get_json(&format!("/api/v1/patrols?date={day}")).await;
    assert_eq!(patrols[0]["km"], stats.km_patrolled, "{patrols}");
    // Without rollups (the raw ledger) the same.
    hq.storage
        .replace_rollups(d.store.device_id(), &[])
        .await
        .unwrap();
    hq.storage.set_rollups_built(false).await.unwrap();
    let raw: v1::DailyStats = serde_json::from_value(
        hq.get_json(&format!("/api/v1/stats/daily?date={day}"))
            .await,
    )
    .unwrap();
    assert_eq!(raw.km_patrolled, stats.km_patrolled);
    // Rollups rebuilt from the ledger (a ledger stored before they existed) know the gap too.
    let state = patrol_hq::AppState::new(hq.storage.clone());
    assert!(patrol_hq::service::rebuild_rollups(&state).await.unwrap() > 0);
    let rebuilt: v1::DailyStats = serde_json::from_value(
        hq.get_json(&format!("/api/v1/stats/daily?date={day}"))
            .await,
    )
    .unwrap();
    assert_eq!(rebuilt.km_patrolled, stats.km_patrolled);
    let patrols = hq.get_json(&format!("/api/v1/patrols?date={day}")).await;
    assert_eq!(patrols[0]["km"], stats.km_patrolled, "{patrols}");
    let routes = hq
        .get_json(&format!("/api/v1/export/routes.geojson?date={day}"))
        .await;
    let geometry = &routes["features"][0]["geometry"];
    assert_eq!(geometry["type"], "MultiLineString", "{geometry}");
    assert_eq!(geometry["coordinates"].as_array().unwrap().len(), 2);
}

/// HQ holds the supplements in memory and reads only the new ones: a withdrawal and a
/// correction uploaded after the page has answered show in its next answer, and what HQ holds
/// is always what storage holds.
#[tokio::test]
async fn a_correction_uploaded_after_an_answer_shows_in_the_next_one() {
    let hq = Hq::start().await;
    let mut d = Device::enrolled(&hq).await;
    let start = PatrolStart {
        patrol_id: PatrolId::new(),
        mode: PatrolMode::Foot,
        group: "G03".into(),
        officers: vec!["王芳".into()],
        volunteers: Default::default(),
        vehicle_plate: None,
    };
    let patrol = start.patrol_id;
    d.store.start_patrol(start, Capture::default()).unwrap();
    let mut reports = Vec::new();
    for _ in 0..2 {
        d.clock.advance_ms(1000);
        reports.push(
            d.store
                .append(
                    &Record::Violation(ViolationTally {
                        patrol_id: Some(patrol),
                        plate: Some("湘J12345".parse().unwrap()),
                        ..ViolationTally::new(ViolationType::NoHelmet)
                    }),
                    Capture::default(),
                )
                .unwrap(),
        );
    }
    d.upload_all(&hq).await;
    let (cookie, _) = sign_in(&hq, &hq.operator_token, None).await;
    let page = || async {
        let r = get(&hq, "/api/v1/reports/page", &cookie).await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json::<Value>().await.unwrap()
    };
    let held = || async {
        let held: Vec<(DeviceId, u64)> = patrol_hq::service::supplements(&hq.state)
            .await
            .unwrap()
            .iter()
            .map(|e| (e.entry.device_id, e.entry.seq))
            .collect();
        let stored: Vec<(DeviceId, u64)> = hq
            .storage
            .supplements()
            .await
            .unwrap()
            .iter()
            .map(|e| (e.entry.device_id, e.entry.seq))
            .collect();
        assert_eq!(held, stored, "HQ holds what storage holds");
        held.len()
    };
    assert_eq!(page().await["total"], 2);
    assert_eq!(held().await, 0);

    // The first report withdrawn, after the page has answered.
    d.clock.advance_ms(1000);
    d.store
        .append(
            &Record::Supplement(Supplement {
                target_id: reports[0].id,
                target_seq: reports[0].seq,
                reason: "误录".into(),
                correction: None,
            }),
            Capture::default(),
        )
        .unwrap();
    d.upload_all(&hq).await;
    let after = page().await;
    assert_eq!(after["total"], 1, "{after}");
    assert_eq!(after["items"][0]["seq"], reports[1].seq);
    assert_eq!(held().await, 1);

    // The second corrected: its new plate in the next answer.
    d.clock.advance_ms(1000);
    d.store
        .append(
            &Record::Supplement(Supplement {
                target_id: reports[1].id,
                target_seq: reports[1].seq,
                reason: "车牌更正".into(),
                correction: Some(Box::new(Record::Violation(ViolationTally {
                    patrol_id: Some(patrol),
                    plate: Some("湘J54321".parse().unwrap()),
                    ..ViolationTally::new(ViolationType::NoHelmet)
                }))),
            }),
            Capture::default(),
        )
        .unwrap();
    d.upload_all(&hq).await;
    let after = page().await;
    assert_eq!(after["total"], 1, "{after}");
    assert_eq!(after["items"][0]["plate"], "湘J54321", "{after}");
    assert_eq!(after["items"][0]["corrected"], true);
    assert_eq!(held().await, 2);

    // An answer gets the supplements naming the entries it read, and no others.
    let device = d.store.device_id();
    let naming = |keys: Vec<(DeviceId, u64)>| async {
        patrol_hq::service::supplements_naming(&hq.state, keys)
            .await
            .unwrap()
            .iter()
            .map(|e| e.entry.seq)
            .collect::<Vec<u64>>()
    };
    let (withdrawal, correction) = (reports[1].seq + 1, reports[1].seq + 2);
    assert_eq!(naming(vec![(device, reports[1].seq)]).await, [correction]);
    assert_eq!(
        naming(vec![(device, reports[1].seq), (device, reports[0].seq)]).await,
        [withdrawal, correction]
    );
    assert!(
        naming(vec![(device, 1), (DeviceId::new(), reports[1].seq)])
            .await
            .is_empty()
    );
}

/// A city's day holds tens of thousands of reports: the page reads them a page at a time,
/// newest first. Paging to the end gives exactly the full list (reversed), once each, ties in
/// event time broken by device and seq; a bad limit or cursor is refused saying why.
#[tokio::test]
async fn the_reports_list_pages_newest_first_without_losing_or_repeating_one() {
    let hq = Hq::start().await;
    let mut devices = vec![Device::enrolled(&hq).await, Device::enrolled(&hq).await];
    let t0 = devices[0].clock.wall_ms();
    for d in &mut devices {
        d.clock.set_wall_ms(t0);
        let start = PatrolStart {
            patrol_id: PatrolId::new(),
            mode: PatrolMode::Foot,
            group: "G02".into(),
            officers: vec!["王芳".into()],
            volunteers: Default::default(),
            vehicle_plate: None,
        };
        let patrol = start.patrol_id;
        d.store.start_patrol(start, Capture::default()).unwrap();
        for i in 0..12 {
            // Both devices' clocks read the same: every report has a twin at its millisecond.
            d.clock.advance_ms(1000);
            d.store
                .append(
                    &Record::Violation(ViolationTally {
                        patrol_id: Some(patrol),
                        ..ViolationTally::new(ViolationType::ALL[i % 8])
                    }),
                    Capture::default(),
                )
                .unwrap();
        }
        d.upload_all(&hq).await;
    }
    let (cookie, _) = sign_in(&hq, &hq.operator_token, None).await;
    let all: Vec<Value> = get(&hq, "/api/v1/reports", &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all.len(), 24);

    let mut paged: Vec<Value> = Vec::new();
    let mut before: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &before {
            Some(c) => format!("/api/v1/reports/page?limit=5&before={c}"),
            None => "/api/v1/reports/page?limit=5".to_owned(),
        };
        let r = get(&hq, &path, &cookie).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let page: Value = r.json().await.unwrap();
        assert_eq!(page["total"], 24, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 5);
        paged.extend(items.iter().cloned());
        pages += 1;
        match page["next"].as_str() {
            Some(c) => before = Some(c.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 5);
    let mut expected = all.clone();
    expected.sort_by(|a, b| {
        let key = |v: &Value| {
            (
                v["event_ms"].as_i64().unwrap(),
                v["device_id"].as_str().unwrap().to_owned(),
                v["seq"].as_u64().unwrap(),
            )
        };
        key(b).cmp(&key(a))
    });
    assert_eq!(
        paged, expected,
        "the pages, in order, are the list newest first"
    );
    // Twins at one millisecond really were split by the tie-break, not by luck.
    assert!(
        expected
            .windows(2)
            .any(|w| w[0]["event_ms"] == w[1]["event_ms"])
    );

    // Without a limit: the newest 200 (here all of them). Filters apply before paging.
    let page: Value = get(&hq, "/api/v1/reports/page", &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 24);
    assert!(page["next"].is_null());
    let page: Value = get(
        &hq,
        "/api/v1/reports/page?kind=violation&group=G02&limit=1",
        &cookie,
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(page["total"], 24);
    assert_eq!(page["items"][0], expected[0]);
    assert!(page["next"].is_string());
    let page: Value = get(&hq, "/api/v1/reports/page?group=G99", &cookie)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page, json!({"total": 0, "items": [], "next": null}));

    for (query, code) in [
        ("limit=0", "bad_limit"),
        ("limit=2001", "bad_limit"),
        ("limit=ten", "bad_limit"),
        ("before=yesterday", "bad_cursor"),
        ("before=12:not-a-device:3", "bad_cursor"),
    ] {
        let r = get(&hq, &format!("/api/v1/reports/page?{query}"), &cookie).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{query}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["code"], code, "{query}: {body}");
        assert!(body["message"].as_str().unwrap().len() > 10, "{body}");
    }
}
