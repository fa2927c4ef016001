//! Time, injected. Device and HQ ask a [`Clock`] for wall and monotonic time so tests can set
//! it; nothing else reads the system clock. (The trait lives here so both sides share it; the
//! model's own functions never call a clock.)

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub trait Clock: Send + Sync + std::fmt::Debug {
    /// Wall clock, ms since the Unix epoch. May be wrong; that is why entries carry three times.
    fn wall_ms(&self) -> i64;
    /// Monotonic ms, never going backwards within a boot.
    fn mono_ms(&self) -> i64;
}

/// The real clocks of the machine.
#[derive(Debug)]
pub struct SystemClock {
    start: Instant,
    /// Best effort "since boot" offset: on Linux/Android read from /proc/uptime at start.
    boot_offset_ms: i64,
}

impl SystemClock {
    pub fn new() -> Self {
        let boot_offset_ms = std::fs::read_to_string("/proc/uptime")
            .ok()
            .and_then(|s| {
                s.split_whitespace()
                    .next()
                    .and_then(|v| v.parse::<f64>().ok())
            })
            .map(|secs| (secs * 1000.0) as i64)
            .unwrap_or(0);
        Self {
            start: Instant::now(),
            boot_offset_ms,
        }
    }
}

impl Default for SystemClock {
    fn default() -> Self {
        Self::new()
    }
}

impl Clock for SystemClock {
    fn wall_ms(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }

    fn mono_ms(&self) -> i64 {
        self.boot_offset_ms + self.start.elapsed().as_millis() as i64
    }
}

/// A clock tests move by hand.
#[derive(Debug, Clone)]
pub struct ManualClock {
    wall: Arc<AtomicI64>,
    mono: Arc<AtomicI64>,
}

impl ManualClock {
    pub fn new(wall_ms: i64) -> Self {
        Self {
            wall: Arc::new(AtomicI64::new(wall_ms)),
            mono: Arc::new(AtomicI64::new(1_000)),
        }
    }

    pub fn advance_ms(&self, ms: i64) {
        self.wall.fetch_add(ms, Ordering::SeqCst);
        self.mono.fetch_add(ms, Ordering::SeqCst);
    }

    /// Set the wall clock alone (a user changing the phone's time).
    pub fn set_wall_ms(&self, ms: i64) {
        self.wall.store(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn wall_ms(&self) -> i64 {
        self.wall.load(Ordering::SeqCst)
    }

    fn mono_ms(&self) -> i64 {
        self.mono.load(Ordering::SeqCst)
    }
}
