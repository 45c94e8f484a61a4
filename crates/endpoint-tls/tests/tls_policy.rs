//! SNI picks the right certificate, ALPN is negotiated, mutual TLS accepts a good client and
//! rejects a missing or wrong one, and verification failures each get their own clear error.
mod support;

use std::time::{Duration, UNIX_EPOCH};

use endpoint_core::{Error, Registry};
use endpoint_testkit::TestResult;
use endpoint_tls::TlsInfo;
use endpoint_tls::TlsProblem;
use support::{echo, first_der, port_of, ssl_listener, Pki, SAFETY};
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn sni_picks_the_certificate_for_each_name() -> TestResult {
    let pki = Pki::new();
    let r = Registry::global();
    let mut listener = r
        .server(&format!(
            "tls:{}:port=0:interface=127.0.0.1",
            pki.arg("sni")
        ))?
        .bind()
        .await?;
    let port = port_of(&listener);
    for (name, file) in [
        ("example.com", "sni-certs/example.com.pem"),
        ("www.example.com", "sni-certs/example.com.pem"),
        ("api.example.org", "sni-certs/wildcard.pem"),
    ] {
        let client = r.client(&format!(
            "tls:{name}:443:trustRoots={}:endpoint=tcp\\:127.0.0.1\\:{port}",
            pki.arg("cas")
        ))?;
        let (_, connected) = echo(&mut listener, &*client).await?;
        let info = connected.info().get::<TlsInfo>().unwrap();
        assert_eq!(
            info.peer_certificates[0].as_ref(),
            first_der(&pki.path(file)),
            "{name}"
        );
    }
    Ok(())
}

/// Links back to the directory itself (two of them, so following both made the walk grow as
/// 2^depth until paths reached PATH_MAX: parsing never finished) are walked once.
#[tokio::test]
async fn a_pem_directory_with_symlink_loops_is_scanned_once() -> TestResult {
    let pki = Pki::new();
    let sni = pki.path("sni");
    std::os::unix::fs::symlink(&sni, sni.join("again"))?;
    std::os::unix::fs::symlink(".", sni.join("here"))?;
    std::os::unix::fs::symlink("..", sni.join("up"))?;
    let description = format!("tls:{}:port=0:interface=127.0.0.1", pki.arg("sni"));
    let (sender, parsed) = std::sync::mpsc::channel();
    std::thread::spawn(move || sender.send(Registry::global().server(&description)));
    let server = parsed.recv_timeout(SAFETY)??;
    let mut listener = server.bind().await?;
    let port = port_of(&listener);
    let client = Registry::global().client(&format!(
        "tls:www.example.com:443:trustRoots={}:endpoint=tcp\\:127.0.0.1\\:{port}",
        pki.arg("cas")
    ))?;
    let (_, connected) = echo(&mut listener, &*client).await?;
    let info = connected.info().get::<TlsInfo>().unwrap();
    assert_eq!(
        info.peer_certificates[0].as_ref(),
        first_der(&pki.path("sni-certs/example.com.pem"))
    );
    Ok(())
}

#[tokio::test]
async fn alpn_is_negotiated_and_a_mismatch_is_clear() -> TestResult {
    let pki = Pki::new();
    let r = Registry::global();
    let mut listener = r
        .server(&format!(
            "tls+tcp:0:interface=127.0.0.1:certificate={}:alpn=h2,http/1.1",
            pki.arg("server.pem")
        ))?
        .bind()
        .await?;
    let port = port_of(&listener);
    let client = r.client(&format!(
        "tls+tcp:127.0.0.1:{port}:hostname=localhost:trustRoots={}:alpn=http/1.1",
        pki.arg("ca.pem")
    ))?;
    let (accepted, connected) = echo(&mut listener, &*client).await?;
    assert_eq!(
        connected.info().get::<TlsInfo>().unwrap().alpn.as_deref(),
        Some("http/1.1")
    );
    assert_eq!(
        accepted.info().get::<TlsInfo>().unwrap().alpn.as_deref(),
        Some("http/1.1")
    );
    for info in [connected.info(), accepted.info()] {
        let secured = info.get::<endpoint_core::Secured>().unwrap();
        assert_eq!(secured.alpn.as_deref(), Some(&b"http/1.1"[..]));
        assert!(!secured.is_h2());
    }
    // Keep accepting in the background so the next handshake runs.
    let _serving = listener.listen(|_c| async {});

    let client = r.client(&format!(
        "tls+tcp:127.0.0.1:{port}:hostname=localhost:trustRoots={}:alpn=smtp",
        pki.arg("ca.pem")
    ))?;
    let error = client.connect().await.unwrap_err();
    assert_eq!(
        error.find::<TlsProblem>(),
        Some(&TlsProblem::NoSharedAlpn {
            offered: vec!["smtp".into()]
        }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("no shared application protocol (ALPN); this side offered smtp"),
        "{error}"
    );
    Ok(())
}

#[tokio::test]
async fn mutual_tls_accepts_a_good_client_and_rejects_others() -> TestResult {
    let pki = Pki::new();
    let r = Registry::global();
    let mut listener = r
        .server(&format!(
            "tls+tcp:0:interface=127.0.0.1:certificate={}:clientCA={}",
            pki.arg("server.pem"),
            pki.arg("ca.pem")
        ))?
        .bind()
        .await?;
    let port = port_of(&listener);
    let client_with = |cert: Option<&str>| {
        let cert = cert
            .map(|c| format!(":certificate={}", pki.arg(c)))
            .unwrap_or_default();
        r.client(&format!(
            "tls+tcp:127.0.0.1:{port}:hostname=localhost:trustRoots={}{cert}",
            pki.arg("ca.pem")
        ))
    };

    // The listener accepts in the background; only completed handshakes come through.
    let (accepted_tx, mut accepted_rx) = tokio::sync::mpsc::unbounded_channel();
    let accepting = tokio::spawn(async move {
        while let Ok(connection) = listener.accept().await {
            if accepted_tx.send(connection).is_err() {
                break;
            }
        }
    });

    // Missing and wrong client certificates: the server refuses them. With TLS 1.3 the client
    // learns it on its first read.
    for bad in [None, Some("other-client.pem")] {
        let client = client_with(bad)?;
        let outcome = async {
            let mut connection = client.connect().await?;
            let mut buf = [0u8; 1];
            connection
                .read(&mut buf)
                .await
                .map_err(|e| Error::io("read from", "test", e))
        };
        match tokio::time::timeout(SAFETY, outcome).await? {
            Ok(0) => {}
            Err(e) => assert!(!e.is_timeout(), "{e}"),
            Ok(n) => panic!("a client with {bad:?} read {n} bytes"),
        }
    }

    // The good client is the first connection the listener yields.
    let client = client_with(Some("client.pem"))?;
    let _connected = client.connect().await?;
    let accepted = tokio::time::timeout(SAFETY, accepted_rx.recv())
        .await?
        .expect("accepted");
    let info = accepted.info().get::<TlsInfo>().unwrap();
    assert_eq!(
        info.peer_certificates[0].as_ref(),
        first_der(&pki.path("client.pem"))
    );
    accepting.abort();
    Ok(())
}

/// Connects a `tls:` client trusting `trust` to an `ssl:` server using `server_cert`.
async fn verification_error(server_cert: &str, trust: &str) -> TestResult<Error> {
    let pki = Pki::new();
    let r = Registry::global();
    let listener = ssl_listener(&pki, server_cert, "").await?;
    let port = port_of(&listener);
    let serving = listener.listen(|_c| async {});
    let client = r.client(&format!(
        "tls:localhost:{port}:trustRoots={}",
        pki.arg(trust)
    ))?;
    let error = tokio::time::timeout(SAFETY, client.connect())
        .await?
        .unwrap_err();
    serving.stop_listening().await;
    let Error::Handshake {
        layer: "tls",
        endpoint: Some(endpoint),
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert!(endpoint.starts_with("tls:localhost:"), "{endpoint}");
    assert!(
        error
            .to_string()
            .starts_with(&format!("tls handshake with \"{endpoint}\" failed: ")),
        "{error}"
    );
    Ok(error)
}

#[tokio::test]
async fn unknown_ca_wrong_name_and_expired_each_say_so() -> TestResult {
    let unknown = verification_error("server.pem", "other-ca.pem").await?;
    assert_eq!(
        unknown.find::<TlsProblem>(),
        Some(&TlsProblem::UnknownIssuer)
    );
    assert!(unknown.to_string().contains("unknown issuer"), "{unknown}");

    let pki = Pki::new();
    let r = Registry::global();
    let listener = ssl_listener(&pki, "server.pem", "").await?;
    let port = port_of(&listener);
    let _serving = listener.listen(|_c| async {});
    let client = r.client(&format!(
        "ssl:127.0.0.1:{port}:hostname=wrong.example:caCertsDir={}",
        pki.arg("cas")
    ))?;
    let wrong = client.connect().await.unwrap_err();
    assert_eq!(
        wrong.find::<TlsProblem>(),
        Some(&TlsProblem::NameMismatch {
            expected: "wrong.example".into(),
            presented: vec!["localhost".into(), "127.0.0.1".into(), "::1".into()],
        }),
        "{wrong}"
    );
    let text = wrong.to_string();
    assert!(
        text.ends_with(
            "the certificate is not valid for the name \"wrong.example\" (name mismatch); \
             it is valid for localhost, 127.0.0.1, ::1"
        ),
        "{text}"
    );

    let expired = verification_error("expired.pem", "cas").await?;
    let Some(&TlsProblem::Expired {
        not_after: Some(not_after),
        now: Some(now),
    }) = expired.find::<TlsProblem>()
    else {
        panic!("{expired:?}")
    };
    // testkit's expired certificate: valid until 2002-01-01.
    assert_eq!(not_after, UNIX_EPOCH + Duration::from_secs(1_009_843_200));
    assert!(now > not_after);
    let text = expired.to_string();
    assert!(
        text.contains(
            "the certificate has expired (expired on 2002-01-01 00:00:00 UTC; it is now "
        ),
        "{text}"
    );
    Ok(())
}

#[tokio::test]
async fn a_server_presenting_its_ca_certificate_is_told_to_use_a_leaf() -> TestResult {
    let error = verification_error("ca-as-leaf.pem", "ca.pem").await?;
    assert_eq!(
        error.find::<TlsProblem>(),
        Some(&TlsProblem::CaUsedAsEndEntity)
    );
    let text = error.to_string();
    assert!(
        text.contains("presents a CA certificate as its own certificate; give it a leaf certificate signed by that CA"),
        "{text}"
    );
    for debug_text in [
        "OtherError(",
        "Other(",
        "CaUsedAsEndEntity",
        "InvalidCertificate",
    ] {
        assert!(!text.contains(debug_text), "{text}");
    }
    Ok(())
}

#[tokio::test]
async fn a_silent_client_does_not_delay_others_and_times_out() -> TestResult {
    let pki = Pki::new();
    let r = Registry::global();
    let mut listener = ssl_listener(&pki, "server.pem", ":handshakeTimeout=0.5").await?;
    let port = port_of(&listener);
    // A plain TCP client that never starts a handshake.
    let mut silent = r
        .client(&format!("tcp:127.0.0.1:{port}"))?
        .connect()
        .await?;
    let client = r.client(&format!(
        "ssl:127.0.0.1:{port}:hostname=localhost:caCertsDir={}",
        pki.arg("cas")
    ))?;
    echo(&mut listener, &*client).await?;
    // The silent one is dropped when its handshake time runs out: it reads EOF.
    let mut buf = [0u8; 1];
    let n = tokio::time::timeout(SAFETY, silent.read(&mut buf))
        .await?
        .unwrap_or(0);
    assert_eq!(n, 0);
    Ok(())
}

/// A `MakeWriter` into a shared buffer, to read what was logged.
#[derive(Clone, Default)]
struct Logged(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Logged {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logged {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

/// Issue 19 item 23: a name the client chose and the directory has no certificate for is
/// logged at debug level, not as a warning on every handshake.
#[test]
fn an_unknown_sni_is_not_a_warning() -> TestResult {
    let pki = Pki::new();
    let logged = Logged::default();
    let writer = logged.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    // The runtime runs on this thread, so the listener's handshake tasks log here.
    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let r = Registry::global();
            let mut listener = r
                .server(&format!(
                    "tls:{}:port=0:interface=127.0.0.1",
                    pki.arg("sni")
                ))?
                .bind()
                .await?;
            let port = port_of(&listener);
            // The default certificate is not valid for the name: the client refuses it,
            // after the server has chosen it.
            let client = r.client(&format!(
                "tls:unknown.example.net:443:trustRoots={}:endpoint=tcp\\:127.0.0.1\\:{port}",
                pki.arg("cas")
            ))?;
            let accepting = tokio::spawn(async move { listener.accept().await.map(|_| ()) });
            let refused = tokio::time::timeout(SAFETY, client.connect()).await?;
            assert!(refused.is_err(), "the default certificate was accepted");
            accepting.abort();
            TestResult::Ok(())
        })
    })?;
    let text = logged.text();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("no certificate for the requested name"))
        .collect();
    assert!(!lines.is_empty(), "not logged: {text}");
    for line in lines {
        assert!(line.contains("DEBUG"), "{line}");
        assert!(line.contains("unknown.example.net"), "{line}");
    }
    Ok(())
}
