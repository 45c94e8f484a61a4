//! Certificates that renew themselves: replace the files, reload, and the next handshake
//! presents the new certificate while established connections carry on; a broken
//! replacement changes nothing.
mod support;

use std::path::{Path, PathBuf};

use endpoint_core::description::quote;
use endpoint_core::{Connection, Listener, Registry};
use endpoint_testkit::TestResult;
use endpoint_testkit::{Authority, Usage};
use endpoint_tls::TlsProblem;
use endpoint_tls::{reload_certificates, TlsInfo};
use support::{echo, port_of};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A CA and a temp dir: `ca.pem`, and certificates for `localhost` issued on demand.
struct Pki {
    dir: tempfile::TempDir,
    ca: Authority,
}

impl Pki {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca = Authority::new("Reload CA");
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        Pki { dir, ca }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn arg(&self, name: &str) -> String {
        quote(&self.path(name).to_string_lossy())
    }

    /// Issues a new `localhost` certificate and puts it (with its key) at `name` the way
    /// renewal tools do: a new file renamed over the old. Returns the certificate's DER.
    fn renew(&self, name: &str) -> Vec<u8> {
        let issued = self
            .ca
            .issue("localhost", &["localhost", "127.0.0.1"], Usage::Server);
        replace(&self.path(name), &issued.combined());
        support::first_der(&self.path(name))
    }

    fn client(&self, port: u16) -> std::sync::Arc<dyn endpoint_core::ClientEndpoint> {
        let ca = self.arg("ca.pem");
        Registry::global()
            .client(&format!("tls:localhost:{port}:trustRoots={ca}"))
            .unwrap()
    }
}

fn replace(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let new = path.with_extension("new");
    std::fs::write(&new, text).unwrap();
    std::fs::rename(&new, path).unwrap();
}

/// The leaf certificate the server presented.
fn presented(connected: &Connection) -> Vec<u8> {
    let info = connected.info().get::<TlsInfo>().unwrap();
    info.peer_certificates[0].to_vec()
}

async fn handshake(listener: &mut Listener, pki: &Pki) -> TestResult<Vec<u8>> {
    let client = pki.client(port_of(listener));
    let (_accepted, connected) = echo(listener, &*client).await?;
    Ok(presented(&connected))
}

/// The bytes still flow over a connection made before the swap.
async fn still_works(accepted: &mut Connection, connected: &mut Connection) -> TestResult {
    connected.write_all(b"after").await?;
    connected.flush().await?;
    let mut buf = [0; 5];
    accepted.read_exact(&mut buf).await?;
    assert_eq!(&buf, b"after");
    Ok(())
}

/// Binds `description` (with `@PKI@` replaced by the temp dir) and checks that a replaced
/// certificate is presented after a reload, that the connection made before carries on, and
/// that broken replacements keep the renewed certificate.
async fn renews(description: &str, file: &str) -> TestResult {
    let pki = Pki::new();
    let first = pki.renew(file);
    let description = description.replace("@PKI@", &quote(&pki.dir.path().to_string_lossy()));
    let mut listener = Registry::global().server(&description)?.bind().await?;
    let client = pki.client(port_of(&listener));
    let (mut accepted, mut connected) = echo(&mut listener, &*client).await?;
    assert_eq!(presented(&connected), first);

    let second = pki.renew(file);
    let outcome = reload_certificates();
    assert!(outcome.reloaded >= 1, "{outcome:?}");
    assert_eq!(
        handshake(&mut listener, &pki).await?,
        second,
        "{description}"
    );
    still_works(&mut accepted, &mut connected).await?;

    // Broken replacements: garbage, and the right certificate with another one's key.
    let other = pki.ca.issue("other", &["other.test"], Usage::Server);
    let cert_pem = std::fs::read_to_string(pki.path(file))?;
    let cert_only = &cert_pem[..cert_pem.find("-----BEGIN PRIVATE KEY").unwrap()];
    for broken in [
        "garbage\n".to_owned(),
        format!("{cert_only}{}", other.key_pem),
    ] {
        replace(&pki.path(file), &broken);
        let outcome = reload_certificates();
        let ours = pki.path(file);
        let mentioned = outcome.kept.iter().any(|e| {
            e.to_string().contains(&*ours.to_string_lossy())
                || e.to_string().contains(&*pki.dir.path().to_string_lossy())
        });
        assert!(mentioned, "{description}: {outcome:?}");
        assert_eq!(
            handshake(&mut listener, &pki).await?,
            second,
            "{description}"
        );
    }
    still_works(&mut accepted, &mut connected).await?;
    Ok(())
}

#[tokio::test]
async fn ssl_server_presents_the_renewed_certificate() -> TestResult {
    renews(
        "ssl:0:privateKey=@PKI@/server.pem:interface=127.0.0.1",
        "server.pem",
    )
    .await
}

#[tokio::test]
async fn tls_layer_server_presents_the_renewed_certificate() -> TestResult {
    renews(
        "tls+tcp:0:interface=127.0.0.1:certificate=@PKI@/server.pem",
        "server.pem",
    )
    .await
}

#[tokio::test]
async fn tls_directory_server_presents_the_renewed_certificate() -> TestResult {
    renews(
        "tls:@PKI@/certs:port=0:interface=127.0.0.1",
        "certs/localhost.pem",
    )
    .await
}

#[tokio::test]
async fn a_mismatched_key_is_reported_with_both_files() -> TestResult {
    let pki = Pki::new();
    pki.renew("server.pem");
    let resolver = endpoint_tls::ReloadingCertResolver::load(pki.path("server.pem"), None, None)?;
    let before = resolver.current();
    let other = pki.ca.issue("other", &["other.test"], Usage::Server);
    let mine = std::fs::read_to_string(pki.path("server.pem"))?;
    let cert_only = &mine[..mine.find("-----BEGIN PRIVATE KEY").unwrap()];
    replace(
        &pki.path("server.pem"),
        &format!("{cert_only}{}", other.key_pem),
    );
    let error = resolver.reload().unwrap_err();
    assert!(
        matches!(error.find::<TlsProblem>(), Some(TlsProblem::KeyMismatch { key, .. }) if key == &pki.path("server.pem")),
        "{error}"
    );
    assert!(std::sync::Arc::ptr_eq(&before, &resolver.current()));
    Ok(())
}

#[tokio::test]
async fn an_emptied_directory_keeps_serving_but_will_not_bind_again() -> TestResult {
    let pki = Pki::new();
    let first = pki.renew("certs/localhost.pem");
    let certs = pki.arg("certs");
    let server = Registry::global().server(&format!("tls:{certs}:port=0:interface=127.0.0.1"))?;
    let mut listener = server.bind().await?;
    std::fs::remove_file(pki.path("certs/localhost.pem"))?;
    let outcome = reload_certificates();
    let dir = pki.path("certs");
    assert!(
        outcome
            .kept
            .iter()
            .any(|e| e.to_string().contains(&*dir.to_string_lossy())),
        "{outcome:?}"
    );
    // The live server keeps its certificate...
    assert_eq!(handshake(&mut listener, &pki).await?, first);
    // ...but does not start listening again with nothing of its own to serve.
    let refused = server.bind().await.unwrap_err();
    assert!(
        matches!(
            refused.find::<TlsProblem>(),
            Some(TlsProblem::NoCertificate { .. })
        ),
        "{refused}"
    );
    // A certificate for a new name appears without a restart.
    let added = pki.ca.issue("new", &["new.test"], Usage::Server);
    replace(&pki.path("certs/new.pem"), &added.combined());
    reload_certificates();
    let client = Registry::global().client(&format!(
        "tls:new.test:{}:trustRoots={}:endpoint=tcp\\:127.0.0.1\\:{}",
        port_of(&listener),
        pki.arg("ca.pem"),
        port_of(&listener)
    ))?;
    let (_accepted, connected) = echo(&mut listener, &*client).await?;
    assert_eq!(
        presented(&connected),
        support::first_der(&pki.path("certs/new.pem"))
    );
    Ok(())
}

#[tokio::test]
async fn bind_serves_files_renewed_since_parsing() -> TestResult {
    let pki = Pki::new();
    pki.renew("server.pem");
    let server = Registry::global().server(&format!(
        "ssl:0:privateKey={}:interface=127.0.0.1",
        pki.arg("server.pem")
    ))?;
    let renewed = pki.renew("server.pem");
    let mut listener = server.bind().await?;
    assert_eq!(handshake(&mut listener, &pki).await?, renewed);
    Ok(())
}

/// Issue 19 item 22: a broken first file of a `tls:` directory does not hand its place as
/// the default certificate (served to clients without SNI, an IP literal here) to the next
/// pair.
#[tokio::test]
async fn a_broken_first_file_keeps_the_default_certificate() -> TestResult {
    let pki = Pki::new();
    for (file, name) in [("certs/a.pem", "a.test"), ("certs/b.pem", "b.test")] {
        let issued = pki.ca.issue(name, &[name, "127.0.0.1"], Usage::Server);
        replace(&pki.path(file), &issued.combined());
    }
    let first = support::first_der(&pki.path("certs/a.pem"));
    let mut listener = Registry::global()
        .server(&format!(
            "tls:{}:port=0:interface=127.0.0.1",
            pki.arg("certs")
        ))?
        .bind()
        .await?;
    // An IP literal: no SNI, so the default certificate.
    let client = Registry::global().client(&format!(
        "tls+tcp:127.0.0.1:{}:trustRoots={}",
        port_of(&listener),
        pki.arg("ca.pem")
    ))?;
    let (_accepted, connected) = echo(&mut listener, &*client).await?;
    assert_eq!(presented(&connected), first);

    replace(&pki.path("certs/a.pem"), "garbage\n");
    let outcome = reload_certificates();
    let dir = pki.path("certs");
    assert!(
        outcome
            .kept
            .iter()
            .any(|e| e.to_string().contains(&*dir.to_string_lossy())),
        "{outcome:?}"
    );
    let (_accepted, connected) = echo(&mut listener, &*client).await?;
    assert_eq!(presented(&connected), first);
    Ok(())
}
