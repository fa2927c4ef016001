//! Encryption at rest: a keyed store is unreadable without its key, a wrong key writes nothing,
//! a plaintext store is encrypted with nothing lost or changed (and a crash at any step of that
//! leaves a store the next open finishes), and the key file is private and never replaced.

mod common;

use common::*;
use patrol_device::{EncryptStep, Error, FileKeySource, KeySource, ManualClock, Store, StoreKey};
use patrol_model::*;
use std::path::Path;
use std::sync::Arc;

const HEADER: &[u8; 16] = b"SQLite format 3\0";
const PHOTO: &[u8] = b"\xff\xd8\xff\xe0 not really a jpeg, but evidence all the same";

fn first_bytes(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap().into_iter().take(16).collect()
}

fn db(dir: &Path) -> std::path::PathBuf {
    dir.join("device.sqlite")
}

/// Every file in the folder with its bytes (photos included).
fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for entry in walk(dir) {
        out.push((
            entry.strip_prefix(dir).unwrap().display().to_string(),
            std::fs::read(&entry).unwrap(),
        ));
    }
    out.sort();
    out
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// A plaintext store with a patrol, a record with a photo, and a supplement; closed cleanly.
/// Returns the head and entry count.
fn plaintext_store(dir: &Path, clock: &ManualClock) -> ((u64, Hash), u64, String) {
    let mut s = Store::open(dir, Arc::new(clock.clone())).unwrap();
    s.start_patrol(start("G07"), Default::default()).unwrap();
    let photo = s.add_photo(PHOTO).unwrap();
    let mut v = violation(ViolationType::NoHelmet);
    if let Record::Violation(t) = &mut v {
        t.photos = vec![photo.clone()];
    }
    clock.advance_ms(60_000);
    s.append(&v, Default::default()).unwrap();
    s.set_setting("language", "zh").unwrap();
    let report = s.verify().unwrap();
    assert!(report.is_intact());
    drop(s);
    assert_eq!(first_bytes(&db(dir)), HEADER);
    (report.head, report.entries, photo.sha256)
}

#[test]
fn a_keyed_store_is_not_readable_as_plain_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let key = StoreKey::generate().unwrap();
    let mut s = Store::open_encrypted(dir.path(), Arc::new(clock.clone()), &key).unwrap();
    s.start_patrol(start("G07"), Default::default()).unwrap();
    let head = s.head().unwrap();
    drop(s);

    assert_ne!(first_bytes(&db(dir.path())), HEADER);
    assert!(Store::is_encrypted(dir.path()).unwrap());
    let bytes = std::fs::read(db(dir.path())).unwrap();
    assert!(
        !bytes.windows(3).any(|w| w == b"G07"),
        "plaintext in the file"
    );

    // Plain SQLite (no key) cannot read it, and the plain open says why.
    let conn = rusqlite::Connection::open(db(dir.path())).unwrap();
    assert!(
        conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r
            .get::<_, i64>(0))
            .is_err()
    );
    drop(conn);
    let err = Store::open(dir.path(), Arc::new(clock.clone())).unwrap_err();
    assert_eq!(err.kind(), "wrong_key");

    let s = Store::open_encrypted(dir.path(), Arc::new(clock), &key).unwrap();
    assert_eq!(s.head().unwrap(), head);
    assert!(s.verify().unwrap().is_intact());
}

#[test]
fn a_wrong_key_is_refused_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let key = StoreKey::generate().unwrap();
    let mut s = Store::open_encrypted(dir.path(), Arc::new(clock.clone()), &key).unwrap();
    s.start_patrol(start("G07"), Default::default()).unwrap();
    drop(s);
    let before = snapshot(dir.path());

    let other = StoreKey::generate().unwrap();
    let err = Store::open_encrypted(dir.path(), Arc::new(clock.clone()), &other).unwrap_err();
    assert!(matches!(err, Error::WrongKey), "{err:?}");
    assert_eq!(err.kind(), "wrong_key");
    assert!(err.to_string().contains("must be the one it was made with"));
    assert_eq!(
        snapshot(dir.path()),
        before,
        "a wrong key changed the folder"
    );

    // A key source without the key does not make a new one over the encrypted store.
    let key_file = dir.path().with_extension("key");
    let err = Store::open_with_source(
        dir.path(),
        Arc::new(clock.clone()),
        &FileKeySource::new(&key_file),
    )
    .unwrap_err();
    assert_eq!(err.kind(), "key_missing");
    assert!(!key_file.exists());
    assert_eq!(snapshot(dir.path()), before);

    Store::open_encrypted(dir.path(), Arc::new(clock), &key).unwrap();
}

#[test]
fn a_plaintext_store_is_encrypted_with_nothing_lost_or_changed() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let (head, entries, sha) = plaintext_store(dir.path(), &clock);
    let device_id = Store::open(dir.path(), Arc::new(clock.clone()))
        .unwrap()
        .device_id();

    let key = StoreKey::generate().unwrap();
    let s = Store::open_encrypted(dir.path(), Arc::new(clock.clone()), &key).unwrap();
    let report = s.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.head, head);
    assert_eq!(report.entries, entries);
    assert_eq!(s.device_id(), device_id);
    assert!(!s.open_report().unclean_shutdown);
    assert_eq!(s.read_photo(&sha).unwrap(), PHOTO);
    assert_eq!(s.setting("language").unwrap().as_deref(), Some("zh"));
    drop(s);

    assert_ne!(first_bytes(&db(dir.path())), HEADER);
    assert!(!dir.path().join("device.sqlite.encrypting").exists());
    // The copy kept the triggers that refuse to change a ledger row.
    let conn = rusqlite::Connection::open(db(dir.path())).unwrap();
    conn.execute_batch(&format!("PRAGMA key = \"x'{}'\"", &*key.to_hex()))
        .unwrap();
    assert!(
        conn.execute("UPDATE ledger SET kind = 'x' WHERE seq = 1", [])
            .is_err()
    );
    assert!(
        conn.execute("DELETE FROM ledger WHERE seq = 1", [])
            .is_err()
    );
    drop(conn);
    // And again: nothing more to do, same head.
    let s = Store::open_encrypted(dir.path(), Arc::new(clock), &key).unwrap();
    assert_eq!(s.head().unwrap(), head);
}

#[test]
fn a_crash_at_any_step_of_encrypting_leaves_a_store_the_next_open_finishes() {
    let steps = [
        EncryptStep::Checkpointed,
        EncryptStep::Exported,
        EncryptStep::Verified,
        EncryptStep::Synced,
        EncryptStep::SidecarsRemoved,
        EncryptStep::Renamed,
        EncryptStep::FolderSynced,
    ];
    for step in steps {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new(T0);
        let (head, entries, sha) = plaintext_store(dir.path(), &clock);
        let key = StoreKey::generate().unwrap();

        let err =
            Store::open_encrypted_failing_after(dir.path(), Arc::new(clock.clone()), &key, step)
                .unwrap_err();
        assert!(
            err.to_string().contains("injected failure"),
            "{step:?}: {err}"
        );

        // Whatever is there is whole: the old plaintext store or the new encrypted one.
        let plain = first_bytes(&db(dir.path())) == HEADER;
        let whole = if plain {
            Store::open(dir.path(), Arc::new(clock.clone())).unwrap()
        } else {
            assert!(step >= EncryptStep::Renamed, "{step:?}");
            Store::open_encrypted(dir.path(), Arc::new(clock.clone()), &key).unwrap()
        };
        assert_eq!(whole.head().unwrap(), head, "{step:?}");
        drop(whole);

        let s = Store::open_encrypted(dir.path(), Arc::new(clock.clone()), &key).unwrap();
        let report = s.verify().unwrap();
        assert!(report.is_intact(), "{step:?}: {report:?}");
        assert_eq!((report.head, report.entries), (head, entries), "{step:?}");
        assert_eq!(s.read_photo(&sha).unwrap(), PHOTO, "{step:?}");
        drop(s);
        assert_ne!(first_bytes(&db(dir.path())), HEADER, "{step:?}");
        assert!(
            !dir.path().join("device.sqlite.encrypting").exists(),
            "{step:?}"
        );
    }
}

#[test]
fn a_partial_copy_from_a_crash_mid_export_is_redone() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let (head, _, _) = plaintext_store(dir.path(), &clock);
    std::fs::write(
        dir.path().join("device.sqlite.encrypting"),
        b"half a page of junk",
    )
    .unwrap();
    std::fs::write(dir.path().join("device.sqlite.encrypting-journal"), b"junk").unwrap();

    let key = StoreKey::generate().unwrap();
    let s = Store::open_encrypted(dir.path(), Arc::new(clock), &key).unwrap();
    assert_eq!(s.head().unwrap(), head);
    assert!(s.verify().unwrap().is_intact());
    assert!(!dir.path().join("device.sqlite.encrypting-journal").exists());
}

#[test]
fn a_store_left_open_by_a_crash_is_encrypted_and_still_checked() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let mut s = Store::open(dir.path(), Arc::new(clock.clone())).unwrap();
    s.start_patrol(start("G07"), Default::default()).unwrap();
    let head = s.head().unwrap();
    std::mem::forget(s); // a crash: no clean close, the WAL still holds the writes

    let key = StoreKey::generate().unwrap();
    let s = Store::open_encrypted(dir.path(), Arc::new(clock), &key).unwrap();
    assert!(s.open_report().unclean_shutdown);
    assert!(s.open_report().check.as_ref().unwrap().is_intact());
    assert_eq!(s.head().unwrap(), head);
}

#[test]
fn the_key_file_is_private_and_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.key");
    let source = FileKeySource::new(&path);
    assert!(source.load().unwrap().is_none());
    let key = source.load_or_create().unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.trim().len(), 64);
    assert_eq!(source.load_or_create().unwrap(), key);
    assert_eq!(FileKeySource::new(&path).load().unwrap(), Some(key.clone()));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "a temp file was left"
    );

    // A damaged key file is an error, never replaced by a new key.
    std::fs::write(&path, "not a key").unwrap();
    let err = source.load_or_create().unwrap_err();
    assert_eq!(err.kind(), "key_store");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a key");
}

#[test]
fn open_with_source_creates_the_key_once_and_reopens_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let clock = ManualClock::new(T0);
    let (head, _, _) = plaintext_store(&data, &clock);
    let source = FileKeySource::new(dir.path().join("data.key"));
    let s = Store::open_with_source(&data, Arc::new(clock.clone()), &source).unwrap();
    assert_eq!(s.head().unwrap(), head);
    drop(s);
    let key = source.load().unwrap().unwrap();
    let s = Store::open_with_source(&data, Arc::new(clock.clone()), &source).unwrap();
    assert_eq!(s.head().unwrap(), head);
    drop(s);
    assert_eq!(source.load().unwrap().unwrap(), key);
    Store::open_encrypted(&data, Arc::new(clock), &key).unwrap();
}

#[test]
fn forgetting_the_device_secret_keeps_the_device_bound_to_its_hq() {
    let (_dir, s, _clock) = store();
    s.save_enrollment("https://hq.example", "CD-01", "s3cret")
        .unwrap();
    s.forget_device_secret().unwrap();
    assert_eq!(s.device_secret().unwrap(), None);
    assert_eq!(
        s.enrolled_hq_url().unwrap().as_deref(),
        Some("https://hq.example")
    );
    assert!(s.set_hq_url("https://elsewhere.example").is_err());

    // An enrolment older than the address binding: the implied address is bound first.
    let (_dir, s, _clock) = store();
    s.set_setting("hq_url", "https://old.example").unwrap();
    s.set_setting("device_secret", "0ld").unwrap();
    s.forget_device_secret().unwrap();
    assert_eq!(s.device_secret().unwrap(), None);
    assert_eq!(
        s.enrolled_hq_url().unwrap().as_deref(),
        Some("https://old.example")
    );
}

/// Photos are evidence too: in an encrypted store each file is sealed (its bytes never appear
/// on disk), a photo kept before encryption is sealed when the store is encrypted, and a sealed
/// file passed off under another photo's name does not open.
#[test]
fn photo_files_are_sealed_in_an_encrypted_store() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::new(T0);
    let (_, _, sha) = plaintext_store(dir.path(), &clock);
    let file = dir.path().join("photos").join(&sha);
    assert_eq!(
        std::fs::read(&file).unwrap(),
        PHOTO,
        "plaintext before the key"
    );

    let key = StoreKey::generate().unwrap();
    let s = Store::open_encrypted(dir.path(), Arc::new(clock.clone()), &key).unwrap();
    let on_disk = std::fs::read(&file).unwrap();
    assert!(on_disk.starts_with(b"PTRLPH1\0"), "sealed on encryption");
    assert!(
        !on_disk
            .windows(16)
            .any(|w| PHOTO.windows(16).any(|p| p == w)),
        "no stretch of the photo left in the clear"
    );
    assert_eq!(s.read_photo(&sha).unwrap(), PHOTO);

    // A new photo is sealed from the start.
    let other = b"\x89PNG\r\n\x1a\n another piece of evidence";
    let p = s.add_photo(other).unwrap();
    let path = dir.path().join("photos").join(&p.sha256);
    assert!(std::fs::read(&path).unwrap().starts_with(b"PTRLPH1\0"));
    assert_eq!(s.read_photo(&p.sha256).unwrap(), other);

    // Swapped names: the name is sealed in, so neither opens as the other.
    std::fs::copy(&path, &file).unwrap();
    assert!(s.read_photo(&sha).is_err());
    drop(s);
    // Without the key a sealed photo is refused, never returned as garbage.
    assert!(matches!(
        Store::open(dir.path(), Arc::new(clock)),
        Err(Error::WrongKey)
    ));
}
