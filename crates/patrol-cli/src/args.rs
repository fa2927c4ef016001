//! The command line, as clap types. Names here (commands, flags, slugs) are an interface
//! scripts depend on: add freely, never rename.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// Patrol companion, headless: record patrols and reports into this device's ledger.
#[derive(Debug, Parser)]
#[command(name = "patrol", version, about)]
pub struct Cli {
    /// The device's data folder (created if missing).
    #[arg(long, global = true, env = "PATROL_DATA", value_name = "DIR")]
    pub data: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start a patrol.
    Start(StartArgs),
    /// Stop the running patrol (seals buffered fixes first).
    Stop {
        #[arg(long)]
        note: Option<String>,
    },
    /// Append a position fix to the running patrol.
    Fix(FixArgs),
    /// Routes recorded elsewhere.
    #[command(subcommand)]
    Track(TrackCommand),
    /// Record a report.
    Report(ReportArgs),
    /// Check in to or out of a post.
    Post {
        #[arg(value_enum)]
        action: PostAction,
        post: String,
        /// An officer holding the post (repeat for each; arrive only, outside a patrol).
        #[arg(long = "officer", value_name = "NAME")]
        officers: Vec<String>,
        /// Volunteers with them, as CATEGORY=COUNT (arrive only; repeatable).
        #[arg(long = "volunteers", value_name = "CATEGORY=N")]
        volunteers: Vec<String>,
        #[command(flatten)]
        at: AtArgs,
    },
    /// Correct (--json) or withdraw (--withdraw) an earlier entry by its seq.
    Supplement(SupplementArgs),
    /// Photos, stored by SHA-256.
    #[command(subcommand)]
    Photo(PhotoCommand),
    /// Reference data (grid, posts, groups).
    #[command(subcommand)]
    City(CityCommand),
    /// The ledger, newest last.
    Log {
        #[arg(long)]
        json: bool,
    },
    /// Integrity check and chain verification; exit 0 when intact, 3 naming the bad entry.
    Verify,
    /// Export routes to stdout (gpx, geojson), or write a station bundle to FILE (`bundle`):
    /// everything HQ does not yet hold, signed, for `patrol-hq import bundle FILE` when this
    /// device cannot reach HQ.
    Export {
        #[arg(value_enum)]
        format: ExportFormat,
        /// The bundle file to write (`bundle` only).
        file: Option<std::path::PathBuf>,
        /// Only this patrol (default: every patrol; routes only).
        #[arg(long)]
        patrol: Option<String>,
    },
    /// This device: running patrol, unsynced entries, today's tallies, post duty, enrolment
    /// and the last receipt from HQ.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Enrol this device with HQ using a one-time code from the station.
    ///
    /// An HQ whose certificate comes from the city's own authority: set PATROL_HQ_CA=FILE
    /// (PEM), for `enroll` and `sync` alike.
    Enroll {
        /// HQ's address, e.g. https://hq.example or http://10.1.2.3:8787.
        #[arg(long, value_name = "URL")]
        hq: String,
        /// The one-time code shown at the station.
        #[arg(long)]
        code: String,
    },
    /// Send HQ everything it lacks and print its receipt. Exit 0 when HQ holds everything,
    /// 1 when the sync failed or left something behind, 3 when the ledger is broken, 4 when
    /// the queue is stuck.
    ///
    /// PATROL_HQ_CA=FILE (PEM) trusts the city's own certificate authority instead of the
    /// system's.
    Sync,
    /// Dispatches from HQ (派警): list them, and record each step (every sync pulls new ones).
    #[command(subcommand)]
    Dispatch(DispatchCommand),
}

#[derive(Debug, Subcommand)]
pub enum DispatchCommand {
    /// Dispatches on this device, newest first, with their steps; `--json` for scripts.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Accept the dispatch: the unit is going.
    Accept(StepArgs),
    /// On the way.
    Enroute(StepArgs),
    /// On scene.
    Arrive(StepArgs),
    /// Cleared, with how (--outcome arrest-made|resolved|report-taken|handed-over|no-trace|
    /// false-alarm).
    Clear {
        #[command(flatten)]
        step: StepArgs,
        #[arg(long)]
        outcome: String,
    },
    /// Cannot go, with why (--reason).
    Decline {
        #[command(flatten)]
        step: StepArgs,
        #[arg(long)]
        reason: String,
    },
}

#[derive(Debug, Args)]
pub struct StepArgs {
    /// The dispatch id (as `dispatch list` shows it; the first 8 or more digits will do).
    pub id: String,
    #[command(flatten)]
    pub at: AtArgs,
}

#[derive(Debug, Args)]
pub struct StartArgs {
    #[arg(long, value_name = "foot|car|motorcycle|e-bike|bicycle")]
    pub mode: String,
    #[arg(long, value_name = "GROUP")]
    pub group: String,
    /// An officer on this patrol (repeat for each).
    #[arg(long = "officer", value_name = "NAME")]
    pub officers: Vec<String>,
    /// Volunteers who joined, as CATEGORY=COUNT (e.g. red-vest=3; repeatable).
    #[arg(long = "volunteers", value_name = "CATEGORY=N")]
    pub volunteers: Vec<String>,
    /// Plate of the patrol car or motorcycle.
    #[arg(long)]
    pub vehicle: Option<String>,
    #[command(flatten)]
    pub at: AtArgs,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    #[arg(allow_negative_numbers = true)]
    pub lat: f64,
    #[arg(allow_negative_numbers = true)]
    pub lon: f64,
    /// Horizontal accuracy in metres.
    #[arg(long, allow_negative_numbers = true)]
    pub accuracy: Option<f64>,
    /// Time of the fix (RFC 3339); default now.
    #[arg(long, value_name = "RFC3339")]
    pub at: Option<String>,
    #[arg(long, allow_negative_numbers = true)]
    pub speed: Option<f64>,
    #[arg(long, allow_negative_numbers = true)]
    pub heading: Option<f64>,
    #[arg(long, allow_negative_numbers = true)]
    pub altitude: Option<f64>,
}

#[derive(Debug, Subcommand)]
pub enum TrackCommand {
    /// Import a GPX 1.0/1.1 file as a finished patrol; prints the patrol id.
    Import {
        file: PathBuf,
        #[arg(long, default_value = "foot")]
        mode: String,
        #[arg(long, default_value = "IMPORT")]
        group: String,
    },
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// violation, lost-person, accident, assistance, incident.
    pub kind: String,
    /// The report as a JSON file (the body of the report kind).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Violation type slug (violation only, without --json).
    #[arg(long = "type", value_name = "TYPE")]
    pub violation_type: Option<String>,
    #[arg(long)]
    pub plate: Option<String>,
    #[arg(long, value_name = "KIND")]
    pub vehicle: Option<String>,
    /// Items seized on the spot.
    #[arg(long, default_value_t = 0)]
    pub seized: u32,
    #[arg(long)]
    pub note: Option<String>,
    /// A photo file to store and attach (repeatable).
    #[arg(long = "photo", value_name = "FILE")]
    pub photos: Vec<PathBuf>,
    #[command(flatten)]
    pub at: AtArgs,
}

#[derive(Debug, Args, Default)]
pub struct AtArgs {
    /// Where it happened (also stamps the grid cell).
    #[arg(long, allow_negative_numbers = true, requires = "lon")]
    pub lat: Option<f64>,
    #[arg(long, allow_negative_numbers = true, requires = "lat")]
    pub lon: Option<f64>,
}

#[derive(Debug, Args)]
pub struct SupplementArgs {
    /// Seq of the entry to correct or withdraw.
    pub seq: u64,
    #[arg(long)]
    pub reason: String,
    #[arg(long, conflicts_with = "json")]
    pub withdraw: bool,
    /// The corrected report body (same kind as the original).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum PhotoCommand {
    /// Store a photo; prints its reference (sha256, size, mime) as JSON.
    Add { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum CityCommand {
    /// Load reference data from a city JSON file.
    Import { file: PathBuf },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PostAction {
    Arrive,
    Leave,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Gpx,
    Geojson,
    /// A station bundle (entries and photos HQ does not yet hold).
    Bundle,
}
