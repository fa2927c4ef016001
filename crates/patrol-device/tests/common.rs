//! Shared helpers for the device tests: a store in a temp dir with a hand-set clock.
#![allow(dead_code)]

use patrol_device::{ManualClock, Store};
use patrol_model::*;
use std::sync::Arc;

/// 2026-11-29 08:00 in Changde (UTC+8).
pub const T0: i64 = 1_764_374_400_000;

pub fn store() -> (tempfile::TempDir, Store, ManualClock) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let store = Store::open(dir.path(), Arc::new(clock.clone())).unwrap();
    (dir, store, clock)
}

pub fn reopen(dir: &tempfile::TempDir, clock: &ManualClock) -> Store {
    Store::open(dir.path(), Arc::new(clock.clone())).unwrap()
}

pub fn violation(t: ViolationType) -> Record {
    Record::Violation(ViolationTally::new(t))
}

pub fn start(group: &str) -> PatrolStart {
    PatrolStart {
        patrol_id: PatrolId::new(),
        mode: PatrolMode::Foot,
        group: group.into(),
        officers: vec!["李警官".into()],
        volunteers: [(VolunteerCategory::RedVest, 2)].into_iter().collect(),
        vehicle_plate: None,
    }
}

pub fn city() -> City {
    serde_json::from_value(serde_json::json!({
        "name": "常德 (test)",
        "timezone": "Asia/Shanghai",
        "cells": [
            {"id": "WL-01", "ring": [{"lat": 29.00, "lon": 111.60}, {"lat": 29.00, "lon": 111.70},
                                      {"lat": 29.05, "lon": 111.70}, {"lat": 29.05, "lon": 111.60}]},
            {"id": "WL-02", "ring": [{"lat": 29.00, "lon": 111.70}, {"lat": 29.00, "lon": 111.80},
                                      {"lat": 29.05, "lon": 111.80}, {"lat": 29.05, "lon": 111.70}]}
        ],
        "posts": [{"id": "P01", "name": "洞庭大道/光荣路", "location": {"lat": 29.03, "lon": 111.69},
                   "radius_m": 60, "duty_windows": [{"start": "06:00", "end": "09:00"},
                                                     {"start": "17:00", "end": "21:00"}]}],
        "groups": [{"id": "G07", "name": "第七巡逻组"}]
    }))
    .unwrap()
}

/// A supplement of `target`: its correction, or (`None`) its withdrawal.
pub fn supplement(target: &Entry, correction: Option<Record>) -> Record {
    Record::Supplement(Supplement {
        target_id: target.id,
        target_seq: target.seq,
        reason: "录入错误".into(),
        correction: correction.map(Box::new),
    })
}
