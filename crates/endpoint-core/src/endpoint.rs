//! The two endpoint traits.

use std::fmt::{Debug, Display};

use crate::authority::Authority;
use crate::connection::Connection;
use crate::description::tree::Description;
use crate::error::Result;
use crate::future::BoxFuture;
use crate::listener::Listener;
use crate::origin::Origin;

/// Knows how to make one connection attempt.
///
/// Construction (parsing a description) does no I/O; [`connect`](ClientEndpoint::connect)
/// does it all. The endpoint's identity is its [`description`](ClientEndpoint::description):
/// a value to compare, classify and serialize; `Display` prints it masked, for people.
#[doc(alias = "IStreamClientEndpoint")]
pub trait ClientEndpoint: Display + Debug + Send + Sync + 'static {
    /// Makes one connection attempt.
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) with the OS reason (refused, unreachable),
    /// [`Error::Timeout`](crate::Error::Timeout) when the endpoint's timeout passes.
    ///
    /// # Cancel safety
    /// Dropping the future cancels the attempt and closes every socket it opened.
    fn connect(&self) -> BoxFuture<'_, Result<Connection>>;

    /// Makes one connection attempt on behalf of an accepted connection (a relay's): the same
    /// as [`connect`](ClientEndpoint::connect), with `origin` as [`Origin::current`] for
    /// every endpoint in the stack, so `haproxy+` can name the real client in a PROXY header
    /// and a router can pick by the server name the client asked for. Endpoints read the
    /// origin with [`Origin::current`]; they do not override this.
    ///
    /// # Errors
    /// As [`connect`](ClientEndpoint::connect).
    fn connect_for(&self, origin: &Origin) -> BoxFuture<'_, Result<Connection>> {
        // The origin is current both while `connect()` builds its future and while that
        // future runs, so an endpoint may read it in either part.
        let future = origin.in_scope(|| self.connect());
        Box::pin(origin.clone().scope(future))
    }

    /// The endpoint as a description value, every default written out: equal for endpoints
    /// that mean the same thing, secrets included. Layers ask it what lies beneath them
    /// (`description().base().kind()`) instead of reading text; `Display` renders it masked.
    fn description(&self) -> Description;

    /// The host name (or address) and port this endpoint ultimately reaches, if it has one.
    ///
    /// Layers above ask for it instead of reading the description: `tls+` verifies and sends
    /// SNI for its host, `ws+` sends it as `Host`. A transport that reaches a named host
    /// (tcp, a proxy's target, a plugin tunnel) reports it; a layer reports its inner
    /// endpoint's; unix sockets and processes have none.
    fn authority(&self) -> Option<Authority> {
        None
    }
}

/// Knows how to start listening.
///
/// The endpoint's identity is its [`description`](ServerEndpoint::description); `Display`
/// prints it masked.
#[doc(alias = "IStreamServerEndpoint")]
pub trait ServerEndpoint: Display + Debug + Send + Sync + 'static {
    /// Starts listening. When it returns, the socket is bound and accepting.
    ///
    /// # Errors
    /// [`Error::Io`](crate::Error::Io) with the OS reason (address in use, permission
    /// denied); then nothing listens and nothing is left behind (no socket file, no lock).
    ///
    /// # Cancel safety
    /// Dropping the future before it completes closes anything it had bound.
    fn bind(&self) -> BoxFuture<'_, Result<Listener>>;

    /// The endpoint as a description value; see [`ClientEndpoint::description`].
    fn description(&self) -> Description;
}
