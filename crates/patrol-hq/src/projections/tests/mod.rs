//! Tests of the projections, on entries sealed exactly as devices seal them.

mod counts;
mod rollup;
mod stats;
mod views;

use crate::storage::StoredEntry;
use chrono::NaiveDate;
use chrono_tz::Tz;
use patrol_model::{
    DeviceId, EntryId, Hash, LatLon, PatrolId, PatrolMode, PatrolStart, PatrolStop, PositionFix,
    PostArrival, PostDeparture, PostId, Record, Supplement, TrackSegment, UnsealedEntry,
    ViolationTally, ViolationType, VisitEvidence, VolunteerCategory,
};
use uuid::Uuid;

pub(super) const TZ: Tz = chrono_tz::Asia::Shanghai;

/// The test day.
pub(super) fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 10).unwrap()
}

/// Local `h:m` on the test day, as ms since the epoch.
pub(super) fn at(h: u32, m: u32) -> i64 {
    at_on(day(), h, m)
}

pub(super) fn at_on(date: NaiveDate, h: u32, m: u32) -> i64 {
    patrol_geo::duty::local_to_utc_ms(TZ, date.and_hms_opt(h, m, 0).unwrap())
}

pub(super) fn patrol(n: u128) -> PatrolId {
    PatrolId(Uuid::from_u128(0xbeef_0000 + n))
}

/// A device writing a hash-chained ledger; entries come back as HQ stores them.
pub(super) struct Device {
    pub id: DeviceId,
    seq: u64,
    prev: Hash,
}

impl Device {
    pub fn new(n: u128) -> Self {
        Self {
            id: DeviceId(Uuid::from_u128(n)),
            seq: 0,
            prev: Hash::GENESIS,
        }
    }

    /// Seal the next entry, captured (and estimated by HQ) at `event_ms`.
    pub fn push(&mut self, event_ms: i64, record: Record) -> StoredEntry {
        self.seq += 1;
        let entry = UnsealedEntry {
            device_id: self.id,
            seq: self.seq,
            id: EntryId(Uuid::from_u128(
                (self.id.0.as_u128() << 32) | u128::from(self.seq),
            )),
            kind: record.kind(),
            wall_ms: event_ms,
            mono_ms: i64::try_from(self.seq).unwrap() * 1_000,
            gnss_ms: None,
            cell: Some("WL-03-07".into()),
            payload: record.encode_payload(),
            prev_hash: self.prev,
        }
        .seal()
        .expect("test entries encode");
        self.prev = entry.hash;
        StoredEntry {
            patrol_id: record.patrol_id(),
            entry,
            received_ms: event_ms + 5_000,
            event_ms,
            flags: vec![],
            quarantine: None,
        }
    }

    /// Correct `target` with `correction`, or withdraw it with `None`.
    pub fn supplement(
        &mut self,
        event_ms: i64,
        target: &StoredEntry,
        correction: Option<Record>,
    ) -> StoredEntry {
        self.push(
            event_ms,
            Record::Supplement(Supplement {
                target_id: target.entry.id,
                target_seq: target.entry.seq,
                reason: "录入错误".into(),
                correction: correction.map(Box::new),
            }),
        )
    }
}

pub(super) fn start(
    id: PatrolId,
    mode: PatrolMode,
    officers: &[&str],
    volunteers: &[(VolunteerCategory, u32)],
) -> Record {
    Record::PatrolStarted(PatrolStart {
        patrol_id: id,
        mode,
        group: "G07".into(),
        officers: officers.iter().map(|o| (*o).to_owned()).collect(),
        volunteers: volunteers.iter().copied().collect(),
        vehicle_plate: None,
    })
}

pub(super) fn stop(id: PatrolId) -> Record {
    Record::PatrolStopped(PatrolStop {
        patrol_id: id,
        note: None,
    })
}

pub(super) fn violation(ty: ViolationType, seized_items: u32) -> Record {
    Record::Violation(ViolationTally {
        patrol_id: None,
        violation: ty,
        plate: None,
        vehicle: None,
        seized_items,
        photos: vec![],
        at: None,
        note: None,
    })
}

pub(super) fn segment(id: PatrolId, fixes: &[PositionFix]) -> Record {
    Record::TrackSegment(TrackSegment::new(id, fixes.iter().copied()))
}

pub(super) fn arrive(post: &str) -> Record {
    Record::PostArrived(PostArrival {
        crew: Default::default(),
        post_id: PostId(post.into()),
        patrol_id: None,
        evidence: VisitEvidence {
            source: "geofence".into(),
            ..VisitEvidence::default()
        },
    })
}

/// An arrival outside a patrol with the crew holding the post.
pub(super) fn arrive_with(post: &str, officers: &[&str], red_vests: u32) -> Record {
    Record::PostArrived(PostArrival {
        crew: patrol_model::PostCrew {
            officers: officers.iter().map(|o| (*o).to_owned()).collect(),
            volunteers: [(VolunteerCategory::RedVest, red_vests)]
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .collect(),
        },
        post_id: PostId(post.into()),
        patrol_id: None,
        evidence: VisitEvidence {
            source: "manual".into(),
            ..VisitEvidence::default()
        },
    })
}

pub(super) fn leave(post: &str) -> Record {
    Record::PostLeft(PostDeparture {
        post_id: PostId(post.into()),
        patrol_id: None,
        evidence: VisitEvidence {
            source: "geofence".into(),
            ..VisitEvidence::default()
        },
    })
}

/// Metres per degree of latitude near 29° N on WGS 84 (meridian arc, series expansion).
pub(super) fn metres_per_degree_lat(lat_deg: f64) -> f64 {
    let phi = lat_deg.to_radians();
    111_132.954 - 559.822 * (2.0 * phi).cos() + 1.175 * (4.0 * phi).cos()
}

/// `n + 1` fixes one second apart going due north from (29.03, 111.69), `total_m` in all.
pub(super) fn north_route(t0: i64, n: usize, total_m: f64) -> Vec<PositionFix> {
    let step = total_m / metres_per_degree_lat(29.03) / n as f64;
    (0..=n)
        .map(|i| {
            PositionFix::at(
                t0 + i64::try_from(i).unwrap() * 1_000,
                29.03 + step * i as f64,
                111.69,
            )
        })
        .collect()
}

pub(super) fn near_post() -> LatLon {
    LatLon {
        lat: 29.03,
        lon: 111.69,
    }
}
