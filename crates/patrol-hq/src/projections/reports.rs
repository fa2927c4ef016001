//! The reports table as CSV: one row per standing report or post check-in/out.

use super::{Standing, standing};
use crate::storage::{EntryKey, StoredEntry};
use chrono::{SecondsFormat, TimeZone};
use chrono_tz::Tz;
use patrol_model::{DeviceId, EntryId, EntryKind, PatrolId, Record};
use serde::Serialize;
use std::collections::HashMap;

/// The CSV header, in column order.
///
/// - `kind`: the entry kind (`violation`, `lost_person`, `traffic_accident`, `assistance`,
///   `incident`, `post_arrived`, `post_left`).
/// - `local_time`: the entry's event time, RFC 3339 with the offset of the time zone given.
/// - `type`: the violation type, assistance or incident kind slug; for an accident the vehicle
///   kinds, `;`-separated.
/// - `post_id`: for check-ins and check-outs.
/// - `plate`: the violation's plate; for an accident the plates, `;`-separated.
/// - `summary`: the free text — note or description (with identifying code, place and hand-over
///   for a lost person, the value for an incident, `injuries` for an accident with injuries,
///   the evidence source for a post).
/// - `outcome`: the outcome slug (lost person, incident), slugs `;`-separated (accident) or the
///   officer's text (assistance).
/// - `flags`: the clock flags, `;`-separated. `corrected`: `true` when a supplement corrected
///   the entry (the row shows the corrected record).
pub const REPORT_COLUMNS: [&str; 15] = [
    "device_id",
    "seq",
    "entry_id",
    "kind",
    "local_time",
    "cell",
    "patrol_id",
    "type",
    "post_id",
    "plate",
    "summary",
    "outcome",
    "seized_items",
    "flags",
    "corrected",
];

/// Every standing report among `entries` as CSV (UTF-8, header first, rows in event-time order,
/// times in `tz`). Withdrawn entries are left out; corrected ones show the corrected record.
/// Patrol starts/stops and track segments are not reports and have no rows.
///
/// Text typed by officers that a spreadsheet would read as a formula (starting with `=`, `+`,
/// `-`, `@`, tab or carriage return) is prefixed with `'`. No byte-order mark is written: add
/// one when serving the file to Excel.
pub fn reports_csv(entries: &[StoredEntry], supplements: &[StoredEntry], tz: Tz) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(REPORT_COLUMNS)
        .expect("writing CSV to memory cannot fail");
    for e in standing(entries, supplements) {
        if let Some(row) = row(&e, tz) {
            w.write_record(&row)
                .expect("writing CSV to memory cannot fail");
        }
    }
    let bytes = w.into_inner().expect("writing CSV to memory cannot fail");
    String::from_utf8(bytes).expect("CSV of UTF-8 strings is UTF-8")
}

/// A supplement that changed a report, for its history.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportHistory {
    /// The supplement's seq in the same device's ledger.
    pub seq: u64,
    /// `correction` (补充详情: details added or corrected).
    pub kind: String,
    /// When the officer added it (HQ's estimate), when HQ holds it.
    pub at_ms: Option<i64>,
}

/// One standing report for the command-centre page: the CSV's columns (as typed, no
/// spreadsheet escaping), plus the group, photos, history and the record itself.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReportItem {
    pub device_id: String,
    pub seq: u64,
    pub entry_id: String,
    pub kind: String,
    pub local_time: String,
    pub event_ms: i64,
    pub cell: Option<String>,
    pub patrol_id: Option<String>,
    /// The group of its patrol, when the patrol's start is among the entries read.
    pub group: Option<String>,
    #[serde(rename = "type")]
    pub kind_type: String,
    pub post_id: String,
    pub plate: String,
    pub summary: String,
    pub outcome: String,
    pub seized_items: String,
    pub flags: Vec<String>,
    pub corrected: bool,
    /// SHA-256 of each photo (`GET /api/v1/photos/{sha256}`).
    pub photos: Vec<String>,
    pub history: Vec<ReportHistory>,
    /// The record as it stands (after corrections).
    #[schema(value_type = std::collections::HashMap<String, serde_json::Value>)]
    pub record: serde_json::Value,
}

/// Every standing report among `entries` (as [`reports_csv`] has them), with `group_of` naming
/// the group of each patrol.
pub fn report_items(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    tz: Tz,
    group_of: &HashMap<PatrolId, String>,
) -> Vec<ReportItem> {
    let when = supplement_times(entries, supplements);
    standing(entries, supplements)
        .into_iter()
        .filter_map(|e| item(e, tz, group_of, &when))
        .collect()
}

/// What the reports list is narrowed to: an entry kind (`violation`, …), a patrol group, a grid
/// cell. `None` keeps every one.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReportFilter<'q> {
    pub kind: Option<&'q str>,
    pub group: Option<&'q str>,
    pub cell: Option<&'q str>,
}

/// Where a page of the reports list sorts: event time, device, seq.
pub type ReportKey = (i64, DeviceId, u64);

/// One page of the standing reports among `entries` that `filter` keeps, newest first (by
/// [`ReportKey`], descending), older than `before` when given: at most `limit` items, the
/// number kept by the filter over all pages, and whether an older page follows. The same items
/// as [`report_items`] then filtered, but only the page's are built: a city's day holds tens
/// of thousands.
pub fn report_page(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
    tz: Tz,
    group_of: &HashMap<PatrolId, String>,
    filter: ReportFilter<'_>,
    before: Option<ReportKey>,
    limit: usize,
) -> (usize, Vec<ReportItem>, bool) {
    let mut kept: Vec<Standing<'_>> = standing(entries, supplements)
        .into_iter()
        .filter(|e| {
            let s = e.stored;
            is_report(&e.record)
                && filter.kind.is_none_or(|k| s.entry.kind.as_str() == k)
                && filter
                    .cell
                    .is_none_or(|c| s.entry.cell.as_ref().map(|c| c.as_str()) == Some(c))
                && filter.group.is_none_or(|g| {
                    e.record
                        .patrol_id()
                        .and_then(|p| group_of.get(&p))
                        .is_some_and(|mine| mine == g)
                })
        })
        .collect();
    let total = kept.len();
    let key = |e: &Standing<'_>| (e.event_ms(), e.device_id(), e.seq());
    kept.retain(|e| before.is_none_or(|b| key(e) < b));
    kept.sort_unstable_by_key(|e| std::cmp::Reverse(key(e)));
    let more = kept.len() > limit;
    kept.truncate(limit);
    let when = supplement_times(entries, supplements);
    let items = kept
        .into_iter()
        .filter_map(|e| item(e, tz, group_of, &when))
        .collect();
    (total, items, more)
}

/// The kinds the reports list shows: every record but patrol starts and stops, track segments
/// and gaps, and supplements (as [`is_report`] says of a record).
pub const REPORT_KINDS: &[EntryKind] = &[
    EntryKind::Violation,
    EntryKind::LostPerson,
    EntryKind::TrafficAccident,
    EntryKind::Assistance,
    EntryKind::Incident,
    EntryKind::PostArrived,
    EntryKind::PostLeft,
    EntryKind::DispatchStep,
];

/// [`report_page`] without reading a payload of the window: which of `keys` (a window's
/// unquarantined entries, [`crate::storage::Storage::entry_keys_between`]) make up the page,
/// with the total and whether an older page follows. `supplements` are at least those naming
/// one of `keys` (HQ passes just those); only they are decoded. The page's entries, read by their keys and
/// given to [`report_page`] with the same filter and no cursor, give the page's items: the
/// same total, items and `more` as [`report_page`] over the whole window.
///
/// A supplement acts as [`patrol_model::apply_supplements`] has it: on an earlier entry of its
/// own device whose id it names; a correction of the same kind replaces the record (so it may
/// name another patrol, and with it another group), one of another kind is ignored, and a
/// withdrawal takes the entry off the list.
pub fn report_page_keys(
    keys: &[EntryKey],
    supplements: &[StoredEntry],
    group_of: &HashMap<PatrolId, String>,
    filter: ReportFilter<'_>,
    before: Option<ReportKey>,
    limit: usize,
) -> (usize, Vec<(DeviceId, u64)>, bool) {
    // What each supplement does, by the entry it names, in ledger order.
    type Effect = (u64, EntryId, Option<Record>);
    let mut effects: HashMap<(DeviceId, u64), Vec<Effect>> = HashMap::new();
    for s in supplements
        .iter()
        .filter(|s| s.quarantine.is_none() && s.entry.kind == EntryKind::Supplement)
    {
        if let Ok(Record::Supplement(sup)) = s.entry.record() {
            effects
                .entry((s.entry.device_id, sup.target_seq))
                .or_default()
                .push((s.entry.seq, sup.target_id, sup.correction.map(|c| *c)));
        }
    }
    for list in effects.values_mut() {
        list.sort_by_key(|e| e.0);
        list.dedup_by_key(|e| e.0);
    }
    let mut kept: Vec<ReportKey> = keys
        .iter()
        .filter(|k| REPORT_KINDS.contains(&k.kind))
        .filter_map(|k| {
            let mut patrol = k.patrol_id;
            for (seq, target_id, correction) in effects
                .get(&(k.device_id, k.seq))
                .map_or(&[][..], Vec::as_slice)
            {
                if *seq <= k.seq || *target_id != k.id {
                    continue;
                }
                match correction {
                    Some(c) if c.kind() == k.kind => patrol = c.patrol_id(),
                    Some(_) => {}
                    None => return None,
                }
            }
            let keep = filter.kind.is_none_or(|want| k.kind.as_str() == want)
                && filter
                    .cell
                    .is_none_or(|c| k.cell.as_ref().map(|c| c.as_str()) == Some(c))
                && filter.group.is_none_or(|g| {
                    patrol
                        .and_then(|p| group_of.get(&p))
                        .is_some_and(|mine| mine == g)
                });
            keep.then_some((k.event_ms, k.device_id, k.seq))
        })
        .collect();
    kept.sort_unstable();
    kept.dedup();
    let total = kept.len();
    if let Some(b) = before {
        kept.truncate(kept.partition_point(|k| *k < b));
    }
    let more = kept.len() > limit;
    let page = kept
        .iter()
        .rev()
        .take(limit)
        .map(|&(_, device, seq)| (device, seq))
        .collect();
    (total, page, more)
}

/// When each supplement was added (HQ's estimate), by device and seq.
fn supplement_times(
    entries: &[StoredEntry],
    supplements: &[StoredEntry],
) -> HashMap<(DeviceId, u64), i64> {
    supplements
        .iter()
        .chain(entries.iter())
        .filter(|s| s.entry.kind == patrol_model::EntryKind::Supplement)
        .map(|s| ((s.entry.device_id, s.entry.seq), s.event_ms))
        .collect()
}

/// A record the reports list shows (what [`detail`] describes).
fn is_report(record: &Record) -> bool {
    !matches!(
        record,
        Record::PatrolStarted(_)
            | Record::PatrolStopped(_)
            | Record::TrackSegment(_)
            | Record::TrackGap(_)
            | Record::Supplement(_)
    )
}

/// A standing report as the page shows it; `None` for what is not a report.
fn item(
    e: Standing<'_>,
    tz: Tz,
    group_of: &HashMap<PatrolId, String>,
    when: &HashMap<(DeviceId, u64), i64>,
) -> Option<ReportItem> {
    let d = detail(&e.record)?;
    let s = e.stored;
    let patrol = e.record.patrol_id();
    Some(ReportItem {
        device_id: s.entry.device_id.to_string(),
        seq: s.entry.seq,
        entry_id: s.entry.id.to_string(),
        kind: s.entry.kind.as_str().to_owned(),
        local_time: tz
            .timestamp_millis_opt(s.event_ms)
            .single()
            .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
            .unwrap_or_default(),
        event_ms: s.event_ms,
        cell: s.entry.cell.as_ref().map(|c| c.as_str().to_owned()),
        patrol_id: patrol.map(|p| p.to_string()),
        group: patrol.and_then(|p| group_of.get(&p).cloned()),
        kind_type: d.kind_type,
        post_id: d.post_id,
        plate: d.plate,
        summary: d.summary,
        outcome: d.outcome,
        seized_items: d.seized_items,
        flags: s.flags.iter().map(|f| f.as_str().to_owned()).collect(),
        corrected: e.corrected,
        photos: e.record.photos().iter().map(|p| p.sha256.clone()).collect(),
        history: e
            .corrected_by
            .iter()
            .map(|seq| ReportHistory {
                seq: *seq,
                kind: "correction".into(),
                at_ms: when.get(&(s.entry.device_id, *seq)).copied(),
            })
            .collect(),
        record: serde_json::to_value(&e.record).unwrap_or_default(),
    })
}

/// Columns that differ by kind.
#[derive(Default)]
struct Detail {
    kind_type: String,
    post_id: String,
    plate: String,
    summary: String,
    outcome: String,
    seized_items: String,
}

fn row(e: &Standing<'_>, tz: Tz) -> Option<Vec<String>> {
    let d = detail(&e.record)?;
    let s = e.stored;
    let local_time = tz
        .timestamp_millis_opt(s.event_ms)
        .single()
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
        .unwrap_or_default();
    Some(vec![
        s.entry.device_id.to_string(),
        s.entry.seq.to_string(),
        s.entry.id.to_string(),
        s.entry.kind.as_str().to_owned(),
        local_time,
        safe(s.entry.cell.as_ref().map(|c| c.as_str()).unwrap_or("")),
        e.record
            .patrol_id()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        d.kind_type,
        safe(&d.post_id),
        safe(&d.plate),
        safe(&d.summary),
        safe(&d.outcome),
        d.seized_items,
        s.flags
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join(";"),
        e.corrected.to_string(),
    ])
}

fn detail(record: &Record) -> Option<Detail> {
    Some(match record {
        Record::Violation(v) => Detail {
            kind_type: v.violation.slug().to_owned(),
            plate: v.plate.as_ref().map(|p| p.to_string()).unwrap_or_default(),
            summary: v.note.clone().unwrap_or_default(),
            seized_items: v.seized_items.to_string(),
            ..Detail::default()
        },
        Record::LostPerson(l) => Detail {
            summary: join(
                " / ",
                [
                    Some(l.description.as_str()),
                    l.identifying_code.as_deref(),
                    l.found_place.as_deref(),
                    l.handed_to.as_deref(),
                ],
            ),
            outcome: l.outcome.slug().to_owned(),
            ..Detail::default()
        },
        Record::TrafficAccident(a) => Detail {
            kind_type: join(";", a.vehicles.iter().map(|v| Some(v.kind.slug()))),
            plate: join(
                ";",
                a.vehicles
                    .iter()
                    .map(|v| v.plate.as_ref().map(|p| p.as_str())),
            ),
            summary: join(" / ", [a.injuries.then_some("injuries"), a.note.as_deref()]),
            outcome: join(";", a.outcomes.iter().map(|o| Some(o.slug()))),
            ..Detail::default()
        },
        Record::Assistance(a) => Detail {
            kind_type: a.kind.slug().to_owned(),
            summary: a.description.clone(),
            outcome: a.outcome.clone().unwrap_or_default(),
            ..Detail::default()
        },
        Record::Incident(i) => {
            let value = i.value_yuan.map(|v| format!("{v} yuan"));
            Detail {
                kind_type: i.kind.slug().to_owned(),
                summary: join(" / ", [Some(i.description.as_str()), value.as_deref()]),
                outcome: i.outcome.slug().to_owned(),
                ..Detail::default()
            }
        }
        Record::PostArrived(p) => Detail {
            post_id: p.post_id.to_string(),
            summary: p.evidence.source.clone(),
            ..Detail::default()
        },
        Record::PostLeft(p) => Detail {
            post_id: p.post_id.to_string(),
            summary: p.evidence.source.clone(),
            ..Detail::default()
        },
        Record::DispatchStep(d) => Detail {
            kind_type: d.step.slug().to_owned(),
            summary: join(
                " / ",
                [
                    Some(d.dispatch_id.to_string().as_str()),
                    d.reason.as_deref(),
                ],
            ),
            outcome: d.outcome.map(|o| o.slug().to_owned()).unwrap_or_default(),
            ..Detail::default()
        },
        Record::PatrolStarted(_)
        | Record::PatrolStopped(_)
        | Record::TrackSegment(_)
        | Record::TrackGap(_)
        | Record::Supplement(_) => return None,
    })
}

/// The present, non-empty parts joined by `sep`.
fn join<'a>(sep: &str, parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    parts
        .into_iter()
        .flatten()
        .filter(|p| !p.trim().is_empty())
        .collect::<Vec<_>>()
        .join(sep)
}

/// Defuse spreadsheet formulas in free text (CSV injection).
fn safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}
