//! Live events across HQ processes that share one PostgreSQL: what one process publishes (an
//! upload committed, an order in a unit's inbox) reaches the pages and waiting inboxes served
//! by the others, through PostgreSQL's own `LISTEN`/`NOTIFY`, so a load balancer in front of
//! several HQ processes needs nothing else between them.
//!
//! Two tasks per process:
//! - **out**: takes what [`Events::relay`] hands over and sends it with `pg_notify` on a pooled
//!   connection, as many events as fit in one notification (PostgreSQL's payload limit is
//!   8,000 bytes), so a burst of uploads costs a few statements, not one each. It never holds
//!   an upload up: publishing only queues.
//! - **in**: one connection of its own (`LISTEN` belongs to a session, so never a pooled one)
//!   that hands what the others sent to [`Events::arrived`]. Every notification carries its
//!   sender's process id, so a process skips its own. When the connection drops it reconnects,
//!   waiting longer each time up to [`MAX_BACKOFF`]; what was sent meanwhile is lost to this
//!   process, so once it listens again it tells its own pages `lagged` and they refetch
//!   everything.

use crate::events::{Events, HqEvent, Shared};
use deadpool_postgres::Pool;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_postgres::tls::{MakeTlsConnect, TlsConnect};
use tokio_postgres::{AsyncMessage, Socket};

/// The channel every HQ process of one database listens on.
pub const CHANNEL: &str = "patrol_hq_events";

/// PostgreSQL refuses a notification payload of 8,000 bytes or more; one notification carries
/// events up to this many bytes of JSON.
const MAX_PAYLOAD: usize = 7_000;

/// The longest wait between two attempts to listen again.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// One notification: who sent it, and what.
#[derive(Debug, Serialize, Deserialize)]
struct Note {
    from: uuid::Uuid,
    events: Vec<Shared>,
}

/// `events` packed into as few payloads as fit under [`MAX_PAYLOAD`] each, in order.
fn payloads(from: uuid::Uuid, events: Vec<Shared>) -> Vec<String> {
    let encode = |events: Vec<Shared>| {
        serde_json::to_string(&Note { from, events }).expect("events always serialize")
    };
    let mut out = Vec::new();
    let mut batch: Vec<Shared> = Vec::new();
    let mut size = 0;
    for e in events {
        // An event's own JSON plus the comma between events.
        let len = serde_json::to_string(&e).map_or(0, |j| j.len()) + 1;
        if !batch.is_empty() && size + len > MAX_PAYLOAD {
            out.push(encode(std::mem::take(&mut batch)));
            size = 0;
        }
        size += len;
        batch.push(e);
    }
    if !batch.is_empty() {
        out.push(encode(batch));
    }
    out
}

/// What another process sent, or `None` for this process's own notification or one that is
/// not ours to read.
fn read(me: uuid::Uuid, payload: &str) -> Option<Vec<Shared>> {
    match serde_json::from_str::<Note>(payload) {
        Ok(note) if note.from != me => Some(note.events),
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(error = %e, "a notification on {CHANNEL} that is not an HQ event");
            None
        }
    }
}

/// Start relaying `events` to and from the other HQ processes of this database. Returns once
/// this process listens (so an HQ that answers its first request already hears the others),
/// or with the error if it cannot listen at first; it then keeps trying in the background.
pub(super) async fn start<T>(
    pool: Pool,
    config: tokio_postgres::Config,
    tls: T,
    events: &Events,
) -> Result<(), String>
where
    T: MakeTlsConnect<Socket> + Clone + Send + Sync + 'static,
    T::Stream: Send,
    T::TlsConnect: Send,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    let Some(outbound) = events.relay() else {
        return Ok(()); // relayed already
    };
    let me = uuid::Uuid::now_v7();
    tokio::spawn(send(pool, me, outbound));
    let (listening_tx, listening) = tokio::sync::oneshot::channel();
    tokio::spawn(listen(config, tls, me, events.clone(), listening_tx));
    listening
        .await
        .unwrap_or_else(|_| Err("the listener stopped".into()))
}

/// Send `events` to every HQ process listening, in as few notifications as fit.
async fn notify(pool: &Pool, me: uuid::Uuid, events: Vec<Shared>) -> Result<(), String> {
    let mut client = pool.get().await.map_err(|e| e.to_string())?;
    let tx = client.transaction().await.map_err(|e| e.to_string())?;
    // A notification is never durable (a listener that is not connected misses it), so its
    // transaction does not wait for the disk as HQ's evidence does: a NOTIFY takes a
    // transaction id, and each commit would otherwise be one more flush of the WAL.
    tx.batch_execute("SET LOCAL synchronous_commit = off")
        .await
        .map_err(|e| e.to_string())?;
    let stmt = tx
        .prepare_cached("SELECT pg_notify($1, $2)")
        .await
        .map_err(|e| e.to_string())?;
    for payload in payloads(me, events) {
        tx.execute(&stmt, &[&CHANNEL, &payload])
            .await
            .map_err(|e| e.to_string())?;
    }
    tx.commit().await.map_err(|e| e.to_string())
}

/// What a command-line run published (an order sent, a device revoked, a city imported), told
/// to the serving HQ processes before the command exits.
pub(super) async fn tell(pool: &Pool, events: Vec<Shared>) -> Result<(), String> {
    if events.is_empty() {
        return Ok(());
    }
    notify(pool, uuid::Uuid::now_v7(), events).await
}

/// The out task: until HQ drops its events.
async fn send(pool: Pool, me: uuid::Uuid, mut outbound: mpsc::Receiver<Shared>) {
    let mut failing = false;
    while let Some(first) = outbound.recv().await {
        let mut events = vec![first];
        while let Ok(more) = outbound.try_recv() {
            events.push(more);
        }
        match notify(&pool, me, events).await {
            Ok(()) if failing => {
                tracing::info!("telling the other HQ processes again");
                failing = false;
            }
            Ok(()) => {}
            Err(e) if !failing => {
                tracing::warn!(error = %e, "cannot tell the other HQ processes; their pages catch up by polling");
                failing = true;
            }
            Err(_) => {}
        }
    }
}

/// The in task: listen, hand on what arrives, and listen again when the connection drops.
async fn listen<T>(
    config: tokio_postgres::Config,
    tls: T,
    me: uuid::Uuid,
    events: Events,
    listening: tokio::sync::oneshot::Sender<Result<(), String>>,
) where
    T: MakeTlsConnect<Socket> + Clone + Send + Sync + 'static,
    T::Stream: Send,
    T::TlsConnect: Send,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    let mut listening = Some(listening);
    let mut backoff = Duration::from_millis(500);
    let mut closing = events.closing();
    loop {
        if *closing.borrow() {
            return;
        }
        match config.connect(tls.clone()).await {
            Ok((client, mut connection)) => {
                // The connection's messages, driven on a task of their own; notifications come
                // back here.
                let (notes_tx, mut notes) = mpsc::unbounded_channel::<String>();
                let driver = tokio::spawn(async move {
                    let mut messages =
                        futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                    while let Some(message) = messages.next().await {
                        match message {
                            Ok(AsyncMessage::Notification(n)) if n.channel() == CHANNEL => {
                                if notes_tx.send(n.payload().to_owned()).is_err() {
                                    return None;
                                }
                            }
                            Ok(_) => {}
                            Err(e) => return Some(e.to_string()),
                        }
                    }
                    None
                });
                match client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
                    Ok(()) => {
                        if let Some(tx) = listening.take() {
                            let _ = tx.send(Ok(()));
                        } else {
                            tracing::info!("listening to the other HQ processes again");
                            // What they sent meanwhile is lost to this process: its pages
                            // refetch everything now rather than at their next poll.
                            events.arrived(Shared::Page(HqEvent::Lagged));
                        }
                        backoff = Duration::from_millis(500);
                        loop {
                            tokio::select! {
                                note = notes.recv() => match note {
                                    Some(payload) => {
                                        for shared in read(me, &payload).into_iter().flatten() {
                                            events.arrived(shared);
                                        }
                                    }
                                    None => break,
                                },
                                _ = closing.changed() => {
                                    driver.abort();
                                    return;
                                }
                            }
                        }
                        let why = driver.await.ok().flatten().unwrap_or_default();
                        tracing::warn!(error = %why, "lost the connection that hears the other HQ processes; listening again");
                    }
                    Err(e) => {
                        driver.abort();
                        if let Some(tx) = listening.take() {
                            let _ = tx.send(Err(format!("LISTEN {CHANNEL}: {e}")));
                        }
                    }
                }
                drop(client);
            }
            Err(e) => {
                if let Some(tx) = listening.take() {
                    let _ = tx.send(Err(e.to_string()));
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = closing.changed() => return,
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upload(i: u64) -> Shared {
        Shared::Page(HqEvent::Upload {
            device_id: format!("{:036}", i),
            head_seq: i,
            entries: 30,
        })
    }

    #[test]
    fn a_burst_goes_in_few_payloads_each_under_the_limit_and_in_order() {
        let me = uuid::Uuid::now_v7();
        let other = uuid::Uuid::now_v7();
        let burst: Vec<Shared> = (0..500).map(upload).collect();
        let sent = payloads(me, burst.clone());
        assert!(sent.len() > 1 && sent.len() < 20, "{} payloads", sent.len());
        assert!(sent.iter().all(|p| p.len() < 8_000));
        let back: Vec<Shared> = sent.iter().flat_map(|p| read(other, p).unwrap()).collect();
        assert_eq!(back, burst);
        // The sender skips its own.
        assert!(sent.iter().all(|p| read(me, p).is_none()));
    }

    #[test]
    fn inbox_wake_ups_travel_as_device_ids_and_strangers_are_skipped() {
        let device = patrol_model::DeviceId::new();
        let sent = payloads(uuid::Uuid::now_v7(), vec![Shared::Inbox(device)]);
        assert_eq!(
            read(uuid::Uuid::now_v7(), &sent[0]),
            Some(vec![Shared::Inbox(device)])
        );
        assert_eq!(read(uuid::Uuid::now_v7(), "hello"), None);
    }
}
