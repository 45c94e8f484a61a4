//! The stream types a [`Connection`](crate::Connection) can carry, and which of them are plain
//! sockets underneath.

use std::any::Any;

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
#[cfg(unix)]
use tokio::net::UnixStream;

use crate::socket::{PlainSocket, SocketStream};

/// A byte stream a [`Connection`](crate::Connection) can carry: any tokio stream that can be sent between tasks.
///
/// Blanket-implemented; it exists so the stream can be boxed once and downcast back.
pub trait IoStream: AsyncRead + AsyncWrite + Unpin + Send + 'static {
    /// Converts the box into `Box<dyn Any>` for downcasting.
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
    /// Borrows the stream as `&dyn Any` for downcasting.
    fn as_any(&self) -> &dyn Any;
    /// Borrows the stream as `&mut dyn Any` for downcasting.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: AsyncRead + AsyncWrite + Unpin + Send + 'static> IoStream for T {
    fn into_any(self: Box<Self>) -> Box<dyn Any + Send> {
        self
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// A stream type whose bytes are a plain socket's, so a relay may splice that socket directly.
///
/// Implement it for a plugin's own stream type that wraps a TCP or unix socket without
/// changing the bytes (after a handshake of its own, say), and build the connection with
/// [`Connection::socket_backed`](crate::Connection::socket_backed). Streams that transform
/// the bytes (encryption, framing, throttling, counting) must not implement it: splicing
/// bypasses them.
pub trait SocketBacked: IoStream + Sized {
    /// Gives up the stream for its socket, or gives it back unchanged when it cannot.
    ///
    /// # Errors
    /// Returns `self` when the stream is not (or no longer) a plain socket.
    fn into_plain_socket(self) -> Result<PlainSocket, Self>;
}

impl SocketBacked for TcpStream {
    fn into_plain_socket(self) -> Result<PlainSocket, Self> {
        Ok(PlainSocket::new(SocketStream::Tcp(self)))
    }
}

#[cfg(unix)]
impl SocketBacked for UnixStream {
    fn into_plain_socket(self) -> Result<PlainSocket, Self> {
        Ok(PlainSocket::new(SocketStream::Unix(self)))
    }
}

/// Takes a boxed stream apart into its plain socket, or gives it back.
pub(crate) type Unwrap = fn(Box<dyn IoStream>) -> Result<PlainSocket, Box<dyn IoStream>>;
