//! `endpoint relay` against the relays people compare it with, side by side in one run, on
//! loopback: a bare tokio `copy_bidirectional` relay, a bare (realm-style) splice relay, and
//! socat when it is installed. Run with:
//!
//! ```text
//! cargo bench -p endpoint-cli --bench relay            # full: 3 rounds, 1,000 and 5,000 idle pairs
//! RELAY_BENCH_QUICK=1 cargo bench -p endpoint-cli --bench relay   # a smoke run
//! RELAY_BENCH_ONLY=rtt,idle cargo bench -p endpoint-cli --bench relay   # some parts only
//! ```
//!
//! Every relay is its own process (the bare ones are this binary, re-executed), so CPU time,
//! memory and descriptors are read from its `/proc` entry alone. Each round runs the relays in
//! a rotated order; the medians of the rounds are printed, with ratios against the peers:
//!
//! - throughput: a few connections each sending 1 GiB through the relay to a sink;
//! - relay CPU seconds per GiB moved (user + system time of the relay process);
//! - connections per second: connect, 1-byte echo, close, from several clients at once;
//! - 64-byte round trips per second over one connection;
//! - memory (RSS) and descriptors per idle relayed pair, at 1,000 and 5,000 idle pairs.
//!
//! `endpoint serve` with its metrics on runs as one more contender, so the cost of counting
//! is a ratio against `endpoint relay` (no metrics) from the same run.

mod bare;
mod load;
mod proc_stats;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;

use crate::load::{Measured, Upstreams};

/// The role a re-executed copy of this binary plays.
const ROLE: &str = "RELAY_BENCH_ROLE";

fn main() {
    raise_descriptor_limit();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    if let Ok(role) = std::env::var(ROLE) {
        let mut args = std::env::args().skip(1);
        let (listen, target) = (args.next().expect("listen"), args.next().expect("target"));
        runtime.block_on(serve_bare(&role, &listen, target));
        return;
    }
    runtime.block_on(bench());
}

async fn serve_bare(role: &str, listen: &str, target: String) {
    let listener = TcpListener::bind(listen).await.expect("bind");
    let local = listener.local_addr().expect("local address");
    println!("{local}");
    let served = match role {
        "tokio" => bare::serve(listener, target, bare::tokio_copy).await,
        "splice" => bare::serve(listener, target, bare::splice_pair).await,
        other => panic!("unknown role {other}"),
    };
    served.expect("serve");
}

/// One relay under test: how to start it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Relay {
    Endpoint,
    /// `endpoint serve` with one relay and `/metrics` on.
    ServeMetrics,
    BareSplice,
    BareTokio,
    Socat,
}

impl Relay {
    fn name(self) -> &'static str {
        match self {
            Relay::Endpoint => "endpoint relay",
            Relay::ServeMetrics => "serve+metrics",
            Relay::BareSplice => "bare splice",
            Relay::BareTokio => "bare tokio",
            Relay::Socat => "socat",
        }
    }
}

/// A running relay process and the address it listens on.
struct Running {
    child: Child,
    address: String,
    /// The configuration file of `serve`, removed with the process.
    _config: Option<tempfile::TempDir>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start(relay: Relay, target: &str) -> Running {
    let mut config = None;
    let mut command = match relay {
        Relay::ServeMetrics => {
            let dir = tempfile::tempdir().expect("a temp dir");
            let file = dir.path().join("bench.toml");
            let metrics = dir.path().join("metrics.sock");
            std::fs::write(
                &file,
                format!(
                    "metrics = 'unix:{}'\n[[relay]]\nname = \"bench\"\nlisten = \"tcp:0:interface=127.0.0.1\"\nto = \"tcp:{target}\"\n",
                    metrics.display()
                ),
            )
            .expect("write the configuration");
            let mut c = Command::new(env!("CARGO_BIN_EXE_endpoint"));
            c.args(["-v", "serve"])
                .arg(&file)
                .stderr(Stdio::piped())
                .stdout(Stdio::null());
            config = Some(dir);
            c
        }
        Relay::Endpoint => {
            let mut c = Command::new(env!("CARGO_BIN_EXE_endpoint"));
            c.args(["-v", "relay", "tcp:0:interface=127.0.0.1"])
                .arg(format!("tcp:{target}"))
                .stderr(Stdio::piped())
                .stdout(Stdio::null());
            c
        }
        Relay::BareSplice | Relay::BareTokio => {
            let mut c = Command::new(std::env::current_exe().expect("this binary"));
            let role = if relay == Relay::BareSplice {
                "splice"
            } else {
                "tokio"
            };
            c.env(ROLE, role)
                .args(["127.0.0.1:0", target])
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit());
            c
        }
        Relay::Socat => {
            let port = free_port().await;
            let mut c = Command::new("socat");
            c.arg(format!(
                "TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,backlog=4096"
            ))
            .arg(format!("TCP:{target}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null());
            let child = c.spawn().expect("socat");
            let address = format!("127.0.0.1:{port}");
            wait_listening(&address).await;
            return Running {
                child,
                address,
                _config: None,
            };
        }
    };
    let mut child = command.spawn().expect("relay process");
    let address = match relay {
        Relay::Endpoint | Relay::ServeMetrics => {
            // `-v` prints `relaying ADDRESS -> CLIENT` (relay) or `relay bench listening on
            // ADDRESS` (serve) once listening.
            let prefix = if relay == Relay::Endpoint {
                "relaying "
            } else {
                "relay bench listening on "
            };
            let stderr = child.stderr.take().expect("stderr");
            let stderr = tokio::process::ChildStderr::from_std(stderr).expect("async stderr");
            let mut lines = BufReader::new(stderr).lines();
            let address = loop {
                let line = lines
                    .next_line()
                    .await
                    .expect("relay stderr")
                    .expect("ready line");
                if let Some(rest) = line.strip_prefix(prefix) {
                    break rest.split(' ').next().expect("address").to_string();
                }
            };
            // Keep draining stderr so the relay never blocks on it.
            tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
            address
        }
        _ => {
            let stdout = child.stdout.take().expect("stdout");
            let stdout = tokio::process::ChildStdout::from_std(stdout).expect("async stdout");
            let mut lines = BufReader::new(stdout).lines();
            lines
                .next_line()
                .await
                .expect("stdout")
                .expect("address line")
        }
    };
    Running {
        child,
        address,
        _config: config,
    }
}

async fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    listener.local_addr().expect("address").port()
}

async fn wait_listening(address: &str) {
    for _ in 0..500 {
        if tokio::net::TcpStream::connect(address).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{address} never listened");
}

fn raise_descriptor_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: plain getrlimit/setrlimit on a valid struct.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

fn socat_installed() -> bool {
    Command::new("socat")
        .arg("-V")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

async fn bench() {
    let quick = std::env::var_os("RELAY_BENCH_QUICK").is_some();
    let settings = load::Settings::new(quick);
    let upstreams = Upstreams::start().await;
    let mut relays = vec![
        Relay::Endpoint,
        Relay::ServeMetrics,
        Relay::BareSplice,
        Relay::BareTokio,
    ];
    if socat_installed() {
        relays.push(Relay::Socat);
    } else {
        println!("(socat is not installed: `apt-get install socat` adds it to the comparison)");
    }
    let rounds = if quick { 1 } else { 3 };
    println!(
        "relay bench: {rounds} round(s); {} connection(s) × {} MiB; idle pairs {:?}",
        settings.streams,
        settings.bytes_per_stream >> 20,
        settings.idle_counts
    );
    let mut results: Vec<(Relay, Vec<Measured>)> =
        relays.iter().map(|r| (*r, Vec::new())).collect();
    for round in 0..rounds {
        let mut order = relays.clone();
        order.rotate_left(round % relays.len());
        for relay in order {
            let measured = measure(relay, &upstreams, &settings).await;
            println!(
                "  round {}: {:<15} {}",
                round + 1,
                relay.name(),
                measured.brief()
            );
            results
                .iter_mut()
                .find(|(r, _)| *r == relay)
                .expect("relay")
                .1
                .push(measured);
        }
    }
    let medians: Vec<(Relay, Measured)> = results
        .into_iter()
        .map(|(relay, runs)| (relay, Measured::median(&runs)))
        .collect();
    report(&medians, &settings);
}

/// True when `RELAY_BENCH_ONLY` (a comma-separated list of `bulk`, `churn`, `rtt`, `idle`) is
/// unset or names `part`.
fn wanted(part: &str) -> bool {
    std::env::var("RELAY_BENCH_ONLY").map_or(true, |only| only.split(',').any(|p| p == part))
}

async fn measure(relay: Relay, upstreams: &Upstreams, settings: &load::Settings) -> Measured {
    let mut measured = Measured::default();
    if wanted("bulk") {
        let running = start(relay, &upstreams.sink).await;
        measured.throughput(&running, settings).await;
    }
    if wanted("churn") || wanted("rtt") {
        let running = start(relay, &upstreams.echo).await;
        if wanted("churn") {
            measured.connections(&running, settings).await;
        }
        if wanted("rtt") {
            measured.round_trips(&running, settings).await;
        }
    }
    for &count in settings.idle_counts.iter().filter(|_| wanted("idle")) {
        if relay == Relay::Socat && count > 1000 {
            // A process per connection: 5,000 socats would measure the machine, not socat.
            continue;
        }
        let running = start(relay, &upstreams.echo).await;
        measured.idle(&running, count, relay == Relay::Socat).await;
    }
    measured
}

fn report(medians: &[(Relay, Measured)], settings: &load::Settings) {
    let of = |relay: Relay| medians.iter().find(|(r, _)| *r == relay).map(|(_, m)| m);
    let endpoint = of(Relay::Endpoint).expect("endpoint measured");
    println!();
    println!("medians (rates: higher is better; costs: lower is better):");
    println!(
        "{:<15} {:>10} {:>12} {:>10} {:>12} {:>12} idle pair: bytes, fds",
        "relay", "GiB/s", "CPU s/GiB", "conn/s", "64B RTT/s", "CPU µs/RTT"
    );
    for (relay, m) in medians {
        println!(
            "{:<15} {:>10.2} {:>12.3} {:>10.0} {:>12.0} {:>12.1} {}",
            relay.name(),
            m.gib_per_s,
            m.cpu_per_gib,
            m.connections_per_s,
            m.round_trips_per_s,
            m.cpu_us_per_round_trip,
            m.idle_summary()
        );
    }
    println!();
    println!("ratios, endpoint relay ÷ peer (same run):");
    for (relay, m) in medians.iter().filter(|(r, _)| *r != Relay::Endpoint) {
        println!(
            "  vs {:<12} throughput {:.2}×, CPU per GiB {:.2}×, connections/s {:.2}×, round trips/s {:.2}× (CPU per round trip {:.2}×){}",
            relay.name(),
            endpoint.gib_per_s / m.gib_per_s,
            endpoint.cpu_per_gib / m.cpu_per_gib,
            endpoint.connections_per_s / m.connections_per_s,
            endpoint.round_trips_per_s / m.round_trips_per_s,
            endpoint.cpu_us_per_round_trip / m.cpu_us_per_round_trip,
            endpoint.idle_ratio(m),
        );
    }
    if let Some(serve) = of(Relay::ServeMetrics) {
        let check = |ok: bool| if ok { "met" } else { "NOT met" };
        let rtt = serve.round_trips_per_s / endpoint.round_trips_per_s;
        let cps = serve.connections_per_s / endpoint.connections_per_s;
        println!();
        println!("the cost of metrics (issue 20), serve+metrics ÷ endpoint relay:");
        println!(
            "  round trips/s {rtt:.2}× — {}; connections/s {cps:.2}× — {} (target ≥ 0.97×)",
            check(rtt >= 0.97),
            check(cps >= 0.97)
        );
    }
    println!();
    println!("targets (issue 11):");
    if let (Some(splice), Some(tokio)) = (of(Relay::BareSplice), of(Relay::BareTokio)) {
        let check = |ok: bool| if ok { "met" } else { "NOT met" };
        let cpu = endpoint.cpu_per_gib / splice.cpu_per_gib;
        println!(
            "  CPU per GiB ≤ 1.1× bare splice: {cpu:.2}× — {}",
            check(cpu <= 1.1)
        );
        let rtt = endpoint.round_trips_per_s / splice.round_trips_per_s;
        println!(
            "  round trips/s ≥ bare splice: {rtt:.2}× — {}",
            check(rtt >= 1.0)
        );
        let cps = endpoint.connections_per_s / tokio.connections_per_s;
        println!(
            "  connections/s ≥ bare tokio: {cps:.2}× — {}",
            check(cps >= 1.0)
        );
        for (count, bytes, fds) in endpoint.idle.iter().copied() {
            println!(
                "  idle pair at {count}: {bytes:.0} B (≤ 2048) and {fds:.2} descriptors (2) — {}",
                check(bytes <= 2048.0 && fds <= 2.05)
            );
        }
    }
    let _ = settings;
}
