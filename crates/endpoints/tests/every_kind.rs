//! Depending on the facade alone is enough for every built-in kind to be found, and each one
//! carries bytes over a real socket.

use endpoint_testkit::TestResult;
use endpoints::{Registry, Side};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[test]
fn the_facade_links_every_transport() {
    let registry = Registry::global();
    for (name, side) in [
        ("tcp", Side::Server),
        ("tcp6", Side::Server),
        ("tcp", Side::Client),
        ("unix", Side::Server),
        ("unix", Side::Client),
    ] {
        assert!(
            registry.find(name, side, false).is_some(),
            "{side} kind {name} is missing"
        );
    }
    // Layers, as the default features link them.
    for (name, side) in [
        ("haproxy", Side::Server),
        ("haproxy", Side::Client),
        ("socks5", Side::Client),
        ("httpconnect", Side::Client),
    ] {
        assert!(
            registry.find(name, side, true).is_some(),
            "{side} layer {name} is missing"
        );
    }
}

async fn echo_once(server: &str, client_of: impl Fn(&endpoints::Address) -> String) -> TestResult {
    let registry = Registry::global();
    let mut listener = registry.server(server)?.bind().await?;
    let client = registry.client(&client_of(listener.local_address()))?;
    let (mut accepted, mut connected) = tokio::try_join!(listener.accept(), client.connect())?;
    connected.write_all(b"across the wire").await?;
    connected.shutdown().await?;
    let mut got = Vec::new();
    accepted.read_to_end(&mut got).await?;
    assert_eq!(got, b"across the wire");
    Ok(())
}

#[tokio::test]
async fn tcp_through_the_facade() -> TestResult {
    echo_once("tcp:0:interface=127.0.0.1", |a| {
        format!("tcp:127.0.0.1:{}", a.port().unwrap())
    })
    .await
}

#[tokio::test]
async fn unix_through_the_facade() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("echo.sock");
    let server = format!("unix:{}", endpoints::quote(&path.to_string_lossy()));
    echo_once(&server, |_| {
        format!("unix:{}", endpoints::quote(&path.to_string_lossy()))
    })
    .await
}

#[test]
fn describe_json_matches_the_contract() -> TestResult {
    let described = Registry::global().describe(Side::Server, "tcp:8080")?;
    assert_eq!(
        serde_json::to_string(&described)?,
        r#"{"side":"server","kind":"tcp","layers":[],"port":8080,"interface":"","backlog":50}"#
    );
    let described = Registry::global().describe(Side::Client, "tcp:example.com:443")?;
    assert_eq!(
        serde_json::to_string(&described)?,
        r#"{"side":"client","kind":"tcp","layers":[],"host":"example.com","port":443,"timeout":30,"bindAddress":null}"#
    );
    Ok(())
}

#[cfg(feature = "quic")]
#[test]
fn the_quic_feature_links_the_quic_kinds() {
    let registry = Registry::global();
    for side in [Side::Server, Side::Client] {
        assert!(
            registry.find("quic", side, false).is_some(),
            "{side} kind quic is missing"
        );
    }
}

#[cfg(feature = "dns")]
#[test]
fn the_dns_feature_links_the_srv_and_dns_kinds() {
    let registry = Registry::global();
    for kind in ["srv", "dns"] {
        assert!(
            registry.find(kind, Side::Client, false).is_some(),
            "client kind {kind} is missing"
        );
    }
}
