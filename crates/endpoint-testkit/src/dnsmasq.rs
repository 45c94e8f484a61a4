//! dnsmasq as a test DNS server: in the foreground on 127.0.0.1 and a free port, answering
//! only the records a test gives it (no upstream servers, no `/etc/hosts`, no configuration
//! file), restartable on the same port with new records.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::net::TcpStream;
use tokio::process::{Child, Command};

use crate::basics::{TestResult, SAFETY};
use crate::proxies::free_port;
use crate::tools::{find_on_path, require};

/// Where dnsmasq is (`PATH`, else `/usr/sbin/dnsmasq`, where Debian's `dnsmasq-base` puts
/// it and where a non-root `PATH` may not look); `None`, with a printed notice, when it is
/// not installed.
///
/// # Panics
/// When it is missing and `CI` is set (see [`require`]).
pub fn require_dnsmasq() -> Option<PathBuf> {
    let found = find_on_path("dnsmasq").or_else(|| {
        let sbin = PathBuf::from("/usr/sbin/dnsmasq");
        sbin.is_file().then_some(sbin)
    });
    require("dnsmasq (apt-get install dnsmasq-base)", found.is_some());
    found
}

/// A dnsmasq child process, killed when dropped.
pub struct Dnsmasq {
    /// The port it answers on, on 127.0.0.1 (UDP and TCP).
    pub port: u16,
    binary: PathBuf,
    child: Option<Child>,
}

impl Dnsmasq {
    /// Starts dnsmasq with `records`, its own options (`--srv-host=...`,
    /// `--host-record=...`), every answer with a TTL of 1 s, on a free port.
    ///
    /// # Errors
    /// When it does not start answering within [`SAFETY`] on any of a few ports.
    pub async fn start(binary: &Path, records: &[String]) -> TestResult<Dnsmasq> {
        for _ in 0..5 {
            let mut dns = Dnsmasq {
                port: free_port().await,
                binary: binary.to_owned(),
                child: None,
            };
            if dns.spawn(records).await.is_ok() {
                return Ok(dns);
            }
        }
        Err("dnsmasq did not start".into())
    }

    /// The escaped `nameserver=` value for it: `127.0.0.1\:PORT`.
    pub fn nameserver(&self) -> String {
        format!(r"127.0.0.1\:{}", self.port)
    }

    /// Stops it and starts it again on the same port with `records` instead.
    ///
    /// # Errors
    /// When it does not answer again within [`SAFETY`].
    pub async fn restart(&mut self, records: &[String]) -> TestResult {
        self.stop().await;
        let deadline = tokio::time::Instant::now() + SAFETY;
        // The port was just released; retry briefly should the old socket linger.
        loop {
            match self.spawn(records).await {
                Ok(()) => return Ok(()),
                Err(e) if tokio::time::Instant::now() > deadline => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Stops it (kills it and waits for it to exit): lookups fail from now on.
    pub async fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill().await;
        }
    }

    /// Starts the child on `self.port` and waits until it accepts TCP (it binds UDP first).
    async fn spawn(&mut self, records: &[String]) -> TestResult {
        let mut command = Command::new(&self.binary);
        command
            .args([
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--no-poll",
                "--bind-interfaces",
                "--listen-address=127.0.0.1",
                "--local-ttl=1",
                "--pid-file=",
            ])
            .arg(format!("--port={}", self.port))
            .args(records)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true);
        let mut child = command.spawn()?;
        let deadline = tokio::time::Instant::now() + SAFETY;
        loop {
            if TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                self.child = Some(child);
                return Ok(());
            }
            if child.try_wait()?.is_some() || tokio::time::Instant::now() > deadline {
                let _ = child.kill().await;
                return Err("dnsmasq exited or did not listen".into());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
