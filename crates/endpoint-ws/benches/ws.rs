//! WebSocket through `ws+tcp` endpoints against raw tokio-tungstenite over a `TcpStream`, in
//! the same run: small-message round trips and bulk throughput, printed with ratios.
//!
//! Run with `cargo bench -p endpoint-ws --bench ws`. `WS_BENCH_ONLY=endpoint-bulk` (or
//! `raw-bulk`, `endpoint-rt`, `raw-rt`) runs one side alone ten times, to profile it or count
//! its system calls (`strace -f -c`).

use std::time::{Duration, Instant};

use endpoint_core::Registry;
use endpoint_testkit::TestResult;
use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

use endpoint_ws as _;

const ROUND_TRIPS: usize = 2000;
const SMALL: usize = 64;
const BULK: usize = 64 << 20;
const CHUNK: usize = 64 << 10;

async fn endpoint_round_trips() -> TestResult<Duration> {
    let registry = Registry::global();
    let mut listener = registry.server("ws:0:interface=127.0.0.1")?.bind().await?;
    let port = listener.local_address().port().unwrap();
    let client = registry.client(&format!("ws:127.0.0.1:{port}"))?;
    let (mut server, mut client) = tokio::try_join!(listener.accept(), client.connect())?;
    let echo = tokio::spawn(async move {
        let mut buf = [0u8; SMALL];
        while server.read_exact(&mut buf).await.is_ok() {
            server.write_all(&buf).await?;
            server.flush().await?;
        }
        Ok::<_, std::io::Error>(())
    });
    let message = [7u8; SMALL];
    let mut back = [0u8; SMALL];
    let started = Instant::now();
    for _ in 0..ROUND_TRIPS {
        client.write_all(&message).await?;
        client.flush().await?;
        client.read_exact(&mut back).await?;
    }
    let elapsed = started.elapsed();
    drop(client);
    let _ = echo.await;
    Ok(elapsed)
}

fn raw_config() -> WebSocketConfig {
    // The same limits the endpoint uses, so the two do the same work per byte.
    WebSocketConfig::default()
        .max_message_size(Some(1 << 20))
        .max_frame_size(Some(256 << 10))
}

async fn raw_pair() -> TestResult<(
    tokio_tungstenite::WebSocketStream<TcpStream>,
    tokio_tungstenite::WebSocketStream<TcpStream>,
)> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let server = async {
        let (tcp, _) = listener.accept().await?;
        tcp.set_nodelay(true)?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(
            tokio_tungstenite::accept_async_with_config(tcp, Some(raw_config())).await?,
        )
    };
    let client = async {
        let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
        tcp.set_nodelay(true)?;
        let (ws, _) = tokio_tungstenite::client_async_with_config(
            format!("ws://127.0.0.1:{port}/"),
            tcp,
            Some(raw_config()),
        )
        .await?;
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(ws)
    };
    Ok(tokio::try_join!(server, client)?)
}

async fn raw_round_trips() -> TestResult<Duration> {
    let (mut server, mut client) = raw_pair().await?;
    let echo = tokio::spawn(async move {
        while let Some(Ok(m)) = server.next().await {
            if m.is_binary() && server.send(m).await.is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    for _ in 0..ROUND_TRIPS {
        client.send(Message::binary(vec![7u8; SMALL])).await?;
        loop {
            match client.next().await {
                Some(Ok(m)) if m.is_binary() => break,
                Some(Ok(_)) => continue,
                _ => return Err("echo ended".into()),
            }
        }
    }
    let elapsed = started.elapsed();
    drop(client);
    let _ = echo.await;
    Ok(elapsed)
}

async fn endpoint_bulk() -> TestResult<Duration> {
    let registry = Registry::global();
    let mut listener = registry.server("ws:0:interface=127.0.0.1")?.bind().await?;
    let port = listener.local_address().port().unwrap();
    let client = registry.client(&format!("ws:127.0.0.1:{port}"))?;
    let (mut server, mut client) = tokio::try_join!(listener.accept(), client.connect())?;
    let sink = tokio::spawn(async move {
        let mut buf = vec![0u8; CHUNK];
        let mut total = 0;
        while total < BULK {
            let n = server.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            total += n;
        }
        Ok::<_, std::io::Error>(total)
    });
    let chunk = vec![1u8; CHUNK];
    let started = Instant::now();
    for _ in 0..BULK / CHUNK {
        client.write_all(&chunk).await?;
    }
    client.flush().await?;
    let total = sink.await??;
    let elapsed = started.elapsed();
    assert_eq!(total, BULK);
    Ok(elapsed)
}

async fn raw_bulk() -> TestResult<Duration> {
    let (mut server, mut client) = raw_pair().await?;
    let sink = tokio::spawn(async move {
        let mut total = 0;
        while total < BULK {
            match server.next().await {
                Some(Ok(m)) => total += m.len(),
                _ => break,
            }
        }
        total
    });
    let started = Instant::now();
    for _ in 0..BULK / CHUNK {
        client.feed(Message::binary(vec![1u8; CHUNK])).await?;
    }
    client.flush().await?;
    let total = sink.await?;
    let elapsed = started.elapsed();
    assert_eq!(total, BULK);
    Ok(elapsed)
}

/// The best of `runs` of each, run alternately (a, b, a, b, ...) so that neither side gets
/// a warmer machine (allocator, caches, TCP autotuning) than the other.
async fn best_of_each<F, G, FutF, FutG>(runs: usize, a: F, b: G) -> TestResult<(Duration, Duration)>
where
    F: Fn() -> FutF,
    G: Fn() -> FutG,
    FutF: std::future::Future<Output = TestResult<Duration>>,
    FutG: std::future::Future<Output = TestResult<Duration>>,
{
    let (mut best_a, mut best_b) = (Duration::MAX, Duration::MAX);
    for _ in 0..runs {
        best_a = best_a.min(a().await?);
        best_b = best_b.min(b().await?);
    }
    Ok((best_a, best_b))
}

fn main() -> TestResult<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        // `WS_BENCH_ONLY=endpoint-bulk` (or raw-bulk, endpoint-rt, raw-rt) runs one side alone,
        // ten times, for a profiler or `strace -c`.
        if let Ok(only) = std::env::var("WS_BENCH_ONLY") {
            for _ in 0..10 {
                let d = match only.as_str() {
                    "endpoint-bulk" => endpoint_bulk().await?,
                    "raw-bulk" => raw_bulk().await?,
                    "endpoint-rt" => endpoint_round_trips().await?,
                    "raw-rt" => raw_round_trips().await?,
                    _ => return Err("WS_BENCH_ONLY: endpoint-bulk, raw-bulk, endpoint-rt or raw-rt".into()),
                };
                println!("{only}: {d:?}");
            }
            return Ok(());
        }
        // Warm up both paths once.
        endpoint_round_trips().await?;
        raw_round_trips().await?;

        let (ep, raw) = best_of_each(5, endpoint_round_trips, raw_round_trips).await?;
        let per = |d: Duration| d.as_secs_f64() * 1e6 / ROUND_TRIPS as f64;
        println!(
            "round trips ({ROUND_TRIPS} x {SMALL} B): ws+tcp endpoint {:.1} us/rt, raw tokio-tungstenite {:.1} us/rt, ratio {:.2}",
            per(ep),
            per(raw),
            ep.as_secs_f64() / raw.as_secs_f64()
        );

        let (ep, raw) = best_of_each(9, endpoint_bulk, raw_bulk).await?;
        let rate = |d: Duration| BULK as f64 / d.as_secs_f64() / (1 << 20) as f64;
        println!(
            "bulk ({} MiB): ws+tcp endpoint {:.0} MiB/s, raw tokio-tungstenite {:.0} MiB/s, ratio {:.2} (throughput, endpoint/raw)",
            BULK >> 20,
            rate(ep),
            rate(raw),
            rate(ep) / rate(raw)
        );
        Ok(())
    })
}
