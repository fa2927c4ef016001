//! The geofence's post suggestions: the pure decision table, then the store reading a running
//! patrol's fixes and the device's own check-ins.

mod common;

use common::{T0, city, start, store};
use patrol_device::{Capture, PostStanding, SuggestedAction, post_standing, suggest};
use patrol_geo::fence::FenceParams;
use patrol_model::*;
use std::collections::BTreeMap;

/// A fix `t_s` seconds after T0, `north_m` metres north of P01 (29.03, 111.69; radius 60 m).
fn fix(t_s: i64, north_m: f64, accuracy_m: f64) -> PositionFix {
    PositionFix {
        accuracy_m: Some(accuracy_m),
        ..PositionFix::at(T0 + t_s * 1000, 29.03 + north_m / 111_195.0, 111.69)
    }
}

/// Fixes every 5 s from `from_s` to `to_s`, `north_m` from the post.
fn stay(from_s: i64, to_s: i64, north_m: f64, accuracy_m: f64) -> Vec<PositionFix> {
    (from_s..=to_s)
        .step_by(5)
        .map(|t| fix(t, north_m, accuracy_m))
        .collect()
}

fn standing(on_post: bool, since_s: i64) -> BTreeMap<PostId, PostStanding> {
    [(
        PostId::from("P01"),
        PostStanding {
            on_post,
            since_ms: Some(T0 + since_s * 1000),
            source: on_post.then(|| "manual".to_owned()),
        },
    )]
    .into_iter()
    .collect()
}

#[test]
fn the_decision_table() {
    let none = BTreeMap::new;
    #[allow(clippy::type_complexity)]
    let table: Vec<(
        &str,
        Vec<PositionFix>,
        BTreeMap<PostId, PostStanding>,
        i64,                                 // now, seconds after T0
        Option<(SuggestedAction, i64, u32)>, // action, since (s), dwell_s
    )> = vec![
        (
            "accurate fixes inside for over a minute: arrived",
            stay(0, 90, 5.0, 5.0),
            none(),
            95,
            Some((SuggestedAction::Arrive, 0, 90)),
        ),
        (
            "inside, but not yet a minute: nothing",
            stay(0, 50, 5.0, 5.0),
            none(),
            55,
            None,
        ),
        (
            "poor accuracy (±80 m) dead centre: nothing",
            stay(0, 300, 0.0, 80.0),
            none(),
            305,
            None,
        ),
        (
            "accuracy circle across the fence: nothing",
            stay(0, 300, 50.0, 20.0),
            none(),
            305,
            None,
        ),
        (
            "already on post (checked in before): no arrival",
            stay(0, 300, 5.0, 5.0),
            standing(true, -60),
            305,
            None,
        ),
        (
            "left earlier but the arrival run began before the check-out: nothing",
            stay(0, 300, 5.0, 5.0),
            standing(false, 120),
            305,
            None,
        ),
        (
            "came back after checking out: arrived again",
            [
                stay(0, 100, 5.0, 5.0),
                stay(105, 200, 300.0, 5.0),
                stay(205, 300, 5.0, 5.0),
            ]
            .concat(),
            standing(false, 150),
            305,
            Some((SuggestedAction::Arrive, 205, 95)),
        ),
        (
            "outside long enough while on post: departed",
            [stay(0, 100, 5.0, 5.0), stay(105, 200, 300.0, 5.0)].concat(),
            standing(true, 10),
            205,
            Some((SuggestedAction::Leave, 105, 95)),
        ),
        (
            "checked in manually outside the fence (poor position): no departure",
            stay(0, 200, 300.0, 5.0),
            standing(true, 60),
            205,
            None,
        ),
        (
            "outside after a manual check-in with no inside fix at all: departed",
            stay(100, 200, 300.0, 5.0),
            standing(true, 30),
            205,
            Some((SuggestedAction::Leave, 100, 100)),
        ),
        (
            "outside, but under a minute: nothing yet",
            [stay(0, 100, 5.0, 5.0), stay(105, 140, 300.0, 5.0)].concat(),
            standing(true, 10),
            145,
            None,
        ),
        (
            "outside only with poor accuracy: still on post",
            [stay(0, 100, 5.0, 5.0), stay(105, 300, 90.0, 80.0)].concat(),
            standing(true, 10),
            305,
            None,
        ),
        (
            "stepped out and back in: no departure",
            [
                stay(0, 100, 5.0, 5.0),
                stay(105, 200, 300.0, 5.0),
                stay(205, 230, 5.0, 5.0),
            ]
            .concat(),
            standing(true, 10),
            235,
            None,
        ),
        (
            "a stay older than the window: nothing",
            stay(0, 300, 5.0, 5.0),
            none(),
            300 + 16 * 60,
            None,
        ),
        (
            "passed through without dwelling: nothing",
            [
                stay(0, 60, 300.0, 5.0),
                stay(65, 90, 5.0, 5.0),
                stay(95, 200, 300.0, 5.0),
            ]
            .concat(),
            none(),
            205,
            None,
        ),
    ];
    let posts = city().posts;
    let params = FenceParams::default();
    for (name, fixes, standing, now_s, want) in table {
        let got = suggest(&posts, &standing, &fixes, T0 + now_s * 1000, &params);
        let got_brief = got
            .as_ref()
            .map(|s| (s.action, (s.since_ms - T0) / 1000, s.evidence.dwell_s));
        assert_eq!(got_brief, want, "{name}: {got:?}");
        if let Some(s) = got {
            assert_eq!(s.post_id, PostId::from("P01"), "{name}");
            assert_eq!(s.name, "洞庭大道/光荣路", "{name}");
            assert_eq!(s.evidence.source, "geofence", "{name}");
            assert_eq!(s.evidence.best_accuracy_m, Some(5.0), "{name}");
            assert!(s.evidence.at.is_some(), "{name}");
            if s.action == SuggestedAction::Arrive {
                assert!(s.evidence.fixes_inside >= 13, "{name}: {s:?}");
            }
        }
    }
}

#[test]
fn a_shuffled_track_suggests_the_same() {
    let posts = city().posts;
    let mut fixes = stay(0, 90, 5.0, 5.0);
    let want = suggest(
        &posts,
        &BTreeMap::new(),
        &fixes,
        T0 + 95_000,
        &FenceParams::default(),
    );
    fixes.reverse();
    let got = suggest(
        &posts,
        &BTreeMap::new(),
        &fixes,
        T0 + 95_000,
        &FenceParams::default(),
    );
    assert!(want.is_some());
    assert_eq!(got, want);
}

#[test]
fn the_store_suggests_from_the_running_patrol_and_a_confirmed_check_in_ends_it() {
    let (_dir, mut s, clock) = store();
    s.set_city(&city(), None).unwrap();
    // No patrol: positions are not recorded, nothing to suggest.
    assert_eq!(s.post_suggestion().unwrap(), None);

    s.start_patrol(start("G07"), Capture::default()).unwrap();
    for f in stay(0, 90, 5.0, 5.0) {
        s.record_fix(f).unwrap();
    }
    clock.set_wall_ms(T0 + 95_000);
    let arrive = s.post_suggestion().unwrap().expect("arrival suggested");
    assert_eq!(arrive.action, SuggestedAction::Arrive);
    assert_eq!(arrive.post_id, PostId::from("P01"));
    assert_eq!(
        serde_json::to_value(&arrive).unwrap()["action"],
        serde_json::json!("arrive")
    );

    s.arrive_at_post(
        arrive.post_id.clone(),
        PostCrew::default(),
        arrive.evidence.clone(),
        Capture::default(),
    )
    .unwrap();
    assert_eq!(s.post_suggestion().unwrap(), None, "on post now");
    let standing = s.post_standing().unwrap();
    assert_eq!(
        standing[&PostId::from("P01")].source.as_deref(),
        Some("geofence")
    );

    // Walk away: after a minute certainly outside, the departure is suggested.
    for f in stay(100, 200, 300.0, 5.0) {
        s.record_fix(f).unwrap();
    }
    clock.set_wall_ms(T0 + 205_000);
    let leave = s.post_suggestion().unwrap().expect("departure suggested");
    assert_eq!(leave.action, SuggestedAction::Leave);
    s.leave_post(leave.post_id, leave.evidence, Capture::default())
        .unwrap();
    assert_eq!(s.post_suggestion().unwrap(), None, "left");
    assert!(!s.post_standing().unwrap()[&PostId::from("P01")].on_post);

    // The standing as read from the ledger, withdrawn check-ins left out.
    let effective = s
        .standing(&[EntryKind::PostArrived, EntryKind::PostLeft])
        .unwrap();
    assert_eq!(post_standing(&effective).len(), 1);
}
