//! The outbox and everything sync keeps on the device: which entries HQ acknowledged or
//! quarantined, which photos it holds, the last receipt, and the enrolment (HQ address and the
//! device secret). It only records what the sync engine learned from HQ; it never decides what
//! to send (that is `patrol-sync`'s pure planning) and never touches a ledger row.
//!
//! The device secret is bound to the HQ that issued it: [`Store::save_enrollment`] keeps that
//! address outside the settings, where no settings screen can reach it, and
//! [`Store::set_hq_url`] refuses another address on an enrolled device. Only a new enrolment (a
//! new one-time code) moves a device to another HQ, so the secret is never sent anywhere else.

use super::{Store, get_meta, set_meta};
use crate::{Error, Result};
use patrol_model::{EntryKind, PhotoRef};
use rusqlite::{OptionalExtension, params};
use std::str::FromStr;

const HQ_URL: &str = "hq_url";
const DEVICE_NAME: &str = "device_name";
/// Kept in the store for the CLI (and by the app when no OS keystore is available); the app
/// moves it to the OS keystore ([`Store::forget_device_secret`]).
const DEVICE_SECRET: &str = "device_secret";
/// The HQ address the secret was issued for. A `meta` key, not a `setting.` one, so the generic
/// [`Store::set_setting`] cannot move it.
const ENROLLED_HQ_URL: &str = "enrollment.hq_url";
const RECEIPT: &str = "sync.receipt";
const RECEIPT_MS: &str = "sync.receipt_ms";

/// Which HQ this device is enrolled with (the secret is read separately, on purpose).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Enrollment {
    pub hq_url: String,
    pub device_name: String,
}

/// An entry HQ will not count as a normal entry, as recorded on the device.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct Quarantined {
    pub seq: u64,
    /// HQ's stable code (`invalid_payload`, `bad_link`, `conflict` …).
    pub code: String,
    pub reason: String,
    /// The field and rule HQ named for a refused payload, for the screen to translate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub invalid: Option<patrol_model::v1::Invalid>,
}

/// The last receipt HQ gave, as its JSON, and when (device wall clock) it was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedReceipt {
    pub json: String,
    pub saved_ms: i64,
}

impl Store {
    /// Mark every pending entry up to and including `seq` as acknowledged by HQ. Quarantined
    /// entries stay quarantined. Returns how many entries changed.
    pub fn mark_acked_through(&self, seq: u64) -> Result<u64> {
        let n = self.conn.execute(
            "UPDATE outbox SET state = 'acked', last_error = NULL, updated_ms = ?2
             WHERE state = 'pending' AND seq <= ?1",
            params![seq as i64, self.clock.wall_ms()],
        )?;
        Ok(n as u64)
    }

    /// Record that HQ named entry `seq` as a problem (`code` is HQ's stable code). The entry
    /// stays in the ledger untouched; only its outbox state changes.
    pub fn quarantine(&self, seq: u64, code: &str, reason: &str) -> Result<()> {
        let p = Quarantined {
            seq,
            code: code.to_owned(),
            reason: reason.to_owned(),
            invalid: None,
        };
        match self.set_quarantined(&p)? {
            0 => Err(Error::NoSuchEntry(seq)),
            _ => Ok(()),
        }
    }

    fn set_quarantined(&self, p: &Quarantined) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE outbox SET state = 'quarantined', last_error = ?2, updated_ms = ?3
             WHERE seq = ?1",
            params![p.seq as i64, encode_problem(p), self.clock.wall_ms()],
        )?)
    }

    /// One upload's answer, in one transaction: acknowledge pending entries through
    /// `acked_through`, then quarantine the entries HQ named (seqs this ledger does not have
    /// are ignored: HQ's word about them changes nothing here).
    pub fn record_upload(&self, acked_through: u64, problems: &[Quarantined]) -> Result<()> {
        let tx = self.write_tx()?;
        self.mark_acked_through(acked_through)?;
        for p in problems {
            self.set_quarantined(p)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Make the outbox agree with a receipt, in one transaction: every entry up to `hq_head` is
    /// acknowledged unless HQ lists it in `problems` (then it is quarantined); entries above the
    /// head that were marked acknowledged go back to pending (HQ no longer holds them, e.g. it
    /// was restored from a backup). Entries above the head that HQ refused stay quarantined.
    pub fn settle_outbox(&self, hq_head: u64, problems: &[Quarantined]) -> Result<()> {
        let now = self.clock.wall_ms();
        let tx = self.write_tx()?;
        tx.execute(
            "UPDATE outbox SET state = 'acked', last_error = NULL, updated_ms = ?2
             WHERE seq <= ?1 AND state <> 'acked'",
            params![hq_head as i64, now],
        )?;
        tx.execute(
            "UPDATE outbox SET state = 'pending', updated_ms = ?2
             WHERE seq > ?1 AND state = 'acked'",
            params![hq_head as i64, now],
        )?;
        for p in problems {
            self.set_quarantined(p)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Quarantined entries with HQ's code and reason, in seq order.
    pub fn quarantined(&self) -> Result<Vec<Quarantined>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, last_error FROM outbox WHERE state = 'quarantined' ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, text) = row?;
            out.push(decode_problem(seq as u64, text.as_deref().unwrap_or("")));
        }
        Ok(out)
    }

    /// Count one more failed attempt to deliver entry `seq`, with what went wrong. Returns the
    /// number of attempts so far (0 when the entry is unknown).
    pub fn bump_attempts(&self, seq: u64, error: &str) -> Result<u32> {
        self.conn.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ?2, updated_ms = ?3
             WHERE seq = ?1 AND state = 'pending'",
            params![seq as i64, error, self.clock.wall_ms()],
        )?;
        self.attempts(seq)
    }

    /// Failed delivery attempts of entry `seq` so far (0 when unknown).
    pub fn attempts(&self, seq: u64) -> Result<u32> {
        Ok(self
            .conn
            .query_row(
                "SELECT attempts FROM outbox WHERE seq = ?1",
                [seq as i64],
                |r| r.get::<_, i64>(0),
            )
            .optional()?
            .map_or(0, |n| n as u32))
    }

    /// Entries not yet at HQ, by kind: how many, and the wall-clock time of the oldest, in kind
    /// order. The officer's "what is waiting" list.
    pub fn pending_by_kind(&self) -> Result<Vec<(EntryKind, u64, i64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT l.kind, COUNT(*), MIN(l.wall_ms) FROM outbox o JOIN ledger l ON l.seq = o.seq
             WHERE o.state = 'pending' GROUP BY l.kind ORDER BY l.kind",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, n, oldest) = row?;
            out.push((EntryKind::from_str(&kind)?, n as u64, oldest));
        }
        Ok(out)
    }

    /// The first entry HQ has not acknowledged, with its failed attempts and the last error.
    pub fn front_of_queue(&self) -> Result<Option<(u64, u32, Option<String>)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT seq, attempts, last_error FROM outbox WHERE state = 'pending'
                 ORDER BY seq LIMIT 1",
                [],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)? as u64,
                        r.get::<_, i64>(1)? as u32,
                        r.get::<_, Option<String>>(2)?,
                    ))
                },
            )
            .optional()?)
    }

    /// Payload sizes in bytes of the entries `from..=to`, in seq order (for batch planning).
    pub fn payload_sizes(&self, from: u64, to: u64) -> Result<Vec<u64>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT length(payload) FROM ledger WHERE seq BETWEEN ?1 AND ?2 ORDER BY seq",
        )?;
        let rows = stmt.query_map(params![from as i64, to as i64], |r| r.get::<_, i64>(0))?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row? as u64);
        }
        Ok(out)
    }

    /// Photos HQ does not hold yet, oldest first.
    pub fn pending_photos(&self) -> Result<Vec<PhotoRef>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT sha256, size, mime FROM photos WHERE uploaded = 0 ORDER BY created_ms, sha256",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(PhotoRef {
                sha256: r.get(0)?,
                size: r.get::<_, i64>(1)? as u64,
                mime: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// HQ holds this photo, verified by its SHA-256.
    pub fn mark_photo_uploaded(&self, sha256: &str) -> Result<()> {
        let n = self
            .conn
            .execute("UPDATE photos SET uploaded = 1 WHERE sha256 = ?1", [sha256])?;
        if n == 0 {
            return Err(Error::NoSuchPhoto(sha256.into()));
        }
        Ok(())
    }

    /// Keep the receipt of the last sync (HQ's JSON, as received) with the device's time.
    pub fn save_receipt(&self, json: &str) -> Result<()> {
        let tx = self.write_tx()?;
        set_meta(&tx, RECEIPT, json)?;
        set_meta(&tx, RECEIPT_MS, &self.clock.wall_ms().to_string())?;
        tx.commit()?;
        Ok(())
    }

    pub fn last_receipt(&self) -> Result<Option<SavedReceipt>> {
        let Some(json) = get_meta(&self.conn, RECEIPT)? else {
            return Ok(None);
        };
        let saved_ms = get_meta(&self.conn, RECEIPT_MS)?
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        Ok(Some(SavedReceipt { json, saved_ms }))
    }

    /// Remember the enrolment HQ granted, in one transaction, binding the secret to `hq_url`.
    /// The CLI keeps the secret here; the app keeps it in the OS keystore and passes it to the
    /// sync engine instead. Enrolling again (a new one-time code) is the one way to change HQ.
    pub fn save_enrollment(&self, hq_url: &str, device_name: &str, secret: &str) -> Result<()> {
        let tx = self.write_tx()?;
        set_meta(&tx, ENROLLED_HQ_URL, hq_url)?;
        self.set_setting(HQ_URL, hq_url)?;
        self.set_setting(DEVICE_NAME, device_name)?;
        self.set_setting(DEVICE_SECRET, secret)?;
        tx.commit()?;
        Ok(())
    }

    /// The HQ this device is enrolled with, if any.
    pub fn enrollment(&self) -> Result<Option<Enrollment>> {
        let Some(hq_url) = self.enrolled_hq_url()? else {
            return Ok(None);
        };
        Ok(Some(Enrollment {
            hq_url,
            device_name: self.setting(DEVICE_NAME)?.unwrap_or_default(),
        }))
    }

    /// The HQ address the device secret was issued for: the only address a sync may send it
    /// to. `None` when the device was never enrolled.
    pub fn enrolled_hq_url(&self) -> Result<Option<String>> {
        if let Some(url) = get_meta(&self.conn, ENROLLED_HQ_URL)? {
            return Ok(Some(url));
        }
        // Enrolled before the address was bound: the address it has synced with is the best
        // record there is, and `set_hq_url` keeps it from moving from now on.
        if self.device_secret()?.is_some() {
            return self.setting(HQ_URL);
        }
        Ok(None)
    }

    /// The HQ address to show and to enrol with: the enrolled one, else the one the officer
    /// typed before enrolling.
    pub fn hq_url(&self) -> Result<Option<String>> {
        match self.enrolled_hq_url()? {
            Some(url) => Ok(Some(url)),
            None => self.setting(HQ_URL),
        }
    }

    /// Change the HQ address in the settings (`hq_url` already checked by the caller). On an
    /// enrolled device only the enrolled address is accepted: the secret was issued by that
    /// HQ and must not travel to another host, so moving HQ takes a new enrolment.
    pub fn set_hq_url(&self, hq_url: &str) -> Result<()> {
        if let Some(enrolled) = self.enrolled_hq_url()?
            && enrolled != hq_url
        {
            return Err(Error::Invalid(patrol_model::ValidationError::new(
                HQ_URL,
                patrol_model::ValidationCode::Conflict,
                format!("enrolled with HQ {enrolled}; enrol again to change HQ"),
            )));
        }
        self.set_setting(HQ_URL, hq_url)
    }

    /// The device secret kept in the settings (the CLI's way, and the app's before it moved the
    /// secret to the OS keystore).
    pub fn device_secret(&self) -> Result<Option<String>> {
        self.setting(DEVICE_SECRET)
    }

    /// Delete the device secret from the settings once the caller holds it elsewhere (the app:
    /// the OS keystore, checked by reading it back). In the same transaction, an enrolled
    /// address that was only implied by the secret (an enrolment older than that binding) is
    /// bound first, so the device stays tied to the HQ that issued the secret.
    pub fn forget_device_secret(&self) -> Result<()> {
        let tx = self.write_tx()?;
        if get_meta(&tx, ENROLLED_HQ_URL)?.is_none()
            && let Some(url) = self.enrolled_hq_url()?
        {
            set_meta(&tx, ENROLLED_HQ_URL, &url)?;
        }
        tx.execute(
            "DELETE FROM meta WHERE key = ?1",
            [format!("setting.{DEVICE_SECRET}")],
        )?;
        tx.commit()?;
        Ok(())
    }
}

/// What HQ said of a quarantined entry, as the outbox keeps it: the `Quarantined` as JSON. Rows
/// written before the rule was kept read `code: reason` and still decode. The row's seq is the
/// outbox's own.
fn encode_problem(p: &Quarantined) -> String {
    serde_json::to_string(p).expect("a quarantined entry serializes")
}

fn decode_problem(seq: u64, text: &str) -> Quarantined {
    if let Ok(q) = serde_json::from_str::<Quarantined>(text) {
        return Quarantined { seq, ..q };
    }
    let (code, reason) = match text.split_once(": ") {
        Some((code, reason)) => (code.to_owned(), reason.to_owned()),
        None => (String::new(), text.to_owned()),
    };
    Quarantined {
        seq,
        code,
        reason,
        invalid: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_written_before_the_rule_was_kept_still_read() {
        let q = decode_problem(7, "invalid_payload: note: is longer than 500 characters");
        assert_eq!(
            (q.seq, q.code.as_str(), q.reason.as_str(), q.invalid.clone()),
            (
                7,
                "invalid_payload",
                "note: is longer than 500 characters",
                None
            )
        );
        let round = decode_problem(7, &encode_problem(&q));
        assert_eq!(round, q);
    }
}
