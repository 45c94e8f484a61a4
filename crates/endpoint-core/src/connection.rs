//! One type-erased byte stream plus what is known about it.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use tokio::io::{AsyncBufRead, AsyncRead, AsyncWrite, ReadBuf};

use crate::address::Address;
use crate::cap::Admitted;
use crate::io_stream::{IoStream, SocketBacked, Unwrap};
use crate::prefixed::Prefixed;
use crate::socket::{PlainSocket, SocketStream};

/// An open connection: a byte stream (`AsyncRead + AsyncWrite`) and its [`ConnectionInfo`].
///
/// Every transport and layer produces this one type, so applications handle TCP, unix sockets
/// and TLS the same way. The concrete stream can be taken back with
/// [`try_into_inner`](Connection::try_into_inner).
pub struct Connection {
    io: Box<dyn IoStream>,
    info: ConnectionInfo,
    /// How to take the plain socket back out of `io`, when its bytes are a socket's.
    plain: Option<Unwrap>,
    /// How to borrow `io`'s own read buffer, when it keeps what it reads in buffers of its own.
    lend: Option<Lend>,
}

/// Borrows a stream's read buffer: `io` as the [`AsyncBufRead`] it is.
type Lend = fn(&mut dyn IoStream) -> Option<Pin<&mut dyn AsyncBufRead>>;

/// Downcasts `io` to `T`, the buffered reader [`Connection::buffered`] was given.
fn lend_as<T: IoStream + AsyncBufRead>(
    io: &mut dyn IoStream,
) -> Option<Pin<&mut dyn AsyncBufRead>> {
    io.as_any_mut()
        .downcast_mut::<T>()
        .map(|stream| Pin::new(stream) as Pin<&mut dyn AsyncBufRead>)
}

impl Connection {
    /// Wraps a stream and what is known about it.
    ///
    /// A `tokio::net::TcpStream` or `UnixStream` is recognised as a
    /// plain socket, so [`into_plain_socket`](Self::into_plain_socket) can give it back to a
    /// zero-copy relay; see [`socket_backed`](Self::socket_backed) for other stream types.
    pub fn new<T: IoStream>(io: T, info: ConnectionInfo) -> Self {
        Connection {
            io: Box::new(io),
            info,
            plain: known_unwrap::<T>(),
            lend: None,
        }
    }

    /// Wraps a stream that keeps what it reads in buffers of its own (an [`AsyncBufRead`],
    /// such as a WebSocket stream holding each message's payload), so a relay can write those
    /// bytes on from where they are (see [`buffered_reader`](Self::buffered_reader)) instead
    /// of copying them into a buffer of its own first.
    ///
    /// ```
    /// use endpoint_core::{Address, Connection, ConnectionInfo};
    /// use tokio::io::{AsyncBufReadExt, BufReader};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let (here, mut there) = tokio::io::duplex(64);
    /// let info = ConnectionInfo::new("duplex", Address::Other("a".into()), Address::Other("b".into()));
    /// let mut connection = Connection::buffered(BufReader::new(here), info);
    /// tokio::io::AsyncWriteExt::write_all(&mut there, b"hello").await?;
    /// let mut lent = Vec::new();
    /// std::future::poll_fn(|cx| {
    ///     let mut reader = connection.buffered_reader().expect("built buffered");
    ///     let bytes = std::task::ready!(reader.as_mut().poll_fill_buf(cx))?;
    ///     lent.extend_from_slice(bytes);
    ///     let n = bytes.len();
    ///     reader.consume(n);
    ///     std::task::Poll::Ready(Ok::<_, std::io::Error>(()))
    /// })
    /// .await?;
    /// assert_eq!(lent, b"hello");
    /// # Ok(())
    /// # }
    /// ```
    pub fn buffered<T: IoStream + AsyncBufRead>(io: T, info: ConnectionInfo) -> Self {
        Connection {
            io: Box::new(io),
            info,
            plain: known_unwrap::<T>(),
            lend: Some(lend_as::<T>),
        }
    }

    /// The stream as the buffered reader it was built as ([`buffered`](Self::buffered)):
    /// read with `poll_fill_buf` and `consume` to use its bytes where they lie. `None` for
    /// other connections.
    pub fn buffered_reader(&mut self) -> Option<Pin<&mut dyn AsyncBufRead>> {
        let lend = self.lend?;
        lend(&mut *self.io)
    }

    /// Wraps a plugin's stream type whose bytes are a plain socket's, so a relay can splice
    /// that socket (see [`SocketBacked`]).
    pub fn socket_backed<T: SocketBacked>(io: T, info: ConnectionInfo) -> Self {
        Connection {
            io: Box::new(io),
            info,
            plain: Some(unwrap_backed::<T>),
            lend: None,
        }
    }

    /// Puts `bytes` before the stream's own: readers see them first. For layers that read
    /// past their handshake (a PROXY header and the first application bytes in one segment);
    /// unlike wrapping the stream by hand, this keeps [`into_plain_socket`](Self::into_plain_socket)
    /// working.
    #[must_use]
    pub fn with_unread(self, bytes: Vec<u8>) -> Self {
        if bytes.is_empty() {
            return self;
        }
        Connection {
            io: Box::new(Prefixed::new(bytes, self.io, self.plain)),
            info: self.info,
            plain: Some(Prefixed::unwrap),
            lend: None,
        }
    }

    /// Makes a connection of a plain socket again (its unread bytes first), e.g. when a relay
    /// cannot splice after all.
    pub fn from_plain_socket(socket: PlainSocket, info: ConnectionInfo) -> Self {
        let connection = match socket.stream {
            SocketStream::Tcp(s) => Connection::new(s, info),
            #[cfg(unix)]
            SocketStream::Unix(s) => Connection::new(s, info),
        };
        connection.with_unread(socket.unread)
    }

    /// True when the bytes are a plain socket's, so [`into_plain_socket`](Self::into_plain_socket)
    /// will succeed.
    pub fn is_plain_socket(&self) -> bool {
        self.plain.is_some()
    }

    /// Gives up the stream for its plain TCP or unix socket (with any bytes a layer read
    /// ahead), for relaying without copying; the connection comes back unchanged when its
    /// bytes are not a socket's (TLS, WebSocket, a child process, ...).
    ///
    /// # Errors
    /// Returns `self` when the stream is not a plain socket.
    pub fn into_plain_socket(self) -> std::result::Result<(PlainSocket, ConnectionInfo), Self> {
        let Some(unwrap) = self.plain else {
            return Err(self);
        };
        match unwrap(self.io) {
            Ok(socket) => Ok((socket, self.info)),
            Err(io) => Err(Connection {
                io,
                info: self.info,
                plain: None,
                lend: self.lend,
            }),
        }
    }

    /// What is known about this connection.
    pub fn info(&self) -> &ConnectionInfo {
        &self.info
    }

    /// Mutable access to the info, for layers that learn something.
    pub fn info_mut(&mut self) -> &mut ConnectionInfo {
        &mut self.info
    }

    /// The local end's address.
    pub fn local_address(&self) -> &Address {
        &self.info.local
    }

    /// The remote end's address.
    pub fn peer_address(&self) -> &Address {
        &self.info.peer
    }

    /// Splits into the boxed stream and the info (what a layer does before wrapping).
    pub fn into_parts(self) -> (Box<dyn IoStream>, ConnectionInfo) {
        (self.io, self.info)
    }

    /// Gives back the concrete stream if it is a `T` (e.g. `tokio::net::TcpStream`), or the
    /// connection unchanged.
    ///
    /// # Errors
    /// Returns `self` when the stream is of another type.
    pub fn try_into_inner<T: IoStream>(self) -> Result<T, Self> {
        if (*self.io).as_any().is::<T>() {
            // The check above guarantees the downcast succeeds.
            match self.io.into_any().downcast::<T>() {
                Ok(t) => Ok(*t),
                Err(_) => unreachable!("type checked above"),
            }
        } else {
            Err(self)
        }
    }

    /// Borrows the concrete stream if it is a `T`.
    pub fn downcast_ref<T: IoStream>(&self) -> Option<&T> {
        (*self.io).as_any().downcast_ref()
    }
}

/// The unwrapper for the stream types every transport uses, recognised by type.
fn known_unwrap<T: IoStream>() -> Option<Unwrap> {
    let id = TypeId::of::<T>();
    if id == TypeId::of::<tokio::net::TcpStream>() {
        return Some(unwrap_backed::<tokio::net::TcpStream>);
    }
    #[cfg(unix)]
    if id == TypeId::of::<tokio::net::UnixStream>() {
        return Some(unwrap_backed::<tokio::net::UnixStream>);
    }
    None
}

/// Downcasts `io` to `T` and asks it for its socket.
fn unwrap_backed<T: SocketBacked>(io: Box<dyn IoStream>) -> Result<PlainSocket, Box<dyn IoStream>> {
    if !(*io).as_any().is::<T>() {
        return Err(io);
    }
    match io.into_any().downcast::<T>() {
        Ok(stream) => (*stream)
            .into_plain_socket()
            .map_err(|stream| Box::new(stream) as Box<dyn IoStream>),
        Err(_) => unreachable!("type checked above"),
    }
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_read(cx, buf)
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().io).poll_write(cx, buf)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut *self.get_mut().io).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut *self.get_mut().io).poll_shutdown(cx)
    }
}

/// What is known about a connection: its two addresses, the transports it went through, and
/// whatever layers learned (peer credentials, TLS details, ...) as typed extensions.
///
/// Cloning is cheap (the extensions are shared), so the info can travel with every request of
/// a connection, as tonic's connect info and hyper-util's response extensions do. A clone
/// describes the connection without being it: it leaves out the [`Admitted`] guard, so only
/// the connection itself counts against its listener's `maxConnections`.
#[derive(Debug)]
#[non_exhaustive]
pub struct ConnectionInfo {
    /// The local end.
    pub local: Address,
    /// The remote end.
    pub peer: Address,
    /// Kinds and layers the bytes pass through, innermost first (`["tcp", "tls"]`).
    pub stack: Vec<&'static str>,
    extensions: Extensions,
}

impl ConnectionInfo {
    /// Info for a fresh connection of `kind` between two addresses.
    pub fn new(kind: &'static str, local: Address, peer: Address) -> Self {
        ConnectionInfo {
            local,
            peer,
            stack: vec![kind],
            extensions: Extensions::default(),
        }
    }

    /// Stores a value a layer learned, replacing one of the same type.
    pub fn insert<T: Any + Send + Sync + fmt::Debug>(&mut self, value: T) {
        self.extensions.0.insert(TypeId::of::<T>(), Arc::new(value));
    }

    /// True when a layer stored anything (which may need to live as long as the connection:
    /// a `maxConnections` admission is one).
    pub fn has_extensions(&self) -> bool {
        !self.extensions.0.is_empty()
    }

    /// Reads a value a layer stored, e.g. `info.get::<PeerCredentials>()`.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<&T> {
        let value: &dyn Extension = &**self.extensions.0.get(&TypeId::of::<T>())?;
        value.as_any().downcast_ref()
    }
}

impl Clone for ConnectionInfo {
    fn clone(&self) -> Self {
        let admitted = TypeId::of::<Admitted>();
        ConnectionInfo {
            local: self.local.clone(),
            peer: self.peer.clone(),
            stack: self.stack.clone(),
            extensions: Extensions(
                (self.extensions.0.iter())
                    .filter(|(id, _)| **id != admitted)
                    .map(|(id, value)| (*id, Arc::clone(value)))
                    .collect(),
            ),
        }
    }
}

trait Extension: Any + Send + Sync + fmt::Debug {
    fn as_any(&self) -> &dyn Any;
}

impl<T: Any + Send + Sync + fmt::Debug> Extension for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

#[derive(Default)]
struct Extensions(HashMap<TypeId, Arc<dyn Extension>>);

impl fmt::Debug for Extensions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.0.values()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cap::Cap;

    #[test]
    fn a_clone_shares_what_layers_learned_but_not_the_connection_count() {
        let cap = Cap::new(1);
        let mut info = ConnectionInfo::new(
            "test",
            Address::Other("here".into()),
            Address::Other("there".into()),
        );
        info.insert(cap.admit());
        info.insert(String::from("learned"));
        let copy = info.clone();
        assert_eq!(copy.get::<String>().map(String::as_str), Some("learned"));
        assert_eq!(copy.stack, ["test"]);
        assert!(copy.get::<Admitted>().is_none());
        assert_eq!(cap.live(), 1);
        drop(info);
        assert_eq!(
            cap.live(),
            0,
            "the clone does not keep the connection counted"
        );
        assert_eq!(copy.get::<String>().map(String::as_str), Some("learned"));
    }
}
