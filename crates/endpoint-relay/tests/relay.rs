//! The relay over real sockets: half-close kept exact, errors passed on, on both paths
//! (zero-copy splice and user-space copy), tcp↔tcp and tcp↔unix.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use endpoint_core::{Address, Connection, ConnectionInfo};
use endpoint_relay::{relay, Relayed};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};
use tokio::net::{TcpListener, TcpStream, UnixStream};
use tokio::task::JoinHandle;

/// Safety net only: every wait below ends as soon as the bytes or the close arrive.
const LIMIT: Duration = Duration::from_secs(30);

/// A stream the relay cannot see through, so it takes the user-space path (what a TLS or
/// WebSocket stream is to it).
struct Opaque<S>(S);

impl<S: AsyncRead + Unpin> AsyncRead for Opaque<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Opaque<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Path {
    Splice,
    Copy,
    /// The user-space path writing from the reader's own buffer (what a WebSocket stream
    /// lends): a small one, so bulk takes many fills and partial writes.
    Lent,
}

/// The relay's connection over `near` for `path`.
fn near<S: AsyncRead + AsyncWrite + Send + Unpin + 'static>(
    near: S,
    path: Path,
    kind: &'static str,
) -> Connection {
    match path {
        Path::Splice => Connection::new(near, info(kind)),
        Path::Copy => Connection::new(Opaque(near), info(kind)),
        Path::Lent => {
            Connection::buffered(BufReader::with_capacity(1000, Opaque(near)), info(kind))
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Far {
    Tcp,
    Unix,
}

/// A stream a test end can be: any real socket.
trait Duplex: AsyncRead + AsyncWrite + Send + Unpin {}
impl<T: AsyncRead + AsyncWrite + Send + Unpin> Duplex for T {}

/// The end a test drives, opposite one relayed connection.
type End = Box<dyn Duplex>;

async fn read_to_end(end: &mut (impl AsyncRead + Unpin + ?Sized)) -> io::Result<Vec<u8>> {
    let mut all = Vec::new();
    end.read_to_end(&mut all).await?;
    Ok(all)
}

fn info(kind: &'static str) -> ConnectionInfo {
    let address = Address::Inet("127.0.0.1:1".parse().expect("address"));
    ConnectionInfo::new(kind, address.clone(), address)
}

/// A connected tcp pair: (the test's end, the relay's connection).
async fn tcp_pair(path: Path) -> io::Result<(TcpStream, Connection)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let end = TcpStream::connect(listener.local_addr()?).await?;
    let (accepted, _) = listener.accept().await?;
    Ok((end, near(accepted, path, "tcp")))
}

/// A connected pair over a real socket: (the test's end, the relay's connection).
async fn pair(far: Far, path: Path) -> io::Result<(End, Connection)> {
    match far {
        Far::Tcp => {
            let (end, near) = tcp_pair(path).await?;
            Ok((Box::new(end), near))
        }
        Far::Unix => {
            let (end, accepted) = UnixStream::pair()?;
            Ok((Box::new(end), near(accepted, path, "unix")))
        }
    }
}

/// Starts a relay between a tcp connection and a `far` one; returns both test ends.
async fn relayed(
    far: Far,
    path: Path,
) -> io::Result<(TcpStream, End, JoinHandle<io::Result<Relayed>>)> {
    let (left, a) = tcp_pair(path).await?;
    let (right, b) = pair(far, path).await?;
    assert_eq!(a.is_plain_socket(), path == Path::Splice);
    let mut a = a;
    assert_eq!(a.buffered_reader().is_some(), path == Path::Lent);
    let task = tokio::spawn(relay(a, b));
    Ok((left, right, task))
}

fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}

async fn half_close_keeps_the_other_way(far: Far, path: Path) -> io::Result<()> {
    let (mut left, mut right, task) = relayed(far, path).await?;
    let there = pattern(3 << 20, 1);
    let back = pattern(5 << 20, 7);
    // Left sends everything and ends its side; right sees it all, then end-of-file. (Read
    // while writing: more than the socket buffers hold is in flight.)
    let (sent, received) = tokio::time::timeout(LIMIT, async {
        tokio::join!(
            async {
                left.write_all(&there).await?;
                left.shutdown().await
            },
            read_to_end(&mut right)
        )
    })
    .await?;
    sent?;
    let received = received?;
    assert!(
        received == there,
        "{far:?}/{path:?}: bytes there arrive whole"
    );
    // The other way still flows after the first one ended.
    let (sent, returned) = tokio::time::timeout(LIMIT, async {
        tokio::join!(
            async {
                right.write_all(&back).await?;
                right.shutdown().await
            },
            read_to_end(&mut left)
        )
    })
    .await?;
    sent?;
    let returned = returned?;
    assert!(
        returned == back,
        "{far:?}/{path:?}: bytes back arrive whole after half-close"
    );
    let relayed = tokio::time::timeout(LIMIT, task)
        .await??
        .expect("relay ends cleanly");
    assert_eq!(relayed.a_to_b, there.len() as u64);
    assert_eq!(relayed.b_to_a, back.len() as u64);
    assert_eq!(relayed.zero_copy, path == Path::Splice);
    Ok(())
}

async fn both_ways_at_once(far: Far, path: Path) -> io::Result<()> {
    let (left, right, task) = relayed(far, path).await?;
    let there = pattern(4 << 20, 3);
    let back = pattern(4 << 20, 9);
    let (mut left_in, mut left_out) = tokio::io::split(left);
    let (mut right_in, mut right_out) = tokio::io::split(right);
    // Both ends write and read at once: a relay that moved one way at a time would stall.
    let (at_left, at_right, sent_there, sent_back) = tokio::time::timeout(LIMIT, async {
        tokio::join!(
            read_to_end(&mut left_in),
            read_to_end(&mut right_in),
            async {
                left_out.write_all(&there).await?;
                left_out.shutdown().await
            },
            async {
                right_out.write_all(&back).await?;
                right_out.shutdown().await
            },
        )
    })
    .await?;
    sent_there?;
    sent_back?;
    assert!(
        at_left? == back && at_right? == there,
        "{far:?}/{path:?}: both ways whole"
    );
    tokio::time::timeout(LIMIT, task)
        .await??
        .expect("relay ends cleanly");
    Ok(())
}

async fn reset_reaches_the_other_side(far: Far, path: Path) -> io::Result<()> {
    let (mut left, mut right, task) = relayed(far, path).await?;
    // Show the pair works, then reset the left end (SO_LINGER 0, then close: an RST).
    left.write_all(b"ping").await?;
    let mut got = [0u8; 4];
    right.read_exact(&mut got).await?;
    assert_eq!(&got, b"ping");
    socket2::SockRef::from(&left).set_linger(Some(Duration::ZERO))?;
    drop(left);
    // The right end learns promptly: a reset (tcp, splice path) or an end-of-file.
    let mut chunk = [0u8; 64];
    let outcome = tokio::time::timeout(LIMIT, right.read(&mut chunk)).await?;
    match &outcome {
        Ok(0) => {}
        Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {}
        other => panic!("{far:?}/{path:?}: expected a close or a reset, got {other:?}"),
    }
    let relayed = tokio::time::timeout(LIMIT, task).await??;
    assert!(
        relayed.is_err(),
        "{far:?}/{path:?}: the relay reports the reset"
    );
    if let (Far::Tcp, Path::Splice) = (far, path) {
        assert!(
            matches!(outcome, Err(ref e) if e.kind() == io::ErrorKind::ConnectionReset),
            "a spliced tcp pair passes the reset on as a reset, got {outcome:?}"
        );
    }
    Ok(())
}

macro_rules! cases {
    ($($name:ident: $far:expr, $path:expr;)*) => {
        mod half_close {
            use super::*;
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() -> io::Result<()> {
                half_close_keeps_the_other_way($far, $path).await
            })*
        }
        mod both_ways {
            use super::*;
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() -> io::Result<()> {
                both_ways_at_once($far, $path).await
            })*
        }
        mod reset {
            use super::*;
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() -> io::Result<()> {
                reset_reaches_the_other_side($far, $path).await
            })*
        }
    };
}

cases! {
    tcp_tcp_spliced: Far::Tcp, Path::Splice;
    tcp_unix_spliced: Far::Unix, Path::Splice;
    tcp_tcp_copied: Far::Tcp, Path::Copy;
    tcp_unix_copied: Far::Unix, Path::Copy;
    tcp_tcp_lent: Far::Tcp, Path::Lent;
    tcp_unix_lent: Far::Unix, Path::Lent;
}

/// Bytes a layer read ahead (a PROXY header's segment) go first, and the pair is still
/// spliced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unread_bytes_go_first_and_the_pair_is_still_spliced() -> io::Result<()> {
    let (mut left, a) = pair(Far::Tcp, Path::Splice).await?;
    let (mut right, b) = pair(Far::Unix, Path::Splice).await?;
    let a = a.with_unread(b"early ".to_vec());
    assert!(a.is_plain_socket());
    let task = tokio::spawn(relay(a, b));
    left.write_all(b"and late").await?;
    left.shutdown().await?;
    let got = tokio::time::timeout(LIMIT, read_to_end(&mut right)).await??;
    assert_eq!(got, b"early and late");
    right.shutdown().await?;
    let relayed = tokio::time::timeout(LIMIT, task)
        .await??
        .expect("relay ends cleanly");
    assert!(relayed.zero_copy);
    assert_eq!(relayed.a_to_b, 14);
    Ok(())
}

/// A plugin's own stream type that wraps a socket without changing its bytes (here: after a
/// handshake of its own) says so with `SocketBacked`, and is spliced like a bare socket.
struct PluginStream {
    socket: TcpStream,
}

impl AsyncRead for PluginStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.socket).poll_read(cx, buf)
    }
}

impl AsyncWrite for PluginStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.socket).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.socket).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.socket).poll_shutdown(cx)
    }
}

impl endpoint_core::SocketBacked for PluginStream {
    fn into_plain_socket(self) -> Result<endpoint_core::PlainSocket, Self> {
        endpoint_core::SocketBacked::into_plain_socket(self.socket)
            .map_err(|socket| PluginStream { socket })
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_stream_that_wraps_a_socket_is_spliced() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let mut left = TcpStream::connect(listener.local_addr()?).await?;
    let (near, _) = listener.accept().await?;
    let a = Connection::socket_backed(PluginStream { socket: near }, info("plugin"));
    assert!(a.is_plain_socket());
    let (mut right, b) = pair(Far::Unix, Path::Splice).await?;
    let task = tokio::spawn(relay(a, b));
    left.write_all(b"through the plugin").await?;
    left.shutdown().await?;
    let got = tokio::time::timeout(LIMIT, read_to_end(&mut right)).await??;
    assert_eq!(got, b"through the plugin");
    right.shutdown().await?;
    let relayed = tokio::time::timeout(LIMIT, task)
        .await??
        .expect("relay ends cleanly");
    assert!(relayed.zero_copy);
    Ok(())
}
