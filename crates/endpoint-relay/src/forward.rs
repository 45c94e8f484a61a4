//! Connect, then relay: what a relay does with each accepted connection. While the client
//! connection is being made (which may take long: a retrying client), the accepted
//! connection can be watched, so a client that leaves cancels the attempt at once.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use crate::pair::{relay_counted, Relay};
use crate::traffic::{Relayed, Traffic};
use endpoint_core::BoxFuture;
use endpoint_core::ClientEndpoint;
use endpoint_core::Connection;
use endpoint_core::Error;
use endpoint_core::Origin;
use tokio::io::{AsyncRead, ReadBuf};

/// The most bytes kept from a client that writes before the client connection is made;
/// past it the accepted connection is no longer read (and so no longer watched) until
/// the relay starts.
const EARLY_LIMIT: usize = 64 * 1024;

/// Why a [`forward`] ended without relaying everything.
#[derive(Debug, thiserror::Error)]
pub enum ForwardError {
    /// The client connection could not be made. The accepted connection comes back (to say
    /// why on it, or to log its peer); dropping it closes it.
    #[error("could not connect: {error}")]
    Connect {
        /// Why the connect failed.
        #[source]
        error: Error,
        /// The accepted connection, untouched.
        accepted: Box<Connection>,
    },
    /// The relay failed part way (a reset, a broken pipe, ...).
    #[error("relay failed: {0}")]
    Relay(#[source] std::io::Error),
    /// The accepted connection ended (closed before sending anything, reset, or failed) while
    /// the client connection was being made, so the attempt was cancelled: nobody is left to
    /// relay for. The error is the accepted connection's, when it failed rather than closed.
    #[error("the accepted connection ended before the client connection was made")]
    Departed(#[source] Option<io::Error>),
}

/// Connects to `client` on behalf of `accepted` ([`ClientEndpoint::connect_for`]), then relays between `accepted` and the new connection (see
/// [`relay`](crate::relay)); `traffic`, when given, counts the bytes. A failed connect
/// hands `accepted` back in the error.
///
/// For a connect that may take long, [`watch_accepted`](Forward::watch_accepted) cancels it
/// when the client leaves meanwhile.
///
/// ```no_run
/// # async fn run(listener: &mut endpoint_core::Listener, client: std::sync::Arc<dyn endpoint_core::ClientEndpoint>) -> endpoint_core::Result<()> {
/// // A socat-like forwarder: every accepted connection to one upstream.
/// loop {
///     let accepted = listener.accept().await?;
///     tokio::spawn(endpoint_relay::forward(accepted, client.clone(), None));
/// }
/// # }
/// ```
pub fn forward(
    accepted: Connection,
    client: Arc<dyn ClientEndpoint>,
    traffic: Option<Arc<Traffic>>,
) -> Forward {
    // The client connects on behalf of the accepted connection: `haproxy+` names its peer
    // in a PROXY header, a router picks by the server name it asked for.
    let origin = Origin::new(accepted.info().clone());
    let connect: BoxFuture<'static, endpoint_core::Result<Connection>> =
        Box::pin(async move { client.connect_for(&origin).await });
    Forward(Stage::Connecting {
        accepted: Some(accepted),
        connect,
        traffic,
        early: Early {
            bytes: Vec::new(),
            done: true,
        },
    })
}

/// What the accepted connection sent while the client connection was being made.
struct Early {
    bytes: Vec<u8>,
    /// Set while it is not read: not watched, or it ended after sending, or it sent
    /// [`EARLY_LIMIT`].
    done: bool,
}

impl Early {
    /// Reads what `accepted` has to give without waiting. `Some` when it has gone: closed
    /// before sending anything (`None` inside), or failed.
    fn watch(
        &mut self,
        accepted: &mut Connection,
        cx: &mut Context<'_>,
    ) -> Option<Option<io::Error>> {
        while !self.done {
            let mut chunk = [0u8; 4096];
            let room = (EARLY_LIMIT - self.bytes.len()).min(chunk.len());
            let mut buf = ReadBuf::new(&mut chunk[..room]);
            match Pin::new(&mut *accepted).poll_read(cx, &mut buf) {
                Poll::Pending => return None,
                Poll::Ready(Err(error)) => return Some(Some(error)),
                Poll::Ready(Ok(())) if buf.filled().is_empty() => {
                    if self.bytes.is_empty() {
                        return Some(None);
                    }
                    // Half-closed after a request: it may still want the answer, and the
                    // relay reads the end of stream again once connected.
                    self.done = true;
                }
                Poll::Ready(Ok(())) => {
                    self.bytes.extend_from_slice(buf.filled());
                    self.done = self.bytes.len() >= EARLY_LIMIT;
                }
            }
        }
        None
    }
}

/// The future [`forward`] returns. Like [`Relay`], a plain state machine: once connected it
/// holds the relay alone, so an idle forwarded pair costs what an idle relay does.
#[must_use = "a forward does nothing until awaited"]
pub struct Forward(Stage);

// The relaying state is the one that lives long; boxing it would cost an allocation per
// pair and save nothing once connected.
#[allow(clippy::large_enum_variant)]
enum Stage {
    Connecting {
        accepted: Option<Connection>,
        connect: BoxFuture<'static, endpoint_core::Result<Connection>>,
        traffic: Option<Arc<Traffic>>,
        early: Early,
    },
    Relaying(Relay),
    Done,
}

impl Forward {
    /// Reads `accepted` while connecting: bytes it sends are kept (up to 64 KiB) and relayed
    /// first once connected; when it closes without having sent anything, or is reset, the
    /// connect is cancelled (its sockets closed) and [`ForwardError::Departed`] returned, so a
    /// client that gave up costs nothing more and the upstream never sees a connection for
    /// nobody. For connects that may wait long (a [retrying] client). A client that sends,
    /// then closes its sending side (`nc -N`), still waits for its answer; one that closes
    /// its sending side without sending a byte looks the same as one that left, and is let
    /// go, which is why this is not the default (a fast connect would race it).
    ///
    /// [retrying]: https://docs.rs/endpoint-service
    pub fn watch_accepted(mut self) -> Self {
        if let Stage::Connecting { early, .. } = &mut self.0 {
            early.done = false;
        }
        self
    }

    /// The accepted connection, while the client connection is still being made (for logs).
    pub fn accepted(&self) -> Option<&Connection> {
        match &self.0 {
            Stage::Connecting { accepted, .. } => accepted.as_ref(),
            _ => None,
        }
    }
}

impl Future for Forward {
    type Output = Result<Relayed, ForwardError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        loop {
            match &mut this.0 {
                Stage::Connecting {
                    accepted,
                    connect,
                    traffic,
                    early,
                } => {
                    let connected = match connect.as_mut().poll(cx) {
                        Poll::Ready(connected) => connected,
                        Poll::Pending => {
                            let departed = accepted.as_mut().and_then(|a| early.watch(a, cx));
                            if let Some(error) = departed {
                                // Dropping the connect future cancels the attempt.
                                this.0 = Stage::Done;
                                return Poll::Ready(Err(ForwardError::Departed(error)));
                            }
                            return Poll::Pending;
                        }
                    };
                    let (accepted, traffic) = (accepted.take(), traffic.take());
                    let early = std::mem::take(&mut early.bytes);
                    match (connected, accepted) {
                        (Ok(outgoing), Some(accepted)) => {
                            let accepted = accepted.with_unread(early);
                            this.0 = Stage::Relaying(relay_counted(accepted, outgoing, traffic));
                        }
                        (Err(error), Some(accepted)) => {
                            this.0 = Stage::Done;
                            let accepted = Box::new(accepted.with_unread(early));
                            return Poll::Ready(Err(ForwardError::Connect { error, accepted }));
                        }
                        (_, None) => unreachable!("the accepted connection is taken once"),
                    }
                }
                Stage::Relaying(relay) => {
                    let relayed = ready!(Pin::new(relay).poll(cx));
                    this.0 = Stage::Done;
                    return Poll::Ready(relayed.map_err(ForwardError::Relay));
                }
                Stage::Done => panic!("Forward polled after it finished"),
            }
        }
    }
}

impl fmt::Debug for Forward {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let stage = match &self.0 {
            Stage::Connecting { .. } => "connecting",
            Stage::Relaying(_) => "relaying",
            Stage::Done => "done",
        };
        f.debug_struct("Forward")
            .field("stage", &stage)
            .finish_non_exhaustive()
    }
}
