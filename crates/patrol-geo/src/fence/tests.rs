use super::*;
use geo::{Destination, Geodesic, Point};
use patrol_model::PostId;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

const T0: i64 = 1_764_400_000_000;
const RADIUS_M: f64 = 30.0;

fn post() -> Post {
    Post {
        id: PostId::from("P05"),
        name: "洞庭大道/光荣路".into(),
        location: LatLon {
            lat: 29.03,
            lon: 111.69,
        },
        radius_m: RADIUS_M,
        duty_windows: vec![],
    }
}

/// A fix `t_s` seconds after T0, `d_m` metres from the post on bearing `bearing`, with accuracy.
fn fix_at(t_s: i64, d_m: f64, bearing: f64, accuracy_m: Option<f64>) -> PositionFix {
    let p = post().location;
    let at = Geodesic.destination(Point::new(p.lon, p.lat), bearing, d_m);
    PositionFix {
        accuracy_m,
        ..PositionFix::at(T0 + t_s * 1000, at.y(), at.x())
    }
}

/// Fixes every `step_s` from `from_s` to `to_s` inclusive, all `d_m` north with accuracy.
fn stay(from_s: i64, to_s: i64, step_s: i64, d_m: f64, accuracy_m: f64) -> Vec<PositionFix> {
    (from_s..=to_s)
        .step_by(step_s as usize)
        .map(|t| fix_at(t, d_m, 0.0, Some(accuracy_m)))
        .collect()
}

fn visit(arrive_s: i64, leave_s: Option<i64>, fixes_inside: u32, best: Option<f64>) -> Visit {
    Visit {
        arrive_ms: T0 + arrive_s * 1000,
        leave_ms: leave_s.map(|s| T0 + s * 1000),
        fixes_inside,
        best_accuracy_m: best,
    }
}

fn check(fixes: &[PositionFix], expected: &[Visit]) {
    check_with(&FenceParams::default(), fixes, expected);
}

fn check_with(params: &FenceParams, fixes: &[PositionFix], expected: &[Visit]) {
    assert_eq!(visits(&post(), fixes, params), expected);
}

fn cat(parts: &[Vec<PositionFix>]) -> Vec<PositionFix> {
    parts.concat()
}

#[test]
fn reading_single_fixes() {
    let p = post();
    let read =
        |d_m: f64, acc: Option<f64>| side(&p, &fix_at(0, d_m, 90.0, acc), &FenceParams::default());
    assert_eq!(read(0.0, Some(5.0)), FenceSide::Inside);
    assert_eq!(read(24.0, Some(5.0)), FenceSide::Inside);
    assert_eq!(read(26.0, Some(5.0)), FenceSide::Uncertain);
    assert_eq!(read(34.0, Some(5.0)), FenceSide::Uncertain);
    assert_eq!(read(36.0, Some(5.0)), FenceSide::Outside);
    // Accuracy worse than the radius: never inside, even dead centre.
    assert_eq!(read(0.0, Some(31.0)), FenceSide::Uncertain);
    assert_eq!(read(100.0, Some(31.0)), FenceSide::Outside);
    // No accuracy reported: 10 m assumed.
    assert_eq!(read(19.0, None), FenceSide::Inside);
    assert_eq!(read(21.0, None), FenceSide::Uncertain);
    assert_eq!(read(41.0, None), FenceSide::Outside);
    // Unusable accuracy proves nothing.
    assert_eq!(read(0.0, Some(f64::NAN)), FenceSide::Uncertain);
    assert_eq!(read(0.0, Some(-1.0)), FenceSide::Uncertain);
    assert_eq!(read(500.0, Some(f64::INFINITY)), FenceSide::Uncertain);
}

#[test]
fn fixes_worse_than_the_gate_prove_nothing() {
    let p = post();
    // (distance m, accuracy m, gate m, side): 80 m accuracy 500 m away would prove "outside"
    // without the gate; with the default 50 m gate it proves nothing.
    let table = [
        (500.0, 80.0, 50.0, FenceSide::Uncertain),
        (500.0, 80.0, 100.0, FenceSide::Outside),
        (500.0, 50.0, 50.0, FenceSide::Outside),
        (0.0, 5.0, 50.0, FenceSide::Inside),
    ];
    for (d_m, acc, gate, want) in table {
        let params = FenceParams {
            accuracy_gate_m: gate,
            ..FenceParams::default()
        };
        assert_eq!(
            side(&p, &fix_at(0, d_m, 90.0, Some(acc)), &params),
            want,
            "{d_m} m ±{acc} m, gate {gate} m"
        );
    }
    // A departure cannot be confirmed by poor fixes alone: the visit stays open.
    let on_post = stay(0, 120, 10, 5.0, 3.0);
    let poor_away = stay(130, 400, 10, 500.0, 80.0);
    let got = visits(&p, &cat(&[on_post, poor_away]), &FenceParams::default());
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].leave_ms, None);
}

#[test]
fn clean_arrival_and_departure() {
    let approach = stay(0, 60, 10, 100.0, 5.0);
    let on_post = stay(70, 370, 10, 5.0, 4.0);
    let away = stay(380, 500, 10, 100.0, 5.0);
    check(
        &cat(&[approach, on_post, away]),
        &[visit(70, Some(380), 31, Some(4.0))],
    );
}

#[test]
fn poor_accuracy_cannot_check_in() {
    // Ten minutes standing on the post with 40 m accuracy (worse than the 30 m radius).
    check(&stay(0, 600, 5, 0.0, 40.0), &[]);
    // ... and it does not help a good fix either: one good fix does not span the dwell.
    check(
        &cat(&[
            stay(0, 300, 5, 0.0, 40.0),
            vec![fix_at(305, 0.0, 0.0, Some(3.0))],
        ]),
        &[],
    );
}

#[test]
fn jitter_at_the_fence_edge_does_not_flap() {
    // On post, then five minutes wandering around the edge: 28 m and 35 m with 10 m accuracy are
    // both uncertain, and a 30 s clearly-outside excursion is shorter than the leave dwell.
    let on_post = stay(0, 120, 10, 5.0, 3.0);
    let edge: Vec<PositionFix> = (130..=430)
        .step_by(10)
        .map(|t| fix_at(t, if t % 20 == 0 { 28.0 } else { 35.0 }, 45.0, Some(10.0)))
        .collect();
    let excursion = stay(440, 470, 10, 50.0, 3.0);
    let back = stay(480, 600, 10, 5.0, 3.0);
    check(
        &cat(&[on_post, edge, excursion, back]),
        &[visit(0, None, 26, Some(3.0))],
    );
}

#[test]
fn dwell_shorter_than_threshold_is_no_visit() {
    let passing = cat(&[stay(0, 50, 10, 10.0, 5.0), stay(60, 200, 10, 100.0, 5.0)]);
    check(&passing, &[]);
    // Exactly the dwell is enough.
    let stopping = cat(&[stay(0, 60, 10, 10.0, 5.0), stay(70, 200, 10, 100.0, 5.0)]);
    check(&stopping, &[visit(0, Some(70), 7, Some(5.0))]);
    // A short clearly-outside step breaks a pending arrival; the new run starts afterwards.
    let broken = cat(&[
        stay(0, 40, 10, 10.0, 5.0),
        stay(50, 50, 10, 80.0, 5.0),
        stay(60, 120, 10, 10.0, 5.0),
    ]);
    check(&broken, &[visit(60, None, 7, Some(5.0))]);
    // An uncertain fix does not break it.
    let wobble = cat(&[
        stay(0, 40, 10, 10.0, 5.0),
        stay(50, 50, 10, 30.0, 5.0),
        stay(60, 60, 10, 10.0, 5.0),
    ]);
    check(&wobble, &[visit(0, None, 6, Some(5.0))]);
}

#[test]
fn departure_needs_the_leave_dwell_and_open_visits_stay_open() {
    let on_post = stay(0, 100, 10, 0.0, 5.0);
    // Leaving for 50 s then the track ends: still open (leave dwell not reached).
    check(
        &cat(&[on_post.clone(), stay(110, 160, 10, 100.0, 5.0)]),
        &[visit(0, None, 11, Some(5.0))],
    );
    // With a zero leave dwell the first outside fix ends it.
    let eager = FenceParams {
        leave_dwell_s: 0,
        ..FenceParams::default()
    };
    check_with(
        &eager,
        &cat(&[on_post.clone(), stay(110, 110, 10, 100.0, 5.0)]),
        &[visit(0, Some(110), 11, Some(5.0))],
    );
    // Two visits with a walk between them.
    let twice = cat(&[
        on_post,
        stay(110, 300, 10, 200.0, 5.0),
        stay(310, 400, 10, 0.0, 8.0),
    ]);
    check(
        &twice,
        &[
            visit(0, Some(110), 11, Some(5.0)),
            visit(310, None, 10, Some(8.0)),
        ],
    );
}

#[test]
fn untimed_and_unreported_accuracy_fixes() {
    let mut fixes = stay(0, 120, 10, 0.0, 5.0);
    fixes.push(PositionFix {
        time_ms: None,
        ..fix_at(0, 500.0, 0.0, Some(3.0))
    });
    check(&fixes, &[visit(0, None, 13, Some(5.0))]);
    // A GPX import without accuracy: 15 m from the post with the assumed 10 m is inside.
    let imported: Vec<PositionFix> = (0..=12).map(|i| fix_at(i * 10, 15.0, 0.0, None)).collect();
    check(&imported, &[visit(0, None, 13, None)]);
}

#[test]
fn a_long_gap_without_fixes_ends_the_visit() {
    let before = stay(0, 100, 10, 0.0, 5.0);
    let after = stay(1_000, 1_100, 10, 0.0, 5.0);
    let both = cat(&[before, after]);
    check(
        &both,
        &[
            visit(0, Some(100), 11, Some(5.0)),
            visit(1_000, None, 11, Some(5.0)),
        ],
    );
    let trusting = FenceParams {
        max_gap_s: None,
        ..FenceParams::default()
    };
    check_with(&trusting, &both, &[visit(0, None, 22, Some(5.0))]);
}

#[test]
fn shuffled_and_duplicated_fixes_give_the_same_visits() {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut total_visits = 0;
    for _ in 0..300 {
        let track = random_track(&mut rng);
        let expected = visits(&post(), &track, &FenceParams::default());
        total_visits += expected.len();
        check_invariants(&expected);

        let mut scrambled = track.clone();
        let replayed: Vec<PositionFix> = track
            .iter()
            .filter(|_| rng.random_bool(0.3))
            .copied()
            .collect();
        scrambled.extend(replayed);
        scrambled.push(PositionFix {
            time_ms: None,
            ..fix_at(0, 0.0, 0.0, Some(1.0))
        });
        for _ in 0..3 {
            scrambled.shuffle(&mut rng);
            assert_eq!(
                visits(&post(), &scrambled, &FenceParams::default()),
                expected
            );
        }
    }
    assert!(
        total_visits > 100,
        "the generator must exercise visits, made {total_visits}"
    );
}

/// A walk that goes to the post and away again a few times, with noisy accuracy (sometimes
/// missing, sometimes worse than the radius), irregular intervals and the odd repeated time.
fn random_track(rng: &mut StdRng) -> Vec<PositionFix> {
    let mut fixes = Vec::new();
    let mut t = 0;
    for _ in 0..rng.random_range(1..5) {
        for (centre_m, spread_m) in [(150.0_f64, 100.0), (10.0, 25.0)] {
            for _ in 0..rng.random_range(0..40) {
                t += rng.random_range(0..25);
                let d = (centre_m + rng.random_range(-spread_m..spread_m)).max(0.0);
                let accuracy = match rng.random_range(0..10) {
                    0 => None,
                    1 => Some(rng.random_range(30.0..80.0)),
                    _ => Some(rng.random_range(2.0..15.0)),
                };
                fixes.push(fix_at(t, d, rng.random_range(0.0..360.0), accuracy));
            }
        }
    }
    fixes
}

fn check_invariants(found: &[Visit]) {
    for (i, v) in found.iter().enumerate() {
        assert!(v.fixes_inside >= 1);
        assert!(v.best_accuracy_m.is_none_or(|a| a <= RADIUS_M), "{v:?}");
        match v.leave_ms {
            Some(leave) => assert!(leave > v.arrive_ms, "{v:?}"),
            None => assert_eq!(
                i,
                found.len() - 1,
                "only the last visit may be open: {found:?}"
            ),
        }
        if let Some(next) = found.get(i + 1) {
            assert!(v.leave_ms.is_some_and(|l| l <= next.arrive_ms), "{found:?}");
        }
    }
}

#[test]
fn open_visits_become_intervals_up_to_a_given_time() {
    let found = [visit(0, Some(100), 5, None), visit(200, None, 5, None)];
    assert_eq!(
        visit_intervals(&found, T0 + 300_000),
        vec![(T0, T0 + 100_000), (T0 + 200_000, T0 + 300_000)]
    );
    assert_eq!(
        visit_intervals(&found[1..], T0),
        vec![(T0 + 200_000, T0 + 200_000)]
    );
}

#[test]
fn a_scene_is_reached_after_a_short_dwell_of_certain_fixes() {
    let target = post().location;
    let params = FenceParams::scene(patrol_model::DEFAULT_ACCURACY_GATE_M);
    // Approaching from 400 m, then 30 s standing 20 m from the target with 10 m accuracy.
    let mut fixes: Vec<PositionFix> = (0..40)
        .map(|t| fix_at(t, 400.0 - f64::from(t as i32) * 9.0, 0.0, Some(8.0)))
        .collect();
    fixes.extend(stay(40, 70, 1, 20.0, 10.0));
    // The first certain fix inside: 85 m out with 8 m accuracy, still walking in.
    assert_eq!(
        scene_arrival(target, 100.0, &fixes, &params),
        Some(T0 + 35_000)
    );
    // Only 15 s inside: not yet.
    assert_eq!(scene_arrival(target, 100.0, &fixes[..51], &params), None);
    // Fixes too vague to prove anything never suggest arrival.
    let vague = stay(0, 120, 1, 20.0, 150.0);
    assert_eq!(scene_arrival(target, 100.0, &vague, &params), None);
}
