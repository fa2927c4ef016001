//! The sync engine against the real HQ on `127.0.0.1:0`: enrolment, a full sync with photos and
//! reference data, the receipt, credentials, a flaky network that loses answers, 413 halving,
//! photo resume, a restored device and a broken local chain.

mod common;
use common::*;
use patrol_model::v1;
use patrol_sync::{Error, SyncOptions, SyncReport, blocking};
use std::time::Duration;

fn fast() -> SyncOptions {
    SyncOptions {
        backoff_base: Duration::from_millis(1),
        backoff_cap: Duration::from_millis(5),
        timeout: Duration::from_secs(20),
        ..SyncOptions::default()
    }
}

fn sync(d: &mut Device, options: SyncOptions) -> patrol_sync::Result<SyncReport> {
    blocking::sync_with_options(&mut d.store, options, |_| {})
}

fn enrolled(hq: &BlockingHq) -> Device {
    let mut d = Device::new();
    let resp =
        blocking::enroll(&mut d.store, &hq.url(), &hq.enrollment_code("巡逻终端 07")).unwrap();
    assert_eq!(resp.device_id, d.store.device_id());
    d
}

#[test]
fn enroll_sync_and_receipt() {
    let hq = hq();
    let mut d = Device::new();
    let resp = blocking::enroll(
        &mut d.store,
        &format!("{}/", hq.url()),
        &hq.enrollment_code("巡逻终端 07"),
    )
    .unwrap();
    assert_eq!(resp.device_name, "巡逻终端 07");
    let enrollment = d.store.enrollment().unwrap().unwrap();
    assert_eq!(
        enrollment.hq_url,
        hq.url(),
        "kept without the trailing slash"
    );
    assert!(d.store.device_secret().unwrap().is_some());

    let (photo, bytes) = d.photo(600 * 1024, 1); // three chunks of 256 KiB
    let (_draft_photo, _) = d.photo(1000, 2); // named by no entry: stays on the device
    d.violations(3);
    d.violation(vec![photo.clone()]);
    d.violations(2);
    // What the sync screen shows offline: six entries and the one named photo (not the draft's).
    let queue = patrol_sync::sync_queue(&d.store).unwrap();
    assert_eq!(
        (
            queue.entries_waiting,
            queue.photos_waiting,
            queue.photo_bytes_waiting
        ),
        (6, 1, 600 * 1024)
    );

    let mut steps = Vec::new();
    let report = blocking::sync_with_options(&mut d.store, fast(), |p| steps.push(p)).unwrap();
    assert_eq!(report.receipt.head.seq, 6);
    assert_eq!(report.receipt.head.hash, d.store.head().unwrap().1);
    assert_eq!(report.receipt.photos, std::slice::from_ref(&photo.sha256));
    assert_eq!((report.uploaded, report.duplicates), (6, 0));
    assert_eq!(
        (
            report.pending,
            report.photos_pending,
            report.photos_uploaded
        ),
        (0, 0, 1)
    );
    assert!(report.quarantined.is_empty() && report.problems.is_empty());
    assert_eq!(report.stuck, None);
    assert!(report.is_clean(), "{report}");
    assert_eq!(
        report.to_string(),
        "HQ holds seq 1–6 (6 entries), 1 photo; pending 0; quarantined 0"
    );
    // The reference data came with the enrolment; this sync found nothing new to download.
    assert!(
        !steps
            .iter()
            .any(|p| matches!(p, patrol_sync::Progress::Reference { .. }))
    );

    // The device now holds HQ's reference data, the receipt, and a settled outbox.
    assert_eq!(d.store.city().unwrap().unwrap().name, "常德 (sync test)");
    assert!(d.store.reference_cursor().unwrap().is_some());
    let outbox = d.store.outbox_counts().unwrap();
    assert_eq!((outbox.pending, outbox.acked), (0, 6));
    assert_eq!(
        d.store.pending_photos().unwrap().len(),
        1,
        "only the draft's photo"
    );
    let queue = patrol_sync::sync_queue(&d.store).unwrap();
    assert_eq!((queue.entries_waiting, queue.photos_waiting), (0, 0));
    let (saved, _) = patrol_sync::last_receipt(&d.store).unwrap().unwrap();
    assert_eq!(saved, report.receipt);
    let stored = hq
        .rt
        .block_on(hq.storage.photo_bytes(&photo.sha256))
        .unwrap();
    assert!(stored == bytes, "HQ holds the photo byte for byte");

    // Nothing new: nothing sent. Then one more entry: just that one.
    let again = sync(&mut d, fast()).unwrap();
    assert_eq!(
        (again.uploaded, again.duplicates, again.photos_uploaded),
        (0, 0, 0)
    );
    // Only the draft's photo waits, and HQ does not hold it: the receipt lists none, and
    // still counts the one it holds.
    assert!(
        again.receipt.photos.is_empty(),
        "{:?}",
        again.receipt.photos
    );
    assert_eq!(again.receipt.photo_count(), 1);
    assert!(again.to_string().contains("1 photo;"), "{again}");
    d.violation(vec![]);
    let more = sync(&mut d, fast()).unwrap();
    assert_eq!(
        (more.uploaded, more.receipt.head.seq, more.pending),
        (1, 7, 0)
    );
}

#[test]
fn enrolment_and_credentials_are_checked() {
    let hq = hq();
    let mut d = Device::new();
    d.violations(1);
    assert!(matches!(sync(&mut d, fast()), Err(Error::NotEnrolled)));

    let err = blocking::enroll(&mut d.store, &hq.url(), "AAAA-BBBB").unwrap_err();
    assert!(
        matches!(&err, Error::Rejected { code, .. } if code == "bad_code"),
        "{err}"
    );
    let err = blocking::enroll(&mut d.store, "hq.example", "AAAA-BBBB").unwrap_err();
    assert_eq!(err.kind(), "invalid_url");

    blocking::enroll(&mut d.store, &hq.url(), &hq.enrollment_code("A")).unwrap();
    let secret = d.store.device_secret().unwrap().unwrap();
    d.store.save_enrollment(&hq.url(), "A", "wrong").unwrap();
    let err = sync(&mut d, fast()).unwrap_err();
    assert_eq!(err.kind(), "auth", "{err}");
    assert_eq!(d.store.outbox_counts().unwrap().pending, 1, "nothing lost");

    d.store.save_enrollment(&hq.url(), "A", &secret).unwrap();
    sync(&mut d, fast()).unwrap();
    let id = d.store.device_id();
    assert!(hq.rt.block_on(hq.storage.revoke_device(id, T0)).unwrap());
    let err = sync(&mut d, fast()).unwrap_err();
    assert_eq!(err.kind(), "auth", "{err}");
    assert!(err.to_string().contains("revoked"), "{err}");
}

#[test]
fn a_flaky_network_loses_nothing_and_duplicates_nothing() {
    let hq = hq();
    let mut d = enrolled(&hq);
    let chaos = hq.proxy();
    d.store
        .save_enrollment(
            &chaos.url(),
            "via chaos",
            &d.store.device_secret().unwrap().unwrap(),
        )
        .unwrap();
    let (photo, _) = d.photo(40 * 1024, 3);
    d.violations(4);
    d.violation(vec![photo.clone()]);
    d.violations(4);

    chaos.inject("GET /api/v1/hello", Fault::Unavailable);
    chaos.inject("/entries", Fault::Unavailable);
    // HQ stores the first batch but the answer is lost; so is the answer to the re-send.
    chaos.inject("/entries", Fault::LoseAnswer);
    chaos.inject("/entries", Fault::LoseAnswer);
    // HQ stores the first chunk, the answer is lost; the re-send gets a 409 saying where HQ is.
    chaos.inject("PATCH /api/v1/photos/", Fault::LoseAnswer);
    chaos.inject("/receipt", Fault::Unavailable);
    let options = SyncOptions {
        batch: patrol_sync::plan::BatchLimits {
            max_entries: 3,
            max_bytes: 1 << 20,
        },
        chunk_bytes: 16 * 1024,
        ..fast()
    };
    let report = sync(&mut d, options).unwrap();
    let seen = chaos.seen().join("\n");
    assert!(report.is_clean(), "{report}\n{seen}");
    assert_eq!(report.receipt.head.seq, 9, "{seen}");
    // HQ stored the first batch from a request whose answer was lost, so the device heard of 6
    // new entries and of the first 3 again, as duplicates, from the re-send that was answered.
    assert_eq!((report.uploaded, report.duplicates), (6, 3), "{seen}");
    assert!(report.receipt.conflicts.is_empty());
    assert_eq!(report.receipt.photos, [photo.sha256]);
    assert_eq!(report.retries, 6, "{seen}");
    // Lost answer, 409 with HQ's offset, then the two remaining chunks.
    assert_eq!(seen.matches("PATCH").count(), 4, "{seen}");
}

#[test]
fn a_batch_too_large_for_hq_is_halved() {
    let hq = BlockingHq::from_builder(Hq::builder().city(one_cell(), T0).max_body(16 * 1024));
    let mut d = enrolled(&hq);
    d.violations(40); // about 25 KB as one batch
    let report = sync(&mut d, fast()).unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!((report.receipt.head.seq, report.uploaded), (40, 40));
    assert!(
        report.attempts >= 5,
        "hello, head, 413, two halves (the second answered with the receipt)"
    );
}

#[test]
fn a_photo_upload_resumes_where_hq_stands() {
    let hq = hq();
    let mut d = enrolled(&hq);
    let (photo, bytes) = d.photo(100 * 1024, 4);
    d.violation(vec![photo.clone()]);
    // An earlier sync sent the entries and the first 40 000 bytes, and was cut off. (HQ takes
    // only photos that entries it holds name, so the entries go first, as a sync sends them.)
    let token = v1::device_token(
        d.store.device_id(),
        &d.store.device_secret().unwrap().unwrap(),
    );
    let upload = v1::UploadRequest {
        device_now_ms: d.store.clock().wall_ms(),
        entries: d.store.entries(1, 1000).unwrap(),
    };
    let entries_url = format!(
        "{}/api/v1/devices/{}/entries",
        hq.url(),
        d.store.device_id()
    );
    hq.rt.block_on(async {
        let http = reqwest::Client::new();
        let r = http
            .post(&entries_url)
            .bearer_auth(&token)
            .json(&upload)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        let offer = v1::PhotoOffer {
            sha256: photo.sha256.clone(),
            size: photo.size,
            mime: photo.mime.clone(),
        };
        let r = http
            .post(format!("{}/api/v1/photos", hq.url()))
            .bearer_auth(&token)
            .json(&offer)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success());
        let r = http
            .patch(format!("{}/api/v1/photos/{}", hq.url(), photo.sha256))
            .bearer_auth(&token)
            .header(v1::UPLOAD_OFFSET_HEADER, "0")
            .body(bytes[..40_000].to_vec())
            .send()
            .await
            .unwrap();
        let at: v1::PhotoUpload = r.json().await.unwrap();
        assert_eq!(at.offset, 40_000);
    });
    let mut sent = Vec::new();
    let options = SyncOptions {
        chunk_bytes: 32 * 1024,
        ..fast()
    };
    let report = blocking::sync_with_options(&mut d.store, options, |p| {
        if let patrol_sync::Progress::Photo { sent: s, .. } = p {
            sent.push(s)
        }
    })
    .unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(
        sent,
        [72_768, 102_400],
        "resumed from HQ's offset, not from 0"
    );
    let stored = hq
        .rt
        .block_on(hq.storage.photo_bytes(&photo.sha256))
        .unwrap();
    assert!(stored == bytes);
}

#[test]
fn a_restored_device_reports_a_stuck_queue() {
    let hq = hq();
    let mut d = enrolled(&hq);
    d.violations(2);
    sync(&mut d, fast()).unwrap();
    // Back up the data folder, then record and sync two more entries.
    let backup = tempfile::tempdir().unwrap();
    d.closed(|dir| copy_store(dir, backup.path()));
    d.violations(2);
    assert_eq!(sync(&mut d, fast()).unwrap().receipt.head.seq, 4);

    // Restore the backup: HQ holds seq 1–4, the device only 1–2.
    d.closed(|dir| copy_store(backup.path(), dir));
    assert_eq!(d.head(), 2);
    let report = sync(&mut d, fast()).unwrap();
    let stuck = report.stuck.clone().expect("stuck");
    assert!(
        stuck.contains("HQ holds seq 1–4 but this device has only 2"),
        "{stuck}"
    );
    assert!(report.to_string().contains("\n  STUCK: "), "{report}");

    // New entries on the restored device take seqs HQ already holds differently.
    d.violations(3);
    let report = sync(&mut d, fast()).unwrap();
    let stuck = report.stuck.clone().expect("stuck");
    assert!(stuck.contains("seq 4 is not this device's"), "{stuck}");
    assert_eq!(
        report.uploaded, 0,
        "nothing chained onto a different history"
    );
    assert_eq!(report.pending, 3, "the three new entries still wait");
    assert_eq!(d.store.outbox_counts().unwrap().pending, 3);
    // HQ learned of the fork: its conflict list names the seqs this device holds differently.
    let conflicts = hq
        .rt
        .block_on(hq.storage.conflicts(Some(d.store.device_id())))
        .unwrap();
    let seqs: Vec<u64> = conflicts.iter().map(|(_, c)| c.seq).collect();
    assert_eq!(seqs, [3, 4], "{stuck}");
    assert!(stuck.contains("HQ was shown 2 entries"), "{stuck}");
}

#[test]
fn a_broken_local_chain_is_never_sent() {
    let hq = hq();
    let mut d = enrolled(&hq);
    d.violations(3);
    let db = rusqlite::Connection::open(d.dir.path().join("device.sqlite")).unwrap();
    db.execute_batch(
        "DROP TRIGGER ledger_no_update;
         UPDATE ledger SET wall_ms = wall_ms + 1 WHERE seq = 2;",
    )
    .unwrap();
    drop(db);
    let err = sync(&mut d, fast()).unwrap_err();
    assert!(
        matches!(&err, Error::ChainBroken(c) if c.seq() == 2),
        "{err}"
    );
    let id = d.store.device_id();
    let head = hq.rt.block_on(hq.storage.device(id)).unwrap().unwrap().head;
    assert_eq!(head.seq, 0, "not one entry sent");
}

/// Between the daily whole-ledger checks a sync checks only what it sends, chained onto the head
/// HQ confirmed: an entry HQ already holds, damaged on the phone afterwards, does not hold new
/// evidence back (HQ's copy is intact), until the next whole check finds it and stops syncing.
#[test]
fn a_sync_checks_what_it_sends_and_the_whole_ledger_once_a_day() {
    let hq = hq();
    let mut d = enrolled(&hq);
    d.violations(3);
    let checked = |d: &mut Device| {
        let mut seen = Vec::new();
        let r = blocking::sync_with_options(&mut d.store, fast(), |p| {
            if let patrol_sync::Progress::Checked { entries } = p {
                seen.push(entries);
            }
        });
        (r, seen)
    };
    // A new store counts as checked when it was made: the first sync checks the three it sends.
    let (r, seen) = checked(&mut d);
    assert!(r.unwrap().is_clean());
    assert_eq!(seen, [3]);

    // Seq 2, already at HQ, damaged on the phone; two new entries.
    let db = rusqlite::Connection::open(d.dir.path().join("device.sqlite")).unwrap();
    db.execute_batch(
        "DROP TRIGGER ledger_no_update;
         UPDATE ledger SET wall_ms = wall_ms + 1 WHERE seq = 2;",
    )
    .unwrap();
    drop(db);
    d.violations(2);
    let (r, seen) = checked(&mut d);
    let report = r.unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.receipt.head.seq, 5);
    assert_eq!(seen, [2], "only seq 4 and 5 were read");

    // A day after the store was made its whole check is due, and it finds seq 2.
    d.clock.advance_ms(24 * 3_600_000);
    d.violation(vec![]);
    let (r, seen) = checked(&mut d);
    let err = r.unwrap_err();
    assert!(
        matches!(&err, Error::ChainBroken(c) if c.seq() == 2),
        "{err}"
    );
    assert!(seen.is_empty(), "{seen:?}");
    let id = d.store.device_id();
    let head = hq.rt.block_on(hq.storage.device(id)).unwrap().unwrap().head;
    assert_eq!(head.seq, 5, "nothing more sent from a broken ledger");
}

#[test]
fn a_protocol_mismatch_names_both_versions() {
    let hq = hq();
    let chaos = hq.proxy();
    chaos.inject(
        "GET /api/v1/hello",
        Fault::Answer(
            200,
            2,
            r#"{"protocol":2,"server":"patrol-hq","version":"9.0.0"}"#.into(),
        ),
    );
    let mut d = Device::new();
    let err = blocking::enroll(&mut d.store, &chaos.url(), "AAAA-BBBB").unwrap_err();
    let text = err.to_string();
    assert_eq!(err.kind(), "protocol_mismatch");
    assert!(
        text.contains("v1") && text.contains("v2") && text.contains("update the app"),
        "{text}"
    );
    assert!(d.store.enrollment().unwrap().is_none());
}

#[test]
fn reference_data_follows_hq_incrementally() {
    let hq = hq();
    let mut d = enrolled(&hq);
    // A hand-imported city is replaced by HQ's on the first full download.
    let mut kiosk = one_cell();
    kiosk.name = "kiosk copy".into();
    kiosk
        .groups
        .push(serde_json::from_value(serde_json::json!({"id": "G99", "name": "old"})).unwrap());
    d.store.set_city(&kiosk, None).unwrap();
    sync(&mut d, fast()).unwrap();
    let c = d.store.city().unwrap().unwrap();
    assert_eq!((c.name.as_str(), c.groups.len()), ("常德 (sync test)", 1));
    let first_cursor = d.store.reference_cursor().unwrap().unwrap();

    // HQ adds a post: the next sync brings just that change.
    let mut changed = one_cell();
    let mut post = changed.posts[0].clone();
    post.id = patrol_model::PostId("P02".into());
    post.name = "人民路口".into();
    changed.posts.push(post);
    hq.rt
        .block_on(hq.storage.import_city(&changed, T0 + 1000))
        .unwrap();
    let mut steps = Vec::new();
    blocking::sync_with_options(&mut d.store, fast(), |p| steps.push(p)).unwrap();
    assert!(
        steps.contains(&patrol_sync::Progress::Reference {
            cells: 0,
            posts: 1,
            groups: 0,
            removed: 0
        }),
        "{steps:?}"
    );
    let c = d.store.city().unwrap().unwrap();
    assert_eq!(c.posts.len(), 2);
    assert_ne!(d.store.reference_cursor().unwrap().unwrap(), first_cursor);
}

#[test]
fn a_queue_hq_never_moves_is_reported_stuck_after_three_tries() {
    let hq = hq();
    let mut d = enrolled(&hq);
    let chaos = hq.proxy();
    let secret = d.store.device_secret().unwrap().unwrap();
    d.store
        .save_enrollment(&chaos.url(), "via chaos", &secret)
        .unwrap();
    d.violations(2);
    // HQ answers every upload but takes nothing (a bug on HQ's side).
    let nothing = v1::UploadResponse {
        head: v1::Head {
            seq: 0,
            hash: patrol_model::Hash::GENESIS,
        },
        accepted: 0,
        duplicates: 0,
        quarantined: vec![],
        rejected: vec![],
        conflicts: vec![],
        skew_ms: 0,
        receipt: None,
        news: None,
    };
    let body = serde_json::to_string(&nothing).unwrap();
    for attempt in 1..=3 {
        chaos.inject("/entries", Fault::Answer(200, 1, body.clone()));
        let report = sync(&mut d, fast()).unwrap();
        assert_eq!(report.pending, 2);
        if attempt < 3 {
            assert_eq!(report.stuck, None, "attempt {attempt}");
            let waiting = report.waiting.expect("waiting");
            assert!(waiting.contains("seq 1 waits"), "{waiting}");
        } else {
            let stuck = report.stuck.expect("stuck");
            assert!(
                stuck.contains("HQ has not taken seq 1 after 3 attempts"),
                "{stuck}"
            );
        }
    }
    // HQ fixed: the queue drains.
    let report = sync(&mut d, fast()).unwrap();
    assert!(report.is_clean(), "{report}");
}

/// Enrolling brings the city's reference data at once: the very first record, before any sync,
/// is stamped with its grid cell.
#[test]
fn enrolment_brings_the_grid_before_the_first_sync() {
    let hq = hq();
    let mut d = Device::new();
    assert!(d.store.city().unwrap().is_none());
    blocking::enroll(&mut d.store, &hq.url(), &hq.enrollment_code("巡逻终端 08")).unwrap();
    let city = d
        .store
        .city()
        .unwrap()
        .expect("reference data with the enrolment");
    assert_eq!(city.name, "常德 (sync test)");
    assert!(d.store.reference_cursor().unwrap().is_some());
}

/// One engine (the app's) asks HQ's hello once and trusts it for `hello_every` (a patrol syncs
/// every 30 s): after a sync that ends in trouble, or when the time is up, it asks again.
#[test]
fn an_engine_asks_hqs_hello_again_only_after_a_while_or_after_trouble() {
    let hq = hq();
    let chaos = hq.proxy();
    let mut d = Device::new();
    blocking::enroll(
        &mut d.store,
        &chaos.url(),
        &hq.enrollment_code("巡逻终端 07"),
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let hellos = || {
        chaos
            .seen()
            .iter()
            .filter(|s| s.starts_with("GET /api/v1/hello"))
            .count()
    };
    let sync_with = |engine: &patrol_sync::SyncEngine, d: &mut Device| {
        d.violation(vec![]);
        rt.block_on(engine.sync(&std::sync::Mutex::new(&mut d.store), |_| {}))
    };
    let enrolled = hellos();
    let engine = patrol_sync::SyncEngine::with_options(fast()).unwrap();
    for n in 1..=3 {
        assert!(sync_with(&engine, &mut d).unwrap().is_clean());
        assert_eq!(hellos(), enrolled + 1, "sync {n}: one hello");
    }
    // A sync that ends in trouble (HQ refuses the entries, sent straight away and again after
    // asking its head): the next one asks again.
    let device = d.store.device_id();
    for _ in 0..2 {
        chaos.inject(
            &format!("POST /api/v1/devices/{device}/entries"),
            Fault::Answer(400, 1, r#"{"code":"bad_request","message":"no"}"#.into()),
        );
    }
    assert!(!sync_with(&engine, &mut d).unwrap().is_clean());
    assert_eq!(hellos(), enrolled + 1);
    assert!(sync_with(&engine, &mut d).unwrap().is_clean());
    assert_eq!(hellos(), enrolled + 2, "asked again after the trouble");
    // An engine told to ask every time does.
    let every = patrol_sync::SyncEngine::with_options(SyncOptions {
        hello_every: Duration::ZERO,
        ..fast()
    })
    .unwrap();
    for n in 1..=2 {
        assert!(sync_with(&every, &mut d).unwrap().is_clean());
        assert_eq!(hellos(), enrolled + 2 + n);
    }
}

/// A device enrolled through the fault proxy and synced by one engine, as the app's.
struct Watched {
    chaos: patrol_testkit::Proxy,
    d: Device,
    device: patrol_model::DeviceId,
    rt: tokio::runtime::Runtime,
    engine: patrol_sync::SyncEngine,
    /// The proxy's requests before the next sync.
    seen: usize,
}

impl Watched {
    fn new(hq: &BlockingHq, name: &str) -> Watched {
        let chaos = hq.proxy();
        let mut d = Device::new();
        blocking::enroll(&mut d.store, &chaos.url(), &hq.enrollment_code(name)).unwrap();
        Watched {
            seen: chaos.seen().len(),
            device: d.store.device_id(),
            chaos,
            d,
            rt: tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap(),
            engine: patrol_sync::SyncEngine::with_options(fast()).unwrap(),
        }
    }

    /// Record `new` violations and sync: the report, and the requests the sync made
    /// ([`requests`]).
    fn sync(&mut self, new: usize) -> (patrol_sync::Result<SyncReport>, Vec<String>) {
        self.d.violations(new);
        let store = std::sync::Mutex::new(&mut self.d.store);
        let report = self.rt.block_on(self.engine.sync(&store, |_| {}));
        let seen = self.chaos.seen();
        let made = requests(&seen[self.seen..], self.device);
        self.seen = seen.len();
        (report, made)
    }
}

/// A patrol syncs every 30 s, and reference data and dispatch orders rarely change: HQ's head
/// answer (or, on the live path, the upload's) says where both stand, and the engine asks for
/// them only when they changed. Every
/// change still arrives at the next sync: a new city, a new order, and an order whose
/// acknowledgement never reached HQ (asked for again, which acknowledges it).
#[test]
fn a_sync_asks_for_reference_data_and_orders_only_when_hqs_head_says_they_changed() {
    let hq = hq();
    let mut w = Watched::new(&hq, "巡逻终端 09");
    let device = w.device;
    let (report, made) = w.sync(1);
    assert!(report.unwrap().is_clean());
    assert_eq!(
        made,
        [
            "GET /api/v1/hello",
            "GET /api/v1/devices/D/head",
            "POST /api/v1/devices/D/entries",
        ],
        "the city came with the enrolment, no order waits, no photo: the receipt came with the upload"
    );
    // That receipt settled the outbox as a receipt request would have.
    assert_eq!(w.d.store.outbox_counts().unwrap().pending, 0);
    let saved: v1::Receipt =
        serde_json::from_str(&w.d.store.last_receipt().unwrap().unwrap().json).unwrap();
    assert_eq!(saved.head.seq, w.d.store.head().unwrap().0);

    // The city changes at HQ: the next sync downloads it, the one after does not.
    let mut city = hq.block_on(hq.storage.city()).unwrap().unwrap();
    city.name = "常德 (sync test, renamed)".into();
    hq.block_on(hq.storage.import_city(&city, T0 + 1_000))
        .unwrap();
    let (report, made) = w.sync(1);
    assert!(report.unwrap().is_clean());
    assert!(
        made.contains(&"GET /api/v1/reference".to_owned()),
        "{made:?}"
    );
    assert_eq!(w.d.store.city().unwrap().unwrap().name, city.name);
    // HQ's head as that sync left it is known: one request, whose answer says nothing changed.
    let (_, made) = w.sync(1);
    assert_eq!(made, ["POST /api/v1/devices/D/entries"]);

    // An order for this device: pulled and acknowledged by the next sync.
    let order = |address: &str| {
        hq.block_on(hq.post_json(
            "/api/v1/dispatches",
            serde_json::json!({"kind": "theft", "tier": 3,
                "target": {"lat": 29.03, "lon": 111.69}, "address": address,
                "units": [device]}),
        ))
    };
    order("人民路 18 号");
    let (report, made) = w.sync(1);
    assert!(report.unwrap().is_clean());
    assert!(
        made.contains(&"GET /api/v1/devices/D/inbox".to_owned()),
        "{made:?}"
    );
    assert!(made.contains(&"POST /api/v1/devices/D/inbox/ack".to_owned()));
    assert_eq!(w.d.store.inbox_cursor().unwrap(), 1);
    let (_, made) = w.sync(1);
    assert_eq!(made, ["POST /api/v1/devices/D/entries"], "nothing new");

    // Another order, whose acknowledgement never reaches HQ: stored on the device, still
    // undelivered at HQ. The next sync asks again (which acknowledges it), the one after not.
    order("武陵大道 6 号");
    for _ in 0..fast().max_attempts {
        w.chaos.inject(
            &format!("POST /api/v1/devices/{device}/inbox/ack"),
            Fault::Refuse,
        );
    }
    let _ = w.sync(1);
    assert_eq!(w.d.store.inbox_cursor().unwrap(), 2);
    let undelivered = || {
        hq.block_on(hq.storage.sync_news(device))
            .unwrap()
            .inbox_undelivered
    };
    assert_eq!(undelivered(), Some(2));
    let (report, made) = w.sync(1);
    assert!(report.unwrap().is_clean());
    assert!(
        made.contains(&"GET /api/v1/devices/D/inbox".to_owned()),
        "{made:?}"
    );
    assert_eq!(undelivered(), None);
    let (_, made) = w.sync(1);
    assert!(
        !made
            .iter()
            .any(|m| m.contains("inbox") || m.contains("reference")),
        "{made:?}"
    );
}

/// The live path: a patrol's sync every 30 s sends its segment straight onto the head the
/// engine's last clean sync left at HQ, one request whose answer carries the receipt and the
/// news. A lost answer is sent again and counted once; an answer that does not fit goes the
/// usual way, HQ's head first; a device whose ledger is no longer the one HQ's head was taken
/// from never sends this way.
#[test]
fn a_patrols_sync_is_one_request_onto_the_head_its_last_sync_left() {
    let hq = hq();
    let mut w = Watched::new(&hq, "巡逻终端 11");
    let device = w.device;
    let sync_once = |w: &mut Watched, new: usize| {
        let (report, made) = w.sync(new);
        (report.unwrap(), made)
    };
    let held = |d: &Device| {
        let stored = hq.block_on(hq.storage.entries(device, 1, 10_000)).unwrap();
        let seqs: Vec<u64> = stored.iter().map(|e| e.entry.seq).collect();
        assert_eq!(seqs, (1..=d.head()).collect::<Vec<_>>(), "each entry once");
    };

    let (report, made) = sync_once(&mut w, 2);
    assert!(report.is_clean(), "{report}");
    assert_eq!(made.len(), 3, "hello, head, entries: {made:?}");
    let (report, made) = sync_once(&mut w, 1);
    assert!(report.is_clean(), "{report}");
    assert_eq!(made, ["POST /api/v1/devices/D/entries"]);
    assert_eq!((report.uploaded, report.receipt.head.seq), (1, 3));
    assert_eq!(w.d.store.outbox_counts().unwrap().pending, 0);
    held(&w.d);

    // HQ stores the batch but its answer is lost: sent again, HQ counts it once.
    w.chaos.inject(
        &format!("POST /api/v1/devices/{device}/entries"),
        Fault::LoseAnswer,
    );
    let (report, made) = sync_once(&mut w, 2);
    assert!(report.is_clean(), "{report}");
    assert_eq!(made, ["POST /api/v1/devices/D/entries"; 2]);
    assert_eq!((report.uploaded, report.duplicates), (0, 2));
    held(&w.d);

    // An answer the live path cannot settle on: the usual way, HQ's head first.
    w.chaos.inject(
        &format!("POST /api/v1/devices/{device}/entries"),
        Fault::Answer(409, 1, r#"{"code":"conflict","message":"not now"}"#.into()),
    );
    let (report, made) = sync_once(&mut w, 1);
    assert!(report.is_clean(), "{report}");
    assert_eq!(
        made,
        [
            "POST /api/v1/devices/D/entries",
            "GET /api/v1/devices/D/head",
            "POST /api/v1/devices/D/entries",
        ]
    );
    assert_eq!(report.uploaded, 1);
    held(&w.d);
    // The usual way ended clean too: the next sync is one request again.
    let (_, made) = sync_once(&mut w, 1);
    assert_eq!(made, ["POST /api/v1/devices/D/entries"]);

    // The phone is restored from a backup and records on: its entries after the backup are
    // not the ones HQ's head was taken from. Nothing goes straight; HQ's head says why.
    let backup = tempfile::tempdir().unwrap();
    w.d.closed(|dir| copy_store(dir, backup.path()));
    let (report, _) = sync_once(&mut w, 2);
    assert!(report.is_clean(), "{report}");
    let hq_head = report.receipt.head.seq;
    w.d.closed(|dir| copy_store(backup.path(), dir));
    let (report, made) = sync_once(&mut w, 3);
    assert_eq!(made[0], "GET /api/v1/devices/D/head", "{made:?}");
    assert!(report.stuck.is_some(), "{report}");
    assert_eq!(
        report.uploaded, 0,
        "nothing chained onto a different history"
    );
    let stored = hq.block_on(hq.storage.entries(device, 1, 10_000)).unwrap();
    assert_eq!(stored.len() as u64, hq_head, "HQ holds what it held");
}
