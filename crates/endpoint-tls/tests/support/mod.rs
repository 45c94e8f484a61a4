//! Certificates made at test time with rcgen, written to a temp dir, plus small helpers.
#![allow(dead_code)]

use std::path::Path;

use endpoint_core::{Connection, Listener};
use endpoint_testkit::TestResult;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub use endpoint_testkit::TestPki as Pki;

pub use endpoint_testkit::SAFETY;

/// The DER of the first certificate in a PEM file.
pub fn first_der(path: &Path) -> Vec<u8> {
    use rustls_pki_types::pem::PemObject;
    rustls_pki_types::CertificateDer::pem_file_iter(path)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .to_vec()
}

/// Accepts one connection and connects one client, then checks bytes both ways.
pub async fn echo(
    listener: &mut Listener,
    client: &dyn endpoint_core::ClientEndpoint,
) -> TestResult<(Connection, Connection)> {
    let (mut accepted, mut connected) = tokio::time::timeout(SAFETY, async {
        tokio::try_join!(listener.accept(), client.connect())
    })
    .await??;
    connected.write_all(b"ping over tls").await?;
    let mut buf = [0u8; 13];
    accepted.read_exact(&mut buf).await?;
    assert_eq!(&buf, b"ping over tls");
    accepted.write_all(b"pong").await?;
    let mut buf = [0u8; 4];
    connected.read_exact(&mut buf).await?;
    assert_eq!(&buf, b"pong");
    Ok((accepted, connected))
}

pub fn port_of(listener: &Listener) -> u16 {
    listener.local_address().port().unwrap()
}

/// Binds Twisted's `ssl:` server on 127.0.0.1 with `cert` (certificate and key) from `pki`,
/// plus any `extra` options (`:handshakeTimeout=0.5`).
pub async fn ssl_listener(
    pki: &Pki,
    cert: &str,
    extra: &str,
) -> Result<Listener, endpoint_core::Error> {
    let description = format!(
        "ssl:0:privateKey={}:interface=127.0.0.1{extra}",
        pki.arg(cert)
    );
    endpoint_core::Registry::global()
        .server(&description)?
        .bind()
        .await
}
