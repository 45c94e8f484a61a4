//! A soak test of `endpoint relay` (issue 10, item 7): a few hundred concurrent clients with
//! mixed behaviours drive three real relay processes for a minute, and the relays'
//! descriptors and memory are compared before and after. Nothing may grow.
//!
//! Run it by hand; it is not part of CI (about `--seconds` plus 15-30 s):
//!
//! ```sh
//! cargo build --release -p endpoint-cli          # the relay it drives: target/release/endpoint
//! cargo run --release -p endpoint-examples --bin soak -- --seconds 60 --clients 300
//! ```
//!
//! Flags: `--seconds N` (60), `--clients N` (300), `--warmup N` seconds (5), `--seed N` (1).
//!
//! What it does, on loopback only:
//! 1. starts an echo server in this process on `tcp:0:interface=127.0.0.1` (through the
//!    library), and three `endpoint -v relay` child processes in front of it: a `tcp:` front,
//!    an `ssl:` front (certificate from `endpoint-testkit`) and a `ws:` front, the last two
//!    with `handshakeTimeout=2`; each relay's address is read from its `relaying` line;
//! 2. warms up with every client for `--warmup` seconds, lets the relays settle, and samples
//!    each relay's open descriptors (`/proc/PID/fd`) and `VmRSS` / `VmHWM`
//!    (`/proc/PID/status`): the baseline, taken after the allocator has seen full load;
//! 3. drives for `--seconds`: each client loops over behaviours picked by a seeded PRNG:
//!    `normal` (random 1-64 KiB, half-close once written, read the echo, compare), `half-closed`
//!    (write, half-close, start reading only 50-500 ms later), `reset` (RST with `SO_LINGER`
//!    0 right after connecting, after writing, or after some echo came back), `stalled-tls`
//!    and `stalled-ws` (nothing, half a ClientHello or half an upgrade request, held 0.5-5 s:
//!    the relay must close it once its handshake timeout passes), `tls` and `ws` (a real
//!    client through the library doing an echo round);
//! 4. waits for every client, then up to 15 s for the relays' descriptors to return to the
//!    baseline, samples again, stops the relays with SIGTERM, and prints a table per process
//!    and per behaviour.
//!
//! Exit status 1 when a process holds more descriptors than at the baseline (slack 2), a
//! relay's `VmRSS` grew by more than 20% + 4 MiB, a relay did not exit cleanly on SIGTERM,
//! or any round failed (an echo that differs or errs, a reset client that could not connect
//! or write, a stalled handshake the relay kept 1.5 s past its timeout); 2 for a bad flag.
//! The relays are stopped when the program ends, killed on SIGINT/SIGTERM or an error, and
//! get SIGKILL from the kernel if this process dies.

use std::collections::BTreeMap;
use std::error::Error;
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use endpoints::{client_from_string, server_from_string, ClientEndpoint, Connection};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use tokio::time::Instant;

/// The relays' TLS and WebSocket handshake deadline, in seconds.
const HANDSHAKE_TIMEOUT: u64 = 2;
/// A stalled handshake held this much longer than the deadline must have been closed.
const STALL_MARGIN: Duration = Duration::from_millis(1500);
/// Longest a single client round may take before it counts as failed.
const ROUND_LIMIT: Duration = Duration::from_secs(30);
/// How long to wait for the relays' descriptors to come back after the clients are done.
const SETTLE_LIMIT: Duration = Duration::from_secs(15);
const SETTLE_POLL: Duration = Duration::from_millis(250);
/// Descriptors a process may hold above its baseline without failing.
const FD_SLACK: usize = 2;
/// Allowed `VmRSS` growth of a relay: this fraction of the baseline plus `RSS_SLACK_KIB`.
const RSS_GROWTH: f64 = 0.20;
const RSS_SLACK_KIB: u64 = 4 * 1024;
const USAGE: &str = "usage: soak [--seconds N] [--clients N] [--warmup N] [--seed N]";

#[tokio::main]
async fn main() -> ExitCode {
    let options = match Options::parse(std::env::args().skip(1)) {
        Ok(options) => options,
        Err(message) => {
            eprintln!("soak: {message}");
            return ExitCode::from(2);
        }
    };
    let signal = match endpoints::shutdown_signal() {
        Ok(signal) => signal,
        Err(e) => {
            eprintln!("soak: {}", chain(&e));
            return ExitCode::FAILURE;
        }
    };
    // On SIGINT/SIGTERM the soak future is dropped, and with it the relays (killed).
    let outcome = tokio::select! {
        outcome = soak(&options) => outcome,
        name = signal => Err(format!("stopped by {name}; the relays were killed")),
    };
    match outcome {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(message) => {
            eprintln!("soak: {message}");
            ExitCode::FAILURE
        }
    }
}

/// The command line.
struct Options {
    seconds: u64,
    clients: usize,
    warmup: u64,
    seed: u64,
}

impl Options {
    fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, String> {
        let mut options = Options {
            seconds: 60,
            clients: 300,
            warmup: 5,
            seed: 1,
        };
        while let Some(flag) = args.next() {
            if flag == "--help" || flag == "-h" {
                return Err(USAGE.into());
            }
            let value = args
                .next()
                .ok_or_else(|| format!("{flag} needs a value; {USAGE}"))?;
            let number = value
                .parse::<u64>()
                .map_err(|e| format!("{flag} {value:?}: {e}"))?;
            match flag.as_str() {
                "--seconds" if (1..=3600).contains(&number) => options.seconds = number,
                "--clients" if (1..=5000).contains(&number) => options.clients = number as usize,
                "--warmup" if number <= 600 => options.warmup = number,
                "--seed" => options.seed = number,
                "--seconds" | "--clients" | "--warmup" => {
                    return Err(format!("{flag} {number} is out of range; {USAGE}"))
                }
                _ => return Err(format!("unknown flag {flag:?}; {USAGE}")),
            }
        }
        Ok(options)
    }
}

/// Runs the whole soak; `Ok(false)` when something grew or failed.
async fn soak(options: &Options) -> Result<bool, String> {
    let binary = relay_binary()?;
    let limit = raise_descriptor_limit(options.clients as libc::rlim_t * 4 + 1024)?;

    let echo = server_from_string("tcp:0:interface=127.0.0.1:backlog=1024")
        .map_err(|e| chain(&e))?
        .bind()
        .await
        .map_err(|e| chain(&e))?
        .listen(echo);
    let backend = format!(
        "tcp:127.0.0.1:{}",
        port_of(&echo.local_address().to_string())?
    );
    let pki = endpoint_testkit::TestPki::new();
    let timeout = format!("handshakeTimeout={HANDSHAKE_TIMEOUT}");
    let fronts = [
        ("tcp", "tcp:0:interface=127.0.0.1:backlog=1024".to_owned()),
        (
            "tls",
            format!(
                "ssl:0:privateKey={}:interface=127.0.0.1:backlog=1024:{timeout}",
                pki.arg("server.pem")
            ),
        ),
        (
            "ws",
            format!("ws:0:interface=127.0.0.1:backlog=1024:{timeout}"),
        ),
    ];
    let mut relays = Vec::new();
    for (name, front) in &fronts {
        relays.push(Relay::start(&binary, name, front, &backend)?);
    }
    let ca = pki.arg("ca.pem");
    let client = |description: String| client_from_string(&description).map_err(|e| chain(&e));
    let targets = Arc::new(Targets {
        tcp: relays[0].address,
        tls: relays[1].address,
        ws: relays[2].address,
        tcp_client: client(format!("tcp:{}", relays[0].address))?,
        tls_client: client(format!("tls:{}:trustRoots={ca}", relays[1].address))?,
        ws_client: client(format!("ws:{}", relays[2].address))?,
    });
    eprintln!(
        "soak: relays {} (tcp), {} (tls), {} (ws) -> {backend}; descriptor limit {limit}",
        relays[0].address, relays[1].address, relays[2].address
    );

    let watched: Vec<(String, u32)> = relays
        .iter()
        .map(|r| (format!("relay {}", r.name), r.pid()))
        .chain([("soak (echo, clients)".to_owned(), std::process::id())])
        .collect();

    eprintln!(
        "soak: warming up, {} clients for {} s",
        options.clients, options.warmup
    );
    let warmup = Arc::new(Stats::default());
    drive(
        options,
        options.seed.wrapping_add(0x5eed),
        options.warmup,
        &targets,
        &warmup,
    )
    .await;
    settle(&watched, None).await;
    let before = sample_all(&watched)?;

    eprintln!(
        "soak: driving, {} clients for {} s",
        options.clients, options.seconds
    );
    let stats = Arc::new(Stats::default());
    let peaks = Arc::new(Mutex::new(vec![0usize; watched.len()]));
    let monitor = tokio::spawn(monitor(watched.clone(), Arc::clone(&peaks)));
    let started = Instant::now();
    drive(options, options.seed, options.seconds, &targets, &stats).await;
    let driven = started.elapsed();
    monitor.abort();
    let settled_in = settle(&watched, Some(&before)).await;
    let after = sample_all(&watched)?;
    let peaks = lock(&peaks).clone();

    let aborted = echo.shutdown(Duration::from_secs(2)).await;
    let mut exits = Vec::new();
    for relay in relays {
        let name = relay.name;
        let log = relay.log();
        exits.push((name, relay.stop(), log));
    }

    let report = Report {
        options,
        driven,
        settled_in,
        watched: &watched,
        before: &before,
        after: &after,
        peaks: &peaks,
        warmup: &warmup,
        stats: &stats,
        exits: &exits,
        echo_aborted: aborted,
    };
    Ok(report.print())
}

/// The echo backend: sends back whatever arrives until the peer half-closes.
async fn echo(mut connection: Connection) {
    let mut buf = vec![0u8; 16 * 1024];
    while let Ok(n @ 1..) = connection.read(&mut buf).await {
        if connection.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
    let _ = connection.shutdown().await;
}

/// `target/release/endpoint`, beside this program.
fn relay_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("where is this program? {e}"))?;
    let binary = exe.with_file_name("endpoint");
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(format!(
            "the relay binary {} is missing; build it first with \
             `cargo build --release -p endpoint-cli`",
            binary.display()
        ))
    }
}

/// Raises this process's soft descriptor limit to `wanted` (at most the hard limit); the
/// relays inherit it. Returns the soft limit now in force.
fn raise_descriptor_limit(wanted: libc::rlim_t) -> Result<libc::rlim_t, String> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit only writes the struct passed, which outlives the call.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(format!("getrlimit: {}", std::io::Error::last_os_error()));
    }
    let wanted = wanted.min(limit.rlim_max);
    if limit.rlim_cur < wanted {
        limit.rlim_cur = wanted;
        // SAFETY: setrlimit only reads the struct passed, which outlives the call.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
            return Err(format!("setrlimit: {}", std::io::Error::last_os_error()));
        }
    }
    Ok(limit.rlim_cur)
}

/// The port of an `ADDRESS` as the library prints it (`127.0.0.1:PORT`).
fn port_of(address: &str) -> Result<u16, String> {
    address
        .parse::<SocketAddr>()
        .map(|a| a.port())
        .map_err(|e| format!("not an inet address {address:?}: {e}"))
}

/// An error and its sources, one line.
fn chain(error: &dyn Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panicking holder cannot leave these counters half-written in a way that matters.
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ---------------------------------------------------------------------------------------------
// Relay processes

/// A child process that is killed and reaped when dropped.
struct Reaper(Child);

impl Drop for Reaper {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

/// What a relay wrote to stderr besides its `relaying` line.
#[derive(Default, Clone)]
struct RelayLog {
    warnings: u64,
    errors: u64,
    first: Vec<String>,
}

/// One `endpoint -v relay FRONT BACKEND` child.
struct Relay {
    name: &'static str,
    process: Reaper,
    address: SocketAddr,
    log: Arc<Mutex<RelayLog>>,
}

impl Relay {
    /// Starts the relay and waits (up to 10 s) for its `relaying ADDRESS -> CLIENT` line.
    fn start(
        binary: &Path,
        name: &'static str,
        front: &str,
        backend: &str,
    ) -> Result<Relay, String> {
        let mut command = Command::new(binary);
        command
            .args(["-v", "relay", "--grace", "1", front, backend])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent. The signal
        // comes when the spawning thread ends: this runs in `main`'s `block_on`, on the main
        // thread, so that is when this process ends, even by SIGKILL.
        unsafe {
            command.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == 0 {
                    Ok(())
                } else {
                    Err(std::io::Error::last_os_error())
                }
            });
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("could not start {}: {e}", binary.display()))?;
        let stderr = child.stderr.take();
        let mut process = Reaper(child);
        let Some(stderr) = stderr else {
            return Err("the relay's stderr was not piped".into());
        };
        let log = Arc::new(Mutex::new(RelayLog::default()));
        let (ready, listening) = mpsc::channel();
        let writer = Arc::clone(&log);
        // Reads stderr until the relay exits, so that it never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut ready = Some(ready);
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.strip_prefix("relaying ") {
                    if let Some(ready) = ready.take() {
                        let _ = ready.send(rest.to_owned());
                        continue;
                    }
                }
                // `-v` adds info lines (service started, stopping); keep anything else.
                if line.contains(" INFO ") {
                    continue;
                }
                let mut log = lock(&writer);
                if line.contains(" WARN ") {
                    log.warnings += 1;
                } else if line.contains(" ERROR ") {
                    log.errors += 1;
                }
                if log.first.len() < 5 {
                    log.first.push(line);
                }
            }
        });
        let line = match listening.recv_timeout(Duration::from_secs(10)) {
            Ok(line) => line,
            Err(_) => {
                let status = process.0.try_wait().ok().flatten();
                return Err(format!(
                    "relay {name} ({front}) printed no `relaying` line (exit: {status:?}); \
                     its stderr: {:?}",
                    lock(&log).first
                ));
            }
        };
        let address = line.split(" -> ").next().unwrap_or_default();
        let address = address
            .parse()
            .map_err(|e| format!("relay {name}: address {address:?} in {line:?}: {e}"))?;
        Ok(Relay {
            name,
            process,
            address,
            log,
        })
    }

    fn pid(&self) -> u32 {
        self.process.0.id()
    }

    fn log(&self) -> RelayLog {
        lock(&self.log).clone()
    }

    /// SIGTERM, then up to 5 s for the relay to exit (its grace period is 1 s); killed after.
    fn stop(mut self) -> Result<ExitStatus, String> {
        let Ok(pid) = libc::pid_t::try_from(self.pid()) else {
            return Err("pid out of range".into());
        };
        // SAFETY: kill only sends a signal; the pid is our own unreaped child.
        unsafe { libc::kill(pid, libc::SIGTERM) };
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while std::time::Instant::now() < deadline {
            match self.process.0.try_wait() {
                Ok(Some(status)) => return Ok(status),
                Ok(None) => std::thread::sleep(Duration::from_millis(50)),
                Err(e) => return Err(e.to_string()),
            }
        }
        Err("still running 5 s after SIGTERM; killed".into())
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring

/// One process's resources at one moment.
#[derive(Clone, Copy, Debug, Default)]
struct Sample {
    fds: usize,
    rss_kib: u64,
    hwm_kib: u64,
}

fn sample(pid: u32) -> Result<Sample, String> {
    let fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map_err(|e| format!("/proc/{pid}/fd: {e}"))?
        .count();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("/proc/{pid}/status: {e}"))?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(name))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    Ok(Sample {
        fds,
        rss_kib: field("VmRSS:"),
        hwm_kib: field("VmHWM:"),
    })
}

fn sample_all(watched: &[(String, u32)]) -> Result<Vec<Sample>, String> {
    watched.iter().map(|(_, pid)| sample(*pid)).collect()
}

/// Polls every 250 ms, up to 15 s, until each process holds no more descriptors than its
/// baseline (with slack), or, without a baseline, until two polls in a row agree. Returns
/// how long that took, `None` when it never did.
async fn settle(watched: &[(String, u32)], baseline: Option<&[Sample]>) -> Option<Duration> {
    let started = Instant::now();
    let mut previous: Vec<usize> = Vec::new();
    while started.elapsed() < SETTLE_LIMIT {
        tokio::time::sleep(SETTLE_POLL).await;
        let now: Vec<usize> = watched
            .iter()
            .map(|(_, pid)| sample(*pid).map(|s| s.fds).unwrap_or(usize::MAX))
            .collect();
        let done = match baseline {
            Some(baseline) => now
                .iter()
                .zip(baseline)
                .all(|(now, base)| *now <= base.fds + FD_SLACK),
            None => now == previous,
        };
        if done {
            return Some(started.elapsed());
        }
        previous = now;
    }
    None
}

/// Records each process's highest descriptor count, four times a second, until aborted.
async fn monitor(watched: Vec<(String, u32)>, peaks: Arc<Mutex<Vec<usize>>>) {
    loop {
        for (i, (_, pid)) in watched.iter().enumerate() {
            if let Ok(now) = sample(*pid) {
                let mut peaks = lock(&peaks);
                peaks[i] = peaks[i].max(now.fds);
            }
        }
        tokio::time::sleep(SETTLE_POLL).await;
    }
}

// ---------------------------------------------------------------------------------------------
// Clients

/// Where the clients go: the relays' fronts, raw and as library client endpoints.
struct Targets {
    tcp: SocketAddr,
    tls: SocketAddr,
    ws: SocketAddr,
    tcp_client: Arc<dyn ClientEndpoint>,
    tls_client: Arc<dyn ClientEndpoint>,
    ws_client: Arc<dyn ClientEndpoint>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Behaviour {
    Normal,
    HalfClosed,
    Reset,
    StalledTls,
    StalledWs,
    Tls,
    Ws,
}

const BEHAVIOURS: [Behaviour; 7] = [
    Behaviour::Normal,
    Behaviour::HalfClosed,
    Behaviour::Reset,
    Behaviour::StalledTls,
    Behaviour::StalledWs,
    Behaviour::Tls,
    Behaviour::Ws,
];

impl Behaviour {
    fn name(self) -> &'static str {
        match self {
            Behaviour::Normal => "normal",
            Behaviour::HalfClosed => "half-closed",
            Behaviour::Reset => "reset",
            Behaviour::StalledTls => "stalled-tls",
            Behaviour::StalledWs => "stalled-ws",
            Behaviour::Tls => "tls",
            Behaviour::Ws => "ws",
        }
    }
}

/// What a successful round did.
#[derive(Default)]
struct Done {
    bytes: u64,
    closed_by_relay: bool,
}

/// Counts for one behaviour.
#[derive(Default)]
struct Tally {
    ok: u64,
    failed: u64,
    bytes: u64,
    closed_by_relay: u64,
    errors: BTreeMap<String, u64>,
}

#[derive(Default)]
struct Stats(Mutex<BTreeMap<Behaviour, Tally>>);

impl Stats {
    fn record(&self, behaviour: Behaviour, outcome: Result<Done, String>) {
        let mut all = lock(&self.0);
        let tally = all.entry(behaviour).or_default();
        match outcome {
            Ok(done) => {
                tally.ok += 1;
                tally.bytes += done.bytes;
                tally.closed_by_relay += u64::from(done.closed_by_relay);
            }
            Err(error) => {
                tally.failed += 1;
                // Keep a bounded sample of distinct messages.
                let key = if tally.errors.len() < 8 || tally.errors.contains_key(&error) {
                    error
                } else {
                    "(other messages)".to_owned()
                };
                *tally.errors.entry(key).or_default() += 1;
            }
        }
    }
}

/// SplitMix64: small, seedable, good enough to pick behaviours and fill buffers.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `low..=high`.
    fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.next() % (high - low + 1)
    }

    fn bytes(&mut self, low: usize, high: usize) -> Vec<u8> {
        let len = self.between(low as u64, high as u64) as usize;
        let mut data = Vec::with_capacity(len + 8);
        while data.len() < len {
            data.extend_from_slice(&self.next().to_le_bytes());
        }
        data.truncate(len);
        data
    }

    fn millis(&mut self, low: u64, high: u64) -> Duration {
        Duration::from_millis(self.between(low, high))
    }
}

/// Runs `options.clients` client tasks for `seconds`, then waits for all of them. Each
/// finishes the round it is in when time is up; a round is cut at 30 s.
async fn drive(
    options: &Options,
    seed: u64,
    seconds: u64,
    targets: &Arc<Targets>,
    stats: &Arc<Stats>,
) {
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut clients = JoinSet::new();
    for id in 0..options.clients as u64 {
        let mut rng = Rng(seed ^ id.wrapping_mul(0x2545_f491_4f6c_dd1d));
        let (targets, stats) = (Arc::clone(targets), Arc::clone(stats));
        clients.spawn(async move {
            while Instant::now() < until {
                let behaviour = BEHAVIOURS[rng.between(0, BEHAVIOURS.len() as u64 - 1) as usize];
                let outcome =
                    tokio::time::timeout(ROUND_LIMIT, round(behaviour, &targets, &mut rng))
                        .await
                        .unwrap_or_else(|_| Err(format!("round took over {ROUND_LIMIT:?}")));
                stats.record(behaviour, outcome);
            }
        });
    }
    while let Some(joined) = clients.join_next().await {
        if let Err(e) = joined {
            eprintln!("soak: a client task failed: {e}");
        }
    }
}

/// One client round of `behaviour`.
async fn round(behaviour: Behaviour, targets: &Targets, rng: &mut Rng) -> Result<Done, String> {
    let connect = |endpoint: &Arc<dyn ClientEndpoint>| {
        let endpoint = Arc::clone(endpoint);
        async move {
            endpoint
                .connect()
                .await
                .map_err(|e| format!("connect: {}", chain(&e)))
        }
    };
    match behaviour {
        Behaviour::Normal => {
            let data = rng.bytes(1, 64 * 1024);
            echo_round(
                connect(&targets.tcp_client).await?,
                &data,
                Ending::HalfClose(Duration::ZERO),
            )
            .await
        }
        Behaviour::HalfClosed => {
            let data = rng.bytes(1, 64 * 1024);
            let delay = rng.millis(50, 500);
            echo_round(
                connect(&targets.tcp_client).await?,
                &data,
                Ending::HalfClose(delay),
            )
            .await
        }
        Behaviour::Tls => {
            let data = rng.bytes(1, 64 * 1024);
            echo_round(
                connect(&targets.tls_client).await?,
                &data,
                Ending::HalfClose(Duration::ZERO),
            )
            .await
        }
        Behaviour::Ws => {
            let data = rng.bytes(1, 64 * 1024);
            echo_round(
                connect(&targets.ws_client).await?,
                &data,
                Ending::CloseAfterEcho,
            )
            .await
        }
        Behaviour::Reset => {
            let data = rng.bytes(1, 16 * 1024);
            reset(targets.tcp, &data, rng.between(0, 2)).await
        }
        Behaviour::StalledTls => {
            let opening: &[u8] = if rng.between(0, 1) == 0 {
                b""
            } else {
                HALF_CLIENT_HELLO
            };
            stall(targets.tls, opening, rng.millis(500, 5000)).await
        }
        Behaviour::StalledWs => {
            let opening: &[u8] = if rng.between(0, 1) == 0 {
                b""
            } else {
                HALF_UPGRADE
            };
            stall(targets.ws, opening, rng.millis(500, 5000)).await
        }
    }
}

/// How a client ends its side of an echo round.
enum Ending {
    /// Half-close once everything is written; start reading the echo after the delay.
    HalfClose(Duration),
    /// Read the whole echo, then shut down (WebSocket: the close handshake; it has no
    /// half-close).
    CloseAfterEcho,
}

/// Sends `data`, reads it back through the relay and the echo server, compares, and checks
/// that the connection then ends cleanly.
async fn echo_round(connection: Connection, data: &[u8], ending: Ending) -> Result<Done, String> {
    let (mut reader, mut writer) = tokio::io::split(connection);
    let (half_close, read_delay) = match ending {
        Ending::HalfClose(delay) => (true, delay),
        Ending::CloseAfterEcho => (false, Duration::ZERO),
    };
    let send = async {
        writer
            .write_all(data)
            .await
            .map_err(|e| format!("write: {e}"))?;
        // A WebSocket connection batches writes until flushed.
        writer.flush().await.map_err(|e| format!("flush: {e}"))?;
        if half_close {
            writer
                .shutdown()
                .await
                .map_err(|e| format!("half-close: {e}"))?;
        }
        Ok::<_, String>(())
    };
    let receive = async {
        tokio::time::sleep(read_delay).await;
        let mut echoed = vec![0; data.len()];
        reader
            .read_exact(&mut echoed)
            .await
            .map_err(|e| format!("read echo: {e}"))?;
        Ok::<_, String>(echoed)
    };
    let ((), echoed) = tokio::try_join!(send, receive)?;
    if let Some(at) = echoed.iter().zip(data).position(|(a, b)| a != b) {
        return Err(format!("echo differs at byte {at} of {}", data.len()));
    }
    if !half_close {
        writer.shutdown().await.map_err(|e| format!("close: {e}"))?;
    }
    let mut rest = Vec::new();
    reader
        .read_to_end(&mut rest)
        .await
        .map_err(|e| format!("read end: {e}"))?;
    if !rest.is_empty() {
        return Err(format!("{} bytes more than were sent", rest.len()));
    }
    Ok(Done {
        bytes: data.len() as u64,
        closed_by_relay: false,
    })
}

/// Connects to the plain front and resets the connection (`SO_LINGER` 0): `when` 0 right
/// away, 1 after writing `data`, 2 after some of the echo came back.
async fn reset(address: SocketAddr, data: &[u8], when: u64) -> Result<Done, String> {
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    if when >= 1 {
        stream
            .write_all(data)
            .await
            .map_err(|e| format!("write: {e}"))?;
    }
    if when == 2 {
        let mut some = [0u8; 512];
        let n = stream
            .read(&mut some)
            .await
            .map_err(|e| format!("read: {e}"))?;
        if n == 0 {
            return Err("the relay closed before echoing".into());
        }
    }
    socket2::SockRef::from(&stream)
        .set_linger(Some(Duration::ZERO))
        .map_err(|e| format!("SO_LINGER: {e}"))?;
    drop(stream);
    Ok(Done::default())
}

/// The first 43 bytes of a TLS 1.2 ClientHello whose record announces 512.
const HALF_CLIENT_HELLO: &[u8] = &[
    0x16, 0x03, 0x01, 0x02, 0x00, // handshake record, 512 bytes
    0x01, 0x00, 0x01, 0xfc, // ClientHello, 508 bytes
    0x03, 0x03, // TLS 1.2
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, // random
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
];

/// An upgrade request without its final blank line.
const HALF_UPGRADE: &[u8] = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n\
    Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\n";

/// Connects, sends `opening` and holds the connection for `hold`, reading whatever comes.
/// The relay may close it first; holding it well past the handshake timeout without that
/// is a failure.
async fn stall(address: SocketAddr, opening: &[u8], hold: Duration) -> Result<Done, String> {
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    stream
        .write_all(opening)
        .await
        .map_err(|e| format!("write: {e}"))?;
    let until_closed = async {
        let mut sink = [0u8; 1024];
        // Ends at end-of-file or an error (a reset): either way the relay closed it.
        while let Ok(1..) = stream.read(&mut sink).await {}
    };
    let closed_by_relay = tokio::time::timeout(hold, until_closed).await.is_ok();
    if !closed_by_relay && hold > Duration::from_secs(HANDSHAKE_TIMEOUT) + STALL_MARGIN {
        return Err(format!(
            "still open after {hold:?} (handshakeTimeout={HANDSHAKE_TIMEOUT})"
        ));
    }
    Ok(Done {
        bytes: 0,
        closed_by_relay,
    })
}

// ---------------------------------------------------------------------------------------------
// Report

struct Report<'a> {
    options: &'a Options,
    driven: Duration,
    settled_in: Option<Duration>,
    watched: &'a [(String, u32)],
    before: &'a [Sample],
    after: &'a [Sample],
    peaks: &'a [usize],
    warmup: &'a Stats,
    stats: &'a Stats,
    exits: &'a [(&'static str, Result<ExitStatus, String>, RelayLog)],
    echo_aborted: usize,
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

impl Report<'_> {
    /// Prints the report on stdout; true when nothing grew and nothing failed.
    fn print(&self) -> bool {
        let mut problems = Vec::new();
        println!(
            "soak: {} clients starting rounds for {} s (the last ended at {:.1} s), \
             after a {} s warm-up; seed {}",
            self.options.clients,
            self.options.seconds,
            self.driven.as_secs_f64(),
            self.options.warmup,
            self.options.seed
        );
        match self.settled_in {
            Some(t) => println!(
                "descriptors back to baseline {:.2} s after the last client",
                t.as_secs_f64()
            ),
            None => println!(
                "descriptors NOT back to baseline {} s after the last client",
                SETTLE_LIMIT.as_secs()
            ),
        }
        println!();
        println!(
            "{:<22} {:>7} {:>6} {:>6}   {:>10} {:>10} {:>10}   verdict",
            "process", "fds", "peak", "fds", "VmRSS", "VmRSS", "VmHWM"
        );
        println!(
            "{:<22} {:>7} {:>6} {:>6}   {:>10} {:>10} {:>10}",
            "", "before", "", "after", "before", "after", "after"
        );
        for (i, (name, _)) in self.watched.iter().enumerate() {
            let (before, after) = (self.before[i], self.after[i]);
            let mut verdict = Vec::new();
            if after.fds > before.fds + FD_SLACK {
                verdict.push(format!("fds grew by {}", after.fds - before.fds));
            }
            let is_relay = name.starts_with("relay");
            let allowed =
                before.rss_kib + (before.rss_kib as f64 * RSS_GROWTH) as u64 + RSS_SLACK_KIB;
            if is_relay && after.rss_kib > allowed {
                verdict.push(format!(
                    "VmRSS grew by {}",
                    mib(after.rss_kib - before.rss_kib)
                ));
            }
            let shown = if verdict.is_empty() {
                if is_relay {
                    "ok".to_owned()
                } else {
                    "ok (memory not judged)".to_owned()
                }
            } else {
                problems.push(format!("{name}: {}", verdict.join(", ")));
                verdict.join(", ")
            };
            println!(
                "{:<22} {:>7} {:>6} {:>6}   {:>10} {:>10} {:>10}   {shown}",
                name,
                before.fds,
                self.peaks[i],
                after.fds,
                mib(before.rss_kib),
                mib(after.rss_kib),
                mib(after.hwm_kib)
            );
        }

        println!();
        println!(
            "{:<12} {:>8} {:>8} {:>7} {:>14} {:>16}",
            "behaviour", "rounds", "ok", "failed", "bytes echoed", "closed by relay"
        );
        let stats = lock(&self.stats.0);
        let (mut rounds, mut echoed) = (0, 0);
        for behaviour in BEHAVIOURS {
            let empty = Tally::default();
            let tally = stats.get(&behaviour).unwrap_or(&empty);
            rounds += tally.ok + tally.failed;
            echoed += tally.bytes;
            let closed = match behaviour {
                Behaviour::StalledTls | Behaviour::StalledWs => tally.closed_by_relay.to_string(),
                _ => "-".to_owned(),
            };
            println!(
                "{:<12} {:>8} {:>8} {:>7} {:>14} {:>16}",
                behaviour.name(),
                tally.ok + tally.failed,
                tally.ok,
                tally.failed,
                tally.bytes,
                closed
            );
            if tally.ok + tally.failed == 0 {
                problems.push(format!("{}: no rounds ran", behaviour.name()));
            }
            if tally.failed > 0 {
                problems.push(format!(
                    "{}: {} failed rounds",
                    behaviour.name(),
                    tally.failed
                ));
            }
            for (error, count) in &tally.errors {
                println!("    {count} x {error}");
            }
        }
        println!(
            "{:<12} {:>8} {:>8} {:>7} {:>14}",
            "total", rounds, "", "", echoed
        );
        let warmup_failed: u64 = lock(&self.warmup.0).values().map(|t| t.failed).sum();
        if warmup_failed > 0 {
            println!("warm-up: {warmup_failed} failed rounds (not counted above)");
            problems.push(format!("warm-up: {warmup_failed} failed rounds"));
        }

        println!();
        for (name, exit, log) in self.exits {
            let exit_text = match exit {
                Ok(status) if status.success() => "exited 0 on SIGTERM".to_owned(),
                Ok(status) => {
                    problems.push(format!("relay {name}: {status} on SIGTERM"));
                    format!("{status} on SIGTERM")
                }
                Err(e) => {
                    problems.push(format!("relay {name}: {e}"));
                    e.clone()
                }
            };
            println!(
                "relay {name}: {exit_text}; stderr: {} warnings, {} errors",
                log.warnings, log.errors
            );
            for line in &log.first {
                println!("    {line}");
            }
        }
        if self.echo_aborted > 0 {
            println!(
                "echo server: {} handlers still running at the end, aborted",
                self.echo_aborted
            );
            problems.push(format!(
                "echo server: {} handlers left running",
                self.echo_aborted
            ));
        }

        println!();
        if problems.is_empty() {
            println!("PASS: nothing grew, nothing failed");
        } else {
            println!("FAIL:");
            for problem in &problems {
                println!("  - {problem}");
            }
        }
        problems.is_empty()
    }
}
