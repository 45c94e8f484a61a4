//! A connection's bytes as a plain kernel socket, for relays that move them without copying.
//!
//! A [`Connection`](crate::Connection) whose bytes are exactly a TCP or unix stream socket's
//! (no TLS, no framing) can give that socket back with
//! [`Connection::into_plain_socket`](crate::Connection::into_plain_socket); a relay then moves
//! its bytes with `splice(2)` through a pipe, never into user space. Transports get this for
//! free by handing a `tokio::net::TcpStream` or `UnixStream` to
//! [`Connection::new`](crate::Connection::new); a layer that reads ahead (a PROXY header)
//! keeps it with [`Connection::with_unread`](crate::Connection::with_unread); a plugin with a
//! stream type of its own that wraps such a socket implements
//! [`SocketBacked`](crate::SocketBacked) and builds its connection with
//! [`Connection::socket_backed`](crate::Connection::socket_backed).

use std::io;
use std::net::Shutdown;
#[cfg(unix)]
use std::os::fd::{AsRawFd, RawFd};
use std::task::{Context, Poll};

use tokio::io::Interest;
use tokio::net::TcpStream;
#[cfg(unix)]
use tokio::net::UnixStream;

/// A connected stream socket registered with tokio: what zero-copy relaying works on.
#[derive(Debug)]
pub enum SocketStream {
    /// A TCP connection.
    Tcp(TcpStream),
    /// A unix stream socket connection.
    #[cfg(unix)]
    Unix(UnixStream),
}

/// A plain socket, plus bytes a layer already read from it that the application has not seen
/// yet (they come before anything still in the socket).
#[derive(Debug)]
#[non_exhaustive]
pub struct PlainSocket {
    /// Bytes read from the socket but not yet returned to the reader; send these first.
    pub unread: Vec<u8>,
    /// The socket itself.
    pub stream: SocketStream,
}

impl PlainSocket {
    /// A socket with nothing read ahead.
    pub fn new(stream: SocketStream) -> Self {
        PlainSocket {
            unread: Vec::new(),
            stream,
        }
    }
}

impl SocketStream {
    /// Polls until the socket may be readable (data, end-of-file or an error), registering
    /// the task to wake when it is.
    ///
    /// # Errors
    /// An error from the reactor.
    pub fn poll_read_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            SocketStream::Tcp(s) => s.poll_read_ready(cx),
            #[cfg(unix)]
            SocketStream::Unix(s) => s.poll_read_ready(cx),
        }
    }

    /// Polls until the socket may be writable, registering the task to wake when it is.
    ///
    /// # Errors
    /// An error from the reactor.
    pub fn poll_write_ready(&self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self {
            SocketStream::Tcp(s) => s.poll_write_ready(cx),
            #[cfg(unix)]
            SocketStream::Unix(s) => s.poll_write_ready(cx),
        }
    }

    /// Runs a non-blocking operation on the socket; a `WouldBlock` from `f` clears the
    /// readiness so the next [`poll_read_ready`](Self::poll_read_ready) or
    /// [`poll_write_ready`](Self::poll_write_ready) waits (tokio's `try_io`).
    ///
    /// # Errors
    /// What `f` returns, or `WouldBlock` when the socket is not ready.
    pub fn try_io<R>(
        &self,
        interest: Interest,
        f: impl FnOnce() -> io::Result<R>,
    ) -> io::Result<R> {
        match self {
            SocketStream::Tcp(s) => s.try_io(interest, f),
            #[cfg(unix)]
            SocketStream::Unix(s) => s.try_io(interest, f),
        }
    }

    /// Ends the write direction (sends FIN on TCP); reading goes on.
    ///
    /// # Errors
    /// The OS error (not connected, ...).
    pub fn shutdown_write(&self) -> io::Result<()> {
        match self {
            SocketStream::Tcp(s) => socket2::SockRef::from(s).shutdown(Shutdown::Write),
            #[cfg(unix)]
            SocketStream::Unix(s) => socket2::SockRef::from(s).shutdown(Shutdown::Write),
        }
    }

    /// Makes closing this socket reset the connection (TCP RST, via `SO_LINGER` 0) instead
    /// of ending it in order, so a peer learns the other side failed; unix sockets have no
    /// reset and close plainly.
    pub fn reset_on_close(&self) {
        if let SocketStream::Tcp(s) = self {
            if let Err(e) = socket2::SockRef::from(s).set_linger(Some(std::time::Duration::ZERO)) {
                tracing::debug!(error = %e, "could not set SO_LINGER 0");
            }
        }
    }
}

#[cfg(unix)]
impl AsRawFd for SocketStream {
    fn as_raw_fd(&self) -> RawFd {
        match self {
            SocketStream::Tcp(s) => s.as_raw_fd(),
            SocketStream::Unix(s) => s.as_raw_fd(),
        }
    }
}
