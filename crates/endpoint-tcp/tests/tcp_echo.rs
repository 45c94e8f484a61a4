//! Echo over real TCP sockets on 127.0.0.1 and ::1, through descriptions.
mod support;

use endpoint_core::{Address, Registry};
use endpoint_tcp as _;
use endpoint_testkit::TestResult;
use support::{exchange, SAFETY};

async fn echo(server: &str, client_of: impl Fn(u16) -> String) -> TestResult {
    let registry = Registry::global();
    let mut listener = registry.server(server)?.bind().await?;
    let port = listener.local_address().port().expect("an IP listener");
    let client = registry.client(&client_of(port))?;
    let (mut accepted, mut connected) = tokio::time::timeout(SAFETY, async {
        tokio::try_join!(listener.accept(), client.connect())
    })
    .await??;
    assert_eq!(accepted.peer_address(), connected.local_address());
    assert_eq!(accepted.local_address(), connected.peer_address());
    exchange(&mut connected, &mut accepted, b"hello over tcp").await?;
    Ok(())
}

#[tokio::test]
async fn echo_ipv4() -> TestResult {
    echo("tcp:0:interface=127.0.0.1", |p| {
        format!("tcp:127.0.0.1:{p}")
    })
    .await
}

#[tokio::test]
async fn echo_ipv6_interface_switches_family() -> TestResult {
    let listener = Registry::global()
        .server(r"tcp:0:interface=\:\:1")?
        .bind()
        .await?;
    assert!(matches!(listener.local_address(), Address::Inet(a) if a.is_ipv6()));
    echo(r"tcp:0:interface=\:\:1", |p| format!("tcp:[::1]:{p}")).await
}

#[tokio::test]
async fn echo_tcp6_with_escaped_literal_client() -> TestResult {
    echo(r"tcp6:0:interface=\:\:1", |p| format!(r"tcp:\:\:1:{p}")).await
}

#[tokio::test]
async fn tcp6_default_is_dual_stack() -> TestResult {
    echo("tcp6:0", |p| format!("tcp:127.0.0.1:{p}")).await
}

#[tokio::test]
async fn localhost_name_resolves() -> TestResult {
    echo("tcp:0:interface=localhost", |p| {
        format!("tcp:localhost:{p}:timeout=10")
    })
    .await
}

#[tokio::test]
async fn bind_address_chooses_the_local_address() -> TestResult {
    let registry = Registry::global();
    let mut listener = registry.server("tcp:0:interface=127.0.0.1")?.bind().await?;
    let port = listener.local_address().port().unwrap();
    let client = registry.client(&format!("tcp:127.0.0.1:{port}:bindAddress=127.0.0.1"))?;
    let (accepted, _connected) = tokio::try_join!(listener.accept(), client.connect())?;
    assert_eq!(
        accepted.peer_address().as_inet().unwrap().ip().to_string(),
        "127.0.0.1"
    );
    Ok(())
}

#[tokio::test]
async fn listener_is_a_stream_and_backlog_is_real() -> TestResult {
    use futures_util::StreamExt;
    let registry = Registry::global();
    let mut listener = registry
        .server("tcp:0:interface=127.0.0.1:backlog=5")?
        .bind()
        .await?;
    let port = listener.local_address().port().unwrap();
    let client = registry.client(&format!("tcp:127.0.0.1:{port}"))?;
    let (accepted, _c) = tokio::join!(listener.next(), client.connect());
    assert!(accepted.expect("a stream never ends on its own").is_ok());
    Ok(())
}

#[tokio::test]
async fn nodelay_is_on_by_default_and_can_be_turned_off() -> TestResult {
    use tokio::net::TcpStream;
    let registry = Registry::global();
    for (server, client_extra, expected) in [
        ("tcp:0:interface=127.0.0.1", "", true),
        ("tcp:0:interface=127.0.0.1:nodelay=0", ":nodelay=0", false),
    ] {
        let mut listener = registry.server(server)?.bind().await?;
        let port = listener.local_address().port().unwrap();
        let client = registry.client(&format!("tcp:127.0.0.1:{port}{client_extra}"))?;
        let (accepted, connected) = tokio::try_join!(listener.accept(), client.connect())?;
        let accepted = accepted.try_into_inner::<TcpStream>().expect("a TcpStream");
        let connected = connected
            .try_into_inner::<TcpStream>()
            .expect("a TcpStream");
        assert_eq!(accepted.nodelay()?, expected, "{server}");
        assert_eq!(connected.nodelay()?, expected, "{server}");
    }
    // Off is written out; on, the default, is not.
    assert_eq!(
        registry.client("tcp:h:80:nodelay=0")?.to_string(),
        "tcp:h:80:timeout=30:nodelay=0"
    );
    assert_eq!(
        registry.client("tcp:h:80:nodelay=1")?.to_string(),
        "tcp:h:80:timeout=30"
    );
    Ok(())
}
