//! Drafts: reports the officer has begun but not finalized. They are not evidence — editable and
//! deletable — and live apart from the ledger, surviving restarts. Finalizing appends the entry
//! and deletes the draft in one transaction.

use super::{Capture, Store};
use crate::Result;
use patrol_model::{Entry, Record};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct Draft {
    pub id: String,
    /// The form it belongs to, e.g. `lost_person`.
    pub kind: String,
    /// Whatever the form had typed so far (any JSON).
    pub body: serde_json::Value,
    pub created_ms: i64,
    pub updated_ms: i64,
}

impl Store {
    /// Create or replace a draft.
    pub fn save_draft(&self, id: &str, kind: &str, body: &serde_json::Value) -> Result<Draft> {
        patrol_model::validate_code("draft id", id)?;
        let now = self.clock.wall_ms();
        self.conn.execute(
            "INSERT INTO drafts (id, kind, body, created_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?4)
             ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, body = excluded.body,
                                            updated_ms = excluded.updated_ms",
            params![id, kind, body.to_string(), now],
        )?;
        Ok(self.draft(id)?.expect("just written"))
    }

    pub fn draft(&self, id: &str) -> Result<Option<Draft>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, kind, body, created_ms, updated_ms FROM drafts WHERE id = ?1",
                [id],
                read_draft,
            )
            .optional()?)
    }

    pub fn drafts(&self) -> Result<Vec<Draft>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, kind, body, created_ms, updated_ms FROM drafts ORDER BY updated_ms DESC",
        )?;
        let rows = stmt.query_map([], read_draft)?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    pub fn discard_draft(&self, id: &str) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM drafts WHERE id = ?1", [id])?
            > 0)
    }

    /// Turn a draft into evidence: append `record` and delete the draft, atomically.
    pub fn finalize_draft(&mut self, id: &str, record: &Record, capture: Capture) -> Result<Entry> {
        record.validate()?;
        let tx = self.write_tx()?;
        let entry = self
            .append_in(&tx, std::slice::from_ref(record), capture)?
            .remove(0);
        tx.execute("DELETE FROM drafts WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(entry)
    }
}

fn read_draft(r: &rusqlite::Row<'_>) -> rusqlite::Result<Draft> {
    let body: String = r.get(2)?;
    Ok(Draft {
        id: r.get(0)?,
        kind: r.get(1)?,
        body: serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
        created_ms: r.get(3)?,
        updated_ms: r.get(4)?,
    })
}
