//! Close handshakes both ways: shutdown sends Close and waits for the answer; the peer's Close
//! is end of file.
mod support;

use futures_util::{SinkExt, StreamExt};
use support::{pair, serve, TestResult, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn client_shutdown_is_eof_at_the_server() -> TestResult {
    let (_l, mut accepted, mut connected) =
        pair("ws:0:interface=127.0.0.1", |p| format!("ws:127.0.0.1:{p}")).await?;
    connected.write_all(b"last words").await?;
    let server = async {
        let mut got = Vec::new();
        accepted.read_to_end(&mut got).await?;
        // The server answers the close by shutting down too.
        accepted.shutdown().await?;
        Ok::<_, std::io::Error>(got)
    };
    let ((), got) = tokio::time::timeout(SAFETY, async {
        tokio::try_join!(connected.shutdown(), server)
    })
    .await??;
    assert_eq!(got, b"last words");
    // Writing after shutdown fails clearly; reading is end of file.
    let error = connected.write_all(b"x").await.unwrap_err();
    assert_eq!(error.kind(), std::io::ErrorKind::BrokenPipe);
    let mut buf = [0u8; 8];
    assert_eq!(connected.read(&mut buf).await?, 0);
    Ok(())
}

#[tokio::test]
async fn server_shutdown_is_eof_at_the_client() -> TestResult {
    let (_l, mut accepted, mut connected) =
        pair("ws:0:interface=127.0.0.1", |p| format!("ws:127.0.0.1:{p}")).await?;
    accepted.write_all(b"bye").await?;
    let client = async {
        let mut got = Vec::new();
        connected.read_to_end(&mut got).await?;
        Ok::<_, std::io::Error>(got)
    };
    let ((), got) = tokio::time::timeout(SAFETY, async {
        tokio::try_join!(accepted.shutdown(), client)
    })
    .await??;
    assert_eq!(got, b"bye");
    Ok(())
}

#[tokio::test]
async fn shutdown_keeps_what_the_peer_sent_meanwhile() -> TestResult {
    // The peer keeps writing until it sees our Close; those bytes are still readable.
    let (_l, mut accepted, mut connected) =
        pair("ws:0:interface=127.0.0.1", |p| format!("ws:127.0.0.1:{p}")).await?;
    accepted.write_all(b"in flight").await?;
    accepted.flush().await?;
    let server = async {
        let mut got = Vec::new();
        accepted.read_to_end(&mut got).await?;
        Ok::<_, std::io::Error>(got)
    };
    let ((), _) = tokio::time::timeout(SAFETY, async {
        tokio::try_join!(connected.shutdown(), server)
    })
    .await??;
    let mut got = Vec::new();
    connected.read_to_end(&mut got).await?;
    assert_eq!(got, b"in flight");
    Ok(())
}

#[tokio::test]
async fn a_raw_peer_sees_a_proper_close_handshake() -> TestResult {
    let (mut accepted, port) = serve("ws:0:interface=127.0.0.1").await?;
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let (mut ws, _) =
        tokio_tungstenite::client_async(format!("ws://127.0.0.1:{port}/"), tcp).await?;
    let mut server = tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .unwrap();

    // Our side shuts down: the raw peer gets Close, answers (tungstenite does), and ends.
    let raw = async {
        let mut seen_close = false;
        while let Some(m) = ws.next().await {
            if let Message::Close(_) = m? {
                seen_close = true;
            }
        }
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(seen_close)
    };
    let shutdown = async { server.shutdown().await.map_err(Into::into) };
    let ((), seen_close) =
        tokio::time::timeout(SAFETY, async { tokio::try_join!(shutdown, raw) }).await??;
    assert!(seen_close);

    // The other way: the raw peer closes, our read is end of file.
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let (mut ws, _) =
        tokio_tungstenite::client_async(format!("ws://127.0.0.1:{port}/"), tcp).await?;
    let mut server = tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .unwrap();
    ws.send(Message::binary(&b"x"[..])).await?;
    ws.close(None).await?;
    let mut got = Vec::new();
    tokio::time::timeout(SAFETY, server.read_to_end(&mut got)).await??;
    assert_eq!(got, b"x");
    // Our answer reached the raw peer: its stream ends cleanly.
    let rest = tokio::time::timeout(SAFETY, async {
        let mut errors = 0;
        while let Some(m) = ws.next().await {
            errors += usize::from(m.is_err());
        }
        errors
    })
    .await?;
    assert_eq!(rest, 0);
    Ok(())
}

#[tokio::test]
async fn shutdown_does_not_wait_forever_for_a_silent_peer() -> TestResult {
    // A raw peer that never reads: our shutdown gives up after handshakeTimeout.
    let (mut accepted, port) = serve("ws:0:interface=127.0.0.1:handshakeTimeout=0.3").await?;
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let (_ws, _) = tokio_tungstenite::client_async(format!("ws://127.0.0.1:{port}/"), tcp).await?;
    let mut server = tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .unwrap();
    let started = std::time::Instant::now();
    tokio::time::timeout(SAFETY, server.shutdown()).await??;
    assert!(started.elapsed() >= std::time::Duration::from_millis(250));
    Ok(())
}

/// Writes to a raw peer until the write fails: only a closed connection (which answers data
/// with a reset) makes it fail; an open one that is not read makes it wait.
async fn write_until_refused(tcp: &mut tokio::net::TcpStream) -> std::io::Error {
    let chunk = vec![0u8; 64 << 10];
    loop {
        if let Err(e) = tcp.write_all(&chunk).await {
            return e;
        }
    }
}

/// Reads a raw peer to its end: the bytes, and whether it ended with a reset.
async fn read_to_close(tcp: &mut tokio::net::TcpStream) -> std::io::Result<Vec<u8>> {
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        match tcp.read(&mut buf).await {
            Ok(0) => return Ok(got),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Ok(got),
            Err(e) => return Err(e),
        }
    }
}

/// Issue 23: a close timeout used to shut writing down and leave the connection open, so a
/// relay over it never ended and both its sockets stayed open. Now the connection is closed.
#[tokio::test]
async fn a_peer_that_never_answers_our_close_has_its_connection_closed() -> TestResult {
    let (mut accepted, port) = serve("ws:0:interface=127.0.0.1:handshakeTimeout=0.5").await?;
    let mut raw = support::raw_client(port).await?;
    let mut server = tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .unwrap();
    let started = std::time::Instant::now();
    tokio::time::timeout(SAFETY, server.shutdown()).await??;
    let took = started.elapsed();
    assert!(took >= std::time::Duration::from_millis(400), "{took:?}");

    // The peer got our Close frame (opcode 8, unmasked), then the end of the connection.
    let got = tokio::time::timeout(SAFETY, read_to_close(&mut raw)).await??;
    assert_eq!(got.first(), Some(&0x88), "{got:?}");
    // And the connection is closed, not only shut down for writing: what the peer sends now
    // is refused (before, nobody read it, and the peer's writes blocked once buffers were
    // full).
    let refused = tokio::time::timeout(SAFETY, write_until_refused(&mut raw)).await?;
    assert!(
        matches!(
            refused.kind(),
            std::io::ErrorKind::BrokenPipe | std::io::ErrorKind::ConnectionReset
        ),
        "{refused}"
    );
    // Our reads end too, so a relay over the stream ends (before, they waited forever).
    let mut rest = Vec::new();
    tokio::time::timeout(SAFETY, server.read_to_end(&mut rest)).await??;
    assert!(rest.is_empty());
    Ok(())
}

/// The close timeout also covers sending our Close: a peer that never reads fills the
/// socket, and the Close frame can never go out. Before, shutdown waited forever.
#[tokio::test]
async fn a_peer_that_never_reads_cannot_hold_our_shutdown() -> TestResult {
    use futures_util::FutureExt;
    let (mut accepted, port) = serve("ws:0:interface=127.0.0.1:handshakeTimeout=0.5").await?;
    let mut raw = support::raw_client(port).await?;
    let mut server = tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .unwrap();
    // Fill every buffer between us and the peer, until a flush cannot complete.
    let chunk = vec![1u8; 64 << 10];
    let mut filled = 0usize;
    loop {
        let write = async {
            server.write_all(&chunk).await?;
            server.flush().await
        };
        match write.now_or_never() {
            Some(result) => result?,
            None => break,
        }
        filled += chunk.len();
        assert!(filled < 1 << 30, "the socket never filled");
    }
    tokio::time::timeout(SAFETY, server.shutdown()).await??;
    // The peer finds the end of its connection after the data that made it through.
    let got = tokio::time::timeout(SAFETY, read_to_close(&mut raw)).await??;
    assert!(got.len() <= filled + (1 << 20), "{} of {filled}", got.len());
    Ok(())
}
