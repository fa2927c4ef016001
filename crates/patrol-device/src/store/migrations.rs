//! Schema migrations: numbered SQL files in `migrations/`, embedded at build time and applied
//! in order, tracked by `PRAGMA user_version`. Shipped files are never edited (a test pins them).

use crate::{Error, Result};
use rusqlite::Connection;

/// `(version, name, sql)`, in order; version N is the file `NNNN_*.sql`.
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "0001_ledger.sql",
        include_str!("../../migrations/0001_ledger.sql"),
    ),
    (
        2,
        "0002_dispatch_inbox.sql",
        include_str!("../../migrations/0002_dispatch_inbox.sql"),
    ),
];

pub(super) fn apply(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let known = MIGRATIONS.last().map_or(0, |m| m.0);
    if current > known {
        return Err(Error::SchemaTooNew {
            found: current,
            known,
        });
    }
    for (version, _name, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SHA-256 of every shipped migration. A failing line means a shipped file was edited:
    /// revert it and add a new migration instead.
    const SHIPPED: &[(&str, &str)] = &[
        (
            "0001_ledger.sql",
            "ca628c6b112d8250185a76e756972fca0be79b07e0ab98ecdfabe08157999aeb",
        ),
        (
            "0002_dispatch_inbox.sql",
            "a3cedce195b3a35f289fdd4d7eadca1376a3565989b14aab0d087e1ef8225f98",
        ),
    ];

    #[test]
    fn migrations_are_numbered_files_and_never_edited() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
        patrol_testkit::migrations::check(&dir, MIGRATIONS, SHIPPED);
    }

    #[test]
    fn migrations_apply_to_a_fresh_database_and_are_idempotent() {
        let mut conn = Connection::open_in_memory().unwrap();
        apply(&mut conn).unwrap();
        apply(&mut conn).unwrap();
        let v: i64 = conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len() as i64);
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }

    #[test]
    fn a_newer_schema_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(
            apply(&mut conn),
            Err(Error::SchemaTooNew { found: 99, .. })
        ));
    }
}
