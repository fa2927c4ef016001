//! `patrol`: the headless device CLI. Each run opens the device store, does one thing, and
//! closes it. Bad input prints one line on stderr and exits non-zero with nothing written.
//! Exit codes: 0 ok, 1 error, 2 usage, 3 ledger broken (`verify`). A reader that closes stdout
//! early (`patrol log --json | head`) ends the command quietly with 0: what was asked is done,
//! the output was simply not all wanted.

/// `println!` that returns the write's error instead of panicking on a closed pipe; `?` it.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

/// `print!`, likewise.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)
    }};
}

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
            // The message up to clap's usage block, on one line: a list of missing
            // arguments follows its first line indented.
            let text = e.render().to_string();
            let message = text.split("\n\n").next().unwrap_or("invalid arguments");
            let joined: Vec<&str> = message.lines().map(str::trim).collect();
            let joined = joined.join(" ");
            let line = joined.trim_start_matches("error: ");
            eprintln!("patrol: {line} (see `patrol --help`)");
            return ExitCode::from(2);
        }
    };
    match run::run(cli) {
        Ok(code) => code,
        Err(e) if closed_stdout(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("patrol: {}", one_line(&e));
            ExitCode::from(1)
        }
    }
}

/// The reader of stdout went away (EPIPE): not an error of the command.
fn closed_stdout(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

fn one_line(e: &anyhow::Error) -> String {
    e.chain()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ")
        .replace('\n', " ")
}
