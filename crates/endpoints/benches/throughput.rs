//! Throughput and connection-rate benchmark: endpoints built from descriptions against raw
//! tokio sockets, measured in the same run and printed as ratios.
//!
//! Run with `cargo bench -p endpoints --bench throughput` (add `-- --quick` for a short run).
//! A ratio of 1.00 means no overhead; higher is slower.

use std::future::Future;
use std::time::{Duration, Instant};

use endpoints::{client_from_string, server_from_string, Connection};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UnixListener, UnixStream};

const CHUNK: usize = 64 * 1024;

struct Sizes {
    bulk_bytes: usize,
    connections: usize,
    rounds: usize,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes = if quick {
        Sizes {
            bulk_bytes: 64 << 20,
            connections: 300,
            rounds: 1,
        }
    } else {
        Sizes {
            bulk_bytes: 512 << 20,
            connections: 2000,
            rounds: 3,
        }
    };
    let dir = tempfile::tempdir()?;
    println!(
        "{:<34} {:>14} {:>14} {:>7}",
        "measurement", "endpoints", "raw tokio", "ratio"
    );

    let raw = best(sizes.rounds, || raw_tcp_bulk(sizes.bulk_bytes)).await?;
    let ours = best(sizes.rounds, || {
        ours_bulk("tcp:0:interface=127.0.0.1", sizes.bulk_bytes)
    })
    .await?;
    report_throughput("tcp bulk (MiB/s)", sizes.bulk_bytes, ours, raw);

    let path = dir.path().join("raw.sock");
    let raw = best(sizes.rounds, || {
        raw_unix_bulk(path.clone(), sizes.bulk_bytes)
    })
    .await?;
    let desc = format!("unix:{}:lockfile=0", dir.path().join("ours.sock").display());
    let ours = best(sizes.rounds, || ours_bulk(&desc, sizes.bulk_bytes)).await?;
    report_throughput("unix bulk (MiB/s)", sizes.bulk_bytes, ours, raw);

    let raw = best(sizes.rounds, || raw_tcp_connects(sizes.connections)).await?;
    let ours = best(sizes.rounds, || {
        ours_connects("tcp:0:interface=127.0.0.1", sizes.connections)
    })
    .await?;
    report_rate("tcp connect+accept (/s)", sizes.connections, ours, raw);

    let path = dir.path().join("raw-c.sock");
    let raw = best(sizes.rounds, || {
        raw_unix_connects(path.clone(), sizes.connections)
    })
    .await?;
    let desc = format!(
        "unix:{}:lockfile=0",
        dir.path().join("ours-c.sock").display()
    );
    let ours = best(sizes.rounds, || ours_connects(&desc, sizes.connections)).await?;
    report_rate("unix connect+accept (/s)", sizes.connections, ours, raw);
    Ok(())
}

/// The fastest of `rounds` runs (the least disturbed by the rest of the machine).
async fn best<F, Fut>(rounds: usize, mut run: F) -> Result<Duration, Box<dyn std::error::Error>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Duration, Box<dyn std::error::Error>>>,
{
    let mut best = Duration::MAX;
    for _ in 0..rounds {
        best = best.min(run().await?);
    }
    Ok(best)
}

fn report_throughput(name: &str, bytes: usize, ours: Duration, raw: Duration) {
    let mib = bytes as f64 / (1 << 20) as f64;
    let (o, r) = (mib / ours.as_secs_f64(), mib / raw.as_secs_f64());
    println!(
        "{name:<34} {o:>14.0} {r:>14.0} {:>7.2}",
        ours.as_secs_f64() / raw.as_secs_f64()
    );
}

fn report_rate(name: &str, count: usize, ours: Duration, raw: Duration) {
    let (o, r) = (
        count as f64 / ours.as_secs_f64(),
        count as f64 / raw.as_secs_f64(),
    );
    println!(
        "{name:<34} {o:>14.0} {r:>14.0} {:>7.2}",
        ours.as_secs_f64() / raw.as_secs_f64()
    );
}

/// Sends `bytes` from `a` to `b` and waits until all of it has been read.
async fn pump<A, B>(
    mut a: A,
    mut b: B,
    bytes: usize,
) -> Result<Duration, Box<dyn std::error::Error>>
where
    A: AsyncWrite + Unpin + Send + 'static,
    B: AsyncRead + Unpin,
{
    let started = Instant::now();
    let writer = tokio::spawn(async move {
        let chunk = vec![0x5au8; CHUNK];
        let mut left = bytes;
        while left > 0 {
            let n = left.min(CHUNK);
            a.write_all(&chunk[..n]).await?;
            left -= n;
        }
        a.shutdown().await
    });
    let mut buf = vec![0u8; CHUNK];
    let mut got = 0;
    loop {
        let n = b.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        got += n;
    }
    writer.await??;
    assert_eq!(got, bytes);
    Ok(started.elapsed())
}

async fn ours_pair(
    description: &str,
) -> Result<(Connection, Connection), Box<dyn std::error::Error>> {
    let mut listener = server_from_string(description)?.bind().await?;
    let client = client_from_string(&client_for(listener.local_address()))?;
    let (a, b) = tokio::try_join!(client.connect(), listener.accept())?;
    Ok((a, b))
}

fn client_for(address: &endpoints::Address) -> String {
    match address {
        endpoints::Address::Unix(endpoints::UnixAddress::Path(p)) => {
            format!("unix:{}", p.display())
        }
        other => format!("tcp:127.0.0.1:{}", other.port().unwrap_or(0)),
    }
}

async fn ours_bulk(
    description: &str,
    bytes: usize,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let (a, b) = ours_pair(description).await?;
    pump(a, b, bytes).await
}

async fn raw_tcp_bulk(bytes: usize) -> Result<Duration, Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let (a, (b, _)) = tokio::try_join!(TcpStream::connect(address), listener.accept())?;
    pump(a, b, bytes).await
}

async fn raw_unix_bulk(
    path: std::path::PathBuf,
    bytes: usize,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    let (a, (b, _)) = tokio::try_join!(UnixStream::connect(&path), listener.accept())?;
    pump(a, b, bytes).await
}

async fn ours_connects(
    description: &str,
    count: usize,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let mut listener = server_from_string(description)?.bind().await?;
    let client = client_from_string(&client_for(listener.local_address()))?;
    let started = Instant::now();
    for _ in 0..count {
        let (_a, _b) = tokio::try_join!(client.connect(), listener.accept())?;
    }
    Ok(started.elapsed())
}

async fn raw_tcp_connects(count: usize) -> Result<Duration, Box<dyn std::error::Error>> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let started = Instant::now();
    for _ in 0..count {
        let (_a, _b) = tokio::try_join!(TcpStream::connect(address), listener.accept())?;
    }
    Ok(started.elapsed())
}

async fn raw_unix_connects(
    path: std::path::PathBuf,
    count: usize,
) -> Result<Duration, Box<dyn std::error::Error>> {
    let _ = std::fs::remove_file(&path);
    let listener = UnixListener::bind(&path)?;
    let started = Instant::now();
    for _ in 0..count {
        let (_a, _b) = tokio::try_join!(UnixStream::connect(&path), listener.accept())?;
    }
    Ok(started.elapsed())
}
