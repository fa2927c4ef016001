//! Printing the ledger, the status, route exports and the receipt of a sync.

use anyhow::{Result, bail};
use chrono::TimeZone;
use patrol_device::Store;
use patrol_model::{EntryKind, PatrolId, PositionFix, Record};
use serde_json::json;
use std::collections::BTreeMap;
use std::process::ExitCode;

pub fn log(store: &Store, as_json: bool) -> Result<()> {
    let tz = store.timezone()?;
    let history = store.history()?;
    let supplements = store.entries_of(&[EntryKind::Supplement])?;
    if as_json {
        let mut all: Vec<serde_json::Value> = history
            .iter()
            .map(|h| {
                json!({
                    "seq": h.entry.seq,
                    "id": h.entry.id,
                    "kind": h.entry.kind,
                    "wall_ms": h.entry.wall_ms,
                    "mono_ms": h.entry.mono_ms,
                    "gnss_ms": h.entry.gnss_ms,
                    "cell": h.entry.cell,
                    "hash": h.entry.hash,
                    "prev_hash": h.entry.prev_hash,
                    "record": h.entry.record().ok(),
                    "corrected_by": h.corrected_by,
                    "withdrawn_by": h.withdrawn_by,
                })
            })
            .collect();
        for s in &supplements {
            all.push(json!({
                "seq": s.seq, "id": s.id, "kind": s.kind, "wall_ms": s.wall_ms, "mono_ms": s.mono_ms,
                "gnss_ms": s.gnss_ms, "cell": s.cell, "hash": s.hash, "prev_hash": s.prev_hash,
                "record": s.record().ok(),
            }));
        }
        all.sort_by_key(|v| v["seq"].as_u64());
        outln!("{}", serde_json::to_string_pretty(&all)?)?;
        return Ok(());
    }
    let mut lines: Vec<(u64, String)> = history
        .iter()
        .map(|h| {
            let mut note = summary(&h.entry.record().ok());
            if let Some(w) = h.withdrawn_by {
                note.push_str(&format!("  [withdrawn by seq {w}]"));
            } else if let Some(c) = h.corrected_by.last() {
                note.push_str(&format!("  [corrected by seq {c}]"));
            }
            (
                h.entry.seq,
                line(
                    h.entry.seq,
                    h.entry.wall_ms,
                    h.entry.kind,
                    h.entry.cell.as_ref(),
                    &note,
                    tz,
                ),
            )
        })
        .collect();
    for s in &supplements {
        let note = match s.record() {
            Ok(Record::Supplement(x)) => format!(
                "{} seq {}: {}",
                if x.correction.is_some() {
                    "corrects"
                } else {
                    "withdraws"
                },
                x.target_seq,
                x.reason
            ),
            _ => String::new(),
        };
        lines.push((
            s.seq,
            line(s.seq, s.wall_ms, s.kind, s.cell.as_ref(), &note, tz),
        ));
    }
    lines.sort_by_key(|l| l.0);
    for (_, l) in lines {
        outln!("{l}")?;
    }
    Ok(())
}

fn line(
    seq: u64,
    wall_ms: i64,
    kind: EntryKind,
    cell: Option<&patrol_model::CellId>,
    note: &str,
    tz: chrono_tz::Tz,
) -> String {
    let t = local_time(wall_ms, tz);
    let cell = cell.map_or("-", |c| c.as_str());
    format!("{seq:>6}  {t}  {:<16} {cell:<10} {note}", kind.as_str())
}

fn local_time(wall_ms: i64, tz: chrono_tz::Tz) -> String {
    tz.timestamp_millis_opt(wall_ms).single().map_or_else(
        || wall_ms.to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    )
}

fn summary(r: &Option<Record>) -> String {
    match r {
        Some(Record::PatrolStarted(s)) => format!("{} {} patrol {}", s.group, s.mode, s.patrol_id),
        Some(Record::PatrolStopped(s)) => format!("patrol {}", s.patrol_id),
        Some(Record::TrackSegment(t)) => format!("{} fixes", t.fixes.len()),
        Some(Record::Violation(v)) => {
            let plate = v.plate.as_ref().map_or(String::new(), |p| format!(" {p}"));
            format!("{}{plate}", v.violation)
        }
        Some(Record::LostPerson(l)) => format!("{}: {}", l.outcome, l.description),
        Some(Record::TrafficAccident(a)) => format!("{} vehicles", a.vehicles.len()),
        Some(Record::Assistance(a)) => format!("{}: {}", a.kind, a.description),
        Some(Record::Incident(i)) => format!("{}: {}", i.kind, i.description),
        Some(Record::PostArrived(p)) => format!("arrived {}", p.post_id),
        Some(Record::PostLeft(p)) => format!("left {}", p.post_id),
        Some(Record::Supplement(_)) => String::new(),
        Some(Record::TrackGap(g)) => format!(
            "no fixes for {} s ({}) on patrol {}",
            (g.to_ms - g.from_ms) / 1000,
            g.cause,
            g.patrol_id
        ),
        Some(Record::DispatchStep(d)) => {
            let detail = d
                .outcome
                .map(|o| o.slug().to_owned())
                .or_else(|| d.reason.clone())
                .map_or(String::new(), |x| format!(": {x}"));
            format!("{} dispatch {}{detail}", d.step, d.dispatch_id)
        }
        None => "(payload does not decode)".into(),
    }
}

/// Every patrol's route as sealed in the ledger (withdrawn segments left out).
pub fn export_tracks(
    store: &Store,
    only: Option<PatrolId>,
) -> Result<Vec<patrol_gpx::ExportTrack>> {
    let standing = store.standing(&[EntryKind::PatrolStarted, EntryKind::TrackSegment])?;
    let mut order: Vec<PatrolId> = Vec::new();
    let mut names: BTreeMap<PatrolId, String> = BTreeMap::new();
    let mut fixes: BTreeMap<PatrolId, Vec<Vec<PositionFix>>> = BTreeMap::new();
    for e in &standing {
        match &e.record {
            Record::PatrolStarted(s) => {
                order.push(s.patrol_id);
                names.insert(
                    s.patrol_id,
                    format!("{} {} {}", s.group, s.mode, s.patrol_id),
                );
            }
            Record::TrackSegment(t) => fixes.entry(t.patrol_id).or_default().push(t.fixes.clone()),
            _ => {}
        }
    }
    if let Some(p) = only {
        if !order.contains(&p) {
            bail!("no patrol {p} in this ledger");
        }
        order.retain(|x| *x == p);
    }
    Ok(order
        .into_iter()
        .map(|p| patrol_gpx::ExportTrack {
            name: names.remove(&p).unwrap_or_default(),
            description: Some(format!("patrol {p}")),
            segments: fixes.remove(&p).unwrap_or_default(),
        })
        .collect())
}

pub fn status(store: &Store, as_json: bool) -> Result<()> {
    let open = store.open_patrol()?;
    // The same live view the app shows (distance through the accuracy gate, cell, fixes).
    let live = store.live_patrol()?.map(|(v, _)| v);
    let (buffered, distance_m) = live
        .as_ref()
        .map_or((0, 0.0), |v| (v.buffered, v.distance_m));
    let (head, hash) = store.head()?;
    let outbox = store.outbox_counts()?;
    let today = store.today()?;
    let tally = store.day_tally(today)?;
    let duty = store.post_duty(today)?;
    let enrollment = store.enrollment()?;
    let receipt = patrol_sync::last_receipt(store)?;
    let quarantined = store.quarantined()?;
    if as_json {
        let v = json!({
            "device_id": store.device_id(),
            "open_patrol": open,
            "live_patrol": live,
            "buffered_fixes": buffered,
            "distance_m": distance_m,
            "head": { "seq": head, "hash": hash },
            "outbox": outbox,
            "unsynced": outbox.pending,
            "today": tally,
            "post_duty": duty,
            "enrollment": {
                "enrolled": enrollment.is_some(),
                "hq_url": enrollment.as_ref().map(|e| &e.hq_url),
                "device_name": enrollment.as_ref().map(|e| &e.device_name),
            },
            "last_receipt": receipt.as_ref().map(|r| &r.0),
            "last_sync_ms": receipt.as_ref().map(|r| r.1),
            "quarantined": quarantined,
        });
        outln!("{}", serde_json::to_string_pretty(&v)?)?;
        return Ok(());
    }
    outln!("device      {}", store.device_id())?;
    match &open {
        Some(p) => outln!(
            "patrol      {} ({} {}), {buffered} fixes buffered",
            p.patrol_id,
            p.group,
            p.mode
        )?,
        None => outln!("patrol      none running")?,
    }
    outln!("ledger      {head} entries, head {}", &hash.to_hex()[..16])?;
    outln!(
        "unsynced    {} pending, {} acknowledged by HQ, {} quarantined",
        outbox.pending,
        outbox.acked,
        outbox.quarantined
    )?;
    for q in &quarantined {
        outln!("  quarantined seq {} ({}): {}", q.seq, q.code, q.reason)?;
    }
    match &enrollment {
        Some(e) => outln!("hq          {} (enrolled as {})", e.hq_url, e.device_name)?,
        None => outln!("hq          not enrolled (patrol enroll --hq URL --code CODE)")?,
    }
    match &receipt {
        Some((r, at)) => outln!(
            "last sync   {}: {}",
            local_time(*at, store.timezone()?),
            patrol_sync::receipt_summary(r)
        )?,
        None => outln!("last sync   never")?,
    }
    outln!("today       {today}")?;
    for (t, n) in &tally.violations {
        outln!("  {:<18} {n}", t.slug())?;
    }
    if tally.seized_items > 0 {
        outln!("  seized items       {}", tally.seized_items)?;
    }
    for d in duty
        .iter()
        .filter(|d| d.on_post || d.windows.iter().any(|w| w.minutes_on_post > 0.0))
    {
        let mins: Vec<String> = d
            .windows
            .iter()
            .map(|w| format!("{:.0} min", w.minutes_on_post))
            .collect();
        outln!(
            "  post {} {}{}: {}",
            d.post_id,
            d.name,
            if d.on_post { " (on post)" } else { "" },
            mins.join(", ")
        )?;
    }
    Ok(())
}

/// `patrol sync`: the receipt on stdout, progress and counts on stderr. Exit 0 when HQ holds
/// everything, 1 when the sync failed or left something behind, 3 when the ledger is broken, 4
/// when the queue is stuck.
/// `patrol dispatch list`.
pub fn dispatches(store: &Store, as_json: bool) -> Result<()> {
    let cards = store.dispatches()?;
    if as_json {
        outln!("{}", serde_json::to_string_pretty(&cards)?)?;
        return Ok(());
    }
    if cards.is_empty() {
        eprintln!("no dispatches on this device (sync to pull new ones)");
    }
    let tz = store.timezone()?;
    let at = |ms: Option<i64>| ms.map_or("-".to_owned(), |t| local_time(t, tz));
    for c in &cards {
        let o = &c.order;
        outln!(
            "{}  {}  tier {}  {:<16} {:<10} {}",
            o.id,
            local_time(o.call_ms, tz),
            o.tier,
            o.kind.slug(),
            c.state.slug(),
            o.address.as_deref().unwrap_or("")
        )?;
        outln!(
            "    target {:.5},{:.5} (within {:.0} m)  accepted {}  on scene {}  cleared {}{}",
            o.target.lat,
            o.target.lon,
            o.radius_m,
            at(c.steps.accepted_ms),
            at(c.steps.on_scene_ms),
            at(c.steps.cleared_ms),
            c.withdrawn
                .as_deref()
                .map(|r| format!("  withdrawn by HQ: {r}"))
                .unwrap_or_default()
        )?;
    }
    Ok(())
}

/// `patrol export bundle FILE` (written whole or not at all).
pub fn export_bundle(store: &Store, file: &std::path::Path) -> Result<()> {
    if store.enrollment()?.is_none() {
        return Err(patrol_sync::Error::NotEnrolled.into());
    }
    let Some(secret) = store.device_secret()? else {
        bail!(
            "this store does not hold the device secret (the app keeps it in the phone's \
             keystore): export from the app, or enrol this store with `patrol enroll`"
        )
    };
    let m = patrol_sync::bundle::export_to_file(store, &secret, file)?;
    let n = m.entry_count();
    outln!("{}", file.display())?;
    eprintln!(
        "wrote {}: {n} entries (seq {}..={}) and {} photos for HQ at {}; at the station: \
         patrol-hq import bundle FILE",
        file.display(),
        m.from_seq,
        m.to_seq,
        m.photos.len(),
        m.hq_url
    );
    Ok(())
}

pub fn sync(store: &mut Store) -> Result<ExitCode> {
    let result = patrol_sync::blocking::sync(store, |p| match p {
        patrol_sync::Progress::Retrying { wait, error, .. } => {
            eprintln!("retrying in {:.1} s: {error}", wait.as_secs_f64())
        }
        patrol_sync::Progress::Reference {
            cells,
            posts,
            groups,
            removed,
        } => eprintln!(
            "reference data updated: {cells} cells, {posts} posts, {groups} groups, {removed} removed"
        ),
        patrol_sync::Progress::Dispatches { new } => {
            eprintln!("{new} new dispatch(es) from HQ: see `patrol dispatch list`")
        }
        patrol_sync::Progress::MapPack { have, total } => {
            eprintln!("map pack: {have} of {total} bytes")
        }
        _ => {}
    });
    let report = match result {
        Ok(r) => r,
        Err(e) => {
            let pending = store.outbox_counts()?.pending;
            eprintln!("patrol: sync failed: {e}");
            let last = match patrol_sync::last_receipt(store)? {
                Some((r, at)) => format!(
                    "last receipt {}: {}",
                    local_time(at, store.timezone()?),
                    patrol_sync::receipt_summary(&r)
                ),
                None => "no receipt from HQ yet".into(),
            };
            let wait = if pending == 1 {
                "entry waits"
            } else {
                "entries wait"
            };
            outln!("not synced: {pending} {wait} on this device; {last}")?;
            let code = if e.kind() == "chain_broken" { 3 } else { 1 };
            return Ok(ExitCode::from(code));
        }
    };
    outln!("{report}")?;
    eprintln!(
        "sent: {} new entries, {} already at HQ, {} photos; {} requests, {} retried",
        report.uploaded, report.duplicates, report.photos_uploaded, report.attempts, report.retries
    );
    Ok(if report.stuck.is_some() {
        ExitCode::from(4)
    } else if report.is_clean() {
        ExitCode::SUCCESS
    } else {
        // Problems, or entries or photos still waiting.
        ExitCode::from(1)
    })
}
