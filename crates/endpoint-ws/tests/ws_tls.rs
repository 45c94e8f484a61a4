//! WebSocket over TLS: `wss:` on both sides, the layer chain `ws+tls+tcp`, and `wss://`
//! URLs, with a certificate made at test time.
mod support;

use endpoint_core::description::quote;
use endpoint_tls::TlsInfo;
use support::{exchange, pair, TestResult};

use endpoint_tls as _;

/// A CA and a `localhost` server certificate in `dir`: (server.pem, ca.pem), quoted.
fn certificates(dir: &std::path::Path) -> Result<(String, String), Box<dyn std::error::Error>> {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name.push(DnType::CommonName, "ws test CA");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca.self_signed(&ca_key)?;
    let key = KeyPair::generate()?;
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let cert = CertificateParams::new(names)?.signed_by(&key, &ca, &ca_key)?;
    let server = dir.join("server.pem");
    std::fs::write(&server, format!("{}{}", cert.pem(), key.serialize_pem()))?;
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem())?;
    Ok((
        quote(&server.to_string_lossy()),
        quote(&ca_file.to_string_lossy()),
    ))
}

#[tokio::test]
async fn wss_server_and_client() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (server, ca) = certificates(dir.path())?;
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
    let dir = tempfile::tempdir()?;
    let (server, ca) = certificates(dir.path())?;
    let (_l, mut accepted, mut connected) = pair(
        &format!("ws+tls+tcp:0:interface=127.0.0.1:certificate={server}:ws.path=/chain"),
        |p| format!("ws+tls+tcp:localhost:{p}:trustRoots={ca}:ws.path=/chain"),
    )
    .await?;
    exchange(&mut connected, &mut accepted, b"layers all the way down").await?;
    Ok(())
}
