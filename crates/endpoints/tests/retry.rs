//! `Retrying`: a client that tries again while the far end is not there yet, within a bounded
//! time, and gives up at once on failures trying cannot fix. Real sockets on loopback.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use endpoint_testkit::TestPki;
use endpoint_testkit::TestResult;
use endpoints::core::BoxFuture;
use endpoints::{ClientEndpoint, Connection, Registry, Result, RetryPolicy, Retrying};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// A real client endpoint that also counts its attempts and says when one ends.
#[derive(Debug)]
struct Counted {
    inner: Arc<dyn ClientEndpoint>,
    attempts: AtomicUsize,
    attempted: Notify,
}

impl fmt::Display for Counted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.fmt(f)
    }
}

impl ClientEndpoint for Counted {
    fn connect(&self) -> BoxFuture<'_, Result<Connection>> {
        Box::pin(async move {
            let outcome = self.inner.connect().await;
            self.attempts.fetch_add(1, Ordering::SeqCst);
            self.attempted.notify_one();
            outcome
        })
    }

    fn description(&self) -> endpoints::core::description::Description {
        self.inner.description()
    }
}

fn counted(description: &str) -> TestResult<Arc<Counted>> {
    Ok(Arc::new(Counted {
        inner: Registry::global().client(description)?,
        attempts: AtomicUsize::new(0),
        attempted: Notify::new(),
    }))
}

/// A loopback port nothing listens on (bound, then released).
async fn closed_port() -> TestResult<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    Ok(listener.local_addr()?.port())
}

#[tokio::test]
async fn a_server_that_starts_late_is_reached() -> TestResult {
    let port = closed_port().await?;
    let counted = counted(&format!("tcp:127.0.0.1:{port}"))?;
    let inner: Arc<dyn ClientEndpoint> = counted.clone();
    let client = Retrying::new(inner, RetryPolicy::for_up_to(Duration::from_secs(30)));
    assert_eq!(
        client.to_string(),
        format!("tcp:127.0.0.1:{port}:timeout=30")
    );
    let connecting = tokio::spawn(async move { client.connect().await });
    // Two refusals seen, then the server comes up on that port.
    while counted.attempts.load(Ordering::SeqCst) < 2 {
        counted.attempted.notified().await;
    }
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let (mut connection, accepted) = tokio::try_join!(
        async { Ok::<_, Box<dyn std::error::Error + Send + Sync>>(connecting.await??) },
        async { Ok(listener.accept().await?) }
    )?;
    let (mut server_side, _) = accepted;
    connection.write_all(b"late").await?;
    let mut got = [0u8; 4];
    server_side.read_exact(&mut got).await?;
    assert_eq!(&got, b"late");
    assert!(counted.attempts.load(Ordering::SeqCst) >= 3);
    Ok(())
}

#[tokio::test]
async fn it_gives_up_when_its_time_is_up() -> TestResult {
    let port = closed_port().await?;
    let counted = counted(&format!("tcp:127.0.0.1:{port}"))?;
    let inner: Arc<dyn ClientEndpoint> = counted.clone();
    let client = Retrying::new(inner, RetryPolicy::for_up_to(Duration::from_millis(400)));
    let started = Instant::now();
    let error = client.connect().await.expect_err("nothing listens");
    assert_eq!(
        error.io_kind(),
        Some(std::io::ErrorKind::ConnectionRefused),
        "{error}"
    );
    assert!(counted.attempts.load(Ordering::SeqCst) >= 2, "it retried");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "bounded in time"
    );
    Ok(())
}

#[tokio::test]
async fn a_certificate_that_does_not_verify_is_not_retried() -> TestResult {
    let pki = TestPki::new();
    let server = format!(
        "ssl:0:privateKey={}:interface=127.0.0.1",
        pki.arg("server.pem")
    );
    let mut listener = Registry::global().server(&server)?.bind().await?;
    let port = listener.local_address().port().ok_or("a port")?;
    let accepting = tokio::spawn(async move {
        // Handshakes fail; keep accepting so every attempt reaches a TLS server.
        while listener.accept().await.is_ok() {}
    });
    // No trust roots for the test CA: verification fails, which retrying cannot fix.
    let counted = counted(&format!("tls:localhost:{port}"))?;
    let inner: Arc<dyn ClientEndpoint> = counted.clone();
    let client = Retrying::new(inner, RetryPolicy::for_up_to(Duration::from_secs(30)));
    let error = client.connect().await.expect_err("an unknown issuer");
    assert!(
        error.find::<endpoints::tls::TlsProblem>().is_some(),
        "{error}"
    );
    assert_eq!(counted.attempts.load(Ordering::SeqCst), 1, "no retry");
    accepting.abort();
    Ok(())
}
