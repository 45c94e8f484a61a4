//! Idle sockets that never finish a handshake cannot stop a TLS listener (issue 19 items 4 and
//! 23): a flood from one address closes its own pending handshakes, a tiny `maxConnections=`
//! is not filled by them, and a client from another address completes its handshake while the
//! flood is still held. Loopback only: the flood comes from 127.0.0.1, the good client from
//! 127.0.0.2 (Linux routes all of 127/8 to `lo`).

use std::future::poll_fn;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::task::Poll;
use std::time::Instant;

use endpoint_testkit::{TestPki, TestResult, SAFETY};
use endpoints::{client_from_string, server_from_string, Connection, Listener};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio::task::JoinSet;

const FLOODER: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
const GOOD: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

/// A TLS server on 127.0.0.1 whose layer waits a minute for a handshake, so that on a listener
/// that cannot make room, the idle sockets hold their places far longer than any test waits.
async fn tls_server(pki: &TestPki, extra: &str) -> TestResult<(Listener, u16)> {
    let description = format!(
        "tls+tcp:0:interface=127.0.0.1:backlog=1024:certificate={}:handshakeTimeout=60{extra}",
        pki.arg("server.pem")
    );
    let listener = server_from_string(&description)?.bind().await?;
    let port = listener.local_address().port().ok_or("no port")?;
    Ok((listener, port))
}

/// A plain TCP connection from `from` that never says anything.
async fn idle_socket(from: IpAddr, port: u16) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    socket
        .connect(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), port))
        .await
}

/// A TLS client from `from` that says hello and reads the echo.
async fn good_client(pki: &TestPki, from: IpAddr, port: u16) -> TestResult<Vec<u8>> {
    let client = client_from_string(&format!(
        "tls+tcp:127.0.0.1:{port}:bindAddress={from}:hostname=localhost:trustRoots={}",
        pki.arg("ca.pem")
    ))?;
    let mut connection = client.connect().await?;
    connection.write_all(b"hello").await?;
    let mut answer = [0u8; 5];
    connection.read_exact(&mut answer).await?;
    Ok(answer.to_vec())
}

/// Echoes one connection.
async fn echo(mut connection: Connection) {
    let mut buf = [0u8; 1024];
    while let Ok(n @ 1..) = connection.read(&mut buf).await {
        if connection.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

/// Drives `listener` (echoing whatever completes) until `done` says so.
async fn drive_until(listener: &mut Listener, done: impl Fn(&Listener) -> bool) -> TestResult {
    tokio::time::timeout(
        SAFETY,
        poll_fn(|cx| loop {
            match listener.poll_accept(cx) {
                Poll::Ready(Ok(connection)) => {
                    tokio::spawn(echo(connection));
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending if done(listener) => return Poll::Ready(Ok(())),
                Poll::Pending => return Poll::Pending,
            }
        }),
    )
    .await??;
    Ok(())
}

/// True when the server has closed `socket` (end of stream or reset), within the safety net.
async fn closed_by_server(socket: &mut TcpStream) -> bool {
    let mut buf = [0u8; 16];
    matches!(
        tokio::time::timeout(SAFETY, socket.read(&mut buf)).await,
        Ok(Ok(0) | Err(_))
    )
}

/// How many descriptors this process may open (the soft limit), from /proc.
fn descriptor_limit() -> usize {
    std::fs::read_to_string("/proc/self/limits")
        .ok()
        .and_then(|text| {
            let line = text.lines().find(|l| l.starts_with("Max open files"))?;
            line.split_whitespace().nth(3)?.parse().ok()
        })
        .unwrap_or(1024)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_idle_sockets_from_one_address_does_not_keep_others_out() -> TestResult {
    let pki = TestPki::new();
    let (listener, port) = tls_server(&pki, "").await?;
    let serving = listener.listen(echo);
    // 2,000 idle sockets (fewer if the descriptor limit is low: each costs the test one
    // descriptor and the server at most one more), more than the 1,024 pending handshakes a
    // listener used to allow before it stopped accepting.
    let flood_size = 2000.min(descriptor_limit().saturating_sub(200) / 2);
    assert!(
        flood_size > 1100,
        "the descriptor limit is too low for this test"
    );
    let mut connecting = JoinSet::new();
    for _ in 0..flood_size {
        connecting.spawn(tokio::time::timeout(SAFETY, idle_socket(FLOODER, port)));
    }
    let mut flood = Vec::with_capacity(flood_size);
    while let Some(connected) = connecting.join_next().await {
        if let Ok(Ok(socket)) = connected? {
            flood.push(socket);
        }
    }
    let start = Instant::now();
    let answer = tokio::time::timeout(SAFETY, good_client(&pki, GOOD, port)).await??;
    let took = start.elapsed();
    assert_eq!(answer, b"hello");
    eprintln!(
        "good client's TLS handshake and echo took {took:?} with {} idle sockets held",
        flood.len()
    );
    // The flood is still held: the good client got in beside it, not after it.
    assert!(
        flood.len() > 1100,
        "only {} idle sockets connected",
        flood.len()
    );
    drop(flood);
    serving.stop_listening().await;
    Ok(())
}

#[tokio::test]
async fn idle_sockets_do_not_fill_a_tiny_max_connections() -> TestResult {
    let pki = TestPki::new();
    let (mut listener, port) = tls_server(&pki, ":maxConnections=5").await?;
    let mut idle = Vec::new();
    for _ in 0..5 {
        idle.push(idle_socket(FLOODER, port).await?);
    }
    // All five are accepted and sit in their handshakes: the cap is full.
    drive_until(&mut listener, |l| l.live_connections() == Some(5)).await?;
    let serving = listener.listen(echo);
    let answer = tokio::time::timeout(SAFETY, good_client(&pki, GOOD, port)).await??;
    assert_eq!(answer, b"hello");
    // The oldest idle socket gave its place to the good client.
    assert!(closed_by_server(&mut idle[0]).await);
    serving.stop_listening().await;
    Ok(())
}

#[tokio::test]
async fn a_source_at_its_limit_loses_its_own_oldest_handshakes() -> TestResult {
    let pki = TestPki::new();
    let (mut listener, port) = tls_server(&pki, ":maxHandshakesPerSource=4").await?;
    let mut first = Vec::new();
    for _ in 0..4 {
        first.push(idle_socket(FLOODER, port).await?);
    }
    drive_until(&mut listener, |l| l.pending_handshakes() == 4).await?;
    let serving = listener.listen(echo);
    let mut second = Vec::new();
    for _ in 0..4 {
        second.push(idle_socket(FLOODER, port).await?);
    }
    // Each newcomer from the flooder's address closed one of its oldest pending handshakes.
    for socket in &mut first {
        assert!(
            closed_by_server(socket).await,
            "an old idle socket was left open"
        );
    }
    // A client from the same address still gets in: it takes the place of the oldest of the
    // second batch, and no one takes its place.
    let answer = tokio::time::timeout(SAFETY, good_client(&pki, FLOODER, port)).await??;
    assert_eq!(answer, b"hello");
    assert!(closed_by_server(&mut second[0]).await);
    serving.stop_listening().await;
    Ok(())
}
