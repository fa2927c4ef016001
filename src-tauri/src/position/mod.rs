//! Where fixes come from and where they go. A source (the simulated route or a GPX replay on
//! desktop; GNSS through the patrol-location plugin on phones) hands each fix to
//! [`PositionHub::deliver`], which keeps it as the latest position, emits `position`, and — only
//! while a patrol is open — records it with `Store::record_fix` (every fix is kept; the store
//! seals them into track segments). Desktop sources run on a thread of their own and are marked
//! in `Home.position_source`, so the UI never mistakes a simulation for the officer's GNSS.

pub mod replay;
pub mod simulated;

use crate::events;
use crate::state::AppState;
use patrol_device::Store;
use patrol_model::{PatrolMode, PositionFix};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tauri::{AppHandle, Runtime};
use tauri_plugin_patrol_location::{NativeFix, PatrolLocationExt, Started, TrackingRequest};

/// Produces fixes one after another. `next_fix` returns the fix for `now_ms` and how long to
/// wait before asking again, or `None` when the source has ended.
pub trait FixSource: Send + std::fmt::Debug {
    fn next_fix(
        &mut self,
        now_ms: i64,
        mode: Option<PatrolMode>,
    ) -> Option<(PositionFix, Duration)>;

    /// Whether the city's sampling table paces this source (a stop slows it to the stationary
    /// cadence), rather than the source's own timing (a replayed file, a fixed test cadence).
    fn paced_by_table(&self) -> bool {
        false
    }
}

/// The time between fixes for `mode` by the default sampling table (`patrol_model::Sampling`,
/// the one table; a city may set its own, which phones use when tracking starts).
pub fn cadence(mode: Option<PatrolMode>) -> Duration {
    Duration::from_millis(patrol_model::Sampling::default().interval_ms(mode))
}

/// Which source feeds the app, as `Home.position_source` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SourceKind {
    #[default]
    None,
    Gnss,
    Simulated,
    GpxReplay,
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::None => "none",
            SourceKind::Gnss => "gnss",
            SourceKind::Simulated => "simulated",
            SourceKind::GpxReplay => "gpx-replay",
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    kind: SourceKind,
    last_fix: Option<PositionFix>,
    /// When the last fix arrived (the store's clock), since the source started.
    last_fix_at_ms: Option<i64>,
    /// When the running source started.
    since_ms: Option<i64>,
    /// The system refused location access when tracking was asked for.
    permission_refused: bool,
    /// Stop flag of the running desktop source thread.
    running: Option<Arc<AtomicBool>>,
}

/// The latest position and the running source.
#[derive(Debug, Default)]
pub struct PositionHub {
    inner: Mutex<Inner>,
}

impl PositionHub {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub fn kind(&self) -> SourceKind {
        self.inner().kind
    }

    pub fn set_kind(&self, kind: SourceKind) {
        let mut inner = self.inner();
        inner.kind = kind;
        inner.permission_refused = false;
    }

    /// A source started at `now_ms`: fix ages count from here until the first fix.
    pub fn started_at(&self, now_ms: i64) {
        let mut inner = self.inner();
        inner.since_ms = Some(now_ms);
        inner.last_fix_at_ms = None;
    }

    /// The system refused location access (the patrol is saved; no fix will come).
    pub fn permission_refused(&self) {
        self.inner().permission_refused = true;
    }

    /// What Home and the live patrol show about the position ([`patrol_model::GpsHealth`]).
    pub fn health(&self, patrolling: bool, now_ms: i64) -> patrol_model::GpsHealth {
        use patrol_model::{GpsHealth, GpsInput, GpsSource};
        let inner = self.inner();
        let source = match inner.kind {
            _ if inner.permission_refused => GpsSource::PermissionMissing,
            SourceKind::None => GpsSource::None,
            SourceKind::Gnss => GpsSource::Gnss,
            SourceKind::Simulated | SourceKind::GpxReplay => GpsSource::Simulated,
        };
        GpsHealth::assess(GpsInput {
            source,
            patrolling,
            last_fix_at_ms: inner.last_fix_at_ms,
            last_accuracy_m: inner.last_fix.and_then(|f| f.accuracy_m),
            source_since_ms: inner.since_ms,
            now_ms,
        })
    }

    pub fn last_fix(&self) -> Option<PositionFix> {
        self.inner().last_fix
    }

    /// Stop the running desktop source, if any (its thread ends within ~100 ms).
    pub fn stop(&self) {
        let mut inner = self.inner();
        if let Some(flag) = inner.running.take() {
            flag.store(true, Ordering::Relaxed);
        }
        inner.kind = SourceKind::None;
    }

    /// Replace the running source with `source` on a thread of its own.
    pub fn start<R: Runtime>(
        self: &Arc<Self>,
        app: AppHandle<R>,
        store: Arc<Mutex<Store>>,
        kind: SourceKind,
        mut source: Box<dyn FixSource>,
    ) {
        self.stop();
        let stop = Arc::new(AtomicBool::new(false));
        let now = store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clock()
            .wall_ms();
        {
            let mut inner = self.inner();
            inner.kind = kind;
            inner.running = Some(stop.clone());
            inner.since_ms = Some(now);
            inner.last_fix_at_ms = None;
            inner.permission_refused = false;
        }
        let hub = self.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("position-{}", kind.as_str()))
            .spawn(move || {
                let mut mode = hub.open_mode(&store);
                // The city's own table when it set one (HQ tunes it), else the defaults.
                let table = city_sampling(&store);
                let mut still = patrol_model::Stillness::default();
                while !stop.load(Ordering::Relaxed) {
                    let now = {
                        let s = store
                            .lock()
                            .unwrap_or_else(std::sync::PoisonError::into_inner);
                        s.clock().wall_ms()
                    };
                    let Some((fix, mut wait)) = source.next_fix(now, mode) else {
                        break;
                    };
                    let still_ms = still.observe(&fix, now);
                    mode = hub.deliver(&app, &store, fix);
                    if source.paced_by_table() {
                        wait = Duration::from_millis(table.wait_ms(mode, false, still_ms));
                    }
                    sleep_unless_stopped(wait, &stop);
                }
            });
        if let Err(e) = spawned {
            log::warn!("cannot start the position source: {e}");
            self.stop();
        }
    }

    /// One fix from any source: keep it, show it, and record it while a patrol is open.
    /// Returns the running patrol's mode (sources pace themselves by it).
    pub fn deliver<R: Runtime>(
        &self,
        app: &AppHandle<R>,
        store: &Mutex<Store>,
        fix: PositionFix,
    ) -> Option<PatrolMode> {
        let mut s = store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        {
            let mut inner = self.inner();
            inner.last_fix = Some(fix);
            inner.last_fix_at_ms = Some(s.clock().wall_ms());
        }
        events::emit_position(app, &fix);
        let open = match s.open_patrol() {
            Ok(open) => open?,
            Err(e) => {
                log::warn!("cannot read the running patrol: {e}");
                return None;
            }
        };
        match s.record_fix(fix) {
            Ok(outcome) if outcome.sealed.is_some() => match events::ledger_changed_of(&s) {
                Ok(changed) => {
                    drop(s);
                    events::emit_ledger_changed(app, changed);
                }
                Err(e) => log::warn!("{e}"),
            },
            Ok(_) => {}
            // A fix the core refuses (NaN, absurd values) is reported and skipped: the source
            // goes on, and the next good fix is kept.
            Err(e) => log::warn!("fix not recorded: {e}"),
        }
        Some(open.mode)
    }

    fn open_mode(&self, store: &Mutex<Store>) -> Option<PatrolMode> {
        let s = store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.open_patrol().ok().flatten().map(|p| p.mode)
    }
}

/// The sampling table of the city on the device, else the defaults.
fn city_sampling(store: &Mutex<Store>) -> patrol_model::Sampling {
    let s = store
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    s.city()
        .ok()
        .flatten()
        .map(|c| c.sampling())
        .unwrap_or_default()
}

fn sleep_unless_stopped(total: Duration, stop: &AtomicBool) {
    let step = Duration::from_millis(100);
    let mut left = total;
    while !left.is_zero() && !stop.load(Ordering::Relaxed) {
        let d = left.min(step);
        std::thread::sleep(d);
        left -= d;
    }
}

/// A source ready to start, and how `Home.position_source` names it.
pub type Source = (SourceKind, Box<dyn FixSource>);

/// The desktop source chosen at startup: `PATROL_POSITION_SOURCE` = `simulated` (default),
/// `none`, or `gpx-replay:PATH`; `PATROL_FIX_INTERVAL_MS` fixes the simulated cadence.
pub fn source_from_env() -> Result<Option<Source>, crate::error::ShellError> {
    let spec = std::env::var("PATROL_POSITION_SOURCE").unwrap_or_else(|_| "simulated".into());
    let interval = std::env::var("PATROL_FIX_INTERVAL_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .map(Duration::from_millis);
    parse_source(&spec, interval)
}

pub fn parse_source(
    spec: &str,
    interval: Option<Duration>,
) -> Result<Option<Source>, crate::error::ShellError> {
    match spec.trim() {
        "" | "none" => Ok(None),
        "simulated" => Ok(Some((
            SourceKind::Simulated,
            Box::new(simulated::Simulated::new(interval)),
        ))),
        other => match other.strip_prefix("gpx-replay:") {
            Some(path) => Ok(Some((
                SourceKind::GpxReplay,
                Box::new(replay::GpxReplay::open(std::path::Path::new(path))?),
            ))),
            None => Err(crate::error::ShellError::SourceSpec(other.to_owned())),
        },
    }
}

/// Start native background tracking for a patrol just started (phones). On desktop the plugin
/// answers `Unavailable` and the running simulated or replay source goes on feeding fixes.
pub fn native_start<R: Runtime>(app: &AppHandle<R>, state: &AppState, mode: PatrolMode) {
    // The city's own table when it set one (HQ tunes it), else the defaults.
    let sampling = city_sampling(&state.store);
    let request = TrackingRequest {
        mode: mode.slug().to_owned(),
        interval_ms: sampling.interval_ms(Some(mode)),
        stationary_after_ms: u64::from(sampling.stationary_after_s) * 1000,
        notification_title: "巡逻中 · On patrol".into(),
        notification_text: "记录巡逻轨迹 · Recording the patrol route".into(),
    };
    let (hub, store, handle) = (state.position.clone(), state.store.clone(), app.clone());
    let on_fix = move |fix: NativeFix| {
        hub.deliver(&handle, &store, from_native(fix));
    };
    match app.patrol_location().start(request, on_fix) {
        Ok(Started::Native) => {
            state.position.stop();
            state.position.set_kind(SourceKind::Gnss);
            if let Ok(now) =
                state.with_store(|s| Ok::<_, crate::error::CommandError>(s.clock().wall_ms()))
            {
                state.position.started_at(now);
            }
        }
        Ok(Started::Unavailable) => {}
        // The patrol is saved either way; the officer sees the GPS state say why no fix comes.
        Err(tauri_plugin_patrol_location::Error::PermissionDenied(e)) => {
            log::warn!("location permission refused: {e}");
            state.position.permission_refused();
            // The silence that follows is the permission's, not the receiver's.
            if let Err(e) =
                state.with_store(|s| s.note_interruption(patrol_model::GapCause::PermissionRevoked))
            {
                log::warn!("{}", e.message);
            }
        }
        #[allow(unreachable_patterns)]
        Err(e) => log::warn!("background location not started: {e}"),
    }
}

pub fn native_stop<R: Runtime>(app: &AppHandle<R>, state: &AppState) {
    if state.position.kind() == SourceKind::Gnss
        && let Err(e) = app.patrol_location().stop()
    {
        log::warn!("background location not stopped: {e}");
    }
}

pub fn from_native(f: NativeFix) -> PositionFix {
    PositionFix {
        time_ms: Some(f.time_ms),
        lat: f.lat,
        lon: f.lon,
        accuracy_m: f.accuracy_m,
        speed_mps: f.speed_mps,
        heading_deg: f.heading_deg,
        altitude_m: f.altitude_m,
        gnss_ms: f.gnss_ms,
    }
}
