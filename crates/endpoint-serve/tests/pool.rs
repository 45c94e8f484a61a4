//! `to = [..]` with `balance` and `health`: the file's pools, served on loopback sockets.

use std::sync::Arc;
use std::time::{Duration, Instant};

use endpoint_pool::Balance;
use endpoint_serve::{Metrics, Relays, ServeConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

// Linking the transports registers their kinds.
use endpoint_tcp as _;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;
const LIMIT: Duration = Duration::from_secs(20);

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

async fn answer(port: u16) -> TestResult<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let mut text = String::new();
    tokio::time::timeout(LIMIT, stream.read_to_string(&mut text)).await??;
    Ok(text)
}

fn error_of(text: &str) -> String {
    ServeConfig::parse(text, "f.toml").unwrap_err().to_string()
}

#[test]
fn to_lists_balance_and_health_are_read() {
    let text = "[[relay]]\nname = \"r\"\nlisten = \"tcp:8080\"\nto = [\"tcp:a:1\", { to = \"tcp:b:2\", weight = 3 }, { to = \"tcp:c:3\", priority = 0 }]\nbalance = \"failover\"\nhealth = { interval = \"5s\", timeout = \"250ms\", failures = 2, backoff = \"2s\", connectTimeout = \"3s\" }\n";
    let config = ServeConfig::parse(text, "f.toml").unwrap();
    let relay = &config.relays[0];
    let pool = relay.pool.as_ref().expect("several upstreams make a pool");
    assert_eq!(relay.to, pool.members[0].to, "`to` is the first upstream");
    assert_eq!(pool.balance, Balance::Failover);
    assert_eq!(pool.members.len(), 3);
    assert_eq!(pool.members[1].weight, 3);
    assert_eq!(pool.members[2].priority, Some(0));
    assert_eq!(pool.health.interval, Some(Duration::from_secs(5)));
    assert_eq!(pool.health.timeout, Duration::from_millis(250));
    assert_eq!(pool.health.failures, 2);
    assert_eq!(pool.health.backoff, Duration::from_secs(2));
    assert_eq!(pool.health.connect_timeout, Some(Duration::from_secs(3)));
    // Failover without priorities is the list's order; given ones stay.
    let built: Vec<u32> = pool.pool().members().iter().map(|m| m.priority).collect();
    assert_eq!(built, [0, 1, 0]);

    // One upstream, even in a list: no pool around it.
    let one = "[[relay]]\nname = \"r\"\nlisten = \"tcp:8080\"\nto = [\"tcp:a:1\"]\n";
    assert_eq!(ServeConfig::parse(one, "f").unwrap().relays[0].pool, None);
}

#[test]
fn pool_mistakes_are_located_and_explained() {
    let head = "[[relay]]\nname = \"r\"\nlisten = \"tcp:8080\"\n";
    let error = error_of(&format!(
        "{head}to = [\"tcp:a:1\", \"tcp:b:2\"]\nbalance = \"round-robni\"\n"
    ));
    assert!(error.starts_with("f.toml:5:11: relay \"r\": unknown balance \"round-robni\"; did you mean \"round-robin\"?"), "{error}");
    // A bad description inside the list: its own column.
    let error = error_of(&format!("{head}to = [\"tcp:a:1\", \"tpc:b:2\"]\n"));
    assert!(error.starts_with("f.toml:4:19: relay \"r\":"), "{error}");
    let error = error_of(&format!(
        "{head}to = [\"tcp:a:1\", {{ to = \"tpc:b:2\", weight = 2 }}]\n"
    ));
    assert!(error.starts_with("f.toml:4:26: relay \"r\":"), "{error}");
    let error = error_of(&format!(
        "{head}to = [\"tcp:a:1\", {{ to = \"tcp:b:2\", weight = 0 }}]\n"
    ));
    assert!(
        error.contains("`weight` of an upstream is not a whole number (weight at least 1): 0"),
        "{error}"
    );
    let error = error_of(&format!(
        "{head}to = [\"tcp:a:1\", {{ to = \"tcp:b:2\", wieght = 2 }}]\n"
    ));
    assert!(error.contains("unknown key `wieght`"), "{error}");
    let error = error_of(&format!("{head}to = []\n"));
    assert!(error.contains("`to` is empty"), "{error}");
    let error = error_of(&format!(
        "{head}to = [\"tcp:a:1\", \"tcp:b:2\"]\nhealth = {{ timeout = \"1s\" }}\n"
    ));
    assert!(error.contains("give `interval` too"), "{error}");
    let error = error_of(&format!(
        "{head}to = [\"tcp:a:1\", \"tcp:b:2\"]\nhealth = {{ interval = \"soon\" }}\n"
    ));
    assert!(
        error.starts_with("f.toml:5:23: relay \"r\": duration is not a duration"),
        "{error}"
    );
    let error = error_of(&format!(
        "{head}to = [\"tcp:a:1\", \"tcp:b:2\"]\nhealth = {{ intervall = \"1s\" }}\n"
    ));
    assert!(error.contains("intervall"), "{error}");
}

#[tokio::test]
async fn a_pooled_relay_spreads_survives_a_dead_upstream_and_reports_it() -> TestResult {
    let (a, _a) = named_upstream("a").await?;
    let (b, b_task) = named_upstream("b").await?;
    let metrics = Arc::new(Metrics::new());
    let mut relays = Relays::new(Arc::clone(&metrics));
    let file = format!(
        "[[relay]]\nname = \"r\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = [\"tcp:127.0.0.1:{a}\", \"tcp:127.0.0.1:{b}\"]\nbalance = \"round-robin\"\nhealth = {{ interval = \"200ms\", timeout = \"2s\" }}\ngrace = \"1s\"\n"
    );
    relays
        .apply(&ServeConfig::parse(&file, "f")?.relays)
        .await?;
    let port = relays.local_addresses("r")[0].port().ok_or("a port")?;
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(answer(port).await?);
    }
    seen.sort();
    assert_eq!(seen, ["a", "a", "b", "b"]);
    let up_b =
        format!("endpoint_upstream_up{{relay=\"r\",upstream=\"tcp:127.0.0.1:{b}:timeout=30\"}} 1");
    let text = metrics.encode();
    assert!(text.contains(&up_b), "{text}");
    assert!(
        text.contains("endpoint_upstream_connections_active{relay=\"r\""),
        "{text}"
    );

    b_task.abort();
    let _ = b_task.await;
    let killed = Instant::now();
    // No client sees b's refusal.
    for _ in 0..6 {
        assert_eq!(answer(port).await?, "a");
    }
    let down_b = up_b.replace("} 1", "} 0");
    while !metrics.encode().contains(&down_b) {
        assert!(killed.elapsed() < LIMIT, "b never reported down");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    eprintln!("b reported down {:?} after it died", killed.elapsed());

    // Back to one upstream: the upstream series end.
    let single = format!(
        "[[relay]]\nname = \"r\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = \"tcp:127.0.0.1:{a}\"\ngrace = \"1s\"\n"
    );
    relays
        .apply(&ServeConfig::parse(&single, "f")?.relays)
        .await?;
    assert_eq!(answer(port).await?, "a");
    assert!(
        !metrics.encode().contains("endpoint_upstream_up{"),
        "{}",
        metrics.encode()
    );
    relays.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_reload_that_changes_the_upstream_list_keeps_the_state_of_those_that_stay() -> TestResult
{
    let (a, _a) = named_upstream("a").await?;
    let (b, _b) = named_upstream("b").await?;
    let dead = TcpListener::bind("127.0.0.1:0").await?.local_addr()?.port();
    let metrics = Arc::new(Metrics::new());
    let mut relays = Relays::new(Arc::clone(&metrics));
    let file = |to: &str| {
        format!(
            "[[relay]]\nname = \"r\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = [{to}]\nhealth = {{ backoff = \"1m\" }}\ngrace = \"1s\"\n"
        )
    };
    let first = file(&format!("\"tcp:127.0.0.1:{dead}\", \"tcp:127.0.0.1:{a}\""));
    relays
        .apply(&ServeConfig::parse(&first, "f")?.relays)
        .await?;
    let port = relays.local_addresses("r")[0].port().ok_or("a port")?;
    for _ in 0..6 {
        assert_eq!(answer(port).await?, "a");
    }
    let dead_up =
        format!("endpoint_upstream_up{{relay=\"r\",upstream=\"tcp:127.0.0.1:{dead}:timeout=30\"}}");
    let dead_failures = format!("endpoint_upstream_connect_failures_total{{relay=\"r\",upstream=\"tcp:127.0.0.1:{dead}:timeout=30\"}}");
    let text = metrics.encode();
    assert!(text.contains(&format!("{dead_up} 0")), "{text}");
    assert!(text.contains(&format!("{dead_failures} 3")), "{text}");

    // b added, the list reordered: the dead upstream is still known to be down.
    let second = file(&format!(
        "\"tcp:127.0.0.1:{b}\", \"tcp:127.0.0.1:{dead}\", \"tcp:127.0.0.1:{a}\""
    ));
    let plan = relays
        .apply(&ServeConfig::parse(&second, "f")?.relays)
        .await?;
    assert_eq!(plan.retarget.len(), 1);
    let text = metrics.encode();
    assert!(text.contains(&format!("{dead_up} 0")), "{text}");
    assert!(text.contains(&format!("{dead_failures} 3")), "{text}");
    let mut seen = Vec::new();
    for _ in 0..4 {
        seen.push(answer(port).await?);
    }
    seen.sort();
    assert_eq!(seen, ["a", "a", "b", "b"]);
    assert!(
        metrics.encode().contains(&format!("{dead_failures} 3")),
        "the dead one was skipped"
    );
    relays.shutdown().await;
    Ok(())
}

/// An upstream that writes `name`, then holds the connection open until the client closes.
async fn holding_upstream(name: &'static str) -> TestResult<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let _ = stream.write_all(name.as_bytes()).await;
                let mut rest = Vec::new();
                let _ = stream.read_to_end(&mut rest).await;
            });
        }
    });
    Ok(port)
}

/// Connects through the relay and reads the one-letter name, keeping the connection open.
async fn open(port: u16) -> TestResult<(TcpStream, String)> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let mut name = [0u8; 1];
    tokio::time::timeout(LIMIT, stream.read_exact(&mut name)).await??;
    Ok((stream, String::from_utf8_lossy(&name).into_owned()))
}

#[tokio::test]
async fn least_connections_through_a_spliced_relay_counts_pairs_until_they_end() -> TestResult {
    let (a, b) = (holding_upstream("a").await?, holding_upstream("b").await?);
    let metrics = Arc::new(Metrics::new());
    let mut relays = Relays::new(Arc::clone(&metrics));
    let file = format!(
        "[[relay]]\nname = \"r\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = [\"tcp:127.0.0.1:{a}\", \"tcp:127.0.0.1:{b}\"]\nbalance = \"least-connections\"\ngrace = \"1s\"\n"
    );
    relays
        .apply(&ServeConfig::parse(&file, "f")?.relays)
        .await?;
    let port = relays.local_addresses("r")[0].port().ok_or("a port")?;
    let (first, x) = open(port).await?;
    let (_second, y) = open(port).await?;
    assert_ne!(x, y, "the second pair goes to the upstream with none open");
    let x_port = if x == "a" { a } else { b };
    let x_active = format!(
        "endpoint_upstream_connections_active{{relay=\"r\",upstream=\"tcp:127.0.0.1:{x_port}:timeout=30\"}}"
    );
    assert!(
        metrics.encode().contains(&format!("{x_active} 1")),
        "{}",
        metrics.encode()
    );

    // The first pair ends: its upstream is counted out once the relay lets the sockets go
    // (plain TCP both ways: spliced, nothing wraps the I/O).
    drop(first);
    let ended = Instant::now();
    while !metrics.encode().contains(&format!("{x_active} 0")) {
        assert!(ended.elapsed() < LIMIT, "the ended pair is still counted");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (_third, z) = open(port).await?;
    assert_eq!(z, x, "the third pair goes where none is open");
    relays.shutdown().await;
    Ok(())
}
