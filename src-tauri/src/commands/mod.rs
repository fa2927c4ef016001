//! The commands of docs/app-api.md, one function each and each thin: check the input (naming
//! the field at fault), make one call into the core, convert the answer. Arguments arrive with
//! the contract's snake_case keys (`rename_all = "snake_case"`). Slugs and report bodies are taken
//! as strings and JSON and parsed here, so a bad value rejects as `{kind: "invalid", field}`
//! instead of Tauri's generic "invalid args" text.

pub mod names;

mod dispatch;
mod drafts;
mod home;
mod map;
mod patrol;
mod position;
mod posts;
mod records;
mod settings;
mod sync;

pub use dispatch::*;
pub use drafts::*;
pub use home::*;
pub use map::*;
pub use patrol::*;
pub use position::*;
pub use posts::*;
pub use records::*;
pub use settings::*;
pub use sync::*;

use crate::error::{CmdResult, CommandError};
use patrol_model::ValidationError;
use std::str::FromStr;

/// Parse a slug (`no-helmet`, `e-bike`, …) naming `field` when it is unknown.
pub(crate) fn slug<T: FromStr<Err = ValidationError>>(field: &str, value: &str) -> CmdResult<T> {
    value
        .trim()
        .parse()
        .map_err(|e: ValidationError| CommandError::from(e.at(field)))
}

/// An optional text from a form: blank means absent.
pub(crate) fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_name_the_field() {
        let e = slug::<patrol_model::ViolationType>("type", "no-hat").unwrap_err();
        assert_eq!(e.field.as_deref(), Some("type"));
        assert!(e.message.contains("no-helmet"), "{}", e.message);
        assert_eq!(non_blank(Some("  ".into())), None);
        assert_eq!(non_blank(Some(" a ".into())), Some("a".into()));
    }
}
