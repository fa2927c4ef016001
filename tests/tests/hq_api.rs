//! HQ's HTTP API over real HTTP on 127.0.0.1: authentication, bad input, idempotency and
//! conflicts. Entries come from a real device store, so hashes and chains are the real thing.

use patrol_device::{Capture, ManualClock, Store};
use patrol_model::v1::{self, EnrollRequest, Receipt, UploadRequest, UploadResponse};
use patrol_model::*;
use patrol_testkit::Hq;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::sync::Arc;

const T0: i64 = 1_764_374_400_000;

struct Device {
    _dir: tempfile::TempDir,
    store: Store,
    token: String,
}

impl Device {
    async fn enrolled(hq: &Hq, name: &str) -> Device {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), Arc::new(ManualClock::new(T0))).unwrap();
        Device {
            _dir: dir,
            token: hq.enrol(store.device_id(), name).await,
            store,
        }
    }

    fn record(&mut self, n: usize) -> Vec<Entry> {
        for i in 0..n {
            let t = ViolationType::ALL[i % ViolationType::ALL.len()];
            self.store
                .append(&violation(t), Capture::default())
                .unwrap();
        }
        self.store.entries(1, 100_000).unwrap()
    }

    fn entries_url(&self, hq: &Hq) -> String {
        format!(
            "{}/api/v1/devices/{}/entries",
            hq.url(),
            self.store.device_id()
        )
    }

    /// GET one of this device's own resources (`head`, `receipt`) and read it as `T`.
    async fn get<T: serde::de::DeserializeOwned>(&self, hq: &Hq, resource: &str) -> T {
        http()
            .get(format!(
                "{}/api/v1/devices/{}/{resource}",
                hq.url(),
                self.store.device_id()
            ))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    async fn upload(&self, hq: &Hq, entries: &[Entry]) -> reqwest::Response {
        http()
            .post(self.entries_url(hq))
            .bearer_auth(&self.token)
            .json(&UploadRequest {
                device_now_ms: T0,
                entries: entries.to_vec(),
            })
            .send()
            .await
            .unwrap()
    }
}

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

fn violation(t: ViolationType) -> Record {
    Record::Violation(ViolationTally::new(t))
}

async fn error_code(r: reqwest::Response) -> (StatusCode, String, String) {
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    (
        status,
        body["code"].as_str().unwrap_or_default().into(),
        body["message"].as_str().unwrap_or_default().into(),
    )
}

#[tokio::test]
async fn uploads_are_idempotent_and_conflicts_are_kept_aside() {
    let hq = Hq::start().await;
    let mut d = Device::enrolled(&hq, "巡逻组 G07").await;
    let entries = d.record(6);

    let r: UploadResponse = d.upload(&hq, &entries[..4]).await.json().await.unwrap();
    assert_eq!((r.head.seq, r.accepted, r.duplicates), (4, 4, 0));
    // The same batch again (a response that was lost): nothing new, nothing doubled.
    let r: UploadResponse = d.upload(&hq, &entries[..4]).await.json().await.unwrap();
    assert_eq!((r.head.seq, r.accepted, r.duplicates), (4, 0, 4));
    let r: UploadResponse = d.upload(&hq, &entries[2..]).await.json().await.unwrap();
    assert_eq!((r.head.seq, r.accepted, r.duplicates), (6, 2, 2));

    // Same seq, different bytes: a conflict, flagged; HQ keeps its original.
    let mut forged = entries[1].clone();
    forged.payload = violation(ViolationType::DrunkDriving).encode_payload();
    forged.hash = forged.compute_hash().expect("test entries encode");
    let r: UploadResponse = d.upload(&hq, &[forged.clone()]).await.json().await.unwrap();
    assert_eq!(r.conflicts.len(), 1);
    assert_eq!(r.conflicts[0].hq_hash, entries[1].hash);
    let stored = hq.storage.entries(d.store.device_id(), 2, 1).await.unwrap();
    assert_eq!(stored[0].entry, entries[1], "original kept");
    let listed = hq.get_json("/api/v1/conflicts").await;
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let ledger = hq
        .storage
        .entries(d.store.device_id(), 1, 100)
        .await
        .unwrap();
    assert_eq!(ledger.len(), 6);
    let verify = hq.get_json("/api/v1/verify").await;
    assert!(verify[0]["problem"].is_null(), "{verify}");
}

#[tokio::test]
async fn every_request_is_authenticated() {
    let hq = Hq::start().await;
    let mut a = Device::enrolled(&hq, "A").await;
    let mut b = Device::enrolled(&hq, "B").await;
    let a_entries = a.record(2);
    let b_entries = b.record(2);
    let head_url = format!("{}/api/v1/devices/{}/head", hq.url(), a.store.device_id());

    let (s, code, _) = error_code(http().get(&head_url).send().await.unwrap()).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    let wrong = v1::device_token(a.store.device_id(), "not-the-secret");
    let (s, _, msg) = error_code(
        http()
            .get(&head_url)
            .bearer_auth(wrong)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{msg}");
    let (s, _, _) = error_code(
        http()
            .get(&head_url)
            .bearer_auth("op_forged")
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Device B writing (or reading) A's ledger.
    let r = http()
        .post(a.entries_url(&hq))
        .bearer_auth(&b.token)
        .json(&UploadRequest {
            device_now_ms: T0,
            entries: b_entries.clone(),
        })
        .send()
        .await
        .unwrap();
    let (s, code, _) = error_code(r).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::FORBIDDEN, "not_your_ledger")
    );
    // B sending A's entries on its own path.
    let (s, code, _) = error_code(b.upload_as(&hq, &a_entries).await).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::FORBIDDEN, "not_your_ledger")
    );
    // Devices cannot read operator data; operators need a token.
    let (s, code, _) = error_code(
        http()
            .get(format!("{}/api/v1/devices", hq.url()))
            .bearer_auth(&a.token)
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::FORBIDDEN, "operators_only")
    );
    let (s, _, _) = error_code(
        http()
            .get(format!("{}/api/v1/stats/daily", hq.url()))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Revoked: a clear 403.
    assert_eq!(a.upload(&hq, &a_entries).await.status(), StatusCode::OK);
    let r = http()
        .post(format!(
            "{}/api/v1/devices/{}/revoke",
            hq.url(),
            a.store.device_id()
        ))
        .bearer_auth(&hq.operator_token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let (s, code, msg) = error_code(a.upload(&hq, &a_entries).await).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::FORBIDDEN, "device_revoked")
    );
    assert!(msg.contains("revoked"), "{msg}");

    // A code works once.
    let code = hq.enrollment_code("C").await;
    let enroll = |code: String| {
        http()
            .post(format!("{}/api/v1/enroll", hq.url()))
            .json(&EnrollRequest {
                code,
                device_id: DeviceId::new(),
                app_version: None,
            })
            .send()
    };
    assert_eq!(enroll(code.clone()).await.unwrap().status(), StatusCode::OK);
    let (s, c, _) = error_code(enroll(code).await.unwrap()).await;
    assert_eq!((s, c.as_str()), (StatusCode::BAD_REQUEST, "bad_code"));
}

impl Device {
    async fn upload_as(&self, hq: &Hq, entries: &[Entry]) -> reqwest::Response {
        self.upload(hq, entries).await
    }
}

#[tokio::test]
async fn bad_input_is_refused_clearly_and_nothing_is_half_stored() {
    let hq = Hq::start().await;
    let mut d = Device::enrolled(&hq, "D").await;
    let entries = d.record(3);
    let post_raw = |body: Vec<u8>| {
        http()
            .post(d.entries_url(&hq))
            .bearer_auth(&d.token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    let (s, code, msg) = error_code(post_raw(b"{ not json".to_vec()).await.unwrap()).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::BAD_REQUEST, "bad_json"),
        "{msg}"
    );

    // An unknown entry kind (from a newer app or a forger).
    let mut body = serde_json::to_value(UploadRequest {
        device_now_ms: T0,
        entries: entries.clone(),
    })
    .unwrap();
    body["entries"][1]["kind"] = json!("teleport");
    let (s, _, msg) = error_code(post_raw(body.to_string().into_bytes()).await.unwrap()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(msg.contains("teleport"), "{msg}");

    // NaN is not JSON: refused as a whole.
    let nan = body
        .to_string()
        .replace("\"device_now_ms\":", "\"device_now_ms\":NaN,\"x\":");
    let (s, _, _) = error_code(post_raw(nan.into_bytes()).await.unwrap()).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    // Oversize body: 413, stated clearly.
    let big = vec![b' '; patrol_hq::MAX_BODY_BYTES + 10];
    let (s, code, _) = error_code(post_raw(big).await.unwrap()).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "too_large")
    );

    // Protocol mismatch.
    let r = http()
        .get(format!("{}/api/v1/hello", hq.url()))
        .header(v1::PROTOCOL_HEADER, "2")
        .send()
        .await
        .unwrap();
    let (s, code, msg) = error_code(r).await;
    assert_eq!(
        (s, code.as_str()),
        (StatusCode::BAD_REQUEST, "protocol_mismatch")
    );
    assert!(msg.contains("update HQ"), "{msg}");

    assert_eq!(
        hq.storage
            .entries(d.store.device_id(), 1, 10)
            .await
            .unwrap()
            .len(),
        0,
        "nothing half-stored"
    );

    // Out-of-range coordinates inside a correctly chained entry: kept (evidence is never
    // dropped), quarantined out of the figures, and named to the device; the queue moves on.
    let dev = d.store.device_id();
    let bad = UnsealedEntry {
        device_id: dev,
        seq: 4,
        id: EntryId::new(),
        kind: EntryKind::Violation,
        wall_ms: T0,
        mono_ms: 5,
        gnss_ms: None,
        cell: None,
        payload: br#"{"type":"no-helmet","at":{"lat":95.0,"lon":111.69}}"#.to_vec(),
        prev_hash: entries[2].hash,
    }
    .seal()
    .expect("test entries encode");
    let next = UnsealedEntry {
        seq: 5,
        id: EntryId::new(),
        prev_hash: bad.hash,
        payload: violation(ViolationType::RedLight).encode_payload(),
        ..UnsealedEntry {
            device_id: dev,
            seq: 0,
            id: bad.id,
            kind: EntryKind::Violation,
            wall_ms: T0,
            mono_ms: 6,
            gnss_ms: None,
            cell: None,
            payload: vec![],
            prev_hash: Hash::GENESIS,
        }
    }
    .seal()
    .expect("test entries encode");
    let all = [entries.clone(), vec![bad, next]].concat();
    let r: UploadResponse = d.upload(&hq, &all).await.json().await.unwrap();
    assert_eq!(r.head.seq, 5);
    assert_eq!(r.quarantined.len(), 1);
    assert_eq!(r.quarantined[0].seq, 4);
    assert!(
        r.quarantined[0].reason.contains("lat"),
        "{:?}",
        r.quarantined
    );
    // The field and the rule travel with it, in the upload's answer and in every receipt after,
    // so the officer's screen says why in Chinese (the rule is worked out again from the bytes).
    let rule = json!({"field": "at.lat", "code": "range", "params": {"min": "-90", "max": "90"}});
    assert_eq!(
        serde_json::to_value(&r.quarantined[0].invalid).unwrap(),
        rule
    );
    let receipt: Value = d.get(&hq, "receipt").await;
    assert_eq!(receipt["quarantined"][0]["invalid"], rule, "{receipt}");

    // A tampered entry cannot be chained: rejected, head stays below it.
    let mut d2 = Device::enrolled(&hq, "E").await;
    let mut e2 = d2.record(2);
    e2[1].payload[2] ^= 1;
    let r: UploadResponse = d2.upload(&hq, &e2).await.json().await.unwrap();
    assert_eq!(r.head.seq, 1);
    assert_eq!(r.rejected[0].code, "bad_hash");

    // HQ keeps serving.
    assert_eq!(
        http()
            .get(format!("{}/api/v1/hello", hq.url()))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn openapi_document_lists_the_api() {
    let hq = Hq::start().await;
    let doc: Value = http()
        .get(format!("{}/api/openapi.json", hq.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/enroll",
        "/api/v1/devices/{device_id}/entries",
        "/api/v1/stats/daily",
        "/api/v1/photos/{sha256}",
    ] {
        assert!(paths.contains_key(p), "{p} missing");
    }
    assert!(doc["components"]["schemas"]["UploadResponse"].is_object());
}

/// Issue "evidence you can trust", its integrity defects, over real HTTP: a forged conflict
/// (hash not recomputed) fills nothing, a cell too long for its prefix is refused and a bad cell
/// quarantined, forged extreme clocks neither panic nor wrap, and far dates answer 400.
#[tokio::test]
async fn integrity_defects_stay_closed() {
    let hq = Hq::start().await;
    let mut d = Device::enrolled(&hq, "巡逻组 G08").await;
    let entries = d.record(2);
    let r: UploadResponse = d.upload(&hq, &entries).await.json().await.unwrap();
    assert_eq!(r.head.seq, 2);

    // Other bytes, but the original's hash: before the fix this was stored as a conflict.
    let mut forged = entries[1].clone();
    forged.payload = violation(ViolationType::DrunkDriving).encode_payload();
    let r: UploadResponse = d.upload(&hq, &[forged]).await.json().await.unwrap();
    assert!(r.conflicts.is_empty(), "{r:?}");
    assert_eq!(r.rejected[0].code, "bad_hash");
    assert!(
        hq.get_json("/api/v1/conflicts")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );

    // Next entries by hand: a cell of 65,536 bytes (no canonical encoding) and a bad cell.
    let next = |prev: &Entry, cell: String, wall_ms: i64| {
        let rec = violation(ViolationType::NoHelmet);
        let mut e = Entry {
            device_id: prev.device_id,
            seq: prev.seq + 1,
            id: EntryId::new(),
            kind: rec.kind(),
            wall_ms,
            mono_ms: 1,
            gnss_ms: None,
            cell: Some(CellId(cell)),
            payload: rec.encode_payload(),
            prev_hash: prev.hash,
            hash: Hash::GENESIS,
        };
        e.hash = e.compute_hash().unwrap_or(Hash([1; 32]));
        e
    };
    let huge = next(&entries[1], "a".repeat(65_536), T0);
    let r: UploadResponse = d.upload(&hq, &[huge]).await.json().await.unwrap();
    assert_eq!(
        (r.head.seq, r.rejected[0].code.as_str()),
        (2, "bad_encoding")
    );

    let bad_cell = next(&entries[1], "x".repeat(40), T0);
    let r: UploadResponse = d
        .upload(&hq, std::slice::from_ref(&bad_cell))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(r.head.seq, 3);
    assert_eq!(r.quarantined[0].code, "invalid_cell");

    // A forged device clock and a 1970 wall clock: stored, flagged, no panic, no wrap.
    let old = next(&bad_cell, "WL-01-01".into(), 5_000);
    let body = json!({ "device_now_ms": i64::MIN, "entries": [old] });
    let r = http()
        .post(d.entries_url(&hq))
        .bearer_auth(&d.token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r: UploadResponse = r.json().await.unwrap();
    assert_eq!((r.head.seq, r.skew_ms), (4, i64::MIN));
    let stored = hq.storage.entries(d.store.device_id(), 4, 1).await.unwrap();
    let flags: Vec<&str> = stored[0].flags.iter().map(|f| f.as_str()).collect();
    assert_eq!(flags, ["implausible_time", "skewed_clock"]);

    // Far dates are a 400 naming the range, never a dropped connection.
    for date in ["-262143-01-01", "+262142-12-31", "1969-12-31", "2100-01-01"] {
        let r = http()
            .get(format!("{}/api/v1/stats/daily?date={date}", hq.url()))
            .bearer_auth(&hq.operator_token)
            .send()
            .await
            .unwrap();
        let (status, code, message) = error_code(r).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "bad_date"),
            "{date}: {message}"
        );
    }
    let verify = hq.get_json("/api/v1/verify").await;
    assert!(verify[0]["problem"].is_null(), "{verify}");
}

/// Operators have roles, expire and can be revoked, and every action that matters lands in the
/// audit trail with who, what and from where.
#[tokio::test]
async fn operators_roles_revocation_and_audit() {
    use patrol_hq::auth::hash_secret;
    use patrol_hq::storage::Role;
    let hq = Hq::start().await;
    let viewer = "op_viewer_token_for_the_test";
    let stale = "op_expired_token_for_the_test";
    hq.storage
        .add_operator_with("值班员", &hash_secret(viewer), Role::Viewer, None, 0)
        .await
        .unwrap();
    hq.storage
        .add_operator_with("old", &hash_secret(stale), Role::Admin, Some(1), 0)
        .await
        .unwrap();
    let get = |path: &str, token: &str| {
        http()
            .get(format!("{}{path}", hq.url()))
            .bearer_auth(token)
            .send()
    };
    // A viewer reads figures, and may not mint codes or read the audit trail.
    assert_eq!(
        get("/api/v1/stats/daily", viewer).await.unwrap().status(),
        StatusCode::OK
    );
    let r = http()
        .post(format!("{}/api/v1/enrollments", hq.url()))
        .bearer_auth(viewer)
        .json(&json!({"name": "G09"}))
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_code(r).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "admins_only")
    );
    let (status, code, _) = error_code(get("/api/v1/audit", viewer).await.unwrap()).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "admins_only")
    );
    // An expired token is refused.
    let (status, _, msg) = error_code(get("/api/v1/stats/daily", stale).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{msg}");

    // Exports and reads of personal data are recorded with the address they came from.
    assert_eq!(
        get("/api/v1/export/reports.csv", viewer)
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let r = http()
        .post(format!("{}/api/v1/enrollments", hq.url()))
        .bearer_auth(&hq.operator_token)
        .json(&json!({"name": "G10 巡逻组"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // A name that would forge a log line is refused.
    let r = http()
        .post(format!("{}/api/v1/enrollments", hq.url()))
        .bearer_auth(&hq.operator_token)
        .json(&json!({"name": "G11\nINFO device enrolled"}))
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_code(r).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "bad_name")
    );
    // A refused value names its field and rule, in the app's vocabulary, for the page to
    // translate: a name too long says so with its limit.
    let r = http()
        .post(format!("{}/api/v1/enrollments", hq.url()))
        .bearer_auth(&hq.operator_token)
        .json(&json!({"name": "长".repeat(81)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "bad_name", "{body}");
    assert_eq!(body["invalid"]["field"], "name", "{body}");
    assert_eq!(body["invalid"]["code"], "too_long", "{body}");
    assert!(body["invalid"]["params"]["max"].is_string(), "{body}");
    let audit = hq.get_json("/api/v1/audit").await;
    let rows = audit.as_array().unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"export_reports_csv"), "{audit}");
    assert!(actions.contains(&"enrollment_code_created"), "{audit}");
    let export = rows
        .iter()
        .find(|r| r["action"] == "export_reports_csv")
        .unwrap();
    assert_eq!(export["address"], "127.0.0.1");
    assert!(
        export["operator"].as_str().unwrap().starts_with("值班员"),
        "{export}"
    );

    // Revoked: refused at once, on the very next request.
    let id = &hash_secret(viewer)[..12];
    let revoked = hq.storage.revoke_operator(id, 5).await.unwrap().unwrap();
    assert_eq!(revoked.name, "值班员");
    let (status, _, _) = error_code(get("/api/v1/stats/daily", viewer).await.unwrap()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// Spans of days everywhere a day is taken, and totals since the campaign began.
#[tokio::test]
async fn ranges_and_campaign_totals() {
    let hq = Hq::start().await;
    let mut d = Device::enrolled(&hq, "G12").await;
    let entries = d.record(4);
    assert_eq!(d.upload(&hq, &entries).await.status(), StatusCode::OK);
    let get = |path: String| {
        http()
            .get(format!("{}{path}", hq.url()))
            .bearer_auth(&hq.operator_token)
            .send()
    };
    // The device's clock is a year behind HQ's: HQ corrects it by the skew, so the entries
    // fall on HQ's today, in Changde (UTC+8).
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let day = |n: i64| (today + chrono::Duration::days(n)).to_string();
    let (from, to) = (day(-2), day(1));
    let r: Value = get(format!("/api/v1/stats/range?from={from}&to={to}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(r["days"], 4, "{r}");
    assert_eq!(r["daily"].as_array().unwrap().len(), 4);
    assert_eq!(r["totals"]["violations_total"], 4, "{r}");
    assert_eq!(r["per_day"]["violations_total"], 1.0);
    assert_eq!(r["daily"][2]["date"], today.to_string());
    // The daily figures take the same span and answer the same.
    let d: Value = get(format!("/api/v1/stats/daily?from={from}&to={to}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(d, r);
    assert_eq!(r["daily"][2]["violations_total"], 4);
    // Patrols and exports take a span too; a reversed or far too long one is refused.
    assert_eq!(
        get(format!("/api/v1/export/reports.csv?from={from}&to={to}"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .lines()
            .count(),
        5,
        "a header and four rows"
    );
    for bad in [
        "/api/v1/stats/range?from=2025-11-30&to=2025-11-01",
        "/api/v1/stats/range?from=2020-01-01&to=2025-11-30",
        "/api/v1/patrols?date=2025-11-29&from=2025-11-27",
    ] {
        let (status, code, msg) = error_code(get(bad.into()).await.unwrap()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {msg}");
        assert!(code == "bad_range" || code == "bad_date", "{bad}: {code}");
    }
    // A city without a campaign start: 404 saying what to do; then the city sets one.
    let mut city = patrol_testkit::city::demo();
    city.settings.campaign_start = None;
    hq.storage.import_city(&city, T0).await.unwrap();
    let (status, _, msg) = error_code(get("/api/v1/stats/campaign".into()).await.unwrap()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(msg.contains("campaign_start"), "{msg}");
    city.settings.campaign_start = Some(today - chrono::Duration::days(1));
    hq.storage.import_city(&city, T0).await.unwrap();
    let c: Value = get(format!("/api/v1/stats/campaign?to={to}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (c["from"].as_str(), c["days"].as_u64()),
        (Some(day(-1).as_str()), Some(3))
    );
    assert_eq!(c["totals"]["violations_total"], 4);
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// Issue "city scale": upload bodies travel zstd'd or gzip'd when HQ says hello accepting it; the entries'
/// bytes (and so every hash) are the same. A small body that unpacks past the limit is refused
/// like any large one, and an encoding HQ cannot read is refused with a body saying so.
#[tokio::test]
async fn gzipd_uploads_are_read_and_bombs_and_unknown_encodings_refused() {
    let hq = Hq::start().await;
    let hello: v1::Hello = http()
        .get(format!("{}/api/v1/hello", hq.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(hello.request_encodings, [v1::ZSTD, v1::GZIP], "best first");

    let mut d = Device::enrolled(&hq, "G").await;
    let entries = d.record(3);
    // Two more, sent zstd'd below (`record` answers the whole ledger).
    let more = d.record(2)[3..].to_vec();
    let body = serde_json::to_vec(&UploadRequest {
        device_now_ms: T0,
        entries: entries.clone(),
    })
    .unwrap();
    let post = |body: Vec<u8>, encoding: &'static str| {
        http()
            .post(d.entries_url(&hq))
            .bearer_auth(&d.token)
            .header("content-type", "application/json")
            .header("content-encoding", encoding)
            .body(body)
            .send()
    };
    let r = post(gzip(&body), "gzip").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r: UploadResponse = r.json().await.unwrap();
    assert_eq!(r.head.seq, 3);
    assert_eq!(
        r.head.hash, entries[2].hash,
        "the chain HQ holds is the device's"
    );

    // 40 MiB of spaces around the same JSON: about 40 KiB gzip'd, ten times the limit unpacked.
    let mut bomb = body.clone();
    bomb.splice(1..1, std::iter::repeat_n(b' ', 40 << 20));
    let zipped = gzip(&bomb);
    assert!(zipped.len() < 100_000, "{}", zipped.len());
    let r = post(zipped, "gzip").await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let r = post(body.clone(), "br").await.unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["code"], "unsupported_encoding", "{e}");

    // Bytes that are not gzip under a gzip label: a clear 400, nothing stored.
    let r = post(b"not gzip at all".to_vec(), "gzip").await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let head: v1::Head = d.get(&hq, "head").await;
    assert_eq!(head.seq, 3, "nothing more was stored");

    // zstd, what devices send since HQ lists it first: read the same way, the same limit on
    // what it unpacks to, and a clear 400 for bytes that are not zstd.
    let body = serde_json::to_vec(&UploadRequest {
        device_now_ms: T0,
        entries: more.clone(),
    })
    .unwrap();
    let r = post(zstd::bulk::compress(&body, 3).unwrap(), "zstd")
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r: UploadResponse = r.json().await.unwrap();
    assert_eq!((r.head.seq, r.head.hash), (5, more[1].hash));
    let squeezed = zstd::bulk::compress(&bomb, 3).unwrap();
    assert!(squeezed.len() < 100_000, "{}", squeezed.len());
    let r = post(squeezed, "zstd").await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let r = post(b"not zstd at all".to_vec(), "zstd").await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let head: v1::Head = d.get(&hq, "head").await;
    assert_eq!(head.seq, 5, "nothing more was stored");
}

/// Devices arriving together queue for HQ's upload slots instead of being refused: with one
/// slot, twenty devices syncing at once all finish clean, and HQ holds every entry of each
/// ledger exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_beyond_the_upload_slots_queue_and_none_is_refused() {
    let hq = Hq::builder().upload_slots(1).start().await;
    let mut devices = Vec::new();
    for n in 0..20 {
        let dir = tempfile::tempdir().unwrap();
        let store = std::sync::Mutex::new(
            Store::open(dir.path(), Arc::new(patrol_device::SystemClock::new())).unwrap(),
        );
        let engine = patrol_sync::SyncEngine::new().unwrap();
        let code = hq.enrollment_code(&format!("queue-{n}")).await;
        engine.enroll(&store, &hq.url(), &code).await.unwrap();
        let patrol = PatrolId::new();
        let records: Vec<Record> = std::iter::once(Record::PatrolStarted(PatrolStart {
            patrol_id: patrol,
            mode: PatrolMode::Foot,
            group: "G03".into(),
            officers: vec!["赵强".into()],
            volunteers: Default::default(),
            vehicle_plate: None,
        }))
        .chain((0..10).map(|i| {
            let fixes: Vec<PositionFix> = (0..30)
                .map(|k| PositionFix::at(1_750_000_000_000 + (i * 30 + k) * 1000, 29.03, 111.69))
                .collect();
            Record::TrackSegment(TrackSegment::new(patrol, fixes))
        }))
        .collect();
        store
            .lock()
            .unwrap()
            .append_all(&records, Capture::default())
            .unwrap();
        devices.push(Arc::new((dir, store, engine)));
    }
    let syncs: Vec<_> = devices
        .iter()
        .cloned()
        .map(|d| tokio::spawn(async move { d.2.sync(&d.1, |_| {}).await }))
        .collect();
    for s in syncs {
        let report = s.await.unwrap().expect("a queued device is not refused");
        assert!(report.is_clean(), "{report}");
    }
    for d in &devices {
        let id = d.1.lock().unwrap().device_id();
        let held = hq.storage.entries(id, 1, 1000).await.unwrap();
        assert_eq!(held.len(), 11, "device {id}");
        assert!(
            held.iter()
                .enumerate()
                .all(|(i, e)| e.entry.seq == i as u64 + 1)
        );
    }
}

/// A receipt may be asked about some photos only (`?photos=`): the device's receipt every 30 s
/// of a patrol then does not grow with every photo it ever took. A list that is not SHA-256s
/// in lowercase hex, or longer than the limit, is refused naming what is wrong.
#[tokio::test]
async fn a_receipt_asked_about_some_photos_names_only_those_and_refuses_a_bad_list() {
    let hq = Hq::start().await;
    let d = Device::enrolled(&hq, "D").await;
    let receipt = |photos: String| {
        http()
            // Hex and commas need no escaping in a query.
            .get(format!(
                "{}/api/v1/devices/{}/receipt?photos={photos}",
                hq.url(),
                d.store.device_id()
            ))
            .bearer_auth(&d.token)
            .send()
    };
    let ok: Value = receipt(String::new()).await.unwrap().json().await.unwrap();
    assert_eq!((&ok["photos"], &ok["photos_held"]), (&json!([]), &json!(0)));
    let unknown = "ab".repeat(32);
    let ok: Value = receipt(unknown.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["photos"], json!([]), "HQ does not hold it");
    for (bad, says) in [
        ("xyz".to_owned(), "\"xyz\""),
        ("AB".repeat(32), "lowercase"),
        (vec![unknown.as_str(); 101].join(","), "at most 100"),
    ] {
        let (s, code, msg) = error_code(receipt(bad).await.unwrap()).await;
        assert_eq!(
            (s, code.as_str()),
            (StatusCode::BAD_REQUEST, "bad_photos"),
            "{msg}"
        );
        assert!(msg.contains(says), "{msg}");
    }
}

/// `?receipt=true` on an upload: the answer carries the device's receipt as of that commit (no
/// photo named, the held ones counted), equal to the receipt asked for right after; without it
/// the answer has none, as before.
#[tokio::test]
async fn an_upload_asked_for_its_receipt_answers_with_it() {
    let hq = Hq::start().await;
    let mut d = Device::enrolled(&hq, "D").await;
    let entries = d.record(3);
    let send = |query: &'static str, batch: Vec<Entry>| {
        http()
            .post(format!("{}{query}", d.entries_url(&hq)))
            .bearer_auth(&d.token)
            .json(&UploadRequest {
                device_now_ms: chrono::Utc::now().timestamp_millis(),
                entries: batch,
            })
            .send()
    };
    let plain: UploadResponse = send("", entries[..2].to_vec())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(plain.receipt.is_none());
    let with: UploadResponse = send("?receipt=true", entries.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let carried = with.receipt.expect("the receipt, asked for");
    assert_eq!((carried.head, carried.entries_held), (with.head, 3));
    let asked: Receipt = d.get(&hq, "receipt?photos=").await;
    assert_eq!(
        Receipt {
            hq_time_ms: asked.hq_time_ms,
            ..carried
        },
        asked
    );
    let bad = send("?receipt=maybe", entries).await.unwrap();
    let (status, code, message) = error_code(bad).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code, "bad_query");
    assert!(message.contains("receipt"), "{message}");
    // Every route's query string is refused the same way, as JSON naming what is wrong.
    let bad = http()
        .get(format!(
            "{}/api/v1/devices/{}/inbox?after=x",
            hq.url(),
            d.store.device_id()
        ))
        .bearer_auth(&d.token)
        .send()
        .await
        .unwrap();
    let (status, code, message) = error_code(bad).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "bad_query")
    );
    assert!(message.contains("after"), "{message}");
}
