//! The `stdio` server kind, inetd style: `endpoint relay stdio CLIENT` as a child process
//! whose stdin and stdout are pipes.

mod support;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use support::{echo_server, start_relay, TestResult, LIMIT};

#[tokio::test]
async fn relay_from_stdio_to_an_echo_server_and_back() -> TestResult {
    let (echo, echo_port) = echo_server("tcp:0:interface=127.0.0.1").await?;

    let relay = start_relay(&["stdio", &format!("tcp:127.0.0.1:{echo_port}")]).await?;
    assert_eq!(relay.address, "stdio");
    let mut child = relay.child;
    let mut stdin = child.stdin.take().ok_or("stdin")?;
    let mut stdout = child.stdout.take().ok_or("stdout")?;
    let payload: Vec<u8> = (0..100_000u32).map(|i| (i % 241) as u8).collect();
    let sent = payload.clone();
    let send = async move {
        stdin.write_all(&sent).await?;
        drop(stdin); // end of input: the relay half-closes towards the echo server
        std::io::Result::Ok(())
    };
    let receive = async move {
        let mut back = Vec::new();
        // Ends when the relay shuts its stdout down after the echo server's end of stream.
        stdout.read_to_end(&mut back).await.map(|_| back)
    };
    let ((), back) =
        tokio::time::timeout(LIMIT, async { tokio::try_join!(send, receive) }).await??;
    assert!(back == payload, "{} bytes came back, changed", back.len());

    // The one connection is over, and with it the relay (inetd style): it exits by itself.
    let status = tokio::time::timeout(LIMIT, child.wait()).await??;
    let stderr = relay.stderr.await?;
    assert!(status.success(), "exit {status}; stderr: {stderr}");
    echo.shutdown(std::time::Duration::from_secs(1)).await;
    Ok(())
}

#[test]
fn stdio_ignores_its_arguments_like_twisted() -> TestResult {
    let output = support::endpoint()
        .args(["describe", "--server", "STDIO:anything:foo=bar"])
        .output()?;
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("stdio\n"));
    Ok(())
}

/// At the default verbosity an inetd-style relay writes nothing to stderr (which a
/// supervisor may have pointed at the socket itself): the bytes come back, stderr stays empty.
#[tokio::test]
async fn a_quiet_relay_writes_nothing_to_stderr() -> TestResult {
    use std::process::Stdio;

    let (echo, echo_port) = echo_server("tcp:0:interface=127.0.0.1").await?;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_endpoint"))
        .args(["relay", "stdio", &format!("tcp:127.0.0.1:{echo_port}")])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or("stdin")?;
    stdin.write_all(b"quiet please").await?;
    drop(stdin);
    let output = tokio::time::timeout(LIMIT, child.wait_with_output()).await??;
    assert!(output.status.success(), "exit {}", output.status);
    assert_eq!(output.stdout, b"quiet please");
    assert!(
        output.stderr.is_empty(),
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    echo.shutdown(std::time::Duration::from_secs(1)).await;
    Ok(())
}
