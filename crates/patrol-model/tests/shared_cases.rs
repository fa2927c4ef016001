//! The validation cases the app's own rules run too (`tests/contract/validation-cases.json`):
//! each report body builds, or fails at the field, with the rule code and the parameters the
//! table says. When the core changes a rule, this fails until the table changes — and then the
//! app's vitest fails until the UI's mirror changes with it.

use patrol_model::report::{Filled, ReportKind, build_report};
use patrol_model::{ValidationCode, ValidationError};
use serde_json::Value;
use std::collections::BTreeMap;

/// `{"$repeat": c, "times": n}` → c written n times, anywhere in the body.
fn expand(v: Value) -> Value {
    match v {
        Value::Object(o) if o.contains_key("$repeat") => {
            let c = o["$repeat"].as_str().expect("$repeat is text");
            let n = o["times"].as_u64().expect("times is a count") as usize;
            Value::String(c.repeat(n))
        }
        Value::Object(o) => Value::Object(o.into_iter().map(|(k, v)| (k, expand(v))).collect()),
        Value::Array(a) => Value::Array(a.into_iter().map(expand).collect()),
        other => other,
    }
}

fn table() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/contract/validation-cases.json"
    );
    let text = std::fs::read_to_string(path).expect("the shared case table");
    let doc: Value = serde_json::from_str(&text).expect("the table is JSON");
    doc["cases"].as_array().expect("cases").clone()
}

#[test]
fn the_core_gives_every_shared_case_its_field_code_and_params() {
    let cases = table();
    assert!(cases.len() >= 30, "the table holds {} cases", cases.len());
    let mut wrong = Vec::new();
    for case in cases {
        let why = case["why"].as_str().unwrap_or("?").to_owned();
        let kind: ReportKind = case["kind"].as_str().unwrap().parse().unwrap();
        let got = build_report(kind, expand(case["body"].clone()), Filled::default());
        let want = case.get("code").map(|c| {
            let code: ValidationCode = serde_json::from_value(c.clone()).expect("a known code");
            let params: BTreeMap<String, String> = case
                .get("params")
                .map(|p| serde_json::from_value(p.clone()).expect("params are text"))
                .unwrap_or_default();
            (case["field"].as_str().unwrap().to_owned(), code, params)
        });
        let got = got
            .err()
            .map(|e: ValidationError| (e.field, e.code, e.params));
        if got != want {
            wrong.push(format!("{why}: want {want:?}, got {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_code_is_spelled_as_its_serde_name() {
    for &c in ValidationCode::ALL {
        assert_eq!(serde_json::to_value(c).unwrap(), c.as_str(), "{c:?}");
    }
}

/// `tests/contract/validation-codes.json` lists every code, for the screens' translation tests
/// (the app's and the command-centre page's). `UPDATE_CONTRACT=1` rewrites it.
#[test]
fn the_code_list_the_screens_translate_is_current() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/contract/validation-codes.json"
    );
    let codes: Vec<&str> = ValidationCode::ALL.iter().map(|c| c.as_str()).collect();
    let want = serde_json::to_string_pretty(&codes).unwrap() + "\n";
    if std::env::var_os("UPDATE_CONTRACT").is_some() {
        std::fs::write(path, &want).unwrap();
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert_eq!(
        have, want,
        "{path} is stale: run UPDATE_CONTRACT=1 cargo test -p patrol-model --test shared_cases"
    );
}
