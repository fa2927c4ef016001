//! Shipped migrations are never edited: each file's SHA-256 is pinned in the test that checks
//! them, and a new migration is a new numbered file.

use sha2::{Digest, Sha256};

/// Check that `embedded` (version, file name, SQL) are exactly the `.sql` files in `dir`, numbered
/// 1, 2, 3 … without gaps, and that each still has the SHA-256 pinned for it in `shipped`
/// (file name, hex digest). Panics naming the first file that breaks a rule.
pub fn check(dir: &std::path::Path, embedded: &[(i64, &str, &str)], shipped: &[(&str, &str)]) {
    let shown = dir.display();
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot list {shown}: {e}"))
        .map(|e| {
            e.expect("a directory entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let names: Vec<&str> = embedded.iter().map(|m| m.1).collect();
    assert_eq!(
        files, names,
        "every file in {shown} must be embedded, in order"
    );
    for (i, (version, name, sql)) in embedded.iter().enumerate() {
        assert_eq!(
            *version,
            i as i64 + 1,
            "versions are 1, 2, 3 … without gaps"
        );
        assert!(
            name.starts_with(&format!("{version:04}_")),
            "{name} must start with {version:04}_"
        );
        let on_disk = std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("cannot read {shown}/{name}: {e}"));
        assert_eq!(
            &on_disk, sql,
            "{shown}/{name} differs from what is embedded"
        );
        let (_, sha) = shipped.iter().find(|s| s.0 == *name).unwrap_or_else(|| {
            panic!("pin {shown}/{name}'s SHA-256 ({}) in the test", sha256(sql))
        });
        assert_eq!(
            sha256(sql),
            *sha,
            "{shown}/{name} was edited after it shipped"
        );
    }
}

fn sha256(sql: &str) -> String {
    hex::encode(Sha256::digest(sql.as_bytes()))
}
