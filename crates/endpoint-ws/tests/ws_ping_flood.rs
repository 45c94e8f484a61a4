//! A ping flood from a peer that never reads (issue 19, item 17): before, every ping queued a
//! pong in an unbounded write buffer, and one hostile peer took a relay to gigabytes in
//! seconds. Now the write buffer has a bound and only the newest pong waits. This file holds
//! one test so that the process's memory is this test's alone.

mod support;

use endpoint_testkit::{TestResult, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Resident memory of this process, in bytes (Linux).
fn resident() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// A masked client Ping frame with a 125-byte payload (the largest a control frame may carry).
fn ping() -> Vec<u8> {
    let mask = [0x11, 0x22, 0x33, 0x44];
    let mut frame = vec![0x89, 0x80 | 125];
    frame.extend_from_slice(&mask);
    frame.extend((0..125).map(|i| b'p' ^ mask[i % 4]));
    frame
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ping_flood_from_a_peer_that_never_reads_holds_bounded_memory() -> TestResult {
    let (mut listener, port) = support::bind("ws+tcp:0:interface=127.0.0.1").await?;
    // The server reads its connection as any application does; tungstenite answers pings.
    let server = tokio::spawn(async move {
        let Ok(mut connection) = listener.accept().await else {
            return;
        };
        let mut sink = vec![0u8; 4096];
        while matches!(connection.read(&mut sink).await, Ok(n) if n > 0) {}
    });

    let mut tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    tcp.write_all(
        b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    )
    .await?;
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        tokio::time::timeout(SAFETY, tcp.read_exact(&mut byte)).await??;
        head.push(byte[0]);
    }
    assert!(
        head.starts_with(b"HTTP/1.1 101"),
        "{}",
        String::from_utf8_lossy(&head)
    );

    let before = resident();
    // 64 MiB of pings, never reading a pong. Writing completes only as the server reads, so
    // when it returns the server has taken (nearly) all of them in.
    let batch: Vec<u8> = ping().repeat(1024);
    let total = 64usize << 20;
    let mut sent = 0;
    while sent < total {
        tokio::time::timeout(SAFETY, tcp.write_all(&batch)).await??;
        sent += batch.len();
    }
    let grown = resident().saturating_sub(before);
    // Unbounded, the pongs alone would be about 64 MiB (minus what the socket buffers hold).
    assert!(
        grown < 24 << 20,
        "memory grew by {} MiB during a 64 MiB ping flood",
        grown >> 20
    );
    drop(tcp);
    let _ = tokio::time::timeout(SAFETY, server).await;
    Ok(())
}
