//! `endpoint relay` against the relays people compare it with, side by side in one run, on
//! loopback: a bare tokio `copy_bidirectional` relay, a bare (realm-style) splice relay, and
//! socat when it is installed. Run with:
//!
//! ```text
//! cargo bench -p endpoint-cli --bench relay            # full: 3 rounds, 1,000 and 5,000 idle pairs
//! RELAY_BENCH_QUICK=1 cargo bench -p endpoint-cli --bench relay   # a smoke run
//! RELAY_BENCH_ONLY=rtt,idle cargo bench -p endpoint-cli --bench relay   # some parts only
//! RELAY_BENCH_FRONT=ws cargo bench -p endpoint-cli --bench relay   # a ws: front (or tls)
//! RELAY_BENCH_IDLE=1000,8000 RELAY_BENCH_ONLY=idle cargo bench -p endpoint-cli --bench relay
//! ```
//!
//! More settings, all environment variables: `RELAY_BENCH_ROUNDS` (rounds), `RELAY_BENCH_RELAYS`
//! (a comma-separated list of contender names to keep beside `endpoint relay`),
//! `RELAY_BENCH_WEBSOCAT` (the websocat binary, if not on `PATH`), `RELAY_BENCH_BASELINE`
//! (another `endpoint` binary, run as one more contender: a before/after ratio in one run).
//!
//! `RELAY_BENCH_FRONT=quic`: `endpoint relay quic:… tcp:…` against a bare quinn relay and
//! against `endpoint relay ssl:… tcp:…` (driven by a TLS client in the same run). Each load
//! connection is a new QUIC connection (full handshake) with one stream; bulk runs on one
//! stream and on 8 streams of one connection, and new streams per second on one connection
//! are counted. `RELAY_BENCH_QUIC` (say `:maxUdpPayload=65527`) adds options to the `quic:`
//! description, and the bare relay and the client take the same (`bare_quic.rs`).
//! `RELAY_BENCH_ONLY` also takes `parallel` and `streams`.
//!
//! The fronts: `plain` (TCP; against bare tokio, bare splice, socat, `serve` with metrics),
//! `tls` (`ssl:` with a test certificate; the client is tokio-rustls), and `ws` (`ws:` in
//! front of TCP; the client is tokio-tungstenite sending binary messages of up to 64 KiB;
//! against a bare tokio-tungstenite relay, websocat and websockify). Every figure is printed
//! with the machine's load average (`/proc/loadavg`) at the time.
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
mod bare_quic;
mod front;
mod load;
mod proc_stats;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::net::TcpListener;

use crate::front::{Connector, Front};
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
        if role == "quic" {
            let (listen, target) = (args.next().expect("listen"), args.next().expect("target"));
            let pem = std::env::var("RELAY_BENCH_PEM").expect("the certificate");
            runtime
                .block_on(bare_quic::serve(&listen, target, pem))
                .expect("serve");
            return;
        }
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
        "ws" => bare::serve_ws(listener, target).await,
        "tows" => bare::serve_to_ws(listener, target).await,
        "tls" => {
            let pem = std::env::var("RELAY_BENCH_PEM").expect("the certificate");
            bare::serve_tls(listener, target, pem).await
        }
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
    /// tokio-tungstenite in front of TCP, a few lines (`bare::serve_ws`).
    BareWs,
    /// `websocat --binary ws-l:… tcp:…` (when found).
    Websocat,
    /// `websockify` (Debian's, Python; a process per connection).
    Websockify,
    /// TCP in front of a tokio-tungstenite client (`bare::serve_to_ws`).
    BareToWs,
    /// tokio-rustls in front of TCP (`bare::serve_tls`).
    BareTls,
    /// HAProxy, `mode tcp`, `bind … ssl crt …` (when installed).
    Haproxy,
    /// `endpoint relay` with an allow-list on its listening side (`allow=127.0.0.0/8`): the
    /// cost of admission by address.
    AllowList,
    /// `endpoint relay … --to T --to T`: a pool of two members (both the same upstream), the
    /// cost of choosing a member and counting its connections. (A pool of one is the plain
    /// relay: a single `--to` is not wrapped.)
    PoolOfTwo,
    /// quinn in front of TCP, a stream per relayed pair (`bare_quic::serve`).
    BareQuic,
    /// `endpoint relay ssl:… tcp:…` in a QUIC-front run (driven by a TLS client): QUIC's
    /// figures against our own TCP+TLS relay's, from one run.
    EndpointTls,
    /// Another build of `endpoint` (`RELAY_BENCH_BASELINE`), say the commit before a change,
    /// run exactly as `endpoint relay` is: a before/after ratio from one run.
    Baseline,
}

impl Relay {
    fn name(self) -> &'static str {
        match self {
            Relay::Endpoint => "endpoint relay",
            Relay::ServeMetrics => "serve+metrics",
            Relay::AllowList => "relay allow=",
            Relay::PoolOfTwo => "relay pool of 2",
            Relay::BareSplice => "bare splice",
            Relay::BareTokio => "bare tokio",
            Relay::Socat => "socat",
            Relay::BareWs => "bare tungstenite",
            Relay::Websocat => "websocat",
            Relay::Websockify => "websockify",
            Relay::Baseline => "endpoint before",
            Relay::BareTls => "bare rustls",
            Relay::BareToWs => "bare to tungstenite",
            Relay::Haproxy => "haproxy",
            Relay::BareQuic => "bare quinn",
            Relay::EndpointTls => "endpoint ssl",
        }
    }

    /// A relay that forks per connection holds only this many idle pairs in the bench: more
    /// would measure the machine, not the relay.
    fn idle_cap(self) -> usize {
        match self {
            Relay::Socat => 1000,
            Relay::Websockify => 200,
            _ => usize::MAX,
        }
    }

    fn forks(self) -> bool {
        matches!(self, Relay::Socat | Relay::Websockify)
    }
}

/// The `endpoint` listening side for a front.
fn listen_description(front: Front, pki: &endpoint_testkit::TestPki) -> String {
    match front {
        Front::Plain => "tcp:0:interface=127.0.0.1".to_string(),
        Front::Tls => format!(
            "ssl:0:privateKey={}:interface=127.0.0.1:backlog=1024",
            pki.arg("server.pem")
        ),
        Front::Ws => "ws:0:interface=127.0.0.1:backlog=1024".to_string(),
        Front::Quic => format!(
            // The idle load opens 64 at a time from one address; the kind's default for one
            // source is 16. (128: a value equal to the generic default, 64, reads as unset.)
            "quic:0:interface=127.0.0.1:certificate={}:maxHandshakesPerSource=128{}",
            pki.arg("server.pem"),
            bare_quic::Tuning::description()
        ),
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

async fn start(relay: Relay, target: &str, setup: &Setup) -> Running {
    let listen = setup.listen.as_str();
    let mut config = None;
    let mut command = match relay {
        Relay::ServeMetrics => {
            let dir = tempfile::tempdir().expect("a temp dir");
            let file = dir.path().join("bench.toml");
            let metrics = dir.path().join("metrics.sock");
            std::fs::write(
                &file,
                format!(
                    "metrics = 'unix:{}'\n[[relay]]\nname = \"bench\"\nlisten = '{listen}'\nto = \"tcp:{target}\"\n",
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
        Relay::Endpoint
        | Relay::Baseline
        | Relay::AllowList
        | Relay::PoolOfTwo
        | Relay::EndpointTls => {
            let listen = match relay {
                Relay::EndpointTls => setup.tls_listen.as_str(),
                _ => listen,
            };
            let binary = match relay {
                Relay::Baseline => std::env::var_os("RELAY_BENCH_BASELINE").expect("a baseline"),
                _ => env!("CARGO_BIN_EXE_endpoint").into(),
            };
            let mut c = Command::new(binary);
            let to = if setup.ws_behind {
                format!("ws:{target}")
            } else {
                format!("tcp:{target}")
            };
            c.args(["-v", "relay"]);
            match relay {
                Relay::AllowList => c.arg(format!("{listen}:allow=127.0.0.0/8")).arg(to),
                Relay::PoolOfTwo => c.args([listen, "--to", &to, "--to", &to]),
                _ => c.args([listen, &to]),
            };
            c.stderr(Stdio::piped()).stdout(Stdio::null());
            c
        }
        Relay::BareSplice
        | Relay::BareTokio
        | Relay::BareWs
        | Relay::BareTls
        | Relay::BareToWs
        | Relay::BareQuic => {
            let mut c = Command::new(std::env::current_exe().expect("this binary"));
            let role = match relay {
                Relay::BareSplice => "splice",
                Relay::BareWs => "ws",
                Relay::BareTls => "tls",
                Relay::BareToWs => "tows",
                Relay::BareQuic => "quic",
                _ => "tokio",
            };
            c.env("RELAY_BENCH_PEM", setup.pki.path("server.pem"));
            c.env(ROLE, role)
                .args(["127.0.0.1:0", target])
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit());
            c
        }
        Relay::Haproxy => {
            let port = free_port().await;
            let dir = tempfile::tempdir().expect("a temp dir");
            let file = dir.path().join("haproxy.cfg");
            std::fs::write(
                &file,
                format!(
                    "global\n  maxconn 9000\n  nbthread 2\n\
                     defaults\n  mode tcp\n  timeout connect 5s\n  timeout client 300s\n  timeout server 300s\n\
                     frontend bench\n  bind 127.0.0.1:{port} ssl crt {}\n  default_backend upstream\n\
                     backend upstream\n  server up {target}\n",
                    setup.pki.path("server.pem").display()
                ),
            )
            .expect("write the configuration");
            let child = Command::new("haproxy")
                .arg("-db")
                .arg("-f")
                .arg(&file)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("haproxy");
            let address = format!("127.0.0.1:{port}");
            wait_listening(&address).await;
            return Running {
                child,
                address,
                _config: Some(dir),
            };
        }
        Relay::Socat | Relay::Websocat | Relay::Websockify => {
            let port = free_port().await;
            let mut c = match relay {
                Relay::Socat => {
                    let mut c = Command::new("socat");
                    c.arg(format!(
                        "TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork,backlog=4096"
                    ))
                    .arg(format!("TCP:{target}"));
                    c
                }
                Relay::Websocat => {
                    let mut c = Command::new(websocat().expect("websocat"));
                    if setup.ws_behind {
                        c.arg("--binary")
                            .arg(format!("tcp-l:127.0.0.1:{port}"))
                            .arg(format!("ws://{target}/"));
                    } else {
                        c.arg("--binary")
                            .arg(format!("ws-l:127.0.0.1:{port}"))
                            .arg(format!("tcp:{target}"));
                    }
                    c
                }
                _ => {
                    let mut c = Command::new("websockify");
                    c.arg(format!("127.0.0.1:{port}")).arg(target);
                    c
                }
            };
            c.stdout(Stdio::null()).stderr(Stdio::null());
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
        Relay::Endpoint
        | Relay::Baseline
        | Relay::ServeMetrics
        | Relay::AllowList
        | Relay::PoolOfTwo
        | Relay::EndpointTls => {
            // `-v` prints `relaying ADDRESS -> CLIENT` (relay) or `relay bench listening on
            // ADDRESS` (serve) once listening.
            let prefix = if relay != Relay::ServeMetrics {
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
                    break socket_address(rest.split(' ').next().expect("address"));
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

/// The `host:port` in a printed listening address (`127.0.0.1:80`, or a kind's form around it).
fn socket_address(text: &str) -> String {
    let mut rest = text;
    loop {
        let candidate = rest.split(['/', ' ']).next().unwrap_or(rest);
        if candidate.parse::<std::net::SocketAddr>().is_ok() {
            return candidate.to_string();
        }
        match rest.split_once(':') {
            Some((_, tail)) => rest = tail,
            None => panic!("no address in {text:?}"),
        }
    }
}

/// websocat: `RELAY_BENCH_WEBSOCAT`, or on `PATH`.
fn websocat() -> Option<std::path::PathBuf> {
    if let Some(path) = std::env::var_os("RELAY_BENCH_WEBSOCAT") {
        return Some(path.into());
    }
    Command::new("websocat")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
        .then(|| "websocat".into())
}

fn websockify_installed() -> bool {
    Command::new("websockify")
        .arg("--help")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
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

/// A bench run's setup: the front, how to reach it, the listening side `endpoint` uses.
struct Setup {
    connector: Connector,
    listen: String,
    /// `RELAY_BENCH_BEHIND=ws`: the relay's client side is `ws+tcp:` (upstreams speak
    /// WebSocket), the front plain TCP.
    ws_behind: bool,
    pki: endpoint_testkit::TestPki,
    /// The QUIC front's second front: `endpoint relay ssl:…` and the TLS client driving it.
    tls_listen: String,
    tls_connector: Option<Connector>,
}

impl Setup {
    /// The client that speaks `relay`'s front.
    fn connector(&self, relay: Relay) -> &Connector {
        match (relay, &self.tls_connector) {
            (Relay::EndpointTls, Some(tls)) => tls,
            _ => &self.connector,
        }
    }
}

async fn bench() {
    let quick = std::env::var_os("RELAY_BENCH_QUICK").is_some();
    let mut settings = load::Settings::new(quick);
    let front = std::env::var("RELAY_BENCH_FRONT").map_or(Front::Plain, |f| {
        Front::parse(&f).expect("RELAY_BENCH_FRONT: plain, tls, ws or quic")
    });
    if front == Front::Quic {
        // Issue 22 item 2: bulk on one stream (and on 8, `Measured::parallel`).
        settings.streams = 1;
    }
    let pki = endpoint_testkit::TestPki::new();
    let ws_behind = std::env::var("RELAY_BENCH_BEHIND").is_ok_and(|b| b == "ws");
    assert!(
        !ws_behind || front == Front::Plain,
        "RELAY_BENCH_BEHIND=ws goes with the plain front"
    );
    let setup = Setup {
        ws_behind,
        connector: Connector::new(front, &pki.path("ca.pem")),
        listen: listen_description(front, &pki),
        tls_listen: listen_description(Front::Tls, &pki),
        tls_connector: (front == Front::Quic)
            .then(|| Connector::new(Front::Tls, &pki.path("ca.pem"))),
        pki,
    };
    let upstreams = Upstreams::start(ws_behind).await;
    let mut relays = vec![Relay::Endpoint];
    if std::env::var_os("RELAY_BENCH_BASELINE").is_some() {
        relays.push(Relay::Baseline);
    }
    match front {
        Front::Plain if ws_behind => {
            relays.push(Relay::BareToWs);
            if websocat().is_some() {
                relays.push(Relay::Websocat);
            }
        }
        Front::Plain => {
            relays.extend([
                Relay::ServeMetrics,
                Relay::AllowList,
                Relay::PoolOfTwo,
                Relay::BareSplice,
                Relay::BareTokio,
            ]);
            if socat_installed() {
                relays.push(Relay::Socat);
            } else {
                println!(
                    "(socat is not installed: `apt-get install socat` adds it to the comparison)"
                );
            }
        }
        Front::Tls => {
            relays.push(Relay::BareTls);
            if Command::new("haproxy")
                .arg("-v")
                .stdout(Stdio::null())
                .status()
                .is_ok()
            {
                relays.push(Relay::Haproxy);
            }
        }
        Front::Quic => relays.extend([Relay::BareQuic, Relay::EndpointTls]),
        Front::Ws => {
            relays.push(Relay::BareWs);
            if websocat().is_some() {
                relays.push(Relay::Websocat);
            } else {
                println!("(websocat not found: set RELAY_BENCH_WEBSOCAT or put it on PATH)");
            }
            if websockify_installed() {
                relays.push(Relay::Websockify);
            } else {
                println!("(websockify is not installed: `apt-get install websockify` adds it)");
            }
        }
    }
    if let Ok(only) = std::env::var("RELAY_BENCH_RELAYS") {
        relays.retain(|r| {
            matches!(r, Relay::Endpoint | Relay::Baseline) || only.split(',').any(|o| o == r.name())
        });
    }
    let rounds = std::env::var("RELAY_BENCH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(if quick { 1 } else { 3 });
    println!(
        "relay bench, {} front{}: {rounds} round(s); {} connection(s) × {} MiB; round trips on {} connection(s); idle pairs {:?}; load {}",
        front.name(),
        if ws_behind { ", ws+tcp behind" } else { "" },
        settings.streams,
        settings.bytes_per_stream >> 20,
        settings.round_trip_connections,
        settings.idle_counts,
        load_average()
    );
    let mut results: Vec<(Relay, Vec<Measured>)> =
        relays.iter().map(|r| (*r, Vec::new())).collect();
    for round in 0..rounds {
        let mut order = relays.clone();
        order.rotate_left(round % relays.len());
        for relay in order {
            let measured = measure(relay, &upstreams, &settings, &setup).await;
            println!(
                "  round {}: {:<16} {} [load {}]",
                round + 1,
                relay.name(),
                measured.brief(),
                load_average()
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
    report(&medians, &settings, front);
    println!("load average at the end: {}", load_average());
}

/// The first three fields of `/proc/loadavg`: the machine's load while this ran.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// True when `RELAY_BENCH_ONLY` (a comma-separated list of `bulk`, `churn`, `rtt`, `idle`) is
/// unset or names `part`.
fn wanted(part: &str) -> bool {
    std::env::var("RELAY_BENCH_ONLY").map_or(true, |only| only.split(',').any(|p| p == part))
}

async fn measure(
    relay: Relay,
    upstreams: &Upstreams,
    settings: &load::Settings,
    setup: &Setup,
) -> Measured {
    let mut measured = Measured::default();
    let connector = setup.connector(relay);
    if wanted("bulk") {
        let running = start(relay, &upstreams.sink, setup).await;
        measured.throughput(&running, settings, connector).await;
    }
    if wanted("parallel") || (wanted("bulk") && setup.connector.front == Front::Quic) {
        let running = start(relay, &upstreams.sink, setup).await;
        measured.parallel(&running, settings, connector).await;
    }
    if wanted("streams") || (wanted("churn") && setup.connector.front == Front::Quic) {
        let running = start(relay, &upstreams.echo, setup).await;
        measured.new_streams(&running, settings, connector).await;
    }
    if wanted("churn") || wanted("rtt") {
        let running = start(relay, &upstreams.echo, setup).await;
        if wanted("churn") {
            measured.connections(&running, settings, connector).await;
        }
        if wanted("rtt") {
            measured.round_trips(&running, settings, connector).await;
        }
    }
    for &count in settings.idle_counts.iter().filter(|_| wanted("idle")) {
        if count > relay.idle_cap() {
            // A process per connection: thousands of them would measure the machine.
            continue;
        }
        let running = start(relay, &upstreams.echo, setup).await;
        measured
            .idle(&running, count, relay.forks(), connector)
            .await;
    }
    measured
}

fn report(medians: &[(Relay, Measured)], settings: &load::Settings, front: Front) {
    let of = |relay: Relay| medians.iter().find(|(r, _)| *r == relay).map(|(_, m)| m);
    let endpoint = of(Relay::Endpoint).expect("endpoint measured");
    println!();
    println!("medians (rates: higher is better; costs: lower is better):");
    println!(
        "{:<16} {:>10} {:>12} {:>10} {:>12} {:>12} {:>12} idle pair: bytes, fds",
        "relay", "GiB/s", "CPU s/GiB", "conn/s", "CPU µs/conn", "64B RTT/s", "CPU µs/RTT"
    );
    for (relay, m) in medians {
        println!(
            "{:<16} {:>10.2} {:>12.3} {:>10.0} {:>12.0} {:>12.0} {:>12.1} {}",
            relay.name(),
            m.gib_per_s,
            m.cpu_per_gib,
            m.connections_per_s,
            m.cpu_us_per_connection,
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
    if front == Front::Ws {
        report_ws(endpoint, &of);
        return;
    }
    if front == Front::Quic {
        report_quic(endpoint, &of);
        return;
    }
    if front == Front::Tls {
        println!();
        println!("TLS termination (issue 22 item 5):");
        for peer in [Relay::BareTls, Relay::Haproxy] {
            if let Some(m) = of(peer) {
                println!(
                    "  vs {}: throughput {:.2}×, CPU per GiB {:.2}×, handshakes (connections)/s {:.2}×, round trips/s {:.2}×",
                    peer.name(),
                    endpoint.gib_per_s / m.gib_per_s,
                    endpoint.cpu_per_gib / m.cpu_per_gib,
                    endpoint.connections_per_s / m.connections_per_s,
                    endpoint.round_trips_per_s / m.round_trips_per_s
                );
            }
        }
        report_scale(endpoint);
        return;
    }
    let features = [
        (Relay::ServeMetrics, "metrics (serve with /metrics on)"),
        (Relay::AllowList, "an allow-list"),
        (Relay::PoolOfTwo, "a pool of two"),
    ];
    let costs: Vec<_> = features
        .into_iter()
        .filter_map(|(relay, what)| of(relay).map(|m| (what, m)))
        .collect();
    if !costs.is_empty() {
        println!();
        println!("the cost of each feature on the hot path (issue 22 item 4), feature ÷ endpoint relay: rates (target ≥ 0.97×) and relay CPU per round trip and per connection (≤ 1.03×; steadier on a busy machine):");
    }
    for (what, m) in costs {
        let rtt = m.round_trips_per_s / endpoint.round_trips_per_s;
        let cps = m.connections_per_s / endpoint.connections_per_s;
        let cpu_rtt = m.cpu_us_per_round_trip / endpoint.cpu_us_per_round_trip;
        let cpu_conn = m.cpu_us_per_connection / endpoint.cpu_us_per_connection;
        println!(
            "  {what}: round trips/s {rtt:.2}× — {}; connections/s {cps:.2}× — {}; CPU per round trip {cpu_rtt:.2}× — {}; CPU per connection {cpu_conn:.2}× — {}",
            check(rtt >= 0.97),
            check(cps >= 0.97),
            check(cpu_rtt <= 1.03),
            check(cpu_conn <= 1.03)
        );
    }
    println!();
    println!("targets (issue 11):");
    if let (Some(splice), Some(tokio)) = (of(Relay::BareSplice), of(Relay::BareTokio)) {
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
    report_scale(endpoint);
    let _ = settings;
}

fn check(ok: bool) -> &'static str {
    if ok {
        "met"
    } else {
        "NOT met"
    }
}

/// Issue 22's targets for the WebSocket front.
fn report_ws<'a>(endpoint: &Measured, of: &dyn Fn(Relay) -> Option<&'a Measured>) {
    println!();
    println!("targets (issue 22, ws: -> tcp:):");
    if let Some(bare) = of(Relay::BareWs) {
        let throughput = endpoint.gib_per_s / bare.gib_per_s;
        let cpu = endpoint.cpu_per_gib / bare.cpu_per_gib;
        println!(
            "  throughput ≥ 0.95× bare tungstenite: {throughput:.2}× — {}",
            check(throughput >= 0.95)
        );
        println!(
            "  CPU per GiB ≤ 1.1× bare tungstenite: {cpu:.2}× — {}",
            check(cpu <= 1.1)
        );
    }
    if let Some(websocat) = of(Relay::Websocat) {
        let rtt = endpoint.round_trips_per_s / websocat.round_trips_per_s;
        println!(
            "  round trips/s ≥ websocat: {rtt:.2}× — {}",
            check(rtt >= 1.0)
        );
    }
    for (count, bytes, fds) in endpoint.idle.iter().copied() {
        println!(
            "  idle WebSocket pair at {count}: {:.1} KiB (≤ 16) and {fds:.2} descriptors — {}",
            bytes / 1024.0,
            check(bytes <= 16.0 * 1024.0)
        );
    }
    for tool in [Relay::Websocat, Relay::Websockify] {
        if let Some(m) = of(tool) {
            let ahead = endpoint.gib_per_s >= m.gib_per_s
                && endpoint.cpu_per_gib <= m.cpu_per_gib
                && endpoint.connections_per_s >= m.connections_per_s
                && endpoint.round_trips_per_s >= m.round_trips_per_s;
            println!(
                "  ahead of {} on throughput, CPU/GiB, connections/s, round trips/s — {}",
                tool.name(),
                check(ahead)
            );
        }
    }
    report_scale(endpoint);
}

/// A figure of the QUIC report: its name, how to read it, and whether higher is better.
type Figure<'a> = (&'a str, &'a dyn Fn(&Measured) -> f64, bool);

/// Issue 22 item 2: QUIC against bare quinn (the floor) and against our own TCP+TLS relay.
fn report_quic<'a>(endpoint: &Measured, of: &dyn Fn(Relay) -> Option<&'a Measured>) {
    let idle = |m: &Measured| m.idle.first().map_or(f64::NAN, |(_, bytes, _)| *bytes);
    let figures: [Figure; 10] = [
        ("bulk, one stream (GiB/s)", &|m| m.gib_per_s, true),
        ("  relay CPU s per GiB", &|m| m.cpu_per_gib, false),
        ("bulk, 8 streams (GiB/s)", &|m| m.parallel_gib_per_s, true),
        ("  relay CPU s per GiB", &|m| m.parallel_cpu_per_gib, false),
        ("new connections/s", &|m| m.connections_per_s, true),
        (
            "  relay CPU µs per conn",
            &|m| m.cpu_us_per_connection,
            false,
        ),
        ("new streams/s, 1 conn", &|m| m.new_streams_per_s, true),
        ("64 B round trips/s", &|m| m.round_trips_per_s, true),
        (
            "  relay CPU µs per RTT",
            &|m| m.cpu_us_per_round_trip,
            false,
        ),
        ("idle bytes per conn", &idle, false),
    ];
    let (bare, tls) = (of(Relay::BareQuic), of(Relay::EndpointTls));
    let ratio =
        |a: Option<&Measured>, b: Option<&Measured>, f: &dyn Fn(&Measured) -> f64| match (a, b) {
            (Some(a), Some(b)) if f(b) > 0.0 && f(a) > 0.0 => format!("{:.2}×", f(a) / f(b)),
            _ => "—".to_string(),
        };
    println!();
    println!(
        "QUIC (issue 22 item 2), ratios from this run [load {}]:",
        load_average()
    );
    println!(
        "{:<26} {:>10} {:>10} {:>10} {:>13} {:>13} {:>13}",
        "figure", "quic", "bare", "ssl", "quic ÷ bare", "quic ÷ ssl", "bare ÷ ssl"
    );
    for (name, f, _) in figures {
        let value = |m: Option<&Measured>| m.map_or(f64::NAN, f);
        println!(
            "{name:<26} {:>10.3} {:>10.3} {:>10.3} {:>13} {:>13} {:>13}",
            f(endpoint),
            value(bare),
            value(tls),
            ratio(Some(endpoint), bare, f),
            ratio(Some(endpoint), tls, f),
            ratio(bare, tls, f)
        );
    }
    println!("targets:");
    if let Some(bare) = bare {
        for (name, f, higher) in figures {
            let (ours, theirs) = (f(endpoint), f(bare));
            if ours.is_nan() || theirs.is_nan() || theirs == 0.0 {
                continue;
            }
            let ok = if higher {
                ours >= 0.95 * theirs
            } else {
                ours <= theirs / 0.95
            };
            println!("  {}: ≥ 0.95× bare quinn — {}", name.trim(), check(ok));
        }
    }
    if let Some(tls) = tls {
        let bulk = endpoint.gib_per_s / tls.gib_per_s;
        let handshakes = endpoint.connections_per_s / tls.connections_per_s;
        println!(
            "  bulk ≥ 0.75× endpoint ssl: {bulk:.2}× — {}",
            check(bulk >= 0.75)
        );
        println!(
            "  handshakes ≥ 0.75× endpoint ssl: {handshakes:.2}× — {}",
            check(handshakes >= 0.75)
        );
    }
    for (count, bytes, _) in endpoint.idle.iter().copied() {
        println!(
            "  idle QUIC connection at {count}: {:.1} KiB (≤ 16) — {}",
            bytes / 1024.0,
            check(bytes <= 16.0 * 1024.0)
        );
    }
}

/// Issue 22 item 4: memory and descriptors per idle pair should not grow with the count.
fn report_scale(endpoint: &Measured) {
    let idle: Vec<_> = endpoint
        .idle
        .iter()
        .filter(|(_, b, _)| !b.is_nan())
        .collect();
    if idle.len() < 2 {
        return;
    }
    let (first, last) = (idle[0], idle[idle.len() - 1]);
    println!(
        "  scale: per idle pair at {} vs {}: memory {:.2}×, descriptors {:.2}× (linear growth: ≈ 1×)",
        last.0,
        first.0,
        last.1 / first.1,
        last.2 / first.2
    );
}
