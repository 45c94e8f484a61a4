//! Which connections a relay can splice: the transports hand over plain sockets (tcp, unix,
//! after a PROXY header too), layers that change the bytes (tls) do not; and a relay between
//! two described endpoints is zero-copy end to end.

use endpoint_testkit::TestPki;
use endpoint_testkit::TestResult;
use endpoints::relay::relay;
use endpoints::{Connection, Registry};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Binds `server`, connects `client_for(local address)` to it, returns both connections.
async fn pair(
    server: &str,
    client_for: impl Fn(&str) -> String,
) -> TestResult<(Connection, Connection)> {
    let registry = Registry::global();
    let mut listener = registry.server(server)?.bind().await?;
    let client = client_for(&listener.local_address().to_string());
    let client = registry.client(&client)?;
    let (accepted, connected) = tokio::try_join!(listener.accept(), client.connect())?;
    Ok((accepted, connected))
}

#[tokio::test]
async fn tcp_and_unix_connections_are_plain_sockets() -> TestResult {
    let (accepted, connected) = pair("tcp:0:interface=127.0.0.1", |a| format!("tcp:{a}")).await?;
    assert!(accepted.is_plain_socket() && connected.is_plain_socket());
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("s.sock");
    let server = format!("unix:{}", path.display());
    let (accepted, connected) = pair(&server, |_| format!("unix:{}", path.display())).await?;
    assert!(accepted.is_plain_socket() && connected.is_plain_socket());
    Ok(())
}

#[tokio::test]
async fn a_proxy_header_read_ahead_keeps_the_socket_plain() -> TestResult {
    let registry = Registry::global();
    let mut listener = registry
        .server("haproxy:tcp:0:interface=127.0.0.1")?
        .bind()
        .await?;
    let address = listener.local_address().to_string();
    let sender = tokio::spawn(async move {
        let mut s = tokio::net::TcpStream::connect(address).await?;
        // The header and the first bytes in one segment: the layer reads past its header.
        s.write_all(b"PROXY TCP4 192.0.2.1 192.0.2.2 5000 80\r\nfirst bytes")
            .await?;
        s.shutdown().await?;
        std::io::Result::Ok(s)
    });
    let accepted = listener.accept().await?;
    assert!(
        accepted.is_plain_socket(),
        "haproxy keeps the socket spliceable"
    );
    let _sender = sender.await??;
    let (socket, _info) = match accepted.into_plain_socket() {
        Ok(parts) => parts,
        Err(_) => return Err("a plain socket".into()),
    };
    // What the layer read ahead comes back with the socket, so nothing is lost.
    let mut all = socket.unread.clone();
    let endpoints::core::SocketStream::Tcp(mut stream) = socket.stream else {
        return Err("a tcp socket".into());
    };
    stream.read_to_end(&mut all).await?;
    assert_eq!(all, b"first bytes");
    Ok(())
}

#[tokio::test]
async fn tls_connections_are_not_plain() -> TestResult {
    let pki = TestPki::new();
    let server = format!(
        "ssl:0:privateKey={}:interface=127.0.0.1",
        pki.arg("server.pem")
    );
    let ca = pki.arg("ca.pem");
    let (accepted, connected) = pair(&server, |a| {
        let port = a.rsplit(':').next().unwrap_or_default().to_owned();
        format!("tls:localhost:{port}:trustRoots={ca}")
    })
    .await?;
    assert!(!accepted.is_plain_socket() && !connected.is_plain_socket());
    Ok(())
}

/// tcp in, unix out, relayed: the bytes arrive whole and the relay reports zero-copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_between_described_tcp_and_unix_endpoints_is_zero_copy() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("up.sock");
    let (tcp_accepted, mut tcp_client) =
        pair("tcp:0:interface=127.0.0.1", |a| format!("tcp:{a}")).await?;
    let server = format!("unix:{}", path.display());
    let (mut unix_accepted, unix_client) =
        pair(&server, |_| format!("unix:{}", path.display())).await?;
    let relaying = tokio::spawn(relay(tcp_accepted, unix_client));
    let message = vec![0x42u8; 1 << 20];
    let (sent, received) = tokio::join!(
        async {
            tcp_client.write_all(&message).await?;
            tcp_client.shutdown().await
        },
        async {
            let mut all = Vec::new();
            unix_accepted.read_to_end(&mut all).await?;
            unix_accepted.shutdown().await?;
            std::io::Result::Ok(all)
        }
    );
    sent?;
    assert!(received? == message);
    let relayed = relaying.await??;
    assert!(relayed.zero_copy);
    assert_eq!(relayed.a_to_b, message.len() as u64);
    Ok(())
}
