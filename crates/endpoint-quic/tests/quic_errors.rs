//! Refusals and descriptions: a wrong CA, a missing certificate, canonical text.
mod support;

use endpoint_core::{Error, Registry};
use endpoint_quic::{QuicClientEndpoint, QuicServerEndpoint};
use endpoint_tls::TlsProblem;
use support::{client, logs, port_of, server, server_description, Pki, TestResult, SAFETY};

#[tokio::test]
async fn a_server_from_another_ca_is_refused_with_a_tls_error() -> TestResult {
    logs();
    let pki = Pki::new();
    let listener = server(&pki, "").await?;
    let port = port_of(&listener);
    let wrong = Registry::global().client(&format!(
        "quic:127.0.0.1:{port}:hostname=localhost:trustRoots={}",
        pki.arg("other-ca.pem")
    ))?;
    let error = tokio::time::timeout(SAFETY, wrong.connect())
        .await?
        .expect_err("verified against the wrong CA");
    assert_eq!(
        error.find::<TlsProblem>(),
        Some(&TlsProblem::UnknownIssuer),
        "{error}"
    );
    assert!(error.to_string().contains("quic:127.0.0.1"), "{error}");
    Ok(())
}

#[tokio::test]
async fn a_wrong_name_is_refused() -> TestResult {
    logs();
    let pki = Pki::new();
    let listener = server(&pki, "").await?;
    let port = port_of(&listener);
    let wrong = Registry::global().client(&format!(
        "quic:127.0.0.1:{port}:hostname=example.org:trustRoots={}",
        pki.arg("ca.pem")
    ))?;
    let error = tokio::time::timeout(SAFETY, wrong.connect())
        .await?
        .expect_err("verified the wrong name");
    assert!(
        matches!(error.find::<TlsProblem>(), Some(TlsProblem::NameMismatch { expected, .. }) if expected == "example.org"),
        "{error}"
    );
    Ok(())
}

#[tokio::test]
async fn no_shared_alpn_is_a_tls_error() -> TestResult {
    logs();
    let pki = Pki::new();
    let listener = server(&pki, ":alpn=h3").await?;
    let client = client(&pki, port_of(&listener), ":alpn=other");
    let error = tokio::time::timeout(SAFETY, client.connect())
        .await?
        .expect_err("no protocol in common");
    assert!(
        matches!(
            error.find::<TlsProblem>(),
            Some(TlsProblem::NoSharedAlpn { .. })
        ),
        "{error}"
    );
    Ok(())
}

#[test]
fn descriptions_print_canonically_and_parse_back() -> TestResult {
    let pki = Pki::new();
    let server: QuicServerEndpoint =
        server_description(&pki, ":alpn=h3,endpoints:idleTimeout=2.5").parse()?;
    let text = server.to_string();
    assert!(
        text.starts_with("quic:0:interface=127.0.0.1:certificate="),
        "{text}"
    );
    assert!(
        text.ends_with(
            ":alpn=h3,endpoints:idleTimeout=2.5:maxStreams=100:handshakeTimeout=10:\
             retry=auto:receiveWindow=4194304:streamReceiveWindow=1048576:\
             maxUdpPayload=1452"
        ),
        "{text}"
    );
    assert_eq!(text.parse::<QuicServerEndpoint>()?, server);

    let client_text = format!(
        "quic:[::1]:4433:trustRoots={}:alpn=h3:timeout=3",
        pki.arg("ca.pem")
    );
    let client: QuicClientEndpoint = client_text.parse()?;
    let text = client.to_string();
    assert!(text.starts_with(r"quic:\:\:1:4433:trustRoots="), "{text}");
    assert!(
        text.ends_with(":alpn=h3:idleTimeout=30:timeout=3:maxUdpPayload=1452"),
        "{text}"
    );
    assert_eq!(text.parse::<QuicClientEndpoint>()?, client);
    assert_eq!(client.hostname(), "::1");
    Ok(())
}

#[test]
fn admission_and_window_options_are_checked() -> TestResult {
    let pki = Pki::new();
    let given = server_description(
        &pki,
        ":handshakeTimeout=2.5:retry=always:receiveWindow=65536:streamReceiveWindow=16384",
    );
    let server: QuicServerEndpoint = given.parse()?;
    let text = server.to_string();
    assert!(
        text.ends_with(
            ":handshakeTimeout=2.5:retry=always:receiveWindow=65536:streamReceiveWindow=16384:\
             maxUdpPayload=1452"
        ),
        "{text}"
    );
    assert_eq!(text.parse::<QuicServerEndpoint>()?, server);
    // The handshake counts are the server options every kind takes; QUIC applies them.
    let limited = Registry::global().server(&server_description(
        &pki,
        ":maxHandshakes=8:maxHandshakesPerSource=1",
    ))?;
    assert!(
        limited
            .to_string()
            .ends_with(":maxHandshakes=8:maxHandshakesPerSource=1"),
        "{limited}"
    );
    for (bad, option) in [
        (":handshakeTimeout=0", "handshakeTimeout"),
        (":maxHandshakes=0", "maxHandshakes"),
        (":maxHandshakesPerSource=0", "maxHandshakesPerSource"),
        (":retry=sometimes", "retry"),
        (":receiveWindow=0", "receiveWindow"),
        (
            ":streamReceiveWindow=4611686018427387904",
            "streamReceiveWindow",
        ),
    ] {
        let error = Registry::global()
            .server(&server_description(&pki, bad))
            .unwrap_err();
        assert!(
            matches!(&error, Error::Option { option: o, .. } if o == option),
            "{bad}: {error}"
        );
    }
    Ok(())
}

#[test]
fn a_server_needs_a_certificate_and_files_that_exist() {
    let error = Registry::global().server("quic:4433").unwrap_err();
    assert!(matches!(error, Error::Option { .. }), "{error}");
    assert!(error.to_string().contains("certificate"), "{error}");

    let error = Registry::global()
        .server("quic:4433:certificate=/nonexistent/cert.pem")
        .unwrap_err();
    assert!(matches!(error, Error::Option { .. }), "{error}");
    assert!(
        error.to_string().contains("/nonexistent/cert.pem"),
        "{error}"
    );

    let error = Registry::global()
        .client("quic:h:4433:trustRoots=/nonexistent/ca.pem")
        .unwrap_err();
    assert!(matches!(error, Error::Option { .. }), "{error}");

    let error = Registry::global()
        .client("quic:h:4433:alpn=a,,b")
        .unwrap_err();
    assert!(matches!(error, Error::Option { .. }), "{error}");
}

#[tokio::test]
async fn the_egress_guard_refuses_a_loopback_target() -> TestResult {
    let mut registry = Registry::global().clone();
    registry.guard_egress(endpoint_core::EgressPolicy::public_only());
    let client = registry.client("quic:127.0.0.1:4433:hostname=localhost")?;
    let error = tokio::time::timeout(SAFETY, client.connect())
        .await?
        .expect_err("a guarded address");
    let source = std::error::Error::source(&error).ok_or("no source")?;
    let io = source.downcast_ref::<std::io::Error>().ok_or("not I/O")?;
    assert_eq!(io.kind(), std::io::ErrorKind::PermissionDenied, "{error}");
    Ok(())
}
