//! Listeners: accepting connections, with handshakes off the accept path.

use std::fmt;
use std::future::{poll_fn, Future};
use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{ready, Context, Poll};
use std::time::Duration;

use tokio::time::Sleep;
use tracing::{debug, warn};

use crate::address::Address;
use crate::admission::{Admission, Gate};
use crate::cap::Cap;
use crate::connection::Connection;
use crate::error::{Error, Result};
use crate::handshakes::{HandshakeLimits, Handshakes};
use crate::io_class::IoClass;
use crate::layer::Upgrade;

/// A bound socket that yields raw connections; what a transport implements.
pub trait Accept: Send + 'static {
    /// Polls for the next connection. Errors are raw OS errors; the [`Listener`] decides
    /// which ones to skip, back off on, or end with.
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Connection>>;

    /// The address actually bound (with the real port when `0` was asked for).
    fn local_address(&self) -> Address;

    /// The listening sockets with their addresses, for [handing over](crate::handover) to
    /// the next listener on the same address. Empty (the default) when the transport has
    /// none to give; `tcp` gives its socket, a merged listener those of its parts.
    fn listening_sockets(&self) -> Vec<(std::net::SocketAddr, BorrowedFd<'_>)> {
        Vec::new()
    }

    /// Takes over the `maxHandshakes=`/`maxHandshakesPerSource=`/`maxHandshakeTime=` limits
    /// for a transport whose handshakes the [`Listener`] does not run (QUIC's happen inside
    /// the transport, before it yields anything). Returns `true` when it applies them; the
    /// default, `false`, leaves them to the listener's handshake table. Only the limits a
    /// description set differ from [`HandshakeLimits::default`]; a transport may keep its
    /// own defaults for the others.
    fn limit_handshakes(&mut self, limits: HandshakeLimits) -> bool {
        let _ = limits;
        false
    }

    /// Takes over `maxConnections=` for a transport whose connections are not what it yields
    /// (QUIC yields streams, many to one QUIC connection, and must also count handshakes
    /// that never yield anything): the transport then holds at most `max` of its own
    /// connections, and the [`Listener`] does not count what it yields. The default, `false`,
    /// leaves the counting to the listener.
    fn limit_connections(&mut self, max: usize) -> bool {
        let _ = max;
        false
    }

    /// How many of its own connections count against the cap a transport took with
    /// [`limit_connections`](Accept::limit_connections) (`None` when it took none).
    fn live_connections(&self) -> Option<usize> {
        None
    }

    /// Takes over judging `allow=`/`deny=` for a transport that can refuse an attempt before
    /// it becomes a connection (QUIC judges a client's first packet, before any handshake
    /// state is kept): the transport asks `gate` about each peer, which counts and logs the
    /// refusals. Returns `true` when it does; the default, `false`, leaves the judging to the
    /// [`Listener`], on accept.
    fn admit_by_address(&mut self, gate: &Gate) -> bool {
        let _ = gate;
        false
    }
}

const FIRST_BACKOFF: Duration = Duration::from_millis(10);
const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// A listening socket: accept connections one by one, as a `Stream`, or hand them to a handler
/// with [`listen`](Listener::listen).
///
/// Per-connection accept errors (a peer that reset before accept) are skipped; running out of
/// descriptors or buffers (EMFILE, ENFILE, ENOBUFS, ENOMEM) backs off, up to a second, and
/// retries; only other errors end the listener. [`IoClass`] says which errno is which. Dropping a listener closes its socket (and
/// removes a unix socket file it created).
///
/// Layers' handshakes run in tasks of their own, in a bounded table
/// ([`with_handshake_limits`](Listener::with_handshake_limits)): accepting never stops because
/// handshakes are pending. When a source has too many, or the table (or
/// [`maxConnections`](Listener::with_max_connections)) is full, a pending handshake is closed
/// to make room for the newcomer.
pub struct Listener {
    raw: Box<dyn Accept>,
    local: Address,
    /// Every address a merged listener is bound to (`[local]` for one listener).
    locals: Vec<Address>,
    description: String,
    upgrades: Vec<Arc<dyn Upgrade>>,
    handshakes: Handshakes,
    backoff: Option<Pin<Box<Sleep>>>,
    next_backoff: Duration,
    cap: Option<Arc<Cap>>,
    /// `allow=`/`deny=`/`allowUid=`/`allowGid=`, when given.
    gate: Option<Gate>,
    /// The transport judges addresses itself ([`Accept::admit_by_address`]).
    transport_admits: bool,
    events: Option<Arc<dyn crate::ListenerEvents>>,
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
            handshakes: Handshakes::new(),
            backoff: None,
            next_backoff: FIRST_BACKOFF,
            cap: None,
            gate: None,
            transport_admits: false,
            events: None,
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
    /// description sets this. A `max` of 0 is taken as 1. A transport may count its own
    /// connections instead ([`Accept::limit_connections`]): a `quic` listener counts QUIC
    /// connections, handshakes included, and refuses new ones at the cap.
    ///
    /// Connections still in their handshakes do not lock the cap: at the cap, while some
    /// are, the listener accepts the next connection and closes a pending handshake for it
    /// (the oldest of the source holding the most), so idle sockets that never finish a TLS
    /// handshake cannot keep every client out. Established connections are never closed.
    pub fn with_max_connections(mut self, max: usize) -> Self {
        let max = max.max(1);
        self.cap = (!self.raw.limit_connections(max)).then(|| Cap::new(max));
        self
    }

    /// How many connections count against the cap now, if there is one.
    pub fn live_connections(&self) -> Option<usize> {
        match &self.cap {
            Some(cap) => Some(cap.live()),
            None => self.raw.live_connections(),
        }
    }

    /// Bounds the handshakes pending at once, per source and in all, and how long one
    /// connection may spend in them; see [`HandshakeLimits`] (default: 1024 pending, 64 per
    /// source, each layer's own timeout). `maxHandshakes=`, `maxHandshakesPerSource=` and
    /// `maxHandshakeTime=` in a server description set these.
    ///
    /// The limits never stop the listener from accepting: a newcomer from a source at its
    /// limit closes that source's oldest pending handshake; a newcomer that finds the table
    /// full closes the oldest pending handshake of the source holding the most. A flood from
    /// one address thus closes its own sockets, and clients from elsewhere keep their place.
    /// A listener without layers has no handshakes, and these limits do nothing.
    ///
    /// # Examples
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> endpoints::Result<()> {
    /// use std::time::Duration;
    /// use endpoints::HandshakeLimits; // endpoint_core's, through the facade that links tcp
    /// let listener = endpoints::server_from_string("tcp:0:interface=127.0.0.1")?
    ///     .bind()
    ///     .await?
    ///     .with_handshake_limits(
    ///         HandshakeLimits::default()
    ///             .max_per_source(8)
    ///             .max_time(Some(Duration::from_secs(5))),
    ///     );
    /// assert_eq!(listener.handshake_limits().per_source(), 8);
    /// assert_eq!(listener.pending_handshakes(), 0);
    /// # Ok(()) }
    /// ```
    pub fn with_handshake_limits(mut self, limits: HandshakeLimits) -> Self {
        // A transport with handshakes of its own (QUIC) applies them there as well.
        self.raw.limit_handshakes(limits);
        self.handshakes.set_limits(limits);
        self
    }

    /// Tells `events` about connections that end before they are yielded: failed handshakes,
    /// and pending handshakes closed to make room (for metrics; see [`ListenerEvents`](crate::ListenerEvents)).
    pub fn with_events(mut self, events: Arc<dyn crate::ListenerEvents>) -> Self {
        if let Some(gate) = &self.gate {
            gate.set_events(Arc::clone(&events));
        }
        self.handshakes.set_events(Arc::clone(&events));
        self.events = Some(events);
        self
    }

    /// Admits only the peers `admission` admits (`allow=`, `deny=`, `allowUid=`,
    /// `allowGid=` in a server description set this). A refused connection is closed before
    /// any handshake, never yielded, counted ([`ListenerEvents::address_refused`](crate::ListenerEvents::address_refused))
    /// and logged at debug.
    ///
    /// Addresses are judged on the address accepted, unless a layer reveals the real client
    /// behind it ([`Upgrade::reveals_peer`]: a PROXY header from a trusted sender); then right
    /// after the last such layer's handshake, before any later layer's (TLS, WebSocket).
    /// Unix credentials are judged on accept. A transport may judge addresses itself, before
    /// a connection exists ([`Accept::admit_by_address`]; QUIC does).
    ///
    /// # Examples
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> endpoints::Result<()> {
    /// use endpoint_core::description::parse_cidr_list;
    /// use endpoint_core::Admission;
    /// let admission = Admission::default().deny(parse_cidr_list("127.0.0.0/8").unwrap());
    /// let listener = endpoints::server_from_string("tcp:0:interface=127.0.0.1")?
    ///     .bind()
    ///     .await?
    ///     .with_admission(admission.clone());
    /// assert_eq!(listener.admission(), Some(&admission));
    /// # Ok(()) }
    /// ```
    pub fn with_admission(mut self, admission: Admission) -> Self {
        if admission.is_open() {
            self.gate = None;
            return self;
        }
        let gate = Gate::new(admission, &self.description);
        if let Some(events) = &self.events {
            gate.set_events(Arc::clone(events));
        }
        self.transport_admits =
            gate.admission().judges_addresses() && self.raw.admit_by_address(&gate);
        self.gate = Some(gate);
        self
    }

    /// Who may connect, when [`with_admission`](Listener::with_admission) said.
    pub fn admission(&self) -> Option<&Admission> {
        self.gate.as_ref().map(Gate::admission)
    }

    /// True when some layer reveals the real client behind the accepted address (a PROXY
    /// header reader with trusted senders): `allow=`/`deny=` then judge the revealed one.
    pub fn reveals_peer(&self) -> bool {
        self.upgrades.iter().any(|u| u.reveals_peer())
    }

    /// Judges a connection just accepted: its unix credentials, and its address unless the
    /// transport did or a layer will reveal another. False when it is refused.
    fn admit_on_accept(&self, connection: &Connection) -> bool {
        let Some(gate) = &self.gate else {
            return true;
        };
        let rules = gate.admission();
        if rules.judges_credentials() && !gate.admits_credentials(connection.info()) {
            return false;
        }
        if rules.judges_addresses() && !self.transport_admits && !self.reveals_peer() {
            return gate.admits_address(connection.peer_address());
        }
        true
    }

    /// Where a layer's handshake reveals the peer to judge: after the last such upgrade.
    fn judge_after(&self) -> Option<(usize, Gate)> {
        let gate = self.gate.as_ref()?;
        if !gate.admission().judges_addresses() {
            return None;
        }
        let at = self.upgrades.iter().rposition(|u| u.reveals_peer())?;
        Some((at, gate.clone()))
    }

    /// The limits on pending handshakes.
    pub fn handshake_limits(&self) -> HandshakeLimits {
        self.handshakes.limits()
    }

    /// How many accepted connections are still in their layers' handshakes.
    pub fn pending_handshakes(&self) -> usize {
        self.handshakes.len()
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

    /// Duplicates of the listening sockets, with their addresses: what a
    /// [`ListeningPort`](crate::ListeningPort) keeps to hand its sockets over
    /// ([`handover`](crate::handover)).
    pub(crate) fn duplicate_sockets(&self) -> Vec<(std::net::SocketAddr, OwnedFd)> {
        self.raw
            .listening_sockets()
            .into_iter()
            .filter_map(|(address, fd)| fd.try_clone_to_owned().ok().map(|fd| (address, fd)))
            .collect()
    }

    /// The listening sockets of the transport, for a merged listener's parts.
    pub(crate) fn listening_sockets(&self) -> Vec<(std::net::SocketAddr, BorrowedFd<'_>)> {
        self.raw.listening_sockets()
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
            if let Poll::Ready(connection) = self.handshakes.poll_done(cx) {
                return Poll::Ready(Ok(connection));
            }
            if let Some(sleep) = self.backoff.as_mut() {
                if sleep.as_mut().poll(cx).is_pending() {
                    return Poll::Pending;
                }
                self.backoff = None;
            }
            // At the cap, wait for a connection to end, unless one still in its handshakes can
            // give its place to the next one.
            if let Some(cap) = &self.cap {
                if self.handshakes.len() == 0 && cap.poll_room(cx).is_pending() {
                    return Poll::Pending;
                }
            }
            match self.raw.poll_accept(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Ok(mut connection)) => {
                    self.next_backoff = FIRST_BACKOFF;
                    if !self.admit_on_accept(&connection) {
                        // Closed before any byte is read or written.
                        drop(connection);
                        continue;
                    }
                    if self.upgrades.is_empty() {
                        if let Some(cap) = &self.cap {
                            connection.info_mut().insert(cap.admit());
                        }
                        return Poll::Ready(Ok(connection));
                    }
                    let cap_full = self.cap.as_ref().is_some_and(|cap| cap.is_full());
                    self.handshakes
                        .make_room(connection.peer_address(), cap_full);
                    let admitted = self.cap.as_ref().map(|cap| cap.admit());
                    let judge = self.judge_after();
                    self.handshakes.spawn(
                        connection,
                        admitted,
                        self.upgrades.clone(),
                        judge,
                        &self.description,
                    );
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
