//! Listeners: accepting connections, with handshakes off the accept path.

use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::task::JoinSet;
use tokio::time::Sleep;
use tracing::{debug, warn, Instrument};

use crate::address::Address;
use crate::cap::Cap;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::io_class::IoClass;
use crate::layer::Upgrade;

/// A bound socket that yields raw connections; what a transport implements.
pub trait Accept: Send + 'static {
    /// Polls for the next connection. Errors are raw OS errors; the [`Listener`] decides
    /// which ones to skip, back off on, or end with.
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Connection>>;

    /// The address actually bound (with the real port when `0` was asked for).
    fn local_address(&self) -> Address;
}

/// How many handshakes may run at once before the listener stops accepting for a while.
const MAX_PENDING_HANDSHAKES: usize = 1024;
const FIRST_BACKOFF: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// A listening socket: accept connections one by one, as a `Stream`, or hand them to a handler
/// with [`listen`](Listener::listen).
///
/// Per-connection accept errors (a peer that reset before accept) are skipped; running out of
/// descriptors or buffers (EMFILE, ENFILE, ENOBUFS, ENOMEM) backs off, up to a second, and
/// retries; only other errors end the listener. [`IoClass`] says which errno is which. Dropping a listener closes its socket (and
/// removes a unix socket file it created).
pub struct Listener {
    raw: Box<dyn Accept>,
    local: Address,
    /// Every address a merged listener is bound to (`[local]` for one listener).
    locals: Vec<Address>,
    description: String,
    upgrades: Vec<Arc<dyn Upgrade>>,
    handshakes: JoinSet<Option<Connection>>,
    backoff: Option<Pin<Box<Sleep>>>,
    next_backoff: Duration,
    cap: Option<Arc<Cap>>,
    /// A fatal accept error was returned: as a `Stream`, the listener has ended.
    ended: bool,
}

impl Listener {
    /// Wraps a transport's accepting socket; `description` names it in errors and logs.
    pub fn new(raw: impl Accept, description: impl fmt::Display) -> Self {
        let local = raw.local_address();
        Listener {
            raw: Box::new(raw),
            locals: vec![local.clone()],
            local,
            description: description.to_string(),
            upgrades: Vec::new(),
            handshakes: JoinSet::new(),
            backoff: None,
            next_backoff: FIRST_BACKOFF,
            cap: None,
            ended: false,
        }
    }

    /// Adds a per-connection handshake, run after the ones already added.
    pub fn with_upgrade(mut self, upgrade: Arc<dyn Upgrade>) -> Self {
        self.upgrades.push(upgrade);
        self
    }

    /// Holds at most `max` live connections: at the cap the listener stops accepting (the
    /// kernel queues new connections in the backlog) and resumes when one ends. A connection
    /// counts from accept, through its layers' handshakes, until it and its
    /// [`ConnectionInfo`](crate::ConnectionInfo) are dropped. `maxConnections=` in a server
    /// description sets this. A `max` of 0 is taken as 1.
    pub fn with_max_connections(mut self, max: usize) -> Self {
        self.cap = Some(Cap::new(max.max(1)));
        self
    }

    /// How many connections count against the cap now, if there is one.
    pub fn live_connections(&self) -> Option<usize> {
        self.cap.as_ref().map(|c| c.live())
    }

    /// Renames the listener in errors and logs (layers call this with their description).
    pub fn with_description(mut self, description: impl fmt::Display) -> Self {
        self.description = description.to_string();
        self
    }

    /// The address actually bound.
    pub fn local_address(&self) -> &Address {
        &self.local
    }

    /// Every address this listener is bound to: one for a plain listener, one per listener,
    /// in order, for a [merged](Listener::merge) one (whose
    /// [`local_address`](Listener::local_address) is the first of them).
    pub fn local_addresses(&self) -> &[Address] {
        &self.locals
    }

    pub(crate) fn with_local_addresses(mut self, locals: Vec<Address>) -> Self {
        self.locals = locals;
        self
    }

    /// The description of the endpoint that made this listener.
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Accepts the next connection, with every layer's handshake done.
    ///
    /// # Errors
    /// [`Error::Io`] only for errors that end the listener.
    ///
    /// # Cancel safety
    /// Cancel safe: a connection is never lost by dropping this future.
    pub async fn accept(&mut self) -> Result<Connection> {
        poll_fn(|cx| self.poll_accept(cx)).await
    }

    /// Polls for the next connection; see [`accept`](Listener::accept).
    pub fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<Result<Connection>> {
        loop {
            if !self.handshakes.is_empty() {
                if let Poll::Ready(Some(done)) = self.handshakes.poll_join_next(cx) {
                    match done {
                        Ok(Some(connection)) => return Poll::Ready(Ok(connection)),
                        Ok(None) => continue,
                        Err(e) => {
                            debug!(error = %e, "handshake task ended abnormally");
                            continue;
                        }
                    }
                }
            }
            if let Some(sleep) = self.backoff.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                self.backoff = None;
            }
            if self.handshakes.len() >= MAX_PENDING_HANDSHAKES {
                return Poll::Pending;
            }
            if let Some(cap) = &self.cap {
                if cap.poll_room(cx).is_pending() {
                    return Poll::Pending;
                }
            }
            match self.raw.poll_accept(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(mut connection)) => {
                    self.next_backoff = FIRST_BACKOFF;
                    if let Some(cap) = &self.cap {
                        connection.info_mut().insert(cap.admit());
                    }
                    if self.upgrades.is_empty() {
                        return Poll::Ready(Ok(connection));
                    }
                    self.spawn_handshake(connection);
                }
                Poll::Ready(Err(e)) if IoClass::of(&e) == IoClass::PerConnection => {
                    debug!(endpoint = %self.description, error = %e, "skipped a failed accept");
                }
                Poll::Ready(Err(e)) if IoClass::of(&e) == IoClass::OutOfResources => {
                    warn!(endpoint = %self.description, error = %e, delay = ?self.next_backoff,
                        "out of resources; backing off before accepting again");
                    self.backoff = Some(Box::pin(tokio::time::sleep(self.next_backoff)));
                    self.next_backoff = (self.next_backoff * 2).min(MAX_BACKOFF);
                }
                Poll::Ready(Err(e)) => {
                    return Poll::Ready(Err(Error::io("accept on", &self.description, e)))
                }
            }
        }
    }

    fn spawn_handshake(&mut self, mut connection: Connection) {
        let upgrades = self.upgrades.clone();
        let span = tracing::debug_span!("handshake", endpoint = %self.description,
            peer = %connection.peer_address());
        self.handshakes.spawn(
            async move {
                for upgrade in upgrades {
                    let limit = upgrade.timeout();
                    match tokio::time::timeout(limit, upgrade.upgrade(connection)).await {
                        Ok(Ok(upgraded)) => connection = upgraded,
                        Ok(Err(e)) => {
                            // A handshake error may quote the peer (a PROXY header, a
                            // request line): escaped, as all peer text in logs.
                            let error = crate::printable(&e.to_string()).into_owned();
                            debug!(layer = upgrade.name(), %error, "handshake failed");
                            return None;
                        }
                        Err(_) => {
                            debug!(layer = upgrade.name(), ?limit, "handshake timed out");
                            return None;
                        }
                    }
                }
                Some(connection)
            }
            .instrument(span),
        );
    }
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("description", &self.description)
            .field("local", &self.local)
            .field("pending_handshakes", &self.handshakes.len())
            .finish()
    }
}

/// Yields connections, then ends after the first error that ends the listener (yielded once),
/// so a consumer that skips errors and polls again (tonic's `serve_with_incoming` does) does
/// not spin on a dead socket.
impl futures_core::Stream for Listener {
    type Item = Result<Connection>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        if this.ended {
            return Poll::Ready(None);
        }
        let next = ready!(this.poll_accept(cx));
        this.ended = next.is_err();
        Poll::Ready(Some(next))
    }
}
