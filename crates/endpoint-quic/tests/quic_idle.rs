//! A peer that vanishes without a word is noticed by the idle timeout.
mod support;

use std::time::Instant;

use endpoint_core::Registry;
use support::{client, logs, server_description, Pki, TestResult, SAFETY};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_lost_peer_fails_reads_within_the_idle_timeout() -> TestResult {
    logs();
    let pki = Pki::new();
    let description = server_description(&pki, "");
    let (port_sender, port) = tokio::sync::oneshot::channel();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    // The server runs on a runtime of its own; dropping that runtime stops its tasks dead:
    // no CONNECTION_CLOSE is sent, and the socket stays open but unread, as on a machine
    // that lost power or network.
    let server = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let kept = runtime.block_on(async move {
            let mut listener = Registry::global().server(&description)?.bind().await?;
            let _ = port_sender.send(listener.local_address().port().unwrap());
            let mut accepted = listener.accept().await?;
            let mut buf = [0; 4];
            accepted.read_exact(&mut buf).await?;
            accepted.write_all(b"ok").await?;
            accepted.flush().await?;
            let _ = stopped.await;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>((listener, accepted))
        });
        drop(runtime);
        // Dropping these would close the connection politely.
        std::mem::forget(kept);
    });

    let port = tokio::time::timeout(SAFETY, port).await??;
    let client = client(&pki, port, ":idleTimeout=1:timeout=1");
    let mut stream = client.connect().await?;
    stream.write_all(b"ping").await?;
    let mut buf = [0; 2];
    tokio::time::timeout(SAFETY, stream.read_exact(&mut buf)).await??;
    assert_eq!(&buf, b"ok");

    let _ = stop.send(());
    server.join().map_err(|_| "the server thread panicked")?;
    let lost = Instant::now();
    let error = tokio::time::timeout(SAFETY, stream.read(&mut buf))
        .await?
        .expect_err("read from a vanished peer");
    assert_eq!(error.kind(), std::io::ErrorKind::TimedOut, "{error}");
    let noticed = lost.elapsed();
    assert!(noticed < std::time::Duration::from_secs(5), "{noticed:?}");
    println!("lost peer noticed after {noticed:?}");
    // The next connect notices the connection is gone and tries a new one, which fails
    // within its timeout: nobody answers (UDP has no "connection refused").
    let again = client.connect().await.expect_err("connected to nobody");
    assert!(again.is_timeout(), "{again}");
    Ok(())
}
