//! `endpoint relay` under pressure and in the open: it raises its descriptor limit, backs off
//! when descriptors run out without dropping the pairs it has, retries an upstream that is not
//! there yet with `--retry`, and reports what it does with `--stats`.

mod support;

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader, Lines};
use tokio::net::TcpStream;
use tokio::process::{Child, ChildStderr, Command};

use support::{echo_server, TestResult, LIMIT};

/// `endpoint -v relay ...` with its open-descriptor limit set to `soft`/`hard` before it
/// starts; returns the child, its stderr lines, and every line before the ready line.
async fn relay_limited(
    soft: u64,
    hard: u64,
    extra: &[&str],
    echo_port: u16,
) -> TestResult<(Child, Lines<BufReader<ChildStderr>>, String, String)> {
    relay_limited_to(soft, hard, extra, &format!("tcp:127.0.0.1:{echo_port}")).await
}

async fn relay_limited_to(
    soft: u64,
    hard: u64,
    extra: &[&str],
    upstream: &str,
) -> TestResult<(Child, Lines<BufReader<ChildStderr>>, String, String)> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_endpoint"));
    command
        .arg("-v")
        .arg("relay")
        .args(extra)
        .arg("tcp:0:interface=127.0.0.1")
        .arg(upstream)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    // SAFETY: setrlimit is async-signal-safe; the closure touches nothing else.
    unsafe {
        command.pre_exec(move || {
            let limit = libc::rlimit {
                rlim_cur: soft as libc::rlim_t,
                rlim_max: hard as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = command.spawn()?;
    let mut lines = BufReader::new(child.stderr.take().ok_or("stderr")?).lines();
    let mut before = String::new();
    let address = tokio::time::timeout(LIMIT, async {
        while let Some(line) = lines.next_line().await? {
            if let Some(rest) = line.strip_prefix("relaying ") {
                return TestResult::Ok(rest.split(' ').next().unwrap_or_default().to_owned());
            }
            before.push_str(&line);
            before.push('\n');
        }
        Err(format!("relay exited before it was ready: {before}").into())
    })
    .await??;
    Ok((child, lines, address, before))
}

/// One byte there and back through `stream`, within the safety limit.
async fn echo(stream: &mut TcpStream, byte: u8) -> TestResult {
    stream.write_all(&[byte]).await?;
    let mut back = [0u8; 1];
    tokio::time::timeout(LIMIT, stream.read_exact(&mut back)).await??;
    assert_eq!(back[0], byte);
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_relay_raises_its_descriptor_limit_and_says_so() -> TestResult {
    let (_echo, echo_port) = echo_server("tcp:0:interface=127.0.0.1").await?;
    let (_relay, _lines, address, before) = relay_limited(48, 96, &[], echo_port).await?;
    assert!(
        before.contains("raised the open-descriptor limit from 48 to 96"),
        "stderr before the ready line: {before}"
    );
    let mut stream = TcpStream::connect(&address).await?;
    echo(&mut stream, b'r').await
}

/// With room for only a few pairs, the relay fills up, leaves further connections waiting (or
/// closes one it could not connect upstream), keeps every established pair working, and
/// serves new connections again once pairs close.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_descriptors_it_backs_off_and_recovers_without_dropping_pairs() -> TestResult {
    let (_echo, echo_port) = echo_server("tcp:0:interface=127.0.0.1").await?;
    let (_relay, _lines, address, _) = relay_limited(40, 40, &[], echo_port).await?;
    // Fill the relay: pairs until one is not served.
    let mut established = Vec::new();
    let stuck = loop {
        assert!(
            established.len() < 40,
            "a 40-descriptor relay held 40 pairs"
        );
        let mut stream = TcpStream::connect(&address).await?;
        stream.write_all(b"f").await?;
        let mut back = [0u8; 1];
        // A served pair answers at once; a short wait tells the unserved one apart.
        match tokio::time::timeout(Duration::from_secs(2), stream.read(&mut back)).await {
            Ok(Ok(1)) => established.push(stream),
            // Accepted but upstream could not be reached: closed (or reset).
            Ok(Ok(_)) | Ok(Err(_)) => break None,
            // Waiting in the backlog while the listener backs off.
            Err(_) => break Some(stream),
        }
    };
    assert!(
        established.len() >= 5,
        "only {} pairs before the limit",
        established.len()
    );
    // Every established pair still works.
    for (n, stream) in established.iter_mut().enumerate() {
        echo(stream, n as u8)
            .await
            .map_err(|e| format!("established pair {n} after the limit: {e}"))?;
    }
    // Free room: the relay recovers, and the connection that waited is served.
    let freed = established.split_off(established.len() / 2);
    drop(freed);
    if let Some(mut waiting) = stuck {
        let mut back = [0u8; 1];
        tokio::time::timeout(LIMIT, waiting.read_exact(&mut back))
            .await?
            .map_err(|e| format!("the waiting connection: {e}"))?;
        assert_eq!(
            &back, b"f",
            "the waiting connection is relayed once there is room"
        );
    }
    // The relay closes the freed pairs on its own time; until it has, a new connection may
    // still find no room upstream and be closed. Retry until one is served.
    tokio::time::timeout(LIMIT, async {
        loop {
            let mut fresh = TcpStream::connect(&address).await?;
            if echo(&mut fresh, b'n').await.is_ok() {
                return TestResult::Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await?
    .map_err(|e| format!("a fresh connection: {e}"))?;
    for (n, stream) in established.iter_mut().enumerate() {
        echo(stream, n as u8 + 100)
            .await
            .map_err(|e| format!("established pair {n} at the end: {e}"))?;
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stats_lines_while_running_and_a_summary_at_exit() -> TestResult {
    let (_echo, echo_port) = echo_server("tcp:0:interface=127.0.0.1").await?;
    let stats = ["--stats", "--stats-interval", "0.1"];
    let (relay, mut lines, address, _) = relay_limited(1024, 1024, &stats, echo_port).await?;
    let mut stream = TcpStream::connect(&address).await?;
    stream.write_all(b"hello").await?;
    let mut back = [0u8; 5];
    tokio::time::timeout(LIMIT, stream.read_exact(&mut back)).await??;
    // A line appears once something changed: one connection open, bytes both ways.
    let line = tokio::time::timeout(LIMIT, async {
        while let Some(line) = lines.next_line().await? {
            if line.starts_with("relay: ") && line.contains("5 B back") {
                return TestResult::Ok(line);
            }
        }
        Err("stderr ended before a stats line".into())
    })
    .await??;
    assert!(
        line.contains("1 in all") && line.contains("5 B to the client side"),
        "{line}"
    );
    drop(stream);
    let pid = relay.id().ok_or("running")?;
    // SAFETY: SIGTERM to our own child.
    assert_eq!(unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) }, 0);
    let summary = tokio::time::timeout(LIMIT, async {
        while let Some(line) = lines.next_line().await? {
            if let Some(summary) = line.strip_prefix("relay summary: ") {
                return TestResult::Ok(summary.to_owned());
            }
        }
        Err("stderr ended before the summary".into())
    })
    .await??;
    assert_eq!(
        summary,
        "0 open, 1 in all, 5 B to the client side, 5 B back, 0 errors"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_reaches_an_upstream_that_starts_late() -> TestResult {
    // A port nothing listens on yet.
    let port = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await?
        .local_addr()?
        .port();
    let upstream = format!("tcp:127.0.0.1:{port}");
    let extra = ["-vv", "--retry", "30"];
    let (_relay, mut lines, address, _) = relay_limited_to(1024, 1024, &extra, &upstream).await?;
    let mut stream = TcpStream::connect(&address).await?;
    stream.write_all(b"late").await?;
    // The relay says it was refused and tries again...
    tokio::time::timeout(LIMIT, async {
        while let Some(line) = lines.next_line().await? {
            if line.contains("retrying") {
                return TestResult::Ok(());
            }
        }
        Err("stderr ended before a retry".into())
    })
    .await??;
    // ...and once the upstream is up, the waiting connection is relayed.
    let (_echo, _) = echo_server(&format!("tcp:{port}:interface=127.0.0.1")).await?;
    let mut back = [0u8; 4];
    tokio::time::timeout(LIMIT, stream.read_exact(&mut back)).await??;
    assert_eq!(&back, b"late");
    Ok(())
}

/// A port owned by a socket that is bound but not listening: connecting is refused (as to a
/// stopped upstream) and nothing else can take the port, until [`listen`] turns it on.
fn refusing_port() -> TestResult<(socket2::Socket, u16)> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
    let port = socket
        .local_addr()?
        .as_socket()
        .ok_or("an IP socket")?
        .port();
    Ok((socket, port))
}

/// Starts listening on a [`refusing_port`]'s socket.
fn listen(socket: socket2::Socket) -> TestResult<tokio::net::TcpListener> {
    socket.listen(1024)?;
    socket.set_nonblocking(true)?;
    Ok(tokio::net::TcpListener::from_std(socket.into())?)
}

/// How many descriptors process `pid` has open.
fn open_descriptors(pid: u32) -> TestResult<usize> {
    Ok(std::fs::read_dir(format!("/proc/{pid}/fd"))?.count())
}

/// Reads `lines` until a `relay: ` statistics line `wanted` accepts; returns it.
async fn stats_line(
    lines: &mut Lines<BufReader<ChildStderr>>,
    wanted: impl Fn(&str) -> bool,
) -> TestResult<String> {
    tokio::time::timeout(LIMIT, async {
        let mut last = String::new();
        while let Some(line) = lines.next_line().await? {
            if line.starts_with("relay: ") {
                if wanted(&line) {
                    return TestResult::Ok(line);
                }
                last = line;
            }
        }
        Err(format!("stderr ended; the last stats line: {last}").into())
    })
    .await
    .map_err(|_| "no such stats line within the safety limit")?
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_forgets_clients_that_left_and_never_dials_for_them() -> TestResult {
    const CLIENTS: usize = 200;
    let (upstream, port) = refusing_port()?;
    let extra = ["--retry", "120", "--stats", "--stats-interval", "0.1"];
    let (relay, mut lines, address, _) =
        relay_limited_to(4096, 4096, &extra, &format!("tcp:127.0.0.1:{port}")).await?;
    let pid = relay.id().ok_or("running")?;
    let baseline = open_descriptors(pid)?;
    let started = std::time::Instant::now();
    for _ in 0..CLIENTS {
        drop(TcpStream::connect(&address).await?);
    }
    // Every client was accepted, and none is left open: each attempt was cancelled when its
    // client left, long before the 120 s retry window ends.
    let line = stats_line(&mut lines, |line| {
        line.starts_with(&format!("relay: 0 open, {CLIENTS} in all"))
    })
    .await?;
    let emptied = started.elapsed();
    assert!(line.contains(&format!("{CLIENTS} left before")), "{line}");
    let held = open_descriptors(pid)?;
    assert!(
        held <= baseline + 4,
        "{held} descriptors open, {baseline} before"
    );
    eprintln!(
        "{CLIENTS} departed clients let go of in {emptied:?}; descriptors {baseline} -> {held}"
    );

    // A client that stays: when the upstream comes up, its connection is the first (and only)
    // one the upstream sees.
    let mut stays = TcpStream::connect(&address).await?;
    stays.write_all(b"hello").await?;
    stats_line(&mut lines, |line| line.contains("1 open")).await?;
    let upstream = listen(upstream)?;
    let (mut first, _) = tokio::time::timeout(LIMIT, upstream.accept()).await??;
    let mut hello = [0u8; 5];
    tokio::time::timeout(LIMIT, first.read_exact(&mut hello)).await??;
    assert_eq!(
        &hello, b"hello",
        "the upstream's first connection is the client that stayed"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_max_pending_turns_away_the_excess_at_once() -> TestResult {
    let (upstream, port) = refusing_port()?;
    let extra = [
        "--retry",
        "120",
        "--retry-max-pending",
        "3",
        "--stats",
        "--stats-interval",
        "0.1",
    ];
    let (_relay, mut lines, address, _) =
        relay_limited_to(1024, 1024, &extra, &format!("tcp:127.0.0.1:{port}")).await?;
    let mut waiting = Vec::new();
    for byte in 0..3u8 {
        let mut stream = TcpStream::connect(&address).await?;
        stream.write_all(&[byte]).await?;
        waiting.push(stream);
    }
    stats_line(&mut lines, |line| line.contains("3 open, 3 in all")).await?;
    // A fourth is closed at once, not kept for the retry window.
    let mut fourth = TcpStream::connect(&address).await?;
    let mut rest = Vec::new();
    tokio::time::timeout(LIMIT, fourth.read_to_end(&mut rest)).await??;
    assert!(rest.is_empty());
    stats_line(&mut lines, |line| line.contains("1 turned away")).await?;
    // The three waiting ones are relayed once the upstream is up, their early bytes first.
    let upstream = listen(upstream)?;
    let mut seen = Vec::new();
    let mut upstream_side = Vec::new();
    for _ in 0..3 {
        let (mut connection, _) = tokio::time::timeout(LIMIT, upstream.accept()).await??;
        let mut byte = [0u8; 1];
        tokio::time::timeout(LIMIT, connection.read_exact(&mut byte)).await??;
        seen.push(byte[0]);
        connection.write_all(b"!").await?;
        upstream_side.push(connection);
    }
    seen.sort_unstable();
    assert_eq!(seen, [0, 1, 2]);
    for stream in &mut waiting {
        let mut bang = [0u8; 1];
        tokio::time::timeout(LIMIT, stream.read_exact(&mut bang)).await??;
        assert_eq!(&bang, b"!");
    }
    Ok(())
}
