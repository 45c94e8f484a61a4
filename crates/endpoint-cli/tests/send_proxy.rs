//! `endpoint relay ... 'haproxy+tcp:...'` names each accepted client in a PROXY header (v1 on
//! the wire, v2 to our own `haproxy` server layer), and `endpoint connect 'haproxy+tcp:...'`,
//! connecting on nobody's behalf, sends `LOCAL`.

mod support;

use std::process::Stdio;

use endpoints::haproxy::ProxiedBy;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::process::Command;

use support::{start_relay, TestResult, LIMIT};

/// A client of `relay` (an `ADDRESS` the relay printed) from 127.0.0.2.
async fn connect_from_127_0_0_2(relay: &str) -> TestResult<TcpStream> {
    let socket = TcpSocket::new_v4()?;
    socket.bind("127.0.0.2:0".parse()?)?;
    Ok(tokio::time::timeout(LIMIT, socket.connect(relay.parse()?)).await??)
}

#[tokio::test]
async fn relay_sends_a_v1_header_naming_the_client_then_relays() -> TestResult {
    let backend = TcpListener::bind("127.0.0.1:0").await?;
    let upstream = format!(
        "haproxy+tcp:127.0.0.1:{}:version=1",
        backend.local_addr()?.port()
    );
    let relay = start_relay(&["tcp:0:interface=127.0.0.1", &upstream]).await?;
    let mut user = connect_from_127_0_0_2(&relay.address).await?;
    user.write_all(b"ping").await?;
    let (mut received, _) = tokio::time::timeout(LIMIT, backend.accept()).await??;
    let relay_port = relay.port()?;
    let expected = format!(
        "PROXY TCP4 127.0.0.2 127.0.0.1 {} {relay_port}\r\nping",
        user.local_addr()?.port()
    );
    let mut seen = vec![0u8; expected.len()];
    tokio::time::timeout(LIMIT, received.read_exact(&mut seen)).await??;
    assert_eq!(String::from_utf8_lossy(&seen), expected);
    received.write_all(b"pong").await?;
    let mut buf = [0u8; 4];
    tokio::time::timeout(LIMIT, user.read_exact(&mut buf)).await??;
    assert_eq!(&buf, b"pong");
    Ok(())
}

#[tokio::test]
async fn relay_names_the_client_to_our_haproxy_listener_in_v2() -> TestResult {
    let mut backend = endpoints::server_from_string("haproxy+tcp:0:interface=127.0.0.1")?
        .bind()
        .await?;
    let port = backend.local_address().port().ok_or("an IP listener")?;
    let upstream = format!("haproxy+tcp:127.0.0.1:{port}");
    let relay = start_relay(&["tcp:0:interface=127.0.0.1", &upstream]).await?;
    let user = connect_from_127_0_0_2(&relay.address).await?;
    let received = tokio::time::timeout(LIMIT, backend.accept()).await??;
    assert_eq!(
        received.peer_address().to_string(),
        user.local_addr()?.to_string()
    );
    assert_eq!(received.local_address().to_string(), relay.address);
    assert_eq!(
        received
            .info()
            .get::<ProxiedBy>()
            .ok_or("ProxiedBy")?
            .version,
        2
    );
    Ok(())
}

#[tokio::test]
async fn connect_on_nobodys_behalf_sends_local() -> TestResult {
    let backend = TcpListener::bind("127.0.0.1:0").await?;
    let description = format!("haproxy+tcp:127.0.0.1:{}", backend.local_addr()?.port());
    let mut connect = Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args(["connect", &description])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = connect.stdin.take().ok_or("stdin is piped")?;
    stdin.write_all(b"hi").await?;
    drop(stdin);
    let (mut received, _) = tokio::time::timeout(LIMIT, backend.accept()).await??;
    let mut seen = Vec::new();
    tokio::time::timeout(LIMIT, received.read_to_end(&mut seen)).await??;
    assert_eq!(seen, b"\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00hi");
    drop(received);
    let output = tokio::time::timeout(LIMIT, connect.wait_with_output()).await??;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(())
}

#[test]
fn kinds_describes_the_client_layer_and_its_options() -> TestResult {
    let output = support::endpoint().args(["kinds", "haproxy"]).output()?;
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("sends a PROXY protocol"), "{text}");
    assert!(text.contains("tlvs"), "{text}");
    Ok(())
}
