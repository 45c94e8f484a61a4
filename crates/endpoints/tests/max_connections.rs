//! `maxConnections=` on any server description: the listener holds the cap under a flood of
//! connections, resumes as connections end, and serves everyone in the end. The handshake
//! limits (`maxHandshakes=`, `maxHandshakesPerSource=`, `maxHandshakeTime=`) are server
//! options of the same sort; what they do is tested in `handshake_flood.rs`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use endpoint_testkit::TestResult;
use endpoints::{client_from_string, server_from_string, Error, Registry, ServerDescription, Side};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Semaphore;

const SAFETY: Duration = Duration::from_secs(30);

#[test]
fn every_server_kind_takes_it_and_prints_it() -> TestResult {
    let registry = Registry::global();
    for (text, canonical) in [
        (
            "tcp:0:maxConnections=5",
            "tcp:0:interface=:backlog=50:maxConnections=5",
        ),
        (
            "unix:/tmp/x.sock:maxConnections=2",
            "unix:/tmp/x.sock:backlog=50:lockfile=1:maxConnections=2",
        ),
    ] {
        let endpoint = registry.server(text)?;
        assert_eq!(endpoint.to_string(), canonical);
        assert_eq!(registry.server(canonical)?.to_string(), canonical);
    }
    let described = registry.describe(Side::Server, "ws:8080:maxConnections=7")?;
    assert!(described
        .options
        .iter()
        .any(|(name, value)| name == "maxConnections" && format!("{value:?}") == "Integer(7)"));
    match registry.server("tcp:0:maxConnections=0") {
        Err(Error::Option { option, .. }) => assert_eq!(option, "maxConnections"),
        other => panic!("expected an option error, got {other:?}"),
    }
    // A client has no listener: the option is unknown there.
    assert!(registry.client("tcp:h:80:maxConnections=5").is_err());
    Ok(())
}

#[test]
fn handshake_limits_are_server_options_with_canonical_text() -> TestResult {
    let registry = Registry::global();
    let written = "tcp:0:maxHandshakeTime=2.5:maxHandshakesPerSource=8:maxHandshakes=100";
    let canonical = "tcp:0:interface=:backlog=50:maxHandshakes=100:\
                     maxHandshakesPerSource=8:maxHandshakeTime=2.5";
    assert_eq!(registry.server(written)?.to_string(), canonical);
    assert_eq!(registry.server(canonical)?.to_string(), canonical);
    // A value: equal however written, defaults written out or left out; serde keeps it.
    let value = |t: &str| t.parse::<ServerDescription>();
    assert_eq!(value(written)?, value(canonical)?);
    assert_eq!(
        value("ws:0:maxHandshakes=1024:maxHandshakesPerSource=64")?,
        value("ws:0")?
    );
    assert_ne!(value("tcp:0:maxHandshakeTime=3")?, value("tcp:0")?);
    let json = serde_json::to_string(&value(written)?)?;
    assert_eq!(json, format!("\"{canonical}\""));
    assert_eq!(
        serde_json::from_str::<ServerDescription>(&json)?,
        value(written)?
    );
    // `describe` types them by their specs.
    let described = registry.describe(Side::Server, written)?;
    let shown: Vec<String> = (described.options.iter())
        .filter(|(name, _)| name.starts_with("maxHandshake"))
        .map(|(name, value)| format!("{name}={value:?}"))
        .collect();
    assert_eq!(
        shown,
        [
            "maxHandshakes=Integer(100)",
            "maxHandshakesPerSource=Integer(8)",
            "maxHandshakeTime=Number(2.5)"
        ]
    );
    for bad in [
        "tcp:0:maxHandshakes=0",
        "tcp:0:maxHandshakesPerSource=many",
        "tcp:0:maxHandshakeTime=0",
        "tcp:0:maxHandshakeTime=-1",
        "tcp:0:maxHandshakeTime=100000",
    ] {
        match registry.server(bad) {
            Err(Error::Option {
                option, accepted, ..
            }) => {
                assert!(bad.contains(&format!(":{option}=")), "{bad}: {option}");
                assert!(accepted.contains(&"maxHandshakeTime".to_owned()));
            }
            other => panic!("{bad}: expected an option error, got {other:?}"),
        }
    }
    assert!(registry.client("tls:h:443:maxHandshakes=5").is_err());
    Ok(())
}

#[tokio::test]
async fn the_cap_holds_under_a_flood() -> TestResult {
    const CAP: usize = 3;
    const CLIENTS: usize = 30;
    let listener = server_from_string(&format!(
        "tcp:0:interface=127.0.0.1:backlog=64:maxConnections={CAP}"
    ))?
    .bind()
    .await?;
    let port = listener.local_address().port().ok_or("no port")?;
    let live = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    // Handlers hold their connection until the test lets them go, one permit each.
    let release = Arc::new(Semaphore::new(0));
    let port_handle = {
        let (live, most, release) = (live.clone(), most.clone(), release.clone());
        listener.listen(move |mut connection| {
            let (live, most, release) = (live.clone(), most.clone(), release.clone());
            async move {
                let now = live.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                if let Ok(permit) = release.acquire().await {
                    permit.forget();
                }
                let _ = connection.write_all(b"served").await;
                live.fetch_sub(1, Ordering::SeqCst);
            }
        })
    };
    let client = client_from_string(&format!("tcp:127.0.0.1:{port}"))?;
    let connected = Arc::new(AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (client, connected) = (client.clone(), connected.clone());
        clients.push(tokio::spawn(async move {
            // The kernel completes the handshake from the backlog, accepted or not.
            let mut connection = client.connect().await?;
            connected.fetch_add(1, Ordering::SeqCst);
            let mut answer = Vec::new();
            connection.read_to_end(&mut answer).await?;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(answer)
        }));
    }
    // Every client is connected and the accept loop has had every chance to run: without
    // the cap it would have taken all of them by now. Then let them through: at no point may
    // more than CAP handlers run.
    tokio::time::timeout(SAFETY, async {
        while connected.load(Ordering::SeqCst) < CLIENTS || live.load(Ordering::SeqCst) < CAP {
            tokio::task::yield_now().await;
        }
        for _ in 0..1000 {
            tokio::task::yield_now().await;
        }
    })
    .await?;
    assert_eq!(live.load(Ordering::SeqCst), CAP);
    release.add_permits(CLIENTS);
    for client in clients {
        let answer = tokio::time::timeout(SAFETY, client).await???;
        assert_eq!(answer, b"served");
    }
    assert_eq!(most.load(Ordering::SeqCst), CAP, "the cap was not held");
    port_handle.stop_listening().await;
    Ok(())
}
