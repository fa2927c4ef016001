//! An API fuzzer driven by HQ's own OpenAPI document: every operation it lists is called with
//! hostile path and query values, random and malformed bodies, with an operator's token, a
//! device's and none — and HQ must never answer 5xx or drop the connection. Cases per operation
//! come from `PATROL_FUZZ_CASES` (short by default; `scripts/soak` runs it long).

use patrol_model::v1;
use patrol_testkit::Hq;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

fn cases() -> usize {
    std::env::var("PATROL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .map_or(12, |n| (n / 1000).max(12))
}

/// Values a careless or hostile client sends where an id, a date or a number is expected.
fn hostile(rng: &mut StdRng) -> String {
    const CANNED: &[&str] = &[
        "",
        "0",
        "-1",
        "18446744073709551616",
        "-9223372036854775808",
        "9223372036854775807",
        "NaN",
        "1e309",
        "-262143-01-01",
        "+262142-12-31",
        "2026-02-30",
        "2026-11-30",
        "..%2F..%2Fetc%2Fpasswd",
        "%00",
        "%E2%80%AE",
        "0193a000-0000-7000-8000-000000000001",
        "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz",
        "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
        "湘J12345",
        "%22%3E%3Cscript%3E",
    ];
    if rng.random_bool(0.7) {
        CANNED[rng.random_range(0..CANNED.len())].to_owned()
    } else {
        let n = rng.random_range(0..300);
        (0..n)
            .map(|_| {
                let c = rng.random_range(0x21u32..0x7f);
                let c = char::from_u32(c).unwrap_or('x');
                if c.is_ascii_alphanumeric() {
                    c.to_string()
                } else {
                    format!("%{:02X}", c as u32)
                }
            })
            .collect()
    }
}

fn body(rng: &mut StdRng) -> Vec<u8> {
    let choices: Vec<Value> = vec![
        json!({}),
        json!([]),
        json!(null),
        json!({"device_now_ms": i64::MIN, "entries": [{"seq": 0}]}),
        json!({"device_now_ms": 1, "entries": [{"device_id": "x", "seq": u64::MAX, "id": "y",
               "kind": "violation", "wall_ms": 1, "mono_ms": 1, "payload": "!!",
               "prev_hash": "00", "hash": "zz"}]}),
        json!({"code": "A".repeat(10_000), "device_id": "0193a000-0000-7000-8000-000000000001"}),
        json!({"sha256": "0".repeat(64), "size": u64::MAX, "mime": "image/jpeg"}),
        json!({"name": "\u{202e}\n", "timezone": "Mars/Olympus", "cells": [{"id": "", "ring": []}]}),
        json!({"name": 1e308}),
    ];
    if rng.random_bool(0.6) {
        serde_json::to_vec(&choices[rng.random_range(0..choices.len())]).unwrap()
    } else {
        (0..rng.random_range(0..2000))
            .map(|_| rng.random())
            .collect()
    }
}

#[tokio::test]
async fn no_request_from_the_openapi_document_makes_hq_fail() {
    let hq = Hq::start().await;
    let http = reqwest::Client::new();
    let doc: Value = http
        .get(format!("{}/api/openapi.json", hq.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // A real enrolled device, so device-only operations get past authentication.
    let device = patrol_model::DeviceId::new();
    let enrolled: v1::EnrollResponse = http
        .post(format!("{}/api/v1/enroll", hq.url()))
        .json(&v1::EnrollRequest {
            code: hq.enrollment_code("fuzz").await,
            device_id: device,
            app_version: None,
        })
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let device_token = v1::device_token(device, &enrolled.secret);
    let tokens = [Some(hq.operator_token.clone()), Some(device_token), None];
    let mut rng = StdRng::seed_from_u64(2026);
    let (mut calls, mut failures) = (0, Vec::new());
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let params: Vec<(String, String)> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .map(|p| {
                            (
                                p["name"].as_str().unwrap_or("").to_owned(),
                                p["in"].as_str().unwrap_or("").to_owned(),
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            for i in 0..cases() {
                let mut url_path = path.clone();
                let mut query = Vec::new();
                for (name, place) in &params {
                    let v = hostile(&mut rng);
                    match place.as_str() {
                        "path" => url_path = url_path.replace(&format!("{{{name}}}"), &v),
                        "query" if rng.random_bool(0.8) => query.push(format!("{name}={v}")),
                        _ => {}
                    }
                }
                // A real device id now and then, so the handlers behind the checks run too.
                if i % 3 == 0 {
                    url_path = url_path.replace("{device_id}", &device.to_string());
                }
                let url = if query.is_empty() {
                    format!("{}{url_path}", hq.url())
                } else {
                    format!("{}{url_path}?{}", hq.url(), query.join("&"))
                };
                let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                let mut rb = http.request(m, &url);
                if let Some(t) = &tokens[i % tokens.len()] {
                    rb = rb.bearer_auth(t);
                }
                if matches!(method.as_str(), "post" | "put" | "patch") {
                    rb = rb
                        .header("content-type", "application/json")
                        .header("upload-offset", hostile(&mut rng))
                        .body(body(&mut rng));
                }
                calls += 1;
                match rb.send().await {
                    Ok(r) if r.status().is_server_error() => {
                        failures.push(format!("{method} {url} → {}", r.status()))
                    }
                    Ok(_) => {}
                    Err(e) => failures.push(format!("{method} {url} → {e}")),
                }
            }
        }
    }
    println!(
        "soak: API fuzzer over the OpenAPI document: {calls} requests, {} server errors",
        failures.len()
    );
    assert!(failures.is_empty(), "{failures:#?}");
}
