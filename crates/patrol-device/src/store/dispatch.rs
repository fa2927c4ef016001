//! Dispatches on the device: the orders HQ sent this unit (kept from its inbox by HQ's seq, so
//! an order pulled twice is stored once) and the officer's steps on them, which are ledger
//! entries like every other record — each with its GNSS time, so a step marked offline reaches
//! HQ later with the time it happened. The rule and the append run in one transaction.

use super::{Capture, Store};
use crate::{Error, Result};
use patrol_model::dispatch::{
    DispatchOrder, InboxItem, InboxMessage, next_steps, validate_order_fields,
};
use patrol_model::{
    DispatchId, DispatchOutcome, DispatchState, DispatchStep, DispatchStepKind, Entry, EntryKind,
    LatLon, PositionFix, Record, StepTimes,
};
use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::collections::HashMap;

/// One dispatch as the officer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
pub struct DispatchCard {
    pub order: DispatchOrder,
    /// When this device stored the order (its clock).
    pub received_ms: i64,
    /// HQ took it back (reassigned or closed), and why.
    pub withdrawn: Option<String>,
    /// The officer's steps so far, from the ledger.
    pub steps: StepTimes,
    pub state: DispatchState,
    /// The steps the officer can take now, in the order to offer them.
    pub next: Vec<DispatchStepKind>,
}

impl DispatchCard {
    /// Still needs the officer: not withdrawn, cleared or declined.
    pub fn is_active(&self) -> bool {
        !matches!(
            self.state,
            DispatchState::Cleared | DispatchState::Declined | DispatchState::Reassigned
        )
    }
}

impl Store {
    /// The last inbox seq stored (0 before the first message).
    pub fn inbox_cursor(&self) -> Result<u64> {
        let seq: i64 = self.conn.query_row(
            "SELECT COALESCE(MAX(seq), 0) FROM dispatch_inbox",
            [],
            |r| r.get(0),
        )?;
        Ok(seq.unsigned_abs())
    }

    /// Keep messages pulled from HQ, all or none; a seq already stored is skipped. Returns the
    /// dispatches of orders new to the officer (to alert them): first sent, or sent again
    /// after a withdrawal.
    pub fn save_inbox(&mut self, items: &[InboxItem]) -> Result<Vec<DispatchId>> {
        for item in items {
            if item.seq == 0 {
                return Err(patrol_model::ValidationError::new(
                    "seq",
                    patrol_model::ValidationCode::AtLeast,
                    "must be 1 or more",
                )
                .with("min", 1)
                .into());
            }
            if let InboxMessage::Order(o) = &item.message {
                validate_order_fields(
                    o.target,
                    o.radius_m,
                    o.address.as_deref(),
                    o.note.as_deref(),
                )
                .map_err(|e| e.within("order"))?;
            }
        }
        let now = self.clock.wall_ms();
        let tx = self.write_tx()?;
        let mut fresh = Vec::new();
        for item in items {
            let id = item.message.dispatch_id();
            // Standing already: the latest message about it is an order. An order sent again
            // after a withdrawal is new to the officer.
            let latest: Option<String> = tx
                .query_row(
                    "SELECT message FROM dispatch_inbox WHERE dispatch_id = ?1
                     ORDER BY seq DESC LIMIT 1",
                    [id.to_string()],
                    |r| r.get(0),
                )
                .optional()?;
            let known = latest.is_some_and(|json| {
                matches!(
                    serde_json::from_str::<InboxMessage>(&json),
                    Ok(InboxMessage::Order(_))
                )
            });
            let n = tx.execute(
                "INSERT OR IGNORE INTO dispatch_inbox (seq, dispatch_id, message, received_ms)
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    i64::try_from(item.seq).unwrap_or(i64::MAX),
                    id.to_string(),
                    serde_json::to_string(&item.message).expect("messages serialize"),
                    now
                ],
            )?;
            if n == 1 && !known && matches!(item.message, InboxMessage::Order(_)) {
                fresh.push(id);
            }
        }
        tx.commit()?;
        Ok(fresh)
    }

    /// Every dispatch this device was sent, newest order first.
    pub fn dispatches(&self) -> Result<Vec<DispatchCard>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, message, received_ms FROM dispatch_inbox ORDER BY seq")?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        // Later messages about a dispatch win: an order after a withdrawal sends it again.
        let mut cards: HashMap<DispatchId, (i64, DispatchCard)> = HashMap::new();
        for (seq, json, received_ms) in rows {
            let message: InboxMessage =
                serde_json::from_str(&json).map_err(|source| patrol_model::DecodeError::Json {
                    kind: "dispatch inbox",
                    source,
                })?;
            match message {
                InboxMessage::Order(order) => {
                    let id = order.id;
                    let first_received = cards.get(&id).map_or(received_ms, |c| c.1.received_ms);
                    cards.insert(
                        id,
                        (
                            seq,
                            DispatchCard {
                                order,
                                received_ms: first_received,
                                withdrawn: None,
                                steps: StepTimes::default(),
                                state: DispatchState::Delivered,
                                next: Vec::new(),
                            },
                        ),
                    );
                }
                InboxMessage::Withdrawn {
                    dispatch_id,
                    reason,
                } => {
                    if let Some((s, card)) = cards.get_mut(&dispatch_id) {
                        *s = seq;
                        card.withdrawn = Some(reason);
                    }
                }
            }
        }
        let steps = self.dispatch_steps()?;
        let mut out: Vec<(i64, DispatchCard)> = cards.into_values().collect();
        for (_, card) in &mut out {
            if let Some(t) = steps.get(&card.order.id) {
                card.steps = t.clone();
            }
            card.state = match (&card.withdrawn, card.steps.furthest()) {
                (_, Some(DispatchState::Cleared)) => DispatchState::Cleared,
                (Some(_), _) => DispatchState::Reassigned,
                (None, Some(s)) => s,
                (None, None) => DispatchState::Delivered,
            };
            card.next = next_steps(card.state).to_vec();
        }
        out.sort_by_key(|(seq, _)| std::cmp::Reverse(*seq));
        Ok(out.into_iter().map(|(_, c)| c).collect())
    }

    /// One dispatch.
    pub fn dispatch(&self, id: DispatchId) -> Result<DispatchCard> {
        self.dispatches()?
            .into_iter()
            .find(|c| c.order.id == id)
            .ok_or(Error::UnknownDispatch(id))
    }

    fn dispatch_steps(&self) -> Result<HashMap<DispatchId, StepTimes>> {
        let mut out: HashMap<DispatchId, StepTimes> = HashMap::new();
        for e in self.standing(&[EntryKind::DispatchStep])? {
            if let Record::DispatchStep(s) = &e.record {
                out.entry(s.dispatch_id)
                    .or_default()
                    .record(s, e.event_ms());
            }
        }
        Ok(out)
    }

    /// Record the officer's `step` on dispatch `id`, linked to the running patrol and stamped
    /// with where the officer is (`capture`).
    ///
    /// Errors: [`Error::UnknownDispatch`] when the order never reached this device,
    /// [`Error::DispatchWithdrawn`] for a step towards a dispatch HQ took back,
    /// [`Error::DispatchCleared`] after clearing, [`Error::DispatchStepDone`] for a step already
    /// recorded (a double tap writes nothing), and [`Error::Invalid`] without an outcome to clear
    /// or a reason to decline.
    pub fn record_dispatch_step(
        &mut self,
        id: DispatchId,
        step: DispatchStepKind,
        outcome: Option<DispatchOutcome>,
        reason: Option<String>,
        suggested: bool,
        capture: Capture,
    ) -> Result<Entry> {
        let tx = self.write_tx()?;
        // Read inside the write transaction: the answer cannot change before the append.
        let card = self.dispatch(id)?;
        if card.state == DispatchState::Cleared {
            return Err(Error::DispatchCleared(id));
        }
        if card.withdrawn.is_some() && step != DispatchStepKind::Cleared {
            return Err(Error::DispatchWithdrawn(id));
        }
        let done = match step {
            DispatchStepKind::Accepted => card.steps.accepted_ms,
            DispatchStepKind::EnRoute => card.steps.en_route_ms,
            DispatchStepKind::OnScene => card.steps.on_scene_ms,
            DispatchStepKind::Cleared => card.steps.cleared_ms,
            DispatchStepKind::Declined => card.steps.declined_ms,
        };
        if done.is_some() {
            return Err(Error::DispatchStepDone {
                id,
                step: step.slug().to_owned(),
            });
        }
        let record = Record::DispatchStep(DispatchStep {
            dispatch_id: id,
            step,
            outcome,
            reason: reason.filter(|r| !r.trim().is_empty()),
            at: capture.position,
            patrol_id: self.open_patrol()?.map(|p| p.patrol_id),
            suggested,
        });
        record.validate()?;
        let entry = self.append_in(&tx, &[record], capture)?.remove(0);
        tx.commit()?;
        Ok(entry)
    }

    /// An active dispatch not yet marked on scene whose scene the running patrol's fixes since
    /// the order arrived show reached (the post geofence's rules around the target): the app
    /// suggests "on scene" and the officer confirms. `None` without a patrol or a match.
    pub fn scene_suggestion(&self) -> Result<Option<SceneSuggestion>> {
        let Some(open) = self.open_patrol()? else {
            return Ok(None);
        };
        let waiting: Vec<DispatchCard> = self
            .dispatches()?
            .into_iter()
            .filter(|c| c.is_active() && c.steps.on_scene_ms.is_none())
            .collect();
        if waiting.is_empty() {
            return Ok(None);
        }
        // The sealed segments, then the buffer (once: `patrol_fixes` includes it).
        let fixes = self.patrol_fixes(open.patrol_id)?;
        let gate = patrol_model::City::accuracy_gate_of(self.city()?.as_ref());
        let params = patrol_geo::fence::FenceParams::scene(gate);
        for card in waiting {
            let since: Vec<PositionFix> = fixes
                .iter()
                .filter(|f| f.time_ms.is_some_and(|t| t >= card.received_ms - 60_000))
                .copied()
                .collect();
            if let Some(at_ms) = patrol_geo::fence::scene_arrival(
                card.order.target,
                card.order.radius_m,
                &since,
                &params,
            ) {
                return Ok(Some(SceneSuggestion {
                    dispatch_id: card.order.id,
                    arrived_ms: at_ms,
                    target: card.order.target,
                }));
            }
        }
        Ok(None)
    }
}

/// "You seem to be on scene": from position, for the officer to confirm.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, ts_rs::TS)]
pub struct SceneSuggestion {
    pub dispatch_id: DispatchId,
    /// The first fix of the run that showed the arrival.
    pub arrived_ms: i64,
    pub target: LatLon,
}
