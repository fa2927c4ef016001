//! The sync tests' device (a store in a temp dir on a manual clock) on top of the workspace's test
//! kit: the real HQ on its own runtime and the fault proxy that can fail, drop or answer chosen
//! requests — so retries, lost answers and resumes are tested against the real server, over real
//! sockets, without sleeps.
#![allow(dead_code, unused_imports)] // each test binary uses its own part

use patrol_device::{Capture, ManualClock, Store};
use patrol_model::*;
use std::sync::Arc;

pub use patrol_testkit::city::one_cell;
pub use patrol_testkit::{BlockingHq, Fault, Hq, T0};

/// HQ with the one-cell test city, imported at [`T0`].
pub fn hq() -> BlockingHq {
    BlockingHq::from_builder(Hq::builder().city(one_cell(), T0))
}

// --- the device -------------------------------------------------------------------------------

pub struct Device {
    pub dir: tempfile::TempDir,
    pub clock: ManualClock,
    pub store: Store,
}

impl Device {
    pub fn new() -> Device {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(T0);
        let store = Store::open(dir.path(), Arc::new(clock.clone())).unwrap();
        Device { dir, clock, store }
    }

    pub fn reopen(&mut self) {
        let store = Store::open(self.dir.path(), Arc::new(self.clock.clone())).unwrap();
        self.store = store;
    }

    /// Close the store, do `f` with its data folder, open it again.
    pub fn closed<R>(&mut self, f: impl FnOnce(&std::path::Path) -> R) -> R {
        let scratch = tempfile::tempdir().unwrap();
        let placeholder = Store::open(scratch.path(), Arc::new(self.clock.clone())).unwrap();
        drop(std::mem::replace(&mut self.store, placeholder));
        let r = f(self.dir.path());
        self.reopen();
        r
    }

    pub fn violation(&mut self, photos: Vec<PhotoRef>) -> Entry {
        self.clock.advance_ms(60_000);
        self.store
            .append(
                &Record::Violation(ViolationTally {
                    patrol_id: None,
                    violation: ViolationType::NoHelmet,
                    plate: None,
                    vehicle: None,
                    seized_items: 0,
                    photos,
                    at: None,
                    note: Some("测试".into()),
                }),
                Capture::default(),
            )
            .unwrap()
    }

    pub fn violations(&mut self, n: usize) {
        for _ in 0..n {
            self.violation(vec![]);
        }
    }

    /// A JPEG-looking photo of `size` bytes, different for each `seed`.
    pub fn photo(&self, size: usize, seed: u8) -> (PhotoRef, Vec<u8>) {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
        let mut x = seed as u32 + 1;
        while bytes.len() < size {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            bytes.push((x >> 16) as u8);
        }
        (self.store.add_photo(&bytes).unwrap(), bytes)
    }

    pub fn head(&self) -> u64 {
        self.store.head().unwrap().0
    }
}

/// The request lines the fault proxy saw (`seen`), as `METHOD /path` without their query
/// strings and with `device`'s id written `D`.
pub fn requests(seen: &[String], device: DeviceId) -> Vec<String> {
    seen.iter()
        .map(|s| {
            let mut words = s.split_whitespace();
            let (method, path) = (words.next().unwrap(), words.next().unwrap());
            let path = path.split('?').next().unwrap();
            format!("{method} {path}").replace(&device.to_string(), "D")
        })
        .collect()
}

/// Replace the device files in `to` with those in `from` (photos included).
pub fn copy_store(from: &std::path::Path, to: &std::path::Path) {
    for e in std::fs::read_dir(to).unwrap() {
        let e = e.unwrap();
        if e.file_name().to_string_lossy().starts_with("device.sqlite") {
            std::fs::remove_file(e.path()).unwrap();
        }
    }
    copy_dir(from, to);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}
