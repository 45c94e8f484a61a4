//! Bad files and options get errors a user can act on, and no error repeats its cause.
mod support;

use endpoint_core::{Error, Registry};
use endpoint_testkit::TestResult;
use endpoint_tls::TlsProblem;
use endpoint_tls::TlsServerSettings;
use endpoint_unix as _;
use support::{port_of, ssl_listener, Pki, SAFETY};

/// The error of `ssl:443:privateKey=KEY[:certKey=CERT][:extraCertChain=CHAIN]` built in code,
/// where file problems keep their structured [`TlsProblem`] (in a description they are
/// option errors; see `files_named_by_a_description_are_option_errors`).
fn settings_error(
    key: &std::path::Path,
    cert: Option<&std::path::Path>,
    chain: Option<&std::path::Path>,
) -> Error {
    let mut settings = TlsServerSettings::new(cert.unwrap_or(key));
    settings.private_key = Some(key.to_owned());
    settings.extra_chain = chain.map(ToOwned::to_owned);
    let inner = Registry::global().server("tcp:0").expect("tcp");
    settings.layer(inner).expect_err("a settings error")
}

fn server_error(description: &str) -> Error {
    Registry::global().server(description).unwrap_err()
}

#[test]
fn files_named_by_a_description_are_option_errors() {
    let pki = Pki::new();
    let missing = server_error(&format!("ssl:443:privateKey={}", pki.arg("nope.pem")));
    match &missing {
        Error::Option { option, reason, .. } => {
            assert_eq!(option, "privateKey");
            assert!(
                reason.contains("nope.pem") && reason.contains("No such file"),
                "{reason}"
            );
        }
        other => panic!("expected an option error, got {other:?}"),
    }
    let mismatch = server_error(&format!(
        "ssl:443:privateKey={}:certKey={}",
        pki.arg("client.pem"),
        pki.arg("server-cert.pem")
    ));
    assert!(
        matches!(&mismatch, Error::Option { option, reason, .. } if option == "privateKey" && reason.contains("does not match")),
        "{mismatch}"
    );
}

#[test]
fn file_problems_name_the_file() {
    let pki = Pki::new();
    let missing = settings_error(&pki.path("nope.pem"), None, None);
    assert_eq!(
        missing.find::<TlsProblem>(),
        Some(&TlsProblem::Unreadable {
            path: pki.path("nope.pem"),
            role: "certificate file".into()
        }),
        "{missing}"
    );
    let text = missing.to_string();
    assert!(
        text.starts_with("tls: could not read certificate file \"") && text.contains("nope.pem"),
        "{text}"
    );
    let source = std::error::Error::source(&missing).expect("the OS error");
    assert_eq!(
        source.downcast_ref::<std::io::Error>().map(|e| e.kind()),
        Some(std::io::ErrorKind::NotFound)
    );

    let no_cert = settings_error(&pki.path("server-key.pem"), None, None);
    assert!(
        matches!(
            no_cert.find::<TlsProblem>(),
            Some(TlsProblem::NoCertificate { path, .. }) if *path == pki.path("server-key.pem")
        ),
        "{no_cert}"
    );
    assert!(
        no_cert.to_string().contains("no certificate found"),
        "{no_cert}"
    );

    let no_key = settings_error(&pki.path("server-cert.pem"), None, None);
    assert_eq!(
        no_key.find::<TlsProblem>(),
        Some(&TlsProblem::NoPrivateKey {
            path: pki.path("server-cert.pem")
        }),
        "{no_key}"
    );

    std::fs::write(pki.path("empty.pem"), "").unwrap();
    let empty_chain = settings_error(&pki.path("server.pem"), None, Some(&pki.path("empty.pem")));
    assert_eq!(
        empty_chain.find::<TlsProblem>(),
        Some(&TlsProblem::NoCertificate {
            path: pki.path("empty.pem"),
            role: "extraCertChain file".into()
        }),
        "{empty_chain}"
    );

    let other_key = pki.path("client.pem");
    let mismatch = settings_error(&other_key, Some(&pki.path("server-cert.pem")), None);
    assert_eq!(
        mismatch.find::<TlsProblem>(),
        Some(&TlsProblem::KeyMismatch {
            key: other_key,
            certificate: pki.path("server-cert.pem")
        }),
        "{mismatch}"
    );
    assert!(
        mismatch.to_string().contains("does not match"),
        "{mismatch}"
    );
}

#[test]
fn option_problems_say_what_is_accepted() {
    let pki = Pki::new();
    let e = Registry::global()
        .server(&format!(
            "ssl:443:privateKey={}:sslmethod=SSLv3_METHOD",
            pki.arg("server.pem")
        ))
        .unwrap_err();
    assert!(
        matches!(&e, Error::Option { option, .. } if option == "sslmethod"),
        "{e}"
    );
    assert!(e.to_string().contains("rustls does not offer"), "{e}");

    let e = Registry::global()
        .client("tls:h:443:caCertsDir=/x")
        .unwrap_err();
    assert!(
        matches!(&e, Error::Option { option, .. } if option == "caCertsDir"),
        "{e}"
    );

    let e = Registry::global()
        .client(&format!("ssl:h:443:caCertsDir={}", pki.arg("nonexistent")))
        .unwrap_err();
    assert!(
        matches!(&e, Error::Option { option, reason, .. } if option == "caCertsDir" && reason.contains("nonexistent")),
        "{e}"
    );

    let e = Registry::global()
        .client("tls+unix:/tmp/x.sock")
        .unwrap_err();
    assert!(e.to_string().contains("hostname"), "{e}");
}

/// Every text in `error`'s `source()` chain, outermost first.
fn chain(error: &dyn std::error::Error) -> Vec<String> {
    let mut texts = vec![error.to_string()];
    let mut next = error.source();
    while let Some(cause) = next {
        texts.push(cause.to_string());
        next = cause.source();
    }
    texts
}

/// No cause's text appears again in an error above it (a chain printer would show it twice).
fn assert_no_text_twice(error: &Error) {
    let texts = chain(error);
    assert!(texts.len() >= 2, "expected a source: {texts:?}");
    for (i, inner) in texts.iter().enumerate().skip(1) {
        assert!(!inner.is_empty(), "{texts:?}");
        for outer in &texts[..i] {
            assert!(!outer.contains(inner.as_str()), "repeated: {texts:?}");
        }
    }
}

#[tokio::test]
async fn no_error_prints_its_cause_twice() -> TestResult {
    let pki = Pki::new();
    let r = Registry::global();

    // A file that is not there: the OS error is the source, and only the source.
    let missing = settings_error(&pki.path("nope.pem"), None, None);
    assert_no_text_twice(&missing);

    // A server that hangs up before any TLS: the connection was lost during the handshake.
    let tcp = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = tcp.local_addr()?.port();
    let hang_up = async {
        let (socket, _) = tcp.accept().await?;
        drop(socket);
        Ok::<_, std::io::Error>(())
    };
    let client = r.client(&format!(
        "tls+tcp:127.0.0.1:{port}:hostname=localhost:trustRoots={}",
        pki.arg("ca.pem")
    ))?;
    let (served, lost) =
        tokio::time::timeout(SAFETY, async { tokio::join!(hang_up, client.connect()) }).await?;
    served?;
    let lost = lost.expect_err("no TLS server there");
    assert_eq!(
        lost.find::<TlsProblem>(),
        Some(&TlsProblem::ConnectionLost),
        "{lost}"
    );
    assert_no_text_twice(&lost);

    // A verification failure whose rustls text is debug-like: never in our message.
    let listener = ssl_listener(&pki, "ca-as-leaf.pem", "").await?;
    let port = port_of(&listener);
    let serving = listener.listen(|_c| async {});
    let client = r.client(&format!(
        "tls:localhost:{port}:trustRoots={}",
        pki.arg("ca.pem")
    ))?;
    let rejected = tokio::time::timeout(SAFETY, client.connect())
        .await?
        .expect_err("a CA certificate as the server's own");
    serving.stop_listening().await;
    assert_eq!(
        rejected.find::<TlsProblem>(),
        Some(&TlsProblem::CaUsedAsEndEntity)
    );
    assert_no_text_twice(&rejected);
    Ok(())
}

/// A description names files by path: a device that never ends or a FIFO nobody writes to
/// fails at once, as an option error, instead of stalling the parse.
#[test]
fn devices_and_fifos_are_refused_at_once() {
    let started = std::time::Instant::now();
    let zero = server_error("ssl:443:privateKey=/dev/zero");
    assert!(
        matches!(&zero, Error::Option { option, reason, .. } if option == "privateKey" && reason.contains("not a regular file")),
        "{zero}"
    );
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("key.pem");
    let path = std::ffi::CString::new(fifo.to_string_lossy().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates a file.
    assert_eq!(unsafe { libc::mkfifo(path.as_ptr(), 0o600) }, 0);
    let quoted = endpoint_core::description::quote(&fifo.to_string_lossy());
    let error = server_error(&format!("ssl:443:privateKey={quoted}"));
    assert!(
        matches!(&error, Error::Option { option, reason, .. } if option == "privateKey" && reason.contains("not a regular file")),
        "{error}"
    );
    let client = Registry::global()
        .client(&format!("tls:localhost:443:trustRoots={quoted}"))
        .unwrap_err();
    assert!(
        matches!(&client, Error::Option { option, .. } if option == "trustRoots"),
        "{client}"
    );
    assert!(started.elapsed() < SAFETY, "took {:?}", started.elapsed());
}
