//! `pingInterval`: pings go out, a peer that answers stays, a dead peer is detected.
mod support;

use std::time::Duration;

use support::{pair, serve, TestResult, SAFETY};
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn a_live_peer_keeps_the_connection() -> TestResult {
    let (_l, mut accepted, mut connected) =
        pair("ws:0:interface=127.0.0.1:pingInterval=0.5", |p| {
            format!("ws:127.0.0.1:{p}")
        })
        .await?;
    // The client reads (and so answers pings) while the server waits for data for 3
    // intervals: no timeout. (A stall of up to a second on a busy machine is tolerated.)
    let mut buf = [0u8; 1];
    let client = async {
        let _ = connected.read(&mut buf).await;
    };
    let mut sbuf = [0u8; 1];
    tokio::select! {
        r = accepted.read(&mut sbuf) => panic!("unexpected read result: {r:?}"),
        _ = tokio::time::sleep(Duration::from_millis(1500)) => {}
        _ = client => {}
    }
    Ok(())
}

#[tokio::test]
async fn a_dead_peer_is_detected() -> TestResult {
    let (mut accepted, port) = serve("ws:0:interface=127.0.0.1:pingInterval=0.1").await?;
    // A raw client that completes the upgrade and then never reads: no pongs come back.
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let (_ws, _) = tokio_tungstenite::client_async(format!("ws://127.0.0.1:{port}/"), tcp).await?;
    let mut server = tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .unwrap();
    let started = std::time::Instant::now();
    let mut buf = [0u8; 8];
    let error = tokio::time::timeout(SAFETY, server.read(&mut buf))
        .await?
        .expect_err("a silent peer must be detected");
    assert_eq!(error.kind(), std::io::ErrorKind::TimedOut);
    assert!(error.to_string().contains("the peer seems dead"), "{error}");
    assert!(started.elapsed() >= Duration::from_millis(190));
    Ok(())
}
