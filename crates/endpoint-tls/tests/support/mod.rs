//! Certificates made at test time with rcgen, written to a temp dir, plus small helpers.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use endpoint_core::{Connection, Listener};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Only a safety net against a hung test.
pub const SAFETY: Duration = Duration::from_secs(20);

pub struct Authority {
    cert: rcgen::Certificate,
    key: KeyPair,
}

impl Authority {
    pub fn new(name: &str) -> Self {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let cert = params.self_signed(&key).unwrap();
        Authority { cert, key }
    }

    pub fn pem(&self) -> String {
        self.cert.pem()
    }

    /// A leaf certificate for `names` (DNS names or IP literals), as (cert PEM, key PEM).
    pub fn issue(
        &self,
        common_name: &str,
        names: &[&str],
        client: bool,
        expired: bool,
    ) -> (String, String) {
        let key = KeyPair::generate().unwrap();
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.extended_key_usages = vec![if client {
            ExtendedKeyUsagePurpose::ClientAuth
        } else {
            ExtendedKeyUsagePurpose::ServerAuth
        }];
        if expired {
            params.not_before = rcgen::date_time_ymd(2001, 1, 1);
            params.not_after = rcgen::date_time_ymd(2002, 1, 1);
        }
        let cert = params.signed_by(&key, &self.cert, &self.key).unwrap();
        (cert.pem(), key.serialize_pem())
    }
}

/// A test PKI on disk: `ca.pem`, `cas/ca.pem`, `server.pem` (cert+key for localhost,
/// 127.0.0.1, ::1), `server-cert.pem`, `server-key.pem`, `client.pem`, `other-client.pem`
/// (from an unknown CA), `expired.pem`, `other-ca.pem`, `sni/` (example.com, *.example.org).
pub struct Pki {
    pub dir: tempfile::TempDir,
}

impl Pki {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca = Authority::new("Test Root CA");
        let other = Authority::new("Other CA");
        let write = |name: &str, text: &str| {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("ca.pem", &ca.pem());
        write("cas/ca.pem", &ca.pem());
        write("other-ca.pem", &other.pem());
        let (cert, key) = ca.issue(
            "localhost",
            &["localhost", "127.0.0.1", "::1"],
            false,
            false,
        );
        write("server.pem", &format!("{cert}{key}"));
        write("server-cert.pem", &cert);
        write("server-key.pem", &key);
        let (cert, key) = ca.issue("client", &[], true, false);
        write("client.pem", &format!("{cert}{key}"));
        let (cert, key) = other.issue("client", &[], true, false);
        write("other-client.pem", &format!("{cert}{key}"));
        let (cert, key) = ca.issue("localhost", &["localhost", "127.0.0.1"], false, true);
        write("expired.pem", &format!("{cert}{key}"));
        let (cert, key) = ca.issue(
            "example.com",
            &["example.com", "www.example.com"],
            false,
            false,
        );
        write("sni/example.com.pem", &format!("{cert}{key}"));
        write("sni-certs/example.com.pem", &cert);
        let (cert, key) = ca.issue("wildcard", &["*.example.org"], false, false);
        write("sni/wildcard.pem", &format!("{cert}{key}"));
        write("sni-certs/wildcard.pem", &cert);
        Pki { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// `name`'s path, escaped for a description.
    pub fn arg(&self, name: &str) -> String {
        endpoint_core::description::quote(&self.path(name).to_string_lossy())
    }
}

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
) -> Result<(Connection, Connection), Box<dyn std::error::Error>> {
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
