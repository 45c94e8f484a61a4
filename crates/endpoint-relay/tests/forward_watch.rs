//! `forward(...).watch_accepted()` watches the accepted connection while it connects: a
//! client that leaves cancels the attempt at once, and what a client sends early is relayed
//! first. Unwatched, the connect goes on.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use endpoint_core::description::Description;
use endpoint_core::{
    Address, BoxFuture, ClientEndpoint, Connection, ConnectionInfo, Result, UnixAddress,
};
use endpoint_relay::{forward, ForwardError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;
use tokio::sync::Notify;

/// Safety net only.
const LIMIT: Duration = Duration::from_secs(30);

fn connection(stream: UnixStream) -> Connection {
    let unnamed = || Address::Unix(UnixAddress::Unnamed);
    Connection::new(stream, ConnectionInfo::new("unix", unnamed(), unnamed()))
}

/// A client endpoint whose connect waits until the gate opens, then gives `upstream`; it
/// records when a connect future is dropped (cancelled or done).
#[derive(Debug, Default)]
struct Gate {
    open: Notify,
    upstream: Mutex<Option<UnixStream>>,
    dropped: Arc<AtomicBool>,
}

struct SetOnDrop(Arc<AtomicBool>);

impl Drop for SetOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl fmt::Display for Gate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("gate")
    }
}

impl ClientEndpoint for Gate {
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        let guard = SetOnDrop(Arc::clone(&self.dropped));
        Box::pin(async move {
            let _guard = guard;
            self.open.notified().await;
            let stream = self.upstream.lock().unwrap().take().expect("one connect");
            Ok(connection(stream))
        })
    }

    fn description(&self) -> Description {
        Description::new("gate")
    }
}

#[tokio::test]
async fn a_client_that_leaves_cancels_the_connect() -> std::io::Result<()> {
    let (accepted, client) = UnixStream::pair()?;
    let gate = Arc::new(Gate::default());
    let forwarding =
        tokio::spawn(forward(connection(accepted), gate.clone(), None).watch_accepted());
    drop(client);
    let outcome = tokio::time::timeout(LIMIT, forwarding).await??;
    assert!(
        matches!(outcome, Err(ForwardError::Departed(None))),
        "{outcome:?}"
    );
    assert!(
        gate.dropped.load(Ordering::SeqCst),
        "the connect was cancelled"
    );
    Ok(())
}

#[tokio::test]
async fn early_bytes_and_a_half_close_are_relayed_once_connected() -> std::io::Result<()> {
    let (accepted, mut client) = UnixStream::pair()?;
    let (upstream_end, mut upstream) = UnixStream::pair()?;
    let gate = Arc::new(Gate::default());
    *gate.upstream.lock().unwrap() = Some(upstream_end);
    let forwarding =
        tokio::spawn(forward(connection(accepted), gate.clone(), None).watch_accepted());
    // Sent and half-closed while the connect waits: the client still wants its answer.
    client.write_all(b"early").await?;
    client.shutdown().await?;
    gate.open.notify_one();
    let mut got = Vec::new();
    tokio::time::timeout(LIMIT, upstream.read_to_end(&mut got)).await??;
    assert_eq!(got, b"early");
    upstream.write_all(b"answer").await?;
    drop(upstream);
    let mut answer = Vec::new();
    tokio::time::timeout(LIMIT, client.read_to_end(&mut answer)).await??;
    assert_eq!(answer, b"answer");
    let relayed = tokio::time::timeout(LIMIT, forwarding).await??;
    assert!(relayed.is_ok(), "{relayed:?}");
    Ok(())
}

#[tokio::test]
async fn unwatched_the_connect_goes_on_for_a_client_that_half_closed() -> std::io::Result<()> {
    let (accepted, client) = UnixStream::pair()?;
    let (upstream_end, mut upstream) = UnixStream::pair()?;
    let gate = Arc::new(Gate::default());
    *gate.upstream.lock().unwrap() = Some(upstream_end);
    let forwarding = tokio::spawn(forward(connection(accepted), gate.clone(), None));
    drop(client);
    gate.open.notify_one();
    // The upstream is reached and sees the end of the stream.
    let mut got = Vec::new();
    tokio::time::timeout(LIMIT, upstream.read_to_end(&mut got)).await??;
    assert!(got.is_empty());
    drop(upstream);
    let outcome = tokio::time::timeout(LIMIT, forwarding).await?;
    assert!(
        !matches!(outcome, Ok(Err(ForwardError::Departed(_)))),
        "{outcome:?}"
    );
    Ok(())
}
