//! Settings kept with the ledger: the UI language and the HQ address. The device secret is
//! never among them (see `crate::secrets`), and it is bound to the HQ that issued it: on an
//! enrolled device the HQ address cannot be changed here, only by enrolling again.

use crate::dto::{LANGUAGE_KEY, LANGUAGES, Settings};
use crate::error::{CmdResult, CommandError};
use crate::state::AppState;
use patrol_device::Store;
use patrol_model::ValidationCode;
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

/// Change the language and/or the HQ address. The address can be set before enrolment (the
/// enrol screen starts from it); on an enrolled device any other address than the enrolled one
/// is refused (`invalid`, field `hq_url`) and nothing is changed: moving to another HQ takes a
/// new enrolment with a code from that HQ, so the secret never goes to a host that did not
/// issue it.
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
            ValidationCode::Enum,
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
        // The address first: when it is refused, the language is not half-saved either.
        if let Some(url) = &hq_url {
            s.set_hq_url(url)?;
        }
        s.set_setting(LANGUAGE_KEY, language)?;
        Ok(read(s)?)
    })
}

/// The command as the web view calls it, on Tauri's mock runtime (tests/commands.rs drives the
/// others the same way).
#[cfg(test)]
mod tests {
    use crate::state::AppState;
    use crate::{Options, configure};
    use serde_json::{Value, json};
    use tauri::Manager;
    use tauri::ipc::{CallbackFn, InvokeBody};
    use tauri::test::{INVOKE_KEY, get_ipc_response, mock_builder, mock_context, noop_assets};
    use tauri::webview::InvokeRequest;

    #[test]
    fn an_enrolled_device_cannot_be_pointed_at_another_hq() {
        let dir = tempfile::tempdir().unwrap();
        let options = Options {
            data_dir: Some(dir.path().to_path_buf()),
            key_file: Some(dir.path().join("store.key")),
            ..Options::default()
        };
        let app = configure(mock_builder(), options)
            .unwrap()
            .build(mock_context(noop_assets()))
            .unwrap();
        let webview = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
            .build()
            .unwrap();
        let call = |cmd: &str, args: Value| -> Result<Value, Value> {
            let request = InvokeRequest {
                cmd: cmd.into(),
                callback: CallbackFn(0),
                error: CallbackFn(1),
                url: "tauri://localhost".parse().unwrap(),
                body: InvokeBody::Json(args),
                headers: Default::default(),
                invoke_key: INVOKE_KEY.to_string(),
            };
            get_ipc_response(&webview, request).map(|b| b.deserialize::<Value>().unwrap())
        };
        let set = |language: &str, hq_url: Value| {
            call(
                "set_settings",
                json!({"language": language, "hq_url": hq_url}),
            )
        };

        // Before enrolment the address is only what the enrol screen starts from.
        set("en", json!("https://old.example")).unwrap();
        let refused = set("en", json!("http://hq.example")).unwrap_err();
        assert_eq!(refused["field"], "hq_url", "{refused}");
        assert_eq!(refused["code"], "url", "{refused}");
        assert!(
            refused["message"].as_str().unwrap().contains("clear text"),
            "{refused}"
        );

        let state = app.state::<AppState>();
        state
            .with_store(|s| s.save_enrollment("https://hq.example", "CD-01", "s3cret"))
            .unwrap();
        let refused = set("zh-CN", json!("https://elsewhere.example")).unwrap_err();
        assert_eq!(
            refused,
            json!({
                "kind": "invalid",
                "field": "hq_url",
                "code": "conflict",
                "message": "hq_url: enrolled with HQ https://hq.example; enrol again to change HQ",
            })
        );
        assert_eq!(
            call("get_settings", json!({})).unwrap(),
            json!({"language": "en", "hq_url": "https://hq.example"}),
            "nothing changed, not even the language"
        );
        let creds = state
            .with_store(|s| crate::secrets::credentials(&state.keys, s))
            .unwrap();
        assert_eq!(creds.hq_url, "https://hq.example");

        // The enrolled address itself (as typed, with a slash) and no address are fine.
        assert_eq!(
            set("zh-CN", json!("https://hq.example/")).unwrap(),
            json!({"language": "zh-CN", "hq_url": "https://hq.example"})
        );
        assert_eq!(
            set("en", Value::Null).unwrap(),
            json!({"language": "en", "hq_url": "https://hq.example"})
        );
    }
}
