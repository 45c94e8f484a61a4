//! WebSocket over TLS: `wss:` on both sides, the layer chain `ws+tls+tcp`, and `wss://`
//! URLs, with a certificate made at test time.
mod support;

use endpoint_tls::TlsInfo;
use endpoint_tls::TlsProblem;
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

/// A `wss:` server presents a renewed certificate on the next handshake after
/// `reload_certificates`, while a WebSocket connection made before carries on.
#[tokio::test]
async fn wss_server_presents_a_renewed_certificate() -> TestResult {
    let (pki, server, ca) = certificates();
    let (mut listener, port) =
        support::bind(&format!("wss:0:privateKey={server}:interface=127.0.0.1")).await?;
    let client = endpoint_core::Registry::global()
        .client(&format!("wss:localhost:{port}:trustRoots={ca}"))?;
    let presented = |c: &endpoint_core::Connection| {
        c.info().get::<TlsInfo>().unwrap().peer_certificates[0].to_vec()
    };
    let (mut old_accepted, mut old_connected) =
        tokio::try_join!(listener.accept(), client.connect())?;
    let before = presented(&old_connected);

    // The CA-signed `expired.pem` stands in for a renewed certificate: it is another one.
    let path = pki.path("server.pem");
    std::fs::copy(pki.path("expired.pem"), path.with_extension("new"))?;
    std::fs::rename(path.with_extension("new"), &path)?;
    assert!(endpoint_tls::reload_certificates().reloaded >= 1);
    // The listener must be polled for the server's handshake to run; it never yields a
    // connection here, since the client refuses the (expired) certificate.
    // A new client: the first one would resume its TLS session, which shows no certificate.
    let client = endpoint_core::Registry::global()
        .client(&format!("wss:localhost:{port}:trustRoots={ca}"))?;
    let refused = tokio::select! {
        connected = client.connect() => connected.unwrap_err(),
        accepted = listener.accept() => panic!("accepted {:?}", accepted.map(|_| ())),
    };
    assert!(
        matches!(
            refused.find::<TlsProblem>(),
            Some(TlsProblem::Expired { .. })
        ),
        "{refused}"
    );
    exchange(&mut old_connected, &mut old_accepted, b"still here").await?;
    assert_ne!(before, Vec::<u8>::new());
    Ok(())
}
