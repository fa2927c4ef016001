//! Station bundles: what a device writes HQ reads back exactly, and every kind of tampering is
//! refused naming what is wrong, in the order a person can act on.

use patrol_model::bundle::{self, BundleError};
use patrol_model::*;

const SECRET: &str = "the-device-secret";

fn chain(device: DeviceId, from: u64, n: u64) -> Vec<Entry> {
    let mut prev = Hash::of(b"what HQ already holds");
    (from..from + n)
        .map(|seq| {
            let r = Record::Violation(ViolationTally {
                note: Some(format!("第{seq}起")),
                ..ViolationTally::new(ViolationType::NoHelmet)
            });
            let e = UnsealedEntry {
                device_id: device,
                seq,
                id: EntryId::new(),
                kind: r.kind(),
                wall_ms: 1_764_374_400_000 + seq as i64,
                mono_ms: seq as i64,
                gnss_ms: None,
                cell: None,
                payload: r.encode_payload(),
                prev_hash: prev,
            }
            .seal()
            .unwrap();
            prev = e.hash;
            e
        })
        .collect()
}

fn photo(seed: u8) -> (PhotoRef, Vec<u8>) {
    let bytes: Vec<u8> = [0xFF, 0xD8, 0xFF, 0xE0]
        .into_iter()
        .chain((0..2000u32).map(|i| (i as u8).wrapping_mul(seed)))
        .collect();
    let sha = Hash::of(&bytes).to_hex();
    let r = PhotoRef {
        sha256: sha,
        size: bytes.len() as u64,
        mime: "image/jpeg".into(),
    };
    (r, bytes)
}

fn written(entries: &[Entry], photos: &[(PhotoRef, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    bundle::write(
        &mut out,
        entries[0].device_id,
        "https://hq.example",
        1_764_374_400_000,
        entries,
        photos,
        SECRET,
    )
    .unwrap();
    out
}

fn key() -> [u8; 32] {
    bundle::mac_key(SECRET)
}

#[test]
fn a_bundle_reads_back_exactly_and_checks() {
    let device = DeviceId::new();
    let entries = chain(device, 5, 20);
    let photos = vec![photo(3), photo(7)];
    let b = bundle::read(written(&entries, &photos).as_slice()).unwrap();
    b.check(&key()).unwrap();
    assert_eq!(b.entries, entries, "canonical bytes and hashes untouched");
    assert_eq!(b.photos, photos);
    let m = &b.manifest;
    assert_eq!(
        (m.from_seq, m.to_seq, m.head_hash),
        (5, 24, entries[19].hash)
    );
    assert_eq!(
        (m.device_id, m.hq_url.as_str()),
        (device, "https://hq.example")
    );
}

#[test]
fn the_wrong_key_is_refused() {
    let entries = chain(DeviceId::new(), 1, 3);
    let b = bundle::read(written(&entries, &[]).as_slice()).unwrap();
    let err = b.check(&bundle::mac_key("another-secret")).unwrap_err();
    assert!(matches!(err, BundleError::BadSignature { .. }), "{err}");
}

/// Rewrite the bundle's files with `edit` and pack them again (what a tamperer with the file
/// and `tar` can do).
fn tampered(
    bytes: &[u8],
    edit: impl Fn(&str, Vec<u8>) -> Option<Vec<u8>>,
    extra: Option<(&str, &[u8])>,
) -> Vec<u8> {
    use std::io::Read;
    let mut files = Vec::new();
    let mut a = tar::Archive::new(flate2::read::GzDecoder::new(bytes));
    for f in a.entries().unwrap() {
        let mut f = f.unwrap();
        let name = f.path().unwrap().to_string_lossy().into_owned();
        let mut b = Vec::new();
        f.read_to_end(&mut b).unwrap();
        if let Some(b) = edit(&name, b) {
            files.push((name, b));
        }
    }
    if let Some((n, b)) = extra {
        files.push((n.into(), b.to_vec()));
    }
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    for (name, b) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(b.len() as u64);
        h.set_mode(0o600);
        h.set_cksum();
        tar.append_data(&mut h, name, b.as_slice()).unwrap();
    }
    tar.into_inner().unwrap().finish().unwrap()
}

fn reseal(e: &Entry, prev: Hash, payload: Vec<u8>) -> Entry {
    UnsealedEntry {
        payload,
        prev_hash: prev,
        ..e.unsealed()
    }
    .seal()
    .unwrap()
}

#[test]
fn a_changed_entry_is_named_by_its_seq() {
    let entries = chain(DeviceId::new(), 1, 6);
    let original = written(&entries, &[]);
    // The payload of seq 4 edited, its hash left as it was.
    let edited = tampered(
        &original,
        |name, b| {
            if name != "entries.json" {
                return Some(b);
            }
            let mut es: Vec<Entry> = serde_json::from_slice(&b).unwrap();
            es[3].payload = String::from_utf8(es[3].payload.clone())
                .unwrap()
                .replace("no-helmet", "no-plate")
                .into_bytes();
            Some(serde_json::to_vec(&es).unwrap())
        },
        None,
    );
    let err = bundle::read(edited.as_slice())
        .unwrap()
        .check(&key())
        .unwrap_err();
    assert!(matches!(err, BundleError::BadEntry { seq: 4, .. }), "{err}");
    assert!(err.to_string().contains("seq 4"), "{err}");
}

#[test]
fn a_consistent_rewrite_is_caught_by_the_signature() {
    let entries = chain(DeviceId::new(), 1, 6);
    let original = written(&entries, &[]);
    // Seqs 4..6 rewritten, resealed and relinked: the chain inside the bundle holds.
    let rewrite = |es: &mut Vec<Entry>| {
        let mut prev = es[2].hash;
        for e in es.iter_mut().skip(3) {
            let payload = String::from_utf8(e.payload.clone())
                .unwrap()
                .replace("no-helmet", "no-plate")
                .into_bytes();
            *e = reseal(e, prev, payload);
            prev = e.hash;
        }
    };
    let entries_only = tampered(
        &original,
        |name, b| {
            if name != "entries.json" {
                return Some(b);
            }
            let mut es: Vec<Entry> = serde_json::from_slice(&b).unwrap();
            rewrite(&mut es);
            Some(serde_json::to_vec(&es).unwrap())
        },
        None,
    );
    let err = bundle::read(entries_only.as_slice())
        .unwrap()
        .check(&key())
        .unwrap_err();
    assert!(matches!(err, BundleError::Entries(_)), "{err}");

    // The manifest made to agree as well: only the signature is left, and it does not verify.
    let mut es = entries.clone();
    rewrite(&mut es);
    let es_bytes = serde_json::to_vec(&es).unwrap();
    let everything = tampered(
        &original,
        |name, b| match name {
            "entries.json" => Some(es_bytes.clone()),
            "manifest.json" => {
                let mut m: bundle::Manifest = serde_json::from_slice(&b).unwrap();
                m.head_hash = es[5].hash;
                m.entries_sha256 = Hash::of(&es_bytes).to_hex();
                Some(serde_json::to_vec(&m).unwrap())
            }
            _ => Some(b),
        },
        None,
    );
    let err = bundle::read(everything.as_slice())
        .unwrap()
        .check(&key())
        .unwrap_err();
    assert!(matches!(err, BundleError::BadSignature { .. }), "{err}");
}

#[test]
fn photos_must_be_the_signed_ones_and_nothing_else() {
    let entries = chain(DeviceId::new(), 1, 2);
    let (p, _) = photo(3);
    let original = written(&entries, &[photo(3)]);
    let flipped = tampered(
        &original,
        |name, mut b| {
            if name.starts_with("photos/") {
                b[100] ^= 1;
            }
            Some(b)
        },
        None,
    );
    let err = bundle::read(flipped.as_slice())
        .unwrap()
        .check(&key())
        .unwrap_err();
    assert!(
        matches!(&err, BundleError::BadPhoto { sha256, .. } if *sha256 == p.sha256),
        "{err}"
    );

    let missing = tampered(
        &original,
        |n, b| (!n.starts_with("photos/")).then_some(b),
        None,
    );
    let err = bundle::read(missing.as_slice()).unwrap_err();
    assert!(matches!(err, BundleError::BadPhoto { .. }), "{err}");

    let extra = tampered(&original, |_, b| Some(b), Some(("notes.txt", b"hello")));
    let err = bundle::read(extra.as_slice()).unwrap_err();
    assert!(
        err.to_string().contains("unexpected file notes.txt"),
        "{err}"
    );
}

#[test]
fn what_is_not_a_bundle_says_so() {
    let err = bundle::read(&b"PK\x03\x04 a zip file"[..]).unwrap_err();
    assert!(matches!(err, BundleError::NotABundle(_)), "{err}");
    let entries = chain(DeviceId::new(), 1, 1);
    let newer = tampered(
        &written(&entries, &[]),
        |name, b| {
            if name != "manifest.json" {
                return Some(b);
            }
            let mut m: serde_json::Value = serde_json::from_slice(&b).unwrap();
            m["format"] = "patrol-bundle/2".into();
            Some(serde_json::to_vec(&m).unwrap())
        },
        None,
    );
    let err = bundle::read(newer.as_slice()).unwrap_err();
    assert!(matches!(err, BundleError::Format { .. }), "{err}");
}
