use super::*;

const T0: i64 = 1_764_400_000_000;
/// Changde city centre (see the seed README).
const LAT: f64 = 29.03;
const LON: f64 = 111.69;
/// Degrees per metre on a 6 371 km sphere: an independent, approximate yardstick (within
/// ~0.3 % of the ellipsoid at this latitude).
const DEG_PER_M: f64 = 1.0 / 111_195.0;

fn fix(i: i64, lat: f64, lon: f64) -> PositionFix {
    PositionFix::at(T0 + i * 1000, lat, lon)
}

/// `n + 1` fixes walking `step_m` metres per step north (dlat) and east (dlon) from the centre.
fn walk(n: i64, north_m: f64, east_m: f64) -> Vec<PositionFix> {
    let east_deg = DEG_PER_M / LAT.to_radians().cos();
    (0..=n)
        .map(|i| {
            fix(
                i,
                LAT + i as f64 * north_m * DEG_PER_M,
                LON + i as f64 * east_m * east_deg,
            )
        })
        .collect()
}

fn check(fixes: &[PositionFix], expected_m: f64, relative_tolerance: f64) {
    let got = length_m(fixes);
    let ok = if expected_m == 0.0 {
        got == 0.0
    } else {
        ((got - expected_m) / expected_m).abs() <= relative_tolerance
    };
    assert!(
        ok,
        "length {got} m, expected {expected_m} m ± {}%",
        relative_tolerance * 100.0
    );
}

#[test]
fn route_lengths() {
    check(&[], 0.0, 0.0);
    check(&[fix(0, LAT, LON)], 0.0, 0.0);
    check(&[fix(0, LAT, LON), fix(1, LAT, LON)], 0.0, 0.0);
    // 0.001° of latitude near 29° N is about 111 m (110.86 m on the ellipsoid).
    check(&[fix(0, LAT, LON), fix(1, LAT + 0.001, LON)], 111.0, 0.005);
    // 1 km in ten legs north, east and diagonally: within 0.5 %.
    check(&walk(10, 100.0, 0.0), 1000.0, 0.005);
    check(&walk(10, 0.0, 100.0), 1000.0, 0.005);
    check(&walk(20, 30.0, 40.0), 1000.0, 0.005);
    // Out and back is twice the way out.
    let mut there_and_back = walk(10, 100.0, 0.0);
    there_and_back.extend(walk(10, 100.0, 0.0).into_iter().rev());
    check(&there_and_back, 2000.0, 0.005);
    // Karney's reference value for Sofia → Plovdiv (as quoted by georust): exact to a micrometre.
    check(
        &[fix(0, 42.698334, 23.319941), fix(1, 42.136097, 24.742168)],
        132_675.501_858_820_6,
        1e-9,
    );
}

#[test]
fn length_by_time_ignores_arrival_order_duplicates_and_untimed_fixes() {
    let route = walk(10, 100.0, 0.0);
    let mut scrambled: Vec<PositionFix> = route.iter().rev().copied().collect();
    scrambled.extend_from_slice(&route[3..6]);
    scrambled.push(PositionFix {
        time_ms: None,
        ..fix(0, 30.0, 112.0)
    });
    assert_eq!(length_m_by_time(&scrambled), length_m(&route));
    assert!(
        length_m(&scrambled) > length_m(&route),
        "in arrival order the route zigzags"
    );
}

#[test]
fn event_order_is_the_same_for_every_permutation() {
    // Two different fixes at the same millisecond must still come out in one fixed order.
    let a = PositionFix {
        accuracy_m: Some(5.0),
        ..fix(1, LAT, LON)
    };
    let b = PositionFix {
        accuracy_m: Some(8.0),
        ..fix(1, LAT, LON)
    };
    let c = fix(0, LAT + 0.001, LON);
    let expected = vec![c, a, b];
    for input in [
        vec![a, b, c],
        vec![b, a, c],
        vec![c, b, a, b, a],
        vec![a, c, b, c],
    ] {
        assert_eq!(event_order(&input), expected, "{input:?}");
    }
}

#[test]
fn simplification_keeps_endpoints_and_drops_noise() {
    // A 1 km straight line north with ±2 m of sideways noise on every fix.
    let mut noisy = walk(100, 10.0, 0.0);
    for (i, f) in noisy.iter_mut().enumerate() {
        let east_m = if i % 2 == 0 { 2.0 } else { -2.0 };
        f.lon += east_m * DEG_PER_M / LAT.to_radians().cos();
    }
    let first = LatLon {
        lat: noisy[0].lat,
        lon: noisy[0].lon,
    };
    let last = LatLon {
        lat: noisy[100].lat,
        lon: noisy[100].lon,
    };
    assert_eq!(simplify_for_display(&noisy, 5.0), vec![first, last]);
    // Below the noise, almost everything is kept, endpoints included.
    let fine = simplify_for_display(&noisy, 1.0);
    assert!(fine.len() > 90, "{}", fine.len());
    assert_eq!((fine[0], fine[fine.len() - 1]), (first, last));
}

#[test]
fn simplification_keeps_a_real_corner() {
    // 500 m north then 500 m east: the corner is 350 m off the chord and must stay.
    let north = walk(50, 10.0, 0.0);
    let corner = *north.last().unwrap();
    let east_deg = DEG_PER_M / LAT.to_radians().cos();
    let mut route = north.clone();
    route
        .extend((1..=50).map(|i| fix(50 + i, corner.lat, corner.lon + i as f64 * 10.0 * east_deg)));
    let kept = simplify_for_display(&route, 5.0);
    let at = |f: &PositionFix| LatLon {
        lat: f.lat,
        lon: f.lon,
    };
    assert_eq!(kept, vec![at(&route[0]), at(&corner), at(&route[100])]);
}

#[test]
fn simplification_degenerate_inputs_return_every_fix() {
    let route = walk(5, 1.0, 0.0);
    let all: Vec<LatLon> = route
        .iter()
        .map(|f| LatLon {
            lat: f.lat,
            lon: f.lon,
        })
        .collect();
    for tolerance in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        assert_eq!(
            simplify_for_display(&route, tolerance),
            all,
            "tolerance {tolerance}"
        );
    }
    assert_eq!(simplify_for_display(&route[..2], 100.0), all[..2].to_vec());
    assert!(simplify_for_display(&[], 5.0).is_empty());
}

#[test]
fn accuracy_gate_decides_which_fixes_count() {
    let with_accuracy = |i: i64, north_m: f64, accuracy: Option<f64>| PositionFix {
        accuracy_m: accuracy,
        ..fix(i, LAT + north_m * DEG_PER_M, LON)
    };
    let table = [
        ("no accuracy passes", None, 50.0, true),
        ("at the gate passes", Some(50.0), 50.0, true),
        ("just over fails", Some(50.1), 50.0, false),
        ("±80 m fails the default", Some(80.0), 50.0, false),
        ("±80 m passes a wider gate", Some(80.0), 100.0, true),
        ("NaN fails", Some(f64::NAN), 50.0, false),
        ("infinite fails", Some(f64::INFINITY), 50.0, false),
    ];
    for (name, accuracy, gate, want) in table {
        assert_eq!(
            within_gate(&with_accuracy(0, 0.0, accuracy), gate),
            want,
            "{name}"
        );
    }

    // 0 → 100 m north, a ±80 m fix thrown 300 m east in between, then 200 m: the stray fix is
    // stepped over, so the walk measures 200 m, not ~800 m.
    let east = DEG_PER_M / LAT.to_radians().cos();
    let mut stray = with_accuracy(2, 100.0, Some(80.0));
    stray.lon += 300.0 * east;
    let walk = [
        with_accuracy(0, 0.0, Some(5.0)),
        with_accuracy(1, 100.0, Some(5.0)),
        stray,
        with_accuracy(3, 200.0, None),
    ];
    let gated = patrolled_m(&walk, 50.0);
    assert!((gated - 200.0).abs() < 1.0, "{gated} m");
    let ungated = patrolled_m(&walk, 100.0);
    assert!(ungated > 700.0, "{ungated} m");
    // The answer does not depend on arrival order.
    let mut shuffled = walk;
    shuffled.reverse();
    assert_eq!(patrolled_m(&shuffled, 50.0), gated);
}

#[test]
fn patrolled_distance_is_never_negative_zero() {
    let cases: [(&str, Vec<PositionFix>); 3] = [
        ("no fixes", vec![]),
        ("one fix", vec![fix(0, LAT, LON)]),
        (
            "only poor fixes",
            vec![
                PositionFix {
                    accuracy_m: Some(90.0),
                    ..fix(0, LAT, LON)
                },
                PositionFix {
                    accuracy_m: Some(90.0),
                    ..fix(1, LAT + 0.01, LON)
                },
            ],
        ),
    ];
    for (name, fixes) in cases {
        let m = patrolled_m(&fixes, 50.0);
        assert!(m == 0.0 && m.is_sign_positive(), "{name}: {m}");
    }
}

#[test]
fn a_recorded_gap_counts_no_distance_and_without_gaps_nothing_changes() {
    let fix = |t: i64, lat: f64| {
        let mut f = PositionFix::at(1_764_400_000_000 + t * 1000, lat, 111.69);
        f.accuracy_m = Some(5.0);
        f
    };
    // 100 m north in 20 s, then silence for 10 minutes, then found 3 km further north.
    let mut fixes: Vec<PositionFix> = (0..=20)
        .map(|t| fix(t, 29.03 + t as f64 * 4.5e-5))
        .collect();
    fixes.extend((620..=640).map(|t| fix(t, 29.06 + (t - 620) as f64 * 4.5e-5)));
    let straight = patrolled_m(&fixes, 50.0);
    assert_eq!(patrolled_m_across(&fixes, 50.0, &[]), straight);
    let gap = (1_764_400_000_000 + 20_000, 1_764_400_000_000 + 620_000);
    let honest = patrolled_m_across(&fixes, 50.0, &[gap]);
    assert!(straight > 3_000.0, "{straight}");
    assert!((honest - 200.0).abs() < 5.0, "{honest}");
    // Order does not matter; a gap elsewhere changes nothing.
    let mut shuffled = fixes.clone();
    shuffled.reverse();
    assert_eq!(patrolled_m_across(&shuffled, 50.0, &[gap]), honest);
    assert_eq!(patrolled_m_across(&fixes, 50.0, &[(0, 1)]), straight);
}
