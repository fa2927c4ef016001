//! Living through the planned days (`plan.rs`): one device per patrol group, community patrol
//! team and post, each recording its deployments through the real device core with a hand-set
//! clock — patrol starts, a track along its grid cells, violations and reports when the plan
//! says, post check-ins with their crew — and syncing through `patrol-sync`. A couple of devices
//! carry wrong clocks so HQ's skew flags have something to show.

use crate::hq::Hq;
use crate::plan::{self, Deployment, Duty, Event, Unit};
use anyhow::{Context, Result};
use chrono::NaiveDate;
use patrol_device::{Capture, ManualClock, Store};
use patrol_model::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone)]
pub struct SimPlan<'a> {
    pub city: &'a City,
    /// The days to live through, in order; the last one leaves its night sorties open.
    pub dates: Vec<NaiveDate>,
    /// Nothing is recorded after this instant (HQ would flag it as from the future).
    pub until_ms: i64,
    pub groups: usize,
    pub posts: usize,
    pub communities: usize,
    pub seed: u64,
    /// Seconds between two fixes of a simulated track.
    pub fix_every_s: i64,
    /// Devices recording and syncing at once (their stores wait mostly on fsync).
    pub parallel: usize,
}

#[derive(Debug, Default)]
pub struct Totals {
    pub devices: usize,
    pub entries: u64,
    pub fixes: u64,
}

/// Every deployment of the run, by the device that records it, in time order; those starting
/// after `until_ms` are left out.
pub fn deployments(plan: &SimPlan<'_>) -> BTreeMap<Unit, Vec<Deployment>> {
    let mut by_unit: BTreeMap<Unit, Vec<Deployment>> = BTreeMap::new();
    for (i, &date) in plan.dates.iter().enumerate() {
        let day = plan::plan_day(plan::DayInput {
            city: plan.city,
            date,
            groups: plan.groups,
            posts: plan.posts,
            communities: plan.communities,
            seed: plan.seed,
            last_day: i + 1 == plan.dates.len(),
        });
        for d in day.into_iter().filter(|d| d.start_ms < plan.until_ms) {
            by_unit.entry(d.unit).or_default().push(d);
        }
    }
    for list in by_unit.values_mut() {
        list.sort_by_key(|d| d.start_ms);
    }
    by_unit
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

    fn capture(&self, at: LatLon) -> Capture {
        Capture {
            gnss_ms: Some(self.now_ms),
            position: Some(at),
        }
    }

    fn append(&self, record: Record, at: LatLon) -> Result<()> {
        self.store
            .lock()
            .expect("store")
            .append(&record, self.capture(at))?;
        Ok(())
    }
}

/// Where a unit's device lives and what HQ calls it.
fn device_name(city: &City, unit: Unit) -> (String, String) {
    match unit {
        Unit::Group(i) => {
            let g = &city.groups[i];
            (format!("group-{}", g.id), format!("{} {}", g.id, g.name))
        }
        Unit::Community(i) => (
            format!("community-SQ{:02}", i + 1),
            format!("SQ{:02} 社区巡逻队", i + 1),
        ),
        Unit::Post(i) => {
            let p = &city.posts[i];
            (format!("post-{}", p.id), format!("{} 岗 {}", p.id, p.name))
        }
    }
}

pub async fn simulate(plan: &SimPlan<'_>, hq: &Hq, data: &Path) -> Result<Totals> {
    let engine = Arc::new(patrol_sync::SyncEngine::new().map_err(|e| anyhow::anyhow!("{e}"))?);
    // HQ lets one address enrol 10 devices a minute (patrol-hq's limits.rs): the simulator, all
    // its devices on one address, enrols them one at a time and waits out the limit.
    let enroller = Arc::new(tokio::sync::Mutex::new(()));
    let Some(&first) = plan.dates.first() else {
        return Ok(Totals::default());
    };
    let day_start = plan::local_ms(plan.city, first, 0, 0);
    let city = Arc::new(plan.city.clone());
    let permits = Arc::new(tokio::sync::Semaphore::new(plan.parallel.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (unit, list) in deployments(plan) {
        // Two devices have wrong clocks: one 12 minutes fast, one 2 minutes slow (within tolerance).
        let skew = match unit {
            Unit::Group(4) => 12 * 60_000,
            Unit::Group(9) => -2 * 60_000,
            _ => 0,
        };
        let (dir, name) = device_name(&city, unit);
        let job = DeviceJob {
            dir: data.join(dir),
            name,
            skew,
            day_start,
            until_ms: plan.until_ms,
            fix_every_s: plan.fix_every_s.max(1),
            seed: plan.seed,
            unit,
            list,
            city: city.clone(),
        };
        let (engine, hq, permits) = (engine.clone(), hq.clone(), permits.clone());
        let enroller = enroller.clone();
        tasks.spawn(async move {
            let dev = SimDevice::open(&job.dir, job.day_start, job.skew)?;
            {
                // Fair (FIFO): devices enrol in the order they were spawned.
                let _turn = enroller.lock().await;
                enroll(&engine, &hq, &dev, &job.name).await?;
            }
            let _permit = permits.acquire().await?;
            job.run(dev, &engine).await
        });
    }
    let mut totals = Totals::default();
    while let Some(done) = tasks.join_next().await {
        let (entries, fixes) = done??;
        totals.devices += 1;
        totals.entries += entries;
        totals.fixes += fixes;
    }
    Ok(totals)
}

/// One device's run: record every deployment, sync.
struct DeviceJob {
    dir: PathBuf,
    name: String,
    skew: i64,
    day_start: i64,
    until_ms: i64,
    fix_every_s: i64,
    seed: u64,
    unit: Unit,
    list: Vec<Deployment>,
    city: Arc<City>,
}

impl DeviceJob {
    /// Record and sync an enrolled device: (entries HQ holds, fixes recorded).
    async fn run(self, dev: SimDevice, engine: &patrol_sync::SyncEngine) -> Result<(u64, u64)> {
        let name = self.name.clone();
        let until_ms = self.until_ms;
        // The store is synchronous (SQLite): record on a blocking thread.
        let (mut dev, fixes) = tokio::task::spawn_blocking(move || {
            let mut dev = dev;
            let fixes = self.record(&mut dev)?;
            anyhow::Ok((dev, fixes))
        })
        .await?
        .with_context(|| format!("recording {name}"))?;
        // The device syncs now, so its clock reads now (plus its skew) — the real now: waiting
        // for enrolment can take minutes, and a clock left at the run's start would look skewed.
        dev.at(until_ms.max(chrono::Utc::now().timestamp_millis()));
        let entries = sync(engine, &dev)
            .await
            .with_context(|| format!("syncing {name}"))?;
        Ok((entries, fixes))
    }

    fn record(&self, dev: &mut SimDevice) -> Result<u64> {
        let mut rng = StdRng::seed_from_u64(self.seed ^ unit_seed(self.unit));
        let mut fixes = 0;
        for d in &self.list {
            match &d.duty {
                Duty::Patrol { .. } => fixes += self.patrol(dev, d, &mut rng)?,
                Duty::Post { post, crew } => {
                    self.post(dev, d, &self.city.posts[*post], crew, &mut rng)?;
                }
            }
        }
        Ok(fixes)
    }

    /// The bounding box (min lat, min lon, max lat, max lon) of the cells of `group`, the
    /// group a patrol is recorded under (a community team walks a foot group's cells).
    fn area(&self, group: &GroupId) -> (f64, f64, f64, f64) {
        let city = &self.city;
        let cells: Vec<&GridCell> = match city.groups.iter().find(|g| &g.id == group) {
            Some(g) => city
                .cells
                .iter()
                .filter(|c| g.cells.contains(&c.id))
                .collect(),
            None => vec![],
        };
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

    /// One patrol: start, a fix every `fix_every_s` along the streets with the planned events on
    /// the way, stop — unless it is still out when the simulation ends. Returns the fixes.
    fn patrol(&self, dev: &mut SimDevice, d: &Deployment, rng: &mut StdRng) -> Result<u64> {
        let Duty::Patrol {
            mode,
            group,
            officers,
            volunteers,
        } = &d.duty
        else {
            return Ok(0);
        };
        let mode = *mode;
        let speed = match mode {
            PatrolMode::Car => 7.0,
            PatrolMode::Motorcycle | PatrolMode::EBike => 6.0,
            PatrolMode::Foot | PatrolMode::Bicycle => 1.3,
        };
        let every_s = self.fix_every_s;
        let (lat0, lon0, lat1, lon1) = self.area(group);
        dev.at(d.start_ms);
        let mut pos = LatLon {
            lat: rng.random_range(lat0..=lat1),
            lon: rng.random_range(lon0..=lon1),
        };
        {
            let mut store = dev.store.lock().expect("store");
            // A patrol left open (a day cut short) is closed before the next starts.
            if store.open_patrol()?.is_some() {
                store.stop_patrol(None, dev.capture(pos))?;
            }
        }
        let patrol_id = PatrolId::new();
        let start = PatrolStart {
            patrol_id,
            mode,
            group: group.clone(),
            officers: officers.clone(),
            volunteers: volunteers.clone(),
            vehicle_plate: (mode == PatrolMode::Car)
                .then(|| format!("湘J{:05}", rng.random_range(10000..99999)))
                .and_then(|p| p.parse().ok()),
        };
        dev.store
            .lock()
            .expect("store")
            .start_patrol(start, dev.capture(pos))?;
        let stop_at = d.end_ms.min(self.until_ms);
        let mut events = d.events.iter().filter(|e| e.0 < stop_at).peekable();
        // Walk the streets: the grid lines run north-south and east-west.
        let mut heading = rng.random_range(0..4) * 90;
        let mut t = dev.now_ms;
        let mut fixes = 0;
        while t + every_s * 1000 <= stop_at {
            t += every_s * 1000;
            while let Some((at, e)) = events.next_if(|e| e.0 <= t) {
                dev.at(*at);
                dev.append(record(*e, Some(patrol_id), pos, rng), pos)?;
            }
            dev.at(t);
            if rng.random_bool((0.05 * every_s as f64 / 10.0).min(0.5)) {
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
            if !(lat0..=lat1).contains(&pos.lat) || !(lon0..=lon1).contains(&pos.lon) {
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
        }
        for (at, e) in events {
            dev.at(*at);
            dev.append(record(*e, Some(patrol_id), pos, rng), pos)?;
        }
        // Still out when the run ends (cut by now, or the last night's sortie): no stop, so
        // HQ's live map shows the unit.
        if !(d.stays_open || d.end_ms > self.until_ms) {
            dev.at(stop_at);
            dev.store
                .lock()
                .expect("store")
                .stop_patrol(None, dev.capture(pos))?;
        }
        Ok(fixes)
    }

    /// One duty window at a post: the crew checks in, tallies what it stops (逢车必查), and
    /// checks out after the window unless the run ends first.
    fn post(
        &self,
        dev: &mut SimDevice,
        d: &Deployment,
        post: &Post,
        crew: &PostCrew,
        rng: &mut StdRng,
    ) -> Result<()> {
        let evidence = |dwell_s: u32| VisitEvidence {
            source: "geofence".into(),
            fixes_inside: dwell_s / 60,
            dwell_s,
            best_accuracy_m: Some(4.0),
            at: Some(post.location),
        };
        dev.at(d.start_ms);
        dev.store.lock().expect("store").arrive_at_post(
            post.id.clone(),
            crew.clone(),
            evidence(120),
            dev.capture(post.location),
        )?;
        for &(at, e) in d.events.iter().filter(|e| e.0 < self.until_ms) {
            dev.at(at);
            dev.append(record(e, None, post.location, rng), post.location)?;
        }
        if d.end_ms < self.until_ms {
            dev.at(d.end_ms);
            let dwell = u32::try_from((d.end_ms - d.start_ms) / 1000).unwrap_or(u32::MAX);
            dev.store
                .lock()
                .expect("store")
                .leave_post(post.id.clone(), evidence(dwell), dev.capture(post.location))
                .context("post left")?;
        }
        Ok(())
    }
}

fn unit_seed(unit: Unit) -> u64 {
    match unit {
        Unit::Group(i) => 1_000 + i as u64,
        Unit::Community(i) => 2_000 + i as u64,
        Unit::Post(i) => 3_000 + i as u64,
    }
}

async fn enroll(
    engine: &patrol_sync::SyncEngine,
    hq: &Hq,
    dev: &SimDevice,
    name: &str,
) -> Result<()> {
    let code = hq.enrollment_code(name).await?;
    // A refused attempt (429, over the per-minute limit) leaves the code unused and counts
    // nothing against the limit, so asking again every few seconds until the window turns
    // costs no more than the wait.
    let mut refusals = 0;
    loop {
        match engine.enroll(&dev.store, &hq.url, &code).await {
            Ok(_) => break,
            Err(patrol_sync::Error::Network(why)) if refusals < 40 => {
                if refusals == 0 {
                    eprintln!("patrol-sim: {name}: {why}; waiting");
                }
                refusals += 1;
                tokio::time::sleep(std::time::Duration::from_secs(3)).await;
            }
            Err(e) => anyhow::bail!("enrol {name}: {e}"),
        }
    }
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

fn plate(rng: &mut StdRng) -> Option<Plate> {
    format!("湘J{:05}", rng.random_range(10000..99999))
        .parse()
        .ok()
}

/// The record of a planned event at `at`.
fn record(event: Event, patrol_id: Option<PatrolId>, at: LatLon, rng: &mut StdRng) -> Record {
    match event {
        Event::Violation(t) => {
            let vehicle = match t {
                ViolationType::NoHelmet
                | ViolationType::UmbrellaRig
                | ViolationType::IllegalPassenger => Some(VehicleKind::EBike),
                ViolationType::IllegalParking
                | ViolationType::DrunkDriving
                | ViolationType::RedLight => Some(VehicleKind::Car),
                ViolationType::Jaywalking => Some(VehicleKind::Pedestrian),
                ViolationType::OtherTraffic => None,
            };
            let plate = (vehicle == Some(VehicleKind::Car) && rng.random_bool(0.6))
                .then(|| plate(rng))
                .flatten();
            Record::Violation(ViolationTally {
                patrol_id,
                violation: t,
                plate,
                vehicle,
                // Every umbrella rig found is seized (收缴).
                seized_items: u32::from(t == ViolationType::UmbrellaRig),
                photos: vec![],
                at: Some(at),
                note: None,
            })
        }
        Event::LostElder => Record::LostPerson(LostPersonReport {
            patrol_id,
            description: "老人来回徘徊，吐词不清，手腕佩戴手环标注家人联系方式及住址".into(),
            identifying_code: Some(format!("WB-{:05}", rng.random_range(0..99999))),
            found_at: Some(at),
            found_place: Some("烟厂一区".into()),
            handed_to: Some("家属".into()),
            handed_over_at: None,
            outcome: LostPersonOutcome::EscortedHome,
            photos: vec![],
        }),
        Event::MedicalEscort => Record::Assistance(AssistanceRecord {
            patrol_id,
            kind: AssistanceKind::MedicalEscort,
            description: "病患家属求助，拉响警报开道，开辟绿色通道护送就医".into(),
            people: 1,
            outcome: Some("已送达医院".into()),
            at: Some(at),
        }),
        Event::Dispute => Record::Assistance(AssistanceRecord {
            patrol_id,
            kind: AssistanceKind::DisputeResolved,
            description: "私家车堵住辅道出入口，当事方发生口角，现场劝解，双方握手言和".into(),
            people: 2,
            outcome: None,
            at: Some(at),
        }),
        Event::Theft => Record::Incident(IncidentReport {
            patrol_id,
            kind: IncidentKind::Theft,
            description: "家具广场门面物品被盗，调取现场视频锁定嫌疑人及作案车辆，当日抓获".into(),
            value_yuan: Some(rng.random_range(4_500..=5_000)),
            video_reviewed: true,
            outcome: IncidentOutcome::SuspectCaught,
            at: Some(at),
            photos: vec![],
        }),
        Event::Accident => Record::TrafficAccident(TrafficAccidentReport {
            patrol_id,
            vehicles: vec![
                AccidentVehicle {
                    plate: plate(rng),
                    kind: VehicleKind::Car,
                },
                AccidentVehicle {
                    plate: plate(rng),
                    kind: VehicleKind::Car,
                },
            ],
            injuries: false,
            photos: vec![],
            outcomes: vec![
                AccidentOutcome::CarsMoved,
                AccidentOutcome::InsuranceAdvised,
            ],
            at: Some(at),
            note: Some("轻微刮擦，挪车后告知理赔".into()),
            // Simulated phones have no camera: said as the app makes an officer say it.
            photos_missing_reason: Some("模拟终端，未拍照".into()),
        }),
    }
}
