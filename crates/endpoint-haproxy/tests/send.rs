//! The `haproxy+` client layer over real loopback sockets: a relay names its accepted client
//! to our own `haproxy` server layer (v1 and v2, IP and unix), a TLS-terminating relay
//! forwards the server name and ALPN in TLVs, a plain connect sends `LOCAL`, the connection
//! stays spliceable, and `tls+haproxy+tcp:` sends the header before the TLS handshake.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use endpoint_haproxy::ProxiedBy;
use endpoint_testkit::{TestPki, TestResult};
use endpoints::core::{Origin, Secured, TlsHello};
use endpoints::{Address, ClientEndpoint, Connection, Listener, UnixAddress};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

const LIMIT: Duration = Duration::from_secs(20);

async fn bind(description: &str) -> TestResult<(Listener, u16)> {
    let listener = endpoints::server_from_string(description)?.bind().await?;
    let port = listener.local_address().port().ok_or("an IP listener")?;
    Ok((listener, port))
}

async fn accept_one(listener: &mut Listener) -> TestResult<Connection> {
    Ok(tokio::time::timeout(LIMIT, listener.accept()).await??)
}

/// A TCP client from 127.0.0.2 (another loopback address than the relay's) to `port`.
async fn connect_from_127_0_0_2(port: u16) -> TestResult<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind("127.0.0.2:0".parse()?)?;
    Ok(socket.connect(([127, 0, 0, 1], port).into()).await?)
}

/// Relays the next connection `front` accepts to `client` (the relay's `forward`), returning
/// whether it spliced.
fn relay_one(
    mut front: Listener,
    client: Arc<dyn ClientEndpoint>,
) -> tokio::task::JoinHandle<TestResult<bool>> {
    tokio::spawn(async move {
        let accepted = accept_one(&mut front).await?;
        let relayed =
            tokio::time::timeout(LIMIT, endpoints::relay::forward(accepted, client, None))
                .await?
                .map_err(|e| e.to_string())?;
        Ok(relayed.zero_copy)
    })
}

/// `endpoint relay tcp:0 'haproxy+tcp:BACKEND:version=V'` with a client on 127.0.0.2: the
/// backend (our `haproxy` server layer) sees the client, bytes cross both ways, spliced.
async fn relay_names_the_client(version: u8) -> TestResult {
    let (mut backend, backend_port) =
        bind("haproxy+tcp:0:interface=127.0.0.1:trusted=127.0.0.0/8").await?;
    let (front, front_port) = bind("tcp:0:interface=127.0.0.1").await?;
    let client = endpoints::client_from_string(&format!(
        "haproxy+tcp:127.0.0.1:{backend_port}:version={version}"
    ))?;
    let relay = relay_one(front, client);

    let mut user = connect_from_127_0_0_2(front_port).await?;
    let mut received = accept_one(&mut backend).await?;
    let user_address = Address::Inet(user.local_addr()?);
    assert_eq!(received.peer_address(), &user_address);
    assert_eq!(
        received.local_address().to_string(),
        format!("127.0.0.1:{front_port}")
    );
    let proxied = received.info().get::<ProxiedBy>().ok_or("ProxiedBy")?;
    assert_eq!(proxied.version, version);
    assert!(proxied.carried_addresses);
    assert!(
        proxied.tlvs.is_empty(),
        "no TLS, no TLVs: {:?}",
        proxied.tlvs
    );

    user.write_all(b"ping").await?;
    let mut buf = [0u8; 4];
    tokio::time::timeout(LIMIT, received.read_exact(&mut buf)).await??;
    assert_eq!(&buf, b"ping");
    received.write_all(b"pong").await?;
    tokio::time::timeout(LIMIT, user.read_exact(&mut buf)).await??;
    assert_eq!(&buf, b"pong");
    drop(user);
    drop(received);
    let spliced = relay.await??;
    assert!(spliced, "the relay splices after the header");
    Ok(())
}

#[tokio::test]
async fn a_relay_names_its_client_to_our_receiver_in_v1() -> TestResult {
    relay_names_the_client(1).await
}

#[tokio::test]
async fn a_relay_names_its_client_to_our_receiver_in_v2() -> TestResult {
    relay_names_the_client(2).await
}

#[tokio::test]
async fn the_connection_stays_a_plain_socket() -> TestResult {
    let backend = TcpListener::bind("127.0.0.1:0").await?;
    let port = backend.local_addr()?.port();
    let client = endpoints::client_from_string(&format!("haproxy+tcp:127.0.0.1:{port}"))?;
    let (connected, accepted) = tokio::join!(client.connect(), backend.accept());
    let (connected, _accepted) = (connected?, accepted?);
    assert!(connected.is_plain_socket());
    assert_eq!(connected.info().stack.last().copied(), Some("haproxy"));
    Ok(())
}

/// Reads exactly one v2 header off `stream`: its bytes.
async fn read_v2_header(stream: &mut TcpStream) -> TestResult<Vec<u8>> {
    let mut fixed = [0u8; 16];
    tokio::time::timeout(LIMIT, stream.read_exact(&mut fixed)).await??;
    assert_eq!(&fixed[..12], b"\r\n\r\n\0\r\nQUIT\n");
    let mut rest = vec![0u8; usize::from(u16::from_be_bytes([fixed[14], fixed[15]]))];
    tokio::time::timeout(LIMIT, stream.read_exact(&mut rest)).await??;
    Ok([&fixed[..], &rest].concat())
}

#[tokio::test]
async fn a_plain_connect_sends_local_on_the_wire() -> TestResult {
    let backend = TcpListener::bind("127.0.0.1:0").await?;
    let port = backend.local_addr()?.port();
    for (description, expected) in [
        (
            format!("haproxy+tcp:127.0.0.1:{port}"),
            b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00".to_vec(),
        ),
        (
            format!("haproxy+tcp:127.0.0.1:{port}:version=1"),
            b"PROXY UNKNOWN\r\n".to_vec(),
        ),
    ] {
        let client = endpoints::client_from_string(&description)?;
        let (connected, accepted) = tokio::join!(client.connect(), backend.accept());
        let (mut connected, (mut accepted, _)) = (connected?, accepted?);
        connected.write_all(b"!").await?;
        let mut seen = vec![0u8; expected.len() + 1];
        tokio::time::timeout(LIMIT, accepted.read_exact(&mut seen)).await??;
        assert_eq!(seen, [&expected[..], b"!"].concat(), "{description}");
    }
    Ok(())
}

#[tokio::test]
async fn a_plain_connect_keeps_the_real_addresses_at_our_receiver() -> TestResult {
    let (mut backend, port) = bind("haproxy+tcp:0:interface=127.0.0.1").await?;
    for version in [1u8, 2] {
        let client = endpoints::client_from_string(&format!(
            "haproxy+tcp:127.0.0.1:{port}:version={version}"
        ))?;
        let (connected, received) = tokio::join!(client.connect(), accept_one(&mut backend));
        let (connected, received) = (connected?, received?);
        // No origin: the receiver keeps the connection's own addresses.
        assert_eq!(received.peer_address(), connected.local_address());
        let proxied = received.info().get::<ProxiedBy>().ok_or("ProxiedBy")?;
        assert_eq!(
            (proxied.version, proxied.carried_addresses),
            (version, false)
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_tls_terminating_relay_sends_the_server_name_and_alpn_in_tlvs() -> TestResult {
    let pki = TestPki::new();
    let (mut backend, backend_port) =
        bind("haproxy+tcp:0:interface=127.0.0.1:trusted=127.0.0.1/32").await?;
    let (front, front_port) = bind(&format!(
        "tls+tcp:0:interface=127.0.0.1:certificate={}:alpn=h2,http/1.1",
        pki.arg("server.pem")
    ))
    .await?;
    let client = endpoints::client_from_string(&format!("haproxy+tcp:127.0.0.1:{backend_port}"))?;
    let relay = relay_one(front, client);

    let user = endpoints::client_from_string(&format!(
        "tls+tcp:127.0.0.1:{front_port}:hostname=localhost:trustRoots={}:alpn=h2",
        pki.arg("ca.pem")
    ))?;
    let (user, received) = tokio::join!(user.connect(), accept_one(&mut backend));
    let (mut user, mut received) = (user?, received?);
    assert_eq!(received.peer_address(), user.local_address());
    let proxied = received.info().get::<ProxiedBy>().ok_or("ProxiedBy")?;
    assert_eq!(proxied.authority(), Some("localhost"));
    assert_eq!(proxied.alpn(), Some(&b"h2"[..]));
    // Passed on as what the client asked for, so a relay behind this one forwards it too.
    let hello = received.info().get::<TlsHello>().ok_or("TlsHello")?;
    assert_eq!(hello.server_name.as_deref(), Some("localhost"));
    assert_eq!(hello.alpn, vec![b"h2".to_vec()]);
    let origin = Origin::new(received.info().clone());
    assert_eq!(origin.server_name(), Some("localhost"));

    user.write_all(b"secret").await?;
    let mut buf = [0u8; 6];
    tokio::time::timeout(LIMIT, received.read_exact(&mut buf)).await??;
    assert_eq!(
        &buf, b"secret",
        "the relay decrypts and forwards after the header"
    );
    // Both ends close in turn (a TLS close_notify first), so the relay ends cleanly.
    user.shutdown().await?;
    let mut rest = Vec::new();
    tokio::time::timeout(LIMIT, received.read_to_end(&mut rest)).await??;
    received.shutdown().await?;
    tokio::time::timeout(LIMIT, user.read_to_end(&mut rest)).await??;
    assert!(rest.is_empty());
    assert!(!relay.await??, "a TLS connection is copied, not spliced");
    Ok(())
}

#[tokio::test]
async fn tls_over_haproxy_sends_the_header_before_the_handshake() -> TestResult {
    let pki = TestPki::new();
    let origin = Origin::new(endpoints::ConnectionInfo::new(
        "tcp",
        Address::Inet("127.0.0.1:8443".parse()?),
        Address::Inet("127.0.0.2:50000".parse()?),
    ));
    // On the wire: the PROXY header first, then a TLS record (a ClientHello, 0x16).
    let raw = TcpListener::bind("127.0.0.1:0").await?;
    let port = raw.local_addr()?.port();
    let client = endpoints::client_from_string(&format!(
        "tls+haproxy+tcp:127.0.0.1:{port}:hostname=localhost:trustRoots={}:handshakeTimeout=20",
        pki.arg("ca.pem")
    ))?;
    let connecting = tokio::spawn({
        let origin = origin.clone();
        async move { client.connect_for(&origin).await.map(drop) }
    });
    let (mut stream, _) = tokio::time::timeout(LIMIT, raw.accept()).await??;
    let header = read_v2_header(&mut stream).await?;
    assert_eq!(header[12..14], [0x21, 0x11]);
    assert_eq!(header[16..20], [127, 0, 0, 2]);
    let mut record = [0u8; 1];
    tokio::time::timeout(LIMIT, stream.read_exact(&mut record)).await??;
    assert_eq!(record, [0x16], "a TLS handshake record follows the header");
    drop(stream);
    let _ = connecting.await?; // the handshake fails: the raw listener speaks no TLS.

    // And end to end: our server reads the header, then terminates TLS.
    let (mut backend, backend_port) = bind(&format!(
        "tls+haproxy+tcp:0:interface=127.0.0.1:certificate={}",
        pki.arg("server.pem")
    ))
    .await?;
    let client = endpoints::client_from_string(&format!(
        "tls+haproxy+tcp:127.0.0.1:{backend_port}:hostname=localhost:trustRoots={}",
        pki.arg("ca.pem")
    ))?;
    let (connected, received) = tokio::join!(client.connect_for(&origin), accept_one(&mut backend));
    let (_connected, received) = (connected?, received?);
    assert_eq!(received.peer_address().to_string(), "127.0.0.2:50000");
    assert_eq!(received.local_address().to_string(), "127.0.0.1:8443");
    assert!(received.info().get::<Secured>().is_some());
    Ok(())
}

#[tokio::test]
async fn unix_clients_are_named_as_af_unix_in_v2() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("front.sock");
    let quoted = endpoints::quote(&path.to_string_lossy());
    let (mut backend, backend_port) = bind("haproxy+tcp:0:interface=127.0.0.1").await?;
    let front = endpoints::server_from_string(&format!("unix:{quoted}"))?
        .bind()
        .await?;
    let client = endpoints::client_from_string(&format!("haproxy+tcp:127.0.0.1:{backend_port}"))?;
    let relay = relay_one(front, client);
    let user = tokio::net::UnixStream::connect(&path).await?;
    let received = accept_one(&mut backend).await?;
    assert_eq!(
        received.peer_address(),
        &Address::Unix(UnixAddress::Unnamed)
    );
    assert_eq!(
        received.local_address(),
        &Address::Unix(UnixAddress::Path(path.clone()))
    );
    drop(user);
    drop(received);
    relay.await??;
    Ok(())
}

#[test]
fn descriptions_round_trip_and_errors_name_the_option() -> TestResult {
    let canonical =
        |text: &str| -> TestResult<String> { Ok(endpoints::client_from_string(text)?.to_string()) };
    let v2 = canonical("haproxy+tcp:backend:80")?;
    assert!(v2.starts_with("haproxy+tcp:backend:80:"), "{v2}");
    assert!(v2.ends_with(":haproxy.version=2:haproxy.tlvs=1"), "{v2}");
    assert_eq!(
        canonical(&v2)?,
        v2,
        "the canonical text reads back the same"
    );
    let v1 = canonical("haproxy+tcp:backend:80:version=1:tlvs=0")?;
    assert!(v1.ends_with(":haproxy.version=1:haproxy.tlvs=0"), "{v1}");
    assert_eq!(canonical(&v1)?, v1);
    // Twisted's wrapper form reads the same on the client side.
    assert_eq!(canonical("haproxy:tcp:backend:80")?, v2);
    // The layer reports the inner endpoint's authority, so `tls+` verifies `backend`.
    let client = endpoints::client_from_string("haproxy+tcp:backend:80")?;
    assert_eq!(
        client.authority().map(|a| a.to_string()).as_deref(),
        Some("backend:80")
    );
    let error = endpoints::client_from_string("haproxy+tcp:backend:80:version=any")
        .err()
        .ok_or("version=any is refused on the client side")?
        .to_string();
    assert!(
        error.contains("version") && error.contains("1 or 2"),
        "{error}"
    );
    // The server side is unchanged: version=any still reads either.
    endpoints::server_from_string("haproxy+tcp:0:version=any")?;
    let kinds = endpoints::Registry::global().kinds();
    let client_layer = kinds
        .iter()
        .find(|k| k.name == "haproxy" && k.side() == endpoints::Side::Client)
        .ok_or("a client haproxy kind")?;
    assert!(client_layer.summary.contains("PROXY"));
    Ok(())
}

#[tokio::test]
async fn a_relay_behind_our_receiver_passes_the_client_on() -> TestResult {
    // haproxy+ in, haproxy+ out: the second backend sees the first header's client.
    let (mut backend, backend_port) = bind("haproxy+tcp:0:interface=127.0.0.1").await?;
    let (front, front_port) = bind("haproxy+tcp:0:interface=127.0.0.1").await?;
    let client = endpoints::client_from_string(&format!("haproxy+tcp:127.0.0.1:{backend_port}"))?;
    let relay = relay_one(front, client);
    let mut upstream = TcpStream::connect(SocketAddr::from(([127, 0, 0, 1], front_port))).await?;
    upstream
        .write_all(b"PROXY TCP4 127.0.0.9 127.0.0.10 4444 443\r\n")
        .await?;
    let received = accept_one(&mut backend).await?;
    assert_eq!(received.peer_address().to_string(), "127.0.0.9:4444");
    assert_eq!(received.local_address().to_string(), "127.0.0.10:443");
    drop(upstream);
    drop(received);
    relay.await??;
    Ok(())
}
