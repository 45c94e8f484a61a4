//! The plugin's layer is found by depending on the crate, and it really limits bandwidth.
//! Time is paused, so the measured time is virtual and exact on any machine.

use std::time::Duration;

use endpoint_testkit::TestResult;
use endpoint_throttle as _;
use endpoints::Registry;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[test]
fn the_plugin_kind_is_registered_by_depending_on_it() {
    let registry = Registry::global();
    assert!(registry
        .find("throttle", endpoints::Side::Server, true)
        .is_some());
    assert!(registry
        .find("throttle", endpoints::Side::Client, true)
        .is_some());
    let e = registry.client("throttle+tcp:h:80").unwrap_err();
    assert!(e.to_string().contains("\"rate\""), "{e}");
}

#[tokio::test(start_paused = true)]
async fn a_client_side_throttle_limits_writes() -> TestResult {
    let registry = Registry::global();
    let mut listener = registry.server("tcp:0:interface=127.0.0.1")?.bind().await?;
    let port = listener.local_address().port().unwrap();
    let client = registry.client(&format!("throttle+tcp:127.0.0.1:{port}:rate=1000"))?;
    let (mut server_side, mut client_side) = tokio::try_join!(listener.accept(), client.connect())?;
    assert_eq!(client_side.info().stack, ["tcp", "throttle"]);

    let started = tokio::time::Instant::now();
    let sender = tokio::spawn(async move {
        client_side.write_all(&[7u8; 3000]).await?;
        client_side.shutdown().await?;
        Ok::<_, std::io::Error>(client_side)
    });
    let mut received = Vec::new();
    server_side.read_to_end(&mut received).await?;
    sender.await??;
    assert_eq!(received, vec![7u8; 3000]);
    // 1000 bytes of burst at once, then 2000 more at 1000 bytes per second.
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    Ok(())
}

#[tokio::test]
async fn a_server_side_throttle_wraps_accepted_connections() -> TestResult {
    let registry = Registry::global();
    let server = registry.server("throttle+tcp:0:interface=127.0.0.1:rate=1000000")?;
    assert_eq!(
        server.to_string(),
        "throttle+tcp:0:interface=127.0.0.1:backlog=50:throttle.rate=1000000:throttle.burst=1000000"
    );
    let mut listener = server.bind().await?;
    let port = listener.local_address().port().unwrap();
    let client = registry.client(&format!("tcp:127.0.0.1:{port}"))?;
    let (mut accepted, mut connected) = tokio::try_join!(listener.accept(), client.connect())?;
    assert_eq!(accepted.info().stack, ["tcp", "throttle"]);
    connected.write_all(b"through the layer").await?;
    let mut buf = [0u8; 17];
    accepted.read_exact(&mut buf).await?;
    assert_eq!(&buf, b"through the layer");
    Ok(())
}
