//! The fault proxy itself, against the real HQ: what passes is passed verbatim and counted, and
//! each fault does what it says — so a test that uses it can trust what it was told.

use patrol_testkit::{Fault, Hq, Proxy};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn health(client: &reqwest::Client, proxy: &Proxy) -> Result<u16, reqwest::Error> {
    let r = client
        .get(format!("{}/healthz", proxy.url()))
        .send()
        .await?;
    Ok(r.status().as_u16())
}

#[tokio::test]
async fn passes_and_counts_then_each_fault_does_what_it_says() {
    let hq = Hq::builder().no_city().start().await;
    let proxy = hq.proxy().await;
    let client = reqwest::Client::builder()
        .timeout(Duration::from_millis(500))
        .build()
        .unwrap();

    // Passed, on one keep-alive connection, every byte counted both ways.
    assert_eq!(health(&client, &proxy).await.unwrap(), 200);
    assert_eq!(health(&client, &proxy).await.unwrap(), 200);
    let b = proxy.bytes();
    let (up, down) = (
        b.up.load(std::sync::atomic::Ordering::Relaxed),
        b.down.load(std::sync::atomic::Ordering::Relaxed),
    );
    assert!(up > 40 && down > 40, "up {up}, down {down}");

    // Scripted: a made-up answer, then a refusal, each once.
    proxy.inject("/healthz", Fault::Unavailable);
    assert_eq!(health(&client, &proxy).await.unwrap(), 503);
    proxy.inject("/healthz", Fault::Refuse);
    assert!(health(&client, &proxy).await.is_err());
    assert_eq!(proxy.connections_dropped(), 1);
    assert_eq!(
        health(&client, &proxy).await.unwrap(),
        200,
        "faults apply once"
    );

    // An answer lost after HQ handled the request.
    proxy.inject("/healthz", Fault::LoseAnswer);
    assert!(health(&client, &proxy).await.is_err());
    assert_eq!(proxy.responses_dropped(), 1);

    // A black hole: the request is read and never answered; the client's timeout ends it.
    proxy.black_hole(true);
    let err = health(&client, &proxy).await.unwrap_err();
    assert!(err.is_timeout(), "{err}");
    proxy.black_hole(false);
    assert_eq!(health(&client, &proxy).await.unwrap(), 200);

    let seen = proxy.seen();
    for said in ["Unavailable", "Refuse", "LoseAnswer", "black hole", "pass"] {
        assert!(seen.iter().any(|l| l.ends_with(said)), "{said}: {seen:?}");
    }
}

/// A chunked request body (what a streaming client sends) is read whole and reaches HQ intact.
#[tokio::test]
async fn a_chunked_request_reaches_hq_whole() {
    let hq = Hq::builder().no_city().start().await;
    let proxy = hq.proxy().await;
    let body = r#"{"code":"AAAA-BBBB-CCCC","device_id":"not-a-uuid"}"#;
    let (a, b) = body.split_at(20);
    let request = format!(
        "POST /api/v1/enroll HTTP/1.1\r\nhost: hq\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n\
         {:x}\r\n{a}\r\n{:x};ext=1\r\n{b}\r\n0\r\n\r\n",
        a.len(),
        b.len()
    );
    let mut conn = tokio::net::TcpStream::connect(proxy.addr).await.unwrap();
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    conn.read_to_string(&mut answer).await.unwrap();
    // HQ read the whole JSON: it names the bad field, it did not choke on a cut body.
    assert!(answer.starts_with("HTTP/1.1 4"), "{answer}");
    assert!(answer.contains("device_id"), "{answer}");
    assert_eq!(
        proxy.seen(),
        vec!["POST /api/v1/enroll HTTP/1.1 → pass".to_owned()]
    );
}
