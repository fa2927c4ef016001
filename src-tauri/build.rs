//! Tauri's build step, with an app manifest naming every command of docs/app-api.md. Tauri then
//! generates an `allow-<command>` permission for each, and capabilities/default.json grants
//! them one by one: a command missing there cannot be called from the web view.

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(patrol_commands::ALL)),
    )
    .expect("tauri build step failed");
}

#[path = "src/commands/names.rs"]
mod patrol_commands;
