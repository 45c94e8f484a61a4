//! The two endpoint traits.

use std::fmt::{Debug, Display};
use std::future::Future;
use std::pin::Pin;

use crate::connection::Connection;
use crate::error::Result;
use crate::listener::Listener;

/// A boxed, `Send` future: what the object-safe endpoint traits return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

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
