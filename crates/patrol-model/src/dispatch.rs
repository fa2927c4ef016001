//! Dispatch (派警, 警力跟着警情走): HQ sends a unit to a place, and the officer's steps
//! (accepted, en route, on scene, cleared or declined) become ledger entries like every other
//! record. HQ's side of a dispatch (the order, who it was sent to, when the device had it) lives
//! in HQ's own tables and reaches the device through its inbox; the officer's side is evidence
//! and lives in the device's hash-chained ledger, with the GNSS time of each step, so a step
//! marked offline reaches HQ later with the time it happened.
//!
//! Slugs are an interface (CLI, JSON, translation keys): never rename one.

use crate::record::slug_enum;
use crate::{DispatchId, LatLon, PatrolId, Validation, ValidationCode, ValidationError};
use serde::{Deserialize, Serialize};

slug_enum!(
    /// What the call is about.
    DispatchKind {
        Theft = "theft",
        Robbery = "robbery",
        Fight = "fight",
        Dispute = "dispute",
        TrafficAccident = "traffic-accident",
        LostPerson = "lost-person",
        Assistance = "assistance",
        Suspicious = "suspicious",
        Other = "other",
    }
);

slug_enum!(
    /// One step of the officer, in the order they normally come.
    DispatchStepKind {
        Accepted = "accepted",
        EnRoute = "en-route",
        OnScene = "on-scene",
        Cleared = "cleared",
        Declined = "declined",
    }
);

slug_enum!(
    /// How the officer cleared the dispatch.
    DispatchOutcome {
        ArrestMade = "arrest-made",
        Resolved = "resolved",
        ReportTaken = "report-taken",
        HandedOver = "handed-over",
        NoTrace = "no-trace",
        FalseAlarm = "false-alarm",
    }
);

slug_enum!(
    /// Where a dispatch stands for one unit (HQ's board and the device's list).
    DispatchState {
        Created = "created",
        Sent = "sent",
        Delivered = "delivered",
        Accepted = "accepted",
        EnRoute = "en-route",
        OnScene = "on-scene",
        Cleared = "cleared",
        Declined = "declined",
        Reassigned = "reassigned",
    }
);

/// The campaign's "1-3-5 minute" circle: how soon a unit must be on scene after the call.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS,
)]
#[serde(try_from = "u8", into = "u8")]
#[ts(type = "1 | 3 | 5")]
pub enum Tier {
    One,
    Three,
    Five,
}

impl Tier {
    pub const ALL: &'static [Tier] = &[Tier::One, Tier::Three, Tier::Five];

    pub fn minutes(self) -> u8 {
        match self {
            Tier::One => 1,
            Tier::Three => 3,
            Tier::Five => 5,
        }
    }

    /// The target from call to on scene, in milliseconds.
    pub fn target_ms(self) -> i64 {
        i64::from(self.minutes()) * 60_000
    }
}

impl TryFrom<u8> for Tier {
    type Error = ValidationError;
    fn try_from(m: u8) -> Result<Self, Self::Error> {
        match m {
            1 => Ok(Tier::One),
            3 => Ok(Tier::Three),
            5 => Ok(Tier::Five),
            _ => Err(ValidationError::new(
                "tier",
                ValidationCode::Enum,
                format!("must be 1, 3 or 5 (minutes), got {m}"),
            )
            .with("value", m)
            .with("allowed", "1, 3, 5")),
        }
    }
}

impl From<Tier> for u8 {
    fn from(t: Tier) -> u8 {
        t.minutes()
    }
}

impl std::str::FromStr for Tier {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.trim()
            .parse::<u8>()
            .map_err(|_| {
                ValidationError::new(
                    "tier",
                    ValidationCode::Enum,
                    format!("must be 1, 3 or 5, got `{s}`"),
                )
                .with("value", s)
                .with("allowed", "1, 3, 5")
            })
            .and_then(Tier::try_from)
    }
}

impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.minutes())
    }
}

/// The radius around the target within which a unit counts as on scene, when HQ names none.
pub const DEFAULT_SCENE_RADIUS_M: f64 = 100.0;

/// An officer's step on a dispatch: the body of a `dispatch_step` ledger entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DispatchStep {
    pub dispatch_id: DispatchId,
    pub step: DispatchStepKind,
    /// Required when clearing, absent otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<DispatchOutcome>,
    /// Required when declining (why the unit cannot go); a note otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where the officer was when they tapped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<LatLon>,
    /// The patrol the officer was on, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patrol_id: Option<PatrolId>,
    /// `true` when the officer confirmed an arrival the app suggested from position.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub suggested: bool,
}

impl DispatchStep {
    pub fn new(dispatch_id: DispatchId, step: DispatchStepKind) -> Self {
        Self {
            dispatch_id,
            step,
            outcome: None,
            reason: None,
            at: None,
            patrol_id: None,
            suggested: false,
        }
    }

    pub fn validate(&self) -> Validation {
        match (self.step, self.outcome) {
            (DispatchStepKind::Cleared, None) => {
                return Err(ValidationError::new(
                    "outcome",
                    ValidationCode::Required,
                    "is required to clear a dispatch",
                ));
            }
            (DispatchStepKind::Cleared, Some(_)) | (_, None) => {}
            (_, Some(_)) => {
                return Err(ValidationError::new(
                    "outcome",
                    ValidationCode::NotAllowed,
                    "is only given when clearing a dispatch",
                ));
            }
        }
        let reason = self.reason.as_deref().unwrap_or("");
        if self.step == DispatchStepKind::Declined && reason.trim().is_empty() {
            return Err(ValidationError::new(
                "reason",
                ValidationCode::Required,
                "is required to decline a dispatch",
            ));
        }
        if reason.chars().count() > 200 {
            return Err(ValidationError::too_long("reason", 200));
        }
        self.at
            .map_or(Ok(()), |p| p.validate().map_err(|e| e.within("at")))
    }
}

/// What HQ sends a unit: where to go and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct DispatchOrder {
    pub id: DispatchId,
    pub kind: DispatchKind,
    pub tier: Tier,
    pub target: LatLon,
    /// On scene means within this many metres of the target.
    pub radius_m: f64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When the call came in (HQ's clock).
    pub call_ms: i64,
    /// When HQ sent it to this unit (HQ's clock).
    pub sent_ms: i64,
}

/// Validate what an operator typed for a dispatch (HQ and its CLI).
pub fn validate_order_fields(
    target: LatLon,
    radius_m: f64,
    address: Option<&str>,
    note: Option<&str>,
) -> Validation {
    target.validate().map_err(|e| e.within("target"))?;
    if !(radius_m.is_finite() && (10.0..=5000.0).contains(&radius_m)) {
        return Err(ValidationError::range(
            "radius_m",
            10,
            5000,
            "must be between 10 and 5000 metres",
        ));
    }
    for (field, value, max) in [("address", address, 200), ("note", note, 1000)] {
        if value.is_some_and(|v| v.chars().count() > max) {
            return Err(ValidationError::too_long(field, max));
        }
    }
    Ok(())
}

/// One message in a unit's inbox at HQ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "message", rename_all = "snake_case")]
pub enum InboxMessage {
    /// Go here.
    Order(DispatchOrder),
    /// Do not go (any more): the operator reassigned or closed it.
    Withdrawn {
        dispatch_id: DispatchId,
        reason: String,
    },
}

impl InboxMessage {
    pub fn dispatch_id(&self) -> DispatchId {
        match self {
            InboxMessage::Order(o) => o.id,
            InboxMessage::Withdrawn { dispatch_id, .. } => *dispatch_id,
        }
    }
}

/// A message with its place in the unit's inbox: 1, 2, 3 … per device, no gaps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxItem {
    pub seq: u64,
    #[serde(flatten)]
    pub message: InboxMessage,
}

/// `GET /api/v1/devices/{id}/inbox?after=N`: the messages after `N`, oldest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InboxPage {
    pub items: Vec<InboxItem>,
    /// The newest seq in the inbox (0 when empty).
    pub head: u64,
}

/// `POST /api/v1/devices/{id}/inbox/ack`: the device has stored every message up to `through`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InboxAck {
    pub through: u64,
}

/// The times of a unit's steps on one dispatch, folded from its step entries (any order).
/// Each step keeps its earliest time: a step tapped twice (a retry, a second device of the
/// same unit) does not move the clock.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StepTimes {
    pub accepted_ms: Option<i64>,
    pub en_route_ms: Option<i64>,
    pub on_scene_ms: Option<i64>,
    pub cleared_ms: Option<i64>,
    pub declined_ms: Option<i64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>))]
    pub outcome: Option<DispatchOutcome>,
    pub reason: Option<String>,
}

impl StepTimes {
    pub fn record(&mut self, step: &DispatchStep, at_ms: i64) {
        let slot = match step.step {
            DispatchStepKind::Accepted => &mut self.accepted_ms,
            DispatchStepKind::EnRoute => &mut self.en_route_ms,
            DispatchStepKind::OnScene => &mut self.on_scene_ms,
            DispatchStepKind::Cleared => &mut self.cleared_ms,
            DispatchStepKind::Declined => &mut self.declined_ms,
        };
        if slot.is_none_or(|t| at_ms < t) {
            *slot = Some(at_ms);
            match step.step {
                DispatchStepKind::Cleared => self.outcome = step.outcome,
                DispatchStepKind::Declined => self.reason.clone_from(&step.reason),
                _ => {}
            }
        }
    }

    /// The furthest step reached. A unit that went on after declining (the officer changed
    /// their mind) counts by what it did; a decline alone ends it.
    pub fn furthest(&self) -> Option<DispatchState> {
        if self.cleared_ms.is_some() {
            Some(DispatchState::Cleared)
        } else if self.on_scene_ms.is_some() {
            Some(DispatchState::OnScene)
        } else if self.en_route_ms.is_some() {
            Some(DispatchState::EnRoute)
        } else if self.accepted_ms.is_some() {
            Some(DispatchState::Accepted)
        } else if self.declined_ms.is_some() {
            Some(DispatchState::Declined)
        } else {
            None
        }
    }

    /// When the unit committed to going: accepted, or (when the officer skipped the tap) the
    /// first later step.
    pub fn committed_ms(&self) -> Option<i64> {
        [self.accepted_ms, self.en_route_ms, self.on_scene_ms]
            .into_iter()
            .flatten()
            .min()
    }
}

/// The step an officer can take next, in the order the app offers them.
pub fn next_steps(state: DispatchState) -> &'static [DispatchStepKind] {
    use DispatchStepKind as S;
    match state {
        DispatchState::Created | DispatchState::Sent | DispatchState::Delivered => {
            &[S::Accepted, S::Declined]
        }
        DispatchState::Accepted => &[S::EnRoute, S::OnScene],
        DispatchState::EnRoute => &[S::OnScene],
        DispatchState::OnScene => &[S::Cleared],
        DispatchState::Cleared | DispatchState::Declined | DispatchState::Reassigned => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(kind: DispatchStepKind) -> DispatchStep {
        DispatchStep::new(DispatchId::new(), kind)
    }

    #[test]
    fn clearing_needs_an_outcome_and_declining_a_reason() {
        let mut s = step(DispatchStepKind::Cleared);
        assert_eq!(s.validate().unwrap_err().field, "outcome");
        s.outcome = Some(DispatchOutcome::ArrestMade);
        s.validate().unwrap();

        let mut s = step(DispatchStepKind::Declined);
        assert_eq!(s.validate().unwrap_err().field, "reason");
        s.reason = Some("  ".into());
        assert_eq!(s.validate().unwrap_err().field, "reason");
        s.reason = Some("已在处置另一起警情".into());
        s.validate().unwrap();

        let mut s = step(DispatchStepKind::Accepted);
        s.outcome = Some(DispatchOutcome::Resolved);
        assert_eq!(s.validate().unwrap_err().field, "outcome");
    }

    #[test]
    fn tiers_are_one_three_five_minutes_and_nothing_else() {
        assert_eq!("3".parse::<Tier>().unwrap(), Tier::Three);
        assert_eq!(Tier::Five.target_ms(), 300_000);
        assert!("2".parse::<Tier>().is_err());
        assert!(serde_json::from_str::<Tier>("4").is_err());
        assert_eq!(serde_json::to_string(&Tier::One).unwrap(), "1");
    }

    #[test]
    fn step_times_keep_the_earliest_of_each_step_in_any_order() {
        let id = DispatchId::new();
        let mut t = StepTimes::default();
        let mut on = DispatchStep::new(id, DispatchStepKind::OnScene);
        t.record(&on, 5_000);
        on.suggested = true;
        t.record(&on, 4_000);
        t.record(&DispatchStep::new(id, DispatchStepKind::Accepted), 1_000);
        t.record(&DispatchStep::new(id, DispatchStepKind::Accepted), 2_000);
        assert_eq!(t.accepted_ms, Some(1_000));
        assert_eq!(t.on_scene_ms, Some(4_000));
        assert_eq!(t.furthest(), Some(DispatchState::OnScene));
        assert_eq!(t.committed_ms(), Some(1_000));
        assert_eq!(
            next_steps(DispatchState::OnScene),
            &[DispatchStepKind::Cleared]
        );
    }

    #[test]
    fn inbox_items_read_as_the_wire_says() {
        let item = InboxItem {
            seq: 3,
            message: InboxMessage::Withdrawn {
                dispatch_id: DispatchId(uuid::Uuid::nil()),
                reason: "reassigned".into(),
            },
        };
        let json = serde_json::to_value(&item).unwrap();
        assert_eq!(json["message"], "withdrawn");
        assert_eq!(json["seq"], 3);
        assert_eq!(serde_json::from_value::<InboxItem>(json).unwrap(), item);
    }
}
