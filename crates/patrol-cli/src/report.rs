//! Building records from command-line input: flags for the quick violation tally, JSON files
//! for every report kind. Every value is validated before anything is written.

use anyhow::{Context, Result, bail};
use patrol_device::Store;
use patrol_model::report::{Filled, ReportKind, build_report};
use patrol_model::{PatrolId, Record, ViolationTally};
use std::path::Path;

/// Report kinds as typed on the command line.
pub const KINDS: &str = "violation, lost-person, accident, assistance, incident";

pub fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("{} is not valid JSON", path.display()))
}

/// Parse a report body of `kind` from JSON, filling in the running patrol when absent — the
/// core's one way to build a report (`patrol_model::report`), as the app does.
pub fn from_json(
    kind: &str,
    body: serde_json::Value,
    patrol: Option<PatrolId>,
    file: &Path,
) -> Result<Record> {
    let kind: ReportKind = kind
        .parse()
        .map_err(|_| anyhow::anyhow!("unknown report kind `{kind}` (expected one of: {KINDS})"))?;
    let filled = Filled {
        patrol_id: patrol,
        at: None,
    };
    build_report(kind, body, filled)
        .with_context(|| format!("{}: not a valid {kind} report", file.display()))
}

/// The one-tap violation tally from flags.
pub fn violation_from_flags(
    store: &Store,
    a: &crate::args::ReportArgs,
    patrol: Option<PatrolId>,
) -> Result<Record> {
    let Some(t) = &a.violation_type else {
        bail!("report violation needs --type TYPE or --json FILE");
    };
    // Parse every flag before storing any photo, so bad input writes nothing.
    let violation = crate::run::slug("--type", t)?;
    let plate = a.plate.as_deref().map(str::parse).transpose()?;
    let vehicle = a
        .vehicle
        .as_deref()
        .map(|v| crate::run::slug("--vehicle", v))
        .transpose()?;
    let mut photos = Vec::new();
    for path in &a.photos {
        photos.push(add_photo(store, path)?);
    }
    Ok(Record::Violation(ViolationTally {
        patrol_id: patrol,
        violation,
        plate,
        vehicle,
        seized_items: a.seized,
        photos,
        at: crate::run::at(&a.at),
        note: a.note.clone(),
    }))
}

pub fn add_photo(store: &Store, path: &Path) -> Result<patrol_model::PhotoRef> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    store
        .add_photo(&bytes)
        .with_context(|| path.display().to_string())
}
