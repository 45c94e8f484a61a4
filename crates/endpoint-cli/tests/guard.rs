//! `--egress` and `--allow-kinds` on `connect` and `relay`: what the operator's guard lets
//! a description reach; and the warning for a `haproxy` listener that believes any peer. Only loopback is ever dialled (the other classes are checked as
//! addresses in `endpoint-core`'s unit tests and in the CLI's `guard` unit tests), and a
//! refused attempt is shown to have sent nothing: the listener's first connection is a later,
//! deliberate one.

mod support;

use std::process::{Output, Stdio};

use tokio::io::AsyncReadExt;
use tokio::net::{TcpListener, TcpStream};

use support::{start_relay, TestResult, LIMIT};

/// Runs `endpoint ARGS` with stdin closed, to the end (under the safety limit).
async fn run(args: &[&str]) -> TestResult<Output> {
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    Ok(tokio::time::timeout(LIMIT, child.wait_with_output()).await??)
}

/// Asserts that `listener` has not been dialled: the first connection it accepts is one made
/// now, from a socket whose address we know.
async fn assert_untouched(listener: &TcpListener) -> TestResult {
    let probe = TcpStream::connect(listener.local_addr()?).await?;
    let (_accepted, from) = tokio::time::timeout(LIMIT, listener.accept()).await??;
    assert_eq!(from, probe.local_addr()?, "something else connected first");
    Ok(())
}

#[tokio::test]
async fn egress_public_refuses_loopback_and_an_exception_lets_it_through() -> TestResult {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let target = format!("tcp:127.0.0.1:{}", listener.local_addr()?.port());

    let refused = run(&["connect", "--egress", "public", &target]).await?;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("127.0.0.1 is a loopback address, which the egress policy refuses"),
        "{stderr}"
    );
    assert_untouched(&listener).await?;

    // A class list refuses what it names, and only that.
    let named = run(&["connect", "--egress=private,loopback", &target]).await?;
    assert_eq!(named.status.code(), Some(1));
    assert_untouched(&listener).await?;

    // Without the guard, and with an exception for the address, the connect goes through.
    for args in [
        vec!["connect", target.as_str()],
        vec![
            "connect",
            "--egress",
            "public",
            "--egress-allow",
            "127.0.0.0/8",
            &target,
        ],
        vec!["connect", "--egress", "multicast", &target],
    ] {
        // Accepted and closed at once, so `connect` ends.
        let (ran, accepted) = tokio::join!(run(&args), async { listener.accept().await.map(drop) });
        let ran = ran?;
        accepted?;
        assert!(
            ran.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&ran.stderr)
        );
    }
    Ok(())
}

#[tokio::test]
async fn the_relay_obeys_the_guard_for_its_upstream() -> TestResult {
    let upstream = TcpListener::bind("127.0.0.1:0").await?;
    let target = format!("tcp:127.0.0.1:{}", upstream.local_addr()?.port());
    let relay = start_relay(&["--egress", "public", "tcp:0:interface=127.0.0.1", &target]).await?;
    let mut client = TcpStream::connect(&relay.address).await?;
    let mut rest = Vec::new();
    // The relay closes the accepted connection when the upstream is refused.
    let _ = tokio::time::timeout(LIMIT, client.read_to_end(&mut rest)).await?;
    assert!(rest.is_empty());
    assert_untouched(&upstream).await
}

#[tokio::test]
async fn allow_kinds_refuses_other_kinds_nested_ones_included() -> TestResult {
    let dir = tempfile::tempdir()?;
    let socket = dir.path().join("s.sock");
    let unix = format!("unix:{}", socket.display());
    let refused = run(&["connect", "--allow-kinds", "tcp,tls", &unix]).await?;
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("kind \"unix\"") && stderr.contains("(known: tcp, tls)"),
        "{stderr}"
    );

    let nested = format!("tls:localhost:443:endpoint={}", unix.replace(':', "\\:"));
    let refused = run(&["connect", "--allow-kinds", "tcp,tls", &nested]).await?;
    assert_eq!(refused.status.code(), Some(2));

    let relay = run(&["relay", "--allow-kinds", "tcp", &unix, "tcp:127.0.0.1:9"]).await?;
    assert_eq!(relay.status.code(), Some(2));

    let typo = run(&["connect", "--allow-kinds", "tcp,tpc", "tcp:127.0.0.1:9"]).await?;
    let stderr = String::from_utf8_lossy(&typo.stderr);
    assert_eq!(typo.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("no kind is named \"tpc\""), "{stderr}");
    Ok(())
}

/// Starts `endpoint listen DESC` and returns what it logged before `listening on`.
async fn logged_before_listening(description: &str) -> TestResult<String> {
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_endpoint"));
    command.args(["listen", description]).stdin(Stdio::piped());
    let ready = endpoint_testkit::spawn_ready(command, endpoint_testkit::Output::Stderr, |l| {
        l.starts_with("listening on ")
    })
    .await?;
    Ok(ready.before)
}

#[tokio::test]
async fn a_haproxy_listener_open_to_other_machines_without_trusted_warns() -> TestResult {
    const WARNING: &str = "PROXY headers are believed from any peer";
    // Bound on every interface for the moment it takes to read the line; nothing connects.
    let open = logged_before_listening("haproxy:tcp:0:interface=0.0.0.0").await?;
    assert!(
        open.contains(WARNING) && open.contains("trusted="),
        "{open}"
    );
    for quiet in [
        "haproxy:tcp:0:interface=127.0.0.1",
        "haproxy+tcp6:0:interface=\\:\\:1",
        "haproxy:tcp:0:interface=0.0.0.0:trusted=any",
        "haproxy:tcp:0:interface=0.0.0.0:trusted=10.0.0.0/8",
    ] {
        let logged = logged_before_listening(quiet).await?;
        assert!(!logged.contains(WARNING), "{quiet}: {logged}");
    }
    Ok(())
}
