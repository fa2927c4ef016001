//! The one test kit (dev-only): everything tests and benches across the workspace set up the same
//! way, so each test says only what it is about.
//!
//! - [`Hq`]: the real HQ (`patrol_hq::serve`) on `127.0.0.1:0`, bound before serving so nothing
//!   waits for it, with an operator token and the demo city (or a city of the test's own); on
//!   SQLite in a temp dir or on PostgreSQL. [`BlockingHq`] is the same on its own runtime, for
//!   tests that are not async (the app shell's, the CLI's). [`process::HqProcess`] is the
//!   `patrol-hq` binary as a child process, for the tests that kill it.
//! - [`proxy::Proxy`]: one fault proxy between a device and HQ — requests refused before HQ sees
//!   them, answers cut after HQ committed, scripted answers, black-holed connections — counting
//!   every byte both ways.
//! - [`chain`]: ledgers sealed as a device seals them; [`shift`]: a 1 Hz shift and its records.
//! - [`city`]: the demo city and a one-cell test city; [`migrations`]: the SHA-256 pins that keep
//!   a shipped migration from being edited; [`bench`]: size knobs, the runtime, percentiles.
//!
//! It links HQ and the device store, never `patrol-sync`, so that crate's own tests can use it.

pub mod bench;
pub mod chain;
pub mod city;
mod hq;
pub mod migrations;
pub mod process;
pub mod proxy;
pub mod shift;

pub use hq::{BlockingHq, Hq};
pub use proxy::{Fault, Proxy};

/// 2026-11-29 08:00 in Changde (UTC+8): the morning every fixed-clock test starts on.
pub const T0: i64 = 1_764_374_400_000;

/// A file of this repository, by its path from the top (`demo/changde-city.json`).
pub fn repo_file(path: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}
