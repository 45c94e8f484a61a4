//! The proxy reached over a unix socket, and a relay through a proxy that is still
//! zero-copy: after the handshake the connection is the proxy's plain socket.

mod support;

use endpoints::relay::relay;
use endpoints::Registry;
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn socks5_over_a_unix_socket_and_a_zero_copy_relay_through_it() -> TestResult {
    let Some(binary) = endpoint_testkit::require_tool("microsocks") else {
        return Ok(());
    };
    let socks = microsocks(&binary, None).await?;
    let target = endpoint_testkit::tcp_echo_server().await?;

    // The proxy as a unix socket: each connection is relayed to microsocks.
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("socks.sock");
    let mut front = Registry::global()
        .server(&format!("unix:{}", path.display()))?
        .bind()
        .await?;
    let upstream = Registry::global().client(&format!("tcp:127.0.0.1:{}", socks.port))?;
    tokio::spawn(async move {
        while let Ok(accepted) = front.accept().await {
            if let Ok(connection) = upstream.connect().await {
                tokio::spawn(relay(accepted, connection));
            }
        }
    });

    let text = format!(
        r"socks5+tcp:127.0.0.1:{}:proxy=unix\:{}",
        target.port(),
        endpoints::quote(&path.display().to_string())
    );
    let client = Registry::global().client(&text)?;
    let mut connection = client.connect().await?;
    round_trip(&mut connection, b"over unix").await?;
    assert_eq!(connection.info().stack, ["unix", "socks5"]);
    assert!(connection.is_plain_socket());

    // A relay between a tcp connection and one through the proxy splices.
    let mut listener = Registry::global()
        .server("tcp:0:interface=127.0.0.1")?
        .bind()
        .await?;
    let port = listener.local_address().port().ok_or("no port")?;
    let near = Registry::global().client(&format!("tcp:127.0.0.1:{port}"))?;
    let (accepted, near) = tokio::try_join!(listener.accept(), near.connect())?;
    let relaying = tokio::spawn(relay(accepted, client.connect().await?));
    let message = vec![0x5au8; 1 << 18];
    // All of it is echoed before the write side closes: microsocks ends both directions at
    // the first end-of-file (no half-close), so bytes still in flight would be lost.
    let (mut from_near, mut to_near) = tokio::io::split(near);
    let (sent, echoed) = tokio::join!(to_near.write_all(&message), async {
        let mut all = vec![0u8; message.len()];
        from_near.read_exact(&mut all).await?;
        std::io::Result::Ok(all)
    });
    sent?;
    assert!(echoed? == message, "the echo came back changed");
    to_near.shutdown().await?;
    let relayed = tokio::time::timeout(SAFETY, relaying).await???;
    assert!(relayed.zero_copy);
    assert_eq!(relayed.a_to_b, message.len() as u64);
    assert_eq!(relayed.b_to_a, message.len() as u64);
    Ok(())
}
