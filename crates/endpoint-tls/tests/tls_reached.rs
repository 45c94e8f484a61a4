//! `tls+` verifies the target a connection says it reached (`Reached`, as an SRV pool's
//! member records it) when its hostname is only the inner endpoint's own authority; an
//! explicit other hostname wins.

use std::fmt;
use std::sync::Arc;

use endpoint_core::description::Description;
use endpoint_core::{Authority, BoxFuture, ClientEndpoint, Connection, Reached, Result};
use endpoint_tcp::TcpClientEndpoint;
use endpoint_testkit::{tls_echo_server, TestPki, TestResult, SAFETY};
use endpoint_tls::{TlsClientSettings, TlsProblem};

/// Reports `svc.test` as its authority, connects to the echo server, and records `reached`.
struct Chooser {
    tcp: TcpClientEndpoint,
    reached: &'static str,
}

impl ClientEndpoint for Chooser {
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(async move {
            let mut connection = self.tcp.connect().await?;
            let port = self.tcp.authority().map_or(0, |a| a.port());
            connection
                .info_mut()
                .insert(Reached(Authority::new(self.reached, port)));
            Ok(connection)
        })
    }

    fn authority(&self) -> Option<Authority> {
        Some(Authority::new("svc.test", 0))
    }

    fn description(&self) -> Description {
        Description::new("chooser")
    }
}

impl fmt::Display for Chooser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("chooser")
    }
}

impl fmt::Debug for Chooser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Chooser")
    }
}

#[tokio::test]
async fn the_reached_target_is_verified_unless_a_hostname_is_given() -> TestResult {
    let pki = TestPki::new();
    let server = tls_echo_server(&pki).await?; // a certificate for localhost
    let inner = |reached| -> Arc<dyn ClientEndpoint> {
        Arc::new(Chooser {
            tcp: TcpClientEndpoint::new("127.0.0.1", server.port()),
            reached,
        })
    };
    let layer = |hostname: &str, reached| {
        let mut settings = TlsClientSettings::new(hostname);
        settings.trust_roots = Some(pki.path("ca.pem"));
        settings.layer(inner(reached))
    };

    // hostname is the inner endpoint's own (svc.test): the reached localhost is verified.
    let follows = layer("svc.test", "localhost")?;
    tokio::time::timeout(SAFETY, follows.connect()).await??;

    // The reached name is not on the certificate: refused, naming it.
    let wrong = layer("svc.test", "wrong.test")?;
    let error = tokio::time::timeout(SAFETY, wrong.connect())
        .await?
        .unwrap_err();
    match error.find::<TlsProblem>() {
        Some(TlsProblem::NameMismatch { expected, .. }) => assert_eq!(expected, "wrong.test"),
        other => panic!("{other:?}: {error}"),
    }

    // An explicit hostname other than the inner authority wins over what was reached.
    let pinned = layer("localhost", "wrong.test")?;
    tokio::time::timeout(SAFETY, pinned.connect()).await??;
    Ok(())
}
