//! Connect, then relay: what a relay does with each accepted connection.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};

use crate::pair::{relay_counted, Relay};
use crate::traffic::{Relayed, Traffic};
use endpoint_core::BoxFuture;
use endpoint_core::ClientEndpoint;
use endpoint_core::Connection;
use endpoint_core::Error;

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
}

/// Connects to `client`, then relays between `accepted` and the new connection (see
/// [`relay`](crate::relay)); `traffic`, when given, counts the bytes. A failed connect drops
/// hands `accepted` back in the error.
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
    let connect: BoxFuture<'static, endpoint_core::Result<Connection>> =
        Box::pin(async move { client.connect().await });
    Forward(Stage::Connecting {
        accepted: Some(accepted),
        connect,
        traffic,
    })
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
    },
    Relaying(Relay),
    Done,
}

impl Forward {
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
                } => {
                    let connected = ready!(connect.as_mut().poll(cx));
                    let (accepted, traffic) = (accepted.take(), traffic.take());
                    match (connected, accepted) {
                        (Ok(outgoing), Some(accepted)) => {
                            this.0 = Stage::Relaying(relay_counted(accepted, outgoing, traffic));
                        }
                        (Err(error), Some(accepted)) => {
                            this.0 = Stage::Done;
                            let accepted = Box::new(accepted);
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
