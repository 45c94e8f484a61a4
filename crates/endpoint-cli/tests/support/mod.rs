//! Helpers for running the `endpoint` binary in tests.
// Each test file includes this module and uses a different part of it.
#![allow(dead_code)]

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncReadExt;
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;

/// Errors in tests.
pub use endpoint_testkit::TestResult;

/// The safety-net limit for anything a test waits on.
pub const LIMIT: Duration = Duration::from_secs(30);

/// The `endpoint` binary as a std command (for one-shot runs).
pub fn endpoint() -> std::process::Command {
    std::process::Command::new(env!("CARGO_BIN_EXE_endpoint"))
}

/// A running `endpoint` child whose first stderr line announced it was ready.
pub struct Running {
    /// The child; killed when dropped.
    pub child: Child,
    /// The address from the ready line.
    pub address: String,
    /// The rest of stderr, collected until the child closes it.
    pub stderr: JoinHandle<String>,
}

impl Running {
    /// The port of the announced address (`ADDRESS` ends `:PORT`).
    pub fn port(&self) -> TestResult<u16> {
        Ok(self.address.rsplit(':').next().ok_or("a port")?.parse()?)
    }
}

/// Starts `endpoint ARGS` with piped stdio and waits (up to `endpoint_testkit::SAFETY`) for the stderr line
/// `PREFIX ADDRESS...`; the address is the first word after the prefix.
pub async fn start(args: &[&str], prefix: &str) -> TestResult<Running> {
    let mut command = Command::new(env!("CARGO_BIN_EXE_endpoint"));
    command.args(args);
    start_command(command, prefix).await
}

/// Starts `endpoint -v relay ARGS` and waits for its `relaying ADDRESS` line.
pub async fn start_relay(args: &[&str]) -> TestResult<Running> {
    let args: Vec<&str> = ["-v", "relay"].iter().chain(args).copied().collect();
    start(&args, "relaying ").await
}

/// Starts `command` with piped stdio and waits (up to `endpoint_testkit::SAFETY`) for the stderr line
/// `PREFIX ADDRESS...`, as [`start`] does.
pub async fn start_command(mut command: Command, prefix: &str) -> TestResult<Running> {
    command.stdin(Stdio::piped()).stdout(Stdio::piped());
    let ready = endpoint_testkit::spawn_ready(command, endpoint_testkit::Output::Stderr, |line| {
        line.starts_with(prefix)
    })
    .await?;
    let address = ready.line[prefix.len()..]
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned();
    Ok(Running {
        child: ready.child,
        address,
        stderr: ready.rest,
    })
}

/// Starts an echo server on `description` in this process (it echoes until end of stream,
/// then shuts its write side); returns its port handle and port.
pub async fn echo_server(description: &str) -> TestResult<(endpoints::ListeningPort, u16)> {
    use tokio::io::AsyncWriteExt;
    let listener = endpoints::server_from_string(description)?.bind().await?;
    let port = listener.local_address().port().ok_or("an IP listener")?;
    let port_handle = listener.listen(|connection| async move {
        let (mut reader, mut writer) = tokio::io::split(connection);
        let mut buf = vec![0u8; 16 * 1024];
        while let Ok(n @ 1..) = reader.read(&mut buf).await {
            if writer.write_all(&buf[..n]).await.is_err() || writer.flush().await.is_err() {
                break;
            }
        }
        let _ = writer.shutdown().await;
    });
    Ok((port_handle, port))
}

/// `GET PATH` over a unix socket (the metrics and health server); checks the answer is `200`
/// and returns the body.
pub async fn http_get_unix(socket: &std::path::Path, path: &str) -> TestResult<String> {
    use tokio::io::AsyncWriteExt;
    let mut stream = tokio::net::UnixStream::connect(socket).await?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: metrics\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await?;
    let mut response = String::new();
    tokio::time::timeout(LIMIT, stream.read_to_string(&mut response)).await??;
    let (head, body) = response.split_once("\r\n\r\n").ok_or("an HTTP response")?;
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    Ok(body.to_string())
}
