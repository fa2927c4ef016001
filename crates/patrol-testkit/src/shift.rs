//! A 1 Hz shift as a phone records it: a wandering course with receiver noise (seeded, so every
//! run makes the same bytes), and its ledger — a patrol with its fixes in 30-fix track segments,
//! exactly as the recorder seals them, and 50 reports along the way.

use patrol_model::*;

/// Fixes per track segment, as the recorder flushes them (30 s at 1 Hz).
pub const PER_SEGMENT: usize = 30;

/// A 12-hour shift at 1 Hz.
pub const TWELVE_HOURS: usize = 43_200;

/// How the receiver's noise behaves in the generated shift.
#[derive(Debug, Clone, Copy)]
pub enum Noise {
    /// As phones report: the error of one fix is close to the last one's (it drifts), accuracy
    /// and altitude change slowly, fix times are whole GNSS seconds.
    Phone,
    /// The worst case for compression: fresh random error in every field of every fix.
    White,
}

/// `n` seconds of a motorcycle patrol from `t0`: a wandering course and drifting speed, with
/// receiver noise (seeded, so every run sends the same bytes). The noise is what the track codec
/// and gzip cannot squeeze, so benches measure both kinds.
pub fn fixes(t0: i64, n: usize, noise: Noise) -> Vec<PositionFix> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(12);
    let (mut lat, mut lon, mut heading, mut speed) = (29.03_f64, 111.69_f64, 45.0_f64, 4.0_f64);
    // Drifting error (metres north, east, up) and reported accuracy, for `Noise::Phone`.
    let (mut en, mut ee, mut eu, mut acc) = (0.0_f64, 0.0_f64, 0.0_f64, 5.0_f64);
    let mut t = t0;
    (0..n)
        .map(|_| {
            heading = (heading + rng.random_range(-8.0..8.0)).rem_euclid(360.0);
            speed = (speed + rng.random_range(-0.6..0.6)).clamp(0.0, 16.0);
            lat += speed * heading.to_radians().cos() / 111_000.0;
            lon += speed * heading.to_radians().sin() / 97_000.0;
            let (dn, de, du, a, jitter) = match noise {
                Noise::Phone => {
                    en = 0.95 * en + rng.random_range(-0.3..0.3);
                    ee = 0.95 * ee + rng.random_range(-0.3..0.3);
                    eu = 0.98 * eu + rng.random_range(-0.2..0.2);
                    if rng.random_range(0..10) == 0 {
                        acc = (acc + rng.random_range(-0.5..0.5)).clamp(3.0, 12.0);
                    }
                    (en, ee, eu, acc, 0)
                }
                Noise::White => (
                    rng.random_range(-2.0..2.0),
                    rng.random_range(-2.0..2.0),
                    rng.random_range(-4.0..4.0),
                    rng.random_range(3.0..12.0),
                    rng.random_range(-30..30),
                ),
            };
            t += 1000 + jitter;
            PositionFix {
                time_ms: Some(t),
                lat: lat + dn / 111_000.0,
                lon: lon + de / 97_000.0,
                accuracy_m: Some(a),
                speed_mps: Some(speed),
                heading_deg: Some(heading),
                altitude_m: Some(35.0 + du),
                gnss_ms: Some(t),
            }
        })
        .collect()
}

/// The ledger of the shift: segments exactly as the recorder seals them, plus 50 reports.
pub fn records(fixes: &[PositionFix]) -> Vec<Record> {
    let patrol_id = PatrolId::new();
    let mut records = vec![Record::PatrolStarted(PatrolStart {
        patrol_id,
        mode: PatrolMode::Motorcycle,
        group: "G07".into(),
        officers: vec!["张伟".into()],
        volunteers: Default::default(),
        vehicle_plate: None,
    })];
    for (i, chunk) in fixes.chunks(PER_SEGMENT).enumerate() {
        records.push(Record::TrackSegment(TrackSegment::new(
            patrol_id,
            chunk.to_vec(),
        )));
        if i % 29 == 0 && i / 29 < 50 {
            records.push(Record::Violation(ViolationTally {
                patrol_id: Some(patrol_id),
                violation: ViolationType::ALL[i % 8],
                plate: Some("湘J12345".parse().unwrap()),
                vehicle: Some(VehicleKind::Car),
                seized_items: 0,
                photos: vec![],
                at: Some(LatLon {
                    lat: chunk[0].lat,
                    lon: chunk[0].lon,
                }),
                note: None,
            }));
        }
    }
    records.push(Record::PatrolStopped(PatrolStop {
        patrol_id,
        note: None,
    }));
    records
}
