//! Interoperability with an independent implementation, Python's `websockets`, both ways.
//!
//! Skipped (with a message) only when `python3 -c "import websockets"` fails; `.ci/run`
//! installs the package.
mod support;

use std::path::PathBuf;
use std::process::Stdio;

use endpoint_core::Registry;
use endpoint_testkit::{python_server, require_python_module};
use endpoint_ws::WsInfo;
use support::{serve, TestResult, SAFETY};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt};
use tokio::process::Command;

fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/interop")
        .join(name)
}

#[tokio::test]
async fn our_client_talks_to_a_python_server() -> TestResult {
    if !require_python_module("websockets") {
        return Ok(());
    }
    let (mut python, port) = python_server(&script("echo_server.py"), &[]).await?;

    let client = Registry::global().client(&format!("ws://127.0.0.1:{port}/echo?from=rust"))?;
    let mut connection = tokio::time::timeout(SAFETY, client.connect()).await??;
    let info = connection.info().get::<WsInfo>().unwrap();
    assert!(
        info.header("server").is_some_and(|s| s.contains("Python")),
        "{info:?}"
    );

    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 256) as u8).collect();
    // In bounded chunks: the Python server echoes each message as it comes.
    for chunk in data.chunks(50_000) {
        connection.write_all(chunk).await?;
        connection.flush().await?;
        let mut back = vec![0; chunk.len()];
        tokio::time::timeout(SAFETY, connection.read_exact(&mut back)).await??;
        assert!(back == chunk);
    }
    // A clean close: our shutdown completes the handshake with Python's answer.
    tokio::time::timeout(SAFETY, connection.shutdown()).await??;
    let mut rest = Vec::new();
    connection.read_to_end(&mut rest).await?;
    assert!(rest.is_empty());

    drop(python.child.stdin.take());
    tokio::time::timeout(SAFETY, python.child.wait()).await??;
    Ok(())
}

#[tokio::test]
async fn a_python_client_talks_to_our_server() -> TestResult {
    if !require_python_module("websockets") {
        return Ok(());
    }
    let (mut accepted, port) =
        serve("ws:0:interface=127.0.0.1:path=/py:subprotocols=echo.v2,echo.v1").await?;
    let python = Command::new("python3")
        .arg(script("client.py"))
        .arg(port.to_string())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let mut server = tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .ok_or("no connection")?;
    let info = server.info().get::<WsInfo>().unwrap();
    assert_eq!(info.subprotocol.as_deref(), Some("echo.v1"));
    assert_eq!(info.query.as_deref(), Some("x=1"));
    assert!(info
        .header("user-agent")
        .is_some_and(|u| u.contains("Python")));
    // Echo until the Python client closes: its Close is our end of file.
    let echo = async {
        let mut buf = [0u8; 4096];
        loop {
            let n = server.read(&mut buf).await?;
            if n == 0 {
                break;
            }
            server.write_all(&buf[..n]).await?;
            server.flush().await?;
        }
        server.shutdown().await
    };
    tokio::time::timeout(SAFETY, echo).await??;
    let output = tokio::time::timeout(SAFETY, python.wait_with_output()).await??;
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
    Ok(())
}

/// The next line, within the safety timeout.
async fn next_line<R: tokio::io::AsyncBufRead + Unpin>(
    lines: &mut tokio::io::Lines<R>,
) -> TestResult<String> {
    let line = tokio::time::timeout(SAFETY, lines.next_line()).await??;
    Ok(line.ok_or("end of stream")?)
}

/// Issue 23: text mode against an independent implementation. Python names the frame type
/// of each message we send; we read its text and binary messages as lines.
#[tokio::test]
async fn our_text_mode_client_sends_and_reads_text_frames_with_python() -> TestResult {
    if !require_python_module("websockets") {
        return Ok(());
    }
    let (mut python, port) = python_server(&script("text_server.py"), &[]).await?;
    let client = Registry::global().client(&format!("ws://127.0.0.1:{port}/:messages=text"))?;
    let connection = tokio::time::timeout(SAFETY, client.connect()).await??;
    let (reader, mut writer) = tokio::io::split(connection);
    let mut lines = tokio::io::BufReader::new(reader).lines();
    // Python's text and binary messages, each read as a line.
    assert_eq!(next_line(&mut lines).await?, "hello from python");
    assert_eq!(next_line(&mut lines).await?, "binary from python");
    // Each line we write is one text message; an empty line is an empty one.
    writer
        .write_all("héllo\nsecond line\n\n".as_bytes())
        .await?;
    writer.flush().await?;
    assert_eq!(next_line(&mut lines).await?, "text:héllo");
    assert_eq!(next_line(&mut lines).await?, "text:second line");
    assert_eq!(next_line(&mut lines).await?, "text:");
    tokio::time::timeout(SAFETY, writer.shutdown()).await??;

    drop(python.child.stdin.take());
    tokio::time::timeout(SAFETY, python.child.wait()).await??;
    Ok(())
}

#[tokio::test]
async fn a_python_client_gets_text_frames_from_our_text_mode_server() -> TestResult {
    if !require_python_module("websockets") {
        return Ok(());
    }
    let (mut accepted, port) = serve("ws:0:interface=127.0.0.1:messages=text").await?;
    let python = Command::new("python3")
        .arg(script("text_client.py"))
        .arg(port.to_string())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let server = tokio::time::timeout(SAFETY, accepted.recv())
        .await?
        .ok_or("no connection")?;
    let (reader, mut writer) = tokio::io::split(server);
    let mut lines = tokio::io::BufReader::new(reader).lines();
    let mut read = Vec::new();
    // Echo each line until the Python client closes.
    let echo = async {
        while let Some(line) = lines.next_line().await? {
            writer.write_all(format!("{line}\n").as_bytes()).await?;
            writer.flush().await?;
            read.push(line);
        }
        writer.shutdown().await
    };
    tokio::time::timeout(SAFETY, echo).await??;
    assert_eq!(read, ["one", "twö", "three"]);
    let output = tokio::time::timeout(SAFETY, python.wait_with_output()).await??;
    assert!(output.status.success(), "{output:?}");
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
    Ok(())
}
