//! Dispatch use cases (警力跟着警情走): create a dispatch, rank the units to send, send,
//! reassign, close; each unit's inbox (pull, long-poll, acknowledge); the resend watchdog; the
//! board and the day's "1-3-5 minute" figures. The decisions are pure
//! ([`crate::projections::dispatch`]); this reads what they need and commits what they decide.
//!
//! Delivery: every order is a numbered message in the unit's inbox at HQ. The device pulls
//! "everything after N" on every sync and, while the app is open, through a long-poll that
//! answers as soon as something arrives; it acknowledges "everything through N" once it has
//! stored them — at once, and again by asking for what comes after N next time. So an order is delivered at least once (a lost answer is pulled again) and
//! applied once (the device keys orders by dispatch id). Orders not acknowledged within the
//! timeout are sent again (the unit's long-poll is woken) and flagged on the board.

use crate::AppState;
use crate::auth::Operator;
use crate::error::{ApiError, ApiResult};
use crate::events::HqEvent;
use crate::model::{DispatchRow, InboxRow};
use crate::projections::CoverageModel;
use crate::projections::dispatch::{self as pd, DispatchView, Recommendation};
use crate::storage::DeviceStatus;
use patrol_model::dispatch::{DispatchOrder, InboxMessage, InboxPage, validate_order_fields};
use patrol_model::v1::DispatchTierStats;
use patrol_model::{
    DeviceId, DispatchId, DispatchKind, DispatchState, EntryKind, InboxItem, LatLon, Tier,
};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::time::Duration;

/// Messages one inbox pull returns at most.
pub const INBOX_PAGE: u32 = 100;
/// The longest a long-poll waits (seconds); the app asks for 25.
pub const MAX_WAIT_S: u64 = 30;
/// Times an undelivered order is sent again (every timeout, so about five minutes of trying);
/// after that it waits for the device's next contact, flagged on the board.
pub const MAX_RESENDS: u32 = 10;
/// How far back, before the earliest call asked about, officers' step entries are read (a
/// device clock behind HQ's dates a step before its call).
const STEP_MARGIN_MS: i64 = 3_600_000;

/// What an operator asks for (the page, the API, `patrol-hq dispatch create`).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
pub struct NewDispatch {
    #[schema(value_type = String)]
    pub kind: DispatchKind,
    /// 1, 3 or 5 (minutes).
    #[schema(value_type = u8)]
    pub tier: Tier,
    /// Where to go. With `source` and no target, the report's own position.
    pub target: Option<LatLon>,
    /// On scene means within this many metres (default 100).
    pub radius_m: Option<f64>,
    pub address: Option<String>,
    pub note: Option<String>,
    /// The report at HQ this is about: its call time is the report's time.
    pub source: Option<SourceRef>,
    /// Units to send at once (device ids); none leaves it created, to send after the ranking.
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub units: Vec<DeviceId>,
}

pub use crate::projections::dispatch::SourceRef;

/// Where each dispatch stands, with the figures of the day.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Board {
    pub date: chrono::NaiveDate,
    pub timezone: String,
    /// Calls of the day, and every dispatch still open from earlier, oldest first.
    pub dispatches: Vec<DispatchView>,
    /// The day's "1-3-5 minute" figures (as `/api/v1/stats/daily` gives them).
    pub figures: Vec<DispatchTierStats>,
    /// How long HQ waits for delivery and acceptance before flagging and sending again.
    pub ack_timeout_s: f64,
    pub now_ms: i64,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::bad("invalid_dispatch", message)
}

/// A field of the dispatch refused by its rule (the page translates the rule).
fn invalid(error: patrol_model::ValidationError) -> ApiError {
    ApiError::invalid("invalid_dispatch", error)
}

/// Create a dispatch, and send it to `units` if any are named.
pub async fn create(state: &AppState, who: &Operator, req: NewDispatch) -> ApiResult<DispatchView> {
    let now = state.now_ms();
    let (call_ms, report_at) = match req.source {
        Some(src) => {
            let found = state.storage.entries(src.device_id, src.seq, 1).await?;
            let Some(e) = found.into_iter().find(|e| e.entry.seq == src.seq) else {
                return Err(ApiError::NotFound(format!(
                    "report {} #{} is not at HQ",
                    src.device_id, src.seq
                )));
            };
            let at = e.entry.record().ok().and_then(|r| report_position(&r));
            (e.event_ms.min(now), at)
        }
        None => (now, None),
    };
    let target = req.target.or(report_at).ok_or_else(|| {
        invalid(patrol_model::ValidationError::new(
            "target",
            patrol_model::ValidationCode::Required,
            "is required (the report it is made from carries no position)",
        ))
    })?;
    let radius_m = req
        .radius_m
        .unwrap_or(patrol_model::dispatch::DEFAULT_SCENE_RADIUS_M);
    let clean = |field: &str, v: Option<String>, max: usize| -> ApiResult<Option<String>> {
        v.filter(|s| !s.trim().is_empty())
            .map(|s| super::check_label(field, &s, max))
            .transpose()
    };
    let address = clean("address", req.address, 200)?;
    let note = clean("note", req.note, 1000)?;
    validate_order_fields(target, radius_m, address.as_deref(), note.as_deref())
        .map_err(invalid)?;
    for &unit in &req.units {
        sendable(state, unit).await?;
    }
    let row = DispatchRow {
        id: DispatchId::new(),
        kind: req.kind,
        tier: req.tier,
        target,
        radius_m,
        address,
        note,
        source: req.source.map(|s| (s.device_id, s.seq)),
        call_ms,
        created_ms: now,
        created_by: who.name.clone(),
        closed_ms: None,
        closed_reason: None,
    };
    state.storage.create_dispatch(&row).await?;
    super::audit(state, who, "dispatch_created", Some(row.id.to_string())).await?;
    state.events.publish(HqEvent::Dispatch {
        dispatch_id: row.id.to_string(),
    });
    if req.units.is_empty() {
        return view(state, row.id).await;
    }
    send(state, who, row.id, &req.units).await
}

/// Where a report says it happened, for a dispatch made from it.
fn report_position(r: &patrol_model::Record) -> Option<LatLon> {
    use patrol_model::Record as R;
    match r {
        R::Violation(v) => v.at,
        R::LostPerson(l) => l.found_at,
        R::TrafficAccident(a) => a.at,
        R::Assistance(a) => a.at,
        R::Incident(i) => i.at,
        _ => None,
    }
}

/// A unit HQ may send: enrolled and not revoked.
async fn sendable(state: &AppState, unit: DeviceId) -> ApiResult<()> {
    match state.storage.device(unit).await? {
        Some(d) if d.status == DeviceStatus::Active => Ok(()),
        Some(_) => Err(bad(format!("device {unit} is revoked"))),
        None => Err(ApiError::NotFound(format!("device {unit}"))),
    }
}

async fn open_dispatch(state: &AppState, id: DispatchId) -> ApiResult<DispatchRow> {
    let row = state
        .storage
        .dispatches_by_id(&[id])
        .await?
        .pop()
        .ok_or_else(|| ApiError::NotFound(format!("dispatch {id}")))?;
    if let Some(closed) = row.closed_ms {
        return Err(bad(format!(
            "dispatch {id} was closed at {closed} ({}); create a new one",
            row.closed_reason.as_deref().unwrap_or("")
        )));
    }
    Ok(row)
}

/// Send an open dispatch to `units` (a unit it already stands for is not sent twice).
pub async fn send(
    state: &AppState,
    who: &Operator,
    id: DispatchId,
    units: &[DeviceId],
) -> ApiResult<DispatchView> {
    if units.is_empty() {
        return Err(bad("name at least one unit (device id) to send"));
    }
    open_dispatch(state, id).await?;
    for &unit in units {
        sendable(state, unit).await?;
    }
    for &unit in units {
        state
            .storage
            .push_inbox(unit, id, None, state.now_ms())
            .await?;
        state.events.inbox_changed(unit);
        super::audit(state, who, "dispatch_sent", Some(format!("{id} → {unit}"))).await?;
    }
    state.events.publish(HqEvent::Dispatch {
        dispatch_id: id.to_string(),
    });
    view(state, id).await
}

/// Take a dispatch off `from` (its device is told) and send it to `to`.
pub async fn reassign(
    state: &AppState,
    who: &Operator,
    id: DispatchId,
    from: DeviceId,
    to: &[DeviceId],
    reason: &str,
) -> ApiResult<DispatchView> {
    let reason = super::check_label("reason", reason, 200)?;
    open_dispatch(state, id).await?;
    for &unit in to {
        sendable(state, unit).await?;
    }
    let rows = state.storage.inbox_of(&[id]).await?;
    let standing = rows
        .iter()
        .filter(|r| r.device_id == from)
        .max_by_key(|r| r.seq)
        .is_some_and(|r| r.withdrawn.is_none());
    if !standing {
        return Err(bad(format!("dispatch {id} is not with device {from}")));
    }
    state
        .storage
        .push_inbox(from, id, Some(&reason), state.now_ms())
        .await?;
    state.events.inbox_changed(from);
    super::audit(
        state,
        who,
        "dispatch_withdrawn",
        Some(format!("{id} ← {from}")),
    )
    .await?;
    if to.is_empty() {
        state.events.publish(HqEvent::Dispatch {
            dispatch_id: id.to_string(),
        });
        return view(state, id).await;
    }
    send(state, who, id, to).await
}

/// Close a dispatch: every unit still on it is told, and nothing more is sent.
pub async fn close(
    state: &AppState,
    who: &Operator,
    id: DispatchId,
    reason: &str,
) -> ApiResult<DispatchView> {
    let reason = super::check_label("reason", reason, 200)?;
    open_dispatch(state, id).await?;
    let rows = state.storage.inbox_of(&[id]).await?;
    let mut latest: HashMap<DeviceId, &InboxRow> = HashMap::new();
    for r in &rows {
        let e = latest.entry(r.device_id).or_insert(r);
        if r.seq > e.seq {
            *e = r;
        }
    }
    let now = state.now_ms();
    for (device, r) in latest {
        if r.withdrawn.is_none() {
            state
                .storage
                .push_inbox(device, id, Some(&reason), now)
                .await?;
            state.events.inbox_changed(device);
        }
    }
    state.storage.close_dispatch(id, &reason, now).await?;
    super::audit(state, who, "dispatch_closed", Some(id.to_string())).await?;
    state.events.publish(HqEvent::Dispatch {
        dispatch_id: id.to_string(),
    });
    view(state, id).await
}

/// Units on patrol ranked for a call at `target`.
pub async fn recommend(state: &AppState, target: LatLon) -> ApiResult<Vec<Recommendation>> {
    target.validate().map_err(|e| invalid(e.within("target")))?;
    let units = super::live_units(state).await?;
    let busy = busy_units(state).await?;
    Ok(pd::recommend(
        &units,
        target,
        &CoverageModel::default(),
        &busy,
    ))
}

/// Units on an open dispatch they have not cleared or declined.
async fn busy_units(state: &AppState) -> ApiResult<HashMap<DeviceId, DispatchId>> {
    let now = state.now_ms();
    let views = views_between(state, now, now).await?;
    let mut busy = HashMap::new();
    for v in views.iter().filter(|v| v.closed_ms.is_none()) {
        for u in &v.units {
            let active = matches!(
                u.state,
                DispatchState::Sent
                    | DispatchState::Delivered
                    | DispatchState::Accepted
                    | DispatchState::EnRoute
                    | DispatchState::OnScene
            );
            if active {
                busy.insert(u.device_id, v.id);
            }
        }
    }
    Ok(busy)
}

/// Dispatches whose call came in `from..to` plus those still open, with their units and steps.
async fn views_between(state: &AppState, from: i64, to: i64) -> ApiResult<Vec<DispatchView>> {
    let rows = state.storage.dispatches(from, to).await?;
    views_of(state, rows).await
}

async fn views_of(state: &AppState, rows: Vec<DispatchRow>) -> ApiResult<Vec<DispatchView>> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<DispatchId> = rows.iter().map(|d| d.id).collect();
    let inbox = state.storage.inbox_of(&ids).await?;
    let earliest = rows.iter().map(|d| d.call_ms).min().unwrap_or(0);
    let now = state.now_ms();
    let steps = state
        .storage
        .entries_between(
            earliest - STEP_MARGIN_MS,
            now.max(earliest) + STEP_MARGIN_MS,
            Some(&patrol_model::with_supplements(&[EntryKind::DispatchStep])),
        )
        .await?;
    let (steps, supplements): (Vec<_>, Vec<_>) = steps
        .into_iter()
        .partition(|e| e.entry.kind == EntryKind::DispatchStep);
    // Supplements of any time may touch these steps.
    let mut supplements = supplements;
    supplements.extend(crate::service::supplements_of(state, &steps).await?);
    let times = pd::step_times(&steps, &supplements);
    Ok(pd::board(
        &rows,
        &inbox,
        &times,
        now,
        pd::DEFAULT_ACK_TIMEOUT_MS,
    ))
}

/// One dispatch as the board shows it.
pub async fn view(state: &AppState, id: DispatchId) -> ApiResult<DispatchView> {
    let rows = state.storage.dispatches_by_id(&[id]).await?;
    views_of(state, rows)
        .await?
        .pop()
        .ok_or_else(|| ApiError::NotFound(format!("dispatch {id}")))
}

/// The board of a local day (`start..end` in UTC ms): its calls, the ones still open, and the
/// day's figures.
pub async fn board(
    state: &AppState,
    date: chrono::NaiveDate,
    tz: chrono_tz::Tz,
    (start, end): (i64, i64),
) -> ApiResult<Board> {
    let views = views_between(state, start, end).await?;
    let now = state.now_ms();
    let of_day: Vec<&DispatchView> = views
        .iter()
        .filter(|v| v.call_ms >= start && v.call_ms < end)
        .collect();
    Ok(Board {
        date,
        timezone: tz.name().to_owned(),
        figures: pd::tier_stats(&of_day, now),
        dispatches: views,
        ack_timeout_s: pd::DEFAULT_ACK_TIMEOUT_MS as f64 / 1000.0,
        now_ms: now,
    })
}

/// The figures of each local day `days[i] = (start, end)`, for the daily statistics.
pub async fn day_figures(
    state: &AppState,
    days: &[(i64, i64)],
) -> ApiResult<Vec<Vec<DispatchTierStats>>> {
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Ok(Vec::new());
    };
    let rows: Vec<DispatchRow> = state
        .storage
        .dispatches(first.0, last.1)
        .await?
        .into_iter()
        .filter(|d| d.call_ms >= first.0 && d.call_ms < last.1)
        .collect();
    let views = views_of(state, rows).await?;
    let now = state.now_ms();
    Ok(days
        .iter()
        .map(|&(s, e)| {
            let of_day: Vec<&DispatchView> = views
                .iter()
                .filter(|v| v.call_ms >= s && v.call_ms < e)
                .collect();
            pd::tier_stats(&of_day, now)
        })
        .collect())
}

/// The device's inbox after `after` (which acknowledges everything through `after`). With
/// `wait_s > 0` and nothing new, waits up to that long (at most [`MAX_WAIT_S`]) for a message;
/// HQ shutting down answers at once.
pub async fn inbox(
    state: &AppState,
    device: DeviceId,
    after: u64,
    wait_s: u64,
) -> ApiResult<InboxPage> {
    // Asking for what comes after N says the device has stored everything through N: that
    // acknowledges it, so an acknowledgement lost on the way (or never sent: the device died
    // between storing and acknowledging) is repeated by the next pull.
    if after > 0 {
        let head = state.storage.inbox_head(device).await?;
        delivered(state, device, after.min(head)).await?;
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait_s.min(MAX_WAIT_S));
    let mut woken = state.events.subscribe_inbox();
    let mut closing = state.events.closing();
    loop {
        let page = inbox_page(state, device, after).await?;
        if !page.items.is_empty() || tokio::time::Instant::now() >= deadline || *closing.borrow() {
            return Ok(page);
        }
        // A message written here, or by another HQ process or the command line over the same
        // PostgreSQL, wakes this at once; one written by the command line beside an SQLite HQ,
        // or whose wake-up was lost, does not: look again now and then. Not every second: a thousand open apps would be a thousand
        // queries a second for nothing.
        tokio::select! {
            _ = tokio::time::sleep_until(deadline) => {}
            _ = tokio::time::sleep(state.inbox_recheck) => {}
            _ = closing.changed() => {}
            _ = async {
                loop {
                    match woken.recv().await {
                        Ok(d) if d == device => break,
                        Ok(_) => {}
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => break,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                            std::future::pending::<()>().await
                        }
                    }
                }
            } => {}
        }
    }
}

async fn inbox_page(state: &AppState, device: DeviceId, after: u64) -> ApiResult<InboxPage> {
    let rows = state.storage.inbox(device, after, INBOX_PAGE).await?;
    let head = state.storage.inbox_head(device).await?;
    let mut ids: Vec<DispatchId> = rows.iter().map(|r| r.dispatch_id).collect();
    ids.sort();
    ids.dedup();
    let dispatches: HashMap<DispatchId, DispatchRow> = state
        .storage
        .dispatches_by_id(&ids)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let items = rows
        .into_iter()
        .map(|r| {
            let message = match r.withdrawn {
                Some(reason) => InboxMessage::Withdrawn {
                    dispatch_id: r.dispatch_id,
                    reason,
                },
                None => {
                    let d = dispatches.get(&r.dispatch_id).ok_or_else(|| {
                        ApiError::Internal(format!(
                            "inbox names unknown dispatch {}",
                            r.dispatch_id
                        ))
                    })?;
                    InboxMessage::Order(DispatchOrder {
                        id: d.id,
                        kind: d.kind,
                        tier: d.tier,
                        target: d.target,
                        radius_m: d.radius_m,
                        address: d.address.clone(),
                        note: d.note.clone(),
                        call_ms: d.call_ms,
                        sent_ms: r.created_ms,
                    })
                }
            };
            Ok(InboxItem {
                seq: r.seq,
                message,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(InboxPage { items, head })
}

/// The device has stored its inbox through `through`.
pub async fn ack(state: &AppState, device: DeviceId, through: u64) -> ApiResult<u64> {
    let head = state.storage.inbox_head(device).await?;
    if through > head {
        return Err(ApiError::bad(
            "bad_ack",
            format!("acknowledged seq {through} is beyond the inbox (head {head})"),
        ));
    }
    delivered(state, device, through).await?;
    Ok(head)
}

/// Mark the device's messages through `through` delivered, and tell the board about the
/// dispatches that changed.
async fn delivered(state: &AppState, device: DeviceId, through: u64) -> ApiResult<()> {
    let rows = state
        .storage
        .ack_inbox(device, through, state.now_ms())
        .await?;
    let mut ids: Vec<DispatchId> = rows.iter().map(|r| r.dispatch_id).collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        state.events.publish(HqEvent::Dispatch {
            dispatch_id: id.to_string(),
        });
    }
    Ok(())
}

/// Send again every order not delivered within `timeout_ms` of its last send: the device's
/// long-poll is woken and the board told. Returns how many were resent.
pub async fn resend_due(state: &AppState, timeout_ms: i64) -> ApiResult<usize> {
    let now = state.now_ms();
    let rows = state
        .storage
        .resend_due(now - timeout_ms, now, MAX_RESENDS)
        .await?;
    let mut ids: Vec<DispatchId> = Vec::new();
    for r in &rows {
        state.events.inbox_changed(r.device_id);
        ids.push(r.dispatch_id);
    }
    ids.sort();
    ids.dedup();
    for id in ids {
        state.events.publish(HqEvent::Dispatch {
            dispatch_id: id.to_string(),
        });
    }
    Ok(rows.len())
}

/// Run [`resend_due`] every `every` until HQ shuts down: what `patrol-hq serve` starts. A
/// failed round is logged and the next one tries again.
pub async fn watchdog(state: AppState, every: Duration, timeout_ms: i64) {
    let mut closing = state.events.closing();
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = closing.changed() => return,
        }
        if *closing.borrow() {
            return;
        }
        match resend_due(&state, timeout_ms).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(orders = n, "dispatch orders not yet delivered: sent again"),
            Err(e) => tracing::warn!(error = %e, "dispatch resend round failed"),
        }
    }
}
