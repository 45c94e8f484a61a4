//! The `haproxy+` client layer against the real HAProxy (`/usr/sbin/haproxy`, installed by
//! `.ci/run`): a relay sends PROXY v1 and v2 headers to a `bind ... accept-proxy` frontend,
//! whose log line names the original client (`%ci:%cp`) and, for v2 behind a
//! TLS-terminating relay, the server name TLV (`%[fc_pp_authority]`).

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use endpoint_testkit::{eventually, eventually_async, free_port, TestPki, TestResult, SAFETY};
use endpoints::{ClientEndpoint, Listener};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpSocket;
use tokio::process::{Child, Command};

const LIMIT: Duration = Duration::from_secs(20);

/// HAProxy in the foreground, logging each connection to stdout; killed when dropped.
struct Haproxy {
    _child: Child,
    port: u16,
    log: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl Haproxy {
    /// Starts `haproxy` with an `accept-proxy` frontend on a free port forwarding to a TCP
    /// echo server on `backend`; returns once the frontend accepts connections.
    async fn start(binary: PathBuf, backend: u16) -> TestResult<Haproxy> {
        let dir = tempfile::tempdir()?;
        let port = free_port().await;
        let config = format!(
            "global\n\
             \x20   log stdout format raw local0\n\
             defaults\n\
             \x20   mode tcp\n\
             \x20   log global\n\
             \x20   timeout connect 10s\n\
             \x20   timeout client 30s\n\
             \x20   timeout server 30s\n\
             frontend front\n\
             \x20   bind 127.0.0.1:{port} accept-proxy\n\
             \x20   log-format \"seen client=%ci:%cp authority=%[fc_pp_authority]\"\n\
             \x20   default_backend echo\n\
             backend echo\n\
             \x20   server echo 127.0.0.1:{backend}\n"
        );
        let path = dir.path().join("haproxy.cfg");
        std::fs::write(&path, config)?;
        let mut child = Command::new(binary)
            .arg("-db")
            .arg("-f")
            .arg(&path)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()?;
        let log = Arc::new(Mutex::new(String::new()));
        // Its log lines (stdout) and its warnings (stderr) both go into `log`, shown when an
        // expected line never comes.
        collect(child.stdout.take().ok_or("stdout is piped")?, &log);
        collect(child.stderr.take().ok_or("stderr is piped")?, &log);
        // Ready when the frontend accepts (a probe that sends nothing; HAProxy drops it).
        eventually_async(SAFETY, || async move {
            tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
        })
        .await?;
        Ok(Haproxy {
            _child: child,
            port,
            log,
            _dir: dir,
        })
    }

    /// Waits (up to the safety limit) for a log line containing `needle`.
    async fn logged(&self, needle: &str) -> TestResult {
        let found = eventually(SAFETY, || {
            self.log.lock().expect("the log").contains(needle)
        })
        .await;
        found.map_err(|e| {
            let log = self.log.lock().expect("the log").clone();
            format!("HAProxy never logged {needle:?} ({e}); its log: {log:?}").into()
        })
    }
}

/// Appends each line `output` prints to `log`.
fn collect(output: impl tokio::io::AsyncRead + Send + Unpin + 'static, log: &Arc<Mutex<String>>) {
    let log = Arc::clone(log);
    tokio::spawn(async move {
        let mut lines = BufReader::new(output).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let mut log = log.lock().expect("the log");
            log.push_str(&line);
            log.push('\n');
        }
    });
}

/// Relays every connection `front` accepts to `client`, as `endpoint relay` does.
fn relay_all(mut front: Listener, client: Arc<dyn ClientEndpoint>) {
    tokio::spawn(async move {
        while let Ok(accepted) = front.accept().await {
            tokio::spawn(endpoints::relay::forward(
                accepted,
                Arc::clone(&client),
                None,
            ));
        }
    });
}

async fn bind(description: &str) -> TestResult<(Listener, u16)> {
    let listener = endpoints::server_from_string(description)?.bind().await?;
    let port = listener.local_address().port().ok_or("an IP listener")?;
    Ok((listener, port))
}

/// Sends `ping` through `port` from 127.0.0.2, reads the echo, and returns the client's port.
async fn ping_from_127_0_0_2(port: u16) -> TestResult<u16> {
    let socket = TcpSocket::new_v4()?;
    socket.bind("127.0.0.2:0".parse()?)?;
    let mut stream = socket.connect(([127, 0, 0, 1], port).into()).await?;
    let client_port = stream.local_addr()?.port();
    stream.write_all(b"ping").await?;
    let mut buf = [0u8; 4];
    tokio::time::timeout(LIMIT, stream.read_exact(&mut buf)).await??;
    assert_eq!(&buf, b"ping", "echoed through the relay and HAProxy");
    Ok(client_port)
}

#[tokio::test]
async fn haproxy_logs_the_original_client_from_our_v1_and_v2_headers() -> TestResult {
    let Some(binary) = endpoint_testkit::require_tool("haproxy") else {
        return Ok(());
    };
    let echo = endpoint_testkit::tcp_echo_server().await?;
    let haproxy = Haproxy::start(binary, echo.port()).await?;
    for version in [1, 2] {
        let (front, front_port) = bind("tcp:0:interface=127.0.0.1").await?;
        let client = endpoints::client_from_string(&format!(
            "haproxy+tcp:127.0.0.1:{}:version={version}",
            haproxy.port
        ))?;
        relay_all(front, client);
        let client_port = ping_from_127_0_0_2(front_port).await?;
        // HAProxy logs a TCP session when it ends: the client has closed by now.
        haproxy
            .logged(&format!("seen client=127.0.0.2:{client_port} "))
            .await?;
    }
    Ok(())
}

#[tokio::test]
async fn haproxy_reads_the_server_name_tlv_of_a_tls_terminating_relay() -> TestResult {
    let Some(binary) = endpoint_testkit::require_tool("haproxy") else {
        return Ok(());
    };
    let pki = TestPki::new();
    let echo = endpoint_testkit::tcp_echo_server().await?;
    let haproxy = Haproxy::start(binary, echo.port()).await?;
    let (front, front_port) = bind(&format!(
        "ssl:0:interface=127.0.0.1:privateKey={}",
        pki.arg("server.pem")
    ))
    .await?;
    let client = endpoints::client_from_string(&format!("haproxy+tcp:127.0.0.1:{}", haproxy.port))?;
    relay_all(front, client);

    let user = endpoints::client_from_string(&format!(
        "tls+tcp:127.0.0.1:{front_port}:hostname=localhost:trustRoots={}",
        pki.arg("ca.pem")
    ))?;
    let mut user = tokio::time::timeout(LIMIT, user.connect()).await??;
    let client_port = user.local_address().port().ok_or("an IP client")?;
    user.write_all(b"ping").await?;
    let mut buf = [0u8; 4];
    tokio::time::timeout(LIMIT, user.read_exact(&mut buf)).await??;
    assert_eq!(&buf, b"ping");
    drop(user);
    haproxy
        .logged(&format!(
            "seen client=127.0.0.1:{client_port} authority=localhost"
        ))
        .await?;
    Ok(())
}
