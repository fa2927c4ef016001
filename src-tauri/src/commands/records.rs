//! Recording evidence: a one-tap violation, details added later (a supplement), reports from
//! forms, photos, and corrections. The shell fills in what only it knows — the running patrol,
//! where the officer is — and the core validates and commits.

use super::{non_blank, slug};
use crate::dto::Saved;
use crate::error::{CmdResult, CommandError};
use crate::state::AppState;
use base64::Engine as _;
use patrol_device::Store;
use patrol_model::ValidationCode;
use patrol_model::report::{Filled, ReportKind, build_report};
use patrol_model::{
    EntryKind, LatLon, PhotoRef, Plate, Record, Supplement, VehicleKind, ViolationTally,
};
use tauri::{AppHandle, Runtime, State};

fn plate(field: &str, value: Option<String>) -> CmdResult<Option<Plate>> {
    non_blank(value)
        .map(|p| p.parse::<Plate>())
        .transpose()
        .map_err(|e| CommandError::from(e.at(field)))
}

/// Every photo named must already be in the store (added with `add_photo`).
fn photos_held(store: &Store, photos: &[&PhotoRef]) -> patrol_device::Result<()> {
    photos
        .iter()
        .try_for_each(|p| store.photo(&p.sha256).map(drop))
}

fn here(state: &AppState) -> Option<LatLon> {
    state.capture().position
}

#[tauri::command(rename_all = "snake_case")]
#[allow(clippy::too_many_arguments)] // the contract's fields, each optional
pub fn record_violation<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    r#type: String,
    plate: Option<String>,
    vehicle: Option<String>,
    seized_items: Option<u32>,
    note: Option<String>,
    photos: Option<Vec<PhotoRef>>,
) -> CmdResult<Saved> {
    let capture = state.capture();
    let mut tally = ViolationTally {
        patrol_id: None,
        violation: slug("type", &r#type)?,
        plate: self::plate("plate", plate)?,
        vehicle: non_blank(vehicle)
            .map(|v| slug::<VehicleKind>("vehicle", &v))
            .transpose()?,
        seized_items: seized_items.unwrap_or(0),
        photos: photos.unwrap_or_default(),
        at: capture.position,
        note: non_blank(note),
    };
    let entry = state.commit(&app, |s| -> CmdResult<_> {
        tally.patrol_id = s.open_patrol()?.map(|p| p.patrol_id);
        photos_held(s, &tally.photos.iter().collect::<Vec<_>>())?;
        Ok(s.append(&Record::Violation(tally), capture)?)
    })?;
    Ok(entry.into())
}

/// Details for a violation already tallied: a supplement whose correction is the tally as it
/// stands with the given fields replaced.
#[tauri::command(rename_all = "snake_case")]
#[allow(clippy::too_many_arguments)] // the contract's fields, each optional
pub fn add_violation_details<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    seq: u64,
    plate: Option<String>,
    vehicle: Option<String>,
    seized_items: Option<u32>,
    note: Option<String>,
    photos: Option<Vec<PhotoRef>>,
) -> CmdResult<Saved> {
    let plate = self::plate("plate", plate)?;
    let vehicle = non_blank(vehicle)
        .map(|v| slug::<VehicleKind>("vehicle", &v))
        .transpose()?;
    let entry = state.commit(&app, |s| -> CmdResult<_> {
        let current = s
            .standing(&[EntryKind::Violation])?
            .into_iter()
            .find(|e| e.entry.seq == seq);
        let Some(current) = current else {
            let target = s
                .entry(seq)?
                .ok_or(patrol_device::Error::NoSuchEntry(seq))?;
            return Err(patrol_device::Error::BadSupplement {
                seq,
                reason: format!(
                    "it is a {} (or withdrawn), not a standing violation",
                    target.kind
                ),
            }
            .into());
        };
        let Record::Violation(mut tally) = current.record else {
            unreachable!("standing(&[Violation]) returns violations")
        };
        tally.plate = plate.or(tally.plate);
        tally.vehicle = vehicle.or(tally.vehicle);
        tally.seized_items = seized_items.unwrap_or(tally.seized_items);
        tally.note = non_blank(note).or(tally.note);
        if let Some(photos) = photos {
            tally.photos = photos;
        }
        photos_held(s, &tally.photos.iter().collect::<Vec<_>>())?;
        let supplement = Record::Supplement(Supplement {
            target_id: current.entry.id,
            target_seq: seq,
            reason: "details added".into(),
            correction: Some(Box::new(Record::Violation(tally))),
        });
        Ok(s.append(&supplement, patrol_device::Capture::default())?)
    })?;
    Ok(entry.into())
}

/// Turn a report body into its record with the core's one builder: the running patrol and the
/// current position are filled in when the form left them out.
fn report_record(
    kind: &str,
    body: serde_json::Value,
    patrol: Option<patrol_model::PatrolId>,
    at: Option<LatLon>,
) -> CmdResult<Record> {
    let kind: ReportKind = kind.parse()?;
    if kind == ReportKind::Violation {
        return Err(CommandError::invalid(
            "kind",
            ValidationCode::NotAllowed,
            "a violation is tallied with record_violation, not submitted as a report",
        ));
    }
    Ok(build_report(
        kind,
        body,
        Filled {
            patrol_id: patrol,
            at,
        },
    )?)
}

/// A finished report (`draft_id`: the draft is deleted in the entry's transaction).
#[tauri::command(rename_all = "snake_case")]
pub fn submit_report<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    kind: String,
    body: serde_json::Value,
    draft_id: Option<String>,
) -> CmdResult<Saved> {
    let capture = state.capture();
    let at = here(&state);
    let entry = state.commit(&app, |s| -> CmdResult<_> {
        let patrol = s.open_patrol()?.map(|p| p.patrol_id);
        let record = report_record(kind.trim(), body, patrol, at)?;
        photos_held(s, &record.photos())?;
        Ok(match non_blank(draft_id) {
            Some(id) => s.finalize_draft(&id, &record, capture)?,
            None => s.append(&record, capture)?,
        })
    })?;
    Ok(entry.into())
}

/// Keep a photo (JPEG, PNG, WebP or HEIC) by its SHA-256; idempotent.
#[tauri::command(rename_all = "snake_case")]
pub async fn add_photo(state: State<'_, AppState>, data_base64: String) -> CmdResult<PhotoRef> {
    let b64 = data_base64
        .split_once(";base64,")
        .map_or(data_base64.as_str(), |(_, data)| data);
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(b64.trim())
        .map_err(|e| {
            CommandError::invalid(
                "data_base64",
                ValidationCode::Format,
                format!("is not base64: {e}"),
            )
        })?;
    state.with_store(|s| s.add_photo(&bytes))
}

/// Correct (`correction`: the whole corrected body) or withdraw (`null`) an earlier entry.
#[tauri::command(rename_all = "snake_case")]
pub fn supplement<R: Runtime>(
    app: AppHandle<R>,
    state: State<'_, AppState>,
    seq: u64,
    reason: String,
    correction: Option<serde_json::Value>,
) -> CmdResult<Saved> {
    let entry = state.commit(&app, |s| -> CmdResult<_> {
        let target = s
            .entry(seq)?
            .ok_or(patrol_device::Error::NoSuchEntry(seq))?;
        let correction = match correction {
            None | Some(serde_json::Value::Null) => None,
            Some(body) => Some(Box::new(correction_record(target.kind, body)?)),
        };
        if let Some(c) = &correction {
            photos_held(s, &c.photos())?;
        }
        let record = Record::Supplement(Supplement {
            target_id: target.id,
            target_seq: seq,
            reason: reason.trim().to_owned(),
            correction,
        });
        Ok(s.append(&record, patrol_device::Capture::default())?)
    })?;
    Ok(entry.into())
}

/// The corrected record of an entry of `kind`, from the body the UI sent (the core's builder).
fn correction_record(kind: EntryKind, body: serde_json::Value) -> CmdResult<Record> {
    Ok(patrol_model::report::build_correction(kind, body)?)
}
