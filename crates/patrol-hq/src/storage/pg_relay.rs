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
use tokio::sync::{mpsc, oneshot};
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

/// `events` packed into as few payloads as fit under [`MAX_PAYLOAD`] each, in order. Each event
/// is serialised once; a payload is the JSON of a [`Note`], written around them.
fn payloads(from: uuid::Uuid, events: Vec<Shared>) -> Vec<String> {
    let head = format!(r#"{{"from":"{from}","events":["#);
    let tail = "]}";
    let mut out = Vec::new();
    let mut payload = head.clone();
    for e in events {
        let json = serde_json::to_string(&e).expect("events always serialize");
        let first = payload.len() == head.len();
        if !first && payload.len() + 1 + json.len() + tail.len() > MAX_PAYLOAD {
            payload.push_str(tail);
            out.push(std::mem::replace(&mut payload, head.clone()));
        } else if !first {
            payload.push(',');
        }
        payload.push_str(&json);
    }
    if payload.len() > head.len() {
        payload.push_str(tail);
        out.push(payload);
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
    let (listening_tx, listening) = oneshot::channel();
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
    listening: oneshot::Sender<Result<(), String>>,
) where
    T: MakeTlsConnect<Socket> + Clone + Send + Sync + 'static,
    T::Stream: Send,
    T::TlsConnect: Send,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    let mut listening = Some(listening);
    let mut backoff = Duration::from_millis(500);
    let mut closing = events.closing();
    while !*closing.borrow() {
        match listen_once(
            &config,
            tls.clone(),
            me,
            &events,
            &mut listening,
            &mut closing,
        )
        .await
        {
            Ok(Ended::Closing) => return,
            Ok(Ended::Lost(why)) => {
                tracing::warn!(error = %why, "lost the connection that hears the other HQ processes; listening again");
                backoff = Duration::from_millis(500);
            }
            Err(e) => {
                if let Some(tx) = listening.take() {
                    let _ = tx.send(Err(e));
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

/// How a connection that listened ended.
enum Ended {
    /// HQ is closing.
    Closing,
    /// The connection dropped, for this reason.
    Lost(String),
}

/// One connection's life: connect, `LISTEN`, and hand on what arrives until it drops or HQ
/// closes. The first time it listens it answers `listening`; every later time it tells this
/// process's pages `lagged`. `Err` when it could not listen at all.
async fn listen_once<T>(
    config: &tokio_postgres::Config,
    tls: T,
    me: uuid::Uuid,
    events: &Events,
    listening: &mut Option<oneshot::Sender<Result<(), String>>>,
    closing: &mut tokio::sync::watch::Receiver<bool>,
) -> Result<Ended, String>
where
    T: MakeTlsConnect<Socket> + Clone + Send + Sync + 'static,
    T::Stream: Send,
    T::TlsConnect: Send,
    <T::TlsConnect as TlsConnect<Socket>>::Future: Send,
{
    let (client, mut connection) = config.connect(tls).await.map_err(|e| e.to_string())?;
    // The connection's messages, driven on a task of their own; notifications come back here.
    let (notes_tx, mut notes) = mpsc::unbounded_channel::<String>();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
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
    if let Err(e) = client.batch_execute(&format!("LISTEN {CHANNEL}")).await {
        driver.abort();
        return Err(format!("LISTEN {CHANNEL}: {e}"));
    }
    match listening.take() {
        Some(tx) => {
            let _ = tx.send(Ok(()));
        }
        None => {
            tracing::info!("listening to the other HQ processes again");
            // What they sent meanwhile is lost to this process: its pages refetch everything
            // now rather than at their next poll.
            events.arrived(Shared::Page(HqEvent::Lagged));
        }
    }
    loop {
        tokio::select! {
            note = notes.recv() => match note {
                Some(payload) => read(me, &payload).into_iter().flatten().for_each(|shared| events.arrived(shared)),
                None => break,
            },
            _ = closing.changed() => {
                driver.abort();
                return Ok(Ended::Closing);
            }
        }
    }
    Ok(Ended::Lost(driver.await.ok().flatten().unwrap_or_default()))
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
        // Written around each event's JSON, a payload is exactly a note's JSON.
        let one = vec![upload(7), upload(8)];
        let note = Note {
            from: me,
            events: one.clone(),
        };
        assert_eq!(
            payloads(me, one),
            vec![serde_json::to_string(&note).unwrap()]
        );
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
