//! `patrol-sim`: simulated devices — one per patrol group, community patrol team and post of the
//! city — living through one or more days at the story's scale (`plan.rs` decides who goes out
//! when; `day.rs` records it): patrol routes along their grid cells, violation tallies, reports,
//! post duty at peak hours. Everything is recorded through the real device core (with a hand-set
//! clock) and synced to a real HQ over HTTP, so HQ ends up exactly as if officers had been out.

mod day;
mod hq;
mod plan;
#[cfg(test)]
mod tests;

use anyhow::{Context, Result};
use chrono::{NaiveDate, TimeZone};
use clap::Parser;
use std::path::PathBuf;

/// Simulate a patrol day against a running HQ.
#[derive(Debug, Parser)]
#[command(name = "patrol-sim", version, about)]
struct Args {
    /// HQ's address, e.g. http://127.0.0.1:8787
    #[arg(long)]
    hq: String,
    /// An operator token (`patrol-hq operator add NAME`), used to read the city and enrol devices.
    #[arg(long, env = "PATROL_OPERATOR_TOKEN")]
    operator_token: String,
    /// Where the simulated devices keep their data (default: a temporary folder).
    #[arg(long)]
    data: Option<PathBuf>,
    /// Patrol groups to simulate (default: every group of the city).
    #[arg(long)]
    groups: Option<usize>,
    /// Posts to staff (default: every post of the city).
    #[arg(long)]
    posts: Option<usize>,
    /// The last local day to simulate (default: today, up to now), never past now.
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
    /// Community patrol teams (station officers with the neighbourhood's volunteers).
    #[arg(long, default_value_t = plan::COMMUNITY_TEAMS)]
    communities: usize,
    /// Days to simulate back to back, ending on `--date`; devices keep their stores across days.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=400))]
    days: u32,
    /// Seconds between two fixes of a simulated track (a phone records every second; sparser
    /// keeps a demo day quick, the codec and sync treat both alike).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(i64).range(1..=3600))]
    fix_every: i64,
    /// Devices recording and syncing at once.
    #[arg(long, default_value_t = 8)]
    parallel: usize,
    #[arg(long, default_value_t = 2026)]
    seed: u64,
}

#[tokio::main]
async fn main() {
    if let Err(e) = run(Args::parse()).await {
        let msg = e
            .chain()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(": ");
        eprintln!("patrol-sim: {msg}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<()> {
    let hq = hq::Hq::new(&args.hq, &args.operator_token)?;
    let city = hq
        .city()
        .await
        .context("cannot read the city from HQ (import one first)")?;
    let tz = city.tz();
    let now_ms = chrono::Utc::now().timestamp_millis();
    let date = match &args.date {
        Some(d) => NaiveDate::parse_from_str(d, "%Y-%m-%d")
            .with_context(|| format!("--date `{d}` must be YYYY-MM-DD"))?,
        // Today, whatever the hour: patrols run around the clock, so even at 02:00 the night
        // sorties are out, and the command centre's page (which opens on today) shows them
        // live; a sortie still under way at now is left open.
        None => tz
            .timestamp_millis_opt(now_ms)
            .single()
            .context("clock out of range")?
            .date_naive(),
    };
    let tmp;
    let data = match &args.data {
        Some(d) => d.clone(),
        None => {
            tmp = tempfile::tempdir()?;
            tmp.path().to_path_buf()
        }
    };
    let first = date - chrono::Days::new(u64::from(args.days - 1));
    let dates: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= date).collect();
    let plan = day::SimPlan {
        city: &city,
        dates: dates.clone(),
        until_ms: now_ms,
        groups: args
            .groups
            .unwrap_or(city.groups.len())
            .min(city.groups.len()),
        posts: args.posts.unwrap_or(city.posts.len()).min(city.posts.len()),
        communities: args.communities,
        seed: args.seed,
        fix_every_s: args.fix_every,
        parallel: args.parallel,
    };
    eprintln!(
        "patrol-sim: simulating {first} … {date} in {} with {} groups, {} community teams and {} posts",
        city.name, plan.groups, plan.communities, plan.posts
    );
    let started = std::time::Instant::now();
    let totals = day::simulate(&plan, &hq, &data).await?;
    eprintln!(
        "patrol-sim: {} devices recorded {} entries ({} fixes) and synced them in {:.1} s",
        totals.devices,
        totals.entries,
        totals.fixes,
        started.elapsed().as_secs_f64()
    );
    let mut last = None;
    for d in &dates {
        let s = hq.daily_stats(*d).await?;
        eprintln!(
            "patrol-sim: {d}: {} officer-trips, {} vehicle-trips, {} volunteers, {} violations, {} assistance, {} disputes, {} lost, {} thefts",
            s.officer_trips,
            s.vehicle_trips,
            s.volunteers_total,
            s.violations_total,
            s.assistance_cases,
            s.disputes_resolved,
            s.lost_persons,
            s.thefts
        );
        last = Some(s);
    }
    // The last day's figures, as before (scripts/run keeps them as stats.json).
    if let Some(stats) = last {
        println!("{}", serde_json::to_string_pretty(&stats)?);
    }
    Ok(())
}
