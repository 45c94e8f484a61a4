//! The library parts of `serve` on real loopback sockets: plans by value, and `Relays`
//! applying them.

use std::sync::Arc;
use std::time::Duration;

use endpoint_serve::{Metrics, Plan, Relays, ServeConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

// Linking the transports registers their kinds.
use endpoint_tcp as _;
use endpoint_unix as _;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;
const LIMIT: Duration = Duration::from_secs(30);

/// An upstream that writes `name` to every connection, then closes it.
async fn named_upstream(name: &'static str) -> TestResult<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = stream.write_all(name.as_bytes()).await;
            });
        }
    });
    Ok(port)
}

async fn answer(port: u16) -> TestResult<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let mut text = String::new();
    tokio::time::timeout(LIMIT, stream.read_to_string(&mut text)).await??;
    Ok(text)
}

fn config(text: &str) -> ServeConfig {
    ServeConfig::parse(text, "test.toml").expect("a valid configuration")
}

#[test]
fn the_same_endpoint_written_differently_is_no_change() {
    let old = config("[[relay]]\nname = \"a\"\nlisten = \"tcp:8080\"\nto = \"tcp:localhost:80\"\n");
    let new = config(
        "[[relay]]\nname = \"a\"\nlisten = \"tcp:8080:backlog=50\"\nto = \"tcp:localhost:80:timeout=30\"\ngrace = 5\n",
    );
    let plan = Plan::between(&old.relays, &new.relays);
    assert!(plan.is_empty(), "{plan:?}");
    assert_eq!(plan.unchanged, 1);
    let moved =
        config("[[relay]]\nname = \"a\"\nlisten = \"tcp:8081\"\nto = \"tcp:localhost:80\"\n");
    assert_eq!(Plan::between(&old.relays, &moved.relays).rebind.len(), 1);
    let retargeted =
        config("[[relay]]\nname = \"a\"\nlisten = \"tcp:8080\"\nto = \"tcp:localhost:81\"\n");
    assert_eq!(
        Plan::between(&old.relays, &retargeted.relays)
            .retarget
            .len(),
        1
    );
}

#[tokio::test]
async fn apply_starts_retargets_rebinds_and_stops() -> TestResult {
    let one = named_upstream("one").await?;
    let two = named_upstream("two").await?;
    let mut relays = Relays::new(Arc::new(Metrics::new()));
    let file = |to: u16, listen: &str| {
        config(&format!(
            "[[relay]]\nname = \"r\"\nlisten = \"{listen}\"\nto = \"tcp:127.0.0.1:{to}\"\ngrace = \"1s\"\n"
        ))
    };
    relays
        .apply(&file(one, "tcp:0:interface=127.0.0.1").relays)
        .await?;
    let port = relays.local_addresses("r")[0].port().ok_or("a port")?;
    assert_eq!(answer(port).await?, "one");

    // Only `to` changes: the same socket serves the new upstream at once.
    let plan = relays
        .apply(&file(two, "tcp:0:interface=127.0.0.1").relays)
        .await?;
    assert_eq!(plan.retarget.len(), 1);
    assert_eq!(relays.local_addresses("r")[0].port(), Some(port));
    assert_eq!(answer(port).await?, "two");

    // The listener changes to the same fixed address: the old socket is closed, the new
    // one bound on the same port.
    let fixed = format!("tcp:{port}:interface=127.0.0.1:backlog=64");
    let plan = relays.apply(&file(two, &fixed).relays).await?;
    assert_eq!(plan.rebind.len(), 1);
    assert_eq!(answer(port).await?, "two");

    // A relay that cannot bind leaves what runs alone.
    let squatter = TcpListener::bind("127.0.0.1:0").await?;
    let taken = squatter.local_addr()?.port();
    let both = config(&format!(
        "[[relay]]\nname = \"r\"\nlisten = \"{fixed}\"\nto = \"tcp:127.0.0.1:{two}\"\ngrace = \"1s\"\n\n[[relay]]\nname = \"new\"\nlisten = \"tcp:{taken}:interface=127.0.0.1\"\nto = \"tcp:127.0.0.1:{one}\"\n"
    ));
    let refused = relays.apply(&both.relays).await.unwrap_err();
    assert_eq!(refused.relay, "new");
    assert_eq!(refused.error.io_kind(), Some(std::io::ErrorKind::AddrInUse));
    assert_eq!(relays.len(), 1);
    assert_eq!(answer(port).await?, "two");

    // Removed: the port is free again.
    relays.apply(&[]).await?;
    assert!(relays.is_empty());
    assert!(TcpStream::connect(("127.0.0.1", port)).await.is_err());
    relays.shutdown().await;
    Ok(())
}

/// An upstream that echoes every connection until it ends.
async fn echo_upstream() -> TestResult<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut reader, mut writer) = stream.split();
                let _ = tokio::io::copy(&mut reader, &mut writer).await;
            });
        }
    });
    Ok(port)
}

async fn limited_relay(limits: &str) -> TestResult<(Relays, u16)> {
    let upstream = echo_upstream().await?;
    let mut relays = Relays::new(Arc::new(Metrics::new()));
    let file = config(&format!(
        "[[relay]]\nname = \"limited\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = \"tcp:127.0.0.1:{upstream}\"\n{limits}\n"
    ));
    relays.apply(&file.relays).await?;
    let port = relays.local_addresses("limited")[0]
        .port()
        .ok_or("a port")?;
    Ok((relays, port))
}

async fn round_trip(stream: &mut TcpStream) -> TestResult {
    stream.write_all(b"x").await?;
    let mut one = [0u8; 1];
    tokio::time::timeout(LIMIT, stream.read_exact(&mut one)).await??;
    Ok(())
}

/// Reads until the relay closes the connection; true when it did (EOF or reset).
async fn closed_by_relay(stream: &mut TcpStream) -> TestResult<bool> {
    let mut buf = [0u8; 16];
    match tokio::time::timeout(LIMIT, stream.read(&mut buf)).await? {
        Ok(0) | Err(_) => Ok(true),
        Ok(_) => Ok(false),
    }
}

#[tokio::test]
async fn an_idle_pair_is_closed_and_a_busy_one_is_not() -> TestResult {
    let idle = Duration::from_millis(400);
    let (relays, port) = limited_relay("idleTimeout = \"400ms\"").await?;
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    // Busy for longer than the idle time, in small steps: stays open.
    let busy = tokio::time::Instant::now();
    let mut last = busy;
    while busy.elapsed() < idle * 3 {
        round_trip(&mut stream).await?;
        last = tokio::time::Instant::now();
        tokio::time::sleep(idle / 8).await;
    }
    // Then silent: closed, and not before the idle time passed since the last byte.
    assert!(closed_by_relay(&mut stream).await?);
    assert!(last.elapsed() >= idle, "closed after {:?}", last.elapsed());
    relays.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_busy_pair_is_closed_at_its_maximum_lifetime() -> TestResult {
    let lifetime = Duration::from_millis(500);
    let (relays, port) = limited_relay("maxLifetime = \"500ms\"").await?;
    let began = tokio::time::Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let ended = loop {
        if round_trip(&mut stream).await.is_err() {
            break began.elapsed();
        }
        assert!(began.elapsed() < LIMIT, "never closed");
        tokio::time::sleep(lifetime / 10).await;
    };
    assert!(ended >= lifetime, "closed after {ended:?}");
    relays.shutdown().await;
    Ok(())
}
