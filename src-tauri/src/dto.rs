//! The JSON the web view receives, shaped as docs/app-api.md's types (`Saved`, `Home`,
//! `HistoryItem`, `Receipt`, …), and the conversions from the core's types. Conversions only:
//! every figure here was computed by the core (`views`, `patrol-geo`, `patrol-sync`).

use patrol_device::views::DayTally;
use patrol_device::{Quarantined, Store};
use patrol_model::{
    CellId, Effective, Entry, EntryId, EntryKind, GroupId, PatrolId, PatrolMode, PositionFix,
    Record,
};
use patrol_sync::{Progress, SyncReport};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Returned once the commit returned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Saved {
    pub seq: u64,
    pub kind: EntryKind,
    pub id: EntryId,
    /// Added to the contract: something the officer should know about what was saved anyway
    /// (the core's `patrol_device::Warning`, e.g. a group not in the reference data).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl From<&Entry> for Saved {
    fn from(e: &Entry) -> Self {
        Saved {
            seq: e.seq,
            kind: e.kind,
            id: e.id,
            warning: None,
        }
    }
}

impl From<patrol_device::Started> for Saved {
    fn from(s: patrol_device::Started) -> Self {
        Saved {
            warning: s.warning.map(|w| w.to_string()),
            ..Saved::from(&s.entry)
        }
    }
}

impl From<Entry> for Saved {
    fn from(e: Entry) -> Self {
        Saved::from(&e)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct OpenPatrol {
    pub patrol_id: PatrolId,
    pub group: GroupId,
    pub mode: PatrolMode,
    pub started_ms: i64,
    /// Distance covered so far (`Store::patrol_distance_m`: event-time order, fixes worse than
    /// the city's accuracy gate left out), to 0.1 m.
    pub distance_m: f64,
    pub fixes: usize,
    /// Grid cell of the latest fix.
    pub cell: Option<CellId>,
    pub last_fix: Option<PositionFix>,
}

impl OpenPatrol {
    /// The running patrol with its route figures, or `None` (the core's live view).
    pub fn of(store: &Store) -> patrol_device::Result<Option<(OpenPatrol, Vec<PositionFix>)>> {
        Ok(store.live_patrol()?.map(|(v, fixes)| {
            let view = OpenPatrol {
                patrol_id: v.patrol_id,
                group: v.group,
                mode: v.mode,
                started_ms: v.started_ms,
                distance_m: v.distance_m,
                fixes: v.fixes,
                cell: v.cell,
                last_fix: v.last_fix,
            };
            (view, fixes)
        }))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Home {
    pub device_id: patrol_model::DeviceId,
    pub enrolled: bool,
    pub hq_url: Option<String>,
    pub device_name: Option<String>,
    pub open_patrol: Option<OpenPatrol>,
    pub unsynced: u64,
    pub quarantined: u64,
    pub today: DayTally,
    pub drafts: usize,
    pub last_sync_ms: Option<i64>,
    pub city_loaded: bool,
    pub position_source: &'static str,
    /// Added to the contract: what the check after an unclean shutdown found, if anything.
    pub ledger_problem: Option<String>,
    /// The position's health: tracking state, accuracy, age of the last fix, level.
    pub gps: patrol_model::GpsHealth,
}

/// The live map: the running patrol and its route simplified for drawing (never stored).
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct LivePatrol {
    pub patrol: OpenPatrol,
    pub route: Vec<[f64; 2]>,
    /// The position's health (as on Home).
    pub gps: patrol_model::GpsHealth,
}

/// Route simplification tolerance for the live map, metres.
pub const DISPLAY_TOLERANCE_M: f64 = 5.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum SyncState {
    Pending,
    Acked,
    Quarantined,
}

#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct HistoryItem {
    pub seq: u64,
    pub id: EntryId,
    /// `kind` and `record`: the record as it stands (corrections applied), typed by its kind.
    #[serde(flatten)]
    pub record: HistoryRecord,
    pub wall_ms: i64,
    pub cell: Option<CellId>,
    pub corrected_by: Vec<u64>,
    pub withdrawn_by: Option<u64>,
    pub sync: SyncState,
}

/// An entry's record as the history reads it: `kind` (the entry kind's slug) says which type
/// `record` is, so the UI narrows on `kind` instead of guessing at JSON. Track segments are
/// summarized (a count of fixes and their times) so a long shift does not ship every fix.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", content = "record", rename_all = "snake_case")]
pub enum HistoryRecord {
    PatrolStarted(patrol_model::PatrolStart),
    PatrolStopped(patrol_model::PatrolStop),
    TrackSegment(TrackSummary),
    Violation(patrol_model::ViolationTally),
    LostPerson(patrol_model::LostPersonReport),
    TrafficAccident(patrol_model::TrafficAccidentReport),
    Assistance(patrol_model::AssistanceRecord),
    Incident(patrol_model::IncidentReport),
    PostArrived(patrol_model::PostArrival),
    PostLeft(patrol_model::PostDeparture),
    Supplement(patrol_model::Supplement),
    DispatchStep(patrol_model::DispatchStep),
    TrackGap(patrol_model::TrackGap),
}

/// A track segment in the history: how many fixes, from when to when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct TrackSummary {
    pub patrol_id: PatrolId,
    pub fixes: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

impl From<&Record> for HistoryRecord {
    fn from(r: &Record) -> Self {
        match r.clone() {
            Record::PatrolStarted(b) => HistoryRecord::PatrolStarted(b),
            Record::PatrolStopped(b) => HistoryRecord::PatrolStopped(b),
            Record::TrackSegment(t) => {
                let times = t.fixes.iter().filter_map(|f| f.time_ms);
                HistoryRecord::TrackSegment(TrackSummary {
                    patrol_id: t.patrol_id,
                    fixes: t.fixes.len() as u64,
                    first_ms: times.clone().min(),
                    last_ms: times.max(),
                })
            }
            Record::Violation(b) => HistoryRecord::Violation(b),
            Record::LostPerson(b) => HistoryRecord::LostPerson(b),
            Record::TrafficAccident(b) => HistoryRecord::TrafficAccident(b),
            Record::Assistance(b) => HistoryRecord::Assistance(b),
            Record::Incident(b) => HistoryRecord::Incident(b),
            Record::PostArrived(b) => HistoryRecord::PostArrived(b),
            Record::PostLeft(b) => HistoryRecord::PostLeft(b),
            Record::Supplement(b) => HistoryRecord::Supplement(b),
            Record::DispatchStep(b) => HistoryRecord::DispatchStep(b),
            Record::TrackGap(b) => HistoryRecord::TrackGap(b),
        }
    }
}

/// Where HQ stands: entries at or below the last receipt's head are held unless quarantined.
#[derive(Debug, Clone, Default)]
pub struct SyncMarks {
    pub hq_head: u64,
    pub quarantined: BTreeSet<u64>,
}

impl SyncMarks {
    pub fn of(store: &Store) -> patrol_sync::Result<SyncMarks> {
        let hq_head = patrol_sync::last_receipt(store)?.map_or(0, |(r, _)| r.head.seq);
        let quarantined = store.quarantined()?.into_iter().map(|q| q.seq).collect();
        Ok(SyncMarks {
            hq_head,
            quarantined,
        })
    }

    pub fn state(&self, seq: u64) -> SyncState {
        if self.quarantined.contains(&seq) {
            SyncState::Quarantined
        } else if seq <= self.hq_head {
            SyncState::Acked
        } else {
            SyncState::Pending
        }
    }
}

impl HistoryItem {
    pub fn standing(e: &Effective, marks: &SyncMarks) -> HistoryItem {
        HistoryItem {
            seq: e.entry.seq,
            id: e.entry.id,
            record: HistoryRecord::from(&e.record),
            wall_ms: e.entry.wall_ms,
            cell: e.entry.cell.clone(),
            corrected_by: e.corrected_by.clone(),
            withdrawn_by: e.withdrawn_by,
            sync: marks.state(e.entry.seq),
        }
    }

    /// A supplement entry itself (the core's `history` folds supplements into their targets).
    pub fn supplement(
        e: &Entry,
        marks: &SyncMarks,
    ) -> Result<HistoryItem, patrol_model::DecodeError> {
        Ok(HistoryItem {
            seq: e.seq,
            id: e.id,
            record: HistoryRecord::from(&e.record()?),
            wall_ms: e.wall_ms,
            cell: e.cell.clone(),
            corrected_by: Vec::new(),
            withdrawn_by: None,
            sync: marks.state(e.seq),
        })
    }
}

/// docs/app-api.md's `Receipt`.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct Receipt {
    pub hq_head_seq: u64,
    pub entries_held: u64,
    pub photos_held: usize,
    pub pending: u64,
    pub quarantined: Vec<Quarantined>,
    pub stuck: Option<String>,
    pub hq_time_ms: i64,
    /// One-line summary in English, for logs.
    pub text: String,
}

impl From<&SyncReport> for Receipt {
    fn from(r: &SyncReport) -> Self {
        Receipt {
            hq_head_seq: r.receipt.head.seq,
            entries_held: r.receipt.entries_held,
            photos_held: usize::try_from(r.receipt.photo_count()).unwrap_or(usize::MAX),
            pending: r.pending,
            quarantined: r.quarantined.clone(),
            stuck: r.stuck.clone(),
            hq_time_ms: r.receipt.hq_time_ms,
            text: r.to_string().lines().next().unwrap_or_default().to_owned(),
        }
    }
}

impl Receipt {
    /// The last receipt as saved on the device, with today's outbox figures.
    pub fn last(store: &Store) -> patrol_sync::Result<Option<Receipt>> {
        let Some((r, _)) = patrol_sync::last_receipt(store)? else {
            return Ok(None);
        };
        let pending = store.outbox_counts()?.pending;
        let quarantined = store.quarantined()?;
        // The failures counted on the first waiting entry survive a restart; so does "stuck".
        let stuck = store.front_of_queue()?.and_then(|(seq, attempts, error)| {
            patrol_sync::plan::stuck_at_front(
                seq,
                attempts,
                error.as_deref(),
                patrol_sync::plan::STUCK_AFTER,
            )
        });
        let text = format!(
            "{}; pending {pending}; quarantined {}",
            patrol_sync::receipt_summary(&r),
            quarantined.len()
        );
        Ok(Some(Receipt {
            hq_head_seq: r.head.seq,
            entries_held: r.entries_held,
            photos_held: usize::try_from(r.photo_count()).unwrap_or(usize::MAX),
            pending,
            quarantined,
            stuck,
            hq_time_ms: r.hq_time_ms,
            text,
        }))
    }
}

/// docs/app-api.md's `SyncProgress`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct SyncProgress {
    pub phase: &'static str,
    pub sent: u64,
    pub total: u64,
}

impl SyncProgress {
    pub fn phase(phase: &'static str) -> Self {
        SyncProgress {
            phase,
            sent: 0,
            total: 0,
        }
    }

    /// The engine's step as the UI's progress; `None` for steps that change nothing on screen
    /// (a retry keeps the current phase showing).
    pub fn of(p: &Progress) -> Option<SyncProgress> {
        Some(match p {
            Progress::Checked { .. } | Progress::Connected { .. } => Self::phase("connecting"),
            Progress::Reference { .. } => Self::phase("reference"),
            Progress::Uploaded { through, of } => SyncProgress {
                phase: "uploading",
                sent: *through,
                total: *of,
            },
            Progress::Photo { sent, size, .. } => SyncProgress {
                phase: "photos",
                sent: *sent,
                total: *size,
            },
            Progress::Receipt { .. } => Self::phase("receipt"),
            // The map pack's download shows on the sync screen's map row (`map_pack`).
            Progress::Retrying { .. } | Progress::Dispatches { .. } | Progress::MapPack { .. } => {
                return None;
            }
        })
    }
}

/// docs/app-api.md's `Settings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct Settings {
    pub language: String,
    pub hq_url: Option<String>,
}

pub const LANGUAGES: &[&str] = &["zh-CN", "en"];
pub const LANGUAGE_KEY: &str = "language";

#[cfg(test)]
mod tests {
    use super::*;
    use patrol_model::v1;

    /// The sync screen after a restart: the failures counted on the first waiting entry are in
    /// the store, so the last receipt still says the queue is stuck.
    #[test]
    fn a_stuck_queue_is_still_stuck_after_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let clock = std::sync::Arc::new(patrol_model::ManualClock::new(1_764_374_400_000));
        let mut store = Store::open(dir.path(), clock).unwrap();
        let entry = store
            .append(
                &patrol_model::Record::Violation(patrol_model::ViolationTally::new(
                    patrol_model::ViolationType::NoHelmet,
                )),
                patrol_device::Capture::default(),
            )
            .unwrap();
        let receipt = v1::Receipt {
            device_id: store.device_id(),
            head: v1::Head {
                seq: 0,
                hash: patrol_model::Hash::GENESIS,
            },
            entries_held: 0,
            photos: vec![],
            photos_held: 0,
            quarantined: vec![],
            conflicts: vec![],
            skew_ms: 0,
            hq_time_ms: 1_764_374_400_000,
        };
        store
            .save_receipt(&serde_json::to_string(&receipt).unwrap())
            .unwrap();
        assert_eq!(Receipt::last(&store).unwrap().unwrap().stuck, None);
        for _ in 0..patrol_sync::plan::STUCK_AFTER {
            store.bump_attempts(entry.seq, "HQ answered 500").unwrap();
        }
        drop(store);
        let clock = std::sync::Arc::new(patrol_model::ManualClock::new(1_764_374_500_000));
        let store = Store::open(dir.path(), clock).unwrap();
        let stuck = Receipt::last(&store).unwrap().unwrap().stuck.unwrap();
        assert!(
            stuck.contains("seq 1") && stuck.contains("HQ answered 500"),
            "{stuck}"
        );
    }
}
