//! `patrol`: the headless device CLI. Each run opens the device store, does one thing, and
//! closes it. Bad input prints one line on stderr and exits non-zero with nothing written.
//! Exit codes: 0 ok, 1 error, 2 usage, 3 ledger broken (`verify`).

mod args;
mod report;
mod run;
mod show;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // One clear line instead of clap's usage block.
            let text = e.render().to_string();
            let line = text
                .lines()
                .next()
                .unwrap_or("invalid arguments")
                .trim_start_matches("error: ");
            eprintln!("patrol: {line} (see `patrol --help`)");
            return ExitCode::from(2);
        }
    };
    match run::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("patrol: {}", one_line(&e));
            ExitCode::from(1)
        }
    }
}

fn one_line(e: &anyhow::Error) -> String {
    e.chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
        .replace('\n', " ")
}
