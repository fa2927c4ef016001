//! What only the end-to-end tests share: the sync options they run the real engine with. HQ, the
//! fault proxy, chains, shifts and bench helpers are the workspace's one test kit,
//! `patrol-testkit`.

/// Sync options for tests: the real engine with millisecond backoff and short timeouts, so a
/// faulty network is retried quickly.
pub fn fast_sync() -> patrol_sync::SyncOptions {
    use std::time::Duration;
    patrol_sync::SyncOptions {
        backoff_base: Duration::from_millis(2),
        backoff_cap: Duration::from_millis(20),
        timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(2),
        ..patrol_sync::SyncOptions::default()
    }
}
