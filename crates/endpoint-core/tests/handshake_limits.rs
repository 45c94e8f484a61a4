//! The pending-handshake table of a listener: when it is full, the busiest source's oldest
//! handshake is closed for a newcomer (accepting never stops), and `maxHandshakeTime` bounds
//! all of a connection's handshakes together. Real sockets on 127.0.0.1, .2 and .3; the layer
//! is a stand-in whose handshake is "send one byte", so the test decides who finishes.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use endpoint_core::{
    Accept, Address, BoxFuture, Connection, ConnectionInfo, HandshakeLimits, Listener, Upgrade,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::mpsc;

type TestResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

const SAFETY: Duration = Duration::from_secs(20);

/// A plain TCP accepting socket.
struct Tcp(TcpListener, SocketAddr);

impl Accept for Tcp {
    fn poll_accept(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<Connection>> {
        self.0.poll_accept(cx).map_ok(|(stream, peer)| {
            let info = ConnectionInfo::new("tcp", Address::Inet(self.1), Address::Inet(peer));
            Connection::new(stream, info)
        })
    }

    fn local_address(&self) -> Address {
        Address::Inet(self.1)
    }
}

/// A handshake that is done when the peer sends one byte, or after a minute.
struct OneByte;

impl Upgrade for OneByte {
    fn name(&self) -> &'static str {
        "one-byte"
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(60)
    }

    fn upgrade(
        &self,
        mut connection: Connection,
    ) -> BoxFuture<'static, endpoint_core::Result<Connection>> {
        Box::pin(async move {
            let mut byte = [0u8; 1];
            connection
                .read_exact(&mut byte)
                .await
                .map_err(|e| endpoint_core::Error::io("read from", "one-byte", e))?;
            Ok(connection)
        })
    }
}

async fn listener(upgrades: usize, limits: HandshakeLimits) -> io::Result<(Listener, u16)> {
    listener_on("127.0.0.1:0", upgrades, limits).await
}

async fn listener_on(
    address: &str,
    upgrades: usize,
    limits: HandshakeLimits,
) -> io::Result<(Listener, u16)> {
    let socket = TcpListener::bind(address).await?;
    let local = socket.local_addr()?;
    let mut listener = Listener::new(Tcp(socket, local), "tcp:0").with_handshake_limits(limits);
    for _ in 0..upgrades {
        listener = listener.with_upgrade(Arc::new(OneByte));
    }
    Ok((listener, local.port()))
}

async fn connect(from: [u8; 4], port: u16) -> io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(IpAddr::V4(Ipv4Addr::from(from)), 0))?;
    socket
        .connect(SocketAddr::from(([127, 0, 0, 1], port)))
        .await
}

/// Polls `listener` until `done`, failing if a connection completes meanwhile.
async fn drive_until(listener: &mut Listener, done: impl Fn(&Listener) -> bool) -> TestResult {
    tokio::time::timeout(
        SAFETY,
        std::future::poll_fn(|cx| match listener.poll_accept(cx) {
            Poll::Ready(Ok(_)) => Poll::Ready(Err("no handshake was finished yet")),
            Poll::Ready(Err(_)) => Poll::Ready(Err("the listener ended")),
            Poll::Pending if done(listener) => Poll::Ready(Ok(())),
            Poll::Pending => Poll::Pending,
        }),
    )
    .await??;
    Ok(())
}

/// Runs `listener` in a task, sending each completed connection's peer address.
fn serve(mut listener: Listener) -> mpsc::UnboundedReceiver<(Address, Connection)> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(connection) = listener.accept().await {
            let peer = connection.peer_address().clone();
            if tx.send((peer, connection)).is_err() {
                return;
            }
        }
    });
    rx
}

async fn closed_by_server(socket: &mut TcpStream) -> bool {
    let mut buf = [0u8; 4];
    matches!(
        tokio::time::timeout(SAFETY, socket.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

#[tokio::test]
async fn a_full_table_closes_the_busiest_sources_oldest_handshake() -> TestResult {
    let limits = HandshakeLimits::default().max_pending(3).max_per_source(3);
    let (mut listener, port) = listener(1, limits).await?;
    // The oldest pending handshake is B's; A holds two.
    let mut b = connect([127, 0, 0, 2], port).await?;
    drive_until(&mut listener, |l| l.pending_handshakes() == 1).await?;
    let mut a1 = connect([127, 0, 0, 1], port).await?;
    drive_until(&mut listener, |l| l.pending_handshakes() == 2).await?;
    let mut a2 = connect([127, 0, 0, 1], port).await?;
    drive_until(&mut listener, |l| l.pending_handshakes() == 3).await?;
    // The table is full; a newcomer from C is still accepted, and A loses its oldest.
    let mut rx = serve(listener);
    let mut c = connect([127, 0, 0, 3], port).await?;
    assert!(closed_by_server(&mut a1).await, "A's oldest was left open");
    // B, A's newer one and C are all still pending: each finishes when it sends its byte.
    for (socket, peer) in [(&mut b, 2), (&mut a2, 1), (&mut c, 3)] {
        socket.write_all(b"x").await?;
        let (address, _connection) = tokio::time::timeout(SAFETY, rx.recv())
            .await?
            .ok_or("the listener ended")?;
        let ip = address.as_inet().ok_or("not inet")?.ip();
        assert_eq!(ip, IpAddr::V4(Ipv4Addr::new(127, 0, 0, peer)));
    }
    Ok(())
}

#[tokio::test]
async fn max_handshake_time_bounds_every_layer_together() -> TestResult {
    // Two layers of a minute each, at most a quarter of a second for both.
    let limits = HandshakeLimits::default().max_time(Some(Duration::from_millis(250)));
    let (listener, port) = listener(2, limits).await?;
    let _rx = serve(listener);
    let mut slow = connect([127, 0, 0, 1], port).await?;
    slow.write_all(b"x").await?; // the first layer's handshake is done; the second never is
                                 // Closed long before the second layer's own minute is up.
    assert!(closed_by_server(&mut slow).await);
    Ok(())
}

#[tokio::test]
async fn an_ipv6_source_is_its_slash_64() -> TestResult {
    let limits = HandshakeLimits::default().max_per_source(1);
    let Ok((mut listener, port)) = listener_on("[::1]:0", 1, limits).await else {
        eprintln!("no IPv6 loopback here; skipped");
        return Ok(());
    };
    let mut first = TcpStream::connect(("::1", port)).await?;
    drive_until(&mut listener, |l| l.pending_handshakes() == 1).await?;
    let mut rx = serve(listener);
    let mut second = TcpStream::connect(("::1", port)).await?;
    assert!(
        closed_by_server(&mut first).await,
        "the /64's oldest was left open"
    );
    second.write_all(b"x").await?;
    let (address, _connection) = tokio::time::timeout(SAFETY, rx.recv())
        .await?
        .ok_or("the listener ended")?;
    assert_eq!(
        address.as_inet().ok_or("not inet")?.ip(),
        IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1])
    );
    Ok(())
}
