//! The simulator's command line as scripts call it (`scripts/run`, the HQ page test). Being an
//! integration test also makes `cargo test` build `target/debug/patrol-sim`, which the page
//! test then runs against the real HQ.

use std::process::Command;

fn sim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_patrol-sim"))
}

#[test]
fn help_names_the_options_scripts_use() {
    let out = sim().arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in ["--hq", "--operator-token", "--data", "--days"] {
        assert!(help.contains(flag), "{flag} missing from:\n{help}");
    }
}

#[test]
fn a_bad_option_is_refused_with_a_reason() {
    let out = sim().args(["--days", "many"]).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--days"), "{err}");
}
