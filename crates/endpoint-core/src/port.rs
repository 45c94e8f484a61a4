//! A running listener that can be stopped.

use std::fmt;
use std::future::Future;
use std::net::SocketAddr;
use std::os::fd::OwnedFd;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, Instrument};

use crate::address::Address;
use crate::connection::Connection;
use crate::listener::Listener;

/// A listener running in the background, handing each connection to a handler task
/// (Twisted's `IListeningPort`).
///
/// [`stop_listening`](ListeningPort::stop_listening) closes the socket; connections already
/// accepted keep running. [`shutdown`](ListeningPort::shutdown) also waits for them, up to a
/// grace period, then aborts the rest. Dropping the port stops listening too.
///
/// # Examples
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use endpoint_core::{Connection, ConnectionInfo, Address, Listener, Accept};
/// # use std::task::{Context, Poll};
/// # struct Nothing;
/// # impl Accept for Nothing {
/// #     fn poll_accept(&mut self, _: &mut Context<'_>) -> Poll<std::io::Result<Connection>> { Poll::Pending }
/// #     fn local_address(&self) -> Address { Address::Other("nowhere".into()) }
/// # }
/// let listener = Listener::new(Nothing, "nothing");
/// let port = listener.listen(|_connection: Connection| async {});
/// assert_eq!(port.local_address().to_string(), "nowhere");
/// port.stop_listening().await;
/// # Ok(()) }
/// ```
#[doc(alias = "IListeningPort")]
pub struct ListeningPort {
    local: Address,
    locals: Vec<Address>,
    description: String,
    stop: CancellationToken,
    abort: CancellationToken,
    stopped: watch::Receiver<bool>,
    task: Option<JoinHandle<usize>>,
    /// Asks the accepting task for duplicates of its listening sockets, then to stop
    /// ([`hand_over`](ListeningPort::hand_over)); nothing is duplicated until asked.
    handover: mpsc::Sender<oneshot::Sender<Vec<(SocketAddr, OwnedFd)>>>,
}

impl Listener {
    /// Spawns `handler(connection)` for every accepted connection until the returned port is
    /// stopped or dropped (Twisted's `listen(factory)`).
    ///
    /// Must be called inside a tokio runtime.
    ///
    /// # Examples
    /// See [`ListeningPort`].
    pub fn listen<F, Fut>(self, handler: F) -> ListeningPort
    where
        F: Fn(Connection) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        ListeningPort::spawn(self, handler)
    }
}

impl ListeningPort {
    pub(crate) fn spawn<F, Fut>(mut listener: Listener, handler: F) -> Self
    where
        F: Fn(Connection) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let local = listener.local_address().clone();
        let locals = listener.local_addresses().to_vec();
        let (handover, mut handover_rx) =
            mpsc::channel::<oneshot::Sender<Vec<(SocketAddr, OwnedFd)>>>(1);
        let description = listener.description().to_owned();
        let stop = CancellationToken::new();
        let abort = CancellationToken::new();
        let (stopped_tx, stopped) = watch::channel(false);
        let span = tracing::debug_span!("listen", endpoint = %description, local = %local);
        let (stop_rx, abort_rx) = (stop.clone(), abort.clone());
        let task = tokio::spawn(
            async move {
                let mut handlers = JoinSet::new();
                loop {
                    tokio::select! {
                        biased;
                        _ = stop_rx.cancelled() => break,
                        Some(reply) = handover_rx.recv() => {
                            // Duplicated before the listener closes: the sockets stay bound.
                            let _ = reply.send(listener.duplicate_sockets());
                            break;
                        }
                        Some(_) = handlers.join_next(), if !handlers.is_empty() => {}
                        accepted = listener.accept() => match accepted {
                            Ok(connection) => {
                                debug!(peer = %connection.peer_address(), "accepted");
                                handlers.spawn(handler(connection).in_current_span());
                            }
                            Err(e) => {
                                error!(error = %e, "listener ended");
                                break;
                            }
                        },
                    }
                }
                drop(listener);
                let _ = stopped_tx.send(true);
                debug!(running = handlers.len(), "stopped listening");
                loop {
                    tokio::select! {
                        _ = abort_rx.cancelled() => {
                            let aborted = handlers.len();
                            handlers.shutdown().await;
                            return aborted;
                        }
                        next = handlers.join_next() => if next.is_none() { return 0 },
                    }
                }
            }
            .instrument(span),
        );
        ListeningPort {
            local,
            locals,
            description,
            stop,
            abort,
            stopped,
            task: Some(task),
            handover,
        }
    }

    /// The address actually bound (the real port when `tcp:0` was asked for).
    #[doc(alias = "getHost")]
    pub fn local_address(&self) -> &Address {
        &self.local
    }

    /// Every address the port listens on: one, or one per listener of a
    /// [merged](Listener::merge) listener (the first is [`local_address`](Self::local_address)).
    pub fn local_addresses(&self) -> &[Address] {
        &self.locals
    }

    /// The description of the endpoint that is listening.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// True once the socket is closed (stopped, or ended by a fatal accept error).
    pub fn is_stopped(&self) -> bool {
        *self.stopped.borrow()
    }

    /// Waits until the port stops: after [`stop_listening`](Self::stop_listening), a drop, or a
    /// fatal accept error that ended the listener.
    ///
    /// # Cancel safety
    /// Cancel safe.
    pub async fn stopped(&self) {
        let mut stopped = self.stopped.clone();
        let _ = stopped.wait_for(|s| *s).await;
    }

    /// Stops accepting: closes the socket, removes a unix socket file and releases its lock.
    /// Returns when that is done. Connections already accepted keep running. Calling it again
    /// does nothing.
    ///
    /// # Cancel safety
    /// Dropping the future does not undo the stop; the socket is closed shortly after.
    #[doc(alias = "stopListening")]
    pub async fn stop_listening(&self) {
        self.stop.cancel();
        self.stopped().await;
    }

    /// Stops accepting, but keeps the listening sockets open and [offers](crate::handover::offer)
    /// them to the next bind of the same address: connections waiting in their backlog are
    /// then accepted by the new listener, and no connection attempt is refused in between.
    /// Returns the addresses offered; [`withdraw`](crate::handover::withdraw) what the new
    /// bind did not take. Transports without a socket to give (unix paths, processes) offer
    /// nothing and simply stop.
    ///
    /// # Cancel safety
    /// Dropping the future after the sockets were offered leaves them offered.
    pub async fn hand_over(&self) -> Vec<SocketAddr> {
        let (reply, sockets) = oneshot::channel();
        let sockets = match self.handover.send(reply).await {
            Ok(()) => sockets.await.unwrap_or_default(),
            // The task has ended: the sockets are closed already.
            Err(_) => Vec::new(),
        };
        let addresses = sockets.iter().map(|(address, _)| *address).collect();
        for (address, socket) in sockets {
            crate::handover::offer(address, socket);
        }
        self.stop_listening().await;
        addresses
    }

    /// Stops listening, then waits up to `grace` for running handlers; the rest are aborted.
    /// Returns how many handlers were aborted.
    ///
    /// # Cancel safety
    /// Dropping the future leaves the listener stopped and the handlers running.
    pub async fn shutdown(mut self, grace: Duration) -> usize {
        self.stop_listening().await;
        let Some(mut task) = self.task.take() else {
            return 0;
        };
        match tokio::time::timeout(grace, &mut task).await {
            Ok(finished) => finished.unwrap_or(0),
            Err(_) => {
                self.abort.cancel();
                task.await.unwrap_or(0)
            }
        }
    }
}

impl Drop for ListeningPort {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl fmt::Debug for ListeningPort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListeningPort")
            .field("description", &self.description)
            .field("local", &self.local)
            .field("stopped", &self.is_stopped())
            .finish()
    }
}
