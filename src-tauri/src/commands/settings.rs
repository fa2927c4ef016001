//! Settings kept with the ledger: the UI language and the HQ address. The device secret is
//! never among them (see `crate::secrets`).

use crate::dto::{LANGUAGE_KEY, LANGUAGES, Settings};
use crate::error::{CmdResult, CommandError};
use crate::state::AppState;
use patrol_device::Store;
use tauri::State;

fn read(store: &Store) -> patrol_device::Result<Settings> {
    Ok(Settings {
        language: store
            .setting(LANGUAGE_KEY)?
            .unwrap_or_else(|| LANGUAGES[0].to_owned()),
        hq_url: store.hq_url()?,
    })
}

#[tauri::command(rename_all = "snake_case")]
pub fn get_settings(state: State<'_, AppState>) -> CmdResult<Settings> {
    state.with_store(|s| read(s))
}

/// Change the language and/or the HQ address (for when HQ moves; enrolment stays valid).
#[tauri::command(rename_all = "snake_case")]
pub fn set_settings(
    state: State<'_, AppState>,
    language: String,
    hq_url: Option<String>,
) -> CmdResult<Settings> {
    let language = language.trim();
    if !LANGUAGES.contains(&language) {
        return Err(CommandError::invalid(
            "language",
            format!(
                "unknown value `{language}` (expected one of: {})",
                LANGUAGES.join(", ")
            ),
        ));
    }
    let hq_url = super::non_blank(hq_url)
        .map(|u| patrol_sync::normalize_hq_url(&u))
        .transpose()?;
    state.with_store(|s| -> CmdResult<_> {
        s.set_setting(LANGUAGE_KEY, language)?;
        if let Some(url) = &hq_url {
            s.set_setting("hq_url", url)?;
        }
        Ok(read(s)?)
    })
}
