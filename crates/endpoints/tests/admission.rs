//! Admission by address (issue 21 item 5): `allow=`/`deny=` on any server description close a
//! refused client before any byte or handshake, judged on the real client address (the one a
//! trusted PROXY header carries), and `allowUid=`/`allowGid=` judge unix peers. Loopback
//! only: clients bind 127.0.0.1 or 127.0.0.2 (Linux routes all of 127/8 to `lo`).

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::unix::fs::MetadataExt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use endpoint_core::ListenerEvents;
use endpoint_testkit::{TestPki, TestResult, SAFETY};
use endpoints::{client_from_string, server_from_string, Address, Error, Listener};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream, UnixStream};
use tokio::sync::mpsc;

const ONE: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1));
const TWO: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
const GREETING: &[u8] = b"hello\n";

/// Counts the listener's refusals by address.
#[derive(Default)]
struct Refusals(AtomicUsize);

impl ListenerEvents for Refusals {
    fn address_refused(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Serves `listener` in a task: every connection it yields gets the greeting, and its peer
/// address is sent on the channel.
fn serve(mut listener: Listener) -> mpsc::UnboundedReceiver<Address> {
    let (peers, seen) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(mut connection) = listener.accept().await {
            let _ = peers.send(connection.peer_address().clone());
            tokio::spawn(async move {
                let _ = connection.write_all(GREETING).await;
                // Hold the connection until the client closes it.
                let mut rest = Vec::new();
                let _ = connection.read_to_end(&mut rest).await;
            });
        }
    });
    seen
}

/// Binds `description` with a refusal counter.
async fn bind(description: &str) -> TestResult<(Listener, Arc<Refusals>, u16)> {
    let refusals = Arc::new(Refusals::default());
    let listener = server_from_string(description)?
        .bind()
        .await?
        .with_events(refusals.clone());
    let port = listener.local_address().port().unwrap_or(0);
    Ok((listener, refusals, port))
}

/// A TCP connection from `from` to 127.0.0.1:`port`.
async fn connect_from(from: IpAddr, port: u16) -> std::io::Result<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind(SocketAddr::new(from, 0))?;
    socket.connect(SocketAddr::new(ONE, port)).await
}

/// Everything the server sends until it closes (a reset counts as a close): what crossed the
/// wire.
async fn read_until_closed(stream: &mut (impl AsyncReadExt + Unpin)) -> TestResult<Vec<u8>> {
    let mut received = Vec::new();
    match tokio::time::timeout(SAFETY, stream.read_to_end(&mut received)).await? {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {}
        Err(e) => return Err(e.into()),
    }
    Ok(received)
}

/// Reads the greeting.
async fn greeted(stream: &mut (impl AsyncReadExt + Unpin)) -> TestResult {
    let mut greeting = [0u8; GREETING.len()];
    tokio::time::timeout(SAFETY, stream.read_exact(&mut greeting)).await??;
    assert_eq!(greeting, GREETING);
    Ok(())
}

/// Serves `listener`, connects from `refused` (closed before any byte) and then from
/// `admitted` (greeted), and checks that the accept loop saw the admitted client only and
/// one refusal was counted; returns the IP the accept loop saw, as IPv4 when mapped.
async fn refuses_then_admits(
    (listener, refusals, port): (Listener, Arc<Refusals>, u16),
    refused: IpAddr,
    admitted: IpAddr,
) -> TestResult<IpAddr> {
    let mut seen = serve(listener);
    let mut refused = connect_from(refused, port).await?;
    assert_eq!(read_until_closed(&mut refused).await?, b"");
    let mut admitted = connect_from(admitted, port).await?;
    greeted(&mut admitted).await?;
    let peer = tokio::time::timeout(SAFETY, seen.recv())
        .await?
        .ok_or("no peer")?;
    assert!(
        seen.try_recv().is_err(),
        "the accept loop saw another client"
    );
    assert_eq!(refusals.0.load(Ordering::Relaxed), 1);
    let ip = peer.as_inet().map(|a| a.ip()).ok_or("an IP peer")?;
    Ok(ip.to_canonical())
}

#[tokio::test]
async fn allow_admits_the_listed_address_and_closes_others_before_any_byte() -> TestResult {
    let bound = bind("tcp:0:interface=127.0.0.1:allow=127.0.0.2/32").await?;
    assert_eq!(refuses_then_admits(bound, ONE, TWO).await?, TWO);
    Ok(())
}

#[tokio::test]
async fn deny_closes_the_listed_address_and_admits_others() -> TestResult {
    let bound = bind("tcp:0:interface=127.0.0.1:deny=127.0.0.2").await?;
    assert_eq!(refuses_then_admits(bound, TWO, ONE).await?, ONE);
    Ok(())
}

#[tokio::test]
async fn deny_wins_over_allow() -> TestResult {
    let bound = bind("tcp:0:interface=127.0.0.1:allow=127.0.0.0/8:deny=127.0.0.2").await?;
    assert_eq!(refuses_then_admits(bound, TWO, ONE).await?, ONE);
    Ok(())
}

#[tokio::test]
async fn a_tls_listener_refuses_before_the_handshake() -> TestResult {
    let pki = TestPki::new();
    // A minute for a handshake: a refused client that got as far as the TLS layer would be
    // held waiting for its ClientHello far longer than the test waits.
    let (listener, refusals, port) = bind(&format!(
        "tls+tcp:0:interface=127.0.0.1:certificate={}:handshakeTimeout=60:allow=127.0.0.2",
        pki.arg("server.pem")
    ))
    .await?;
    let _seen = serve(listener);

    // Says nothing: closed anyway, with no byte (no ServerHello, no alert) sent back.
    let mut silent = connect_from(ONE, port).await?;
    assert_eq!(read_until_closed(&mut silent).await?, b"");

    // Our TLS client from the refused address gets no handshake either.
    let refused = client_from_string(&format!(
        "tls+tcp:127.0.0.1:{port}:bindAddress=127.0.0.1:hostname=localhost:trustRoots={}",
        pki.arg("ca.pem")
    ))?;
    assert!(tokio::time::timeout(SAFETY, refused.connect())
        .await?
        .is_err());

    let admitted = client_from_string(&format!(
        "tls+tcp:127.0.0.1:{port}:bindAddress=127.0.0.2:hostname=localhost:trustRoots={}",
        pki.arg("ca.pem")
    ))?;
    let mut connection = tokio::time::timeout(SAFETY, admitted.connect()).await??;
    greeted(&mut connection).await?;
    assert_eq!(refusals.0.load(Ordering::Relaxed), 2);
    Ok(())
}

/// A PROXY v1 header naming `client` as the source.
fn proxy_header(client: Ipv4Addr, port: u16) -> String {
    format!("PROXY TCP4 {client} 127.0.0.1 40000 {port}\r\n")
}

#[tokio::test]
async fn a_trusted_proxy_header_is_judged_on_the_address_it_carries() -> TestResult {
    let (listener, refusals, port) =
        bind("haproxy+tcp:0:interface=127.0.0.1:trusted=127.0.0.1:allow=127.0.0.3").await?;
    let mut seen = serve(listener);

    // The proxy (127.0.0.1, itself not allowed) relays a client from 127.0.0.4: refused.
    let mut refused = connect_from(ONE, port).await?;
    refused
        .write_all(proxy_header(Ipv4Addr::new(127, 0, 0, 4), port).as_bytes())
        .await?;
    assert_eq!(read_until_closed(&mut refused).await?, b"");

    // ... and one from 127.0.0.3: admitted, with that address.
    let mut admitted = connect_from(ONE, port).await?;
    admitted
        .write_all(proxy_header(Ipv4Addr::new(127, 0, 0, 3), port).as_bytes())
        .await?;
    greeted(&mut admitted).await?;
    let peer = tokio::time::timeout(SAFETY, seen.recv())
        .await?
        .ok_or("no peer")?;
    assert_eq!(
        peer.as_inet().map(|a| a.ip()),
        Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3)))
    );
    assert_eq!(refusals.0.load(Ordering::Relaxed), 1);
    Ok(())
}

/// A TLS client over `stream` (after whatever was written on it), trusting the test CA.
async fn tls_over(
    pki: &TestPki,
    stream: TcpStream,
) -> TestResult<tokio_rustls::client::TlsStream<TcpStream>> {
    use rustls_pki_types::pem::PemObject;
    let mut roots = rustls::RootCertStore::empty();
    for certificate in rustls_pki_types::CertificateDer::pem_file_iter(pki.path("ca.pem"))? {
        roots.add(certificate?)?;
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let name = rustls_pki_types::ServerName::try_from("localhost")?;
    Ok(tokio::time::timeout(SAFETY, connector.connect(name, stream)).await??)
}

#[tokio::test]
async fn a_refused_proxied_client_never_reaches_the_tls_handshake() -> TestResult {
    let pki = TestPki::new();
    let (listener, refusals, port) = bind(&format!(
        "tls+haproxy+tcp:0:interface=127.0.0.1:trusted=127.0.0.1:certificate={}:\
         handshakeTimeout=60:allow=127.0.0.3",
        pki.arg("server.pem")
    ))
    .await?;
    let mut seen = serve(listener);
    // After the header, a TLS server would wait a minute for the ClientHello; the refusal
    // closes the connection right after the PROXY layer.
    let mut refused = connect_from(ONE, port).await?;
    refused
        .write_all(proxy_header(Ipv4Addr::new(127, 0, 0, 4), port).as_bytes())
        .await?;
    assert_eq!(read_until_closed(&mut refused).await?, b"");
    assert_eq!(refusals.0.load(Ordering::Relaxed), 1);

    // The client the header says is allowed goes on to its TLS handshake.
    let mut admitted = connect_from(ONE, port).await?;
    admitted
        .write_all(proxy_header(Ipv4Addr::new(127, 0, 0, 3), port).as_bytes())
        .await?;
    let mut tls = tls_over(&pki, admitted).await?;
    greeted(&mut tls).await?;
    let peer = tokio::time::timeout(SAFETY, seen.recv())
        .await?
        .ok_or("no peer")?;
    assert_eq!(
        peer.as_inet().map(|a| a.ip()),
        Some(IpAddr::V4(Ipv4Addr::new(127, 0, 0, 3)))
    );
    assert_eq!(refusals.0.load(Ordering::Relaxed), 1);
    Ok(())
}

#[tokio::test]
async fn an_untrusted_proxy_header_cannot_claim_an_allowed_address() -> TestResult {
    // trusted= unstated: anyone may send a header, so the accepted address is what is judged.
    let (listener, refusals, port) =
        bind("haproxy+tcp:0:interface=127.0.0.1:allow=127.0.0.3").await?;
    let _seen = serve(listener);
    let mut spoofer = connect_from(ONE, port).await?;
    let _ = spoofer
        .write_all(proxy_header(Ipv4Addr::new(127, 0, 0, 3), port).as_bytes())
        .await;
    assert_eq!(read_until_closed(&mut spoofer).await?, b"");
    assert_eq!(refusals.0.load(Ordering::Relaxed), 1);
    Ok(())
}

/// The user and group this process runs as: the owner of a file it just made.
fn own_ids(dir: &std::path::Path) -> TestResult<(u32, u32)> {
    let probe = dir.join("probe");
    std::fs::write(&probe, b"")?;
    let meta = std::fs::metadata(&probe)?;
    Ok((meta.uid(), meta.gid()))
}

#[tokio::test]
async fn unix_peers_are_judged_by_user_and_group() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (uid, gid) = own_ids(dir.path())?;
    let other_uid = uid.wrapping_add(1);
    let other_gid = gid.wrapping_add(1);
    for (name, rule, admitted) in [
        ("own-uid", format!("allowUid={uid}"), true),
        ("other-uid", format!("allowUid={other_uid}"), false),
        (
            "own-gid",
            format!("allowUid={other_uid}:allowGid={gid}"),
            true,
        ),
        (
            "other-gid",
            format!("allowUid={other_uid}:allowGid={other_gid}"),
            false,
        ),
    ] {
        let path = dir.path().join(format!("{name}.sock"));
        let (listener, refusals, _) = bind(&format!("unix:{}:{rule}", path.display())).await?;
        let _seen = serve(listener);
        let mut client = UnixStream::connect(&path).await?;
        if admitted {
            greeted(&mut client).await?;
            assert_eq!(refusals.0.load(Ordering::Relaxed), 0, "{rule}");
        } else {
            assert_eq!(read_until_closed(&mut client).await?, b"", "{rule}");
            assert_eq!(refusals.0.load(Ordering::Relaxed), 1, "{rule}");
        }
    }
    Ok(())
}

#[tokio::test]
async fn rules_that_cannot_apply_are_refused_at_bind() -> TestResult {
    let dir = tempfile::tempdir()?;
    let cases = [
        (
            "tcp:0:interface=127.0.0.1:allowUid=0".to_owned(),
            "allowUid",
        ),
        (
            format!(
                "unix:{}:allow=127.0.0.1",
                dir.path().join("a.sock").display()
            ),
            "allow",
        ),
    ];
    for (description, expected) in cases {
        let error = server_from_string(&description)?
            .bind()
            .await
            .expect_err(&description);
        match &error {
            Error::Option {
                option, position, ..
            } => {
                assert_eq!(option, expected, "{error}");
                assert!(*position > 0, "{error}");
            }
            other => panic!("{description}: {other}"),
        }
    }
    // A PROXY layer with trusted senders carries IP addresses over a unix socket.
    let path = dir.path().join("b.sock");
    server_from_string(&format!(
        "haproxy+unix:{}:trusted=any:allow=127.0.0.1",
        path.display()
    ))?
    .bind()
    .await?;
    Ok(())
}

#[test]
fn the_rules_round_trip_through_canonical_text() -> TestResult {
    for (input, canonical) in [
        (
            r"tcp:0:allow=10.1.2.3/8, \:\:1:deny=10.0.0.9",
            "tcp:0:interface=:backlog=50:allow=10.0.0.0/8,::1/128:deny=10.0.0.9/32",
        ),
        (
            "unix:/run/a.sock:allowUid=0,1000:allowGid=50",
            "unix:/run/a.sock:backlog=50:lockfile=1:allowUid=0,1000:allowGid=50",
        ),
    ] {
        let text = server_from_string(input)?.to_string();
        let unescaped = text.replace('\\', "");
        assert_eq!(unescaped, canonical, "{input}");
        assert_eq!(server_from_string(&text)?.to_string(), text, "{input}");
    }
    Ok(())
}

#[test]
fn a_bad_network_names_the_option_and_its_position() {
    for (input, option, at) in [
        ("tcp:0:allow=10.0.0.0/33", "allow", 12),
        ("tcp:0:deny=10.0.0.1,nope", "deny", 11),
        ("unix:/a:allowUid=me", "allowUid", 17),
    ] {
        match server_from_string(input) {
            Err(Error::Option {
                option: named,
                position,
                reason,
                ..
            }) => {
                assert_eq!(
                    (named.as_str(), position),
                    (option, at),
                    "{input}: {reason}"
                );
            }
            other => panic!("{input}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn an_ipv4_mapped_peer_is_judged_as_ipv4() -> TestResult {
    // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d.
    let Ok(bound) = bind(r"tcp6:0:interface=\:\::allow=127.0.0.2").await else {
        println!("no IPv6 on this machine: skipped");
        return Ok(());
    };
    assert_eq!(refuses_then_admits(bound, ONE, TWO).await?, TWO);
    Ok(())
}
