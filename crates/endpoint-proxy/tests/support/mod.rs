//! Independent proxies (microsocks, tinyproxy) run as child processes on loopback, and the
//! targets they reach: echo servers, a closed port, a proxy that never answers.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};

pub use endpoint_testkit::TestResult;

pub use endpoint_testkit::SAFETY;

/// A port that was free a moment ago on 127.0.0.1.
pub async fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// A proxy child process, killed when dropped.
pub struct Proxy {
    pub port: u16,
    child: Child,
    _dir: Option<tempfile::TempDir>,
}

impl Proxy {
    /// The escaped `proxy=` value for it.
    pub fn description(&self) -> String {
        format!(r"tcp\:127.0.0.1\:{}", self.port)
    }
}

/// Starts `command(port)` on free ports until one listens (a port taken in between makes
/// the child exit, and another is tried). Waits by polling connect, never by sleeping a
/// fixed time.
async fn start(
    mut command: impl FnMut(u16) -> (Command, Option<tempfile::TempDir>),
) -> TestResult<Proxy> {
    for _ in 0..5 {
        let port = free_port().await;
        let (mut cmd, dir) = command(port);
        cmd.stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let mut child = cmd.spawn()?;
        let deadline = tokio::time::Instant::now() + SAFETY;
        loop {
            if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Ok(Proxy {
                    port,
                    child,
                    _dir: dir,
                });
            }
            if child.try_wait()?.is_some() || tokio::time::Instant::now() > deadline {
                let _ = child.kill().await;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    Err("the proxy did not start listening".into())
}

/// microsocks on 127.0.0.1, with `-u user -P password` when given.
pub async fn microsocks(binary: &PathBuf, credentials: Option<(&str, &str)>) -> TestResult<Proxy> {
    start(|port| {
        let mut cmd = Command::new(binary);
        cmd.args(["-i", "127.0.0.1", "-p", &port.to_string()]);
        if let Some((user, password)) = credentials {
            cmd.args(["-u", user, "-P", password]);
        }
        (cmd, None)
    })
    .await
}

/// tinyproxy in the foreground on 127.0.0.1 with a configuration in a temp dir: loopback
/// clients only, CONNECT to `ports` only, and `BasicAuth` when given. (A system tinyproxy
/// service, if the package started one, is not used.)
pub async fn tinyproxy(
    binary: &PathBuf,
    ports: &[u16],
    credentials: Option<(&str, &str)>,
) -> TestResult<Proxy> {
    start(|port| {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut config = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\nMaxClients 20\nLogLevel Info\nDisableViaHeader Yes\n"
        );
        for p in ports {
            config.push_str(&format!("ConnectPort {p}\n"));
        }
        if let Some((user, password)) = credentials {
            config.push_str(&format!("BasicAuth {user} {password}\n"));
        }
        let path = dir.path().join("tinyproxy.conf");
        std::fs::write(&path, config).expect("write tinyproxy.conf");
        let mut cmd = Command::new(binary);
        cmd.arg("-d").arg("-c").arg(&path);
        (cmd, Some(dir))
    })
    .await
}

/// A port on 127.0.0.1 nothing listens on (bound, then released).
pub async fn closed_port() -> u16 {
    free_port().await
}

/// A "proxy" that accepts, sends `answer`, and then says nothing more, holding every
/// connection open.
pub async fn stalling_proxy(answer: &'static [u8]) -> std::io::Result<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 64];
            let _ = stream.read(&mut buf).await;
            let _ = stream.write_all(answer).await;
            held.push(stream);
        }
    });
    Ok(port)
}

/// Writes `message` and reads it back.
pub async fn round_trip(connection: &mut endpoints::Connection, message: &[u8]) -> TestResult {
    connection.write_all(message).await?;
    let mut back = vec![0u8; message.len()];
    tokio::time::timeout(SAFETY, connection.read_exact(&mut back)).await??;
    assert_eq!(back, message);
    Ok(())
}

/// The `ProxyError` behind an error from `connect`.
pub fn proxy_error(error: &endpoints::Error) -> &endpoint_proxy::ProxyError {
    endpoint_proxy::ProxyError::find(error)
        .unwrap_or_else(|| panic!("no ProxyError behind {error}"))
}
