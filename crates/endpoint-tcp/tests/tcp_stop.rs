//! Stopping a listener frees its port while accepted connections keep working.
mod support;

use std::sync::Arc;

use endpoint_core::Registry;
use endpoint_tcp as _;
use endpoint_testkit::TestResult;
use support::SAFETY;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

#[tokio::test]
async fn stop_listening_frees_the_port_and_keeps_connections() -> TestResult {
    let registry = Registry::global();
    let listener = registry.server("tcp:0:interface=127.0.0.1")?.bind().await?;
    let port_number = listener.local_address().port().unwrap();
    let (accepted_tx, mut accepted_rx) = mpsc::unbounded_channel();
    let accepted_tx = Arc::new(accepted_tx);
    let port = listener.listen(move |mut connection| {
        let tx = accepted_tx.clone();
        async move {
            let _ = tx.send(());
            let mut buf = [0u8; 64];
            while let Ok(n) = connection.read(&mut buf).await {
                if n == 0 || connection.write_all(&buf[..n]).await.is_err() {
                    break;
                }
            }
        }
    });
    let client = registry.client(&format!("tcp:127.0.0.1:{port_number}"))?;
    let mut connection = client.connect().await?;
    tokio::time::timeout(SAFETY, accepted_rx.recv()).await?;

    port.stop_listening().await;
    assert!(port.is_stopped());

    // The accepted connection still echoes.
    connection.write_all(b"still here").await?;
    let mut buf = [0u8; 10];
    tokio::time::timeout(SAFETY, connection.read_exact(&mut buf)).await??;
    assert_eq!(&buf, b"still here");

    // New connections are refused, and the port can be bound again.
    let refused = client.connect().await.unwrap_err();
    assert_eq!(
        refused.io_kind(),
        Some(std::io::ErrorKind::ConnectionRefused)
    );
    let again = registry
        .server(&format!("tcp:{port_number}:interface=127.0.0.1"))?
        .bind()
        .await?;
    assert_eq!(again.local_address().port(), Some(port_number));

    // A second stop does nothing.
    port.stop_listening().await;
    Ok(())
}

#[tokio::test]
async fn shutdown_aborts_handlers_after_grace() -> TestResult {
    let registry = Registry::global();
    let listener = registry.server("tcp:0:interface=127.0.0.1")?.bind().await?;
    let port_number = listener.local_address().port().unwrap();
    let (started_tx, mut started_rx) = mpsc::unbounded_channel();
    let started_tx = Arc::new(started_tx);
    let port = listener.listen(move |connection| {
        let tx = started_tx.clone();
        async move {
            let _ = tx.send(());
            let _keep = connection;
            std::future::pending::<()>().await;
        }
    });
    let client = registry.client(&format!("tcp:127.0.0.1:{port_number}"))?;
    let mut connection = client.connect().await?;
    tokio::time::timeout(SAFETY, started_rx.recv()).await?;
    let aborted = port.shutdown(std::time::Duration::from_millis(50)).await;
    assert_eq!(aborted, 1);
    // The aborted handler dropped its connection: we see EOF.
    let mut buf = [0u8; 1];
    let n = tokio::time::timeout(SAFETY, connection.read(&mut buf)).await??;
    assert_eq!(n, 0);
    Ok(())
}

#[tokio::test]
async fn dropping_the_port_stops_listening() -> TestResult {
    let registry = Registry::global();
    let listener = registry.server("tcp:0:interface=127.0.0.1")?.bind().await?;
    let port_number = listener.local_address().port().unwrap();
    let port = listener.listen(|_c| async {});
    drop(port);
    let client = registry.client(&format!("tcp:127.0.0.1:{port_number}:timeout=10"))?;
    // The serve task closes the socket on its next turn; poll until refused.
    let deadline = tokio::time::Instant::now() + SAFETY;
    loop {
        match client.connect().await {
            Err(e) if e.io_kind() == Some(std::io::ErrorKind::ConnectionRefused) => break,
            _ if tokio::time::Instant::now() > deadline => panic!("port still open"),
            _ => tokio::task::yield_now().await,
        }
    }
    Ok(())
}
