//! `patrol-hq`: run HQ and administer it. Every subcommand opens the same storage as `serve`
//! (the SQLite file in `--data DIR`, or PostgreSQL with `--db`), so it works with HQ running.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use patrol_hq::storage::Role;
use patrol_hq::storage::{Storage, postgres::PgStorage, sqlite::SqliteStorage};
use patrol_hq::tls::{CertStore, TlsFiles, Transport};
use patrol_hq::{AppState, auth, verify};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// Patrol HQ: receives every device's ledger exactly once and serves the command centre.
#[derive(Debug, Parser)]
#[command(name = "patrol-hq", version, about)]
struct Cli {
    /// HQ's data folder (the embedded SQLite database lives here).
    #[arg(long, global = true, env = "PATROL_HQ_DATA", value_name = "DIR")]
    data: Option<PathBuf>,
    /// Cap the embedded SQLite database at this many MiB: past it uploads are refused (507) as
    /// on a full disk, nothing half-stored, until the cap is raised or space freed.
    #[arg(long, global = true, env = "PATROL_HQ_MAX_DB_MB", value_name = "MIB")]
    max_db_mb: Option<u64>,
    /// Use PostgreSQL instead of the embedded SQLite file.
    #[arg(long, global = true, env = "PATROL_HQ_DB", value_name = "postgres://…")]
    db: Option<String>,
    /// A streaming replica of --db for the command centre's reads of the ledger (the day's
    /// figures, units, coverage, reports, replay); everything checked or written stays on
    /// --db. Reads go to --db while the replica cannot be reached.
    #[arg(
        long,
        global = true,
        env = "PATROL_HQ_READ_DB",
        value_name = "postgres://…",
        requires = "db"
    )]
    read_db: Option<String>,
    /// Seconds the --read-db replica may fall behind (WAL waiting, its last replayed commit
    /// older than this) before the command centre's reads go back to --db until it catches up.
    #[arg(long, global = true, env = "PATROL_HQ_READ_DB_MAX_LAG_S", value_name = "SECONDS", default_value_t = patrol_hq::storage::postgres::MAX_REPLICA_LAG_S, requires = "read_db")]
    read_db_max_lag_s: u32,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the HTTP API: HTTPS with --tls-cert/--tls-key, or plain behind a TLS proxy
    /// (--behind-proxy). Plain HTTP beyond loopback is refused unless --insecure-http.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8787")]
        listen: String,
        /// HQ's certificate chain, PEM, leaf first; re-read on SIGHUP.
        #[arg(long, value_name = "FILE", requires = "tls_key")]
        tls_cert: Option<PathBuf>,
        /// The certificate's private key, PEM; re-read on SIGHUP.
        #[arg(long, value_name = "FILE", requires = "tls_cert")]
        tls_key: Option<PathBuf>,
        /// A TLS-terminating proxy (nginx, Caddy) forwards to this plain listener; client
        /// addresses come from the X-Forwarded-For hop it appends (see docs/deploy.md).
        #[arg(long)]
        behind_proxy: bool,
        /// Serve plain HTTP on a network address anyway: a closed test network only.
        #[arg(long, conflicts_with_all = ["tls_cert", "behind_proxy"])]
        insecure_http: bool,
        /// Serve the command-centre page from this folder (a built `hq-web/dist`) instead of
        /// the copy built into the binary: for working on the page.
        #[arg(long, value_name = "DIR")]
        web_dir: Option<PathBuf>,
        /// The city's base map: an MBTiles file of raster tiles, drawn under the page's
        /// overlays (docs/map-pack.md says how to make one). Without it the page draws none.
        #[arg(long, value_name = "FILE")]
        map_pack: Option<PathBuf>,
        /// Uploads planned and committed at once; more wait their turn (a queue, never a
        /// refusal). Default: twice the cores. On PostgreSQL with spare database cores, more
        /// raises the fleet's throughput at the cost of the command centre's answers during a
        /// burst (README, "Performance").
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        upload_slots: Option<u16>,
        /// How often a device's waiting inbox long-poll looks in the database for an order
        /// nobody woke it for (seconds). An order sent through this HQ, or through another HQ
        /// process over the same PostgreSQL, wakes it at once; this only bounds the delay when
        /// that wake-up is lost. Each look is a query per waiting device.
        #[arg(long, value_name = "SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=3600))]
        inbox_recheck_s: u64,
    },
    /// Enrolled devices and enrolment codes.
    #[command(subcommand)]
    Device(DeviceCommand),
    /// People who read HQ data.
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// Reference data: patrol grid, posts with duty windows, groups.
    #[command(subcommand)]
    City(CityCommand),
    /// Dispatch (派警): send units to a call, and see where each call stands.
    #[command(subcommand)]
    Dispatch(DispatchCommand),
    /// Bring in what devices carried by hand.
    #[command(subcommand)]
    Import(ImportCommand),
    /// The city's map pack (the base map under the page's and the app's overlays).
    #[command(subcommand)]
    MapPack(MapPackCommand),
    /// Walk every device's chain; exit 3 naming any gap, reorder or altered entry.
    Verify,
    /// The audit trail, newest first: who did what, when and from where.
    Audit {
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

#[derive(Debug, Subcommand)]
enum DeviceCommand {
    /// Print a one-time enrolment code for a new device (valid 24 hours).
    Add {
        #[arg(long)]
        name: String,
        /// Also write the code as a QR code PNG for the station screen.
        #[arg(long, value_name = "FILE.png")]
        qr: Option<PathBuf>,
    },
    List,
    /// Make an unredeemed enrolment code unusable at once (a code shown to the wrong person).
    CancelCode {
        /// The code, as printed by `device add` (dashes and case do not matter).
        code: String,
    },
    /// Revoke a device: it can no longer sync.
    Revoke {
        id: String,
    },
}

#[derive(Debug, Subcommand)]
enum OperatorCommand {
    /// Print a new operator token (shown once).
    Add {
        name: String,
        /// `viewer` reads figures; `admin` also mints codes, revokes and replaces the city.
        #[arg(long, default_value = "admin", value_parser = ["viewer", "admin"])]
        role: String,
        /// The token stops working after this many days.
        #[arg(long, value_name = "DAYS")]
        expires_days: Option<u32>,
    },
    /// Operators: id, role, created, expiry, revocation (never the tokens), then the
    /// command-centre sessions signed in now.
    List,
    /// Revoke at once: an operator's token and every session it signed in (its id or first 6+
    /// digits, from `list`), or one session (`s-` and its digits).
    Revoke { id: String },
}

#[derive(Debug, Subcommand)]
enum DispatchCommand {
    /// Create a dispatch at a point; with --unit, send it at once, else print the units ranked
    /// by estimated arrival (send with `dispatch send`).
    Create {
        #[arg(long, allow_hyphen_values = true)]
        lat: f64,
        #[arg(long, allow_hyphen_values = true)]
        lon: f64,
        /// theft, robbery, fight, dispute, traffic-accident, lost-person, assistance,
        /// suspicious, other.
        #[arg(long)]
        kind: patrol_model::DispatchKind,
        /// 1, 3 or 5: minutes from call to on scene.
        #[arg(long)]
        tier: patrol_model::Tier,
        /// A device id to send it to (repeat for more units).
        #[arg(long = "unit", value_name = "DEVICE")]
        units: Vec<patrol_model::DeviceId>,
        #[arg(long)]
        address: Option<String>,
        #[arg(long)]
        note: Option<String>,
        /// On scene means within this many metres of the point.
        #[arg(long, value_name = "METRES")]
        radius: Option<f64>,
    },
    /// Send an open dispatch to more units.
    Send {
        id: patrol_model::DispatchId,
        #[arg(long = "unit", value_name = "DEVICE", required = true)]
        units: Vec<patrol_model::DeviceId>,
    },
    /// Close a dispatch: every unit on it is told.
    Close {
        id: patrol_model::DispatchId,
        #[arg(long)]
        reason: String,
    },
    /// A local day's dispatches (and those still open) with their steps, then the day's
    /// "1-3-5 minute" figures.
    List {
        /// YYYY-MM-DD, the city's local day (default today).
        #[arg(long)]
        date: Option<chrono::NaiveDate>,
        /// Print the board as JSON (what `/api/v1/dispatches` answers).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum CityCommand {
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
enum MapPackCommand {
    /// Draw a raster pack from the imported city's own grid and posts (streets along the cell
    /// edges, no outside data), for `serve --map-pack FILE`: the demo city's pack. A real city
    /// makes one from its imagery or OpenStreetMap (docs/map-pack.md).
    Render {
        /// The MBTiles file to write (replaced whole).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[arg(long, default_value_t = patrol_map::render::DEMO_ZOOMS.0)]
        min_zoom: u8,
        #[arg(long, default_value_t = patrol_map::render::DEMO_ZOOMS.1)]
        max_zoom: u8,
    },
}

#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// A station bundle written by `patrol export bundle FILE` or the app's "Export to file":
    /// checked whole (device, hashes, signature) and ingested exactly as an upload. Importing
    /// it again changes nothing. Prints the receipt HQ would give the device.
    Bundle {
        file: PathBuf,
        /// The full result and receipt as JSON on stdout.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) if !e.use_stderr() => {
            let _ = e.print();
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            // The message up to clap's usage block, on one line: a list of missing
            // arguments follows its first line indented.
            let text = e.render().to_string();
            let message = text.split("\n\n").next().unwrap_or("invalid arguments");
            let joined: Vec<&str> = message.lines().map(str::trim).collect();
            let joined = joined.join(" ");
            let line = joined.trim_start_matches("error: ");
            eprintln!("patrol-hq: {line} (see `patrol-hq --help`)");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Runtime::new().expect("tokio runtime");
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            let msg = e
                .chain()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(": ");
            eprintln!("patrol-hq: {}", msg.replace('\n', " "));
            ExitCode::from(1)
        }
    }
}

async fn open(cli: &Cli) -> Result<Arc<dyn Storage>> {
    let storage: Arc<dyn Storage> = match &cli.db {
        Some(url) => Arc::new(
            PgStorage::connect_with_replica(url, cli.read_db.as_deref(), cli.read_db_max_lag_s)
                .await
                .context("cannot connect to PostgreSQL")?,
        ),
        None => {
            let Some(dir) = &cli.data else {
                bail!("--data DIR is required (or --db postgres://…)")
            };
            let s = SqliteStorage::open(dir)
                .with_context(|| format!("cannot open HQ data in {}", dir.display()))?;
            if let Some(mb) = cli.max_db_mb {
                s.set_max_bytes(mb.saturating_mul(1024 * 1024))
                    .context("cannot cap the database size")?;
            }
            Arc::new(s)
        }
    };
    storage
        .migrate()
        .await
        .context("cannot prepare the database schema")?;
    Ok(storage)
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let storage = open(&cli).await?;
    let state = AppState::new(storage.clone());
    // What a command changes is told to the serving HQ processes when it is done (PostgreSQL:
    // their pages refetch, a unit waiting for an order wakes). `serve` relays for itself.
    let mut told = match cli.command {
        Command::Serve { .. } => None,
        _ => state.events.relay(),
    };
    let code = command(cli, storage.clone(), state).await?;
    if let Some(told) = &mut told {
        let mut events = Vec::new();
        while let Ok(e) = told.try_recv() {
            events.push(e);
        }
        if let Err(e) = storage.tell_other_processes(events).await {
            eprintln!(
                "patrol-hq: done, but the serving HQs were not told ({e}); their pages catch up by polling"
            );
        }
    }
    Ok(code)
}

async fn command(cli: Cli, storage: Arc<dyn Storage>, state: AppState) -> Result<ExitCode> {
    match cli.command {
        Command::Serve {
            listen,
            tls_cert,
            tls_key,
            behind_proxy,
            insecure_http,
            web_dir,
            map_pack,
            upload_slots,
            inbox_recheck_s,
        } => {
            let tls = tls_cert
                .zip(tls_key)
                .map(|(cert, key)| TlsFiles { cert, key });
            let mut state = state;
            if let Some(n) = upload_slots {
                state.uploads = std::sync::Arc::new(tokio::sync::Semaphore::new(usize::from(n)));
            }
            state.inbox_recheck = std::time::Duration::from_secs(inbox_recheck_s);
            if let Some(dir) = web_dir {
                if !dir.join("index.html").is_file() {
                    bail!(
                        "--web-dir {}: no index.html there (build the page: cd hq-web && npm run build)",
                        dir.display()
                    );
                }
                state.web = std::sync::Arc::new(patrol_hq::web::WebAssets::Dir(dir));
            }
            if let Some(file) = map_pack {
                let pack = patrol_hq::map::MapPack::open(&file).map_err(anyhow::Error::msg)?;
                eprintln!(
                    "patrol-hq: map pack `{}` ({}, zoom {}–{})",
                    pack.info.name, pack.info.format, pack.info.minzoom, pack.info.maxzoom
                );
                state.map_pack = Some(std::sync::Arc::new(pack));
            }
            // A ledger stored before track rollups existed gets them now, before any upload
            // can commit beside the rebuild.
            let t = std::time::Instant::now();
            let rows = patrol_hq::service::rebuild_rollups(&state)
                .await
                .map_err(|e| anyhow::anyhow!("cannot build the track rollups: {e}"))?;
            if rows > 0 {
                eprintln!(
                    "patrol-hq: built {rows} track rollups from the ledger in {:.1} s",
                    t.elapsed().as_secs_f64()
                );
            }
            let t = std::time::Instant::now();
            let rows = patrol_hq::service::rebuild_counts(&state)
                .await
                .map_err(|e| anyhow::anyhow!("cannot build the report counts: {e}"))?;
            if rows > 0 {
                eprintln!(
                    "patrol-hq: built {rows} report-count rows from the ledger in {:.1} s",
                    t.elapsed().as_secs_f64()
                );
            }
            // Other HQ processes over the same PostgreSQL: their uploads and orders reach this
            // one's pages and waiting inboxes as they happen.
            if let Err(e) = storage.share_events(&state.events).await {
                tracing::warn!(error = %e, "pages here hear other HQ processes only by polling until this clears");
            }
            serve(state, &listen, tls, behind_proxy, insecure_http).await?;
        }
        Command::Device(DeviceCommand::Add { name, qr }) => {
            let code = patrol_hq::service::new_enrollment(&state, &name)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            audit(&state, "enrollment_code_created", Some(code.name.clone())).await?;
            if let Some(path) = qr {
                write_qr(&code.code, &path)?;
                eprintln!("QR code written to {}", path.display());
            }
            println!("{}", code.code);
            let expires =
                chrono::DateTime::from_timestamp_millis(code.expires_ms).map(|t| t.to_rfc3339());
            eprintln!(
                "enrolment code for `{}`, valid until {}",
                code.name,
                expires.unwrap_or_default()
            );
        }
        Command::Device(DeviceCommand::List) => {
            for d in storage.devices().await? {
                println!(
                    "{}  {:<8} head {:>6}  skew {:>+8} ms  {}",
                    d.id,
                    d.status.as_str(),
                    d.head.seq,
                    d.skew_ms,
                    d.name
                );
            }
            for p in storage.pending_enrollments(state.now_ms()).await? {
                println!("(pending enrolment)  {}", p.name);
            }
        }
        Command::Device(DeviceCommand::CancelCode { code }) => {
            let hash = auth::hash_secret(&auth::normalize_code(&code));
            if !storage.cancel_enrollment(&hash, state.now_ms()).await? {
                bail!("no pending enrolment code matches (already used, expired or mistyped)");
            }
            audit(&state, "enrollment_code_cancelled", None).await?;
            eprintln!("enrolment code cancelled");
        }
        Command::Device(DeviceCommand::Revoke { id }) => {
            let id: patrol_model::DeviceId = id.parse()?;
            if !storage.revoke_device(id, state.now_ms()).await? {
                bail!("no device {id}");
            }
            audit(&state, "device_revoked", Some(id.to_string())).await?;
            state.events.publish(patrol_hq::events::HqEvent::Devices);
            eprintln!("device {id} revoked");
        }
        Command::Operator(OperatorCommand::Add {
            name,
            role,
            expires_days,
        }) => {
            let name = patrol_hq::service::check_label("operator name", &name, 64)
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let role = Role::parse(&role).unwrap_or(Role::Viewer);
            let now = state.now_ms();
            let expires_ms = expires_days.map(|d| now + i64::from(d) * 24 * 3600 * 1000);
            let token = format!("op_{}", auth::random_secret(32));
            storage
                .add_operator_with(&name, &auth::hash_secret(&token), role, expires_ms, now)
                .await?;
            audit(
                &state,
                "operator_added",
                Some(format!("{name} ({})", role.as_str())),
            )
            .await?;
            println!("{token}");
            eprintln!(
                "{} token for `{name}` (shown once; send as Authorization: Bearer TOKEN)",
                role.as_str()
            );
        }
        Command::Operator(OperatorCommand::List) => {
            let now = state.now_ms();
            let day = |ms: Option<i64>| {
                ms.and_then(chrono::DateTime::from_timestamp_millis)
                    .map_or_else(
                        || "-".to_owned(),
                        |t| t.format("%Y-%m-%d %H:%M").to_string(),
                    )
            };
            for op in storage.operators().await? {
                let state_word = match (op.revoked_ms, op.active(now)) {
                    (Some(_), _) => "revoked",
                    (None, false) => "expired",
                    (None, true) => "active",
                };
                println!(
                    "{}  {:<6}  {:<7}  created {}  expires {}  {}",
                    op.id,
                    op.role.as_str(),
                    state_word,
                    day(Some(op.created_ms)),
                    day(op.expires_ms),
                    op.name
                );
            }
            let sessions = storage.sessions(now).await?;
            if !sessions.is_empty() {
                println!("\nsessions signed in now:");
            }
            for s in sessions {
                println!(
                    "{}  operator {}  since {}  until {}  from {}",
                    s.id,
                    s.operator_id,
                    day(Some(s.created_ms)),
                    day(Some(s.expires_ms)),
                    s.address.as_deref().unwrap_or("-")
                );
            }
        }
        Command::Operator(OperatorCommand::Revoke { id })
            if id
                .trim()
                .starts_with(patrol_hq::storage::SessionRow::ID_PREFIX) =>
        {
            let Some(s) = storage.end_session(&id, state.now_ms()).await? else {
                bail!("no session id starts with `{id}` (see `patrol-hq operator list`)");
            };
            audit(&state, "session_revoked", Some(s.id.clone())).await?;
            eprintln!(
                "session {} (operator {}) revoked; the page using it is signed out at its next request",
                s.id, s.operator_id
            );
        }
        Command::Operator(OperatorCommand::Revoke { id }) => {
            let Some(op) = storage.revoke_operator(&id, state.now_ms()).await? else {
                bail!("no operator id starts with `{id}` (see `patrol-hq operator list`)");
            };
            audit(
                &state,
                "operator_revoked",
                Some(format!("{} ({})", op.name, op.id)),
            )
            .await?;
            eprintln!(
                "operator {} (`{}`) revoked; its token and its sessions are refused from now on",
                op.id, op.name
            );
        }
        Command::City(CityCommand::Import { file }) => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let city: patrol_model::City = serde_json::from_str(&text)
                .with_context(|| format!("{}: not a valid city file", file.display()))?;
            city.validate()
                .map_err(|e| anyhow::anyhow!("{}: invalid {e}", file.display()))?;
            let s = storage.import_city(&city, state.now_ms()).await?;
            audit(&state, "city_imported", Some(city.name.clone())).await?;
            state.events.publish(patrol_hq::events::HqEvent::City);
            eprintln!(
                "{}: {} cells, {} posts, {} groups ({} added, {} changed, {} removed, {} unchanged)",
                city.name,
                city.cells.len(),
                city.posts.len(),
                city.groups.len(),
                s.added,
                s.changed,
                s.removed,
                s.unchanged
            );
        }
        Command::Dispatch(cmd) => dispatch_command(&state, cmd).await?,
        Command::MapPack(MapPackCommand::Render {
            out,
            min_zoom,
            max_zoom,
        }) => {
            let Some(city) = storage.city().await? else {
                bail!("HQ has no city yet; run `patrol-hq city import FILE` first");
            };
            let r = tokio::task::spawn_blocking(move || {
                patrol_map::render::render_city(&city, &out, min_zoom, max_zoom).map(|r| (r, out))
            })
            .await??;
            let bytes = std::fs::metadata(&r.1).map(|m| m.len()).unwrap_or(0);
            eprintln!(
                "{}: {} tiles, zoom {}–{}, {:.1} MB; serve it with `patrol-hq serve --map-pack {}`",
                r.0.info.name,
                r.0.tiles,
                r.0.info.minzoom,
                r.0.info.maxzoom,
                bytes as f64 / 1e6,
                r.1.display()
            );
        }
        Command::Import(ImportCommand::Bundle { file, json }) => {
            import_bundle(&state, &file, json).await?;
        }
        Command::Audit { limit } => {
            for r in storage.audit(limit).await? {
                let at = chrono::DateTime::from_timestamp_millis(r.at_ms)
                    .map(|t| t.to_rfc3339())
                    .unwrap_or_default();
                println!(
                    "{at}  {:<28}  {:<40}  {}  from {}",
                    r.action,
                    r.target.as_deref().unwrap_or("-"),
                    r.operator,
                    r.address.as_deref().unwrap_or("?")
                );
            }
        }
        Command::Verify => {
            let reports = verify::verify_all(storage.as_ref()).await?;
            let mut broken = 0;
            for r in &reports {
                match &r.problem {
                    None => println!("ok      {}  {} entries  {}", r.device_id, r.entries, r.name),
                    Some(p) => {
                        broken += 1;
                        println!("BROKEN  {}  {}  {}", r.device_id, p, r.name);
                    }
                }
            }
            if broken > 0 {
                eprintln!(
                    "patrol-hq: {broken} of {} device chains are broken",
                    reports.len()
                );
                return Ok(ExitCode::from(3));
            }
            eprintln!("all {} device chains intact", reports.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `patrol-hq serve`: decide how the listener may speak before anything is served, then serve
/// until Ctrl-C.
async fn serve(
    mut state: AppState,
    listen: &str,
    tls: Option<TlsFiles>,
    behind_proxy: bool,
    insecure_http: bool,
) -> Result<()> {
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    let transport =
        patrol_hq::tls::decide_transport(addr, tls.is_some(), behind_proxy, insecure_http)?;
    state.behind_proxy = behind_proxy;
    // Reached over HTTPS (here, or at the proxy): session cookies say `Secure`.
    state.secure_cookies = matches!(transport, Transport::Tls | Transport::BehindProxy);
    if !state.web.has_page() {
        tracing::warn!("this binary was built without the command-centre page (hq-web/dist)");
    }
    let events = state.events.clone();
    let shutdown = async move {
        let _ = tokio::signal::ctrl_c().await;
        // Open live channels would keep the graceful shutdown waiting forever.
        events.close();
    };
    // Orders a unit has not acknowledged are sent again (and flagged on the board).
    let watchdog = tokio::spawn(patrol_hq::service::dispatch::watchdog(
        state.clone(),
        std::time::Duration::from_secs(5),
        patrol_hq::projections::dispatch::DEFAULT_ACK_TIMEOUT_MS,
    ));
    let app = patrol_hq::router(state);
    let options = patrol_hq::server::ServeOptions::default();
    match transport {
        Transport::Tls => {
            let files = tls.context("TLS chosen without files")?;
            let certs = CertStore::open(files).context("cannot use the TLS certificate")?;
            patrol_hq::tls::reload_on_sighup(certs.clone())
                .context("cannot listen for SIGHUP (certificate reload)")?;
            eprintln!("patrol-hq: serving on https://{addr} (SIGHUP reloads the certificate)");
            patrol_hq::server::serve_tls_with(listener, app, options, &certs, shutdown).await?;
        }
        plain => {
            match plain {
                Transport::BehindProxy if !addr.ip().is_loopback() => tracing::warn!(
                    %addr,
                    "behind a proxy on a network address: anyone who reaches this port directly \
                     chooses the X-Forwarded-For address they are counted under; firewall it to \
                     the proxy"
                ),
                Transport::InsecurePlain => tracing::warn!(
                    %addr,
                    "--insecure-http: device secrets and evidence cross the network in clear text"
                ),
                _ => {}
            }
            eprintln!("patrol-hq: serving on http://{addr} (command centre: http://{addr}/)");
            patrol_hq::server::serve_with(listener, app, options, shutdown).await?;
        }
    }
    watchdog.abort();
    Ok(())
}

async fn dispatch_command(state: &AppState, cmd: DispatchCommand) -> Result<()> {
    use patrol_hq::service::dispatch as svc;
    let who = auth::Operator::console();
    let fail = |e: patrol_hq::error::ApiError| anyhow::anyhow!("{e}");
    match cmd {
        DispatchCommand::Create {
            lat,
            lon,
            kind,
            tier,
            units,
            address,
            note,
            radius,
        } => {
            let target = patrol_model::LatLon { lat, lon };
            let sent = !units.is_empty();
            let req = svc::NewDispatch {
                kind,
                tier,
                target: Some(target),
                radius_m: radius,
                address,
                note,
                source: None,
                units,
            };
            let v = svc::create(state, &who, req).await.map_err(fail)?;
            println!("{}", v.id);
            if sent {
                eprintln!("dispatch {}: sent to {} unit(s)", v.id, v.units.len());
            } else {
                eprintln!("dispatch {}: created; units by estimated arrival:", v.id);
                for r in svc::recommend(state, target)
                    .await
                    .map_err(fail)?
                    .iter()
                    .take(10)
                {
                    eprintln!(
                        "  {}  {:<10} {:>6.0} m  eta {:>5.0} s  position {:>4} s old{}{}",
                        r.device_id,
                        r.unit.mode.slug(),
                        r.distance_m,
                        r.eta_s,
                        r.position_age_ms / 1000,
                        if r.stale { "  stale" } else { "" },
                        r.busy_with
                            .map(|d| format!("  busy with {d}"))
                            .unwrap_or_default()
                    );
                }
                eprintln!("send with: patrol-hq dispatch send {} --unit DEVICE", v.id);
            }
        }
        DispatchCommand::Send { id, units } => {
            let v = svc::send(state, &who, id, &units).await.map_err(fail)?;
            eprintln!("dispatch {}: with {} unit(s)", v.id, v.units.len());
        }
        DispatchCommand::Close { id, reason } => {
            svc::close(state, &who, id, &reason).await.map_err(fail)?;
            eprintln!("dispatch {id}: closed");
        }
        DispatchCommand::List { date, json } => {
            let city = state.storage.city().await?;
            let tz = city
                .as_ref()
                .map_or(chrono_tz::Asia::Shanghai, patrol_model::City::tz);
            let day = date.unwrap_or_else(|| {
                chrono::DateTime::from_timestamp_millis(state.now_ms())
                    .unwrap_or_default()
                    .with_timezone(&tz)
                    .date_naive()
            });
            let midnight = |d: chrono::NaiveDate| {
                patrol_geo::duty::local_to_utc_ms(tz, d.and_time(chrono::NaiveTime::MIN))
            };
            let end = day.succ_opt().map(midnight).context("date out of range")?;
            let board = svc::board(state, day, tz, (midnight(day), end))
                .await
                .map_err(fail)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&board)?);
                return Ok(());
            }
            let at = |ms: Option<i64>| {
                ms.and_then(chrono::DateTime::from_timestamp_millis)
                    .map(|t| t.with_timezone(&tz).format("%H:%M:%S").to_string())
                    .unwrap_or_else(|| "-".into())
            };
            for v in &board.dispatches {
                println!(
                    "{}  {}  tier {}  {:<16} {:<10} sent {}  accepted {}  on scene {}  cleared {}{}",
                    v.id,
                    at(Some(v.call_ms)),
                    v.tier,
                    v.kind.slug(),
                    v.state.slug(),
                    at(v.sent_ms),
                    at(v.accepted_ms),
                    at(v.on_scene_ms),
                    at(v.cleared_ms),
                    if v.overdue { "  OVERDUE" } else { "" }
                );
                for u in &v.units {
                    println!(
                        "    {}  {:<10} delivered {}  resent {}{}",
                        u.device_id,
                        u.state.slug(),
                        at(u.delivered_ms),
                        u.resends,
                        u.overdue
                            .as_deref()
                            .map(|o| format!("  {o}"))
                            .unwrap_or_default()
                    );
                }
            }
            let secs = |s: Option<f64>| s.map_or("-".to_owned(), |s| format!("{s:.0} s"));
            for f in &board.figures {
                println!(
                    "{day} tier {}: {} calls, {} sent, {} on scene, {}/{} on time{}; p90 call→send {}, send→accept {}, send→on scene {}",
                    f.tier,
                    f.dispatches,
                    f.sent,
                    f.on_scene,
                    f.within_target,
                    f.judged,
                    f.within_target_share
                        .map(|s| format!(" ({:.0}%)", s * 100.0))
                        .unwrap_or_default(),
                    secs(f.call_to_send_p90_s),
                    secs(f.send_to_accept_p90_s),
                    secs(f.send_to_on_scene_p90_s)
                );
            }
        }
    }
    Ok(())
}

/// `patrol-hq import bundle FILE`: read, check and ingest; refuse the whole file on any doubt.
async fn import_bundle(state: &AppState, file: &std::path::Path, json: bool) -> Result<()> {
    let f = std::fs::File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let bundle = patrol_model::bundle::read(std::io::BufReader::new(f))
        .with_context(|| format!("{} was refused", file.display()))?;
    let (device, from, to) = (
        bundle.manifest.device_id,
        bundle.manifest.from_seq,
        bundle.manifest.to_seq,
    );
    let done = match patrol_hq::service::bundle::import(state, bundle).await {
        Ok(d) => d,
        Err(e) => bail!("{} was refused: {e}", file.display()),
    };
    audit(
        state,
        "bundle_imported",
        Some(format!("{device} seq {from}..={to}")),
    )
    .await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&done)?);
    }
    let r = &done.receipt;
    eprintln!(
        "device {device}: seqs {from}..={to}: {} stored, {} already held, {} quarantined, {} in \
         conflict; photos: {} stored, {} already held{}; HQ now holds seq 1..={} of this device",
        done.accepted,
        done.duplicates,
        done.quarantined,
        done.conflicts,
        done.photos_stored,
        done.photos_held,
        if done.photos_unreferenced.is_empty() {
            String::new()
        } else {
            format!(
                ", {} not named by any entry HQ holds (not kept)",
                done.photos_unreferenced.len()
            )
        },
        r.entries_held
    );
    Ok(())
}

/// Record what the command line did, as the `console` operator.
async fn audit(state: &AppState, action: &str, target: Option<String>) -> Result<()> {
    patrol_hq::service::audit(state, &auth::Operator::console(), action, target)
        .await
        .map_err(|e| anyhow::anyhow!("cannot write the audit trail: {e}"))
}

fn write_qr(code: &str, path: &std::path::Path) -> Result<()> {
    let qr = qrcode::QrCode::new(code.as_bytes())?;
    let img = qr
        .render::<image::Luma<u8>>()
        .min_dimensions(320, 320)
        .build();
    img.save(path)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
