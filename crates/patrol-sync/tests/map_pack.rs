//! The city's map pack reaches the device after the evidence, in byte ranges that survive a
//! lost answer and a sync cut short, and is used only once its hash is HQ's.

mod common;
use common::*;
use patrol_sync::map_pack::local_pack;
use patrol_sync::{Progress, SyncOptions, blocking};
use std::time::Duration;

fn options(per_sync: u64) -> SyncOptions {
    SyncOptions {
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(5),
        map_pack_per_sync: per_sync,
        ..SyncOptions::default()
    }
}

/// A device enrolled through a proxy in front of `hq`, so requests can be seen and failed.
fn through_proxy(hq: &BlockingHq) -> (patrol_testkit::Proxy, Device) {
    let proxy = hq.proxy();
    let mut d = Device::new();
    blocking::enroll(
        &mut d.store,
        &proxy.url(),
        &hq.enrollment_code("巡逻终端 07"),
    )
    .unwrap();
    (proxy, d)
}

#[test]
fn the_map_pack_follows_the_evidence_resumes_and_is_checked() {
    let maps = tempfile::tempdir().unwrap();
    let file = patrol_testkit::city::demo_map_pack(maps.path());
    let served = std::fs::read(&file).unwrap();
    let hq = BlockingHq::from_builder(Hq::builder().map_pack(file));
    let (proxy, mut d) = through_proxy(&hq);
    let local = local_pack(d.dir.path());
    assert!(local.ready().unwrap().is_none(), "enrolment brings no map");

    // First sync: the evidence goes, then a third of the pack (the per-sync budget).
    d.violations(3);
    let third = served.len() as u64 / 3;
    let mut steps = Vec::new();
    let report =
        blocking::sync_with_options(&mut d.store, options(third), |p| steps.push(p)).unwrap();
    assert_eq!(report.receipt.head.seq, 3);
    assert!(report.is_clean(), "{report}");
    assert!(
        steps.contains(&Progress::MapPack {
            have: third,
            total: served.len() as u64
        }),
        "{steps:?}"
    );
    let (want, have) = local
        .downloading()
        .unwrap()
        .expect("a download in progress");
    assert_eq!((have, want.bytes), (third, served.len() as u64));
    assert!(
        local.ready().unwrap().is_none(),
        "half a pack is never used"
    );

    // Second sync: the answer to the map request is lost. The sync still ends with its receipt,
    // says what happened, and keeps the bytes it had.
    proxy.inject("/reference/map-pack", Fault::LoseAnswer);
    d.violations(1);
    let report = blocking::sync_with_options(&mut d.store, options(third), |_| {}).unwrap();
    assert_eq!(report.receipt.head.seq, 4);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.starts_with("map pack not updated")),
        "{:?}",
        report.problems
    );
    assert_eq!(local.downloading().unwrap().unwrap().1, third);

    // The app is killed and started again: the next sync goes on from the saved bytes.
    d.reopen();
    let before = proxy.seen().len();
    let report = blocking::sync_with_options(&mut d.store, options(64 << 20), |_| {}).unwrap();
    assert!(report.is_clean(), "{report}");
    let (pack, path) = local.ready().unwrap().expect("the pack is in use");
    assert_eq!(pack, want);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        served,
        "byte for byte HQ's file"
    );
    let asked = proxy.seen()[before..]
        .iter()
        .filter(|l| l.contains("map-pack"))
        .count();
    assert_eq!(asked, 1, "the rest in one range, nothing asked twice");
    let tiles = patrol_map::MbTiles::open(&path).unwrap();
    let (x, y) = patrol_map::tiles::point_to_tile(29.03, 111.69, 14);
    assert!(tiles.tile(14, x as u32, y as u32).unwrap().is_some());

    // Nothing more to fetch while HQ offers the same pack.
    let before = proxy.seen().len();
    blocking::sync_with_options(&mut d.store, options(64 << 20), |_| {}).unwrap();
    assert!(
        !proxy.seen()[before..]
            .iter()
            .any(|l| l.contains("map-pack"))
    );
}

#[test]
fn without_a_pack_at_hq_nothing_is_fetched() {
    let hq = hq();
    let (proxy, mut d) = through_proxy(&hq);
    d.violations(1);
    let report = blocking::sync_with_options(&mut d.store, options(64 << 20), |_| {}).unwrap();
    assert!(report.is_clean(), "{report}");
    assert!(!proxy.seen().iter().any(|l| l.contains("map-pack")));
    assert!(local_pack(d.dir.path()).ready().unwrap().is_none());
}
