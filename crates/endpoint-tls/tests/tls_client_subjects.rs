//! `clientSubjects=`: a mutual-TLS server admits the client identities it lists (DNS and URI
//! SANs, SPIFFE IDs among them, and common names), not every holder of a certificate from its
//! CA; the others are refused during the handshake with `access_denied` and never reach the
//! application (issue 19 item 12).
mod support;

use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;

use endpoint_core::description::quote;
use endpoint_core::{ClientEndpoint, Connection, Error, Registry};
use endpoint_testkit::{require_tool, Authority, TestResult, Usage};
use endpoint_tls::{ClientSubject, TlsInfo, TlsProblem};
use support::{first_der, port_of, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc::UnboundedReceiver;

/// The allow-list the server is given, escaped as a description needs.
const ALLOWED: &str = r"dns\:api.internal,uri\:spiffe\://example.org/api,cn\:billing";

/// A CA, a server certificate and client certificates in a temp dir.
struct Files {
    dir: tempfile::TempDir,
    ca: Authority,
}

impl Files {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let ca = Authority::new("Subjects CA");
        std::fs::write(dir.path().join("ca.pem"), ca.pem()).unwrap();
        let server = ca.issue("localhost", &["localhost", "127.0.0.1"], Usage::Server);
        std::fs::write(dir.path().join("server.pem"), server.combined()).unwrap();
        Files { dir, ca }
    }

    /// Issues a client certificate from `ca` into `name`.
    fn client(&self, ca: &Authority, name: &str, cn: &str, dns: &[&str], uris: &[&str]) {
        let issued = ca.issue_with_uris(cn, dns, uris, Usage::Client);
        std::fs::write(self.path(name), issued.combined()).unwrap();
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        self.dir.path().join(name)
    }

    fn arg(&self, name: &str) -> String {
        quote(&self.path(name).to_string_lossy())
    }

    fn connector(&self, port: u16, cert: &str) -> TestResult<Arc<dyn ClientEndpoint>> {
        Ok(Registry::global().client(&format!(
            "tls+tcp:127.0.0.1:{port}:hostname=localhost:trustRoots={}:certificate={}",
            self.arg("ca.pem"),
            self.arg(cert)
        ))?)
    }
}

/// Binds the server with `clientSubjects=ALLOWED` and accepts in the background: only
/// completed handshakes come through the channel.
async fn serve(files: &Files) -> TestResult<(u16, UnboundedReceiver<Connection>)> {
    let mut listener = Registry::global()
        .server(&format!(
            "tls+tcp:0:interface=127.0.0.1:certificate={}:clientCA={}:clientSubjects={ALLOWED}",
            files.arg("server.pem"),
            files.arg("ca.pem")
        ))?
        .bind()
        .await?;
    let port = port_of(&listener);
    let (accepted_tx, accepted_rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(connection) = listener.accept().await {
            if accepted_tx.send(connection).is_err() {
                break;
            }
        }
    });
    Ok((port, accepted_rx))
}

/// Connects with `cert`, then reads: a refused client learns it from the server's alert
/// (with TLS 1.3 on its first read, the handshake being complete on its side).
async fn refused(files: &Files, port: u16, cert: &str) -> TestResult {
    let client = files.connector(port, cert)?;
    let outcome = async {
        let mut connection = client.connect().await?;
        let mut buf = [0u8; 1];
        connection
            .read(&mut buf)
            .await
            .map_err(|e| Error::io("read from", "test", e))
    };
    match tokio::time::timeout(SAFETY, outcome).await? {
        Err(e) => {
            let alert = e.find::<TlsProblem>().cloned().or_else(|| {
                read_alert(&e).map(|alert| TlsProblem::PeerRejectedOurCertificate { alert })
            });
            assert_eq!(
                alert,
                Some(TlsProblem::PeerRejectedOurCertificate {
                    alert: "access denied".into()
                }),
                "{cert}: {e}"
            );
        }
        Ok(n) => panic!("{cert} was admitted: read {n} bytes"),
    }
    Ok(())
}

/// The alert in a read error (rustls' error inside the I/O error), in RFC 8446's words.
fn read_alert(error: &Error) -> Option<String> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = next {
        if let Some(rustls::Error::AlertReceived(alert)) = e.downcast_ref::<rustls::Error>() {
            return Some(match alert {
                rustls::AlertDescription::AccessDenied => "access denied".into(),
                other => format!("{other:?}"),
            });
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            if let Some(inner) = io.get_ref() {
                next = Some(inner);
                continue;
            }
        }
        next = e.source();
    }
    None
}

#[tokio::test]
async fn only_the_listed_identities_are_admitted() -> TestResult {
    let files = Files::new();
    let other_ca = Authority::new("Other CA");
    files.client(&files.ca, "dns.pem", "anything", &["api.internal"], &[]);
    files.client(
        &files.ca,
        "spiffe.pem",
        "anything",
        &[],
        &["spiffe://example.org/api"],
    );
    files.client(&files.ca, "cn.pem", "billing", &[], &[]);
    files.client(
        &files.ca,
        "other-dns.pem",
        "api.internal",
        &["web.internal"],
        &[],
    );
    files.client(
        &files.ca,
        "other-spiffe.pem",
        "anything",
        &[],
        &["spiffe://example.org/api/admin", "spiffe://example.org/web"],
    );
    files.client(&files.ca, "other-cn.pem", "billing-admin", &[], &[]);
    files.client(&other_ca, "foreign.pem", "billing", &["api.internal"], &[]);
    let (port, mut accepted) = serve(&files).await?;

    for cert in [
        "other-dns.pem",
        "other-spiffe.pem",
        "other-cn.pem",
        "foreign.pem",
    ] {
        if cert == "foreign.pem" {
            // Not from clientCA: refused by the chain check, before the list is looked at.
            let client = files.connector(port, cert)?;
            let outcome = async {
                let mut connection = client.connect().await?;
                let mut buf = [0u8; 1];
                connection
                    .read(&mut buf)
                    .await
                    .map_err(|e| Error::io("read from", "test", e))
            };
            assert!(tokio::time::timeout(SAFETY, outcome).await?.is_err());
        } else {
            refused(&files, port, cert).await?;
        }
    }

    for (cert, subject) in [
        ("dns.pem", ClientSubject::Dns("api.internal".into())),
        (
            "spiffe.pem",
            ClientSubject::Uri("spiffe://example.org/api".into()),
        ),
        ("cn.pem", ClientSubject::CommonName("billing".into())),
    ] {
        let client = files.connector(port, cert)?;
        let mut connected = tokio::time::timeout(SAFETY, client.connect()).await??;
        // The first connection the listener yields is this one: no refused client came
        // through.
        let mut server_side = tokio::time::timeout(SAFETY, accepted.recv())
            .await?
            .expect("accepted");
        let info = server_side.info().get::<TlsInfo>().unwrap();
        assert_eq!(
            info.peer_certificates[0].as_ref(),
            first_der(&files.path(cert)),
            "{cert}"
        );
        assert_eq!(info.client_subject.as_ref(), Some(&subject), "{cert}");
        connected.write_all(b"ping").await?;
        let mut buf = [0u8; 4];
        server_side.read_exact(&mut buf).await?;
        server_side.write_all(&buf).await?;
        connected.read_exact(&mut buf).await?;
        assert_eq!(&buf, b"ping");
    }
    assert!(
        accepted.try_recv().is_err(),
        "a refused client came through"
    );
    Ok(())
}

#[test]
fn the_option_is_checked_and_written_back() -> TestResult {
    let files = Files::new();
    let r = Registry::global();
    let base = format!(
        "tls+tcp:0:certificate={}:clientCA={}",
        files.arg("server.pem"),
        files.arg("ca.pem")
    );
    let server = r.server(&format!("{base}:clientSubjects={ALLOWED}"))?;
    let text = server.to_string();
    assert!(
        text.contains(&format!("clientSubjects={ALLOWED}")),
        "{text}"
    );
    assert_eq!(r.server(&text)?.to_string(), text);

    // Without clientCA=, and with an entry that is not dns:, uri: or cn:.
    for (description, says) in [
        (
            format!(
                "tls+tcp:0:certificate={}:clientSubjects=cn\\:billing",
                files.arg("server.pem")
            ),
            "needs clientCA=",
        ),
        (
            format!("{base}:clientSubjects=ip\\:127.0.0.1"),
            "is not a kind of subject",
        ),
        (format!("{base}:clientSubjects=billing"), "is not dns:NAME"),
    ] {
        let error = r.server(&description).unwrap_err();
        assert!(
            matches!(&error, Error::Option { option, reason, .. }
                if option == "clientSubjects" && reason.contains(says)),
            "{description}: {error}"
        );
    }
    Ok(())
}

/// OpenSSL's client with an admitted and a refused certificate.
#[tokio::test]
async fn openssl_s_client_is_admitted_or_refused_by_subject() -> TestResult {
    let Some(openssl) = require_tool("openssl") else {
        return Ok(());
    };
    let files = Files::new();
    files.client(
        &files.ca,
        "spiffe.pem",
        "anything",
        &[],
        &["spiffe://example.org/api"],
    );
    files.client(&files.ca, "other-cn.pem", "billing-admin", &[], &[]);
    let (port, mut accepted) = serve(&files).await?;
    let s_client = |cert: &Path| {
        let mut command = tokio::process::Command::new(&openssl);
        command
            .args(["s_client", "-connect", &format!("127.0.0.1:{port}")])
            .args(["-servername", "localhost", "-quiet", "-cert"])
            .arg(cert)
            .arg("-CAfile")
            .arg(files.path("ca.pem"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        command
    };

    // Refused: s_client reports the server's access_denied alert and exits.
    let refused = s_client(&files.path("other-cn.pem")).spawn()?;
    let output = tokio::time::timeout(SAFETY, refused.wait_with_output()).await??;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("access denied"), "s_client said: {stderr}");

    // Admitted: what it sends arrives.
    let mut admitted = s_client(&files.path("spiffe.pem")).spawn()?;
    let mut stdin = admitted.stdin.take().unwrap();
    stdin.write_all(b"hello from openssl\n").await?;
    let mut server_side = tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .expect("accepted");
    let info = server_side.info().get::<TlsInfo>().unwrap();
    assert_eq!(
        info.client_subject,
        Some(ClientSubject::Uri("spiffe://example.org/api".into()))
    );
    let mut buf = [0u8; 19];
    tokio::time::timeout(SAFETY, server_side.read_exact(&mut buf)).await??;
    assert_eq!(&buf, b"hello from openssl\n");
    drop(stdin);
    Ok(())
}
