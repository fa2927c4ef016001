//! The report-count rows equal a full recompute of the day's figures, upload after upload:
//! late uploads of earlier days, corrections and withdrawals (of entries held and of entries in
//! the same upload), flagged entries (a flagged track segment among them) and quarantine.

use super::*;
use crate::model::DayCounts;
use crate::projections::counts::{counts_from_ledger, days_touched, per_day, roll_counts};
use crate::projections::{daily_stats, daily_stats_given};
use crate::storage::flags;
use ViolationType::*;
use VolunteerCategory::*;
use patrol_model::v1::{DailyStats, EntryProblem};
use patrol_model::{
    AssistanceKind, AssistanceRecord, IncidentKind, IncidentOutcome, IncidentReport,
};
use std::collections::BTreeMap;

fn assistance(kind: AssistanceKind) -> Record {
    Record::Assistance(AssistanceRecord {
        patrol_id: None,
        kind,
        description: "群众求助".into(),
        people: 2,
        outcome: None,
        at: None,
    })
}

fn incident(kind: IncidentKind) -> Record {
    Record::Incident(IncidentReport {
        patrol_id: None,
        kind,
        description: "电动车被盗".into(),
        value_yuan: Some(800),
        video_reviewed: false,
        outcome: IncidentOutcome::SuspectCaught,
        at: None,
        photos: vec![],
    })
}

fn lost_person() -> Record {
    Record::LostPerson(patrol_model::LostPersonReport {
        patrol_id: Some(patrol(1)),
        description: "走失老人，佩戴手环".into(),
        identifying_code: None,
        found_at: None,
        found_place: Some("洞庭大道".into()),
        handed_to: None,
        handed_over_at: None,
        outcome: patrol_model::LostPersonOutcome::ReunitedWithFamily,
        photos: vec![],
    })
}

/// HQ as far as the counts go: what it holds, and the rows it keeps.
#[derive(Default)]
struct Held {
    entries: Vec<StoredEntry>,
    rows: BTreeMap<(DeviceId, NaiveDate), DayCounts>,
}

impl Held {
    /// One upload of `batch` (one device's next entries, in seq order), as `plan_counts` and
    /// the commit do it.
    fn upload(&mut self, batch: &[StoredEntry]) {
        let device = batch[0].entry.device_id;
        let first = batch[0].entry.seq;
        let mine: Vec<&StoredEntry> = self
            .entries
            .iter()
            .filter(|e| e.entry.device_id == device)
            .collect();
        let mut held_targets: Vec<StoredEntry> = Vec::new();
        for e in batch.iter().filter(|e| e.quarantine.is_none()) {
            if let Ok(Record::Supplement(s)) = e.entry.record()
                && s.target_seq < first
                && !held_targets.iter().any(|t| t.entry.seq == s.target_seq)
                && let Some(t) = mine.iter().find(|t| t.entry.seq == s.target_seq)
            {
                held_targets.push((*t).clone());
            }
        }
        let held_supplements: Vec<StoredEntry> = mine
            .iter()
            .filter(|e| e.entry.kind == patrol_model::EntryKind::Supplement)
            .map(|e| (*e).clone())
            .collect();
        let existing: Vec<DayCounts> = days_touched(batch, &held_targets, TZ)
            .into_iter()
            .filter_map(|d| self.rows.get(&(device, d)).cloned())
            .collect();
        for r in roll_counts(&existing, batch, &held_targets, &held_supplements, TZ) {
            self.rows.insert((r.device_id, r.day), r);
        }
        self.entries.extend(batch.iter().cloned());
    }

    fn supplements(&self) -> Vec<StoredEntry> {
        self.entries
            .iter()
            .filter(|e| e.entry.kind == patrol_model::EntryKind::Supplement)
            .cloned()
            .collect()
    }

    /// Each day's figures from the rows equal the full recompute, and the rows equal a rebuild
    /// (rows whose counts went back to nothing aside).
    fn check(&self, days: &[NaiveDate], when: &str) {
        let sup = self.supplements();
        let rows: Vec<DayCounts> = self.rows.values().cloned().collect();
        let summed = per_day(&rows);
        for &d in days {
            let want = daily_stats(&self.entries, &sup, None, TZ, d);
            let counted = summed.get(&d).cloned().unwrap_or_default();
            let got = daily_stats_given(&self.entries, &sup, None, TZ, d, None, Some(&counted));
            assert_eq!(got, want, "{when}: {d} from the rows");
        }
        let nothing = |r: &DayCounts| {
            r.counts
                == DailyStats {
                    date: r.day,
                    timezone: TZ.name().to_owned(),
                    ..DailyStats::default()
                }
        };
        let kept: Vec<DayCounts> = rows.into_iter().filter(|r| !nothing(r)).collect();
        assert_eq!(
            kept,
            counts_from_ledger(&self.entries, &sup, TZ),
            "{when}: rows = rebuild"
        );
    }
}

#[test]
fn rows_equal_a_recompute_after_late_uploads_supplements_and_withdrawals() {
    let d0 = day().pred_opt().unwrap();
    let d1 = day();
    let d2 = day().succ_opt().unwrap();
    let days = [d0, d1, d2];
    let mut a = Device::new(1);
    let mut b = Device::new(2);

    // Device A: a motorcycle patrol across midnight with its reports.
    let start_a = a.push(
        at_on(d0, 22, 0),
        start(
            patrol(1),
            PatrolMode::Motorcycle,
            &["张伟", "李强"],
            &[(RedVest, 2)],
        ),
    );
    let helmet = a.push(at_on(d0, 22, 30), violation(NoHelmet, 0));
    let rig = a.push(at_on(d0, 23, 10), violation(UmbrellaRig, 2));
    let mut flagged_seg = a.push(
        at_on(d0, 23, 50),
        segment(patrol(1), &north_route(at_on(d0, 23, 49), 10, 300.0)),
    );
    flagged_seg.flags = vec![flags::GNSS_MISMATCH];
    let lost = a.push(at(0, 20), lost_person());
    let mut skewed = a.push(at(1, 0), assistance(AssistanceKind::MedicalEscort));
    skewed.flags = vec![flags::SKEWED_CLOCK];
    let dispute = a.push(at(2, 0), assistance(AssistanceKind::DisputeResolved));
    let theft = a.push(at(3, 0), incident(IncidentKind::Theft));
    let stop_a = a.push(at(6, 0), stop(patrol(1)));
    let first_a = vec![
        start_a,
        helmet.clone(),
        rig.clone(),
        flagged_seg.clone(),
        lost.clone(),
    ];
    let rest_a = vec![skewed, dispute, theft.clone(), stop_a];

    let mut hq = Held::default();
    hq.upload(&first_a);
    hq.check(&days, "A's first upload");
    hq.upload(&rest_a);
    hq.check(&days, "A's second upload");

    // Device B uploads a day late: yesterday's foot patrol and tallies, a quarantined entry.
    let b_start = b.push(
        at_on(d0, 9, 0),
        start(
            patrol(2),
            PatrolMode::Foot,
            &[],
            &[(GridWorker, 1), (RedVest, 3)],
        ),
    );
    let b_red = b.push(at_on(d0, 9, 30), violation(RedLight, 0));
    let mut b_bad = b.push(at_on(d0, 9, 40), violation(DrunkDriving, 0));
    b_bad.quarantine = Some(EntryProblem::new(b_bad.entry.seq, "photo_missing", "测试"));
    let b_help = b.push(at_on(d0, 10, 0), assistance(AssistanceKind::OtherHelp));
    hq.upload(&[b_start.clone(), b_red.clone(), b_bad, b_help]);
    hq.check(&days, "B's late upload");

    // A corrects a held tally's type, withdraws the held lost person and the flagged segment,
    // and in the same upload records a tally and corrects it at once.
    let fix_rig = a.supplement(at(7, 0), &rig, Some(violation(IllegalPassenger, 0)));
    let no_lost = a.supplement(at(7, 1), &lost, None);
    let no_seg = a.supplement(at(7, 2), &flagged_seg, None);
    let park = a.push(at(7, 3), violation(IllegalParking, 1));
    let fix_park = a.supplement(at(7, 4), &park, Some(violation(Jaywalking, 0)));
    hq.upload(&[fix_rig, no_lost, no_seg, park, fix_park]);
    hq.check(&days, "A's corrections and withdrawals");

    // A corrects the tally again, then withdraws it, and turns the theft into another incident;
    // B corrects its patrol's crew and mode, and records a tally just after the next midnight.
    let again = a.supplement(at(8, 0), &rig, Some(violation(OtherTraffic, 3)));
    hq.upload(&[again]);
    hq.check(&days, "a second correction");
    let gone = a.supplement(at(8, 1), &rig, None);
    let theft_other = a.supplement(at(8, 2), &theft, Some(incident(IncidentKind::Other)));
    hq.upload(&[gone, theft_other]);
    hq.check(&days, "a withdrawal after corrections");
    let crew = b.supplement(
        at(9, 0),
        &b_start,
        Some(start(
            patrol(2),
            PatrolMode::Car,
            &["王芳"],
            &[(GridWorker, 2)],
        )),
    );
    let late_tally = b.push(at_on(d2, 0, 5), violation(NoHelmet, 0));
    hq.upload(&[crew, late_tally]);
    hq.check(&days, "B's crew corrected and a tally of the next day");
    assert!(
        hq.rows.values().any(|r| r.counts.flagged_entries > 0),
        "a flagged entry counted"
    );
    let d1_counts = per_day(&hq.rows.values().cloned().collect::<Vec<_>>())[&d1].clone();
    assert_eq!(
        d1_counts.lost_persons, 0,
        "the withdrawn lost person still counts"
    );
    assert_eq!(d1_counts.violations_by_type.get(&Jaywalking), Some(&1));
    assert_eq!(d1_counts.violations_by_type.get(&IllegalParking), None);
}
