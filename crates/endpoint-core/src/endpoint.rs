//! The two endpoint traits.

use std::fmt::{Debug, Display};

use crate::authority::Authority;
use crate::connection::Connection;
use crate::error::Result;
use crate::future::BoxFuture;
use crate::listener::Listener;

/// Knows how to make one connection attempt.
///
/// Construction (parsing a description) does no I/O; [`connect`](ClientEndpoint::connect)
/// does it all. `Display` prints the endpoint's canonical description.
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
/// `Display` prints the endpoint's canonical description.
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
}
