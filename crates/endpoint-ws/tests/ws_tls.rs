//! WebSocket over TLS: `wss:` on both sides, the layer chain `ws+tls+tcp`, and `wss://`
//! URLs, with a certificate made at test time.
mod support;

use endpoint_tls::TlsInfo;
use support::{exchange, pair, TestResult};

use endpoint_tls as _;

/// A test PKI and its server certificate and CA file, quoted for descriptions.
fn certificates() -> (endpoint_testkit::TestPki, String, String) {
    let pki = endpoint_testkit::TestPki::new();
    let (server, ca) = (pki.arg("server.pem"), pki.arg("ca.pem"));
    (pki, server, ca)
}

#[tokio::test]
async fn wss_server_and_client() -> TestResult {
    let (_pki, server, ca) = certificates();
    let (_l, mut accepted, mut connected) = pair(
        &format!("wss:0:privateKey={server}:interface=127.0.0.1:path=/secure"),
        |p| format!("wss:localhost:{p}:trustRoots={ca}:path=/secure"),
    )
    .await?;
    exchange(&mut connected, &mut accepted, b"hello over wss").await?;
    assert_eq!(connected.info().stack, ["tcp", "tls", "ws"]);
    assert_eq!(accepted.info().stack, ["tcp", "tls", "ws"]);
    assert_eq!(
        connected
            .info()
            .get::<TlsInfo>()
            .unwrap()
            .server_name
            .as_deref(),
        Some("localhost")
    );
    Ok(())
}

#[tokio::test]
async fn ws_over_tls_over_tcp_layer_chain() -> TestResult {
    let (_pki, server, ca) = certificates();
    let (_l, mut accepted, mut connected) = pair(
        &format!("ws+tls+tcp:0:interface=127.0.0.1:certificate={server}:ws.path=/chain"),
        |p| format!("ws+tls+tcp:localhost:{p}:trustRoots={ca}:ws.path=/chain"),
    )
    .await?;
    exchange(&mut connected, &mut accepted, b"layers all the way down").await?;
    Ok(())
}
