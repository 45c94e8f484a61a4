//! Helpers shared by the WebSocket tests.
#![allow(dead_code, unused_imports)]

use endpoint_core::{Connection, Listener, Registry};

pub use endpoint_unix as _;
pub use endpoint_ws as _;

pub use endpoint_testkit::{TestResult, SAFETY};

/// Binds `server` and returns the listener and its port.
pub async fn bind(server: &str) -> TestResult<(Listener, u16)> {
    let listener = Registry::global().server(server)?.bind().await?;
    let port = listener.local_address().port().unwrap_or(0);
    Ok((listener, port))
}

/// Binds `server`, connects `client_of(port)`, and returns (accepted, connected).
pub async fn pair(
    server: &str,
    client_of: impl Fn(u16) -> String,
) -> TestResult<(Listener, Connection, Connection)> {
    let (mut listener, port) = bind(server).await?;
    let client = Registry::global().client(&client_of(port))?;
    let (accepted, connected) = tokio::time::timeout(SAFETY, async {
        tokio::try_join!(listener.accept(), client.connect())
    })
    .await??;
    Ok((listener, accepted, connected))
}

pub use endpoint_testkit::exchange;

/// The message of an error and all its sources, joined.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Binds `server` and accepts in a background task, handing accepted connections over the
/// returned channel (the listener must be polled for handshakes to start).
pub async fn serve(
    server: &str,
) -> TestResult<(tokio::sync::mpsc::UnboundedReceiver<Connection>, u16)> {
    let (mut listener, port) = bind(server).await?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(connection) = listener.accept().await {
            if tx.send(connection).is_err() {
                break;
            }
        }
    });
    Ok((rx, port))
}

/// A raw TCP peer that has completed a client upgrade to `port` (path `/`), and does nothing
/// else unless the test makes it: no reads, no answers.
pub async fn raw_client(port: u16) -> TestResult<tokio::net::TcpStream> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
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
    if !head.starts_with(b"HTTP/1.1 101") {
        return Err(format!("not upgraded: {}", String::from_utf8_lossy(&head)).into());
    }
    Ok(tcp)
}
