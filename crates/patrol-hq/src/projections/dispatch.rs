//! Dispatch, as the command centre sees it: which units to send (ranked by estimated arrival),
//! where each dispatch stands (HQ's own rows for the order and its delivery, the officers'
//! ledgers for their steps), and the day's "1-3-5 minute" figures. Pure, like every projection.

use super::coverage::CoverageModel;
use super::units::UnitPosition;
use crate::model::{DispatchRow, InboxRow};
use crate::storage::StoredEntry;
use patrol_model::v1::DispatchTierStats;
use patrol_model::{
    DeviceId, DispatchId, DispatchKind, DispatchOutcome, DispatchState, LatLon, Record, StepTimes,
    Tier,
};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// How long after sending a unit may take to have the order on the device (else HQ sends it
/// again) and to accept it, before the page flags the dispatch for the operator to reassign.
pub const DEFAULT_ACK_TIMEOUT_MS: i64 = 30_000;

/// A report at HQ: the device and the entry's seq.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, Serialize, utoipa::ToSchema)]
pub struct SourceRef {
    #[schema(value_type = String)]
    pub device_id: DeviceId,
    pub seq: u64,
}

/// One unit HQ could send, with its estimated arrival.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Recommendation {
    #[schema(value_type = String)]
    pub device_id: DeviceId,
    pub unit: UnitPosition,
    /// Straight-line distance from the unit's last fix to the target, metres.
    pub distance_m: f64,
    /// The coverage model's estimate: turnout plus detoured distance over the mode's speed.
    pub eta_s: f64,
    /// How old the position is (ms); the estimate is only as good as this.
    pub position_age_ms: i64,
    /// The position is older than the coverage model trusts.
    pub stale: bool,
    /// The open dispatch this unit is already on, if any.
    #[schema(value_type = Option<String>)]
    pub busy_with: Option<DispatchId>,
}

/// The units on patrol ranked for a call at `target`: free units with a fresh position first,
/// by estimated arrival (a car farther away comes before a foot patrol nearer when it arrives
/// sooner); then busy units; then stale positions. Ties go by distance, then device id.
pub fn recommend(
    units: &[UnitPosition],
    target: LatLon,
    model: &CoverageModel,
    busy: &HashMap<DeviceId, DispatchId>,
) -> Vec<Recommendation> {
    let max_age_ms = (model.max_fix_age_s * 1000.0) as i64;
    let mut out: Vec<Recommendation> = units
        .iter()
        .map(|u| {
            let at = LatLon {
                lat: u.last_fix.lat,
                lon: u.last_fix.lon,
            };
            Recommendation {
                device_id: u.device_id,
                unit: u.clone(),
                distance_m: (patrol_geo::distance_m(at, target) * 10.0).round() / 10.0,
                eta_s: (model.eta_s(u.mode, at, target) * 10.0).round() / 10.0,
                position_age_ms: u.age_ms,
                stale: u.age_ms > max_age_ms,
                busy_with: busy.get(&u.device_id).copied(),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        (a.stale, a.busy_with.is_some())
            .cmp(&(b.stale, b.busy_with.is_some()))
            .then(a.eta_s.total_cmp(&b.eta_s))
            .then(a.distance_m.total_cmp(&b.distance_m))
            .then(a.device_id.cmp(&b.device_id))
    });
    out
}

/// One unit sent on a dispatch.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DispatchUnit {
    #[schema(value_type = String)]
    pub device_id: DeviceId,
    /// The order's place in the device's inbox.
    pub inbox_seq: u64,
    pub sent_ms: i64,
    /// Sent again while not delivered: how often, and when last.
    pub resends: u32,
    pub last_sent_ms: i64,
    /// When the device acknowledged having the order.
    pub delivered_ms: Option<i64>,
    /// When the operator withdrew it (reassigned, closed), and why.
    pub withdrawn_ms: Option<i64>,
    pub withdrawn_reason: Option<String>,
    /// The officer's steps, from the device's ledger.
    pub steps: StepTimes,
    #[schema(value_type = String)]
    pub state: DispatchState,
    /// `undelivered` or `unaccepted` when the unit has kept HQ waiting past the timeout.
    pub overdue: Option<String>,
}

/// A dispatch as the board shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DispatchView {
    #[schema(value_type = String)]
    pub id: DispatchId,
    #[schema(value_type = String)]
    pub kind: DispatchKind,
    /// 1, 3 or 5 (minutes).
    #[schema(value_type = u8)]
    pub tier: Tier,
    pub target: LatLon,
    pub radius_m: f64,
    pub address: Option<String>,
    pub note: Option<String>,
    /// The report it was made from.
    pub source: Option<SourceRef>,
    pub call_ms: i64,
    pub created_ms: i64,
    pub created_by: String,
    pub closed_ms: Option<i64>,
    pub closed_reason: Option<String>,
    /// The furthest any unit still on it has got (`created` before the first send).
    #[schema(value_type = String)]
    pub state: DispatchState,
    /// First send, first accept, first on scene, first cleared over the units.
    pub sent_ms: Option<i64>,
    pub accepted_ms: Option<i64>,
    pub on_scene_ms: Option<i64>,
    pub cleared_ms: Option<i64>,
    #[schema(value_type = Option<String>)]
    pub outcome: Option<DispatchOutcome>,
    /// Some unit is overdue (see [`DispatchUnit::overdue`]), or nobody was sent within the
    /// timeout of the call.
    pub overdue: bool,
    pub units: Vec<DispatchUnit>,
}

/// The officers' steps in `steps` (dispatch step entries, supplements applied), per
/// `(dispatch, device)`.
pub fn step_times(
    steps: &[StoredEntry],
    supplements: &[StoredEntry],
) -> HashMap<(DispatchId, DeviceId), StepTimes> {
    let mut out: HashMap<(DispatchId, DeviceId), StepTimes> = HashMap::new();
    for s in super::standing(steps, supplements) {
        if let Record::DispatchStep(step) = &s.record {
            out.entry((step.dispatch_id, s.device_id()))
                .or_default()
                .record(step, s.event_ms());
        }
    }
    out
}

/// Each dispatch with its units, their delivery and their steps, at `now_ms`.
pub fn board(
    dispatches: &[DispatchRow],
    inbox: &[InboxRow],
    steps: &HashMap<(DispatchId, DeviceId), StepTimes>,
    now_ms: i64,
    timeout_ms: i64,
) -> Vec<DispatchView> {
    let mut by_dispatch: HashMap<DispatchId, Vec<&InboxRow>> = HashMap::new();
    for r in inbox {
        by_dispatch.entry(r.dispatch_id).or_default().push(r);
    }
    dispatches
        .iter()
        .map(|d| {
            let mut rows = by_dispatch.remove(&d.id).unwrap_or_default();
            rows.sort_by_key(|r| (r.device_id, r.seq));
            let mut units: BTreeMap<DeviceId, DispatchUnit> = BTreeMap::new();
            for r in rows {
                match &r.withdrawn {
                    None => {
                        let steps = steps.get(&(d.id, r.device_id)).cloned().unwrap_or_default();
                        units.insert(
                            r.device_id,
                            DispatchUnit {
                                device_id: r.device_id,
                                inbox_seq: r.seq,
                                sent_ms: r.created_ms,
                                resends: r.resends,
                                last_sent_ms: r.last_sent_ms,
                                delivered_ms: r.delivered_ms,
                                withdrawn_ms: None,
                                withdrawn_reason: None,
                                steps,
                                state: DispatchState::Sent,
                                overdue: None,
                            },
                        );
                    }
                    Some(reason) => {
                        if let Some(u) = units.get_mut(&r.device_id) {
                            u.withdrawn_ms = Some(r.created_ms);
                            u.withdrawn_reason = Some(reason.clone());
                        }
                    }
                }
            }
            let mut units: Vec<DispatchUnit> = units.into_values().collect();
            for u in &mut units {
                u.state = unit_state(u);
                u.overdue = overdue(u, d, now_ms, timeout_ms);
            }
            view(d, units, now_ms, timeout_ms)
        })
        .collect()
}

fn unit_state(u: &DispatchUnit) -> DispatchState {
    if u.withdrawn_ms.is_some() {
        return DispatchState::Reassigned;
    }
    match u.steps.furthest() {
        Some(s) => s,
        None if u.delivered_ms.is_some() => DispatchState::Delivered,
        None => DispatchState::Sent,
    }
}

fn overdue(u: &DispatchUnit, d: &DispatchRow, now_ms: i64, timeout_ms: i64) -> Option<String> {
    if d.closed_ms.is_some() || u.withdrawn_ms.is_some() {
        return None;
    }
    match u.state {
        DispatchState::Sent if now_ms - u.sent_ms > timeout_ms => Some("undelivered".into()),
        DispatchState::Delivered if now_ms - u.sent_ms > timeout_ms => Some("unaccepted".into()),
        _ => None,
    }
}

fn view(d: &DispatchRow, units: Vec<DispatchUnit>, now_ms: i64, timeout_ms: i64) -> DispatchView {
    let active: Vec<&DispatchUnit> = units.iter().filter(|u| u.withdrawn_ms.is_none()).collect();
    let rank = |s: DispatchState| match s {
        DispatchState::Cleared => 7,
        DispatchState::OnScene => 6,
        DispatchState::EnRoute => 5,
        DispatchState::Accepted => 4,
        DispatchState::Delivered => 3,
        DispatchState::Sent => 2,
        DispatchState::Declined => 1,
        DispatchState::Created | DispatchState::Reassigned => 0,
    };
    let state = active
        .iter()
        .map(|u| u.state)
        .max_by_key(|s| rank(*s))
        .unwrap_or(DispatchState::Created);
    let first = |f: &dyn Fn(&DispatchUnit) -> Option<i64>| units.iter().filter_map(f).min();
    let cleared = units
        .iter()
        .filter(|u| u.steps.cleared_ms.is_some())
        .min_by_key(|u| u.steps.cleared_ms);
    let unsent_too_long =
        d.closed_ms.is_none() && units.is_empty() && now_ms - d.call_ms > timeout_ms;
    DispatchView {
        id: d.id,
        kind: d.kind,
        tier: d.tier,
        target: d.target,
        radius_m: d.radius_m,
        address: d.address.clone(),
        note: d.note.clone(),
        source: d
            .source
            .map(|(device_id, seq)| SourceRef { device_id, seq }),
        call_ms: d.call_ms,
        created_ms: d.created_ms,
        created_by: d.created_by.clone(),
        closed_ms: d.closed_ms,
        closed_reason: d.closed_reason.clone(),
        state,
        sent_ms: first(&|u| Some(u.sent_ms)),
        accepted_ms: first(&|u| u.steps.committed_ms()),
        on_scene_ms: first(&|u| u.steps.on_scene_ms),
        cleared_ms: cleared.and_then(|u| u.steps.cleared_ms),
        outcome: cleared.and_then(|u| u.steps.outcome),
        overdue: unsent_too_long || units.iter().any(|u| u.overdue.is_some()),
        units,
    }
}

/// The "1-3-5 minute" figures of the dispatches in `views` (those whose call came in the day),
/// per tier, at `now_ms`: all three tiers, always, in order.
pub fn tier_stats(views: &[&DispatchView], now_ms: i64) -> Vec<DispatchTierStats> {
    Tier::ALL
        .iter()
        .map(|&tier| {
            let of_tier: Vec<&&DispatchView> = views.iter().filter(|v| v.tier == tier).collect();
            let mut s = DispatchTierStats {
                tier: tier.minutes(),
                dispatches: count(of_tier.len()),
                ..DispatchTierStats::default()
            };
            let (mut to_send, mut to_accept, mut to_scene, mut call_scene) =
                (vec![], vec![], vec![], vec![]);
            for v in &of_tier {
                let Some(sent) = v.sent_ms else { continue };
                s.sent += 1;
                to_send.push(sent - v.call_ms);
                if let Some(a) = v.accepted_ms {
                    s.accepted += 1;
                    to_accept.push(a - sent);
                }
                match v.on_scene_ms {
                    Some(o) => {
                        s.on_scene += 1;
                        to_scene.push(o - sent);
                        call_scene.push(o - v.call_ms);
                        s.judged += 1;
                        if o - v.call_ms <= tier.target_ms() {
                            s.within_target += 1;
                        }
                    }
                    None if now_ms - v.call_ms > tier.target_ms() => s.judged += 1,
                    None => {}
                }
            }
            s.within_target_share =
                (s.judged > 0).then(|| f64::from(s.within_target) / f64::from(s.judged));
            s.call_to_send_p90_s = p90_s(&mut to_send);
            s.send_to_accept_p90_s = p90_s(&mut to_accept);
            s.send_to_on_scene_p90_s = p90_s(&mut to_scene);
            s.call_to_on_scene_p90_s = p90_s(&mut call_scene);
            s
        })
        .collect()
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The 90th percentile (nearest rank) of durations in ms, as seconds to 0.1 s. Negative
/// durations (a device clock behind HQ's) count as 0.
fn p90_s(ms: &mut [i64]) -> Option<f64> {
    if ms.is_empty() {
        return None;
    }
    ms.sort_unstable();
    let rank = (ms.len() * 9).div_ceil(10).max(1) - 1;
    Some((ms[rank].max(0) as f64 / 100.0).round() / 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use patrol_model::{
        DispatchStep, DispatchStepKind, GroupId, PatrolId, PatrolMode, PositionFix,
    };
    use uuid::Uuid;

    const NOW: i64 = 1_764_400_000_000;
    const TARGET: LatLon = LatLon {
        lat: 29.03,
        lon: 111.69,
    };

    fn unit(n: u128, mode: PatrolMode, north_m: f64, age_ms: i64) -> UnitPosition {
        let lat = TARGET.lat + north_m / 111_320.0;
        UnitPosition {
            device_id: DeviceId(Uuid::from_u128(n)),
            patrol_id: PatrolId(Uuid::from_u128(1000 + n)),
            group: GroupId::from("G1"),
            mode,
            officers: vec![],
            vehicle_plate: None,
            started_ms: NOW - 3_600_000,
            last_fix: PositionFix::at(NOW - age_ms, lat, TARGET.lon),
            cell: None,
            seen_ms: NOW - age_ms,
            age_ms,
        }
    }

    #[test]
    fn a_farther_car_ranks_above_a_nearer_foot_patrol_when_it_arrives_sooner() {
        let model = CoverageModel::default();
        let units = [
            unit(1, PatrolMode::Foot, 600.0, 10_000),
            unit(2, PatrolMode::Car, 2_000.0, 10_000),
        ];
        let ranked = recommend(&units, TARGET, &model, &HashMap::new());
        assert_eq!(ranked[0].device_id, units[1].device_id, "{ranked:#?}");
        assert!(ranked[0].distance_m > ranked[1].distance_m);
        assert!(ranked[0].eta_s < ranked[1].eta_s);
    }

    #[test]
    fn busy_and_stale_units_come_after_free_ones_however_near() {
        let model = CoverageModel::default();
        let stale_ms = (model.max_fix_age_s * 1000.0) as i64 + 1;
        let units = [
            unit(1, PatrolMode::Car, 50.0, stale_ms),
            unit(2, PatrolMode::Car, 100.0, 5_000),
            unit(3, PatrolMode::Foot, 3_000.0, 5_000),
        ];
        let busy = HashMap::from([(units[1].device_id, DispatchId::new())]);
        let ranked: Vec<DeviceId> = recommend(&units, TARGET, &model, &busy)
            .into_iter()
            .map(|r| r.device_id)
            .collect();
        assert_eq!(
            ranked,
            vec![units[2].device_id, units[1].device_id, units[0].device_id]
        );
    }

    fn dispatch(tier: Tier, call_ms: i64) -> DispatchRow {
        DispatchRow {
            id: DispatchId::new(),
            kind: DispatchKind::Theft,
            tier,
            target: TARGET,
            radius_m: 100.0,
            address: None,
            note: None,
            source: None,
            call_ms,
            created_ms: call_ms,
            created_by: "值班长".into(),
            closed_ms: None,
            closed_reason: None,
        }
    }

    fn order(d: &DispatchRow, device: u128, seq: u64, sent_ms: i64) -> InboxRow {
        InboxRow {
            device_id: DeviceId(Uuid::from_u128(device)),
            seq,
            dispatch_id: d.id,
            withdrawn: None,
            created_ms: sent_ms,
            last_sent_ms: sent_ms,
            resends: 0,
            delivered_ms: None,
        }
    }

    #[test]
    fn the_board_follows_delivery_steps_and_reassignment_and_flags_the_late() {
        let d = dispatch(Tier::Three, NOW);
        let mut a = order(&d, 1, 1, NOW + 5_000);
        a.delivered_ms = Some(NOW + 6_000);
        let b = order(&d, 2, 4, NOW + 5_000);
        let mut withdrawn = order(&d, 2, 5, NOW + 40_000);
        withdrawn.withdrawn = Some("reassigned".into());
        let mut steps = HashMap::new();
        let mut t = StepTimes::default();
        t.record(
            &DispatchStep::new(d.id, DispatchStepKind::Accepted),
            NOW + 20_000,
        );
        steps.insert((d.id, a.device_id), t);

        // At +30 s: unit 1 accepted, unit 2 never had it but is within the timeout.
        let v = &board(
            std::slice::from_ref(&d),
            &[a.clone(), b.clone()],
            &steps,
            NOW + 30_000,
            30_000,
        )[0];
        assert_eq!(v.state, DispatchState::Accepted);
        assert_eq!(v.units[1].state, DispatchState::Sent);
        assert!(!v.overdue);
        // At +40 s unit 2 is overdue; once withdrawn it is reassigned and no longer flagged.
        let v = &board(
            std::slice::from_ref(&d),
            &[a.clone(), b.clone()],
            &steps,
            NOW + 40_000,
            30_000,
        )[0];
        assert_eq!(v.units[1].overdue.as_deref(), Some("undelivered"));
        assert!(v.overdue);
        let v = &board(
            std::slice::from_ref(&d),
            &[a, b, withdrawn],
            &steps,
            NOW + 40_000,
            30_000,
        )[0];
        assert_eq!(v.units[1].state, DispatchState::Reassigned);
        assert!(!v.overdue);
        assert_eq!(v.sent_ms, Some(NOW + 5_000));
        assert_eq!(v.accepted_ms, Some(NOW + 20_000));
    }

    #[test]
    fn tier_figures_give_percentiles_and_the_share_on_time() {
        let mut views = vec![];
        // Ten 1-minute calls: sent after 10 s, on scene after 50 s (seven) or 90 s (three).
        for i in 0..10 {
            let d = dispatch(Tier::One, NOW + i * 1000);
            let o = order(&d, 1, (i + 1) as u64, d.call_ms + 10_000);
            let mut t = StepTimes::default();
            t.record(
                &DispatchStep::new(d.id, DispatchStepKind::Accepted),
                d.call_ms + 15_000,
            );
            let arrive = if i < 7 { 50_000 } else { 90_000 };
            t.record(
                &DispatchStep::new(d.id, DispatchStepKind::OnScene),
                d.call_ms + arrive,
            );
            let steps = HashMap::from([((d.id, o.device_id), t)]);
            views.extend(board(&[d], &[o], &steps, NOW + 3_600_000, 30_000));
        }
        // A 5-minute call never sent, still young: counted, not judged.
        views.extend(board(
            &[dispatch(Tier::Five, NOW + 3_599_000)],
            &[],
            &HashMap::new(),
            NOW + 3_600_000,
            30_000,
        ));
        let refs: Vec<&DispatchView> = views.iter().collect();
        let s = tier_stats(&refs, NOW + 3_600_000);
        assert_eq!(s.iter().map(|t| t.tier).collect::<Vec<_>>(), vec![1, 3, 5]);
        let one = &s[0];
        assert_eq!(
            (one.dispatches, one.sent, one.accepted, one.on_scene),
            (10, 10, 10, 10)
        );
        assert_eq!((one.judged, one.within_target), (10, 7));
        assert_eq!(one.within_target_share, Some(0.7));
        assert_eq!(one.call_to_send_p90_s, Some(10.0));
        assert_eq!(one.send_to_accept_p90_s, Some(5.0));
        assert_eq!(one.call_to_on_scene_p90_s, Some(90.0));
        assert_eq!(one.send_to_on_scene_p90_s, Some(80.0));
        assert_eq!((s[2].dispatches, s[2].sent, s[2].judged), (1, 0, 0));
        assert_eq!(s[2].within_target_share, None);
        assert_eq!(
            s[1],
            DispatchTierStats {
                tier: 3,
                ..Default::default()
            }
        );
    }
}
