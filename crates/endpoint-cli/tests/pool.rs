//! Several upstreams: `relay SERVER... --to A --to B [--balance NAME]` and `serve` with
//! `to = [..]`, `balance`, `health`, through the real binary on loopback sockets.

mod support;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use support::{http_get_unix, start, start_relay, TestResult, LIMIT};

/// An upstream that writes `name` to every connection; aborting the task closes it.
async fn named_upstream(name: &'static str) -> TestResult<(u16, JoinHandle<()>)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let task = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = stream.write_all(name.as_bytes()).await;
            });
        }
    });
    Ok((port, task))
}

/// A loopback port nothing listens on.
async fn dead_port() -> TestResult<u16> {
    Ok(TcpListener::bind("127.0.0.1:0").await?.local_addr()?.port())
}

/// Who answered through the relay at `address` (empty when the relay closed the connection
/// without an upstream).
async fn answer(address: &str) -> TestResult<String> {
    let mut stream = TcpStream::connect(address).await?;
    let mut text = String::new();
    tokio::time::timeout(LIMIT, stream.read_to_string(&mut text)).await??;
    Ok(text)
}

async fn tally(address: &str, connects: usize) -> TestResult<HashMap<String, usize>> {
    let mut seen = HashMap::new();
    for _ in 0..connects {
        *seen.entry(answer(address).await?).or_default() += 1;
    }
    Ok(seen)
}

fn to(port: u16) -> String {
    format!("tcp:127.0.0.1:{port}")
}

#[tokio::test]
async fn relay_to_several_spreads_and_no_client_sees_a_dead_one() -> TestResult {
    let (a, _a) = named_upstream("a").await?;
    let (b, _b) = named_upstream("b").await?;
    let dead = dead_port().await?;
    let mut relay = start_relay(&[
        "tcp:0:interface=127.0.0.1",
        "--to",
        &to(a),
        "--to",
        &to(dead),
        "--to",
        &to(b),
    ])
    .await?;
    let seen = tally(&relay.address, 12).await?;
    assert_eq!(
        seen.get("").copied(),
        None,
        "a client saw a refusal: {seen:?}"
    );
    let (from_a, from_b) = (seen.get("a").copied(), seen.get("b").copied());
    assert_eq!(from_a.unwrap_or(0) + from_b.unwrap_or(0), 12, "{seen:?}");
    assert!(from_a >= Some(4) && from_b >= Some(4), "{seen:?}");
    // The dead one is logged down once, however often it was tried.
    relay.child.kill().await?;
    let stderr = tokio::time::timeout(LIMIT, relay.stderr).await??;
    let down: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("upstream is down"))
        .collect();
    assert_eq!(down.len(), 1, "{stderr}");
    assert!(down[0].contains(&to(dead)), "{stderr}");
    Ok(())
}

#[tokio::test]
async fn relay_failover_goes_down_the_to_list_in_order() -> TestResult {
    let (b, _b) = named_upstream("b").await?;
    let (c, _c) = named_upstream("c").await?;
    let dead = dead_port().await?;
    let relay = start_relay(&[
        "--balance",
        "failover",
        "tcp:0:interface=127.0.0.1",
        "--to",
        &to(dead),
        "--to",
        &to(b),
        "--to",
        &to(c),
    ])
    .await?;
    let seen = tally(&relay.address, 6).await?;
    assert_eq!(seen.get("b"), Some(&6), "{seen:?}");
    Ok(())
}

#[test]
fn relay_refuses_an_unknown_balance_with_a_suggestion() -> TestResult {
    let output = support::endpoint()
        .args([
            "relay",
            "tcp:0",
            "--to",
            "tcp:127.0.0.1:9",
            "--balance",
            "least-connection",
        ])
        .output()?;
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("did you mean \"least-connections\"?"),
        "{stderr}"
    );
    Ok(())
}

#[tokio::test]
async fn serve_balances_a_to_list_moves_traffic_off_a_dead_upstream_and_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let metrics = dir.path().join("metrics.sock");
    let (a, _a) = named_upstream("a").await?;
    let (b, b_task) = named_upstream("b").await?;
    let interval = Duration::from_millis(300);
    let file = dir.path().join("relays.toml");
    std::fs::write(
        &file,
        format!(
            "metrics = 'unix:{}'\n[[relay]]\nname = \"p\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = [\"{}\", {{ to = \"{}\", weight = 1 }}]\nbalance = \"round-robin\"\nhealth = {{ interval = \"300ms\", timeout = \"2s\" }}\n",
            metrics.display(),
            to(a),
            to(b)
        ),
    )?;
    let serving = start(
        &["-v", "serve", &file.to_string_lossy()],
        "relay p listening on ",
    )
    .await?;
    let address = serving.address.clone();
    let seen = tally(&address, 10).await?;
    assert_eq!(
        (seen.get("a"), seen.get("b")),
        (Some(&5), Some(&5)),
        "{seen:?}"
    );
    let b_up = format!(
        "endpoint_upstream_up{{relay=\"p\",upstream=\"{}:timeout=30\"}}",
        to(b)
    );
    let text = http_get_unix(&metrics, "/metrics").await?;
    assert!(text.contains(&format!("{b_up} 1")), "{text}");

    b_task.abort();
    let _ = b_task.await;
    let killed = Instant::now();
    // No traffic at all: the health check alone marks b down.
    while !http_get_unix(&metrics, "/metrics")
        .await?
        .contains(&format!("{b_up} 0"))
    {
        assert!(killed.elapsed() < LIMIT, "b never reported down");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let down_after = killed.elapsed();
    eprintln!("serve: b marked down {down_after:?} after it died (interval {interval:?})");
    assert!(down_after < interval * 10, "{down_after:?}");
    let seen = tally(&address, 6).await?;
    assert_eq!(seen.get("a"), Some(&6), "{seen:?}");

    // b comes back on its port: it gets traffic again.
    let listener = TcpListener::bind(("127.0.0.1", b)).await?;
    let revived = Instant::now();
    let _b_again = tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let _ = stream.write_all(b"b").await;
        }
    });
    while answer(&address).await? != "b" {
        assert!(revived.elapsed() < LIMIT, "b never got traffic back");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!(
        "serve: b answered again {:?} after it came back",
        revived.elapsed()
    );
    Ok(())
}
