//! `pingInterval`: pings go out, a peer that answers stays, a dead peer is detected and
//! closed.
//!
//! The peers here are not our own client (which would hide a server that sends no pings): a
//! tokio-tungstenite client that answers pings as it reads, and a raw TCP socket that reads
//! the server's frames after the upgrade and never answers.
mod support;

use std::io;
use std::time::{Duration, Instant};

use endpoint_core::Connection;
use futures_util::StreamExt;
use support::{serve, TestResult, SAFETY};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// The keepalive interval of these tests.
const INTERVAL: Duration = Duration::from_millis(200);

/// Serves `ws:` with `pingInterval` = [`INTERVAL`], upgrades one tokio-tungstenite client,
/// and reads the accepted connection in a task (pings go out while it is read) until its
/// read fails or ends; the connection is dropped, closing it, when the task ends.
async fn keepalive_pair() -> TestResult<(
    tokio_tungstenite::WebSocketStream<TcpStream>,
    JoinHandle<io::Result<usize>>,
)> {
    let interval = INTERVAL.as_secs_f64();
    let (mut accepted, port) =
        serve(&format!("ws:0:interface=127.0.0.1:pingInterval={interval}")).await?;
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    let (ws, _) = tokio_tungstenite::client_async(format!("ws://127.0.0.1:{port}/"), tcp).await?;
    let server: Connection = tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .ok_or("no connection")?;
    let reading = tokio::spawn(async move {
        let mut server = server;
        let mut buf = [0u8; 8];
        server.read(&mut buf).await
    });
    Ok((ws, reading))
}

#[tokio::test]
async fn pings_go_out_and_a_peer_that_answers_stays() -> TestResult {
    let (mut ws, reading) = keepalive_pair().await?;
    let started = Instant::now();
    // Reading answers each ping with a pong (tokio-tungstenite sends it on the next read).
    let mut pings = 0;
    while pings < 5 {
        match tokio::time::timeout(SAFETY, ws.next()).await? {
            Some(Ok(Message::Ping(_))) => pings += 1,
            other => panic!("expected only pings from the server, got {other:?}"),
        }
    }
    // Five pings take at least four intervals, twice the silence that ends a connection:
    // the server is still there only because it counted the pongs.
    assert!(started.elapsed() >= 4 * INTERVAL, "{:?}", started.elapsed());
    assert!(
        !reading.is_finished(),
        "the server ended a peer that answered its pings: {:?}",
        reading.await
    );
    reading.abort();
    Ok(())
}

/// Reads raw WebSocket frames from the server (unmasked) until the socket ends; returns the
/// opcodes seen and how the socket ended.
async fn raw_frames(tcp: &mut TcpStream) -> (Vec<u8>, io::Result<()>) {
    let mut opcodes = Vec::new();
    loop {
        let mut head = [0u8; 2];
        match tcp.read_exact(&mut head).await {
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return (opcodes, Ok(())),
            Err(e) => return (opcodes, Err(e)),
        }
        assert_eq!(head[1] & 0x80, 0, "a server's frames are not masked");
        let length = match head[1] & 0x7f {
            126 => {
                let mut n = [0u8; 2];
                if let Err(e) = tcp.read_exact(&mut n).await {
                    return (opcodes, Err(e));
                }
                u64::from(u16::from_be_bytes(n))
            }
            127 => {
                let mut n = [0u8; 8];
                if let Err(e) = tcp.read_exact(&mut n).await {
                    return (opcodes, Err(e));
                }
                u64::from_be_bytes(n)
            }
            n => u64::from(n),
        };
        let mut payload = vec![0u8; usize::try_from(length).expect("a small frame")];
        if let Err(e) = tcp.read_exact(&mut payload).await {
            return (opcodes, Err(e));
        }
        opcodes.push(head[0] & 0x0f);
    }
}

#[tokio::test]
async fn a_dead_peer_is_detected_and_closed() -> TestResult {
    let (ws, reading) = keepalive_pair().await?;
    let started = Instant::now();
    // From here on the peer reads bytes but never answers: no pongs go back.
    let mut tcp = ws.into_inner();
    let (opcodes, end) = tokio::time::timeout(SAFETY, raw_frames(&mut tcp)).await?;
    // Our side pinged before giving up, and then closed the connection.
    assert!(
        opcodes.contains(&0x9),
        "no ping from the server: {opcodes:?}"
    );
    assert!(
        opcodes.iter().all(|&op| op == 0x9 || op == 0x8),
        "only pings (and a close) expected: {opcodes:?}"
    );
    if let Err(e) = end {
        assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{e}");
    }
    // The server's read failed with the keepalive's error after two silent intervals.
    let error = tokio::time::timeout(SAFETY, reading)
        .await??
        .expect_err("a silent peer must be detected");
    assert!(started.elapsed() >= 2 * INTERVAL - Duration::from_millis(10));
    assert_eq!(error.kind(), io::ErrorKind::TimedOut);
    assert!(error.to_string().contains("the peer seems dead"), "{error}");
    Ok(())
}
