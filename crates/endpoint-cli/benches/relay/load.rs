//! The loads: bulk throughput into a sink, connection churn and round trips against an echo
//! server, and thousands of idle pairs; and what each measured.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

use crate::front::{Conn, Connector};
use crate::proc_stats;
use crate::Running;

/// How much of each load to run.
pub struct Settings {
    pub streams: usize,
    pub bytes_per_stream: u64,
    pub churn_workers: usize,
    pub churn_for: Duration,
    pub round_trips_for: Duration,
    /// Connections doing round trips at once (`RELAY_BENCH_RTT_CONNECTIONS`, default 8).
    pub round_trip_connections: usize,
    pub idle_counts: Vec<usize>,
}

impl Settings {
    /// `RELAY_BENCH_IDLE` (say `1000,8000`) sets the idle pair counts.
    pub fn new(quick: bool) -> Self {
        let mut settings = Self::defaults(quick);
        if let Ok(counts) = std::env::var("RELAY_BENCH_IDLE") {
            settings.idle_counts = counts
                .split(',')
                .map(|c| {
                    c.trim()
                        .parse()
                        .expect("RELAY_BENCH_IDLE: counts, comma-separated")
                })
                .collect();
        }
        if let Ok(n) = std::env::var("RELAY_BENCH_RTT_CONNECTIONS") {
            settings.round_trip_connections = n.parse().expect("RELAY_BENCH_RTT_CONNECTIONS");
        }
        settings
    }

    fn defaults(quick: bool) -> Self {
        if quick {
            Settings {
                streams: 2,
                bytes_per_stream: 64 << 20,
                churn_workers: 4,
                churn_for: Duration::from_millis(300),
                round_trips_for: Duration::from_millis(300),
                round_trip_connections: 8,
                idle_counts: vec![200],
            }
        } else {
            Settings {
                streams: 4,
                bytes_per_stream: 1 << 30,
                churn_workers: 8,
                churn_for: Duration::from_millis(1500),
                round_trips_for: Duration::from_secs(2),
                round_trip_connections: 8,
                idle_counts: vec![1000, 5000],
            }
        }
    }
}

/// The servers relays forward to, in this process: a sink (reads to the end, then closes)
/// and an echo server.
pub struct Upstreams {
    pub sink: String,
    pub echo: String,
}

impl Upstreams {
    /// `ws`: the sink and the echo server speak WebSocket (tokio-tungstenite, binary
    /// messages), for relays with a `ws+tcp:` client behind them.
    pub async fn start(ws: bool) -> Self {
        let sink = TcpListener::bind("127.0.0.1:0").await.expect("bind sink");
        let echo = TcpListener::bind("127.0.0.1:0").await.expect("bind echo");
        let addresses = Upstreams {
            sink: sink.local_addr().expect("address").to_string(),
            echo: echo.local_addr().expect("address").to_string(),
        };
        if ws {
            tokio::spawn(serve(sink, |s: TcpStream| async move {
                use futures_util::StreamExt;
                let config = crate::front::ws_config();
                let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(s, Some(config)).await
                else {
                    return;
                };
                while let Some(Ok(_)) = ws.next().await {}
            }));
            tokio::spawn(serve(echo, |s: TcpStream| async move {
                use futures_util::{SinkExt, StreamExt};
                use tokio_tungstenite::tungstenite::Message;
                let _ = s.set_nodelay(true);
                let config = crate::front::ws_config();
                let Ok(mut ws) = tokio_tungstenite::accept_async_with_config(s, Some(config)).await
                else {
                    return;
                };
                while let Some(Ok(message)) = ws.next().await {
                    if let Message::Binary(_) = message {
                        if ws.send(message).await.is_err() {
                            break;
                        }
                    }
                }
            }));
            return addresses;
        }
        tokio::spawn(serve(sink, |mut s: TcpStream| async move {
            let mut buffer = vec![0u8; 256 * 1024];
            while let Ok(n) = s.read(&mut buffer).await {
                if n == 0 {
                    break;
                }
            }
        }));
        tokio::spawn(serve(echo, |mut s: TcpStream| async move {
            let (mut r, mut w) = s.split();
            let _ = tokio::io::copy(&mut r, &mut w).await;
        }));
        addresses
    }
}

async fn serve<F, Fut>(listener: TcpListener, handle: F)
where
    F: Fn(TcpStream) -> Fut + Copy + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    loop {
        match listener.accept().await {
            Ok((s, _)) => {
                tokio::spawn(handle(s));
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(5)).await,
        }
    }
}

/// What one run of one relay measured.
#[derive(Clone, Debug, Default)]
pub struct Measured {
    pub gib_per_s: f64,
    pub cpu_per_gib: f64,
    pub connections_per_s: f64,
    pub round_trips_per_s: f64,
    /// Relay CPU microseconds per 64-byte round trip (steadier than the rate on a busy machine).
    pub cpu_us_per_round_trip: f64,
    /// Relay CPU microseconds per connection of the churn load (accept, connect, one byte
    /// each way, close): the cost of a connection, steadier than the rate.
    pub cpu_us_per_connection: f64,
    /// (idle pairs, bytes per pair, descriptors per pair)
    pub idle: Vec<(usize, f64, f64)>,
    /// Bulk over 8 parallel streams (the QUIC front: on one QUIC connection; others: 8
    /// connections), and the relay's CPU per GiB there.
    pub parallel_gib_per_s: f64,
    pub parallel_cpu_per_gib: f64,
    /// New streams per second on one QUIC connection (open, 1-byte echo, close).
    pub new_streams_per_s: f64,
}

/// Sends `bytes` through `s` to the sink, in 256 KiB writes, then waits for the end: the sink
/// closes once it has everything, and the relay passes that on.
async fn send_to_sink(mut s: Box<dyn Conn>, bytes: u64) {
    let chunk = vec![0x5a_u8; 256 * 1024];
    let mut left = bytes;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        s.write_all(&chunk[..n]).await.expect("send");
        left -= n as u64;
    }
    s.shutdown().await.expect("shutdown");
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).await.expect("end");
}

fn pid(running: &Running) -> u32 {
    running.child.id()
}

impl Measured {
    pub async fn throughput(&mut self, running: &Running, settings: &Settings, front: &Connector) {
        let cpu_before = proc_stats::cpu_seconds(pid(running));
        let started = Instant::now();
        let mut streams = JoinSet::new();
        for _ in 0..settings.streams {
            let address = running.address.clone();
            let bytes = settings.bytes_per_stream;
            let front = front.clone();
            streams.spawn(async move {
                let s = front.connect(&address).await.expect("connect");
                send_to_sink(s, bytes).await;
            });
        }
        while let Some(done) = streams.join_next().await {
            done.expect("stream");
        }
        let elapsed = started.elapsed().as_secs_f64();
        let gib =
            (settings.streams as u64 * settings.bytes_per_stream) as f64 / (1u64 << 30) as f64;
        self.gib_per_s = gib / elapsed;
        // Reaped children's time (socat) lands in the parent once it waits for them.
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.cpu_per_gib = (proc_stats::cpu_seconds(pid(running)) - cpu_before) / gib;
    }

    /// Bulk over `PARALLEL` streams at once, `bytes_per_stream` in all: on one QUIC
    /// connection for the QUIC front, else over as many connections.
    pub async fn parallel(&mut self, running: &Running, settings: &Settings, front: &Connector) {
        const PARALLEL: usize = 8;
        let quic = match front.quic() {
            Some(client) => Some(client.connection(&running.address).await.expect("connect")),
            None => None,
        };
        let each = settings.bytes_per_stream / PARALLEL as u64;
        let cpu_before = proc_stats::cpu_seconds(pid(running));
        let started = Instant::now();
        let mut streams = JoinSet::new();
        for _ in 0..PARALLEL {
            let address = running.address.clone();
            let front = front.clone();
            let quic = quic.clone();
            streams.spawn(async move {
                let s: Box<dyn Conn> = match &quic {
                    Some(connection) => Box::new(
                        crate::bare_quic::QuicConn::open(connection, false)
                            .await
                            .expect("a stream"),
                    ),
                    None => front.connect(&address).await.expect("connect"),
                };
                send_to_sink(s, each).await;
            });
        }
        while let Some(done) = streams.join_next().await {
            done.expect("stream");
        }
        let elapsed = started.elapsed().as_secs_f64();
        let gib = (PARALLEL as u64 * each) as f64 / (1u64 << 30) as f64;
        self.parallel_gib_per_s = gib / elapsed;
        tokio::time::sleep(Duration::from_millis(200)).await;
        self.parallel_cpu_per_gib = (proc_stats::cpu_seconds(pid(running)) - cpu_before) / gib;
        if let Some(connection) = quic {
            connection.close(0u32.into(), b"");
        }
    }

    /// New streams per second on one QUIC connection (the QUIC front only): open, 1-byte
    /// echo, close, from several tasks at once.
    pub async fn new_streams(&mut self, running: &Running, settings: &Settings, front: &Connector) {
        let Some(client) = front.quic() else {
            return;
        };
        let connection = client.connection(&running.address).await.expect("connect");
        let count = Arc::new(AtomicU64::new(0));
        let until = Instant::now() + settings.churn_for;
        let started = Instant::now();
        let mut workers = JoinSet::new();
        for _ in 0..settings.churn_workers {
            let count = Arc::clone(&count);
            let connection = connection.clone();
            workers.spawn(async move {
                while Instant::now() < until {
                    let mut s = crate::bare_quic::QuicConn::open(&connection, false)
                        .await
                        .expect("a stream");
                    s.write_all(b"x").await.expect("send");
                    s.shutdown().await.expect("finish");
                    let mut back = Vec::new();
                    s.read_to_end(&mut back).await.expect("echo");
                    assert_eq!(back, b"x");
                    count.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        while let Some(done) = workers.join_next().await {
            done.expect("worker");
        }
        self.new_streams_per_s =
            count.load(Ordering::Relaxed) as f64 / started.elapsed().as_secs_f64();
        connection.close(0u32.into(), b"");
    }

    pub async fn connections(&mut self, running: &Running, settings: &Settings, front: &Connector) {
        let cpu_before = proc_stats::cpu_seconds(pid(running));
        let count = Arc::new(AtomicU64::new(0));
        let until = Instant::now() + settings.churn_for;
        let started = Instant::now();
        let mut workers = JoinSet::new();
        for _ in 0..settings.churn_workers {
            let address = running.address.clone();
            let count = Arc::clone(&count);
            let front = front.clone();
            workers.spawn(async move {
                while Instant::now() < until {
                    let mut s = front.connect(&address).await.expect("connect");
                    s.write_all(b"x").await.expect("send");
                    s.flush().await.expect("flush");
                    let mut back = [0u8; 1];
                    s.read_exact(&mut back).await.expect("echo");
                    count.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        while let Some(done) = workers.join_next().await {
            done.expect("worker");
        }
        let count = count.load(Ordering::Relaxed);
        self.connections_per_s = count as f64 / started.elapsed().as_secs_f64();
        let cpu = proc_stats::cpu_seconds(pid(running)) - cpu_before;
        self.cpu_us_per_connection = cpu * 1e6 / count.max(1) as f64;
    }

    pub async fn round_trips(&mut self, running: &Running, settings: &Settings, front: &Connector) {
        let mut connections = Vec::new();
        for _ in 0..settings.round_trip_connections {
            connections.push(front.connect(&running.address).await.expect("connect"));
        }
        let cpu_before = proc_stats::cpu_seconds(pid(running));
        let started = Instant::now();
        let until = started + settings.round_trips_for;
        let mut workers = JoinSet::new();
        for mut s in connections {
            workers.spawn(async move {
                let message = [7u8; 64];
                let mut back = [0u8; 64];
                let mut count = 0u64;
                while Instant::now() < until {
                    s.write_all(&message).await.expect("send");
                    s.flush().await.expect("flush");
                    s.read_exact(&mut back).await.expect("echo");
                    count += 1;
                }
                count
            });
        }
        let mut count = 0;
        while let Some(done) = workers.join_next().await {
            count += done.expect("round trips");
        }
        self.round_trips_per_s = count as f64 / started.elapsed().as_secs_f64();
        let cpu = proc_stats::cpu_seconds(pid(running)) - cpu_before;
        self.cpu_us_per_round_trip = cpu * 1e6 / count.max(1) as f64;
    }

    /// Opens `count` relayed pairs (each passes one byte both ways, then idles) and reads what
    /// they cost the relay beyond a warmed-up baseline.
    pub async fn idle(
        &mut self,
        running: &Running,
        count: usize,
        forking: bool,
        front: &Connector,
    ) {
        let pid = pid(running);
        // Warm up: a burst of concurrent pairs fills any pools the relay keeps.
        let (warm, _) = open_pairs(&running.address, 64, front).await;
        drop(warm);
        settle(pid, |_| true).await;
        let (pss_before, fds_before) = (proc_stats::pss_bytes(pid), proc_stats::descriptors(pid));
        let (pairs, failed) = open_pairs(&running.address, count, front).await;
        if failed > 0 {
            // Recorded as "could not": a relay that needs more descriptors than the limit.
            println!("    {count} idle pairs: {failed} failed (reset or timed out)");
            self.idle.push((count, f64::NAN, f64::NAN));
            return;
        }
        // A QUIC pair holds one descriptor (its upstream): the UDP socket is shared.
        let per_pair = if front.quic().is_some() { 1 } else { 2 };
        let wanted = fds_before + per_pair * count as u64;
        if !forking {
            settle(pid, |_| proc_stats::descriptors(pid) >= wanted).await;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
        let (pss_after, fds_after) = (proc_stats::pss_bytes(pid), proc_stats::descriptors(pid));
        drop(pairs);
        self.idle.push((
            count,
            pss_after.saturating_sub(pss_before) as f64 / count as f64,
            fds_after.saturating_sub(fds_before) as f64 / count as f64,
        ));
    }

    pub fn brief(&self) -> String {
        format!(
            "{:.2} GiB/s, {:.3} CPU s/GiB, {:.0} conn/s ({:.0} CPU µs each), {:.0} RTT/s ({:.1} CPU µs each), idle {}",
            self.gib_per_s,
            self.cpu_per_gib,
            self.connections_per_s,
            self.cpu_us_per_connection,
            self.round_trips_per_s,
            self.cpu_us_per_round_trip,
            self.idle_summary()
        )
    }

    pub fn idle_summary(&self) -> String {
        self.idle
            .iter()
            .map(|(n, bytes, fds)| {
                if bytes.is_nan() {
                    format!("{n}: could not hold them")
                } else {
                    format!("{n}: {bytes:.0} B, {fds:.2} fds")
                }
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// Memory per idle pair, as a ratio against `peer` at each count both measured.
    pub fn idle_ratio(&self, peer: &Measured) -> String {
        self.idle
            .iter()
            .filter_map(|(n, bytes, _)| {
                let (_, theirs, _) = peer.idle.iter().find(|(m, _, _)| m == n)?;
                Some(format!(
                    ", memory per idle pair at {n} {:.2}×",
                    bytes / theirs
                ))
            })
            .collect()
    }

    /// The median of every figure over several runs.
    pub fn median(runs: &[Measured]) -> Measured {
        let median = |f: &dyn Fn(&Measured) -> f64| {
            let mut values: Vec<f64> = runs.iter().map(f).collect();
            values.sort_by(f64::total_cmp);
            values[values.len() / 2]
        };
        let idle = runs[0]
            .idle
            .iter()
            .enumerate()
            .map(|(i, (n, _, _))| (*n, median(&|m| m.idle[i].1), median(&|m| m.idle[i].2)))
            .collect();
        Measured {
            gib_per_s: median(&|m| m.gib_per_s),
            cpu_per_gib: median(&|m| m.cpu_per_gib),
            connections_per_s: median(&|m| m.connections_per_s),
            round_trips_per_s: median(&|m| m.round_trips_per_s),
            cpu_us_per_round_trip: median(&|m| m.cpu_us_per_round_trip),
            cpu_us_per_connection: median(&|m| m.cpu_us_per_connection),
            idle,
            parallel_gib_per_s: median(&|m| m.parallel_gib_per_s),
            parallel_cpu_per_gib: median(&|m| m.parallel_cpu_per_gib),
            new_streams_per_s: median(&|m| m.new_streams_per_s),
        }
    }
}

/// Opens `count` pairs through the relay, 64 at a time, each echoing one byte; returns the
/// pairs that worked and how many did not (a relay out of descriptors resets some).
async fn open_pairs(address: &str, count: usize, front: &Connector) -> (Vec<Box<dyn Conn>>, usize) {
    let mut pairs = Vec::with_capacity(count);
    let mut failed = 0;
    let mut batch = JoinSet::new();
    for i in 0..count {
        let address = address.to_string();
        let front = front.clone();
        batch.spawn(async move {
            let mut s = front.connect(&address).await?;
            s.write_all(b"i").await?;
            s.flush().await?;
            let mut back = [0u8; 1];
            tokio::time::timeout(Duration::from_secs(10), s.read_exact(&mut back)).await??;
            Ok::<_, Box<dyn std::error::Error + Send + Sync>>(s)
        });
        if batch.len() == 64 || i + 1 == count {
            while let Some(s) = batch.join_next().await {
                match s.expect("pair task") {
                    Ok(s) => pairs.push(s),
                    Err(e) => {
                        if failed == 0 {
                            println!("    first failure: {e}");
                        }
                        failed += 1
                    }
                }
            }
        }
    }
    (pairs, failed)
}

/// Polls until `done` holds (at most 10 s): the relay closes and opens sockets on its own
/// time, after ours.
async fn settle(pid: u32, done: impl Fn(u64) -> bool) {
    let mut last = proc_stats::descriptors(pid);
    for _ in 0..200 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let now = proc_stats::descriptors(pid);
        if done(last) && now == last {
            return;
        }
        last = now;
    }
}
