//! Upgrades run per connection, concurrently, under the handshake timeout.
mod support;

use std::time::Duration;

use endpoint_core::Registry;
use support::{exchange, serve, TestResult, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_slow_upgrade_does_not_block_a_normal_client() -> TestResult {
    let (mut accepted, port) = serve("ws:0:interface=127.0.0.1").await?;
    // Connects and sends nothing; another sends half a request.
    let _silent = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let mut half = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    half.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await?;

    let client = Registry::global().client(&format!("ws:127.0.0.1:{port}"))?;
    let mut connected = tokio::time::timeout(Duration::from_secs(5), client.connect()).await??;
    let mut server = tokio::time::timeout(Duration::from_secs(5), accepted.recv())
        .await?
        .unwrap();
    exchange(&mut connected, &mut server, b"not delayed").await?;
    Ok(())
}

#[tokio::test]
async fn a_silent_client_is_dropped_after_the_handshake_timeout() -> TestResult {
    let (_accepted, port) = serve("ws:0:interface=127.0.0.1:handshakeTimeout=0.2").await?;
    let mut silent = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let mut buf = [0u8; 16];
    // The server drops the connection: end of file (or a reset).
    let n = tokio::time::timeout(SAFETY, silent.read(&mut buf))
        .await?
        .unwrap_or(0);
    assert_eq!(n, 0);
    Ok(())
}

#[tokio::test]
async fn a_request_head_that_never_ends_is_refused() -> TestResult {
    let (_accepted, port) = serve("ws:0:interface=127.0.0.1").await?;
    let mut raw = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    raw.write_all(b"GET / HTTP/1.1\r\n").await?;
    let line = format!("X-Filler: {}\r\n", "a".repeat(1000));
    let mut answer = Vec::new();
    for _ in 0..20 {
        if raw.write_all(line.as_bytes()).await.is_err() {
            break;
        }
    }
    let _ = tokio::time::timeout(SAFETY, raw.read_to_end(&mut answer)).await?;
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.starts_with("HTTP/1.1 431 Request Header Fields Too Large"),
        "{answer}"
    );
    Ok(())
}
