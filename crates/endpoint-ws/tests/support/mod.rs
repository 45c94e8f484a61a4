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
