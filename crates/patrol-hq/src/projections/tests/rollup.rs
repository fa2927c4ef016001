//! Track rollups equal the figures from the raw segments, bit for bit, however the segments
//! arrive; anything that cannot simply be appended makes the row dirty, never wrong.

use super::*;
use crate::projections::rollup::{
    RollContext, Target, finished_metres, patrol_metres_of_day, patrol_totals, roll,
    rollups_from_ledger, trusted,
};
use crate::projections::{PatrolMetres, daily_stats, daily_stats_with};
use std::collections::HashMap;

const GATE: f64 = 25.0;

/// A wandering 1 Hz route with some fixes worse than the gate (stepped over).
fn wander(t0: i64, n: usize) -> Vec<PositionFix> {
    let (mut lat, mut lon) = (29.03, 111.69);
    (0..n)
        .map(|i| {
            lat += ((i * 7919) % 13) as f64 * 1e-6;
            lon += ((i * 104_729) % 17) as f64 * 1e-6 - 5e-6;
            let mut f = PositionFix::at(t0 + i as i64 * 1000, lat, lon);
            f.accuracy_m = Some(if i % 11 == 0 { 60.0 } else { 5.0 });
            f
        })
        .collect()
}

/// Roll `batches` one upload at a time, as HQ does.
fn ctx() -> RollContext {
    RollContext::of(Some(&city_with_gate()))
}

fn roll_all(batches: &[Vec<StoredEntry>]) -> Vec<crate::model::TrackRollup> {
    let mut rows: Vec<crate::model::TrackRollup> = Vec::new();
    let mut held: HashMap<u64, Target> = HashMap::new();
    for b in batches {
        for r in roll(&rows, b, &held, &ctx()) {
            rows.retain(|x| (x.patrol_id, x.day) != (r.patrol_id, r.day));
            rows.push(r);
        }
        for e in b {
            held.insert(
                e.entry.seq,
                Target {
                    kind: e.entry.kind,
                    event_ms: e.event_ms,
                    patrol_id: e.patrol_id,
                },
            );
        }
    }
    rows
}

fn city_with_gate() -> patrol_model::City {
    patrol_model::City {
        name: "常德".into(),
        timezone: "Asia/Shanghai".into(),
        cells: vec![],
        posts: vec![],
        groups: vec![],
        settings: patrol_model::CitySettings {
            accuracy_gate_m: Some(GATE),
            ..Default::default()
        },
    }
}

#[test]
fn segments_rolled_upload_by_upload_give_exactly_the_days_km() {
    let mut d = Device::new(1);
    let p = patrol(1);
    let t0 = at(8, 0);
    let fixes = wander(t0, 3000);
    let mut all = vec![d.push(t0, start(p, PatrolMode::Foot, &["张伟"], &[]))];
    for (i, chunk) in fixes.chunks(30).enumerate() {
        all.push(d.push(t0 + i as i64 * 30_000, segment(p, chunk)));
    }
    // Uploads of 1, 7, 50 and the rest.
    let batches = vec![
        all[..1].to_vec(),
        all[1..8].to_vec(),
        all[8..58].to_vec(),
        all[58..].to_vec(),
    ];
    let rows = roll_all(&batches);
    assert_eq!(rows.len(), 1);
    assert!(trusted(&rows[0], &ctx()));
    let raw = patrol_metres_of_day(&all, &[], TZ, day(), GATE);
    assert_eq!(
        finished_metres(&rows[0]).to_bits(),
        raw[&p].to_bits(),
        "bit for bit"
    );
    assert_eq!(
        rows,
        rollups_from_ledger(&all, &[], &ctx()),
        "the rebuild is the same row"
    );
    let city = city_with_gate();
    let given: PatrolMetres = [(p, finished_metres(&rows[0]))].into_iter().collect();
    let window: Vec<StoredEntry> = all
        .iter()
        .filter(|e| e.entry.kind != patrol_model::EntryKind::TrackSegment)
        .cloned()
        .collect();
    assert_eq!(
        daily_stats_with(&window, &[], Some(&city), TZ, day(), Some(&given)),
        daily_stats(&all, &[], Some(&city), TZ, day())
    );
}

#[test]
fn out_of_order_segments_corrections_and_withdrawals_make_the_row_dirty() {
    let mut d = Device::new(2);
    let p = patrol(2);
    let t0 = at(9, 0);
    let fixes = wander(t0, 300);
    let s0 = d.push(t0, start(p, PatrolMode::Car, &["李娜"], &[]));
    let a = d.push(t0 + 60_000, segment(p, &fixes[100..200]));
    // A segment whose fixes start before the row's latest fix (a clock that jumped back).
    let b = d.push(t0 + 90_000, segment(p, &fixes[0..100]));
    let rows = roll_all(&[vec![s0.clone(), a.clone()], vec![b.clone()]]);
    assert!(rows[0].dirty, "{rows:?}");
    let all = vec![s0.clone(), a.clone(), b.clone()];
    // The figures then come from the ledger, which sorts the fixes by time.
    let raw = patrol_metres_of_day(&all, &[], TZ, day(), GATE);
    assert_eq!(
        raw[&p],
        rollups_from_ledger(&all, &[], &ctx())[0].metres.max(0.0) + 0.0
    );

    // Withdrawing a segment HQ already holds: dirty.
    let mut d = Device::new(3);
    let p = patrol(3);
    let s0 = d.push(t0, start(p, PatrolMode::Foot, &["王强"], &[]));
    let a = d.push(t0 + 30_000, segment(p, &fixes[0..30]));
    let w = d.supplement(t0 + 40_000, &a, None);
    let rows = roll_all(&[vec![s0.clone(), a.clone()], vec![w.clone()]]);
    assert!(rows[0].dirty);
    // …and the rebuild leaves the withdrawn segment out.
    assert!(rollups_from_ledger(&[s0, a, w.clone()], &[w], &ctx()).is_empty());

    // A quarantined segment counts nowhere.
    let mut d = Device::new(4);
    let p = patrol(4);
    let mut q = d.push(t0, segment(p, &fixes[0..30]));
    q.quarantine = Some(patrol_model::v1::EntryProblem::new(
        q.entry.seq,
        "clock",
        "test",
    ));
    assert!(roll(&[], &[q], &HashMap::new(), &ctx()).is_empty());

    // A row made under another gate is not trusted and not extended.
    let mut d = Device::new(5);
    let p = patrol(5);
    let a = d.push(t0, segment(p, &fixes[0..30]));
    let b = d.push(t0 + 30_000, segment(p, &fixes[30..60]));
    let mut other = ctx();
    other.gate_m = 50.0;
    let first = roll(&[], &[a], &HashMap::new(), &other);
    assert!(!trusted(&first[0], &ctx()));
    let next = roll(&first, &[b], &HashMap::new(), &ctx());
    assert!(next[0].dirty);
}

#[test]
fn a_patrols_fixes_and_km_across_midnight_come_from_its_days() {
    let mut d = Device::new(6);
    let p = patrol(6);
    let next = day().succ_opt().unwrap();
    let late = at(23, 50);
    let fixes = wander(late, 1200);
    let mut all = vec![d.push(late, start(p, PatrolMode::Car, &["赵六"], &[]))];
    for (i, chunk) in fixes.chunks(30).enumerate() {
        all.push(d.push(late + i as i64 * 30_000, segment(p, chunk)));
    }
    let rows = roll_all(&[all.clone()]);
    assert_eq!(rows.len(), 2, "two days: {rows:?}");
    assert!(rows.iter().any(|r| r.day == next));
    let (n, km) = patrol_totals(&rows)[&p];
    let raw = crate::projections::patrols(&all, &[], Some(&city_with_gate()));
    assert_eq!(n as usize, raw[0].fixes);
    assert!((km - raw[0].km).abs() < 0.0015, "{km} vs {}", raw[0].km);
}
