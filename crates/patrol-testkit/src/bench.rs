//! What every bench sets up the same way.

/// A size knob from the environment (`CITY_DEVICES=50`), else `default`.
pub fn env<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The runtime a bench drives HQ and its devices on: two workers, as this machine has.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// The value at quantile `p` (0.5, 0.95…) of `sorted`, nearest rank.
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// CPU time, in seconds, that this process's threads have spent so far, on every core together
/// (Linux's per-thread `schedstat`, in nanoseconds). Its difference across a piece of work is
/// what the work cost the machine, which wall time cannot say on a shared two-core machine
/// where one piece of work waits for another. `None` where `/proc` does not say.
pub fn cpu_of_this_process() -> Option<f64> {
    let tasks = std::fs::read_dir("/proc/self/task").ok()?;
    let ns: u64 = tasks
        .flatten()
        .filter_map(|t| schedstat_ns(&t.path()))
        .sum();
    Some(ns as f64 / 1e9)
}

/// The same for every process of this machine named `name` (for `postgres`: the server's
/// backends, WAL writer and checkpointer together). `None` when none runs here (a server on
/// another machine).
pub fn cpu_of_processes(name: &str) -> Option<f64> {
    let mut ns = 0;
    let mut found = false;
    for p in std::fs::read_dir("/proc").ok()?.flatten() {
        let path = p.path();
        let named = std::fs::read_to_string(path.join("comm")).is_ok_and(|c| c.trim() == name);
        if named && let Some(n) = schedstat_ns(&path) {
            ns += n;
            found = true;
        }
    }
    found.then_some(ns as f64 / 1e9)
}

/// The first field of a task's `schedstat`: nanoseconds it has spent on a CPU.
fn schedstat_ns(task: &std::path::Path) -> Option<u64> {
    std::fs::read_to_string(task.join("schedstat"))
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}
