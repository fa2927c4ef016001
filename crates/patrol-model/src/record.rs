//! What an officer records: the payload of each ledger entry kind, with validation. Slugs
//! (`no-helmet`, `e-bike`, `red-vest`, …) are an interface shared by the CLI, the JSON, HQ's
//! statistics keys and the UI's translation keys: never rename one.

use crate::{
    EntryId, GroupId, LatLon, PatrolId, Plate, PostId, TrackSegment, Validation, ValidationCode,
    ValidationError,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

macro_rules! slug_enum {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $slug:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
        pub enum $name {
            $(#[serde(rename = $slug)] $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn slug(self) -> &'static str {
                match self { $($name::$variant => $slug),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.slug())
            }
        }

        impl std::str::FromStr for $name {
            type Err = ValidationError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($slug => Ok($name::$variant),)+
                    _ => Err(ValidationError::new(
                        stringify!($name),
                        $crate::ValidationCode::Enum,
                        format!(
                            "unknown value `{s}` (expected one of: {})",
                            [$($slug),+].join(", ")
                        ),
                    )
                    .with("value", s)
                    .with("allowed", [$($slug),+].join(", "))),
                }
            }
        }
    };
}
pub(crate) use slug_enum;

slug_enum!(
    /// How the patrol moves (车巡, 步巡, 铁骑, e-bike).
    PatrolMode { Foot = "foot", Car = "car", Motorcycle = "motorcycle", EBike = "e-bike", Bicycle = "bicycle" }
);

slug_enum!(
    /// Volunteer categories of the seed (群防力量).
    VolunteerCategory {
        PatrolTeam = "patrol-team",
        RedVest = "red-vest",
        CommunityCadre = "community-cadre",
        GridWorker = "grid-worker",
        PropertyStaff = "property-staff",
        SecurityGuard = "security-guard",
    }
);

slug_enum!(
    /// Traffic violations tallied at posts and on patrol.
    ViolationType {
        DrunkDriving = "drunk-driving",
        NoHelmet = "no-helmet",
        IllegalPassenger = "illegal-passenger",
        UmbrellaRig = "umbrella-rig",
        RedLight = "red-light",
        IllegalParking = "illegal-parking",
        Jaywalking = "jaywalking",
        OtherTraffic = "other-traffic",
    }
);

slug_enum!(
    VehicleKind {
        Car = "car",
        Suv = "suv",
        Truck = "truck",
        Bus = "bus",
        Motorcycle = "motorcycle",
        EBike = "e-bike",
        Bicycle = "bicycle",
        Tricycle = "tricycle",
        Pedestrian = "pedestrian",
        Other = "other",
    }
);

slug_enum!(
    AssistanceKind { MedicalEscort = "medical-escort", DisputeResolved = "dispute-resolved", OtherHelp = "other-help" }
);

slug_enum!(
    IncidentKind { Theft = "theft", Other = "other" }
);

slug_enum!(
    IncidentOutcome {
        SuspectCaught = "suspect-caught",
        PropertyRecovered = "property-recovered",
        HandedToStation = "handed-to-station",
        Open = "open",
    }
);

slug_enum!(
    LostPersonOutcome {
        ReunitedWithFamily = "reunited-with-family",
        HandedToStation = "handed-to-station",
        EscortedHome = "escorted-home",
        Ongoing = "ongoing",
    }
);

slug_enum!(
    AccidentOutcome {
        CarsMoved = "cars-moved",
        InsuranceAdvised = "insurance-advised",
        SettledOnSite = "settled-on-site",
        ReferredToTrafficUnit = "referred-to-traffic-unit",
        AmbulanceCalled = "ambulance-called",
    }
);

slug_enum!(
    /// The guided photo checklist of a minor collision.
    PhotoSlot { Front = "front", Rear = "rear", PointOfImpact = "point-of-impact", Plate = "plate", Scene = "scene", Other = "other" }
);

/// A photo file, named by its SHA-256; the bytes travel separately.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct PhotoRef {
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
    pub size: u64,
    pub mime: String,
}

impl PhotoRef {
    pub fn validate(&self) -> Validation {
        if self.sha256.len() != 64
            || !self
                .sha256
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
        {
            return Err(ValidationError::new(
                "sha256",
                ValidationCode::Hash,
                "must be 64 lower-case hex characters",
            ));
        }
        if !matches!(
            self.mime.as_str(),
            "image/jpeg" | "image/png" | "image/webp" | "image/heic"
        ) {
            return Err(ValidationError::new(
                "mime",
                ValidationCode::PhotoType,
                format!(
                    "`{}` is not a photo type (jpeg, png, webp, heic)",
                    self.mime
                ),
            )
            .with("value", &self.mime));
        }
        if self.size == 0 || self.size > 50 * 1024 * 1024 {
            return Err(ValidationError::range(
                "size",
                "1 B",
                "50 MiB",
                "must be between 1 byte and 50 MiB",
            ));
        }
        Ok(())
    }
}

fn photos_ok(photos: &[PhotoRef], max: usize) -> Validation {
    if photos.len() > max {
        return Err(ValidationError::too_many(
            "photos",
            max,
            format!("at most {max} photos, got {}", photos.len()),
        ));
    }
    for (i, p) in photos.iter().enumerate() {
        p.validate()
            .map_err(|e| e.within(&format!("photos[{i}]")))?;
    }
    Ok(())
}

fn text(field: &str, value: &str, required: bool, max_chars: usize) -> Validation {
    if required && value.trim().is_empty() {
        return Err(ValidationError::required(field));
    }
    if value.chars().count() > max_chars {
        return Err(ValidationError::too_long(field, max_chars));
    }
    Ok(())
}

/// Officers (at most 20, each 1–40 characters) and volunteers (at most 500 per category) of one
/// patrol or post.
fn crew_ok(
    officers: &[String],
    volunteers: &BTreeMap<VolunteerCategory, u32>,
    on: &str,
) -> Validation {
    if officers.len() > 20 {
        return Err(ValidationError::too_many(
            "officers",
            20,
            format!("at most 20 officers on one {on}"),
        ));
    }
    for (i, o) in officers.iter().enumerate() {
        text(&format!("officers[{i}]"), o, true, 40)?;
    }
    for (cat, n) in volunteers {
        if *n > 500 {
            return Err(ValidationError::range(
                format!("volunteers.{cat}"),
                0,
                500,
                format!("{n} is more than 500 volunteers on one {on}"),
            ));
        }
    }
    Ok(())
}

fn opt_text(field: &str, value: &Option<String>, max_chars: usize) -> Validation {
    value
        .as_deref()
        .map_or(Ok(()), |v| text(field, v, false, max_chars))
}

fn opt_at(at: &Option<LatLon>) -> Validation {
    at.map_or(Ok(()), |p| p.validate().map_err(|e| e.within("at")))
}

/// A patrol begins (巡逻开始).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PatrolStart {
    pub patrol_id: PatrolId,
    pub mode: PatrolMode,
    pub group: GroupId,
    /// Officers on this patrol (names or badge numbers).
    #[serde(default)]
    pub officers: Vec<String>,
    /// Volunteers who joined, counted by category.
    #[serde(default)]
    pub volunteers: BTreeMap<VolunteerCategory, u32>,
    /// The patrol car or motorcycle, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle_plate: Option<Plate>,
}

/// A patrol ends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PatrolStop {
    pub patrol_id: PatrolId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One violation, recorded with one tap; details are optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ViolationTally {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patrol_id: Option<PatrolId>,
    #[serde(rename = "type")]
    pub violation: ViolationType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plate: Option<Plate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vehicle: Option<VehicleKind>,
    /// Items seized on the spot (收缴), e.g. umbrella rigs.
    #[serde(default)]
    pub seized_items: u32,
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<LatLon>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl ViolationTally {
    /// The one-tap tally: the type and nothing else; details are filled in by struct update.
    pub fn new(violation: ViolationType) -> ViolationTally {
        ViolationTally {
            patrol_id: None,
            violation,
            plate: None,
            vehicle: None,
            seized_items: 0,
            photos: vec![],
            at: None,
            note: None,
        }
    }
}

/// A lost person found (e.g. an elder with a wristband carrying family contact).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct LostPersonReport {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patrol_id: Option<PatrolId>,
    pub description: String,
    /// Wristband number, ID card or any code that identifies the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifying_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_at: Option<LatLon>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub found_place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handed_to: Option<String>,
    /// RFC 3339 time of the hand-over.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handed_over_at: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub outcome: LostPersonOutcome,
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AccidentVehicle {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plate: Option<Plate>,
    pub kind: VehicleKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AccidentPhoto {
    pub slot: PhotoSlot,
    #[serde(flatten)]
    pub photo: PhotoRef,
}

/// The most photos an accident report carries (guided checklist plus extras).
pub const MAX_ACCIDENT_PHOTOS: usize = 6;

/// A traffic accident, usually a minor collision handled on the spot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct TrafficAccidentReport {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patrol_id: Option<PatrolId>,
    pub vehicles: Vec<AccidentVehicle>,
    #[serde(default)]
    pub injuries: bool,
    #[serde(default)]
    pub photos: Vec<AccidentPhoto>,
    #[serde(default)]
    pub outcomes: Vec<AccidentOutcome>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<LatLon>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Why the checklist's required photos ([`REQUIRED_ACCIDENT_SLOTS`]) are not all there
    /// (伤员优先, the camera failed…): the officer is asked for it when submitting without them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub photos_missing_reason: Option<String>,
}

/// The photos an accident report is expected to carry: front, rear and the point of impact.
pub const REQUIRED_ACCIDENT_SLOTS: [PhotoSlot; 3] =
    [PhotoSlot::Front, PhotoSlot::Rear, PhotoSlot::PointOfImpact];

impl TrafficAccidentReport {
    /// The required photo slots with no photo, in checklist order.
    pub fn missing_slots(&self) -> Vec<PhotoSlot> {
        REQUIRED_ACCIDENT_SLOTS
            .into_iter()
            .filter(|s| !self.photos.iter().any(|p| p.slot == *s))
            .collect()
    }
}

/// Help given: a medical escort (绿色通道), a dispute mediated, other help.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct AssistanceRecord {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patrol_id: Option<PatrolId>,
    pub kind: AssistanceKind,
    pub description: String,
    #[serde(default = "one")]
    pub people: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<LatLon>,
}

fn one() -> u32 {
    1
}

/// A theft or other incident.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct IncidentReport {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patrol_id: Option<PatrolId>,
    pub kind: IncidentKind,
    pub description: String,
    /// Value involved, whole yuan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_yuan: Option<u64>,
    #[serde(default)]
    pub video_reviewed: bool,
    pub outcome: IncidentOutcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<LatLon>,
    #[serde(default)]
    pub photos: Vec<PhotoRef>,
}

/// How a post check-in or check-out was established.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, ts_rs::TS)]
pub struct VisitEvidence {
    /// `geofence` when derived from fixes, `manual` when the officer tapped.
    pub source: String,
    /// Fixes inside the fence that support the decision.
    #[serde(default)]
    pub fixes_inside: u32,
    #[serde(default)]
    pub dwell_s: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_accuracy_m: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<LatLon>,
}

/// Who holds a post: the officers checking in (names or badge numbers) and the volunteers with
/// them by category, like a patrol's. Empty means the device's one officer, alone.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PostCrew {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub officers: Vec<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub volunteers: BTreeMap<VolunteerCategory, u32>,
}

impl PostCrew {
    /// Officers counted for this deployment (警力人次): the names given, at least one.
    pub fn officer_count(&self) -> u32 {
        u32::try_from(self.officers.len())
            .unwrap_or(u32::MAX)
            .max(1)
    }
}

/// Arrival at a post (checkpoint): the post is held from here. A check-in made during a patrol
/// is a stop of that patrol (its crew is the patrol's); one made outside a patrol is a
/// deployment of its own, with the crew it names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PostArrival {
    pub post_id: PostId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patrol_id: Option<PatrolId>,
    #[serde(flatten)]
    pub crew: PostCrew,
    pub evidence: VisitEvidence,
}

/// Leaving a post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct PostDeparture {
    pub post_id: PostId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patrol_id: Option<PatrolId>,
    pub evidence: VisitEvidence,
}

/// A correction or withdrawal of an earlier entry. Nothing is edited in place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Supplement {
    pub target_id: EntryId,
    pub target_seq: u64,
    pub reason: String,
    /// The corrected record (same kind as the target); `None` withdraws the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correction: Option<Box<Record>>,
}

/// Every kind of thing that becomes a ledger entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "kind", content = "body", rename_all = "snake_case")]
// TypeScript has a `Record` of its own.
#[ts(rename = "LedgerRecord")]
pub enum Record {
    PatrolStarted(PatrolStart),
    PatrolStopped(PatrolStop),
    TrackSegment(TrackSegment),
    Violation(ViolationTally),
    LostPerson(LostPersonReport),
    TrafficAccident(TrafficAccidentReport),
    Assistance(AssistanceRecord),
    Incident(IncidentReport),
    PostArrived(PostArrival),
    PostLeft(PostDeparture),
    Supplement(Supplement),
    DispatchStep(crate::DispatchStep),
    TrackGap(crate::TrackGap),
}

impl Record {
    /// The patrol this record belongs to, if any.
    pub fn patrol_id(&self) -> Option<PatrolId> {
        match self {
            Record::PatrolStarted(r) => Some(r.patrol_id),
            Record::PatrolStopped(r) => Some(r.patrol_id),
            Record::TrackSegment(r) => Some(r.patrol_id),
            Record::Violation(r) => r.patrol_id,
            Record::LostPerson(r) => r.patrol_id,
            Record::TrafficAccident(r) => r.patrol_id,
            Record::Assistance(r) => r.patrol_id,
            Record::Incident(r) => r.patrol_id,
            Record::PostArrived(r) => r.patrol_id,
            Record::PostLeft(r) => r.patrol_id,
            Record::DispatchStep(r) => r.patrol_id,
            Record::TrackGap(r) => Some(r.patrol_id),
            Record::Supplement(_) => None,
        }
    }

    /// The record as a correction of `original`: when the correction leaves out its patrol link
    /// (`patrol_id` absent) it keeps the original's, so correcting a report's details never
    /// detaches it from the patrol it was recorded on. A link the correction states is kept as
    /// stated; kinds whose patrol is not optional are left alone (their `patrol_id` is required).
    /// Applied by the device store to every correction it appends.
    pub fn keeping_patrol_of(mut self, original: &Record) -> Record {
        if let (Some(link @ None), Some(id)) = (self.patrol_link_mut(), original.patrol_id()) {
            *link = Some(id);
        }
        self
    }

    /// The optional patrol link of the kinds that have one.
    fn patrol_link_mut(&mut self) -> Option<&mut Option<PatrolId>> {
        match self {
            Record::Violation(r) => Some(&mut r.patrol_id),
            Record::LostPerson(r) => Some(&mut r.patrol_id),
            Record::TrafficAccident(r) => Some(&mut r.patrol_id),
            Record::Assistance(r) => Some(&mut r.patrol_id),
            Record::Incident(r) => Some(&mut r.patrol_id),
            Record::PostArrived(r) => Some(&mut r.patrol_id),
            Record::PostLeft(r) => Some(&mut r.patrol_id),
            Record::DispatchStep(r) => Some(&mut r.patrol_id),
            Record::PatrolStarted(_)
            | Record::PatrolStopped(_)
            | Record::TrackSegment(_)
            | Record::TrackGap(_)
            | Record::Supplement(_) => None,
        }
    }

    /// Photos this record refers to.
    pub fn photos(&self) -> Vec<&PhotoRef> {
        match self {
            Record::Violation(r) => r.photos.iter().collect(),
            Record::LostPerson(r) => r.photos.iter().collect(),
            Record::TrafficAccident(r) => r.photos.iter().map(|p| &p.photo).collect(),
            Record::Incident(r) => r.photos.iter().collect(),
            Record::Supplement(s) => s
                .correction
                .as_ref()
                .map(|c| c.photos())
                .unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    pub fn validate(&self) -> Validation {
        match self {
            Record::PatrolStarted(r) => {
                crate::validate_code("group", r.group.as_str())?;
                crew_ok(&r.officers, &r.volunteers, "patrol")
            }
            Record::PatrolStopped(r) => opt_text("note", &r.note, 500),
            Record::TrackSegment(s) => s.validate(),
            Record::Violation(r) => {
                if r.seized_items > 100 {
                    return Err(ValidationError::range(
                        "seized_items",
                        0,
                        100,
                        "more than 100 items seized in one tally",
                    ));
                }
                photos_ok(&r.photos, 6)?;
                opt_at(&r.at)?;
                opt_text("note", &r.note, 500)
            }
            Record::LostPerson(r) => {
                text("description", &r.description, true, 1000)?;
                opt_text("identifying_code", &r.identifying_code, 64)?;
                opt_text("found_place", &r.found_place, 200)?;
                opt_text("handed_to", &r.handed_to, 200)?;
                r.found_at
                    .map_or(Ok(()), |p| p.validate().map_err(|e| e.within("found_at")))?;
                photos_ok(&r.photos, 6)
            }
            Record::TrafficAccident(r) => {
                if r.vehicles.is_empty() {
                    return Err(ValidationError::new(
                        "vehicles",
                        ValidationCode::Required,
                        "at least one vehicle is required",
                    ));
                }
                if r.vehicles.len() > 20 {
                    return Err(ValidationError::too_many(
                        "vehicles",
                        20,
                        "at most 20 vehicles",
                    ));
                }
                if r.photos.len() > MAX_ACCIDENT_PHOTOS {
                    return Err(ValidationError::too_many(
                        "photos",
                        MAX_ACCIDENT_PHOTOS,
                        format!(
                            "at most {MAX_ACCIDENT_PHOTOS} photos, got {}",
                            r.photos.len()
                        ),
                    ));
                }
                for (i, p) in r.photos.iter().enumerate() {
                    p.photo
                        .validate()
                        .map_err(|e| e.within(&format!("photos[{i}]")))?;
                }
                opt_at(&r.at)?;
                opt_text("note", &r.note, 1000)?;
                opt_text("photos_missing_reason", &r.photos_missing_reason, 500)
            }
            Record::Assistance(r) => {
                text("description", &r.description, true, 1000)?;
                if r.people == 0 || r.people > 1000 {
                    return Err(ValidationError::range(
                        "people",
                        1,
                        1000,
                        "must be between 1 and 1000",
                    ));
                }
                opt_text("outcome", &r.outcome, 500)?;
                opt_at(&r.at)
            }
            Record::Incident(r) => {
                text("description", &r.description, true, 1000)?;
                if r.value_yuan.is_some_and(|v| v > 100_000_000) {
                    return Err(ValidationError::range(
                        "value_yuan",
                        0,
                        100_000_000,
                        "is more than 100 million yuan",
                    ));
                }
                photos_ok(&r.photos, 6)?;
                opt_at(&r.at)
            }
            Record::PostArrived(r) => {
                crate::validate_code("post_id", r.post_id.as_str())?;
                crew_ok(&r.crew.officers, &r.crew.volunteers, "post")?;
                opt_at(&r.evidence.at).map_err(|e| e.within("evidence"))
            }
            Record::PostLeft(r) => {
                crate::validate_code("post_id", r.post_id.as_str())?;
                opt_at(&r.evidence.at).map_err(|e| e.within("evidence"))
            }
            Record::DispatchStep(r) => r.validate(),
            Record::TrackGap(r) => r.validate(),
            Record::Supplement(s) => {
                text("reason", &s.reason, true, 500)?;
                if s.target_seq == 0 {
                    return Err(ValidationError::new(
                        "target_seq",
                        ValidationCode::AtLeast,
                        "must be 1 or more",
                    )
                    .with("min", 1));
                }
                if let Some(c) = &s.correction {
                    if matches!(**c, Record::Supplement(_)) {
                        return Err(ValidationError::new(
                            "correction",
                            ValidationCode::NotAllowed,
                            "a supplement cannot be corrected; supplement the original entry",
                        ));
                    }
                    c.validate().map_err(|e| e.within("correction"))?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(patrol_id: Option<PatrolId>) -> Record {
        Record::Violation(ViolationTally {
            patrol_id,
            ..ViolationTally::new(ViolationType::NoHelmet)
        })
    }

    #[test]
    fn a_correction_keeps_the_originals_patrol_unless_it_names_one() {
        let (p, q) = (PatrolId::new(), PatrolId::new());
        let table = [
            ("left out: the original's", Some(p), None, Some(p)),
            ("stated: kept as stated", Some(p), Some(q), Some(q)),
            ("original had none", None, None, None),
            ("original had none, stated", None, Some(q), Some(q)),
        ];
        for (name, original, correction, want) in table {
            let got = tally(correction).keeping_patrol_of(&tally(original));
            assert_eq!(got.patrol_id(), want, "{name}");
        }
        // Kinds whose patrol is required are left alone.
        let stop = Record::PatrolStopped(PatrolStop {
            patrol_id: q,
            note: None,
        });
        assert_eq!(stop.clone().keeping_patrol_of(&tally(Some(p))), stop);
    }
}
