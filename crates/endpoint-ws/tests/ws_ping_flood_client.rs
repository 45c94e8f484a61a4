//! The client side of issue 19, item 17: `endpoint connect` reached 5.1 GB against a hostile
//! server that floods pings and never reads, each ping queueing a pong in an unbounded write
//! buffer. The write buffer's bound (`server::config`, both sides) keeps only the newest pong.
//! The server-side version is `ws_ping_flood.rs`; this file holds one test so that the
//! process's memory is this test's alone.

mod support;

use endpoint_core::Registry;
use endpoint_testkit::{TestResult, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

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

/// An unmasked server Ping frame with a 125-byte payload (the largest a control frame may
/// carry).
fn ping() -> Vec<u8> {
    let mut frame = vec![0x89, 125];
    frame.extend(std::iter::repeat_n(b'p', 125));
    frame
}

/// Reads the upgrade request and answers it with 101, the way any server does; after this
/// the hostile server never reads again.
async fn upgrade(tcp: &mut TcpStream) -> TestResult {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        tokio::time::timeout(SAFETY, tcp.read_exact(&mut byte)).await??;
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head);
    let key = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("sec-websocket-key")
                .then(|| value.trim().to_owned())
        })
        .ok_or("the request has no Sec-WebSocket-Key")?;
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        derive_accept_key(key.as_bytes())
    );
    tcp.write_all(answer.as_bytes()).await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_facing_a_ping_flood_that_never_reads_holds_bounded_memory() -> TestResult {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let client = Registry::global().client(&format!("ws://127.0.0.1:{port}/"))?;
    let (accepted, connected) = tokio::time::timeout(SAFETY, async {
        tokio::join!(
            async {
                let (mut tcp, _) = listener.accept().await?;
                upgrade(&mut tcp).await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>(tcp)
            },
            client.connect()
        )
    })
    .await?;
    let mut tcp = accepted?;
    let mut connection = connected?;
    // The client reads its connection as `endpoint connect` does; tungstenite answers pings.
    let reader = tokio::spawn(async move {
        let mut sink = vec![0u8; 4096];
        while matches!(connection.read(&mut sink).await, Ok(n) if n > 0) {}
    });

    let before = resident();
    // 64 MiB of pings, never reading a pong. Writing completes only as the client reads, so
    // when it returns the client has taken (nearly) all of them in.
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
    let _ = tokio::time::timeout(SAFETY, reader).await;
    Ok(())
}
