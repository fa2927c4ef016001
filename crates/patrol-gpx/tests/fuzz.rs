//! Damaged copies of the real GPX files in `tests/fixtures/` through `read_gpx`: an officer may
//! import a file cut off by a failed download or mangled by an editor, and the answer must be an
//! error naming the problem, never a panic. Seeded `rand` loop on stable Rust;
//! `PATROL_FUZZ_CASES` raises the case count (the soak script runs 200,000).

use patrol_gpx::read_gpx;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;

const FIXTURES: [&str; 5] = [
    "ecology-trail-and-lovers-lane-loop.gpx",
    "garmin-activity.gpx",
    "sloth-at-lemans.gpx",
    "strava_route_example.gpx",
    "wahoo_example.gpx",
];

fn cases(default: usize) -> usize {
    std::env::var("PATROL_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Snippets that push the parser into its less travelled paths: encodings, entities, CDATA,
/// extreme numbers, stray closing tags.
const SNIPPETS: [&[u8]; 14] = [
    b"<trkpt lat=\"91\" lon=\"0\">",
    b"<trkpt lat=\"NaN\" lon=\"inf\"/>",
    b"</trkseg>",
    b"<trkseg>",
    b"<time>99999-99-99T99:99:99Z</time>",
    b"<time>1970-01-01T00:00:00Z</time>",
    b"<ele>1e309</ele>",
    b"<![CDATA[",
    b"&amp;&#0;&#xFFFFFFFF;&unknown;",
    b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>",
    b"\xef\xbb\xbf",
    b"\xff\xfe\x00",
    b"<rte><rtept lat=\"-90\" lon=\"180\"></rtept></rte>",
    b"<!DOCTYPE gpx [<!ENTITY a \"aaaaaaaaaa\">]>",
];

fn mutate(rng: &mut StdRng, bytes: &mut Vec<u8>) {
    for _ in 0..rng.random_range(1..=6) {
        let len = bytes.len();
        match rng.random_range(0..6) {
            0 if len > 0 => {
                let i = rng.random_range(0..len);
                bytes[i] ^= 1 << rng.random_range(0..8);
            }
            1 => bytes.truncate(rng.random_range(0..=len)),
            2 => {
                let at = rng.random_range(0..=len);
                let s = SNIPPETS[rng.random_range(0..SNIPPETS.len())];
                bytes.splice(at..at, s.iter().copied());
            }
            3 if len > 0 => {
                let a = rng.random_range(0..len);
                let b = rng.random_range(a..=len.min(a + 64));
                bytes.drain(a..b);
            }
            4 if len > 0 => {
                // Overwrite a digit: coordinates and times are where the numbers live.
                let i = rng.random_range(0..len);
                if bytes[i].is_ascii_digit() {
                    bytes[i] = b"0123456789-.eE+"[rng.random_range(0..15)];
                }
            }
            _ if len > 0 => {
                let a = rng.random_range(0..len);
                let b = rng.random_range(a..=len.min(a + 200));
                let run = bytes[a..b].to_vec();
                let at = rng.random_range(0..=len);
                bytes.splice(at..at, run);
            }
            _ => bytes.push(rng.random()),
        }
    }
}

#[test]
fn damaged_real_gpx_files_never_panic_the_importer() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let files: Vec<Vec<u8>> = FIXTURES
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect();
    // The untouched files import: the mutations start from good input.
    for (name, bytes) in FIXTURES.iter().zip(&files) {
        read_gpx(bytes.as_slice()).unwrap_or_else(|e| panic!("{name}: {e}"));
    }

    let cases = cases(2_000);
    let mut rng = StdRng::seed_from_u64(0x69c);
    let (mut panics, mut imported) = (Vec::new(), 0usize);
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    for case in 0..cases {
        let mut r = StdRng::seed_from_u64(rng.random());
        // The 360 KB Garmin file costs as much as all the others together: one case in 10.
        let pick = if r.random_bool(0.1) {
            1
        } else {
            [0, 2, 3, 4][r.random_range(0..4)]
        };
        let mut bytes = files[pick].clone();
        mutate(&mut r, &mut bytes);
        match catch_unwind(AssertUnwindSafe(|| read_gpx(bytes.as_slice()))) {
            Ok(Ok(gpx)) => {
                imported += 1;
                let _ = gpx.fix_count();
            }
            Ok(Err(e)) => {
                // An error must be printable (it reaches the officer).
                let _ = e.to_string();
            }
            Err(_) => panics.push(case),
        }
    }
    std::panic::set_hook(hook);
    println!(
        "fuzz gpx import: {cases} cases, {} panics ({imported} still imported)",
        panics.len()
    );
    assert!(panics.is_empty(), "panicked on cases {panics:?}");
}
