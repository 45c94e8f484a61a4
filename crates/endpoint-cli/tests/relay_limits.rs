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
