//! Building a record from a report's kind and its JSON body, the one way the app and the
//! `patrol` CLI both do it: the body is read naming the path of the first bad field
//! (`vehicles[1].plate`), the running patrol and the place of capture are filled in when the
//! body leaves them out, and the record is validated. A correction states its report whole:
//! nothing is filled in (the store keeps the original's patrol link itself).

use crate::{EntryKind, LatLon, PatrolId, Record, ValidationCode, ValidationError};
use serde::de::DeserializeOwned;
use std::fmt;
use std::str::FromStr;

/// The reports an officer files from a form (the one-tap violation included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportKind {
    Violation,
    LostPerson,
    TrafficAccident,
    Assistance,
    Incident,
}

impl ReportKind {
    pub const ALL: &'static [ReportKind] = &[
        ReportKind::Violation,
        ReportKind::LostPerson,
        ReportKind::TrafficAccident,
        ReportKind::Assistance,
        ReportKind::Incident,
    ];

    /// The entry kind a report of this kind becomes; its name is the canonical spelling.
    pub fn entry_kind(self) -> EntryKind {
        match self {
            ReportKind::Violation => EntryKind::Violation,
            ReportKind::LostPerson => EntryKind::LostPerson,
            ReportKind::TrafficAccident => EntryKind::TrafficAccident,
            ReportKind::Assistance => EntryKind::Assistance,
            ReportKind::Incident => EntryKind::Incident,
        }
    }

    /// The report kind of an entry kind, if entries of that kind are reports.
    pub fn of(kind: EntryKind) -> Option<ReportKind> {
        ReportKind::ALL
            .iter()
            .copied()
            .find(|r| r.entry_kind() == kind)
    }
}

impl fmt::Display for ReportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.entry_kind().as_str())
    }
}

impl FromStr for ReportKind {
    type Err = ValidationError;

    /// The entry kind's name (`lost_person`, `traffic_accident`), and the spellings people type
    /// on the command line (`lost-person`, `accident`, `traffic-accident`, `dispute`, `theft`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s.trim() {
            "violation" => ReportKind::Violation,
            "lost_person" | "lost-person" => ReportKind::LostPerson,
            "traffic_accident" | "traffic-accident" | "accident" => ReportKind::TrafficAccident,
            "assistance" | "dispute" => ReportKind::Assistance,
            "incident" | "theft" => ReportKind::Incident,
            other => {
                let shown = other.chars().take(40).collect::<String>();
                return Err(ValidationError::new(
                    "kind",
                    ValidationCode::Enum,
                    format!(
                        "unknown report kind `{shown}` (expected one of: violation, lost_person, \
                         traffic_accident, assistance, incident)"
                    ),
                )
                .with("value", shown)
                .with(
                    "allowed",
                    "violation, lost_person, traffic_accident, assistance, incident",
                ));
            }
        })
    }
}

/// What only the capturing device knows: the running patrol and where the officer is.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Filled {
    pub patrol_id: Option<PatrolId>,
    pub at: Option<LatLon>,
}

/// A report of `kind` from its JSON `body`, with the patrol and the place filled in where the
/// body leaves them out, validated. Errors name the field (`vehicles[1].plate`).
pub fn build_report(
    kind: ReportKind,
    body: serde_json::Value,
    filled: Filled,
) -> Result<Record, ValidationError> {
    let record = match kind {
        ReportKind::Violation => {
            let mut r: crate::ViolationTally = from_json(body, "")?;
            r.patrol_id = r.patrol_id.or(filled.patrol_id);
            r.at = r.at.or(filled.at);
            Record::Violation(r)
        }
        ReportKind::LostPerson => {
            let mut r: crate::LostPersonReport = from_json(body, "")?;
            r.patrol_id = r.patrol_id.or(filled.patrol_id);
            r.found_at = r.found_at.or(filled.at);
            Record::LostPerson(r)
        }
        ReportKind::TrafficAccident => {
            let mut r: crate::TrafficAccidentReport = from_json(body, "")?;
            r.patrol_id = r.patrol_id.or(filled.patrol_id);
            r.at = r.at.or(filled.at);
            Record::TrafficAccident(r)
        }
        ReportKind::Assistance => {
            let mut r: crate::AssistanceRecord = from_json(body, "")?;
            r.patrol_id = r.patrol_id.or(filled.patrol_id);
            r.at = r.at.or(filled.at);
            Record::Assistance(r)
        }
        ReportKind::Incident => {
            let mut r: crate::IncidentReport = from_json(body, "")?;
            r.patrol_id = r.patrol_id.or(filled.patrol_id);
            r.at = r.at.or(filled.at);
            Record::Incident(r)
        }
    };
    record.validate()?;
    submission_rules(&record)?;
    Ok(record)
}

/// What a device asks of a report when the officer submits it, beyond what any stored record
/// must satisfy ([`Record::validate`], which HQ checks too): an accident without its required
/// photos says why. HQ never applies these, so entries from older apps stay valid.
fn submission_rules(record: &Record) -> Result<(), ValidationError> {
    if let Record::TrafficAccident(r) = record {
        let missing = r.missing_slots();
        let blank = r
            .photos_missing_reason
            .as_deref()
            .is_none_or(|t| t.trim().is_empty());
        if !missing.is_empty() && blank {
            let slots: Vec<&str> = missing.iter().map(|s| s.slug()).collect();
            return Err(ValidationError::new(
                "photos_missing_reason",
                ValidationCode::Required,
                format!(
                    "is required when the {} photo{} {} missing",
                    slots.join(", "),
                    if slots.len() == 1 { "" } else { "s" },
                    if slots.len() == 1 { "is" } else { "are" },
                ),
            )
            .with("missing", slots.join(", ")));
        }
    }
    Ok(())
}

/// The corrected record of an entry of `kind`, stated whole in `body` (nothing filled in);
/// errors name `correction.<field>`.
pub fn build_correction(
    kind: EntryKind,
    body: serde_json::Value,
) -> Result<Record, ValidationError> {
    let record: Record = match ReportKind::of(kind) {
        Some(r) => build_report(r, body, Filled::default()).map_err(|e| e.within("correction"))?,
        None => from_json(
            serde_json::json!({ "kind": kind.as_str(), "body": body }),
            "",
        )
        .map_err(|mut e: ValidationError| {
            // Say `correction.plate`, not the `body.plate` of the tagged record.
            if let Some(rest) = e.field.strip_prefix("body") {
                e.field = format!("correction{rest}");
            }
            e
        })?,
    };
    record.validate().map_err(|e| e.within("correction"))?;
    Ok(record)
}

/// Deserialize JSON, naming the path of the first bad field (prefixed by `within`) and why, in
/// the words of the check that failed (a plate's own rule, a missing field's name).
pub fn from_json<T: DeserializeOwned>(
    value: serde_json::Value,
    within: &str,
) -> Result<T, ValidationError> {
    serde_path_to_error::deserialize(&value).map_err(|e| {
        let at = pointer(e.path());
        let path = e.path().to_string();
        let inner = e.into_inner().to_string();
        let reason = inner.split(" at line ").next().unwrap_or(&inner).to_owned();
        let mut field = join(within, if path == "." { "" } else { &path });
        if let Some(missing) = reason
            .strip_prefix("missing field `")
            .and_then(|r| r.split('`').next())
        {
            field = join(&field, missing);
        }
        if field.is_empty() {
            field = "body".into();
        }
        let reason = strip_field_prefix(&reason, &field);
        let found = value.pointer(&at);
        // A value whose own type refused it (a plate, a tier) says which rule it broke; parse
        // it again to hear that, instead of guessing from serde's words.
        let own = match (found, field.rsplit(['.', ']']).next()) {
            (Some(serde_json::Value::String(s)), Some(last)) if last.ends_with("plate") => {
                s.parse::<crate::Plate>().err()
            }
            (Some(serde_json::Value::Number(n)), Some("tier")) => n
                .as_u64()
                .and_then(|m| u8::try_from(m).ok())
                .and_then(|m| crate::Tier::try_from(m).err()),
            _ => None,
        };
        if let Some(own) = own {
            return ValidationError { field, ..own };
        }
        let code = if reason.starts_with("missing field") {
            ValidationCode::Required
        } else if reason.starts_with("unknown variant") {
            ValidationCode::Enum
        } else {
            ValidationCode::Format
        };
        let mut err = ValidationError::new(field, code, reason);
        if let Some(serde_json::Value::String(s)) = found {
            err = err.with("value", s.chars().take(40).collect::<String>());
        }
        err
    })
}

/// The JSON pointer (`/vehicles/1/plate`) of a serde path, to look at the value it refused.
fn pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::new();
    for seg in path.iter() {
        match seg {
            Segment::Seq { index } => out.push_str(&format!("/{index}")),
            Segment::Map { key } => {
                out.push('/');
                out.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    out
}

/// `parent.child`, `parent[1]`, or either alone when the other is empty.
fn join(parent: &str, child: &str) -> String {
    match (parent.is_empty(), child.is_empty()) {
        (_, true) => parent.to_owned(),
        (true, false) => child.to_owned(),
        (false, false) if child.starts_with('[') => format!("{parent}{child}"),
        (false, false) => format!("{parent}.{child}"),
    }
}

/// `plate: `X` must …` inside a path that already ends in `plate` reads twice; say it once.
fn strip_field_prefix(reason: &str, field: &str) -> String {
    let last = field.rsplit(['.', ']']).next().unwrap_or(field);
    reason
        .strip_prefix(&format!("{last}: "))
        .unwrap_or(reason)
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_are_spelled_one_way_and_typed_several() {
        #[track_caller]
        fn check(typed: &str, want: Option<ReportKind>) {
            assert_eq!(typed.parse::<ReportKind>().ok(), want, "{typed}");
        }
        use ReportKind::*;
        for k in ReportKind::ALL {
            check(&k.to_string(), Some(*k));
        }
        check("lost-person", Some(LostPerson));
        check("accident", Some(TrafficAccident));
        check("traffic-accident", Some(TrafficAccident));
        check("dispute", Some(Assistance));
        check("theft", Some(Incident));
        check("speeding", None);
        check("", None);
    }

    #[test]
    fn the_patrol_and_the_place_are_filled_in_when_left_out() {
        let patrol = PatrolId::new();
        let here = LatLon {
            lat: 29.03,
            lon: 111.69,
        };
        let filled = Filled {
            patrol_id: Some(patrol),
            at: Some(here),
        };
        let r = build_report(
            ReportKind::LostPerson,
            json!({"description": "老人走失", "outcome": "escorted-home"}),
            filled,
        )
        .unwrap();
        assert_eq!(r.patrol_id(), Some(patrol));
        let Record::LostPerson(l) = &r else { panic!() };
        assert_eq!(l.found_at, Some(here));
        // What the body says wins.
        let there = LatLon {
            lat: 29.0,
            lon: 111.6,
        };
        let r = build_report(
            ReportKind::Incident,
            json!({"kind": "theft", "description": "被盗", "outcome": "open",
                   "at": {"lat": 29.0, "lon": 111.6}}),
            filled,
        )
        .unwrap();
        let Record::Incident(i) = &r else { panic!() };
        assert_eq!(i.at, Some(there));
    }

    #[test]
    fn bad_bodies_name_the_field() {
        #[track_caller]
        fn check(kind: ReportKind, body: serde_json::Value, field: &str) {
            let e = build_report(kind, body, Filled::default()).unwrap_err();
            assert_eq!(e.field, field, "{e}");
        }
        check(
            ReportKind::TrafficAccident,
            json!({"vehicles": [{"kind": "car"}, {"kind": "car", "plate": "ABC"}]}),
            "vehicles[1].plate",
        );
        check(
            ReportKind::LostPerson,
            json!({"outcome": "ongoing"}),
            "description",
        );
        check(ReportKind::Assistance, json!([]), "body");
        check(
            ReportKind::LostPerson,
            json!({"description": " ", "outcome": "ongoing"}),
            "description",
        );
        let e = build_correction(EntryKind::Violation, json!({"type": "speeding"})).unwrap_err();
        assert_eq!(e.field, "correction.type", "{e}");
    }

    #[test]
    fn from_json_names_the_field_within() {
        use crate::{LostPersonReport, TrafficAccidentReport};
        #[track_caller]
        fn check<T: DeserializeOwned + std::fmt::Debug>(
            value: serde_json::Value,
            within: &str,
            field: &str,
        ) {
            let e = from_json::<T>(value, within).unwrap_err();
            assert_eq!(e.field, field, "{e}");
        }
        check::<LostPersonReport>(
            json!({"description": "x", "outcome": "lost"}),
            "",
            "outcome",
        );
        check::<LostPersonReport>(json!({"outcome": "ongoing"}), "", "description");
        check::<LostPersonReport>(json!("text"), "", "body");
        check::<LostPersonReport>(
            json!({"outcome": "ongoing"}),
            "correction",
            "correction.description",
        );
        check::<TrafficAccidentReport>(
            json!({"vehicles": [{"kind": "tank"}]}),
            "correction",
            "correction.vehicles[0].kind",
        );
        let e = from_json::<TrafficAccidentReport>(
            json!({"vehicles": [{"kind": "car", "plate": "ABC"}]}),
            "",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("vehicles[0].plate: `ABC` must start"),
            "{e}"
        );
    }
}
