//! The app's data at rest: an older version's plaintext store (entries, a photo, a device
//! secret in its settings) is encrypted on the first open with nothing lost, and the app keeps
//! working with it; a wrong key file stops the app before it writes anything.

mod common;

use common::TestApp;
use patrol_device::{ManualClock, Store, StoreKey};
use serde_json::json;
use std::sync::Arc;

const PHOTO: &[u8] = b"\xff\xd8\xff\xe0 evidence";

#[test]
fn an_older_plaintext_store_is_encrypted_on_open_and_keeps_everything() {
    let dir = tempfile::tempdir().unwrap();
    let (head, sha) = {
        let s = Store::open(dir.path(), Arc::new(ManualClock::new(1_764_374_400_000))).unwrap();
        s.save_enrollment("https://hq.example", "CD-01", "s3cret")
            .unwrap();
        let photo = s.add_photo(PHOTO).unwrap();
        (s.head().unwrap(), photo.sha256)
    };
    assert_eq!(
        &std::fs::read(dir.path().join("device.sqlite")).unwrap()[..16],
        b"SQLite format 3\0"
    );

    let app = TestApp::in_dir(dir);
    let home = app.ok("home", json!({}));
    assert_eq!(home["enrolled"], true, "{home}");
    assert_eq!(home["hq_url"], "https://hq.example");
    let dir = app.close();

    let db = std::fs::read(dir.path().join("device.sqlite")).unwrap();
    assert_ne!(&db[..16], b"SQLite format 3\0");
    assert!(!db.windows(6).any(|w| w == b"s3cret"));
    // The test's key file (never the developer's keystore): with it the store opens, the same.
    let key = StoreKey::from_hex(&std::fs::read_to_string(dir.path().join("store.key")).unwrap())
        .unwrap();
    let s = Store::open_encrypted(dir.path(), Arc::new(ManualClock::new(0)), &key).unwrap();
    assert_eq!(s.head().unwrap(), head);
    assert!(s.verify().unwrap().is_intact());
    assert_eq!(s.read_photo(&sha).unwrap(), PHOTO);
    // A key file is not a keystore: the secret stays in the (now encrypted) store.
    assert_eq!(s.device_secret().unwrap().as_deref(), Some("s3cret"));
    drop(s);

    // Reopened by the app: still enrolled, nothing changed.
    let app = TestApp::in_dir(dir);
    assert_eq!(app.ok("home", json!({}))["enrolled"], true);
}

#[test]
fn a_wrong_key_file_stops_the_app_before_anything_is_written() {
    let app = TestApp::new();
    app.ok("home", json!({}));
    let dir = app.close();
    let db = dir.path().join("device.sqlite");
    let before = std::fs::read(&db).unwrap();
    std::fs::write(
        dir.path().join("store.key"),
        StoreKey::generate().unwrap().to_hex().as_bytes(),
    )
    .unwrap();
    let err = patrol_app_lib::configure(
        tauri::test::mock_builder(),
        patrol_app_lib::Options {
            data_dir: Some(dir.path().to_path_buf()),
            key_file: Some(dir.path().join("store.key")),
            ..Default::default()
        },
    )
    .err()
    .expect("a wrong key must not open the store");
    assert!(err.is_wrong_key(), "{err:?}");
    assert!(
        err.to_string().contains("must be the one it was made with"),
        "{err}"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before);
}
