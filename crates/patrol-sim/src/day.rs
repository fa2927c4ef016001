//! One simulated day. Patrol groups walk or drive along their grid cells at the cadence of their
//! mode, tallying violations and logging the occasional report at the rates of the seed story;
//! traffic officers hold their posts in the duty windows. A couple of devices carry wrong clocks
//! so HQ's skew flags have something to show. Every device syncs through `patrol-sync`.

use crate::hq::Hq;
use anyhow::{Context, Result};
use chrono::NaiveDate;
use patrol_device::{Capture, ManualClock, Store};
use patrol_model::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

#[derive(Debug)]
pub struct DayPlan<'a> {
    pub city: &'a City,
    pub date: NaiveDate,
    /// Nothing is recorded after this instant (HQ would flag it as from the future).
    pub until_ms: i64,
    pub groups: usize,
    pub posts: usize,
    pub seed: u64,
}

#[derive(Debug, Default)]
pub struct Totals {
    pub devices: usize,
    pub entries: u64,
    pub fixes: u64,
}

/// Violation weights from the story's cumulative figures (plus plausible ones it does not give).
const VIOLATIONS: &[(ViolationType, u32)] = &[
    (ViolationType::IllegalParking, 2576),
    (ViolationType::NoHelmet, 2122),
    (ViolationType::UmbrellaRig, 1563),
    (ViolationType::OtherTraffic, 432),
    (ViolationType::IllegalPassenger, 400),
    (ViolationType::RedLight, 300),
    (ViolationType::Jaywalking, 250),
    (ViolationType::DrunkDriving, 38),
];

/// Volunteers who joined, by the story's daily proportions (of 886).
const VOLUNTEERS: &[(VolunteerCategory, u32)] = &[
    (VolunteerCategory::SecurityGuard, 291),
    (VolunteerCategory::CommunityCadre, 213),
    (VolunteerCategory::PropertyStaff, 151),
    (VolunteerCategory::RedVest, 132),
    (VolunteerCategory::GridWorker, 62),
    (VolunteerCategory::PatrolTeam, 37),
];

const SURNAMES: &[&str] = &["张", "李", "王", "刘", "陈", "杨", "赵", "黄", "周", "吴"];

fn pick<T: Copy>(rng: &mut StdRng, weighted: &[(T, u32)]) -> T {
    let total: u32 = weighted.iter().map(|w| w.1).sum();
    let mut x = rng.random_range(0..total);
    for (v, w) in weighted {
        if x < *w {
            return *v;
        }
        x -= w;
    }
    weighted[0].0
}

fn local_ms(city: &City, date: NaiveDate, h: u32, m: u32) -> i64 {
    patrol_geo::duty::local_to_utc_ms(city.tz(), date.and_hms_opt(h, m, 0).expect("valid time"))
}

/// A device of the simulation: its store behind the lock the sync engine wants, and its clock.
struct SimDevice {
    store: Mutex<Store>,
    clock: ManualClock,
    /// How far this device's wall clock is off (ms).
    skew_ms: i64,
    now_ms: i64,
}

impl SimDevice {
    fn open(dir: &Path, start_ms: i64, skew_ms: i64) -> Result<SimDevice> {
        let clock = ManualClock::new(start_ms + skew_ms);
        let store = Store::open(dir, Arc::new(clock.clone()))?;
        Ok(SimDevice {
            store: Mutex::new(store),
            clock,
            skew_ms,
            now_ms: start_ms,
        })
    }

    /// Move true time to `t` (never backwards).
    fn at(&mut self, t: i64) {
        if t > self.now_ms {
            self.clock.advance_ms(t - self.now_ms);
            self.now_ms = t;
        }
    }

    fn append(&self, record: Record, at: LatLon) -> Result<()> {
        let capture = Capture {
            gnss_ms: Some(self.now_ms),
            position: Some(at),
        };
        self.store.lock().expect("store").append(&record, capture)?;
        Ok(())
    }
}

pub async fn simulate(plan: &DayPlan<'_>, hq: &Hq, data: &Path) -> Result<Totals> {
    let engine = patrol_sync::SyncEngine::new().map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut totals = Totals::default();
    let mut rng = StdRng::seed_from_u64(plan.seed);
    let day_start = local_ms(plan.city, plan.date, 0, 0);
    for (i, group) in plan.city.groups.iter().take(plan.groups).enumerate() {
        // Two devices have wrong clocks: one 12 minutes fast, one 2 minutes slow (within tolerance).
        let skew = match i {
            4 => 12 * 60_000,
            9 => -2 * 60_000,
            _ => 0,
        };
        let mut dev = SimDevice::open(&data.join(format!("group-{}", group.id)), day_start, skew)?;
        enroll(&engine, hq, &dev, &format!("{} {}", group.id, group.name)).await?;
        totals.fixes += patrol_group_day(plan, group, &mut dev, &mut rng)?;
        // The device syncs now, so its clock reads now (plus its skew).
        dev.at(plan.until_ms);
        totals.entries += sync(&engine, &dev).await?;
        totals.devices += 1;
    }
    for post in plan.city.posts.iter().take(plan.posts) {
        let mut dev = SimDevice::open(&data.join(format!("post-{}", post.id)), day_start, 0)?;
        enroll(&engine, hq, &dev, &format!("{} 岗 {}", post.id, post.name)).await?;
        post_duty_day(plan, post, &mut dev, &mut rng)?;
        dev.at(plan.until_ms);
        totals.entries += sync(&engine, &dev).await?;
        totals.devices += 1;
    }
    Ok(totals)
}

async fn enroll(
    engine: &patrol_sync::SyncEngine,
    hq: &Hq,
    dev: &SimDevice,
    name: &str,
) -> Result<()> {
    let code = hq.enrollment_code(name).await?;
    engine
        .enroll(&dev.store, &hq.url, &code)
        .await
        .map_err(|e| anyhow::anyhow!("enrol {name}: {e}"))?;
    // The first sync brings the reference data, so entries get their grid cell.
    engine
        .sync(&dev.store, |_| {})
        .await
        .map_err(|e| anyhow::anyhow!("first sync of {name}: {e}"))?;
    Ok(())
}

async fn sync(engine: &patrol_sync::SyncEngine, dev: &SimDevice) -> Result<u64> {
    let report = engine
        .sync(&dev.store, |_| {})
        .await
        .map_err(|e| anyhow::anyhow!("sync: {e}"))?;
    if let Some(stuck) = &report.stuck {
        anyhow::bail!("a simulated device's queue is stuck: {stuck}");
    }
    Ok(report.receipt.entries_held)
}

/// Shifts of a group by mode: (start hour, start minute, hours).
fn shifts(mode: PatrolMode) -> &'static [(u32, u32, u32)] {
    match mode {
        PatrolMode::Car => &[(7, 30, 4), (13, 30, 4), (19, 0, 4)],
        PatrolMode::Motorcycle | PatrolMode::EBike => &[(6, 30, 3), (16, 30, 4)],
        PatrolMode::Foot | PatrolMode::Bicycle => &[(8, 30, 3), (14, 30, 3), (19, 30, 2)],
    }
}

/// (speed m/s, seconds between fixes). The simulation samples sparser than a phone would, to
/// keep a demo day quick; the codec and sync handle 1 Hz the same way (see the benches).
fn cadence(mode: PatrolMode) -> (f64, i64) {
    match mode {
        PatrolMode::Car => (7.0, 10),
        PatrolMode::Motorcycle | PatrolMode::EBike => (6.0, 10),
        PatrolMode::Foot | PatrolMode::Bicycle => (1.3, 20),
    }
}

/// The bounding box (min lat, min lon, max lat, max lon) of a group's cells.
fn area(city: &City, group: &PatrolGroup) -> (f64, f64, f64, f64) {
    let cells: Vec<&GridCell> = city
        .cells
        .iter()
        .filter(|c| group.cells.contains(&c.id))
        .collect();
    let cells = if cells.is_empty() {
        city.cells.iter().take(1).collect()
    } else {
        cells
    };
    let pts = cells.iter().flat_map(|c| c.ring.iter());
    pts.fold((90.0, 180.0, -90.0, -180.0), |(a, b, c, d), p| {
        (a.min(p.lat), b.min(p.lon), c.max(p.lat), d.max(p.lon))
    })
}

fn patrol_group_day(
    plan: &DayPlan<'_>,
    group: &PatrolGroup,
    dev: &mut SimDevice,
    rng: &mut StdRng,
) -> Result<u64> {
    let mode = group.mode.unwrap_or(PatrolMode::Foot);
    let (speed, every_s) = cadence(mode);
    let (lat0, lon0, lat1, lon1) = area(plan.city, group);
    let mut fixes = 0;
    for &(h, m, hours) in shifts(mode) {
        let start = local_ms(plan.city, plan.date, h, m) + rng.random_range(0..600_000);
        if start >= plan.until_ms {
            break;
        }
        let end = (start + i64::from(hours) * 3_600_000).min(plan.until_ms);
        dev.at(start);
        let officers = (0..rng.random_range(1..=if mode == PatrolMode::Car { 3 } else { 2 }))
            .map(|_| format!("{}警官", SURNAMES[rng.random_range(0..SURNAMES.len())]))
            .collect();
        let mut volunteers = BTreeMap::new();
        if mode == PatrolMode::Foot {
            for _ in 0..rng.random_range(0..6) {
                *volunteers.entry(pick(rng, VOLUNTEERS)).or_insert(0) += 1;
            }
        }
        let start_record = PatrolStart {
            patrol_id: PatrolId::new(),
            mode,
            group: group.id.clone(),
            officers,
            volunteers,
            vehicle_plate: (mode == PatrolMode::Car)
                .then(|| format!("湘J{:05}警", rng.random_range(0..99999)))
                .and_then(|p| p.replace('警', "").parse().ok()),
        };
        let mut pos = LatLon {
            lat: rng.random_range(lat0..lat1),
            lon: rng.random_range(lon0..lon1),
        };
        dev.store.lock().expect("store").start_patrol(
            start_record,
            Capture {
                gnss_ms: Some(dev.now_ms),
                position: Some(pos),
            },
        )?;
        // Walk the streets: the grid lines run north-south and east-west.
        let mut heading = rng.random_range(0..4) * 90;
        let mut t = dev.now_ms;
        while t + every_s * 1000 <= end {
            t += every_s * 1000;
            dev.at(t);
            if rng.random_bool(0.05) {
                heading = (heading + if rng.random_bool(0.5) { 90 } else { 270 }) % 360;
            }
            let step = speed * every_s as f64 * rng.random_range(0.7..1.2);
            let (dlat, dlon) = match heading {
                0 => (step / 111_320.0, 0.0),
                90 => (0.0, step / (111_320.0 * pos.lat.to_radians().cos())),
                180 => (-step / 111_320.0, 0.0),
                _ => (0.0, -step / (111_320.0 * pos.lat.to_radians().cos())),
            };
            pos = LatLon {
                lat: pos.lat + dlat,
                lon: pos.lon + dlon,
            };
            if !(lat0..lat1).contains(&pos.lat) || !(lon0..lon1).contains(&pos.lon) {
                heading = (heading + 180) % 360;
                pos = LatLon {
                    lat: pos.lat.clamp(lat0, lat1),
                    lon: pos.lon.clamp(lon0, lon1),
                };
            }
            let accuracy = if rng.random_bool(0.03) {
                rng.random_range(25.0..60.0)
            } else {
                rng.random_range(3.0..9.0)
            };
            let fix = PositionFix {
                time_ms: Some(t + dev.skew_ms),
                lat: pos.lat,
                lon: pos.lon,
                accuracy_m: Some(accuracy),
                speed_mps: Some(step / every_s as f64),
                heading_deg: Some(f64::from(heading)),
                altitude_m: Some(rng.random_range(30.0..45.0)),
                gnss_ms: Some(t),
            };
            dev.store.lock().expect("store").record_fix(fix)?;
            fixes += 1;
            let hours = every_s as f64 / 3600.0;
            let violations_per_hour = if mode == PatrolMode::Foot { 2.0 } else { 4.0 };
            if rng.random_bool((violations_per_hour * hours).min(1.0)) {
                dev.append(violation(rng, pos), pos)?;
            }
            if rng.random_bool((0.12 * hours).min(1.0)) {
                dev.append(report(rng, pos), pos)?;
            }
        }
        dev.at(end);
        dev.store.lock().expect("store").stop_patrol(
            None,
            Capture {
                gnss_ms: Some(dev.now_ms),
                position: Some(pos),
            },
        )?;
    }
    Ok(fixes)
}

fn violation(rng: &mut StdRng, at: LatLon) -> Record {
    let t = pick(rng, VIOLATIONS);
    let vehicle = match t {
        ViolationType::NoHelmet | ViolationType::UmbrellaRig | ViolationType::IllegalPassenger => {
            Some(VehicleKind::EBike)
        }
        ViolationType::IllegalParking | ViolationType::DrunkDriving | ViolationType::RedLight => {
            Some(VehicleKind::Car)
        }
        ViolationType::Jaywalking => Some(VehicleKind::Pedestrian),
        ViolationType::OtherTraffic => None,
    };
    let plate = (vehicle == Some(VehicleKind::Car) && rng.random_bool(0.6))
        .then(|| {
            format!("湘J{:05}", rng.random_range(10000..99999))
                .parse()
                .ok()
        })
        .flatten();
    Record::Violation(ViolationTally {
        patrol_id: None,
        violation: t,
        plate,
        vehicle,
        seized_items: u32::from(t == ViolationType::UmbrellaRig),
        photos: vec![],
        at: Some(at),
        note: None,
    })
}

fn report(rng: &mut StdRng, at: LatLon) -> Record {
    match rng.random_range(0..10) {
        0 => Record::LostPerson(LostPersonReport {
            patrol_id: None,
            description: "老人独自徘徊，说不清住址，手腕佩戴防走失手环".into(),
            identifying_code: Some(format!("WB-{:05}", rng.random_range(0..99999))),
            found_at: Some(at),
            found_place: Some("路口".into()),
            handed_to: Some("家属".into()),
            handed_over_at: None,
            outcome: LostPersonOutcome::ReunitedWithFamily,
            photos: vec![],
        }),
        1 | 2 => Record::Assistance(AssistanceRecord {
            patrol_id: None,
            kind: AssistanceKind::MedicalEscort,
            description: "群众突发疾病，开辟绿色通道护送就医".into(),
            people: 1,
            outcome: Some("已送达医院".into()),
            at: Some(at),
        }),
        3..=5 => Record::Assistance(AssistanceRecord {
            patrol_id: None,
            kind: AssistanceKind::DisputeResolved,
            description: "商户与顾客发生口角，现场劝解，双方握手言和".into(),
            people: 2,
            outcome: None,
            at: Some(at),
        }),
        6 => Record::Incident(IncidentReport {
            patrol_id: None,
            kind: IncidentKind::Theft,
            description: "电动车电瓶被盗，调取视频后抓获嫌疑人".into(),
            value_yuan: Some(rng.random_range(200..3000)),
            video_reviewed: true,
            outcome: IncidentOutcome::SuspectCaught,
            at: Some(at),
            photos: vec![],
        }),
        _ => Record::TrafficAccident(TrafficAccidentReport {
            patrol_id: None,
            vehicles: vec![
                AccidentVehicle {
                    plate: format!("湘J{:05}", rng.random_range(10000..99999))
                        .parse()
                        .ok(),
                    kind: VehicleKind::Car,
                },
                AccidentVehicle {
                    plate: None,
                    kind: VehicleKind::EBike,
                },
            ],
            injuries: false,
            photos: vec![],
            outcomes: vec![
                AccidentOutcome::CarsMoved,
                AccidentOutcome::InsuranceAdvised,
            ],
            at: Some(at),
            note: Some("轻微刮擦，拍照取证后挪车".into()),
        }),
    }
}

fn post_duty_day(
    plan: &DayPlan<'_>,
    post: &Post,
    dev: &mut SimDevice,
    rng: &mut StdRng,
) -> Result<()> {
    for w in &post.duty_windows {
        let open = local_ms(
            plan.city,
            plan.date,
            chrono::Timelike::hour(&w.start),
            chrono::Timelike::minute(&w.start),
        );
        let close = local_ms(
            plan.city,
            plan.date,
            chrono::Timelike::hour(&w.end),
            chrono::Timelike::minute(&w.end),
        );
        let arrive = open + rng.random_range(-600_000..900_000);
        if arrive >= plan.until_ms {
            break;
        }
        let leave = close + rng.random_range(0..600_000);
        dev.at(arrive);
        let evidence = |dwell_s: u32| VisitEvidence {
            source: "geofence".into(),
            fixes_inside: dwell_s / 60,
            dwell_s,
            best_accuracy_m: Some(4.0),
            at: Some(post.location),
        };
        let arrival = PostArrival {
            crew: Default::default(),
            post_id: post.id.clone(),
            patrol_id: None,
            evidence: evidence(120),
        };
        dev.append(Record::PostArrived(arrival), post.location)?;
        // Every vehicle checked (逢车必查): tallies through the window.
        let mut t = arrive;
        loop {
            t += rng.random_range(3..12) * 60_000;
            if t >= leave.min(plan.until_ms) {
                break;
            }
            dev.at(t);
            dev.append(violation(rng, post.location), post.location)?;
        }
        if leave < plan.until_ms {
            dev.at(leave);
            let dwell = ((leave - arrive) / 1000) as u32;
            let departure = PostDeparture {
                post_id: post.id.clone(),
                patrol_id: None,
                evidence: evidence(dwell),
            };
            dev.append(Record::PostLeft(departure), post.location)
                .context("post left")?;
        }
    }
    Ok(())
}
