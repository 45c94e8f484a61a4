//! Several listeners as one: [`Listener::merge`], [`MergedServerEndpoint`] and
//! [`servers_from_strings`].

use std::fmt;
use std::io;
use std::sync::Arc;
use std::task::{Context, Poll};

use tracing::error;

use crate::address::Address;
use crate::connection::Connection;
use crate::description::tree::Description;
use crate::endpoint::ServerEndpoint;
use crate::error::Result;
use crate::future::BoxFuture;
use crate::listener::{Accept, Listener};
use crate::registry::Registry;

/// Which listener of a merged one accepted a connection: stored in the connection's
/// [`ConnectionInfo`](crate::ConnectionInfo) by [`Listener::merge`], read with
/// `connection.info().get::<ListenerSource>()`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListenerSource {
    /// The listener's position in the list given to [`Listener::merge`] (for `systemd:`, the
    /// position among the adopted descriptors).
    pub index: usize,
    /// The description of the endpoint that made that listener.
    pub description: String,
    /// The address that listener is bound to.
    pub local: Address,
}

/// The merged listeners, as one accepting socket.
struct Merged {
    parts: Vec<Part>,
    /// Where the next poll starts, so a busy listener cannot starve the others.
    next: usize,
}

struct Part {
    listener: Listener,
    source: ListenerSource,
}

impl Accept for Merged {
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Connection>> {
        // Every listener is polled once (so each has registered the waker) unless one is
        // ready; `at` walks from `next` round the list.
        let mut at = self.next % self.parts.len().max(1);
        let mut left = self.parts.len();
        while left > 0 {
            left -= 1;
            match self.parts[at].listener.poll_accept(cx) {
                Poll::Pending => at = (at + 1) % self.parts.len(),
                Poll::Ready(Ok(mut connection)) => {
                    connection.info_mut().insert(self.parts[at].source.clone());
                    self.next = at + 1;
                    return Poll::Ready(Ok(connection));
                }
                Poll::Ready(Err(e)) => {
                    let part = self.parts.remove(at);
                    if self.parts.is_empty() {
                        return Poll::Ready(Err(io::Error::other(e)));
                    }
                    error!(endpoint = %part.source.description, error = %e,
                        remaining = self.parts.len(), "one merged listener ended; serving the others");
                    // The next listener has moved down into `at`.
                    at %= self.parts.len();
                }
            }
        }
        Poll::Pending
    }

    fn local_address(&self) -> Address {
        self.parts
            .first()
            .map(|p| p.source.local.clone())
            .unwrap_or_else(|| Address::Other("nothing".into()))
    }

    fn listening_sockets(&self) -> Vec<(std::net::SocketAddr, std::os::fd::BorrowedFd<'_>)> {
        self.parts
            .iter()
            .flat_map(|part| part.listener.listening_sockets())
            .collect()
    }
}

impl Listener {
    /// Merges several listeners into one that accepts from all of them.
    ///
    /// Each accepted connection carries a [`ListenerSource`] extension saying which listener
    /// it came from (its index in `listeners`, its description and local address). The
    /// merged listener's [`local_address`](Listener::local_address) is the first listener's;
    /// [`local_addresses`](Listener::local_addresses) lists all of them, in order. Its
    /// description is the listeners' descriptions joined with `", "`. Accepting is fair:
    /// each accept starts polling after the listener that last gave a connection.
    ///
    /// Every listener keeps its own layers, back-off and connection cap. When one of them
    /// ends with a fatal accept error, it is logged and dropped (its socket closed) and the
    /// others keep serving; the merged listener ends, with that error, only when the last one
    /// does. Dropping the merged listener (or stopping the port it runs in) drops every
    /// listener: every port is freed and every unix socket file removed.
    ///
    /// # Examples
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use endpoint_core::{Accept, Address, Connection, ConnectionInfo, Listener, ListenerSource};
    /// # use std::task::{Context, Poll};
    /// /// Gives one connection, then nothing.
    /// struct One(Option<Connection>, Address);
    /// impl Accept for One {
    ///     fn poll_accept(&mut self, _: &mut Context<'_>) -> Poll<std::io::Result<Connection>> {
    ///         self.0.take().map_or(Poll::Pending, |c| Poll::Ready(Ok(c)))
    ///     }
    ///     fn local_address(&self) -> Address { self.1.clone() }
    /// }
    /// let here = Address::Other("b".into());
    /// let info = ConnectionInfo::new("test", here.clone(), Address::Other("peer".into()));
    /// let a = Listener::new(One(None, Address::Other("a".into())), "a");
    /// let b = Listener::new(One(Some(Connection::new(tokio::io::empty(), info)), here), "b");
    /// let mut both = Listener::merge(vec![a, b]);
    /// assert_eq!(both.local_addresses().len(), 2);
    /// let connection = both.accept().await?;
    /// let source = connection.info().get::<ListenerSource>().unwrap();
    /// assert_eq!((source.index, source.description.as_str()), (1, "b"));
    /// # Ok(()) }
    /// ```
    ///
    /// # Panics
    /// When `listeners` is empty: a merged listener needs something to accept from.
    pub fn merge(listeners: Vec<Listener>) -> Listener {
        assert!(
            !listeners.is_empty(),
            "Listener::merge needs at least one listener"
        );
        let locals: Vec<Address> = listeners
            .iter()
            .map(|l| l.local_address().clone())
            .collect();
        let description = listeners
            .iter()
            .map(Listener::description)
            .collect::<Vec<_>>()
            .join(", ");
        let parts = listeners
            .into_iter()
            .enumerate()
            .map(|(index, listener)| Part {
                source: ListenerSource {
                    index,
                    description: listener.description().to_owned(),
                    local: listener.local_address().clone(),
                },
                listener,
            })
            .collect();
        Listener::new(Merged { parts, next: 0 }, description).with_local_addresses(locals)
    }
}

/// Several server endpoints listening as one: [`bind`](ServerEndpoint::bind) binds each, in
/// order, and [merges](Listener::merge) their listeners.
///
/// `Display` prints the descriptions joined with `", "` (a list, not one description).
///
/// # Examples
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # use endpoint_core::{Accept, Address, Connection, Listener, BoxFuture, ServerEndpoint, MergedServerEndpoint};
/// # use std::sync::Arc;
/// # use std::task::{Context, Poll};
/// # #[derive(Debug)] struct Nowhere(&'static str);
/// # impl std::fmt::Display for Nowhere { fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.0) } }
/// # struct Nothing(&'static str);
/// # impl Accept for Nothing {
/// #     fn poll_accept(&mut self, _: &mut Context<'_>) -> Poll<std::io::Result<Connection>> { Poll::Pending }
/// #     fn local_address(&self) -> Address { Address::Other(self.0.into()) }
/// # }
/// # impl ServerEndpoint for Nowhere {
/// #     fn bind(&self) -> BoxFuture<'_, endpoint_core::Result<Listener>> {
/// #         Box::pin(async move { Ok(Listener::new(Nothing(self.0), self)) })
/// #     }
/// #     fn description(&self) -> endpoint_core::description::Description { endpoint_core::description::Description::new(self.0) }
/// # }
/// let both = MergedServerEndpoint::new(vec![Arc::new(Nowhere("a")), Arc::new(Nowhere("b"))]);
/// assert_eq!(both.to_string(), "a, b");
/// let listener = both.bind().await?;
/// assert_eq!(listener.local_addresses(), [Address::Other("a".into()), Address::Other("b".into())]);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct MergedServerEndpoint {
    parts: Vec<Arc<dyn ServerEndpoint>>,
}

impl MergedServerEndpoint {
    /// Listens on every endpoint in `parts` at once.
    pub fn new(parts: Vec<Arc<dyn ServerEndpoint>>) -> Self {
        MergedServerEndpoint { parts }
    }

    /// The endpoints, in order.
    pub fn parts(&self) -> &[Arc<dyn ServerEndpoint>] {
        &self.parts
    }

    /// Binds every endpoint, in order, and gives each listener separately.
    ///
    /// # Errors
    /// The first bind error; the listeners bound before it are dropped (closed) first.
    ///
    /// # Cancel safety
    /// Dropping the future closes every listener it bound.
    pub async fn bind_each(&self) -> Result<Vec<Listener>> {
        let mut listeners = Vec::with_capacity(self.parts.len());
        for part in &self.parts {
            listeners.push(part.bind().await?);
        }
        Ok(listeners)
    }
}

impl fmt::Display for MergedServerEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.description().fmt(f)
    }
}

impl ServerEndpoint for MergedServerEndpoint {
    /// Binds every endpoint and merges the listeners (see [`Listener::merge`]).
    ///
    /// # Errors
    /// The first bind error ([`Error::Io`](crate::Error::Io) names that endpoint); nothing
    /// is left listening. An empty list is an `InvalidInput` I/O error.
    ///
    /// # Cancel safety
    /// Dropping the future closes every listener it bound.
    fn bind(&self) -> BoxFuture<'_, Result<Listener>> {
        Box::pin(async move {
            if self.parts.is_empty() {
                return Err(crate::Error::io(
                    "listen on",
                    "an empty list of server descriptions",
                    io::Error::new(io::ErrorKind::InvalidInput, "nothing to listen on"),
                ));
            }
            Ok(Listener::merge(self.bind_each().await?))
        })
    }

    /// Every part's description, in order.
    fn description(&self) -> Description {
        Description::merged(self.parts.iter().map(|p| p.description()))
    }
}

/// Parses several server descriptions with every kind linked into the program, into one
/// endpoint that listens on all of them (see [`MergedServerEndpoint`]).
///
/// Every description is parsed before anything is bound, so a bad one fails at once.
///
/// # Errors
/// The first description's parse error (see [`Registry::server`]).
///
/// # Examples
/// ```
/// let both = endpoint_core::servers_from_strings(&["nothing:1"]);
/// assert!(both.is_err()); // no kinds are linked into endpoint-core's own doctests
/// ```
pub fn servers_from_strings<S: AsRef<str>>(descriptions: &[S]) -> Result<MergedServerEndpoint> {
    Registry::global().servers(descriptions)
}

impl Registry {
    /// Parses several server descriptions into one endpoint that listens on all of them
    /// (see [`MergedServerEndpoint`]).
    ///
    /// # Errors
    /// The first description's parse error (see [`Registry::server`]).
    pub fn servers<S: AsRef<str>>(&self, descriptions: &[S]) -> Result<MergedServerEndpoint> {
        descriptions
            .iter()
            .map(|d| self.server(d.as_ref()))
            .collect::<Result<_>>()
            .map(MergedServerEndpoint::new)
    }
}
