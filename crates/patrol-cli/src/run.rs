//! Dispatch: one function per command, each a few calls into the device core.

use crate::args::{
    CityCommand, Cli, Command, ExportFormat, PhotoCommand, PostAction, TrackCommand,
};
use crate::{report, show};
use anyhow::{Context, Result, bail};
use patrol_device::{Capture, Store, SystemClock};
use patrol_model::{LatLon, PatrolId, PatrolStart, PositionFix, Record, Supplement, VisitEvidence};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;

/// The store's key (it is encrypted at rest): `$PATROL_KEY_FILE`, else `<data dir>.key` beside
/// the data folder. Lose it and the store cannot be read: back it up, apart from the folder.
fn key_file(dir: &std::path::Path) -> Result<patrol_device::FileKeySource> {
    match std::env::var_os("PATROL_KEY_FILE").filter(|p| !p.is_empty()) {
        Some(path) => Ok(patrol_device::FileKeySource::new(path)),
        None => Ok(patrol_device::FileKeySource::beside(dir)?),
    }
}

pub fn run(cli: Cli) -> Result<ExitCode> {
    let Some(dir) = cli.data else {
        bail!("--data DIR is required (or set PATROL_DATA)");
    };
    let mut store =
        Store::open_with_source(&dir, Arc::new(SystemClock::new()), &key_file(&dir)?)
            .with_context(|| format!("cannot open the device store in {}", dir.display()))?;
    if let Some(broken) = store
        .open_report()
        .check
        .as_ref()
        .and_then(|c| c.broken.as_ref())
    {
        eprintln!("patrol: warning: after an unclean shutdown the ledger check found: {broken}");
    }
    match cli.command {
        Command::Start(a) => {
            let start = PatrolStart {
                patrol_id: PatrolId::new(),
                mode: slug("--mode", &a.mode)?,
                group: patrol_model::GroupId(a.group.trim().to_owned()),
                officers: a.officers,
                volunteers: parse_volunteers(&a.volunteers)?,
                vehicle_plate: a.vehicle.as_deref().map(str::parse).transpose()?,
            };
            let started = store.start_patrol_noting(start.clone(), capture(&a.at))?;
            eprintln!("saved: seq {} patrol_started", started.entry.seq);
            if let Some(w) = started.warning {
                eprintln!("patrol: warning: {w}");
            }
            outln!("{}", start.patrol_id)?;
        }
        Command::Stop { note } => {
            let entries = store.stop_patrol(note, Capture::default())?;
            for e in entries {
                eprintln!("saved: seq {} {}", e.seq, e.kind);
            }
        }
        Command::Fix(a) => {
            let time_ms = match &a.at {
                Some(t) => parse_time(t)?,
                None => store.clock().wall_ms(),
            };
            let fix = PositionFix {
                time_ms: Some(time_ms),
                lat: a.lat,
                lon: a.lon,
                accuracy_m: a.accuracy,
                speed_mps: a.speed,
                heading_deg: a.heading,
                altitude_m: a.altitude,
                gnss_ms: None,
            };
            let out = store.record_fix(fix)?;
            match out.sealed {
                Some(e) => eprintln!("saved: seq {} track_segment", e.seq),
                None => eprintln!(
                    "buffered: {} fixes waiting for the next segment",
                    out.buffered
                ),
            }
        }
        Command::Track(TrackCommand::Import { file, mode, group }) => {
            // Flags first: a typo in --mode should not wait for a large file to be read.
            let mode = slug("--mode", &mode)?;
            let f = std::fs::File::open(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let gpx = patrol_gpx::read_gpx(std::io::BufReader::new(f))
                .with_context(|| file.display().to_string())?;
            let segments: Vec<Vec<PositionFix>> = gpx
                .tracks
                .into_iter()
                .flat_map(|t| t.segments)
                .filter(|s| !s.is_empty())
                .collect();
            if segments.is_empty() {
                bail!("{}: no track or route points to import", file.display());
            }
            let start = PatrolStart {
                patrol_id: PatrolId::new(),
                mode,
                group: patrol_model::GroupId(group),
                officers: vec![],
                volunteers: BTreeMap::new(),
                vehicle_plate: None,
            };
            let fixes: usize = segments.iter().map(Vec::len).sum();
            let entries = store.import_patrol(start.clone(), &segments)?;
            outln!("{}", start.patrol_id)?;
            eprintln!("saved: {fixes} fixes in {} entries", entries.len());
        }
        Command::Report(a) => {
            let patrol = store.open_patrol()?.map(|p| p.patrol_id);
            let record = match &a.json {
                Some(path) => report::from_json(&a.kind, report::read_json(path)?, patrol, path)?,
                None if a.kind == "violation" => report::violation_from_flags(&store, &a, patrol)?,
                None if [
                    "lost-person",
                    "accident",
                    "traffic-accident",
                    "assistance",
                    "dispute",
                    "incident",
                    "theft",
                ]
                .contains(&a.kind.as_str()) =>
                {
                    bail!("report {} needs --json FILE", a.kind)
                }
                None => bail!(
                    "unknown report kind `{}` (expected one of: {})",
                    a.kind,
                    report::KINDS
                ),
            };
            let e = store.append(&record, capture(&a.at))?;
            outln!("{}", e.seq)?;
            eprintln!("saved: seq {} {}", e.seq, e.kind);
        }
        Command::Post {
            action,
            post,
            officers,
            volunteers,
            at,
        } => {
            let evidence = VisitEvidence {
                source: "manual".into(),
                at: self::at(&at),
                ..VisitEvidence::default()
            };
            // The core refuses unknown posts and check-ins that change nothing, as in the app.
            let post_id = patrol_model::PostId(post.trim().to_owned());
            let e = match action {
                PostAction::Arrive => {
                    let crew = patrol_model::PostCrew {
                        officers: officers.iter().map(|o| o.trim().to_owned()).collect(),
                        volunteers: parse_volunteers(&volunteers)?,
                    };
                    store.arrive_at_post(post_id, crew, evidence, capture(&at))?
                }
                PostAction::Leave if !officers.is_empty() || !volunteers.is_empty() => {
                    bail!("--officer and --volunteers go with `post arrive`, not `post leave`")
                }
                PostAction::Leave => store.leave_post(post_id, evidence, capture(&at))?,
            };
            outln!("{}", e.seq)?;
            eprintln!("saved: seq {} {}", e.seq, e.kind);
        }
        Command::Supplement(a) => {
            let target = store
                .entry(a.seq)?
                .ok_or(patrol_device::Error::NoSuchEntry(a.seq))?;
            let correction = match &a.json {
                // Any kind can be corrected; the core reads the body as the app does.
                Some(path) => Some(Box::new(
                    patrol_model::report::build_correction(target.kind, report::read_json(path)?)
                        .with_context(|| {
                        format!(
                            "{}: not a valid correction of a {}",
                            path.display(),
                            target.kind
                        )
                    })?,
                )),
                None if a.withdraw => None,
                None => {
                    bail!("supplement needs --withdraw or --json FILE with the corrected report")
                }
            };
            let record = Record::Supplement(Supplement {
                target_id: target.id,
                target_seq: target.seq,
                reason: a.reason,
                correction,
            });
            let e = store.append(&record, Capture::default())?;
            outln!("{}", e.seq)?;
            eprintln!("saved: seq {} supplement of seq {}", e.seq, a.seq);
        }
        Command::Photo(PhotoCommand::Add { file }) => {
            let photo = report::add_photo(&store, &file)?;
            outln!("{}", serde_json::to_string(&photo)?)?;
        }
        Command::City(CityCommand::Import { file }) => {
            let city: patrol_model::City = serde_json::from_value(report::read_json(&file)?)
                .with_context(|| format!("{}: not a valid city file", file.display()))?;
            store
                .set_city(&city, None)
                .with_context(|| file.display().to_string())?;
            eprintln!(
                "loaded {}: {} cells, {} posts, {} groups",
                city.name,
                city.cells.len(),
                city.posts.len(),
                city.groups.len()
            );
        }
        Command::Log { json } => show::log(&store, json)?,
        Command::Verify => {
            let r = store.verify()?;
            if r.integrity != "ok" {
                eprintln!("patrol: integrity check failed: {}", r.integrity);
                return Ok(ExitCode::from(3));
            }
            if let Some(b) = r.broken {
                eprintln!("patrol: ledger broken: {b}");
                return Ok(ExitCode::from(3));
            }
            outln!(
                "ok: {} entries, head seq {} hash {}",
                r.entries,
                r.head.0,
                r.head.1
            )?;
        }
        Command::Export {
            format: ExportFormat::Bundle,
            file,
            patrol,
        } => {
            if patrol.is_some() {
                bail!("a bundle holds everything HQ does not yet hold; --patrol is for routes");
            }
            let Some(file) = file else {
                bail!("name the file to write: `patrol export bundle FILE`")
            };
            show::export_bundle(&store, &file)?;
        }
        Command::Export { file: Some(_), .. } => {
            bail!("routes go to stdout: `patrol export gpx > FILE`")
        }
        Command::Export { format, patrol, .. } => {
            let filter = patrol.as_deref().map(str::parse::<PatrolId>).transpose()?;
            let tracks = show::export_tracks(&store, filter)?;
            match format {
                ExportFormat::Gpx => out!("{}", patrol_gpx::write_gpx(&tracks))?,
                ExportFormat::Geojson => outln!(
                    "{}",
                    serde_json::to_string_pretty(&patrol_gpx::write_geojson(&tracks))?
                )?,
                ExportFormat::Bundle => bail!("`patrol export bundle FILE` writes a bundle"),
            }
        }
        Command::Status { json } => show::status(&store, json)?,
        Command::Enroll { hq, code } => {
            let resp = patrol_sync::blocking::enroll(&mut store, &hq, &code)?;
            let hq = store.hq_url()?.unwrap_or(hq);
            outln!("{}", resp.device_name)?;
            eprintln!(
                "enrolled: device {} as {} with HQ {hq}",
                resp.device_id, resp.device_name
            );
        }
        Command::Sync => return show::sync(&mut store),
        Command::Dispatch(cmd) => dispatch(&mut store, cmd)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn dispatch(store: &mut patrol_device::Store, cmd: crate::args::DispatchCommand) -> Result<()> {
    use crate::args::DispatchCommand as D;
    use patrol_model::DispatchStepKind as K;
    let (step, args, outcome, reason) = match cmd {
        D::List { json } => return show::dispatches(store, json),
        D::Accept(a) => (K::Accepted, a, None, None),
        D::Enroute(a) => (K::EnRoute, a, None, None),
        D::Arrive(a) => (K::OnScene, a, None, None),
        D::Clear { step, outcome } => (K::Cleared, step, Some(slug("--outcome", &outcome)?), None),
        D::Decline { step, reason } => (K::Declined, step, None, Some(reason)),
    };
    let id = find_dispatch(store, &args.id)?;
    let e = store.record_dispatch_step(id, step, outcome, reason, false, capture(&args.at))?;
    outln!("{}", e.seq)?;
    eprintln!("saved: seq {} {} {} (dispatch {id})", e.seq, e.kind, step);
    Ok(())
}

/// The dispatch a (possibly shortened) id names, among those on this device.
fn find_dispatch(store: &patrol_device::Store, id: &str) -> Result<patrol_model::DispatchId> {
    let id = id.trim().to_ascii_lowercase();
    if id.len() < 8 {
        bail!("dispatch id `{id}`: give at least 8 digits (`patrol dispatch list` shows them)");
    }
    let matches: Vec<_> = store
        .dispatches()?
        .into_iter()
        .map(|c| c.order.id)
        .filter(|d| d.to_string().starts_with(&id))
        .collect();
    match matches.as_slice() {
        [one] => Ok(*one),
        [] => bail!("no dispatch `{id}` on this device (sync to pull new ones)"),
        _ => bail!(
            "{} dispatches start with `{id}`; give more digits",
            matches.len()
        ),
    }
}

pub fn at(a: &crate::args::AtArgs) -> Option<LatLon> {
    Some(LatLon {
        lat: a.lat?,
        lon: a.lon?,
    })
}

fn capture(a: &crate::args::AtArgs) -> Capture {
    Capture {
        gnss_ms: None,
        position: at(a),
    }
}

fn parse_time(s: &str) -> Result<i64> {
    let t = chrono::DateTime::parse_from_rfc3339(s).with_context(|| {
        format!("--at `{s}` is not an RFC 3339 time (e.g. 2026-11-29T08:30:00+08:00)")
    })?;
    Ok(t.timestamp_millis())
}

/// A slug flag's value (`--mode car`, `--type no-helmet`, …), its error naming the flag rather
/// than the Rust type: `--type: unknown value `speeding` (expected one of: …)`.
pub fn slug<T>(flag: &str, value: &str) -> Result<T>
where
    T: std::str::FromStr<Err = patrol_model::ValidationError>,
{
    value
        .parse()
        .map_err(|e: patrol_model::ValidationError| anyhow::anyhow!("{flag}: {}", e.reason))
}

fn parse_volunteers(items: &[String]) -> Result<BTreeMap<patrol_model::VolunteerCategory, u32>> {
    let mut out = BTreeMap::new();
    for item in items {
        let (cat, n) = item.split_once('=').with_context(|| {
            format!("--volunteers `{item}` must be CATEGORY=COUNT, e.g. red-vest=3")
        })?;
        let n: u32 = n
            .trim()
            .parse()
            .with_context(|| format!("--volunteers `{item}`: `{n}` is not a count"))?;
        *out.entry(slug("--volunteers", cat.trim())?).or_default() += n;
    }
    Ok(out)
}
