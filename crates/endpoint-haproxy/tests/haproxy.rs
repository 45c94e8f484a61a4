//! The `haproxy` layer over real loopback sockets: valid v1 and v2 headers, malformed,
//! truncated, slow and untrusted ones, both description forms.

use std::net::SocketAddr;
use std::time::Duration;

use endpoint_haproxy::ProxiedBy;
use endpoint_testkit::TestResult;
use endpoints::{Address, Connection, Listener};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const LIMIT: Duration = Duration::from_secs(10);

async fn bind(description: &str) -> TestResult<(Listener, SocketAddr)> {
    let listener = endpoints::server_from_string(description)?.bind().await?;
    let address = listener.local_address().as_inet().ok_or("an IP listener")?;
    Ok((listener, address))
}

/// Connects, sends `bytes`, and returns the stream (kept open).
async fn send(address: SocketAddr, bytes: &[u8]) -> TestResult<TcpStream> {
    let mut stream = TcpStream::connect(address).await?;
    stream.write_all(bytes).await?;
    Ok(stream)
}

/// Reads until the server closes the connection; Ok(()) if it did (EOF or reset).
async fn closed_by_server(mut stream: TcpStream) -> TestResult {
    let mut buf = [0u8; 16];
    match tokio::time::timeout(LIMIT, stream.read(&mut buf)).await? {
        Ok(0) | Err(_) => Ok(()),
        Ok(n) => Err(format!("the server sent {n} bytes instead of closing").into()),
    }
}

fn v2_header(command: u8, source: SocketAddr, destination: SocketAddr) -> Vec<u8> {
    let mut h = b"\r\n\r\n\0\r\nQUIT\n".to_vec();
    h.push(0x20 | command);
    match (source, destination) {
        (SocketAddr::V4(s), SocketAddr::V4(d)) => {
            h.push(0x11);
            h.extend_from_slice(&12u16.to_be_bytes());
            h.extend_from_slice(&s.ip().octets());
            h.extend_from_slice(&d.ip().octets());
        }
        (SocketAddr::V6(s), SocketAddr::V6(d)) => {
            h.push(0x21);
            h.extend_from_slice(&(36u16 + 7).to_be_bytes());
            h.extend_from_slice(&s.ip().octets());
            h.extend_from_slice(&d.ip().octets());
        }
        _ => unreachable!("same family"),
    }
    h.extend_from_slice(&source.port().to_be_bytes());
    h.extend_from_slice(&destination.port().to_be_bytes());
    if source.is_ipv6() {
        // A TLV (PP2_TYPE_AUTHORITY, "a.test"), which is skipped.
        h.extend_from_slice(&[0x02, 0, 4]);
        h.extend_from_slice(b"a.te");
    }
    h
}

async fn accept_one(listener: &mut Listener) -> TestResult<Connection> {
    Ok(tokio::time::timeout(LIMIT, listener.accept()).await??)
}

async fn read_exactly(connection: &mut Connection, n: usize) -> TestResult<Vec<u8>> {
    let mut buf = vec![0; n];
    tokio::time::timeout(LIMIT, connection.read_exact(&mut buf)).await??;
    Ok(buf)
}

#[tokio::test]
async fn v1_header_sets_the_addresses_and_keeps_the_bytes_after_it() -> TestResult {
    let (mut listener, address) = bind("haproxy+tcp:0:interface=127.0.0.1").await?;
    let (accepted, client) = tokio::join!(
        accept_one(&mut listener),
        send(
            address,
            b"PROXY TCP4 192.0.2.10 198.51.100.20 40000 443\r\nGET / HTTP/1.0\r\n"
        )
    );
    let (mut accepted, mut client) = (accepted?, client?);
    assert_eq!(
        accepted.peer_address(),
        &Address::Inet("192.0.2.10:40000".parse()?)
    );
    assert_eq!(
        accepted.local_address(),
        &Address::Inet("198.51.100.20:443".parse()?)
    );
    let proxied = accepted.info().get::<ProxiedBy>().ok_or("ProxiedBy")?;
    assert_eq!(proxied.version, 1);
    assert!(proxied.carried_addresses);
    assert_eq!(proxied.peer, Address::Inet(client.local_addr()?));
    assert_eq!(proxied.local, Address::Inet(address));
    assert_eq!(accepted.info().stack, ["tcp", "haproxy"]);
    assert_eq!(
        read_exactly(&mut accepted, 16).await?,
        b"GET / HTTP/1.0\r\n"
    );
    // Both directions still work after the header.
    accepted.write_all(b"ok").await?;
    let mut ok = [0; 2];
    client.read_exact(&mut ok).await?;
    assert_eq!(&ok, b"ok");
    Ok(())
}

#[tokio::test]
async fn v2_header_in_pieces_over_ipv6_with_a_tlv() -> TestResult {
    let (mut listener, address) =
        bind("haproxy+tcp:0:interface=127.0.0.1:haproxy.version=2").await?;
    let header = v2_header(
        1,
        "[2001:db8::1]:1111".parse()?,
        "[2001:db8::2]:443".parse()?,
    );
    let sender = async {
        let mut stream = send(address, &header[..10]).await?;
        stream.write_all(&header[10..]).await?;
        stream.write_all(b"payload").await?;
        TestResult::Ok(stream)
    };
    let (accepted, client) = tokio::join!(accept_one(&mut listener), sender);
    let (mut accepted, _client) = (accepted?, client?);
    assert_eq!(
        accepted.peer_address(),
        &Address::Inet("[2001:db8::1]:1111".parse()?)
    );
    assert_eq!(
        accepted.local_address(),
        &Address::Inet("[2001:db8::2]:443".parse()?)
    );
    assert_eq!(
        accepted
            .info()
            .get::<ProxiedBy>()
            .ok_or("ProxiedBy")?
            .version,
        2
    );
    assert_eq!(read_exactly(&mut accepted, 7).await?, b"payload");
    Ok(())
}

#[tokio::test]
async fn v2_local_keeps_the_real_addresses() -> TestResult {
    let (mut listener, address) = bind("haproxy+tcp:0:interface=127.0.0.1").await?;
    let header = v2_header(0, "10.0.0.1:1".parse()?, "10.0.0.2:2".parse()?);
    let (accepted, client) = tokio::join!(accept_one(&mut listener), send(address, &header));
    let (accepted, client) = (accepted?, client?);
    assert_eq!(
        accepted.peer_address(),
        &Address::Inet(client.local_addr()?)
    );
    assert!(
        !accepted
            .info()
            .get::<ProxiedBy>()
            .ok_or("ProxiedBy")?
            .carried_addresses
    );
    Ok(())
}

/// A bad client is dropped, and a good client that connects after that gets through: the
/// listener (accepting all along, which is what runs the handshakes) never ends and never
/// hands out the bad connection.
async fn dropped_then_good_one_passes(description: &str, bad: &[u8]) -> TestResult {
    let (mut listener, address) = bind(description).await?;
    let clients = async {
        closed_by_server(send(address, bad).await?).await?;
        send(address, b"PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n").await
    };
    let (accepted, good) = tokio::join!(accept_one(&mut listener), clients);
    let _good = good?;
    assert_eq!(accepted?.peer_address().to_string(), "192.0.2.1:1");
    Ok(())
}

#[tokio::test]
async fn malformed_headers_are_dropped() -> TestResult {
    let d = "haproxy+tcp:0:interface=127.0.0.1";
    dropped_then_good_one_passes(d, b"GET / HTTP/1.1\r\n\r\n").await?;
    dropped_then_good_one_passes(d, b"PROXY TCP4 300.1.1.1 1.1.1.1 1 2\r\n").await?;
    dropped_then_good_one_passes(d, b"PROXY TCP9 1.1.1.1 1.1.1.1 1 2\r\n").await?;
    dropped_then_good_one_passes(d, &[b"PROXY UNKNOWN ".as_slice(), &[b'x'; 120]].concat()).await?;
    let mut bad_v2 = v2_header(1, "10.0.0.1:1".parse()?, "10.0.0.2:2".parse()?);
    bad_v2[12] = 0x11; // version 1 in the binary form
    dropped_then_good_one_passes(d, &bad_v2).await?;
    // A version the description does not accept.
    dropped_then_good_one_passes(
        "haproxy+tcp:0:interface=127.0.0.1:version=1",
        &v2_header(1, "10.0.0.1:1".parse()?, "10.0.0.2:2".parse()?),
    )
    .await
}

#[tokio::test]
async fn truncated_headers_are_dropped() -> TestResult {
    let (mut listener, address) = bind("haproxy+tcp:0:interface=127.0.0.1").await?;
    let v2 = v2_header(1, "10.0.0.1:1".parse()?, "10.0.0.2:2".parse()?);
    let clients = async {
        for partial in [&b"PROXY TCP4 192.0.2.1 19"[..], &v2[..20], &v2[..8]] {
            let mut stream = send(address, partial).await?;
            stream.shutdown().await?; // end of stream inside the header
            closed_by_server(stream).await?;
        }
        send(address, b"PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n").await
    };
    let (accepted, good) = tokio::join!(accept_one(&mut listener), clients);
    let _good = good?;
    assert_eq!(accepted?.peer_address().to_string(), "192.0.2.1:1");
    Ok(())
}

#[tokio::test]
async fn a_slow_header_times_out_without_delaying_another_client() -> TestResult {
    let (mut listener, address) = bind("haproxy:tcp:0:interface=127.0.0.1:timeout=0.2").await?;
    // Half a header, then silence: closed after the 0.2 s timeout.
    let slow = send(address, b"PROXY TCP4 ").await?;
    let slow_closed = tokio::spawn(closed_by_server(slow));
    // Meanwhile a prompt client is accepted at once.
    let (accepted, _fast) = tokio::join!(
        accept_one(&mut listener),
        send(address, b"PROXY TCP4 192.0.2.3 192.0.2.4 3 4\r\n")
    );
    assert_eq!(accepted?.peer_address().to_string(), "192.0.2.3:3");
    assert!(
        !slow_closed.is_finished(),
        "the slow client was closed before the fast one passed"
    );
    tokio::time::timeout(LIMIT, slow_closed).await???;
    Ok(())
}

#[tokio::test]
async fn untrusted_proxies_are_refused_and_trusted_ones_accepted() -> TestResult {
    dropped_then_good_one_passes(
        "haproxy+tcp:0:interface=127.0.0.1:trusted=127.0.0.0/8",
        b"garbage\r\n",
    )
    .await?;
    let (mut listener, address) =
        bind(r"haproxy+tcp:0:interface=127.0.0.1:trusted=10.0.0.0/8,\:\:1/128").await?;
    let untrusted = send(address, b"PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r\n").await?;
    // The listener runs the check while accepting; it must close the connection and never
    // hand it out.
    tokio::select! {
        accepted = listener.accept() => Err(format!("an untrusted connection was accepted: {accepted:?}").into()),
        closed = closed_by_server(untrusted) => closed,
    }
}

#[tokio::test]
async fn twisted_wrapper_form_nests_and_reads_two_headers() -> TestResult {
    let endpoint = endpoints::server_from_string("haproxy:haproxy:tcp:0:interface=127.0.0.1")?;
    assert!(
        endpoint.to_string().starts_with("haproxy+haproxy+tcp:0:"),
        "{endpoint}"
    );
    let mut listener = endpoint.bind().await?;
    let address = listener.local_address().as_inet().ok_or("IP")?;
    let (accepted, _client) = tokio::join!(
        accept_one(&mut listener),
        send(
            address,
            b"PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\nPROXY TCP4 192.0.2.9 192.0.2.8 9 8\r\nx"
        )
    );
    let mut accepted = accepted?;
    // The outer layer runs last: its header is the second one.
    assert_eq!(accepted.peer_address().to_string(), "192.0.2.9:9");
    assert_eq!(accepted.info().stack, ["tcp", "haproxy", "haproxy"]);
    assert_eq!(read_exactly(&mut accepted, 1).await?, b"x");
    Ok(())
}

#[tokio::test]
async fn over_a_unix_socket() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("p.sock");
    let quoted = endpoints::quote(&path.to_string_lossy());
    let mut listener = endpoints::server_from_string(&format!("haproxy:unix:{quoted}"))?
        .bind()
        .await?;
    let client = endpoints::client_from_string(&format!("unix:{quoted}"))?;
    let (accepted, sent) = tokio::join!(accept_one(&mut listener), async {
        let mut c = client.connect().await?;
        c.write_all(b"PROXY TCP6 2001:db8::5 2001:db8::6 5 6\r\n")
            .await?;
        TestResult::Ok(c)
    });
    let _sent = sent?;
    let accepted = accepted?;
    assert_eq!(accepted.peer_address().to_string(), "[2001:db8::5]:5");
    assert!(matches!(
        accepted.info().get::<ProxiedBy>().ok_or("ProxiedBy")?.peer,
        Address::Unix(_)
    ));
    Ok(())
}

#[test]
fn descriptions_and_errors() -> TestResult {
    let e = endpoints::server_from_string("haproxy+tcp:80")?;
    assert_eq!(
        e.to_string(),
        "haproxy+tcp:80:interface=:backlog=50:haproxy.timeout=10:haproxy.version=any"
    );
    assert_eq!(
        endpoints::server_from_string(&e.to_string())?.to_string(),
        e.to_string()
    );
    let e = endpoints::server_from_string(
        "haproxy:tcp:80:timeout=1.5:trusted=10.1.0.0/16,\\:\\:1:version=2",
    )?;
    assert_eq!(
        e.to_string(),
        r"haproxy+tcp:80:interface=:backlog=50:haproxy.timeout=1.5:haproxy.trusted=10.1.0.0/16,\:\:1/128:haproxy.version=2"
    );
    assert_eq!(
        endpoints::server_from_string(&e.to_string())?.to_string(),
        e.to_string()
    );
    // `trusted=any` states that any peer may send a header: it round-trips, and it is a
    // different endpoint from one that says nothing.
    let any = endpoints::server_from_string("haproxy:tcp:80:trusted=Any")?;
    assert_eq!(
        any.to_string(),
        "haproxy+tcp:80:interface=:backlog=50:haproxy.timeout=10:haproxy.trusted=any:haproxy.version=any"
    );
    assert_eq!(
        endpoints::server_from_string(&any.to_string())?.to_string(),
        any.to_string()
    );
    assert_ne!(
        endpoints::server_from_string("haproxy:tcp:80")?.description(),
        any.description()
    );
    for (bad, option) in [
        ("haproxy+tcp:80:trusted=10.0.0.0/33", "trusted"),
        ("haproxy+tcp:80:trusted=any,10.0.0.0/8", "trusted"),
        ("haproxy+tcp:80:trusted=", "trusted"),
        ("haproxy+tcp:80:version=3", "version"),
        ("haproxy+tcp:80:timeout=-1", "timeout"),
    ] {
        match endpoints::server_from_string(bad) {
            Err(endpoints::Error::Option { option: o, .. }) => assert_eq!(o, option, "{bad}"),
            other => panic!("{bad}: expected an option error, got {other:?}"),
        }
    }
    assert!(endpoints::server_from_string("haproxy:").is_err());
    // The client side has its own haproxy layer (it sends headers; see send.rs), whose
    // server-only options are refused.
    assert!(endpoints::client_from_string("haproxy:tcp:h:80").is_ok());
    assert!(endpoints::client_from_string("haproxy+tcp:h:80:trusted=any").is_err());
    Ok(())
}

/// `trusted=` uses core's one CIDR list parser: host bits are cleared, an address alone is one
/// host, and a bad item is named in the error.
#[test]
fn trusted_networks_follow_the_one_cidr_rule() -> TestResult {
    let e = endpoints::server_from_string("haproxy+tcp:80:trusted=192.168.1.77/24, 10.0.0.1")?;
    assert!(
        e.to_string()
            .contains("haproxy.trusted=192.168.1.0/24,10.0.0.1/32"),
        "{e}"
    );
    match endpoints::server_from_string("haproxy+tcp:80:trusted=10.0.0.0/8,10.0.0.0/x") {
        Err(endpoints::Error::Option { option, reason, .. }) => {
            assert_eq!(option, "trusted");
            assert!(reason.contains("\"10.0.0.0/x\""), "{reason}");
        }
        other => panic!("expected an option error, got {other:?}"),
    }
    Ok(())
}
