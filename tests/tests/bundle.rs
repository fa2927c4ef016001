//! Station sync without a network: a device that cannot reach HQ writes a signed bundle of
//! everything HQ does not yet hold, and HQ ingests it exactly as an upload — real device store,
//! real HQ, the file's bytes in between. Then the same entries reach HQ online too, and nothing
//! is counted twice.

use patrol_device::{Capture, Store, SystemClock};
use patrol_hq::service::bundle::import;
use patrol_model::bundle::{self, Manifest};
use patrol_model::*;
use patrol_sync::SyncEngine;
use patrol_testkit::Hq;
use std::sync::{Arc, Mutex};

use patrol_e2e::fast_sync as fast;

fn jpeg(seed: u8) -> Vec<u8> {
    let mut b = vec![0xFF, 0xD8, 0xFF, 0xE0];
    b.extend((0..40_000u32).map(|i| (i as u8).wrapping_mul(seed)));
    b
}

fn tally(t: ViolationType, photos: Vec<PhotoRef>) -> Record {
    Record::Violation(ViolationTally {
        photos,
        note: Some("站内导出".into()),
        ..ViolationTally::new(t)
    })
}

/// A device enrolled with `hq` that synced once (so it has a receipt), then recorded `offline`
/// tallies — one with a photo — without a network.
async fn device_with_offline_work(hq: &Hq, offline: usize) -> (tempfile::TempDir, Mutex<Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = Mutex::new(Store::open(dir.path(), Arc::new(SystemClock::new())).unwrap());
    let engine = SyncEngine::with_options(fast()).unwrap();
    engine
        .enroll(&store, &hq.url(), &hq.enrollment_code("G07 站内").await)
        .await
        .unwrap();
    {
        let mut s = store.lock().unwrap();
        for t in ViolationType::ALL.iter().take(3) {
            s.append(&tally(*t, vec![]), Capture::default()).unwrap();
        }
    }
    assert!(engine.sync(&store, |_| {}).await.unwrap().is_clean());
    {
        let mut s = store.lock().unwrap();
        let photo = s.add_photo(&jpeg(7)).unwrap();
        s.append(
            &tally(ViolationType::NoHelmet, vec![photo]),
            Capture::default(),
        )
        .unwrap();
        for i in 1..offline {
            let t = ViolationType::ALL[i % ViolationType::ALL.len()];
            s.append(&tally(t, vec![]), Capture::default()).unwrap();
        }
    }
    (dir, store)
}

fn export(store: &Mutex<Store>) -> (Manifest, Vec<u8>) {
    let s = store.lock().unwrap();
    let secret = s.device_secret().unwrap().unwrap();
    let mut out = Vec::new();
    let m = patrol_sync::bundle::export(&s, &secret, &mut out).unwrap();
    (m, out)
}

async fn held(hq: &Hq, device: DeviceId) -> Vec<(u64, Hash)> {
    hq.storage
        .entries(device, 1, 10_000)
        .await
        .unwrap()
        .into_iter()
        .map(|s| (s.entry.seq, s.entry.hash))
        .collect()
}

#[tokio::test]
async fn a_bundle_is_ingested_once_with_its_photos_and_the_same_receipt() {
    let hq = Hq::start().await;
    let (_dir, store) = device_with_offline_work(&hq, 25).await;
    let device = store.lock().unwrap().device_id();

    // Only what HQ does not yet hold: after the receipt's head (3), with the unsent photo.
    let (m, file) = export(&store);
    assert_eq!((m.from_seq, m.to_seq, m.photos.len()), (4, 28, 1));
    assert_eq!(m.hq_url, hq.url());

    let done = import(&hq.state, bundle::read(file.as_slice()).unwrap())
        .await
        .unwrap();
    assert_eq!(
        (done.accepted, done.duplicates, done.quarantined),
        (25, 0, 0)
    );
    assert_eq!((done.photos_stored, done.photos_held), (1, 0));
    let ledger: Vec<(u64, Hash)> = {
        let s = store.lock().unwrap();
        (1..=28)
            .map(|q| (q, s.entry(q).unwrap().unwrap().hash))
            .collect()
    };
    assert_eq!(
        held(&hq, device).await,
        ledger,
        "every entry once, as sealed"
    );
    let photo = &m.photos[0];
    assert_eq!(
        hq.storage.photo_bytes(&photo.sha256).await.unwrap(),
        jpeg(7),
        "the photo's bytes, verified"
    );
    // The receipt is the one a sync would have got.
    let r = &done.receipt;
    assert_eq!((r.head.seq, r.entries_held), (28, 28));
    assert_eq!(r.photos, vec![photo.sha256.clone()]);

    // Imported again: nothing changes.
    let again = import(&hq.state, bundle::read(file.as_slice()).unwrap())
        .await
        .unwrap();
    assert_eq!((again.accepted, again.duplicates), (0, 25));
    assert_eq!((again.photos_stored, again.photos_held), (0, 1));
    assert_eq!(held(&hq, device).await, ledger);

    // The device comes online later: its sync finds everything held and settles the queue,
    // sending no entry twice.
    let engine = SyncEngine::with_options(fast()).unwrap();
    let report = engine.sync(&store, |_| {}).await.unwrap();
    assert!(report.is_clean(), "{report}");
    assert_eq!(report.uploaded, 0, "{report}");
    assert_eq!(report.pending, 0, "{report}");
    assert_eq!(held(&hq, device).await, ledger);
    // And the next bundle holds nothing HQ has.
    let (m, _) = export(&store);
    assert!(m.to_seq < m.from_seq && m.photos.is_empty(), "{m:?}");
}

#[tokio::test]
async fn tampered_and_revoked_bundles_are_refused_and_nothing_is_stored() {
    let hq = Hq::start().await;
    let (_dir, store) = device_with_offline_work(&hq, 6).await;
    let device = store.lock().unwrap().device_id();
    let before = held(&hq, device).await;
    let (_, file) = export(&store);

    // One entry's payload changed in the file: refused naming its seq.
    let mut b = bundle::read(file.as_slice()).unwrap();
    let target = b.entries.iter_mut().find(|e| e.seq == 6).unwrap();
    target.payload = String::from_utf8(target.payload.clone())
        .unwrap()
        .replace("站内导出", "事后改写")
        .into_bytes();
    let err = import(&hq.state, b).await.unwrap_err();
    assert!(err.to_string().contains("entry seq 6 was changed"), "{err}");
    assert_eq!(held(&hq, device).await, before, "nothing stored");

    // A bundle signed with another secret (a forger who has the ledger but not the secret).
    let (m, mut forged) = (bundle::read(file.as_slice()).unwrap().manifest, Vec::new());
    let entries = bundle::read(file.as_slice()).unwrap().entries;
    bundle::write(
        &mut forged,
        device,
        &m.hq_url,
        m.created_ms,
        &entries,
        &[],
        "guessed",
    )
    .unwrap();
    let err = import(&hq.state, bundle::read(forged.as_slice()).unwrap())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("signature does not verify"),
        "{err}"
    );
    assert_eq!(held(&hq, device).await, before, "nothing stored");

    // The device revoked (lost phone): its bundle is refused like its uploads.
    assert!(hq.storage.revoke_device(device, 0).await.unwrap());
    let err = import(&hq.state, bundle::read(file.as_slice()).unwrap())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    assert_eq!(held(&hq, device).await, before, "nothing stored");
}
