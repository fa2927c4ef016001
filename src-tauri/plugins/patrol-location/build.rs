//! The plugin has no commands the web view may call: the shell calls it from Rust only.
//! `android_path`/`ios_path` hand the native sources to `tauri android|ios` builds.

const COMMANDS: &[&str] = &[];

fn main() {
    tauri_plugin::Builder::new(COMMANDS)
        .android_path("android")
        .ios_path("ios")
        .build();
}
