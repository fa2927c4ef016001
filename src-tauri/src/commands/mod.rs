//! The commands of docs/app-api.md, one function each and each thin: check the input (naming
//! the field at fault), make one call into the core, convert the answer. Arguments arrive with
//! the contract's snake_case keys (`rename_all = "snake_case"`). Slugs and report bodies are taken
//! as strings and JSON and parsed here, so a bad value rejects as `{kind: "invalid", field}`
//! instead of Tauri's generic "invalid args" text.

pub mod names;

mod drafts;
mod home;
mod patrol;
mod position;
mod posts;
mod records;
mod settings;
mod sync;

pub use drafts::*;
pub use home::*;
pub use patrol::*;
pub use position::*;
pub use posts::*;
pub use records::*;
pub use settings::*;
pub use sync::*;

use crate::error::{CmdResult, CommandError};
use patrol_model::ValidationError;
use serde::de::DeserializeOwned;
use std::str::FromStr;

/// Parse a slug (`no-helmet`, `e-bike`, …) naming `field` when it is unknown.
pub(crate) fn slug<T: FromStr<Err = ValidationError>>(field: &str, value: &str) -> CmdResult<T> {
    value
        .trim()
        .parse()
        .map_err(|e: ValidationError| CommandError::invalid(field, e.reason))
}

/// An optional text from a form: blank means absent.
pub(crate) fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Deserialize JSON from the UI, naming the path of the first bad field (prefixed by `within`).
pub(crate) fn from_json<T: DeserializeOwned>(
    value: serde_json::Value,
    within: &str,
) -> CmdResult<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
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
        // A plate or id that fails its own check says so; keep only that reason.
        let reason = strip_field_prefix(&reason, &field);
        CommandError::invalid(field, reason)
    })
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

    #[track_caller]
    fn check<T: DeserializeOwned + std::fmt::Debug>(
        value: serde_json::Value,
        within: &str,
        field: &str,
    ) {
        let e = from_json::<T>(value, within).unwrap_err();
        assert_eq!(
            (e.kind.as_str(), e.field.as_deref()),
            ("invalid", Some(field)),
            "{e:?}"
        );
    }

    #[test]
    fn bad_bodies_name_the_field() {
        use patrol_model::{LostPersonReport, TrafficAccidentReport};
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
            json!({"vehicles": [{"kind": "car"}, {"kind": "car", "plate": "ABC"}]}),
            "",
            "vehicles[1].plate",
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
            e.message.starts_with("vehicles[0].plate: `ABC` must start"),
            "{}",
            e.message
        );
    }

    #[test]
    fn slugs_name_the_field() {
        let e = slug::<patrol_model::ViolationType>("type", "no-hat").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("type"));
        assert!(e.message.contains("no-helmet"), "{}", e.message);
        assert_eq!(non_blank(Some("  ".into())), None);
        assert_eq!(non_blank(Some(" a ".into())), Some("a".into()));
    }
}
