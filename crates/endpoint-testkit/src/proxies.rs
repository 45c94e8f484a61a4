//! Independent proxies (microsocks for SOCKS5, tinyproxy for HTTP `CONNECT`) run as child
//! processes in the foreground on free loopback ports, for the proxy layers' tests and the
//! CLI's. (A system tinyproxy service, if the package started one, is never used.)

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};

use crate::basics::{TestResult, SAFETY};

/// A port that was free a moment ago on 127.0.0.1.
pub async fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

/// A proxy child process, killed when dropped.
pub struct Proxy {
    /// The port it listens on, on 127.0.0.1.
    pub port: u16,
    /// Held so that dropping the `Proxy` kills it (`kill_on_drop`).
    _child: Child,
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
                    _child: child,
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
pub async fn microsocks(binary: &Path, credentials: Option<(&str, &str)>) -> TestResult<Proxy> {
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
    binary: &Path,
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
